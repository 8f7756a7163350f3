"""The requester's page of low-effort flags: look, then record what was found."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay.access import access_project_for_requester, flag_of
from assay.actions.signals import project_flags, resolve_flag
from assay.errors import AssayError
from assay.models import Project
from assay.web.util import current_user, member_view

PAGE = 50


def _page(request: HttpRequest, project: Project, **extra: object) -> dict[str, object]:
    page = request.GET.get("page", "1")
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    rows = list(project_flags(project)[(number - 1) * PAGE : number * PAGE + 1])
    return {
        "project": project,
        "flags": rows[:PAGE],
        "open_count": project.flags.filter(resolved_at__isnull=True).count(),
        "page": number,
        "more": len(rows) > PAGE,
        **extra,
    }


@member_view
def flag_list(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project_for_requester(current_user(request), project_id)
    return render(request, "assay/flags.html", _page(request, project))


@member_view
@require_POST
def flag_resolve(request: HttpRequest, project_id: int, flag_id: int) -> HttpResponse:
    user = current_user(request)
    project = access_project_for_requester(user, project_id)
    flag = flag_of(project, flag_id)
    note = request.POST.get("resolution", "")
    try:
        resolve_flag(actor=user, flag=flag, resolution=note)
    except AssayError as error:
        context = _page(request, project, error=error, error_flag=flag.id, note=note)
        return render(request, "assay/flags.html", context, status=error.status)
    messages.success(request, "Flag resolved.")
    return redirect("flags", project_id=project.id)
