"""The generic machinery behind the generated classes (``_client.py``, ``_models.py``).

Hand-written, and generic: no operation, model field or error class is named here. The
clients hold one native client and send every operation through its ``call`` (blocking,
GIL released) or ``call_async`` (an asyncio future); models keep the JSON exactly as
received next to the typed fields the core decoded from it.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    ClassVar,
    Dict,
    Generic,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
    cast,
)

from . import _native

if TYPE_CHECKING:
    from ._models import OAuthCallback

__all__ = [
    "Model",
    "SyncClient",
    "AsyncClient",
    "Page",
    "SyncPager",
    "AsyncPager",
    "call_options",
    "emit_logs",
    "parse_oauth_callback",
    "verify_webhook",
    "ocnql",
    "ocnql_field",
    "Response",
    "InstanceBase",
    "token_of",
    "to_datetime",
]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

M = TypeVar("M", bound="Model")
C = TypeVar("C", bound="_ClientBase")


_logger = logging.getLogger("open_connectors")


def emit_logs() -> None:
    """Emits the core's waiting log records to the ``open_connectors`` logger.

    Called by every generated method after its native call, in the caller's thread or
    coroutine. The records are emitted here, in Python, rather than by the native
    module: a ``logging`` handler runs Python code and I/O, and a daemon thread switched
    out beneath a Rust frame while the interpreter finalizes would be ended there with
    ``pthread_exit``, which aborts the process.
    """
    records = _native.take_log_records()
    if records is None:
        return
    for level, text in records:
        if _logger.isEnabledFor(level):
            _logger.log(level, text)


def to_datetime(millis: Optional[int]) -> Optional[datetime.datetime]:
    """A timezone-aware UTC ``datetime`` for epoch milliseconds (the core parses dates)."""
    if millis is None:
        return None
    try:
        return _EPOCH + datetime.timedelta(milliseconds=millis)
    except OverflowError:
        return None


def call_options(
    timeout: Optional[float] = None,
    max_retries: Optional[int] = None,
    extra_headers: Optional[Mapping[str, str]] = None,
) -> Optional[Dict[str, Any]]:
    """The per-call options actually given (None when none were)."""
    given = {
        k: v
        for k, v in (
            ("timeout", timeout),
            ("max_retries", max_retries),
            ("extra_headers", None if extra_headers is None else dict(extra_headers)),
        )
        if v is not None
    }
    return given or None


class Model:
    """A model object: typed, read-only properties over the JSON the platform sent."""

    __slots__ = ("_fields", "_parsed")

    _MODEL: ClassVar[str]
    _WIRE: ClassVar[Tuple[str, ...]]
    _REPR: ClassVar[Tuple[str, ...]]
    _SECRET: ClassVar[Tuple[str, ...]]

    #: The core's decoded value: typed fields by table name (``_fields["id"]``), and
    #: the JSON as received (``_fields.raw()``), parsed only when asked for.
    _fields: _native.NativeModel
    _parsed: Optional[Dict[str, Any]]

    def __init__(self, data: Mapping[str, Any]) -> None:
        """Checks ``data`` (the JSON object as the platform sent it) with the core's decoder."""
        if not isinstance(data, Mapping):
            raise TypeError(f"{type(self).__name__}() takes the JSON object (a dict) it came from")
        self._fields = _native.decode_model(self._MODEL, dict(data))
        self._parsed = None

    @classmethod
    def from_dict(cls: Type[M], data: Mapping[str, Any]) -> M:
        """Rebuilds the object from the JSON it came from (e.g. a stored ``to_dict()``)."""
        return cls(data)

    @classmethod
    def _from_native(cls: Type[M], native: Any) -> M:
        obj = cls.__new__(cls)
        obj._fields = native
        obj._parsed = None
        return obj

    @property
    def _raw(self) -> Dict[str, Any]:
        if self._parsed is None:
            self._parsed = json.loads(self._fields.raw())
        return self._parsed

    def _raw_field(self, key: str, empty: Any) -> Any:
        """An object or list field: as received (a copy), or ``empty`` when absent or null."""
        value = self._raw.get(key)
        return empty if value is None else copy.deepcopy(value)

    def to_dict(self) -> Dict[str, Any]:
        """The whole JSON object as received, unknown fields included (a fresh copy)."""
        parsed: Dict[str, Any] = json.loads(self._fields.raw())
        return parsed

    @property
    def extra(self) -> Dict[str, Any]:
        """The fields the SDK has no typed property for: nothing the server sent is lost."""
        return {k: copy.deepcopy(v) for k, v in self._raw.items() if k not in self._WIRE}

    def __reduce__(self) -> Tuple[Any, Tuple[Dict[str, Any]]]:
        return (type(self).from_dict, (self.to_dict(),))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Model)
        return self._raw == other._raw

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        parts = []
        for name in self._REPR:
            value = "[REDACTED]" if name in self._SECRET else self._fields.get(name)
            parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


