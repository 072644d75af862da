"""The whole connection lifecycle: OAuth URL, the user's consent, the callback, create,
list by tag, update, disable and enable, re-authenticate, delete.

Against the local sandbox the provider's authorize page is the sandbox's own, so the
"user" here is a plain HTTP request that does not follow the redirect. `make demo` runs it:

    tests/with-sandbox.sh .venv/bin/python bindings-python/examples/lifecycle.py
"""

from __future__ import annotations

import secrets
import sys
import urllib.error
import urllib.request

import open_connectors as oc

CALLBACK = "http://127.0.0.1:8000/oauth/callback"
API_KEY = "my-app-client-id"
API_SECRET = "my-app-client-s3cr3t"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def consent(authorize_url: str) -> str:
    """Plays the user at the provider's authorize page: returns where it redirects to."""
    try:
        urllib.request.build_opener(_NoRedirect).open(authorize_url, timeout=10)
    except urllib.error.HTTPError as e:
        if e.code in (301, 302, 303, 307) and e.headers.get("Location"):
            return str(e.headers["Location"])
        raise
    raise RuntimeError("the authorize page did not redirect")


def authorize(client: oc.Client, element: str) -> str:
    """OAuth 2 step 1 and 2: a fresh code for `element`, with the state checked."""
    state = secrets.token_urlsafe(16)
    url = client.get_oauth_url(element, api_key=API_KEY, api_secret=API_SECRET, callback_url=CALLBACK, state=state)
    callback = consent(url)
    return str(oc.parse_oauth_callback(callback, expected_state=state).code)


def main() -> int:
    with oc.Client(timeout=30.0) as client:
        print("catalogue:", ", ".join(f"{e.key} ({e.authentication_type})" for e in client.list_elements()))
        required = [f.key for f in client.get_element_configuration("sfdc") if f.required]
        print("sfdc needs:", ", ".join(required))

        config = {"oauth.api.key": API_KEY, "oauth.api.secret": API_SECRET, "oauth.callback.url": CALLBACK}
        crm = client.create_instance(
            "sfdc", name="CRM (demo)", tags=["demo"], configuration=config, provider_data={"code": authorize(client, "sfdc")}
        )
        print("created:", crm)
        print("tagged demo:", [i.name for i in client.list_instances(tags=["demo"], page_size=50)])

        crm = client.update_instance(crm.id, name="CRM (production)", tags=["demo", "prod"])
        print("updated:", crm.name, crm.tags)
        client.disable_instance(crm.id)
        print("disabled:", client.get_instance(crm.id).disabled)
        client.enable_instance(crm.id)
        print("enabled again:", not client.get_instance(crm.id).disabled)

        crm = client.reauthenticate_instance(crm.id, code=authorize(client, "sfdc"))
        print("re-authenticated:", crm.valid)
        try:
            oc.parse_oauth_callback(CALLBACK + "?code=x&state=forged", expected_state="mine")
        except oc.InvalidInputError as e:
            print("forged callback refused:", e.field)

        client.delete_instance(crm.id)
        print("left tagged demo:", client.list_instances(tags=["demo"]).to_list())
    return 0


if __name__ == "__main__":
    sys.exit(main())
