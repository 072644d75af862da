'use strict'
// The generic machinery behind the generated module (index.js, written by `make gen`
// from the core's tables). Hand-written, and generic: no operation, model field or
// error class is named here.
//   - `Client` sends every operation through the native `call` (JSON text in and out);
//   - `mapError` turns a native error payload into the generated error class it names
//     (a native error that is not a payload, e.g. a caught panic, is an InternalError);
//   - `Model` keeps the JSON exactly as received beside the typed fields the core
//     decoded, and keeps secrets out of `util.inspect` and `String()`.

const { inspect } = require('node:util')
const native = require('./native.js')

const MARKER = '$openConnectors'
const INSPECT = inspect.custom
const FROM_NATIVE = Symbol('fromNative')
/** Names an own property of a model must not take. */
const MODEL_METHODS = new Set(['toJSON', 'toString', 'valueOf', 'constructor', 'toLocaleString', 'hasOwnProperty'])

/** Whether `source` has an own field named like one of `MODEL_METHODS`. */
function hasMethodName(source) {
  for (const name of MODEL_METHODS) if (Object.hasOwn(source, name)) return true
  return false
}

const OBJECT_PROTO = Object.prototype
const ARRAY_PROTO = Array.prototype

/**
 * Whether `value` is made of JSON's own kinds only (plain objects and arrays, strings,
 * finite numbers, booleans, null; `undefined` as JSON.stringify drops it), no deeper than
 * 32 levels: then JSON.stringify writes exactly what the checking replacer below would
 * let through, without a call into JavaScript per value.
 */
function isPlainJson(value, depth) {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      if (value === null) return true
      if (depth > 32) return false
      const proto = Object.getPrototypeOf(value)
      if (proto === ARRAY_PROTO) {
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false
        return true
      }
      if (proto !== OBJECT_PROTO && proto !== null) return false
      for (const key in value) if (!isPlainJson(value[key], depth + 1)) return false
      return true
    }
    default:
      return false
  }
}

/** JSON text of what the caller gave, refusing what JSON cannot carry. */
function toJsonText(value, field, classes) {
  const root = value === undefined ? null : value
  if (root === null) return 'null'
  let plain = false
  try {
    plain = isPlainJson(root, 0)
  } catch {
    // A getter that throws: the checked path below reports it.
  }
  if (plain) return JSON.stringify(root)
  // The top-level key being serialized: the argument an error names.
  let top = null
  try {
    return JSON.stringify(root, function (key, v) {
      if (this === root) top = key
      if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError(`${v} is not a JSON number`)
      if (typeof v === 'bigint') throw new TypeError('a BigInt is not a JSON number')
      // JSON.stringify would drop these silently (or send a Map as {}): refuse them.
      if (typeof v === 'function') throw new TypeError('a function is not JSON')
      if (typeof v === 'symbol') throw new TypeError('a symbol is not JSON')
      if (v instanceof Map || v instanceof Set) {
        throw new TypeError(`a ${v.constructor.name} is not JSON; use a plain object or an array`)
      }
      return v
    })
  } catch (e) {
    const at = top ?? field
    throw new classes.InvalidInputError(`invalid input: ${at}: cannot be sent as JSON (${e.message})`, {
      code: 'invalid_input',
      field: at,
      reason: `cannot be sent as JSON (${e.message})`,
    })
  }
}

function parsePayload(err) {
  if (!(err instanceof Error) || typeof err.message !== 'string' || !err.message.startsWith('{')) return null
  try {
    const p = JSON.parse(err.message)
    return p !== null && typeof p === 'object' && p[MARKER] === 1 ? p : null
  } catch {
    return null
  }
}

/** The error class instance for an error of the native layer. */
function mapError(err, classes) {
  const p = parsePayload(err)
  let mapped
  if (p === null) {
    const reason = err instanceof Error ? err.message : String(err)
    mapped = new classes.InternalError(`internal error in the SDK (please report it): ${reason}`, {
      code: 'internal',
      reason,
    })
  } else {
    const { [MARKER]: _marker, class: className, message, ...fields } = p
    const Class = classes[className] ?? classes.OpenConnectorsError
    mapped = new Class(message, fields)
  }
  // Keep the JavaScript stack of the call, not the native one.
  Error.captureStackTrace?.(mapped, mapError)
  return mapped
}

