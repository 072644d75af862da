// Type declarations of the ES module entry (index.mjs): the same API as index.d.ts.
import * as openConnectors from './index.js'

export * from './index.js'
export default openConnectors
