"""Connect: a small web app whose users connect their own accounts (OAuth 2) through
Open Connectors, then disable, enable and delete those connections.

Standard library plus the SDK. The settings come from OPEN_CONNECTORS_* as in every
example; `make demo-connect` runs it against the local sandbox:

    tests/with-sandbox.sh .venv/bin/python examples/connect/app.py --port 8000
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from html import escape
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import open_connectors as oc

# Your OAuth app at the provider (the sandbox takes any).
API_KEY = os.environ.get("CONNECT_OAUTH_API_KEY", "my-app-client-id")
API_SECRET = os.environ.get("CONNECT_OAUTH_API_SECRET", "my-app-client-s3cr3t")
OAUTH_KEYS = {"oauth.api.key", "oauth.api.secret", "oauth.callback.url"}  # filled in by the app
PENDING_SECONDS = 600  # how long the user may take at the provider's authorize page


@dataclass
class Pending:
    """An authorization the user was sent to, waiting for its callback."""

    element: str
    configuration: dict[str, str]  # what the user typed in, e.g. zendesk.subdomain
    started: float = field(default_factory=time.monotonic)


class App:
    """What every request shares: the SDK client (thread-safe) and a little state."""

    def __init__(self, client: oc.Client, url: str) -> None:
        self.client = client
        self.url = url
        self.callback_url = url + "/callback"  # registered with the provider, in real life
        # The configuration every OAuth 2 instance of this app gets.
        self.oauth = {"oauth.api.key": API_KEY, "oauth.api.secret": API_SECRET, "oauth.callback.url": self.callback_url}
        self.lock = threading.Lock()
        self.pending: dict[str, Pending] = {}  # by state
        self.flashes: dict[str, list[tuple[str, str]]] = {}  # by user id: (css class, text)
        self._catalogue: list[tuple[oc.Element, list[oc.ConfigField]]] | None = None

    def catalogue(self) -> list[tuple[oc.Element, list[oc.ConfigField]]]:
        """The OAuth 2 elements, each with the required fields the user fills in (read once)."""
        if self._catalogue is None:
            oauth2 = [e for e in self.client.list_elements() if e.authentication_type == "oauth2"]
            self._catalogue = [(e, self.user_fields(e.key)) for e in oauth2]
        return self._catalogue

    def user_fields(self, element: str) -> list[oc.ConfigField]:
        config = self.client.get_element_configuration(element)
        return [f for f in config if f.required and f.key not in OAUTH_KEYS]

    def flash(self, uid: str, kind: str, text: str) -> None:
        with self.lock:
            self.flashes.setdefault(uid, []).append((kind, text))

    def take_flashes(self, uid: str) -> list[tuple[str, str]]:
        with self.lock:
            return self.flashes.pop(uid, [])

    def start(self, state: str, pending: Pending) -> None:
        with self.lock:
            now = time.monotonic()
            self.pending = {s: p for s, p in self.pending.items() if now - p.started < PENDING_SECONDS}
            self.pending[state] = pending

    def finish(self, state: str) -> Pending | None:
        """The authorization started with `state`, once: a state is single-use."""
        with self.lock:
            p = self.pending.pop(state, None)
        return p if p and time.monotonic() - p.started < PENDING_SECONDS else None


class Handler(BaseHTTPRequestHandler):
    app: App  # set by main()
    uid: str
    new_user: bool

    def do_GET(self) -> None:
        self.load_user()
        path = self.path.split("?", 1)[0]
        if path == "/":
            self.index()
        elif path == "/callback":
            self.callback()
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        self.load_user()
        length = int(self.headers.get("Content-Length") or 0)
        if length > 10_000:
            return self.send_error(413)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(errors="replace")).items()}
        if self.path == "/connect":
            return self.connect(form)
        m = re.fullmatch(r"/instances/(\d+)/(enable|disable|delete)", self.path)
        if not m:
            return self.send_error(404)
        instance_id, action = int(m[1]), m[2]
        client = self.app.client
        actions = {
            "enable": client.enable_instance,
            "disable": client.disable_instance,
            "delete": client.delete_instance,
        }
        try:
            # All users of the app share one organization: check the instance is this user's.
            if f"user:{self.uid}" not in client.get_instance(instance_id).tags:
                raise ValueError("it is not one of your connections")
            actions[action](instance_id)
            self.app.flash(self.uid, "ok", f"Instance {instance_id} {action}d")
        except (ValueError, oc.OpenConnectorsError) as e:
            self.app.flash(self.uid, "error", f"Could not {action} instance {instance_id}: {e}")
        self.redirect("/")

    def connect(self, form: dict[str, str]) -> None:
        """OAuth 2, step 1: send the user to the provider's authorize page with a fresh state."""
        key = form.get("element", "")
        try:
            fields = next((f for e, f in self.app.catalogue() if e.key == key), None)
            if fields is None:
                raise ValueError(f"Unknown element {key!r}")
            config = {f.key: form.get(f.key, "").strip() for f in fields}
            if missing := [f.name or f.key for f in fields if not config[f.key]]:
                raise ValueError(f"{key} needs: {', '.join(missing)}")
            state = secrets.token_urlsafe(24)
            url = self.app.client.get_oauth_url(
                key, api_key=API_KEY, api_secret=API_SECRET, callback_url=self.app.callback_url, state=state
            )
        except (ValueError, oc.OpenConnectorsError) as e:
            self.app.flash(self.uid, "error", str(e))
            return self.redirect("/")
        self.app.start(state, Pending(key, config))
        self.redirect(url, cookie=("oauth_state", state))

    def callback(self) -> None:
        """OAuth 2, step 2: the provider sent the user back; check the state, create the instance."""
        state = self.cookies.get("oauth_state", "")
        pending = self.app.finish(state) if state else None
        try:
            if pending is None:
                raise ValueError("no authorization of yours is in progress (or it expired): click Connect again")
            # Refuses a state other than ours (a forged redirect) and reads error=... as OAuthDeniedError.
            answer = oc.parse_oauth_callback(self.path, expected_state=state)
            if not answer.code:  # an OAuth 1 answer (oauth_verifier) is no use here
                raise ValueError("the provider sent no code")
            # Sent once: the SDK never retries a create that may have arrived, as the code is single-use.
            inst = self.app.client.create_instance(
                pending.element,
                name=f"{pending.element} for {self.uid}",
                tags=[f"user:{self.uid}"],
                configuration={**self.app.oauth, **pending.configuration},
                provider_data={"code": answer.code},
                validate=True,  # a missing required key fails here, before the code is spent
            )
            self.app.flash(self.uid, "ok", f"Connected {pending.element} as instance {inst.id}")
        except oc.OAuthDeniedError as e:
            self.app.flash(self.uid, "error", f"Authorization was denied: {e.error}")
        except oc.ApiStatusError as e:
            refused = e.provider_error == "invalid_grant"  # e.g. a code used twice
            hint = " (the provider refused the code: click Connect again)" if refused else ""
            self.app.flash(self.uid, "error", f"Could not connect: {e}{hint}")
        except (ValueError, oc.OpenConnectorsError) as e:
            self.app.flash(self.uid, "error", f"Could not connect: {e}")
        self.redirect("/", cookie=("oauth_state", ""))

    def index(self) -> None:
        out = ["<h1>Connect your accounts</h1><div id=flash role=status>"]
        out += [f"<p class={kind}>{escape(text)}</p>" for kind, text in self.app.take_flashes(self.uid)]
        out.append("</div><h2>Services</h2><ul id=elements>")
        try:
            for e, fields in self.app.catalogue():
                inputs = "".join(
                    f' <input name="{escape(f.key)}" placeholder="{escape(f.name or "")}" required>' for f in fields
                )
                out.append(
                    f'<li data-element="{escape(e.key)}"><form method=post action=/connect><b>{escape(e.name)}</b>'
                    f" ({escape(e.key)}, {escape(e.hub or '?')}){inputs}"
                    f' <input type=hidden name=element value="{escape(e.key)}"><button>Connect</button></form>'
                )
            out.append("</ul><h2>Your connections</h2><ul id=instances>")
            for i in self.app.client.list_instances(tags=[f"user:{self.uid}"]):
                status, toggle = ("Disabled", "enable") if i.disabled else ("Enabled", "disable")
                out.append(
                    f'<li data-instance="{i.id}"><b>{escape(i.name)}</b> {escape(i.element_key or "?")}, id {i.id}: '
                    f"<span class=status>{status}</span>"
                )
                for action in (toggle, "delete"):
                    out.append(f'<form method=post action="/instances/{i.id}/{action}">')
                    out.append(f"<button>{action.title()}</button></form>")
            out.append("</ul>")
        except oc.OpenConnectorsError as e:
            out.append(f"</ul><p class=error>{escape(str(e))}</p>")
        self.send_page("".join(out))

    # Plumbing: the user cookie, responses, the request log.

    @property
    def cookies(self) -> dict[str, str]:
        try:
            return {k: m.value for k, m in SimpleCookie(self.headers.get("Cookie") or "").items()}
        except CookieError:
            return {}

    def load_user(self) -> None:
        """The user: a random id kept in a cookie (it stands in for your app's login)."""
        given = self.cookies.get("uid", "")
        self.new_user = not re.fullmatch(r"[0-9a-f]{16}", given)
        self.uid = secrets.token_hex(8) if self.new_user else given

    def send_cookies(self, *cookies: tuple[str, str]) -> None:
        if self.new_user:
            cookies += (("uid", self.uid),)
        for name, value in cookies:
            expire = "" if value else "; Max-Age=0"
            self.send_header("Set-Cookie", f"{name}={value}; Path=/; HttpOnly; SameSite=Lax{expire}")

    def redirect(self, location: str, cookie: tuple[str, str] | None = None) -> None:
        self.send_response(303)
        self.send_header("Location", location)
        self.send_cookies(*([cookie] if cookie else []))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_page(self, body: str) -> None:
        page = (
            "<!doctype html><html lang=en><meta charset=utf-8><title>Connect</title><style>"
            "body{font:15px system-ui,sans-serif;max-width:48em;margin:2em auto}li{margin:.5em 0}"
            "form{display:inline;margin-left:.5em}.ok{color:#075}.error{color:#b00}.status{font-weight:bold}"
            f"</style><body>{body}</body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        csp = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
        self.send_header("Content-Security-Policy", csp)
        self.send_header("Cache-Control", "no-store")
        self.send_cookies()
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The path without its query: a callback's carries the single-use OAuth code.
        self.log_message('"%s %s" %s', self.command, self.path.split("?", 1)[0], code)


def main() -> None:
    parser = argparse.ArgumentParser(description="Connect: the Open Connectors OAuth 2 example web app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    url = f"http://{args.host}:{server.server_address[1]}"
    with oc.Client(timeout=30.0) as client:
        Handler.app = App(client, url)
        print(f"listening on {url}", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