/** Copies the own fields of `source` (a parsed JSON object) onto the model `target`. */
function setFields(target, source) {
  if (!Object.hasOwn(source, '__proto__') && !hasMethodName(source)) {
    // No field needs care: one builtin copy.
    Object.assign(target, source)
    return
  }
  for (const key of Object.keys(source)) {
    // A field named like one of the model's methods (`toJSON`, `toString`...) stays
    // in toJSON() only: as an own property it would hide the method.
    if (MODEL_METHODS.has(key)) continue
    if (key === '__proto__') {
      // Assignment would set the prototype: the key stays a plain field.
      Object.defineProperty(target, key, { value: source[key], writable: true, enumerable: true, configurable: true })
    } else {
      target[key] = source[key]
    }
  }
}

/**
 * A model object: every field the platform sent as an own property (named as the API
 * names them), with the typed fields (camelCase) decoded by the core; `toJSON()`
 * returns the JSON exactly as received.
 */
class Model {
  #rawText

  constructor(json, fromNative) {
    const Class = new.target
    let texts = fromNative?.[FROM_NATIVE] === true ? fromNative.texts : undefined
    if (texts === undefined) {
      if (json === null || typeof json !== 'object' || Array.isArray(json)) {
        throw new TypeError(`a ${Class.name} is built from the JSON object the platform sent`)
      }
      const given = toJsonText(json, 'json', Class.CLASSES)
      try {
        texts = native.decodeModel(Class.MODEL, given)
      } catch (e) {
        throw mapError(e, Class.CLASSES)
      }
    }
    // texts: [model name, the JSON as received, the typed fields' values]. The received
    // text is kept for toJSON() (parsed afresh there: cheaper than a structured clone);
    // one parse of it becomes the own properties the caller may change.
    const [, rawText, valuesText] = texts
    this.#rawText = rawText
    // The received fields, then the typed ones over them (same names: the typed value).
    setFields(this, JSON.parse(rawText))
    // The typed values come as a JSON array in the order of Class.FIELDS (the core's
    // table): no names to write, send and parse for each model.
    const values = JSON.parse(valuesText)
    const names = Class.FIELDS
    for (let i = 0; i < names.length; i++) this[names[i]] = values[i]
    for (const key of Class.DATE_FIELDS) {
      const millis = this[key]
      if (typeof millis === 'number') this[key] = new Date(millis)
    }
  }

  /** Rebuilds the object from the JSON it came from (e.g. a stored `toJSON()`). */
  static fromJSON(json) {
    return new this(json)
  }

  /** The whole JSON object as received (a copy), unknown fields included. */
  toJSON() {
    return JSON.parse(this.#rawText)
  }

  [INSPECT](depth, options, inspectFn = inspect) {
    const name = this.constructor.name
    if (depth < 0) return `[${name} ${this.id}]`
    // Own fields as JSON (what the caller may have changed included), secrets hidden by
    // the core's rule: tokens, passwords, OAuth secrets and codes...
    const shown = native.redactJson(JSON.parse(JSON.stringify({ ...this }) ?? '{}'))
    return `${name} ${inspectFn(shown, options)}`
  }

  toString() {
    return `[${this.constructor.name} ${this.id}]`
  }
}

/** One model object from its texts `[model name, JSON as received, typed values]`. */
function modelFrom(texts, models) {
  const Class = models[texts[0]]
  if (Class === undefined) throw new TypeError(`no model class ${texts[0]}`)
  return new Class(undefined, { [FROM_NATIVE]: true, texts })
}

/** Model objects from `name, json 1, values 1, json 2, values 2, ...` starting at `from`. */
function modelsFrom(texts, from, models) {
  const name = texts[from]
  const out = []
  for (let i = from + 1; i + 1 < texts.length; i += 2) out.push(modelFrom([name, texts[i], texts[i + 1]], models))
  return out
}

/**
 * A native answer as the caller's value (the core's `Output::to_binding_list`):
 * `[]` is nothing (`undefined`), `['', text]` a string, `['[]', name, json, fields, ...]`
 * an array of models, `[name, json, fields]` a model.
 */
function fromAnswer(texts, models) {
  if (texts.length === 0) return undefined
  if (texts[0] === '') return texts[1]
  if (texts[0] === '{}') return JSON.parse(texts[1])
  if (texts[0] === '<>') return new Response(JSON.parse(texts[1]), texts[2])
  if (texts[0] === '[]') return modelsFrom(texts, 1, models)
  return modelFrom(texts, models)
}

/**
 * The whole answer of `InstanceClient.request`: `status`, `headers` (lower-case names),
 * `requestId`, `nextCursor`, `totalCount`, the body as `text`, and `json()`. Only 2xx
 * answers arrive here: other statuses throw.
 */
class Response {
  constructor(meta, text) {
    /** The HTTP status. */
    this.status = meta.status
    /** The headers, names in lower case. */
    this.headers = meta.headers
    /** `elements-request-id`. */
    this.requestId = meta.requestId
    /** `elements-next-page-token`: pass it as `cursor` for the next page. */
    this.nextCursor = meta.nextCursor
    /** `elements-total-count`, when the platform sends it. */
    this.totalCount = meta.totalCount
    /** The body as text. */
    this.text = text
  }

