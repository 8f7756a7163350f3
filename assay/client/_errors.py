"""The SDK's one exception tree: every failure is an ``AssayClientError``."""

from __future__ import annotations

from typing import Any


class AssayClientError(Exception):
    """Base of every error the SDK raises."""


class TransportError(AssayClientError):
    """The server could not be reached, or the connection broke."""


class WaitTimeout(AssayClientError):
    """``wait`` gave up before the project was complete."""


class APIError(AssayClientError):
    """The API answered with an error: ``status``, a stable ``code``, a ``message``."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


class InvalidRequest(APIError):
    """400 or 422: the request was wrong; ``details`` names the fields."""


class AuthenticationFailed(APIError):
    """401: the token is missing, wrong or revoked."""


class PermissionDenied(APIError):
    """403: the token's user may not do this."""


class NotFound(APIError):
    """404: no such object, or not one this user may see."""


class Conflict(APIError):
    """409: the request is valid but not possible now."""


BY_STATUS: dict[int, type[APIError]] = {
    400: InvalidRequest,
    401: AuthenticationFailed,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    422: InvalidRequest,
}
