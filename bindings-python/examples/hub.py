"""Calling the connected service: an instance with signed event notifications, its CRM
contacts paged with a safe OCNQL filter, a record created, and the webhook that follows
received and verified by a small receiver (standard library only).

Against the local sandbox; `make demo` runs it:

    tests/with-sandbox.sh .venv/bin/python bindings-python/examples/hub.py

Seeding contacts is the sandbox's control API (a real service has its own data).
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import open_connectors as oc

SIGNATURE_KEY = "my-webhook-s1gning-key"


class Receiver(BaseHTTPRequestHandler):
    """The webhook endpoint: verifies the signature over the raw body, then acknowledges."""

    notes: "queue.Queue[Any]" = queue.Queue()

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            note = oc.verify_webhook(body, self.headers.get(oc_header("signature")), SIGNATURE_KEY)
        except oc.WebhookSignatureError as e:
            self.send_response(401)  # not from the platform: do not act on it
            self.end_headers()
            self.notes.put(e)
            return
        self.send_response(200)  # acknowledge quickly; work on it elsewhere
        self.end_headers()
        self.notes.put((self.headers.get(oc_header("id")), note))

    def log_message(self, *args: Any) -> None:
        pass


def oc_header(which: str) -> str:
    return {"signature": "Elements-Webhook-Signature", "id": "Elements-Webhook-Id"}[which]


def seed(token: str, count: int) -> None:
    """The sandbox's control API: `count` deterministic contacts in the instance's hub."""
    root = os.environ["OPEN_CONNECTORS_BASE_URL"].removesuffix("/elements/api-v2")
    req = urllib.request.Request(
        f"{root}/__sandbox/hub/seed",
        data=json.dumps({"token": token, "object": "contacts", "count": count}).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(req, timeout=10).read()


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    callback = f"http://127.0.0.1:{server.server_port}/events"

    with oc.Client(timeout=30.0) as client:
        inst = client.create_instance(
            "insightly",
            name="CRM with events (demo)",
            configuration={
                "username": "claudeelements",
                "password": "s3cr3t-Passw0rd",
                "event.notification.enabled": True,
                "event.notification.callback.url": callback,
                "event.notification.signature.key": SIGNATURE_KEY,
            },
        )
        crm = client.for_instance(inst)  # calls carry `Element <token>`; repr hides it
        print("instance client:", crm)
        seed(inst.token, 1000)

        city = "London"
        # Values go through placeholders; a dotted field name is written in backticks.
        where = oc.ocnql("`address.city` = {} and score >= {} and active = {}", city, 50, True)
        print("where:", where)
        pager = crm.paginate("/hubs/crm/contacts", where=where, page_size=200)
        count = 0
        for contact in pager:  # the next page is fetched while this one is read
            count += 1
            assert contact["address"]["city"] == city and contact["score"] >= 50
        print(f"contacts in {city} with a score of 50 or more: {count}")
        first = next(iter(pager.pages()))
        print(f"pages of 200: first has {len(first)} items, total_count={first.total_count}")

        try:
            oc.ocnql("lastName = {}", "O'Neil")
        except oc.InvalidInputError as e:
            print("a value that could end the quote is refused:", e.field)

        new = crm.post("/hubs/crm/contacts", json={"firstName": "Ada", "lastName": "Lovelace"})
        print("created contact", new["id"])
        page = crm.request("GET", "/hubs/crm/contacts", query={"pageSize": 1})
        print("whole response:", page)

        event_id, note = Receiver.notes.get(timeout=10)
        event = note["message"]["events"][0]
        print(f"webhook {event_id}: {event['eventType']} {event['objectType']} {event['objectId']}, signature verified")
        try:
            oc.verify_webhook(json.dumps(note).encode() + b" ", "sha256=AAAA", SIGNATURE_KEY)
        except oc.WebhookSignatureError as e:
            print("a forged webhook is refused:", e.code)

        client.delete_instance(inst.id)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
