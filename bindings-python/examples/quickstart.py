"""Quickstart: create a Basic and an OAuth 2 connector instance, read one back, delete them.

The client reads OPEN_CONNECTORS_BASE_URL (or OPEN_CONNECTORS_REGION),
OPEN_CONNECTORS_USER_SECRET and OPEN_CONNECTORS_ORGANIZATION_SECRET from the
environment. `make demo-python` runs it against the local sandbox:

    tests/with-sandbox.sh .venv/bin/python bindings-python/examples/quickstart.py
"""

from __future__ import annotations

import sys

import open_connectors as oc


def show(label: str, inst: oc.Instance) -> None:
    # repr() never shows the token; print only a hint of it.
    print(f"{label}: {inst!r}")
    print(f"  element {inst.element_key} (id {inst.element_id}), tags {inst.tags}")
    print(f"  created {inst.created_date.isoformat() if inst.created_date else 'unknown'}")
    print(f"  token [REDACTED] ({len(inst.token)} characters; use inst.token)")


def main() -> int:
    try:
        client = oc.Client(timeout=30.0, max_retries=2)
    except oc.InvalidInputError as e:
        print(f"set OPEN_CONNECTORS_BASE_URL and the secrets first ({e.field}: {e})", file=sys.stderr)
        return 2
    with client:
        print(f"client: {client!r}")

        # Basic authentication, element by key: POST /instances
        crm = client.create_instance(
            "insightly",
            name="Element Instance Name",
            tags=["Docs"],
            configuration={"username": "claudeelements", "password": "password"},
        )
        show("basic", crm)

        # OAuth 2 with the code from the provider's redirect, on the element's own
        # route: POST /elements/onedrivev2/instances
        drive = client.create_instance(
            "onedrivev2",
            name="My OneDrive",
            provider_data={"code": "WCT3Ny3QRbA6HDXY"},
            configuration={
                "oauth.api.key": "Rand0MAP1-key",
                "oauth.api.secret": "fak3AP1-s3Cr3t",
                "oauth.callback.url": "https://mycoolapp.com",
            },
            endpoint="elements",
        )
        show("oauth2", drive)

        # Errors have a stable code; an OAuth code is single-use.
        try:
            client.create_instance(
                "onedrivev2",
                provider_data={"code": "WCT3Ny3QRbA6HDXY"},
                configuration={
                    "oauth.api.key": "Rand0MAP1-key",
                    "oauth.api.secret": "fak3AP1-s3Cr3t",
                    "oauth.callback.url": "https://mycoolapp.com",
                },
            )
        except oc.BadRequestError as e:
            print(f"reusing the code: [{e.code}] HTTP {e.status}: {e.platform_message} (provider: {e.provider_message})")

        # Read one back (GET /instances/{id}, safe to retry), then clean up.
        again = client.get_instance(crm.id, timeout=10.0)
        assert again == crm
        for inst in (crm, drive):
            client.delete_instance(inst.id)
        try:
            client.get_instance(crm.id)
        except oc.NotFoundError as e:
            print(f"deleted both; get after delete: [{e.code}] {e.platform_message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
