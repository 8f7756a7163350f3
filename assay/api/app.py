from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import SessionAuth

from assay.api.auth import TokenAuth
from assay.api.projects import router as projects_router
from assay.api.tasks import router as tasks_router
from assay.api.tokens import router as tokens_router
from assay.errors import AssayError

api = NinjaAPI(
    title="Assay API",
    version="1",
    description="Post pairwise-preference projects, take and submit tasks, export results.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, **extra: object
) -> HttpResponse:
    body: dict[str, object] = {"code": code, "message": message, **extra}
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(AssayError)
def on_assay_error(request: HttpRequest, exc: AssayError) -> HttpResponse:
    return api.create_response(request, exc.as_json(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {"field": ".".join(str(p) for p in err.get("loc", [])), "message": err.get("msg", "")}
        for err in exc.errors
    ]
    return _error(request, 422, "invalid_input", "The request body is not valid.", details=details)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, "unauthenticated", "Send a valid API token: Authorization: Bearer <token>."
    )


api.add_router("/projects", projects_router)
api.add_router("/tasks", tasks_router)
api.add_router("/tokens", tokens_router)
