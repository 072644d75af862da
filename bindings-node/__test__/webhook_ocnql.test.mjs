// verifyWebhook and ocnql: the core's checks, with Node's types at the edge.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const oc = require('../index.js')

const KEY = 's1gnature-key'
const BODY = Buffer.from('{"message":{"eventId":"e-1","events":[{"objectType":"contacts","eventType":"CREATED"}]}}')
const sign = (body, key) => 'sha256=' + createHmac('sha256', key).update(body).digest('base64')

test('a good signature returns the notification, whatever the body type', () => {
  const sig = sign(BODY, KEY)
  assert.equal(oc.verifyWebhook(BODY, sig, KEY).message.eventId, 'e-1')
  assert.equal(oc.verifyWebhook(BODY.toString(), sig, Buffer.from(KEY)).message.events[0].eventType, 'CREATED')
  assert.equal(oc.verifyWebhook(new Uint8Array(BODY), sig, KEY).message.eventId, 'e-1')
})

test('every defect is a WebhookSignatureError', () => {
  const sig = sign(BODY, KEY)
  const cases = [
    [Buffer.from(BODY.toString().replace('e-1', 'e-2')), sig, KEY],
    [BODY, sig, KEY + 'x'],
    [BODY, undefined, KEY],
    [BODY, null, KEY],
    [BODY, sig.slice('sha256='.length), KEY],
    [BODY, 'sha256=not*base64', KEY],
    [BODY, 'sha256=' + Buffer.alloc(31).toString('base64'), KEY],
  ]
  for (const [body, header, key] of cases) {
    assert.throws(
      () => oc.verifyWebhook(body, header, key),
      (e) =>
        e instanceof oc.WebhookSignatureError &&
        e instanceof oc.OpenConnectorsError &&
        e.code === 'webhook_signature' &&
        typeof e.reason === 'string' &&
        !JSON.stringify(e).includes(sig.slice(-20)),
      String(header),
    )
  }
})

test('bad arguments are InvalidInputError', () => {
  for (const [args, field] of [
    [[42, 'x', KEY], 'body'],
    [[BODY, 5, KEY], 'signature'],
    [[BODY, 'x', null], 'key'],
    [[BODY, sign(BODY, ''), ''], 'key'],
  ]) {
    assert.throws(() => oc.verifyWebhook(...args), (e) => e instanceof oc.InvalidInputError && e.field === field)
  }
  const text = Buffer.from('token=s3cr3t-value')
  assert.throws(
    () => oc.verifyWebhook(text, sign(text, KEY), KEY),
    (e) => e instanceof oc.InvalidInputError && e.field === 'body' && !String(e).includes('s3cr3t'),
  )
})

test('ocnql: literals, tagged templates, fields', () => {
  const when = new Date(Date.UTC(2024, 0, 31, 10, 0, 0))
  assert.equal(
    oc.ocnql('lastName = {} and score >= {} and active = {} and city in {} and created > {}', 'Smith', 50.5, true, ['Paris', 'Lyon'], when),
    "lastName = 'Smith' and score >= 50.5 and active = true and city in ('Paris', 'Lyon') and created > '2024-01-31T10:00:00.000Z'",
  )
  const name = 'Smith'
  assert.equal(oc.ocnql`lastName = ${name} and note = '{x}'`, "lastName = 'Smith' and note = '{x}'")
  assert.equal(oc.ocnql(`${oc.ocnqlField('address.city')} = {}`, 'Paris'), "`address.city` = 'Paris'")
})

test('ocnql refuses what could change the query', () => {
  for (const hostile of ["x' or '1'='1", 'abc\\', 'line\nbreak', null, [], [[1]], { a: 1 }]) {
    assert.throws(
      () => oc.ocnql`name = ${'ok'} and x = ${hostile}`,
      (e) => e instanceof oc.InvalidInputError && e.field === 'values[1]',
      JSON.stringify(hostile),
    )
  }
  for (const hostile of [Infinity, NaN, undefined, 10n, () => 1, new Date('nope')]) {
    assert.throws(
      () => oc.ocnql('x = {}', hostile),
      (e) => e instanceof oc.InvalidInputError && e.field === 'values[0]',
      String(hostile),
    )
  }
  for (const [t, values] of [['a = {}', []], ['a = {}', [1, 2]], ['a = {', [1]], [42, []]]) {
    assert.throws(() => oc.ocnql(t, ...values), (e) => e instanceof oc.InvalidInputError && e.field === 'template')
  }
  assert.throws(() => oc.ocnqlField('a`b'), oc.InvalidInputError)
})
