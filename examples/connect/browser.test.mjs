// End to end: the connect example app (app.py) in Debian's headless Chromium, driven
// by Playwright, against the sandbox of tests/with-sandbox.sh (OPEN_CONNECTORS_* set):
//
//   tests/with-sandbox.sh node --test examples/connect/browser.test.mjs   (make test-connect)
//
// Every test is a new browser context, so a new user of the app (a new uid cookie).
// What the page shows is checked against what the platform API says.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(HERE, '../..')
const TARGET = join(ROOT, 'target')
const PYTHON = process.env.CONNECT_PYTHON ?? join(ROOT, '.venv/bin/python')
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const API_SECRET = 'my-app-client-s3cr3t' // app.py's default
const { OPEN_CONNECTORS_BASE_URL: BASE, OPEN_CONNECTORS_USER_SECRET: USER, OPEN_CONNECTORS_ORGANIZATION_SECRET: ORG } =
  process.env
if (!BASE || !USER || !ORG) throw new Error('run under tests/with-sandbox.sh (OPEN_CONNECTORS_* are not set)')
/** The sandbox's root, for its control API: http://127.0.0.1:PORT */
const SANDBOX = new URL(BASE).origin
const OAUTH2 = ['zendesk', 'sfdc', 'hubspotcrm', 'onedrivev2'] // the sandbox catalogue's OAuth 2 elements

let app // the app's process
let appUrl // http://127.0.0.1:PORT
let appLog = '' // its stderr: the request log
let browser

before(async () => {
  mkdirSync(TARGET, { recursive: true })
  app = spawn(PYTHON, [join(HERE, 'app.py'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  app.stderr.setEncoding('utf8').on('data', (s) => (appLog += s))
  appUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app printed no URL within 20 s:\n${appLog}`)), 20_000)
    app.once('error', reject)
    app.once('exit', (code) => reject(new Error(`the app exited (${code}) before listening:\n${appLog}`)))
    createInterface({ input: app.stdout }).once('line', (line) => {
      clearTimeout(timer)
      const m = /^listening on (http:\/\/\S+)$/.exec(line)
      m ? resolve(m[1]) : reject(new Error(`unexpected first line from the app: ${line}`))
    })
  })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
})

after(async () => {
  await browser?.close()
  if (app && app.exitCode === null) {
    app.kill()
    await new Promise((r) => app.once('exit', r))
  }
  writeFileSync(join(TARGET, 'connect-app.log'), appLog)
})
process.on('exit', () => app?.kill()) // even when a hook failed half-way

/** A platform API call with the sandbox's credentials. */
async function api(path, init = {}) {
  return fetch(BASE + path, { ...init, headers: { authorization: `User ${USER}, Organization ${ORG}`, ...init.headers } })
}

async function instances(tag) {
  const r = await api(`/instances?pageSize=200${tag ? `&tags[]=${encodeURIComponent(tag)}` : ''}`)
  assert.equal(r.status, 200)
  return r.json()
}

/** How many create requests the sandbox has received so far. */
async function creates() {
  const { requests } = await (await fetch(`${SANDBOX}/__sandbox/journal`)).json()
  return requests.filter((r) => r.method === 'POST' && r.path.endsWith('/instances')).length
}

/** A new user of the app: a fresh browser context on its home page. */
async function newUser(t) {
  const context = await browser.newContext()
  t.after(() => context.close())
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  await page.goto(appUrl + '/')
  const uid = (await context.cookies(appUrl)).find((c) => c.name === 'uid')?.value
  assert.match(uid ?? '', /^[0-9a-f]{16}$/, 'the app sets a uid cookie')
  return { context, page, uid }
}

/** Clicks and waits for the page that the click's navigation (and its redirects) ends on. */
async function clickAndLoad(page, locator) {
  await Promise.all([page.waitForEvent('load'), locator.click()])
  assert.equal(page.url(), appUrl + '/')
}

const flash = (page) => page.locator('#flash').innerText()
const rows = (page) => page.locator('#instances > li')

test('lists the OAuth 2 elements and an empty list of connections', async (t) => {
  const { page } = await newUser(t)
  const keys = await page.locator('#elements > li').evaluateAll((lis) => lis.map((li) => li.dataset.element))
  assert.deepEqual(keys, OAUTH2)
  assert.match(await page.locator('li[data-element="sfdc"]').innerText(), /Salesforce.*sfdc/)
  assert.equal(await page.getByRole('button', { name: 'Connect' }).count(), OAUTH2.length)
  assert.equal(await page.getByRole('heading', { name: 'Your connections' }).count(), 1)
  assert.equal(await rows(page).count(), 0)
})

test('connect, disable, enable and delete an instance', async (t) => {
  const { page, uid } = await newUser(t)
  const before = await creates()
  await clickAndLoad(page, page.locator('li[data-element="sfdc"]').getByRole('button', { name: 'Connect' }))
  const id = Number(/Connected sfdc as instance (\d+)/.exec(await flash(page))?.[1])
  assert.ok(id > 0, `flash: ${await flash(page)}`)
  assert.equal(await creates(), before + 1, 'one create request')
  await page.screenshot({ path: join(TARGET, 'connect-app.png'), fullPage: true })

  // The page shows it, and the platform has it: tagged with the user, configured with the app's callback.
  const row = page.locator(`#instances > li[data-instance="${id}"]`)
  assert.equal(await rows(page).count(), 1)
  assert.match(await row.innerText(), new RegExp(`sfdc for ${uid}\\s+sfdc, id ${id}: Enabled`))
  const inst = await (await api(`/instances/${id}`)).json()
  assert.deepEqual(inst.tags, [`user:${uid}`])
  assert.equal(inst.disabled, false)
  assert.equal(inst.configuration['oauth.callback.url'], `${appUrl}/callback`)
  assert.deepEqual((await instances(`user:${uid}`)).map((i) => i.id), [id])
  assert.ok(!(await page.content()).includes(API_SECRET), 'no secret in the page')

  await clickAndLoad(page, row.getByRole('button', { name: 'Disable' }))
  assert.match(await flash(page), new RegExp(`Instance ${id} disabled`))
  assert.equal(await row.locator('.status').innerText(), 'Disabled')
  assert.equal((await (await api(`/instances/${id}`)).json()).disabled, true)
  assert.equal(await row.getByRole('button', { name: 'Disable' }).count(), 0)

  await clickAndLoad(page, row.getByRole('button', { name: 'Enable' }))
  assert.match(await flash(page), new RegExp(`Instance ${id} enabled`))
  assert.equal(await row.locator('.status').innerText(), 'Enabled')
  assert.equal((await (await api(`/instances/${id}`)).json()).disabled, false)

  // Another user of the app neither sees it nor can delete it.
  const other = await newUser(t)
  assert.equal(await rows(other.page).count(), 0)
  const refused = await other.context.request.post(`${appUrl}/instances/${id}/delete`, { form: {} }) // with its cookies
  assert.equal(refused.url(), appUrl + '/')
  assert.match(await refused.text(), new RegExp(`Could not delete instance ${id}: it is not one of your connections`))
  assert.equal((await api(`/instances/${id}`)).status, 200, 'still there')

  await clickAndLoad(page, row.getByRole('button', { name: 'Delete' }))
  assert.match(await flash(page), new RegExp(`Instance ${id} deleted`))
  assert.equal(await rows(page).count(), 0)
  assert.equal((await api(`/instances/${id}`)).status, 404)
  assert.deepEqual(await instances(`user:${uid}`), [])
})

test('an element with a required field of its own (zendesk.subdomain)', async (t) => {
  const { page, uid } = await newUser(t)
  const zendesk = page.locator('li[data-element="zendesk"]')
  await zendesk.getByPlaceholder(/subdomain/i).fill('acme')
  await clickAndLoad(page, zendesk.getByRole('button', { name: 'Connect' }))
  assert.match(await flash(page), /Connected zendesk as instance \d+/)
  const [inst] = await instances(`user:${uid}`)
  assert.equal(inst.configuration['zendesk.subdomain'], 'acme')
  assert.match(await rows(page).first().innerText(), /zendesk.*Enabled/)
})

test('a denied authorization is shown and creates nothing', async (t) => {
  const { page, uid } = await newUser(t)
  const r = await fetch(`${SANDBOX}/__sandbox/oauth`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deny: 1 }),
  })
  assert.equal(r.status, 200)
  const [before, total] = [await creates(), (await instances()).length]
  await clickAndLoad(page, page.locator('li[data-element="hubspotcrm"]').getByRole('button', { name: 'Connect' }))
  assert.match(await flash(page), /Authorization was denied: access_denied/)
  assert.equal(await rows(page).count(), 0)
  assert.equal(await creates(), before, 'no create request')
  assert.equal((await instances()).length, total)
  assert.deepEqual(await instances(`user:${uid}`), [])
})

