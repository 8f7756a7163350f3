"""Requesters' export page: choose a format and options, download, data cards, history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay.access import access_project_for_requester, projects_for_requester
from assay.actions import exports as export_actions
from assay.api.exports import download_response
from assay.errors import AssayError
from assay.exports.licences import LICENCES
from assay.exports.options import CONTAINERS
from assay.exports.registry import mappings_for
from assay.render import markdown_to_html
from assay.web.util import current_user, requester_view

HISTORY = 50


def _options(form: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "kind": form.get("kind", ""),
        "container": form.get("container", "jsonl"),
        "conversational": form.get("conversational") == "on",
        "include_gold": form.get("include_gold") == "on",
        "provenance": form.get("provenance") == "on",
        "min_confidence": form.get("min_confidence") or 0,
        "licence": form.get("licence", ""),
    }
    if form.get("granularity"):
        options["granularity"] = form["granularity"]
    return options


@requester_view
def exports_index(request: HttpRequest) -> HttpResponse:
    projects = projects_for_requester(current_user(request)).order_by("-created_at")
    return render(request, "assay/exports/index.html", {"projects": projects})


@requester_view
def exports_page(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project_for_requester(current_user(request), project_id)
    error = None
    if request.method == "POST":
        try:
            record = export_actions.create_export(
                actor=current_user(request), project=project, options=_options(request.POST)
            )
        except AssayError as failure:
            error = failure
        else:
            messages.success(
                request, f"Export {record.id} is ready: {record.record_count} records."
            )
            return redirect("export-detail", export_id=record.id)
    history = project.exports.select_related("created_by").order_by("-created_at", "-id")
    context = {
        "project": project,
        "mappings": list(mappings_for(project).values()),
        "containers": CONTAINERS,
        "licences": LICENCES,
        "history": history[:HISTORY],
        "error": error,
    }
    return render(
        request, "assay/exports/project.html", context, status=error.status if error else 200
    )


@requester_view
def export_detail(request: HttpRequest, export_id: int) -> HttpResponse:
    record = export_actions.access_export_by_id(current_user(request), export_id)
    context = {
        "record": record,
        "project": record.project,
        "card_html": markdown_to_html(record.data_card),
        "file_name": export_actions.file_name(record),
    }
    return render(request, "assay/exports/detail.html", context)


@requester_view
def export_download(request: HttpRequest, export_id: int) -> StreamingHttpResponse:
    return download_response(export_actions.access_export_by_id(current_user(request), export_id))


@requester_view
def export_card(request: HttpRequest, export_id: int) -> HttpResponse:
    record = export_actions.access_export_by_id(current_user(request), export_id)
    response = HttpResponse(record.data_card, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="data-card-{record.id}.md"'
    return response


@require_POST
@requester_view
def licence_update(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project_for_requester(current_user(request), project_id)
    try:
        royalty = int(request.POST.get("royalty_cents") or 0)
        export_actions.set_licence(
            actor=current_user(request),
            project=project,
            licence=request.POST.get("licence", ""),
            terms=request.POST.get("terms", ""),
            royalty_cents=royalty,
        )
    except (AssayError, ValueError) as failure:
        messages.error(request, getattr(failure, "message", "Royalty is a whole number of cents."))
    else:
        messages.success(request, "Licence saved.")
    return redirect("project-exports", project_id=project.id)
