from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import SessionAuth

from assay.api.auth import TokenAuth
from assay.api.credentials import router as credentials_router
from assay.api.endpoints import router as endpoints_router
from assay.api.experts import router as experts_router
from assay.api.exports import router as exports_router
from assay.api.flags import router as flags_router
from assay.api.governance import router as governance_router
from assay.api.money import router as money_router
from assay.api.notifications import router as notifications_router
from assay.api.project_settings import router as project_settings_router
from assay.api.projects import router as projects_router
from assay.api.public_profiles import router as public_profiles_router
from assay.api.qualification import router as qualification_router
from assay.api.quality_profile import router as quality_profile_router
from assay.api.reviews import router as reviews_router
from assay.api.tasks import router as tasks_router
from assay.api.tokens import router as tokens_router
from assay.api.webhooks import router as webhooks_router
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


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403 and "CSRF" in exc.message:
        return _error(request, 403, "csrf_failed", "Send the CSRF token with session requests.")
    if exc.status_code == 400:
        return _error(request, 400, "unparsable_body", "The request body is not valid JSON.")
    return _error(request, exc.status_code, "http_error", exc.message)


def not_found(request: HttpRequest, path: str) -> HttpResponse:
    """Any other address under /api/ answers in the API's own error shape."""
    body = {"error": {"code": "no_such_endpoint", "message": f"No API endpoint at /api/{path}."}}
    return JsonResponse(body, status=404)


api.add_router("/projects", projects_router)
api.add_router("/projects", project_settings_router)
api.add_router("/tasks", tasks_router)
api.add_router("/tokens", tokens_router)
api.add_router("/credentials", credentials_router)
api.add_router("/me/notifications", notifications_router)
api.add_router("", experts_router)
api.add_router("", qualification_router)
api.add_router("", public_profiles_router)
api.add_router("", flags_router)
api.add_router("", quality_profile_router)
api.add_router("", reviews_router)
api.add_router("", money_router)
api.add_router("", governance_router)
api.add_router("", exports_router)
api.add_router("", endpoints_router)
api.add_router("/webhooks", webhooks_router)
