"""The asyncio client: several creates in flight at once, by key and by id.

Reads the same OPEN_CONNECTORS_* environment variables as quickstart.py.
"""

from __future__ import annotations

import asyncio
import sys

import open_connectors as oc


async def main() -> int:
    async with oc.AsyncClient(timeout=30.0) as client:
        basic = {"username": "claudeelements", "password": "password"}
        results = await asyncio.gather(
            client.create_instance("insightly", name="by key", configuration=basic),
            client.create_instance(5993, name="by id", configuration=basic),
            client.create_instance("no-such-element", configuration=basic),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, oc.OpenConnectorsError):
                print(f"error [{result.code}]: {result}")
            elif isinstance(result, oc.Instance):
                print(f"{result!r} created {result.created_date}")
        # Coroutines: schedule them as tasks, read back and delete concurrently.
        made = [r for r in results if isinstance(r, oc.Instance)]
        fetched = await asyncio.gather(*(asyncio.create_task(client.get_instance(i.id)) for i in made))
        assert fetched == made
        await asyncio.gather(*(client.delete_instance(i.id) for i in made))
        print(f"read back and deleted {len(made)} instances")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