T = TypeVar("T")


class Page(Generic[T]):
    """One page of a listing: its ``items``, the ``next_cursor`` to resume from later
    (None on the last page) and the listing's ``total_count`` when the platform says."""

    __slots__ = ("items", "next_cursor", "total_count")

    def __init__(self, items: List[T], next_cursor: Optional[str], total_count: Optional[int]) -> None:
        self.items = items
        self.next_cursor = next_cursor
        self.total_count = total_count

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return (
            f"Page(items=<{len(self.items)} items>, next_cursor={self.next_cursor!r}, "
            f"total_count={self.total_count!r})"
        )


class _PagerBase(Generic[T]):
    """What both pagers share: the arguments, checked by the core when the pager is made.

    The stop rules (an empty page, no next-page token, a token that repeats) and the
    retries of each page are the core's; a pager only converts pages. Iterating again
    starts the listing over (from ``cursor``, when one was given).
    """

    __slots__ = ("_client", "_name", "_args", "_options", "_model", "_first")

    def __init__(
        self,
        client: "_native.NativeClient",
        name: str,
        args: Dict[str, Any],
        options: Optional[Dict[str, Any]],
        model: Optional[Type[Model]],
    ) -> None:
        self._client = client
        self._name = name
        self._args = args
        self._options = options
        self._model = model
        # Checks the arguments now (InvalidInputError before anything is sent).
        try:
            self._first: Optional[_native.NativePager] = client.pager(name, args, options)
        finally:
            emit_logs()

    def _native_pager(self) -> "_native.NativePager":
        first, self._first = self._first, None
        if first is not None:
            return first
        return self._client.pager(self._name, self._args, self._options)

    def _page(self, got: Tuple[List[Any], Optional[str], Optional[int]]) -> Page[T]:
        items, next_cursor, total_count = got
        model = self._model
        if model is None:  # JSON records (a hub listing): already dicts, parsed natively
            return Page(items, next_cursor, total_count)
        return Page([cast(T, model._from_native(n)) for n in items], next_cursor, total_count)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._name})"


class SyncPager(_PagerBase[T]):
    """A listing, fetched page by page as it is iterated: ``for item in pager`` yields
    every item; ``pager.pages()`` yields :class:`Page` objects."""

    __slots__ = ()

    def pages(self) -> Iterator[Page[T]]:
        """The pages, one at a time (each fetched when asked for)."""
        native = self._native_pager()
        while True:
            try:
                got = native.next_page()
            finally:
                emit_logs()
            if got is None:
                return
            page = self._page(got)
            del got
            yield page
            # Nothing here holds the page while the next one is read and decoded: a
            # caller that keeps no page of its own holds one page at a time.
            del page

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            items = page.items
            del page
            yield from items
            del items

    def to_list(self, limit: Optional[int] = None) -> List[T]:
        """Every item (at most ``limit``), in one list."""
        out: List[T] = []
        for page in self.pages():
            out.extend(page.items)
            if limit is not None and len(out) >= limit:
                return out[:limit]
        return out


