"""Requester pages: generate candidate responses for a project, and watch the run."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay.access import access_project_for_requester
from assay.actions import generate
from assay.errors import AssayError
from assay.models import GenerationRun, ModelEndpoint
from assay.web.util import current_user, requester_view


@requester_view
def generate_page(request: HttpRequest, project_id: int) -> HttpResponse:
    user = current_user(request)
    project = access_project_for_requester(user, project_id)
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        text = upload.read().decode("utf-8", "replace") if upload else ""
        text = text or request.POST.get("prompts", "")
        try:
            run = generate.start_run(
                actor=user,
                project=project,
                endpoint_names=request.POST.getlist("endpoints"),
                prompts=generate.parse_prompts(text.splitlines()),
            )
        except AssayError as failure:
            error = failure
        else:
            return redirect("generation", run_id=run.id)
    usable = ModelEndpoint.objects.filter(
        organization_id=project.organization_id, disabled_at__isnull=True
    ).order_by("name")
    runs = GenerationRun.objects.filter(project=project).order_by("-id")[:20]
    context = {"project": project, "endpoints": usable, "runs": runs, "error": error}
    status = error.status if error else 200
    return render(request, "assay/endpoints/generate.html", context, status=status)


@requester_view
def run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    run = generate.access_run_by_id(current_user(request), run_id)
    return render(request, "assay/endpoints/run.html", {"run": run, "project": run.project})


@require_POST
@requester_view
def run_advance(request: HttpRequest, run_id: int) -> HttpResponse:
    """One step of the run, answered with its progress (the page polls this while running)."""
    run = generate.access_run_by_id(current_user(request), run_id)
    run = generate.advance(run)
    return render(request, "assay/endpoints/_run_progress.html", {"run": run})
