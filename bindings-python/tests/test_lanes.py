"""The sync client's lanes: each sync call is driven on the calling thread, on a lane
(a current-thread runtime and a connection pool of its own) taken from the client's
idle lanes and given back. These tests pin how many lanes exist when, and that a
keep-alive connection the server closed while a lane sat idle is not picked."""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any, List

import pytest

import open_connectors as oc
from conftest import BASIC, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox
from test_concurrency import CREATE_PATH, settings, wait_for_requests


def lanes(client: oc.Client) -> int:
    return client._native._idle_lanes


def test_sequential_calls_on_one_thread_use_one_lane(sb: Sandbox) -> None:
    client = oc.Client(**settings(sb))
    assert lanes(client) == 0, "a lane was made before any call"
    for _ in range(5):
        client.create_instance("insightly", configuration=BASIC)
        assert lanes(client) == 1


def test_an_instance_handle_shares_the_clients_lanes(sb: Sandbox) -> None:
    client = oc.Client(**settings(sb))
    inst = client.create_instance("insightly", configuration=BASIC)
    hub = client.for_instance(inst)
    hub.request("GET", "/hubs/crm/contacts")
    assert lanes(client) == 1


LANES_AT_ONCE = 4  # bindings-python/src/client.rs


def calls_in_flight_at_once(sb: Sandbox, client: oc.Client, n: int) -> None:
    """Makes n creates from n threads, all in flight together (the sandbox holds each
    1 s and saw all n before any returned)."""
    sb.fault({"method": "POST", "path": CREATE_PATH, "count": n, "delay_ms": 1000})
    before = len(sb.journal())
    errors: List[BaseException] = []
    ids: List[int] = []

    def work() -> None:
        try:
            ids.append(client.create_instance("insightly", configuration=BASIC).id)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    assert wait_for_requests(sb, before + n) == before + n
    assert len(ids) == 0, "a call returned before all were in flight"
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(set(ids)) == n


@pytest.mark.parametrize("n", [1, LANES_AT_ONCE])
def test_calls_in_flight_at_once_get_a_lane_each_up_to_the_limit(sb: Sandbox, n: int) -> None:
    client = oc.Client(**settings(sb))
    calls_in_flight_at_once(sb, client, n)
    assert lanes(client) == n
    # Later calls, one at a time, reuse them: no new lane.
    client.create_instance("insightly", configuration=BASIC)
    assert lanes(client) == n


def test_calls_beyond_the_limit_go_through_the_shared_runtime(sb: Sandbox) -> None:
    client = oc.Client(**settings(sb))
    calls_in_flight_at_once(sb, client, LANES_AT_ONCE + 1)
    assert lanes(client) == LANES_AT_ONCE, "more lanes than LANES_AT_ONCE were made"
    # With every lane idle again, calls take lanes again.
    calls_in_flight_at_once(sb, client, LANES_AT_ONCE)
    assert lanes(client) == LANES_AT_ONCE


def start_held_calls(sb: Sandbox, client: oc.Client, n: int, hold_ms: int,
                     errors: List[BaseException]) -> List[threading.Thread]:
    """Starts n creates from n threads, each held hold_ms by the sandbox, and returns
    once the sandbox saw all n."""
    sb.fault({"method": "POST", "path": CREATE_PATH, "count": n, "delay_ms": hold_ms})
    before = len(sb.journal())

    def work() -> None:
        try:
            client.create_instance("insightly", configuration=BASIC)
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    assert wait_for_requests(sb, before + n) == before + n
    return threads


def test_while_a_call_runs_on_the_shared_runtime_new_calls_go_there_too(sb: Sandbox) -> None:
    # Otherwise the threads holding lanes take them back call after call, and the
    # callers on the shared runtime wait behind them (a p99 of 15 ms at 64 threads).
    client = oc.Client(**settings(sb))
    errors: List[BaseException] = []
    on_lanes = start_held_calls(sb, client, LANES_AT_ONCE, 1000, errors)
    assert lanes(client) == 0, "every lane is in use"
    shared = start_held_calls(sb, client, 1, 4000, errors)  # beyond the limit: shared
    for t in on_lanes:
        t.join(60)
    assert lanes(client) == LANES_AT_ONCE, "the lanes are idle again"
    # One call on the shared runtime is still in flight: a new call goes there too.
    later = start_held_calls(sb, client, 1, 1000, errors)
    assert lanes(client) == LANES_AT_ONCE, "a call took a lane while the shared runtime had one"
    for t in later + shared:
        t.join(60)
    # Nothing on the shared runtime any more: calls take lanes again.
    again = start_held_calls(sb, client, 1, 1000, errors)
    assert lanes(client) == LANES_AT_ONCE - 1, "the next call did not take a lane"
    for t in again:
        t.join(60)
    assert lanes(client) == LANES_AT_ONCE
    assert not errors, errors


