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
from typing import Any, ClassVar, Dict, Mapping, Optional, Tuple, Type, TypeVar

from . import _native

__all__ = ["Model", "SyncClient", "AsyncClient", "call_options", "emit_logs", "to_datetime"]

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


class _ClientBase:
    """What both clients share: the native client and its settings."""

    __slots__ = ("_native",)

    _native: _native.NativeClient

    def __init__(self, **settings: Any) -> None:
        given = {k: v for k, v in settings.items() if v is not None}
        self._native = _native.NativeClient(given)

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