test('a forged callback without an authorization in progress is refused', async (t) => {
  const { page } = await newUser(t)
  const [before, total] = [await creates(), (await instances()).length]
  await page.goto(`${appUrl}/callback?code=x&state=wrong`)
  assert.equal(page.url(), appUrl + '/')
  assert.match(await flash(page), /Could not connect: no authorization of yours is in progress/)
  assert.equal(await rows(page).count(), 0)
  assert.equal(await creates(), before)
  assert.equal((await instances()).length, total)
})

test('a callback with another state is refused, and the state is then used up', async (t) => {
  const { context, page } = await newUser(t)
  // Start a real authorization (what the Connect button posts, with the user's cookies), but
  // stop at the provider's door: the app has set its state cookie.
  const started = await context.request.post(`${appUrl}/connect`, { form: { element: 'onedrivev2' }, maxRedirects: 0 })
  assert.equal(started.status(), 303)
  const authorize = new URL(started.headers().location)
  const state = (await context.cookies(appUrl)).find((c) => c.name === 'oauth_state')
  assert.ok(authorize && state, 'went to the authorize page with a state cookie')
  assert.equal(authorize.searchParams.get('state'), state.value)
  assert.equal(authorize.searchParams.get('redirect_uri'), `${appUrl}/callback`)
  assert.ok(state.httpOnly && state.sameSite === 'Lax', 'HttpOnly, SameSite=Lax')
  assert.ok(!authorize.href.includes(API_SECRET), 'the API secret is not in the authorize URL')

  const [before, total] = [await creates(), (await instances()).length]
  await page.goto(`${appUrl}/callback?code=forged&state=wrong`)
  assert.match(await flash(page), /Could not connect: .*state.*does not match/)
  // The right state is no good after that: it was single-use, and the cookie is cleared.
  assert.equal((await context.cookies(appUrl)).find((c) => c.name === 'oauth_state'), undefined)
  await context.addCookies([{ name: 'oauth_state', value: state.value, url: appUrl }])
  await page.goto(`${appUrl}/callback?code=forged&state=${state.value}`)
  assert.match(await flash(page), /no authorization of yours is in progress/)
  assert.equal(await rows(page).count(), 0)
  assert.equal(await creates(), before)
  assert.equal((await instances()).length, total)
})

test('no OAuth code or secret in the app log', () => {
  assert.match(appLog, /"GET \/callback" 303/)
  assert.ok(!/code=|state=|s3cr3t/.test(appLog), `the log:\n${appLog}`)
  assert.ok(!appLog.includes(USER) && !appLog.includes(ORG))
})
