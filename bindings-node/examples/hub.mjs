// Calling the connected service: an instance with signed event notifications, its CRM
// contacts paged with a safe OCNQL filter, a record created, and the webhook that
// follows received and verified by a small `node:http` receiver.
//
// Against the local sandbox; `make demo` runs it:
//   tests/with-sandbox.sh node bindings-node/examples/hub.mjs
// Seeding contacts is the sandbox's control API (a real service has its own data).
import { createServer } from 'node:http'
import { once } from 'node:events'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Client, ocnql, verifyWebhook, WebhookSignatureError, InvalidInputError } = require('../index.js')

const SIGNATURE_KEY = 'my-webhook-s1gning-key'

// The webhook endpoint: verify the signature over the raw body, then acknowledge.
const notes = []
let arrived
const receiver = createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    try {
      const note = verifyWebhook(Buffer.concat(chunks), req.headers['elements-webhook-signature'], SIGNATURE_KEY)
      res.writeHead(200).end() // acknowledge quickly; work on it elsewhere
      notes.push({ id: req.headers['elements-webhook-id'], note })
      arrived?.()
    } catch (e) {
      res.writeHead(e instanceof WebhookSignatureError ? 401 : 400).end() // not from the platform
    }
  })
})
receiver.listen(0, '127.0.0.1')
await once(receiver, 'listening')
const callback = `http://127.0.0.1:${receiver.address().port}/events`

const client = new Client({ timeout: 30000 })
const inst = await client.createInstance({
  element: 'insightly',
  name: 'CRM with events (demo)',
  configuration: {
    username: 'claudeelements',
    password: 's3cr3t-Passw0rd',
    'event.notification.enabled': true,
    'event.notification.callback.url': callback,
    'event.notification.signature.key': SIGNATURE_KEY,
  },
})
const crm = client.forInstance(inst) // calls carry `Element <token>`
const root = process.env.OPEN_CONNECTORS_BASE_URL.replace(/\/elements\/api-v2$/, '')
await fetch(`${root}/__sandbox/hub/seed`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ token: inst.token, object: 'contacts', count: 1000 }),
})

// Values go through the tagged template; a dotted field name is written in backticks.
const city = 'London'
const where = ocnql`\`address.city\` = ${city} and score >= ${50} and active = ${true}`
console.log('[node] where:', where)
let count = 0
for await (const contact of crm.paginate('/hubs/crm/contacts', { where, pageSize: 200 })) {
  if (contact.address.city !== city || contact.score < 50) throw new Error('the filter did not hold')
  count += 1
}
console.log(`[node] contacts in ${city} with a score of 50 or more: ${count}`)
try {
  ocnql`lastName = ${"O'Neil"}`
} catch (e) {
  if (!(e instanceof InvalidInputError)) throw e
  console.log('[node] a value that could end the quote is refused:', e.field)
}

const wait = new Promise((resolve) => (arrived = resolve))
const created = await crm.post('/hubs/crm/contacts', { json: { firstName: 'Ada', lastName: 'Lovelace' } })
console.log('[node] created contact', created.id)
const page = await crm.request({ method: 'GET', path: '/hubs/crm/contacts', query: { pageSize: 1 } })
console.log('[node] whole response:', page.status, page.requestId, page.totalCount, page.json().length)

await Promise.race([wait, new Promise((_, reject) => setTimeout(() => reject(new Error('no webhook within 10 s')), 10000))])
const { id, note } = notes[0]
const event = note.message.events[0]
console.log(`[node] webhook ${id}: ${event.eventType} ${event.objectType} ${event.objectId}, signature verified`)

await client.deleteInstance(inst.id)
receiver.close()
