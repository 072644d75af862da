// Compile-time checks of the declarations (CommonJS view): `tsc --noEmit` must pass.
import oc = require('open-connectors')
import {
  Client,
  Instance,
  OpenConnectorsError,
  InvalidInputError,
  ApiConnectionError,
  ApiTimeoutError,
  ResponseDecodeError,
  ApiStatusError,
  RateLimitError,
  InternalServerError,
  type ClientOptions,
  type CreateInstanceOptions,
  type ErrorCode,
} from 'open-connectors'

const options: ClientOptions = { baseUrl: 'http://127.0.0.1:1', region: 'us2', timeout: 30000, maxRetries: 2 }
const client: Client = new oc.Client(options)
const url: string = client.baseUrl
const timeout: number = client.timeout

const create: CreateInstanceOptions = {
  element: 5993,
  name: 'n',
  tags: ['Docs'],
  configuration: { username: 'u', password: 'p', nested: { a: [1, true, null] } },
  providerData: { code: 'c' },
  externalAuthentication: 'initial',
  extra: { retrieveObjectsAfterInstantiation: true },
  endpoint: 'elements',
}

async function check(): Promise<void> {
  const inst: Instance = await client.createInstance(create)
  const id: number = inst.id
  const token: string = inst.token
  const created: Date | null = inst.createdDate
  const again: Instance = Instance.fromJSON(inst.toJSON())
  const fetched: Instance = await client.getInstance(inst.id, { timeout: 5000, maxRetries: 0 })
  const gone: void = await client.deleteInstance(fetched.id)
  const unknownField: unknown = inst['someNewField']
  const json = inst.toJSON()
  try {
    await client.createInstance({ element: 'insightly' })
  } catch (e) {
    if (e instanceof RateLimitError) {
      const s: number = e.status
      const r: number | null = e.retryAfter
    } else if (e instanceof ApiStatusError) {
      const rid: string | null = e.requestId
      const p: string | null = e.providerMessage
      const b: string = e.body
    } else if (e instanceof ApiTimeoutError) {
      const sent: 'no' | 'maybe' = e.requestSent
    } else if (e instanceof ApiConnectionError) {
      const sent: 'no' | 'maybe' = e.requestSent
    } else if (e instanceof ResponseDecodeError) {
      const b: string = e.body
    } else if (e instanceof InvalidInputError) {
      const f: string | null = e.field
    } else if (e instanceof OpenConnectorsError) {
      const c: ErrorCode | string = e.code
    }
    const server: InternalServerError['code'] = 'server'
  }
  void [id, token, created, unknownField, json, url, timeout, again, gone]
}

// @ts-expect-error element is required
const missing: CreateInstanceOptions = { name: 'x' }
// @ts-expect-error endpoint is one of two routes
const badEndpoint: CreateInstanceOptions = { element: 'x', endpoint: 'other' }
// @ts-expect-error timeout is a number of milliseconds
const badTimeout: ClientOptions = { timeout: '30s' }
// @ts-expect-error an instance id is a number
const badId = () => client.getInstance('12')

const where: string = oc.ocnql`lastName = ${'Smith'} and created > ${new Date(0)} and n in ${[1, 2]}`
const where2: string = oc.ocnql('x = {}', true) + oc.ocnqlField('address.city')
const note: unknown = oc.verifyWebhook(Buffer.from('{}'), 'sha256=...', 'key')
// @ts-expect-error an object is no OCNQL literal
const badWhere = () => oc.ocnql('x = {}', { a: 1 })

void [check, missing, badEndpoint, badTimeout, badId, Instance, where, where2, note, badWhere]
