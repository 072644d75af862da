"""The exceptions of open_connectors: one tree, rooted at OpenConnectorsError.

Every exception carries ``code``, the core's stable, language-neutral error code
(``"invalid_input"``, ``"connection"``, ``"timeout"``, ``"bad_request"``,
``"authentication"``, ``"permission_denied"``, ``"not_found"``, ``"conflict"``,
``"rate_limited"``, ``"server"``, ``"decode"``). The SDK raises them from its native
core; they are ordinary Python classes, so they pickle (with every attribute) and can
be raised by your own code or tests too. No message or attribute holds a secret.

::

    OpenConnectorsError
    ├── InvalidInputError (also a ValueError)
    ├── ApiConnectionError
    │   └── ApiTimeoutError
    ├── ResponseDecodeError
    └── ApiStatusError
        ├── BadRequestError (400)
        ├── AuthenticationError (401)
        ├── PermissionDeniedError (403)
        ├── NotFoundError (404)
        ├── ConflictError (409)
        ├── RateLimitError (429)
        └── InternalServerError (5xx and any other status)
"""

from __future__ import annotations

from typing import Optional

__all__ = [
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


class OpenConnectorsError(Exception):
    """Base class of every error the SDK raises. ``code`` is the core's error code."""

    #: The code an exception of this class has when none is given.
    default_code = "error"

    code: str

    def __init__(self, text: str = "", /, *, code: Optional[str] = None) -> None:
        super().__init__(text)
        self.code = code if code is not None else type(self).default_code


class InvalidInputError(OpenConnectorsError, ValueError):
    """Bad input, refused before anything was sent. ``field`` names the argument."""

    default_code = "invalid_input"

    field: Optional[str]
    reason: Optional[str]

    def __init__(
        self,
        text: str = "",
        /,
        *,
        code: Optional[str] = None,
        field: Optional[str] = None,
        reason: Optional[str] = None,
    ) -> None:
        super().__init__(text, code=code)
        self.field = field
        self.reason = reason


class ApiConnectionError(OpenConnectorsError):
    """The platform could not be reached, or the connection broke before a full answer.

    ``request_sent`` is ``"no"`` when the request surely did not reach the server, and
    ``"maybe"`` when it may have (for a create: the instance may exist).
    """

    default_code = "connection"

    request_sent: Optional[str]
    attempts: Optional[int]
    reason: Optional[str]

    def __init__(
        self,
        text: str = "",
        /,
        *,
        code: Optional[str] = None,
        request_sent: Optional[str] = None,
        attempts: Optional[int] = None,
        reason: Optional[str] = None,
    ) -> None:
        super().__init__(text, code=code)
        self.request_sent = request_sent
        self.attempts = attempts
        self.reason = reason


class ApiTimeoutError(ApiConnectionError):
    """No complete answer within the client's timeout (``timeout``, in seconds)."""

    default_code = "timeout"

    timeout: Optional[float]

    def __init__(
        self,
        text: str = "",
        /,
        *,
        code: Optional[str] = None,
        request_sent: Optional[str] = None,
        attempts: Optional[int] = None,
        reason: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> None:
        super().__init__(
            text, code=code, request_sent=request_sent, attempts=attempts, reason=reason
        )
        self.timeout = timeout


class ResponseDecodeError(OpenConnectorsError):
    """The platform answered 2xx with a body that is not what it sends (``reason`` says how)."""

    default_code = "decode"

    status: Optional[int]
    request_id: Optional[str]
    body: Optional[str]
    reason: Optional[str]

    def __init__(
        self,
        text: str = "",
        /,
        *,
        code: Optional[str] = None,
        status: Optional[int] = None,
        request_id: Optional[str] = None,
        body: Optional[str] = None,
        reason: Optional[str] = None,
    ) -> None:
        super().__init__(text, code=code)
        self.status = status
        self.request_id = request_id
        self.body = body
        self.reason = reason


class ApiStatusError(OpenConnectorsError):
    """The platform answered with an error status.

    ``message`` and ``provider_message`` are the platform's error body fields (what it
    and the vendor behind it said), ``request_id`` its ``requestId`` (else the
    ``elements-request-id`` header, also in ``header_request_id``), ``body`` the raw
    body, ``retry_after`` the ``Retry-After`` header in seconds (or None).
    """

    default_code = "server"

    status: int
    request_id: Optional[str]
    header_request_id: Optional[str]
    message: Optional[str]
    provider_message: Optional[str]
    body: str
    retry_after: Optional[float]

    def __init__(
        self,
        text: str = "",
        /,
        *,
        code: Optional[str] = None,
        status: int = 0,
        request_id: Optional[str] = None,
        header_request_id: Optional[str] = None,
        message: Optional[str] = None,
        provider_message: Optional[str] = None,
        body: str = "",
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(text, code=code)
        self.status = status
        self.request_id = request_id
        self.header_request_id = header_request_id
        self.message = message
        self.provider_message = provider_message
        self.body = body
        self.retry_after = retry_after


class BadRequestError(ApiStatusError):
    """HTTP 400: the platform refused the request (bad configuration, reused OAuth code...)."""

    default_code = "bad_request"


class AuthenticationError(ApiStatusError):
    """HTTP 401: the user or organization secret is wrong."""

    default_code = "authentication"


class PermissionDeniedError(ApiStatusError):
    """HTTP 403."""

    default_code = "permission_denied"


class NotFoundError(ApiStatusError):
    """HTTP 404: e.g. no element with that key or id."""

    default_code = "not_found"


class ConflictError(ApiStatusError):
    """HTTP 409."""

    default_code = "conflict"


class RateLimitError(ApiStatusError):
    """HTTP 429. ``retry_after`` is the server's ``Retry-After`` in seconds, or None."""

    default_code = "rate_limited"


class InternalServerError(ApiStatusError):
    """HTTP 5xx, and any other unexpected status (code ``"server"``)."""

    default_code = "server"


# Shown (and pickled) as open_connectors.<Name>, where users import them from.
for _name in __all__:
    globals()[_name].__module__ = "open_connectors"
del _name
