// Compile-time checks of the declarations (ES module view): `tsc --noEmit` must pass.
import openConnectors, { Client, NotFoundError, type Instance } from 'open-connectors'

const client = new Client({ region: 'us2' })
const other = new openConnectors.Client()
const p: Promise<Instance> = client.createInstance({ element: 'insightly' })
p.catch((e: unknown) => e instanceof NotFoundError && e.status === 404)
void other