  /** The body as JSON; an empty body is null. */
  json() {
    return this.text.trim() === '' ? null : JSON.parse(this.text)
  }

  /** As every language shows it: status, requestId, nextCursor, totalCount, headers, body. */
  toJSON() {
    let body
    try {
      body = this.json()
    } catch {
      body = this.text
    }
    const { status, requestId, nextCursor, totalCount, headers } = this
    return { status, requestId, nextCursor, totalCount, headers, body }
  }
}

/** One page of a listing. */
class Page {
  constructor(items, nextCursor, totalCount) {
    /** The items of this page. */
    this.items = items
    /** Where the next page starts (pass it as `cursor` to resume later); null on the last page. */
    this.nextCursor = nextCursor
    /** How many items the whole listing has, when the platform says. */
    this.totalCount = totalCount
  }
}

/**
 * A listing, fetched page by page as it is iterated. The stop rules (an empty page, no
 * next-page token, a token that repeats) and the retries of each page are the core's;
 * this only converts pages. Iterating again starts the listing over.
 */
class Pager {
  #make
  #first
  #models
  #classes

  constructor(make, classes, models) {
    this.#make = make
    this.#classes = classes
    this.#models = models
    // Checks the arguments now: bad input throws before anything is sent.
    this.#first = make()
  }

  /** The pages, one at a time (each fetched when asked for). */
  async *pages() {
    const native = this.#first ?? this.#make()
    this.#first = null
    for (;;) {
      let texts
      try {
        texts = await native.nextPage()
      } catch (e) {
        throw mapError(e, this.#classes)
      }
      if (texts === null || texts === undefined) return
      const [next, total] = texts
      // Records of a hub listing come as `{}` then one JSON text each.
      const items =
        texts[2] === '{}[]' // the page's array, as received
          ? JSON.parse(texts[3])
          : texts[2] === '{}'
            ? texts.slice(3).map((t) => JSON.parse(t))
            : modelsFrom(texts, 2, this.#models)
      yield new Page(items, next === '' ? null : next, total === '' ? null : Number(total))
    }
  }

  async *[Symbol.asyncIterator]() {
    for await (const page of this.pages()) yield* page.items
  }

  /** Every item (at most `limit`), in one array. */
  async toArray({ limit } = {}) {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
      throw new this.#classes.InvalidInputError('invalid input: limit: must be a non-negative integer', {
        code: 'invalid_input',
        field: 'limit',
        reason: 'must be a non-negative integer',
      })
    }
    const out = []
    if (limit === 0) return out
    for await (const page of this.pages()) {
      out.push(...page.items)
      if (limit !== undefined && out.length >= limit) return out.slice(0, limit)
    }
    return out
  }

  get [Symbol.toStringTag]() {
    return 'Pager'
  }
}

/** `parseOAuthCallback(url, { expectedState })`: the core reads and checks the callback. */
function parseOAuthCallback(url, options, classes, models) {
  const invalid = (field, reason) =>
    new classes.InvalidInputError(`invalid input: ${field}: ${reason}`, { code: 'invalid_input', field, reason })
  if (typeof url !== 'string') throw invalid('url', `must be a string, got ${typeof url}`)
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw invalid('options', 'must be an object')
  }
  const { expectedState, ...rest } = options ?? {}
  const unknown = Object.keys(rest)
  if (unknown.length > 0) throw invalid(unknown[0], 'is not an option of parseOAuthCallback (expected expectedState)')
  if (expectedState !== undefined && expectedState !== null && typeof expectedState !== 'string') {
    throw invalid('expectedState', `must be a string, got ${typeof expectedState}`)
  }
  let texts
  try {
    texts = native.parseOAuthCallback(url, expectedState ?? null)
  } catch (e) {
    throw mapError(e, classes)
  }
  return fromAnswer(texts, models)
}