def test_a_thread_per_call_reuses_the_lane_of_the_last_thread(sb: Sandbox) -> None:
    # A server that starts a thread per request: lanes belong to the client, so each
    # new thread takes the warm lane (and its open connection) the last one gave back.
    client = oc.Client(**settings(sb))
    for _ in range(6):
        t = threading.Thread(target=lambda: client.create_instance("insightly", configuration=BASIC))
        t.start()
        t.join(60)
        assert lanes(client) == 1


def test_close_drops_the_idle_lanes_and_the_lane_of_a_call_in_flight(sb: Sandbox) -> None:
    client = oc.Client(**settings(sb))
    client.create_instance("insightly", configuration=BASIC)
    client.create_instance("insightly", configuration=BASIC)
    assert lanes(client) == 1
    sb.fault({"method": "POST", "path": CREATE_PATH, "count": 1, "delay_ms": 800})
    done: List[Any] = []
    t = threading.Thread(target=lambda: done.append(client.create_instance("insightly", configuration=BASIC)))
    t.start()
    assert wait_for_requests(sb, 3) == 3
    client.close()
    assert lanes(client) == 0
    t.join(60)
    assert len(done) == 1 and done[0].id > 0, "a call in flight did not finish after close()"
    assert lanes(client) == 0, "the lane of the call in flight went back to a closed client"
    with pytest.raises(oc.ClientClosedError):
        client.create_instance("insightly", configuration=BASIC)
    assert lanes(client) == 0


def test_a_panic_in_a_lane_is_an_internal_error_and_the_lane_is_dropped(sb: Sandbox) -> None:
    client = oc.Client(**settings(sb))
    client.create_instance("insightly", configuration=BASIC)
    assert lanes(client) == 1
    with pytest.raises(oc.InternalError, match="a test panic in a lane"):
        client._native._panic_in_lane_for_tests()
    assert lanes(client) == 0, "a lane whose runtime panicked was reused"
    assert client.create_instance("insightly", configuration=BASIC).id > 0
    assert lanes(client) == 1


class ClosingServer:
    """HTTP/1.1 on loopback that answers every request with `{"ok": n}` and keep-alive,
    then closes a connection idle for `idle_close` seconds (as a server's keep-alive
    timeout does, with a FIN)."""

    def __init__(self, idle_close: float) -> None:
        self.idle_close = idle_close
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.answered = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buf = b""
        with conn:
            while True:
                conn.settimeout(self.idle_close if not buf else 5)
                try:
                    chunk = conn.recv(65536)
                except (socket.timeout, OSError):
                    return  # idle too long: close (FIN)
                if not chunk:
                    return
                buf += chunk
                while b"\r\n\r\n" in buf:
                    head, rest = buf.split(b"\r\n\r\n", 1)
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value.strip())
                    if len(rest) < length:
                        break
                    buf = rest[length:]
                    self.answered += 1
                    body = b'{"ok": %d}' % self.answered
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                        b"content-length: %d\r\n\r\n%s" % (len(body), body)
                    )

    def hub(self) -> Any:
        """An instance handle of a new client of this server."""
        client = oc.Client(
            base_url=f"http://127.0.0.1:{self.port}/elements/api-v2",
            user_secret=DEFAULT_USER_SECRET,
            organization_secret=DEFAULT_ORGANIZATION_SECRET,
        )
        return client.for_instance("tok-1")

    def close(self) -> None:
        self.listener.close()


def test_a_keep_alive_connection_the_server_closed_while_idle_is_not_picked() -> None:
    # A POST is never retried once it may have arrived. Written to a connection the
    # server had closed, it would fail; the lane lets its connections see the FIN that
    # arrived while it sat idle, so the POST goes out on a new connection.
    server = ClosingServer(idle_close=0.05)
    try:
        hub = server.hub()
        assert hub.request("POST", "/hubs/crm/contacts", json={"n": 1}).json() == {"ok": 1}
        # Back to back: the connection is reused.
        assert hub.request("POST", "/hubs/crm/contacts", json={"n": 2}).json() == {"ok": 2}
        assert server.connections == 1
        time.sleep(0.4)  # the server closes the idle connection after 0.05 s
        assert hub.request("POST", "/hubs/crm/contacts", json={"n": 3}).json() == {"ok": 3}
        assert server.connections == 2
    finally:
        server.close()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # 3.12+: fork() of a multi-threaded process
def test_a_forked_child_opens_its_own_connection_and_leaves_the_parents_alone() -> None:
    # The child must not write to the parent's keep-alive connection (the same socket in
    # both processes): it builds lanes of its own. The server runs in the parent only.
    server = ClosingServer(idle_close=30)
    try:
        hub = server.hub()
        assert hub.request("POST", "/hubs/crm/contacts", json={"n": 1}).json() == {"ok": 1}
        assert server.connections == 1
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the child)
            code = 3
            try:
                answer = hub.request("POST", "/hubs/crm/contacts", json={"n": 2}).json()
                code = 0 if answer == {"ok": 2} else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert server.connections == 2  # the child's own
        # The parent's connection is still its own, and reused.
        assert hub.request("POST", "/hubs/crm/contacts", json={"n": 3}).json() == {"ok": 3}
        assert server.connections == 2
    finally:
        server.close()
