"""Refuse an oversize request body before any of it is read."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from assay.errors import PayloadTooLarge
from assay.web.errors import render_error

# Room for multipart boundaries and the other form fields around the file.
ENVELOPE_BYTES = 1024 * 1024


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_UPLOAD_BYTES + ENVELOPE_BYTES:
            limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
            error = PayloadTooLarge(f"The request is larger than the {limit} MB upload limit.")
            if request.path.startswith("/api/"):
                return JsonResponse(error.as_json(), status=error.status)
            return render_error(request, error)
        return self.get_response(request)