/** `verifyWebhook(body, signature, key)`: the core checks the signature over the raw bytes. */
function verifyWebhook(body, signature, key, classes) {
  const invalid = (field, reason) =>
    new classes.InvalidInputError(`invalid input: ${field}: ${reason}`, { code: 'invalid_input', field, reason })
  const bytes = (field, v) => {
    if (typeof v === 'string') return Buffer.from(v, 'utf8')
    if (Buffer.isBuffer(v)) return v
    if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
    throw invalid(field, `must be a Buffer, Uint8Array or string, got ${v === null ? 'null' : typeof v}`)
  }
  const raw = bytes('body', body)
  if (signature !== undefined && signature !== null && typeof signature !== 'string') {
    throw invalid('signature', `must be a string, got ${typeof signature}`)
  }
  const secret = bytes('key', key)
  try {
    native.verifyWebhook(raw, signature ?? null, secret)
  } catch (e) {
    throw mapError(e, classes)
  }
  return JSON.parse(raw.toString('utf8'))
}

/** A value for the core's OCNQL literals: Dates as ISO 8601 text; what JSON cannot hold refused. */
function ocnqlValue(v, field, invalid) {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw invalid(field, 'is an invalid Date')
    return v.toISOString()
  }
  if (Array.isArray(v)) return v.map((x, i) => ocnqlValue(x, `${field}[${i}]`, invalid))
  if (typeof v === 'number' && !Number.isFinite(v)) throw invalid(field, `must be a finite number, got ${v}`)
  if (v === undefined) throw invalid(field, 'is undefined: write IS NULL in the query instead')
  if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') {
    throw invalid(field, `cannot be a ${typeof v}: pass a number, string, boolean, Date or array`)
  }
  return v
}

/**
 * `ocnql('lastName = {} and score > {}', name, 50)` or the tagged template
 * ocnql`lastName = ${name} and score > ${50}`: the core writes each value as a literal
 * that cannot change the query's structure.
 */
function ocnql(template, values, classes) {
  const invalid = (field, reason) =>
    new classes.InvalidInputError(`invalid input: ${field}: ${reason}`, { code: 'invalid_input', field, reason })
  let text = template
  if (Array.isArray(template) && Array.isArray(template.raw)) {
    // A tagged template: its literal parts are code, so their braces are literal braces.
    text = template.map((part) => part.replaceAll('{', '{{').replaceAll('}', '}}')).join('{}')
  } else if (typeof template !== 'string') {
    throw invalid('template', `must be a string (or a tagged template), got ${typeof template}`)
  }
  const json = JSON.stringify(values.map((v, i) => ocnqlValue(v, `values[${i}]`, invalid)))
  try {
    return native.ocnqlQuery(text, json)
  } catch (e) {
    throw mapError(e, classes)
  }
}

/** `ocnqlField('address.city')`: a field name, in backticks when not a plain identifier. */
function ocnqlField(name, classes) {
  if (typeof name !== 'string') {
    const reason = `must be a string, got ${typeof name}`
    throw new classes.InvalidInputError(`invalid input: name: ${reason}`, { code: 'invalid_input', field: 'name', reason })
  }
  try {
    return native.ocnqlField(name)
  } catch (e) {
    throw mapError(e, classes)
  }
}

/** The function the native layer calls with each log event (JSON text). */
function logSink(logger) {
  return (text) => {
    try {
      const e = JSON.parse(text)
      const fn = typeof logger[e.level] === 'function' ? logger[e.level] : logger.log
      if (typeof fn === 'function') fn.call(logger, `open-connectors: ${e.message}`, e.fields)
    } catch {
      // A logger that throws must not take the process down.
    }
  }
}

/** What every generated client shares: the native client and its settings. */
class ClientBase {
  #native
  #classes
  #models

  constructor(options, classes, models) {
    this.#classes = classes
    this.#models = models
    if (options !== null && typeof options === 'object' && Object.hasOwn(options, FROM_NATIVE)) {
      // An instance client: the native handle of `forInstance`, made by the client.
      this.#native = options[FROM_NATIVE]
      return
    }
    // `logger` is Node's own (Python has `logging`, Rust `tracing`): the core's events
    // of this client's calls go to it, at OPEN_CONNECTORS_LOG's level (default info).
    let settings = options
    let logger = null
    const explicit = options !== null && typeof options === 'object' && !Array.isArray(options) && Object.hasOwn(options, 'logger')
    if (explicit) ({ logger = null, ...settings } = options)
    const envLevel = process.env.OPEN_CONNECTORS_LOG || undefined
    // Without a logger option, OPEN_CONNECTORS_LOG alone logs to the console; an
    // explicit `logger: null` turns logging off.
    if (!explicit && envLevel !== undefined) logger = console
    if (logger !== null && (typeof logger !== 'object' && typeof logger !== 'function')) {
      throw new classes.InvalidInputError('invalid input: logger: must be a console-like object', {
        code: 'invalid_input',
        field: 'logger',
        reason: 'must be a console-like object',
      })
    }
    const text = toJsonText(settings ?? null, 'options', classes)
    const sink = logger === null ? undefined : logSink(logger)
    try {
      this.#native = new native.NativeClient(text, process.version, sink, sink && (envLevel ?? 'info'))
    } catch (e) {
      throw mapError(e, classes)
    }
  }

