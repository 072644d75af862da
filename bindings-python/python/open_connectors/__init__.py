"""Client SDK for the SAP Open Connectors platform API (also sold as Cloud Elements).

A thin layer over the Rust core ``open-connectors``::

    import open_connectors as oc

    with oc.Client(region="us2", user_secret="...", organization_secret="...") as client:
        inst = client.create_instance(
            "insightly",
            name="Element Instance Name",
            tags=["Docs"],
            configuration={"username": "u", "password": "p"},
        )
        print(inst)  # Instance(id=..., name=..., element_key='insightly', token='[REDACTED]')

Settings not given fall back to the environment: ``OPEN_CONNECTORS_BASE_URL`` (or
``OPEN_CONNECTORS_REGION``), ``OPEN_CONNECTORS_USER_SECRET`` and
``OPEN_CONNECTORS_ORGANIZATION_SECRET``. ``AsyncClient`` is the asyncio twin.
Logs go to the standard ``logging`` logger ``"open_connectors"``.
"""

from ._exceptions import (
    ApiConnectionError,
    ApiStatusError,
    ApiTimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    InvalidInputError,
    NotFoundError,
    OpenConnectorsError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
)
from ._native import AsyncClient, Client, Instance, __version__

__all__ = [
    "__version__",
    "Client",
    "AsyncClient",
    "Instance",
    "OpenConnectorsError",
    "InvalidInputError",
    "ApiConnectionError",
    "ApiTimeoutError",
    "ResponseDecodeError",
    "ApiStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "InternalServerError",
]
