// ES module entry of `open-connectors`: the same classes as the CommonJS entry
// (`index.js`), so `instanceof` agrees whichever way a program loads the module.
import cjs from './index.js'

export const {
  Client,
  Instance,
  OpenConnectorsError,
  InvalidInputError,
  ApiConnectionError,
  ApiTimeoutError,
  ResponseDecodeError,
  ApiStatusError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  InternalServerError,
  VERSION,
  CORE_VERSION,
} = cjs

export default cjs
