"""Shared fixtures: one oc-sandbox per test session, driven through its control API.

The sandbox binary comes from ``OC_SANDBOX_BIN`` (the root Makefile exports it and
``make sandbox`` builds it). Only the standard library talks to the control API.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import urllib.request
from pathlib import Path
from typing import Any, Iterator, List, Optional

import pytest

# The sandbox's default credentials (the platform docs' example pair).
DEFAULT_USER_SECRET = "sAfK7LJGNz5ZHcNrvdJvLI=f03WbTbH6aRKc0HJ3oOIi"
DEFAULT_ORGANIZATION_SECRET = "58168435e3b9959a929eb04b6218b9a2"

ENV_VARS = (
    "OPEN_CONNECTORS_BASE_URL",
    "OPEN_CONNECTORS_REGION",
    "OPEN_CONNECTORS_USER_SECRET",
    "OPEN_CONNECTORS_ORGANIZATION_SECRET",
)

REPO = Path(__file__).resolve().parents[2]


def sandbox_binary() -> str:
    path = os.environ.get("OC_SANDBOX_BIN")
    if path:
        if not os.access(path, os.X_OK):
            raise RuntimeError(f"OC_SANDBOX_BIN={path} is not an executable (run `make sandbox`)")
        return path
    raise RuntimeError(
        "OC_SANDBOX_BIN is not set: run the tests with `make test-python`, or build the "
        "sandbox (`make sandbox`) and export OC_SANDBOX_BIN=target/<triple>/debug/oc-sandbox"
    )


class Sandbox:
    """A running oc-sandbox and its control API (``/__sandbox/...``)."""

    def __init__(self, proc: "subprocess.Popen[bytes]", base_url: str) -> None:
        self.proc = proc
        self.base_url = base_url
        suffix = "/elements/api-v2"
        self.root = base_url[: -len(suffix)] if base_url.endswith(suffix) else base_url

    def _request(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.root + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read().decode()
        try:
            return json.loads(text)
        except ValueError:
            return text

    def reset(self) -> None:
        self._request("POST", "/__sandbox/reset", {})

    def fault(self, fault: Any) -> None:
        self._request("POST", "/__sandbox/faults", fault)

    def journal(self) -> List[Any]:
        requests: List[Any] = self._request("GET", "/__sandbox/journal")["requests"]
        return requests


def start_sandbox() -> Sandbox:
    proc = subprocess.Popen(
        [sandbox_binary(), "--port", "0", "--quiet", "--exit-on-stdin-eof"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    first: List[bytes] = []
    reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(30)
    line = first[0].decode().strip() if first else ""
    if not line.startswith("http"):
        proc.kill()
        raise RuntimeError(f"oc-sandbox printed no base URL (got {line!r})")
    return Sandbox(proc, line)


def stop_sandbox(sandbox: Sandbox) -> None:
    proc = sandbox.proc
    if proc.stdin is not None:
        proc.stdin.close()  # --exit-on-stdin-eof
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    sb = start_sandbox()
    try:
        yield sb
    finally:
        stop_sandbox(sb)


@pytest.fixture
def sb(sandbox: Sandbox) -> Sandbox:
    """The session's sandbox, reset for this test."""
    sandbox.reset()
    return sandbox


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the caller's OPEN_CONNECTORS_* environment unless they set it."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


BASIC = {"username": "claudeelements", "password": "password"}
OAUTH = {
    "oauth.api.key": "Rand0MAP1-key",
    "oauth.api.secret": "fak3AP1-s3Cr3t",
    "oauth.callback.url": "https://mycoolapp.com",
}