class AsyncPager(_PagerBase[T]):
    """A listing, fetched page by page as it is iterated: ``async for item in pager``
    yields every item; ``pager.pages()`` is an async iterator of :class:`Page` objects."""

    __slots__ = ()

    async def pages(self) -> AsyncIterator[Page[T]]:
        """The pages, one at a time (each fetched when asked for)."""
        native = self._native_pager()
        while True:
            try:
                got = await native.next_page_async()
            finally:
                emit_logs()
            if got is None:
                return
            page = self._page(got)
            del got
            yield page
            del page  # as in SyncPager.pages: one page held at a time

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            items = page.items
            del page
            for item in items:
                yield item
            del items

    async def to_list(self, limit: Optional[int] = None) -> List[T]:
        """Every item (at most ``limit``), in one list."""
        out: List[T] = []
        async for page in self.pages():
            out.extend(page.items)
            if limit is not None and len(out) >= limit:
                return out[:limit]
        return out


def parse_oauth_callback(url_or_query: str, *, expected_state: Optional[str] = None) -> "OAuthCallback":
    """Reads the provider's OAuth redirect to your callback URL (the whole URL, the
    request target a web framework gives, such as ``/callback?code=...``, or the query
    string): its ``code`` and ``state``.

    ``expected_state`` is the state you sent with the authorization request: a callback
    with another (or none) raises InvalidInputError (the redirect may be forged), error
    redirects included. Pass it always: without it no state is checked. The provider's
    ``error=...`` raises OAuthDeniedError with ``error`` and ``error_description``; a
    callback without a code raises InvalidInputError.
    """
    from ._exceptions import InvalidInputError
    from ._models import OAuthCallback

    for name, value, optional in (
        ("url_or_query", url_or_query, False),
        ("expected_state", expected_state, True),
    ):
        if not isinstance(value, str) and not (optional and value is None):
            reason = f"must be a str, got {type(value).__name__}"
            raise InvalidInputError(
                f"invalid input: {name}: {reason}", field=name, reason=reason
            )
    return OAuthCallback._from_native(_native.read_oauth_callback(url_or_query, expected_state))


def _dry_run(native: "_native.NativeClient", operation: str, show_secrets: bool, args: Dict[str, Any]) -> str:
    """The generic dry run of both clients and both instance clients (the core refuses
    an unknown operation, naming the known ones)."""
    from ._exceptions import InvalidInputError

    if not isinstance(operation, str):
        reason = f"must be an operation name, got {type(operation).__name__}"
        raise InvalidInputError(f"invalid input: operation: {reason}", field="operation", reason=reason)
    options = {k: args.pop(k) for k in ("timeout", "max_retries", "extra_headers") if args.get(k) is not None}
    try:
        return native.dry_run(operation, {k: v for k, v in args.items() if v is not None}, options or None, show_secrets)
    finally:
        emit_logs()


