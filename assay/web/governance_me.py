"""An expert's own data (download, deletion) and their ratings of requesters; the
requester's view of those ratings, shown only in aggregate."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay import clock
from assay.access import access_project_for_requester, access_project_worked_on
from assay.actions import transparency
from assay.errors import AssayError
from assay.models import Project, RequesterRating
from assay.web.money import refuse
from assay.web.util import current_user, expert_view, member_view

RATING_LABELS = {
    "clarity": "Clarity of the guidelines",
    "fairness": "Fairness of review",
    "pay_accuracy": "Pay matched the estimate",
}


# My data --------------------------------------------------------------------------------


def _my_data_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    user = current_user(request)
    return render(request, "assay/governance/my_data.html", {"member": user}, status=status)


@expert_view
def my_data(request: HttpRequest) -> HttpResponse:
    return _my_data_page(request)


@expert_view
def my_data_download(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    body = json.dumps(transparency.my_data(user), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"assay-my-data-{clock.now():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@expert_view
@require_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    try:
        transparency.delete_account(expert=user, password=request.POST.get("password", ""))
    except AssayError as error:
        return _my_data_page(request, status=refuse(request, error))
    logout(request)
    messages.success(
        request,
        "Your account is deleted: your personal data is erased and you are signed out.",
    )
    return redirect("login")


# Ratings --------------------------------------------------------------------------------


def _rating_page(
    request: HttpRequest,
    project: Project,
    *,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    mine = RequesterRating.objects.filter(expert=user, project=project).first()
    if values is None and mine is not None:
        values = {name: str(getattr(mine, name)) for name in RATING_LABELS}
        values["comment"] = mine.comment
    context = {
        "project": project,
        "fields": [
            (name, label, (values or {}).get(name, "")) for name, label in RATING_LABELS.items()
        ],
        "scores": [1, 2, 3, 4, 5],
        "values": values or {},
        "rated": mine is not None,
    }
    return render(request, "assay/governance/rate.html", context, status=status)


def _score(text: str) -> int:
    # Anything not a whole number becomes 0, which the action refuses for that field.
    return int(text) if text.strip().isdigit() else 0


@expert_view
def rate(request: HttpRequest, project_id: int) -> HttpResponse:
    user = current_user(request)
    project = access_project_worked_on(user, project_id)
    if request.method != "POST":
        return _rating_page(request, project)
    values = {name: request.POST.get(name, "") for name in [*RATING_LABELS, "comment"]}
    try:
        transparency.rate_requester(
            expert=user,
            project=project,
            scores={name: _score(values[name]) for name in RATING_LABELS},
            comment=values["comment"],
        )
    except AssayError as error:
        return _rating_page(request, project, values=values, status=refuse(request, error))
    messages.success(
        request, f"Thank you: your rating of {project.name} is saved. Requesters see only averages."
    )
    return redirect("decisions")


@member_view
def project_ratings(request: HttpRequest, project_id: int) -> HttpResponse:
    """The requester's aggregate, loaded into the project page; no single rating shows."""
    project = access_project_for_requester(current_user(request), project_id)
    summary = transparency.rating_summary([project])
    context = {
        "summary": summary,
        "minimum": transparency.MIN_RATINGS_SHOWN,
        "rows": [(label, getattr(summary, name)) for name, label in RATING_LABELS.items()],
    }
    return render(request, "assay/governance/partials/ratings.html", context)
