# Type stubs of the native module open_connectors._native (src/*.rs).
# tests/test_stubs.py checks that these stubs and the module agree.

import datetime
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Awaitable, Literal, Optional, Union, final

from typing_extensions import Self, TypeAlias

__all__ = ["AsyncClient", "Client", "Instance", "__version__"]

__version__: str

#: A JSON value as Python: dict (str keys), list, tuple, str, int, float, bool or None.
_JsonValue: TypeAlias = Union[
    Mapping[str, "_JsonValue"], Sequence["_JsonValue"], str, int, float, bool, None
]

#: The create route: "instances" (POST /instances, the default for keys) or
#: "elements" (POST /elements/{keyOrId}/instances, the default for ids).
_Endpoint: TypeAlias = Literal["instances", "elements"]

@final
class Instance:
    """An authenticated connector instance. ``repr()`` never shows the token."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def created_date(self) -> Optional[datetime.datetime]: ...
    @property
    def element(self) -> Optional[dict[str, Any]]: ...
    @property
    def element_key(self) -> Optional[str]: ...
    @property
    def element_id(self) -> Optional[int]: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def provision_interactions(self) -> list[Any]: ...
    @property
    def valid(self) -> Optional[bool]: ...
    @property
    def disabled(self) -> Optional[bool]: ...
    @property
    def max_cache_size(self) -> Optional[int]: ...
    @property
    def cache_time_to_live(self) -> Optional[int]: ...
    @property
    def configuration(self) -> dict[str, Any]: ...
    @property
    def events_enabled(self) -> Optional[bool]: ...
    @property
    def trace_logging_enabled(self) -> Optional[bool]: ...
    @property
    def caching_enabled(self) -> Optional[bool]: ...
    @property
    def external_authentication(self) -> Optional[str]: ...
    @property
    def user(self) -> Optional[dict[str, Any]]: ...
    @property
    def provider_data(self) -> Optional[dict[str, Any]]: ...
    @property
    def extra(self) -> dict[str, Any]: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Client:
    """A blocking client. Safe to share across threads; calls release the GIL."""

    def __new__(
        cls,
        *,
        base_url: Optional[str] = None,
        region: Optional[str] = None,
        user_secret: Optional[str] = None,
        organization_secret: Optional[str] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        connect_timeout: Optional[float] = None,
        user_agent_suffix: Optional[str] = None,
    ) -> Self: ...
    def create_instance(
        self,
        element: Union[str, int],
        *,
        name: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
        configuration: Optional[Mapping[str, _JsonValue]] = None,
        provider_data: Optional[Mapping[str, _JsonValue]] = None,
        external_authentication: Optional[str] = None,
        endpoint: Optional[_Endpoint] = None,
        extra: Optional[Mapping[str, _JsonValue]] = None,
    ) -> Instance: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def base_url(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def user_agent(self) -> str: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
        /,
    ) -> None: ...

@final
class AsyncClient:
    """An asyncio client. Its calls return awaitables and never block the event loop."""

    def __new__(
        cls,
        *,
        base_url: Optional[str] = None,
        region: Optional[str] = None,
        user_secret: Optional[str] = None,
        organization_secret: Optional[str] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        connect_timeout: Optional[float] = None,
        user_agent_suffix: Optional[str] = None,
    ) -> Self: ...
    def create_instance(
        self,
        element: Union[str, int],
        *,
        name: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
        configuration: Optional[Mapping[str, _JsonValue]] = None,
        provider_data: Optional[Mapping[str, _JsonValue]] = None,
        external_authentication: Optional[str] = None,
        endpoint: Optional[_Endpoint] = None,
        extra: Optional[Mapping[str, _JsonValue]] = None,
    ) -> Awaitable[Instance]: ...
    def close(self) -> None: ...
    def aclose(self) -> Awaitable[None]: ...
    @property
    def closed(self) -> bool: ...
    @property
    def base_url(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def user_agent(self) -> str: ...
    def __aenter__(self) -> Awaitable[Self]: ...
    def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
        /,
    ) -> Awaitable[None]: ...
