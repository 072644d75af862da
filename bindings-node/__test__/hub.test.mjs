// The instance client (`forInstance`) and its answers, with Node's types at the edge.
import { test, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { createRequire } from 'node:module'

import { Sandbox, DEFAULT_USER_SECRET, DEFAULT_ORGANIZATION_SECRET } from './sandbox.mjs'

const require = createRequire(import.meta.url)
const oc = require('../index.js')
const CONTACTS = '/hubs/crm/contacts'

let sandbox
before(async () => {
  sandbox = await Sandbox.start()
})
after(async () => {
  await sandbox?.stop()
})
beforeEach(async () => {
  await sandbox.reset()
})

const make = (extra = {}) =>
  new oc.Client({ baseUrl: sandbox.baseUrl, userSecret: DEFAULT_USER_SECRET, organizationSecret: DEFAULT_ORGANIZATION_SECRET, ...extra })
const instance = (c) => c.createInstance({ element: 'insightly', configuration: { username: 'u', password: 's3cr3t-Passw0rd' } })

test('forInstance takes a token or an Instance and never shows it', async () => {
  const c = make()
  const inst = await instance(c)
  for (const crm of [c.forInstance(inst), c.forInstance(inst.token)]) {
    assert.ok(crm instanceof oc.InstanceClient)
    for (const shown of [inspect(crm), String(crm), JSON.stringify(crm)]) assert.ok(!shown.includes(inst.token), shown)
    const created = await crm.post(CONTACTS, { json: { lastName: 'Lovelace' } })
    assert.equal((await crm.get(`${CONTACTS}/${created.id}`)).lastName, 'Lovelace')
  }
  for (const bad of [123, null, undefined, '', 'a b']) {
    assert.throws(
      () => c.forInstance(bad),
      (e) => e instanceof oc.InvalidInputError && e.field === 'token',
      String(bad),
    )
  }
})

test('the Response object', async () => {
  const crm = make().forInstance(await instance(make()))
  for (const firstName of ['Ada', 'Alan', 'Grace']) await crm.post(CONTACTS, { json: { firstName } })
  const r = await crm.request({ method: 'GET', path: CONTACTS, query: { pageSize: 2, orderBy: 'firstName desc' } })
  assert.ok(r instanceof oc.Response)
  assert.equal(r.status, 200)
  assert.equal(r.totalCount, 3)
  assert.equal(typeof r.nextCursor, 'string')
  assert.equal(r.headers['elements-request-id'], r.requestId)
  assert.deepEqual(r.json().map((x) => x.firstName), ['Grace', 'Alan'])
  assert.deepEqual(JSON.parse(JSON.stringify(r)).body, r.json())
  const rest = await crm.paginate(CONTACTS, { cursor: r.nextCursor, query: { orderBy: 'firstName desc' } }).toArray()
  assert.deepEqual(rest.map((x) => x.firstName), ['Ada'])
  assert.equal(await crm.delete(`${CONTACTS}/1`), null)
  const where = oc.ocnql`firstName in ${['Alan', 'Grace']}`
  const names = []
  for await (const x of crm.paginate(CONTACTS, { where, pageSize: 1 })) names.push(x.firstName)
  assert.deepEqual(names, ['Alan', 'Grace'])
})

test('retryBudget is a setting in milliseconds', () => {
  make({ retryBudget: 0 })
  make({ retryBudget: 500 })
  for (const bad of [-1, 86400001, '60']) {
    assert.throws(() => make({ retryBudget: bad }), (e) => e instanceof oc.InvalidInputError && e.field === 'retryBudget', String(bad))
  }
})

test('toCurl sends nothing and hides secrets', async () => {
  const c = make()
  const before = (await sandbox.journal()).length
  const curl = c.toCurl('create_instance', { element: 'insightly', configuration: { username: 'u', password: 's3cr3t-Passw0rd' } })
  assert.ok(curl.startsWith('curl ') && curl.includes(`${sandbox.baseUrl}/instances`), curl)
  for (const secret of [DEFAULT_USER_SECRET, DEFAULT_ORGANIZATION_SECRET, 's3cr3t-Passw0rd']) assert.ok(!curl.includes(secret), curl)
  assert.ok(curl.includes('$OPEN_CONNECTORS_USER_SECRET'), curl)
  assert.ok(c.toCurl('getInstance', { instanceId: 12 }, { showSecrets: true }).includes(DEFAULT_USER_SECRET))
  const hub = c.forInstance('inst-t0ken-123').toCurl('paginate', { path: '/hubs/crm/contacts', pageSize: 5 })
  assert.ok(!hub.includes('inst-t0ken-123') && hub.includes('$OPEN_CONNECTORS_INSTANCE_TOKEN') && hub.includes('pageSize=5'), hub)
  assert.equal((await sandbox.journal()).length, before)
  assert.throws(() => c.toCurl('getInstance', { instanceId: 0 }), (e) => e instanceof oc.InvalidInputError && e.field === 'instanceId')
})
