// Type declarations of the `open-connectors` npm module (hand-written: the public
// layer of index.js; the generated native.d.ts describes only the internal binding).

/** A region preset: a data centre of the platform whose host the platform documents. */
export type Region =
  | 'default'
  | 'us2'
  | 'us10'
  | 'eu10'
  | 'trial-us10'
  | 'ce-us'
  | 'ce-eu'
  | 'ce-staging'
  | (string & {})

/** Settings of a {@link Client}. Missing ones fall back to the environment. */
export interface ClientOptions {
  /** The user secret (else `OPEN_CONNECTORS_USER_SECRET`). */
  userSecret?: string | null
  /** The organization secret (else `OPEN_CONNECTORS_ORGANIZATION_SECRET`). */
  organizationSecret?: string | null
  /**
   * The full base URL, e.g. `https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2`
   * (a bare host gets `/elements/api-v2`); `https://`, or `http://` to loopback only.
   * Else `region`, else `OPEN_CONNECTORS_BASE_URL`, else `OPEN_CONNECTORS_REGION`.
   */
  baseUrl?: string | null
  /** A region preset instead of a base URL. */
  region?: Region | null
  /** Timeout of one attempt in milliseconds (default 60000). */
  timeout?: number | null
  /** Connect timeout in milliseconds (default 10000). */
  connectTimeout?: number | null
  /** Retries after the first attempt (default 2, at most 10). A create is retried only when it surely did not reach the server. */
  maxRetries?: number | null
  /** Whether missing settings are read from the `OPEN_CONNECTORS_*` environment (default true). */
  useEnv?: boolean | null
}

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue }

/** The arguments of {@link Client.createInstance}. */
export interface CreateInstanceOptions {
  /** The element (connector): its key (`'insightly'`) or numeric id (`5993`). */
  element: string | number
  /** The instance's display name. */
  name?: string | null
  /** Tags. */
  tags?: string[] | null
  /**
   * The element's configuration, e.g. `{ username, password }` for Basic, or
   * `{ 'oauth.api.key', 'oauth.api.secret', 'oauth.callback.url' }` for OAuth 2.
   */
  configuration?: { [key: string]: JsonValue } | null
  /** Provider data, e.g. `{ code }` from the OAuth 2 redirect. */
  providerData?: { [key: string]: JsonValue } | null
  /** `externalAuthentication`, e.g. `'initial'` to bring tokens of your own. */
  externalAuthentication?: string | null
  /** Other top-level body fields, e.g. `{ retrieveObjectsAfterInstantiation: true }`. */
  extra?: { [key: string]: JsonValue } | null
  /** The route: `'instances'` (`POST /instances`, default for a key) or `'elements'` (`POST /elements/{keyOrId}/instances`, default for an id). */
  endpoint?: 'instances' | 'elements' | null
}

/** A tag as the platform sends it: a string, or (in early docs) an object. */
export type Tag = string | { id?: number; name: string }

/**
 * An authenticated connector instance, with the fields as the API names them.
 * Fields the SDK does not know are kept too. `util.inspect` hides `token` and other
 * secrets; `toJSON()` returns the whole JSON as received.
 */
export declare class Instance {
  /** Wraps an Instance object as the platform sent it (e.g. one saved with `toJSON()`). */
  constructor(raw: JsonObject)
  /** The numeric instance id. */
  id: number
  /** The display name. */
  name: string
  /** The instance token: the credential of every later call on this instance. */
  token: string
  /** When the instance was created: ISO 8601 text, or epoch milliseconds. */
  createdDate?: string | number
  /** The element (connector) summary. */
  element?: { id?: number; key?: string; name?: string; [key: string]: JsonValue | undefined }
  /** The element's numeric id. */
  elementId?: number
  /** Tags. */
  tags?: Tag[]
  provisionInteractions?: JsonValue[]
  valid?: boolean
  disabled?: boolean
  maxCacheSize?: number
  cacheTimeToLive?: number
  /** The configuration as the platform echoes it (secret values masked as `"********"`). */
  configuration?: { [key: string]: JsonValue }
  eventsEnabled?: boolean
  traceLoggingEnabled?: boolean
  cachingEnabled?: boolean
  /** `'none'`, or `'initial'` for instances created with tokens brought by the caller. */
  externalAuthentication?: string
  /** The owner of the instance. */
  user?: {
    id?: number
    emailAddress?: string
    firstName?: string
    lastName?: string
    [key: string]: JsonValue | undefined
  }
  /** Provider data echoed by the platform, when present. */
  providerData?: { [key: string]: JsonValue }
  /** Any other field the platform sent. */
  [field: string]: unknown
  /** The whole JSON object as received (a copy), token included. */
  toJSON(): JsonObject
  toString(): string
}

