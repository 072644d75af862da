// The whole connection lifecycle from Node: OAuth URL, the user's consent, the callback,
// create, list by tag, update, disable and enable, re-authenticate, delete.
// `make demo` runs it against the local sandbox:
//   tests/with-sandbox.sh node bindings-node/examples/lifecycle.mjs
import { randomBytes } from 'node:crypto'
import { Client, InvalidInputError, parseOAuthCallback } from '../index.mjs'

const callbackUrl = 'http://127.0.0.1:8000/oauth/callback'
const app = { apiKey: 'my-app-client-id', apiSecret: 'my-app-client-s3cr3t', callbackUrl }

/** Plays the user at the provider's authorize page: where it redirects to. */
async function consent(url) {
  const res = await fetch(url, { redirect: 'manual' })
  const location = res.headers.get('location')
  if (location === null) throw new Error(`the authorize page answered ${res.status} without a redirect`)
  return location
}

/** OAuth 2 steps 1 and 2: a fresh code for `element`, with the state checked. */
async function authorize(client, element) {
  const state = randomBytes(16).toString('base64url')
  const url = await client.getOAuthUrl(element, { ...app, state })
  return parseOAuthCallback(await consent(url), { expectedState: state }).code
}

const client = new Client({ timeout: 30_000 })
const keys = []
for await (const e of client.listElements()) keys.push(`${e.key} (${e.authenticationType})`)
console.log('catalogue:', keys.join(', '))
const config = { 'oauth.api.key': app.apiKey, 'oauth.api.secret': app.apiSecret, 'oauth.callback.url': callbackUrl }
let crm = await client.createInstance({
  element: 'sfdc',
  name: 'CRM (demo)',
  tags: ['demo'],
  configuration: config,
  providerData: { code: await authorize(client, 'sfdc') },
})
console.log('created:', crm)
console.log('tagged demo:', (await client.listInstances({ tags: ['demo'], pageSize: 50 }).toArray()).map((i) => i.name))
crm = await client.updateInstance(crm.id, { name: 'CRM (production)', tags: ['demo', 'prod'] })
console.log('updated:', crm.name, crm.tags)
await client.disableInstance(crm.id)
console.log('disabled:', (await client.getInstance(crm.id)).disabled)
await client.enableInstance(crm.id)
console.log('enabled again:', !(await client.getInstance(crm.id)).disabled)
crm = await client.reauthenticateInstance(crm.id, { code: await authorize(client, 'sfdc') })
console.log('re-authenticated:', crm.valid)
try {
  parseOAuthCallback(`${callbackUrl}?code=x&state=forged`, { expectedState: 'mine' })
} catch (e) {
  if (!(e instanceof InvalidInputError)) throw e
  console.log('forged callback refused:', e.field)
}
await client.deleteInstance(crm.id)
console.log('left tagged demo:', await client.listInstances({ tags: ['demo'] }).toArray())
