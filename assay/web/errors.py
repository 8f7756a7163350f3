from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assay.errors import AssayError

TITLES = {
    400: "That did not work",
    403: "Not allowed",
    404: "Not found",
    409: "Not possible now",
    413: "Too large",
}


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def render_error(request: HttpRequest, error: AssayError) -> HttpResponse:
    context = {"error": error, "title": TITLES.get(error.status, "Error")}
    if is_htmx(request):
        # base.html tells htmx to swap 4xx answers too, so the fragment shows in place.
        return render(request, "assay/partials/error.html", context, status=error.status)
    return render(request, "assay/error.html", context, status=error.status)


class AssayErrorMiddleware:
    """Turns an ``AssayError`` raised by a page view into a clear error page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, AssayError) and not request.path.startswith("/api/"):
            return render_error(request, exception)
        return None