  /** Sends operation `name` with `args` and per-call `requestOptions`. */
  async _call(name, args, requestOptions) {
    const classes = this.#classes
    const argsText = toJsonText(args, 'options', classes)
    const optionsText = toJsonText(requestOptions ?? null, 'requestOptions', classes)
    let texts
    try {
      texts = await this.#native.call(name, argsText, optionsText)
    } catch (e) {
      throw mapError(e, classes)
    }
    return fromAnswer(texts, this.#models)
  }

  /**
   * The request `operation` (its table name, e.g. `'create_instance'`, or its method name)
   * would send with `args` (the method's options, positional ones by name), as a `curl`
   * command line, sending nothing. Secrets are shell variables or `[REDACTED]` unless
   * `showSecrets`. Bad input throws as the call would.
   */
  toCurl(operation, args, { showSecrets = false, ...requestOptions } = {}) {
    const classes = this.#classes
    if (typeof operation !== 'string') {
      const reason = `must be an operation name, got ${typeof operation}`
      throw new classes.InvalidInputError(`invalid input: operation: ${reason}`, { code: 'invalid_input', field: 'operation', reason })
    }
    const argsText = toJsonText(args ?? {}, 'options', classes)
    const optionsText = toJsonText(requestOptions, 'requestOptions', classes)
    try {
      return this.#native.dryRun(operation, argsText, optionsText, showSecrets === true)
    } catch (e) {
      throw mapError(e, classes)
    }
  }

  /** A pager over paged operation `name`: checks the arguments now, sends nothing yet. */
  _pager(name, args, requestOptions) {
    const classes = this.#classes
    const argsText = toJsonText(args, 'options', classes)
    const optionsText = toJsonText(requestOptions ?? null, 'requestOptions', classes)
    const make = () => {
      try {
        return this.#native.pager(name, argsText, optionsText)
      } catch (e) {
        throw mapError(e, classes)
      }
    }
    return new Pager(make, classes, this.#models)
  }

  /** The native handle of an instance client (`forInstance`): a token or an Instance. */
  _forInstance(tokenOrInstance) {
    const classes = this.#classes
    let token = tokenOrInstance
    if (tokenOrInstance instanceof Model) token = tokenOrInstance.token
    if (typeof token !== 'string') {
      const reason = `must be an instance token (string) or an Instance, got ${tokenOrInstance === null ? 'null' : typeof tokenOrInstance}`
      throw new classes.InvalidInputError(`invalid input: token: ${reason}`, { code: 'invalid_input', field: 'token', reason })
    }
    try {
      return { [FROM_NATIVE]: this.#native.forInstance(token) }
    } catch (e) {
      throw mapError(e, classes)
    }
  }

  /** The base URL in use, e.g. `https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2`. */
  get baseUrl() {
    return this.#native.baseUrl
  }

  /** The timeout of one attempt, in milliseconds. */
  get timeout() {
    return this.#native.timeout
  }

  /** Retries after the first attempt. */
  get maxRetries() {
    return this.#native.maxRetries
  }

  /** The user agent sent. */
  get userAgent() {
    return this.#native.userAgent
  }

  /** The client's settings, without its secrets. */
  toJSON() {
    return { baseUrl: this.baseUrl, timeout: this.timeout, maxRetries: this.maxRetries }
  }

  [INSPECT](depth, options, inspectFn = inspect) {
    return `${this.constructor.name} ${inspectFn(
      { ...this.toJSON(), userSecret: '[REDACTED]', organizationSecret: '[REDACTED]' },
      options,
    )}`
  }

  toString() {
    return `[${this.constructor.name} ${this.baseUrl}]`
  }
}

/** Gives each error class its own `name` (not enumerable, as on built-in errors). */
function nameClasses(classes) {
  for (const Class of Object.values(classes)) {
    Object.defineProperty(Class.prototype, 'name', {
      value: Class.name,
      writable: true,
      configurable: true,
      enumerable: false,
    })
  }
}

module.exports = {
  native,
  Model,
  ClientBase,
  Response,
  Page,
  Pager,
  mapError,
  nameClasses,
  parseOAuthCallback,
  verifyWebhook,
  ocnql,
  ocnqlField,
  toJsonText,
}