class _ClientBase:
    """What both clients share: the native client and its settings."""

    __slots__ = ("_native",)

    _native: _native.NativeClient

    def __init__(self, **settings: Any) -> None:
        given = {k: v for k, v in settings.items() if v is not None}
        self._native = _native.NativeClient(given)

    def to_curl(self, operation: str, /, *, show_secrets: bool = False, **args: Any) -> str:
        """The request ``operation`` would send (e.g. ``"create_instance"``, with the
        method's own keyword arguments), as a ``curl`` command line, sending nothing.
        Secrets are shell variables (``$OPEN_CONNECTORS_USER_SECRET``...) or
        ``[REDACTED]``, unless ``show_secrets``. Bad input raises as the call would."""
        return _dry_run(self._native, operation, show_secrets, dict(args))

    def close(self) -> None:
        """Closes the client: later calls raise ClientClosedError. Calls in flight finish."""
        self._native.close()

    @property
    def closed(self) -> bool:
        """True once closed."""
        return self._native.closed

    @property
    def base_url(self) -> str:
        """The base URL, e.g. "https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2"."""
        return self._native.base_url

    @property
    def timeout(self) -> float:
        """The timeout of one attempt, in seconds."""
        return self._native.timeout

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt."""
        return self._native.max_retries

    @property
    def user_agent(self) -> str:
        """The User-Agent sent."""
        return self._native.user_agent

    def __repr__(self) -> str:
        closed = ", closed=True" if self.closed else ""
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, timeout={self.timeout!r}, "
            f"max_retries={self.max_retries}, user_secret='[REDACTED]', "
            f"organization_secret='[REDACTED]'{closed})"
        )


class SyncClient(_ClientBase):
    """The blocking half: every call blocks its thread, with the GIL released."""

    __slots__ = ()

    def __enter__(self: C) -> C:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


class AsyncClient(_ClientBase):
    """The asyncio half: every call is a coroutine; nothing is sent before it is awaited."""

    __slots__ = ()

    async def aclose(self) -> None:
        """Closes the client (``await client.aclose()``)."""
        self.close()

    async def __aenter__(self: C) -> C:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


def _bytes_arg(name: str, value: object) -> bytes:
    """`value` as bytes: bytes-like as it is, str as UTF-8; anything else is refused."""
    from ._exceptions import InvalidInputError

    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    reason = f"must be bytes or str, got {type(value).__name__}"
    raise InvalidInputError(f"invalid input: {name}: {reason}", field=name, reason=reason)


def verify_webhook(body: Union[bytes, bytearray, memoryview, str], signature: Optional[str], key: Union[str, bytes]) -> Any:
    """Checks a platform webhook and returns its notification, decoded.

    ``body`` is the raw request body exactly as received (bytes; a str is read as
    UTF-8), ``signature`` the ``Elements-Webhook-Signature`` header (``None`` when
    absent) and ``key`` the instance's ``event.notification.signature.key``. The
    HMAC-SHA256 is compared in constant time over the raw bytes. A missing, malformed
    or wrong signature raises WebhookSignatureError (code ``webhook_signature``): do not
    trust the notification. A correctly signed body that is not JSON raises
    InvalidInputError on ``body``.
    """
    from ._exceptions import InvalidInputError

    if signature is not None and not isinstance(signature, str):
        reason = f"must be a str or None, got {type(signature).__name__}"
        raise InvalidInputError(f"invalid input: signature: {reason}", field="signature", reason=reason)
    return _native.webhook_verify(_bytes_arg("body", body), signature, _bytes_arg("key", key))


def _ocnql_value(value: Any) -> Any:
    """Dates as ISO 8601 text (timezone-aware ones in UTC); lists and tuples item by item."""
    _dt = datetime
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc)
            return value.replace(tzinfo=None).isoformat() + "Z"
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_ocnql_value(v) for v in items]
    return value


def ocnql(template: str, *values: Any) -> str:
    """An OCNQL ``where`` clause: each ``{}`` of ``template`` is filled with a literal
    that cannot end early, so no value can change the query's structure.

    Text becomes ``'...'`` (text holding a single quote, a backslash or a control
    character is refused: the platform documents no escape inside quotes); numbers and
    booleans are literals; ``datetime``/``date`` become ISO 8601 text; a list or tuple
    becomes ``(a, b)`` for ``IN``. ``None`` is refused (write ``IS NULL``). ``{{`` and
    ``}}`` are literal braces. Bad input raises InvalidInputError naming ``values[i]``.

    >>> ocnql("lastName = {} and score > {}", "Smith", 50)
    "lastName = 'Smith' and score > 50"
    """
    from ._exceptions import InvalidInputError

    if not isinstance(template, str):
        reason = f"must be a str, got {type(template).__name__}"
        raise InvalidInputError(f"invalid input: template: {reason}", field="template", reason=reason)
    return _native.ocnql_query(template, [_ocnql_value(v) for v in values])


def ocnql_field(name: str) -> str:
    """A field name for an OCNQL template: in backticks when it is not a plain
    identifier (``ocnql_field("address.city")`` is ``"`address.city`"``)."""
    from ._exceptions import InvalidInputError

    if not isinstance(name, str):
        reason = f"must be a str, got {type(name).__name__}"
        raise InvalidInputError(f"invalid input: name: {reason}", field="name", reason=reason)
    return _native.ocnql_quote_field(name)


class Response:
    """The whole answer of ``InstanceClient.request``: ``status``, ``headers`` (names
    in lower case), ``request_id`` (``elements-request-id``), ``next_cursor`` and
    ``total_count`` (the pagination headers), the body as ``content`` (bytes) or
    ``text``, and ``json()``. Only 2xx answers arrive here: other statuses raise."""

    __slots__ = ("status", "headers", "request_id", "next_cursor", "total_count", "content")

    def __init__(
        self,
        status: int,
        headers: Mapping[str, str],
        request_id: Optional[str],
        next_cursor: Optional[str],
        total_count: Optional[int],
        content: bytes,
    ) -> None:
        self.status = status
        self.headers: Dict[str, str] = dict(headers)
        self.request_id = request_id
        self.next_cursor = next_cursor
        self.total_count = total_count
        self.content = content

    @classmethod
    def _from_native(cls, native: Any) -> "Response":
        status, headers, request_id, next_cursor, total_count, content = native
        return cls(status, dict(headers), request_id, next_cursor, total_count, bytes(content))

    @property
    def text(self) -> str:
        """The body as text (UTF-8, invalid bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON (big integers exact); an empty body is None. A body that is
        not JSON raises ResponseDecodeError."""
        if not self.content.strip():
            return None
        try:
            return _native.json_loads(self.content)
        except ValueError as e:
            from ._exceptions import ResponseDecodeError

            reason = f"the answer is not JSON ({type(e).__name__})"
            raise ResponseDecodeError(
                f"could not decode the answer: {reason}",
                code="decode",
                status=self.status,
                request_id=self.request_id,
                reason=reason,
            ) from None

    def to_dict(self) -> Dict[str, Any]:
        """Everything but the raw bytes, as the other languages show it: status,
        requestId, nextCursor, totalCount, headers, and the body (JSON, else text)."""
        try:
            body: Any = self.json()
        except Exception:  # noqa: BLE001 - a body that is not JSON is shown as text
            body = self.text
        return {
            "status": self.status,
            "requestId": self.request_id,
            "nextCursor": self.next_cursor,
            "totalCount": self.total_count,
            "headers": dict(self.headers),
            "body": body,
        }

    def __repr__(self) -> str:
        return (
            f"Response(status={self.status}, request_id={self.request_id!r}, "
            f"next_cursor={self.next_cursor!r}, total_count={self.total_count!r}, "
            f"content=<{len(self.content)} bytes>)"
        )


def token_of(token_or_instance: Any) -> str:
    """The instance token of ``for_instance``'s argument: a str, or an Instance."""
    from ._exceptions import InvalidInputError

    if isinstance(token_or_instance, str):
        return token_or_instance
    token = getattr(token_or_instance, "token", None)
    if isinstance(token, str) and isinstance(token_or_instance, Model):
        return token
    reason = f"must be an instance token (str) or an Instance, got {type(token_or_instance).__name__}"
    raise InvalidInputError(f"invalid input: token: {reason}", field="token", reason=reason)


class InstanceBase:
    """What both instance clients share: the native handle that carries the token."""

    __slots__ = ("_native",)

    def __init__(self, native: "_native.NativeClient") -> None:
        self._native = native

    @property
    def base_url(self) -> str:
        """The base URL the paths are relative to."""
        return self._native.base_url

    def to_curl(self, operation: str, /, *, show_secrets: bool = False, **args: Any) -> str:
        """The request ``operation`` (``"get"``, ``"request"``, ``"paginate"``...) would
        send, as a ``curl`` command line, sending nothing; the instance token is
        ``$OPEN_CONNECTORS_INSTANCE_TOKEN`` unless ``show_secrets``."""
        return _dry_run(self._native, operation, show_secrets, dict(args))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, token='[REDACTED]')"
