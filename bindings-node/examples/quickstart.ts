// Quickstart: create a Basic and an OAuth 2 instance, read one back, delete both; the token stays hidden.
//
//   make demo-node            # against a local sandbox (tests/with-sandbox.sh sets the env)
//
// The client reads OPEN_CONNECTORS_BASE_URL (or OPEN_CONNECTORS_REGION),
// OPEN_CONNECTORS_USER_SECRET and OPEN_CONNECTORS_ORGANIZATION_SECRET for whatever
// it is not given.
import {
  Client,
  type Instance,
  ApiStatusError,
  InvalidInputError,
  NotFoundError,
  OpenConnectorsError,
} from 'open-connectors'

async function main(): Promise<void> {
  const client = new Client({ timeout: 30_000, maxRetries: 2 })
  console.log('client:', client) // secrets are never shown

  // Basic authentication, element by key: POST /instances
  const crm: Instance = await client.createInstance({
    element: 'insightly',
    name: 'Element Instance Name',
    tags: ['Docs'],
    configuration: { username: 'claudeelements', password: 'password' },
  })
  console.log('basic instance:', crm) // util.inspect hides the token
  console.log(`  id ${crm.id}, element ${crm.elementId}, created ${crm.createdDate}, token ${crm.token.length} chars`)

  // OAuth 2 with the code from the provider's redirect; element by id:
  // POST /elements/4806/instances
  const drive = await client.createInstance({
    element: 4806,
    name: 'OneDrive',
    providerData: { code: `demo-code-${Date.now()}` },
    configuration: {
      'oauth.api.key': 'Rand0MAP1-key',
      'oauth.api.secret': 'fak3AP1-s3Cr3t',
      'oauth.callback.url': 'https://mycoolapp.com',
    },
    extra: { retrieveObjectsAfterInstantiation: true },
  })
  console.log('oauth2 instance:', drive)

  // Errors are classes with the core's stable code.
  try {
    await client.createInstance({ element: 'no-such-element', configuration: {} })
  } catch (e) {
    if (e instanceof ApiStatusError) {
      console.log(`expected error: ${e.name} [${e.code}] HTTP ${e.status}: ${e.platformMessage}`)
    } else {
      throw e
    }
  }
  try {
    await client.createInstance({ element: 'a/b' })
  } catch (e) {
    if (e instanceof InvalidInputError) console.log(`expected error: ${e.name} on ${e.field}`)
    else throw e
  }

  // Read one back (safe to retry; per-call options in milliseconds), then clean up.
  const again: Instance = await client.getInstance(crm.id, { timeout: 10000 })
  console.log(`read back ${again.id}: ${again.name}, created ${again.createdDate?.toISOString()}`)
  for (const inst of [crm, drive]) await client.deleteInstance(inst.id)
  try {
    await client.getInstance(crm.id)
  } catch (e) {
    if (e instanceof NotFoundError) console.log(`deleted both; get after delete: [${e.code}] ${e.platformMessage}`)
    else throw e
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof OpenConnectorsError ? `failed: [${e.code}] ${e.message}` : e)
  process.exitCode = 1
})