/** A client of the platform API: one connection pool, safe for many concurrent calls. */
export declare class Client {
  /**
   * @param options missing settings fall back to `OPEN_CONNECTORS_BASE_URL` (or
   *   `OPEN_CONNECTORS_REGION`), `OPEN_CONNECTORS_USER_SECRET` and
   *   `OPEN_CONNECTORS_ORGANIZATION_SECRET`.
   * @throws {InvalidInputError} a setting is missing or wrong.
   */
  constructor(options?: ClientOptions)
  /**
   * Creates an authenticated connector instance (`POST /instances` or
   * `POST /elements/{keyOrId}/instances`). Never retried once it may have reached the
   * server (an OAuth code is single-use).
   * @throws {OpenConnectorsError} (as a rejected Promise) one of its subclasses.
   */
  createInstance(options: CreateInstanceOptions): Promise<Instance>
  /** The base URL in use. */
  readonly baseUrl: string
  /** The timeout of one attempt, in milliseconds. */
  readonly timeout: number
  /** Retries after the first attempt. */
  readonly maxRetries: number
  /** The user agent sent. */
  readonly userAgent: string
  /** The client's settings, without its secrets. */
  toJSON(): { baseUrl: string; timeout: number; maxRetries: number }
  toString(): string
}

/** The stable, language-neutral error codes (the same in Rust, Python and Node). */
export type ErrorCode =
  | 'invalid_input'
  | 'connection'
  | 'timeout'
  | 'bad_request'
  | 'authentication'
  | 'permission_denied'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'server'
  | 'decode'

/** The base class of every error of the SDK. */
export declare class OpenConnectorsError extends Error {
  /** The stable code, e.g. `'not_found'`. */
  readonly code: ErrorCode | (string & {})
  toJSON(): { name: string; message: string; code: string; [key: string]: unknown }
}

/** Bad input, refused before anything was sent. */
export declare class InvalidInputError extends OpenConnectorsError {
  readonly code: 'invalid_input'
  /** The argument at fault, e.g. `'element'`, `'user_secret'`, `'timeout'`. */
  readonly field: string | null
}

/** The server could not be reached, or the connection broke before a full answer. */
export declare class ApiConnectionError extends OpenConnectorsError {
  readonly code: 'connection' | 'timeout'
  /** `'no'`: surely not sent (safe to retry); `'maybe'`: it may have reached the server. */
  readonly requestSent: 'no' | 'maybe'
}

/** No complete answer within the client's timeout. */
export declare class ApiTimeoutError extends ApiConnectionError {
  readonly code: 'timeout'
}

/** The platform answered 2xx with a body that is not what it sends. */
export declare class ResponseDecodeError extends OpenConnectorsError {
  readonly code: 'decode'
  readonly status: number
  /** The `elements-request-id` response header. */
  readonly requestId: string | null
  /** The raw body as text. */
  readonly body: string
}

/** The platform answered with an error status. `message` is the whole error text. */
export declare class ApiStatusError extends OpenConnectorsError {
  readonly code: Exclude<ErrorCode, 'invalid_input' | 'connection' | 'timeout' | 'decode'> | (string & {})
  /** The HTTP status. */
  readonly status: number
  /** `requestId` of the platform's error body, else the `elements-request-id` header. */
  readonly requestId: string | null
  /** The `elements-request-id` response header. */
  readonly headerRequestId: string | null
  /** `message` of the platform's error body. */
  readonly platformMessage: string | null
  /** `providerMessage` of the platform's error body: what the vendor said. */
  readonly providerMessage: string | null
  /** `Retry-After` in seconds, when the server sent one. */
  readonly retryAfter: number | null
  /** The raw body as text. */
  readonly body: string
}

/** HTTP 400. */
export declare class BadRequestError extends ApiStatusError {
  readonly code: 'bad_request'
}
/** HTTP 401. */
export declare class AuthenticationError extends ApiStatusError {
  readonly code: 'authentication'
}
/** HTTP 403. */
export declare class PermissionDeniedError extends ApiStatusError {
  readonly code: 'permission_denied'
}
/** HTTP 404. */
export declare class NotFoundError extends ApiStatusError {
  readonly code: 'not_found'
}
/** HTTP 409. */
export declare class ConflictError extends ApiStatusError {
  readonly code: 'conflict'
}
/** HTTP 429. */
export declare class RateLimitError extends ApiStatusError {
  readonly code: 'rate_limited'
  /** Seconds to wait, when the server said. */
  readonly retryAfter: number | null
}
/** HTTP 5xx, and any other unexpected status. */
export declare class InternalServerError extends ApiStatusError {
  readonly code: 'server'
}

/** The version of this package. */
export declare const VERSION: string
/** The version of the Rust core inside. */
export declare const CORE_VERSION: string
