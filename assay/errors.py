"""One exception tree for everything a user can get wrong.

Each error has a stable ``code`` that the API returns in its JSON body and the
pages show; ``docs/api.md`` lists them.
"""

from __future__ import annotations

from typing import Any


class AssayError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, code: str | None = None, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or []

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class InvalidInput(AssayError):
    status = 400
    code = "invalid_input"


def raise_for_fields(problems: dict[str, str]) -> None:
    """Raise one InvalidInput listing every field name and its problem, if any."""
    if problems:
        details = [{"field": name, "message": text} for name, text in problems.items()]
        raise InvalidInput("Please correct the highlighted fields.", details=details)


class NotFound(AssayError):
    status = 404
    code = "not_found"


class WrongRole(AssayError):
    status = 403
    code = "wrong_role"


class Conflict(AssayError):
    status = 409
    code = "conflict"


class PayloadTooLarge(AssayError):
    status = 413
    code = "upload_too_large"
