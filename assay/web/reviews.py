"""Review pages: take the next submission to review in a project, and decide on it."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay.access import access_project_for_expert, access_review_for_reviewer
from assay.actions.reviews import claim_review, decide_review
from assay.domain.pay import format_money
from assay.domain.reviews import MAX_NOTE_CHARS, REASONS
from assay.errors import AssayError, InvalidInput
from assay.models import Judgment, Project, Review
from assay.tasktypes import require
from assay.web.util import current_user, member_view

FIELDS = ("outcome", "reason_code", "note", "corrected_choice", "corrected_answer")


def _page(
    request: HttpRequest,
    project: Project,
    review: Review | None,
    *,
    empty: AssayError | None = None,
    error: AssayError | None = None,
    values: dict[str, str] | None = None,
) -> HttpResponse:
    context: dict[str, object] = {
        "project": project,
        "pay": format_money(project.review_pay_cents, project.currency),
        "empty": empty,
        "error": error,
        "values": values or {},
        "reasons": list(REASONS.items()),
        "choices": Judgment.Choice.choices,
        "max_note": MAX_NOTE_CHARS,
    }
    if review is not None:
        kind = require(project.task_type)
        judgment = review.judgment
        item, config = kind.load_item(judgment.item), kind.config_of(project)
        answer = kind.load_answer(judgment)
        context |= kind.view_context(item, config, answer) | {
            "review": review,
            "judgment": judgment,
            "kind": kind,
            "item": item,
            "config": config,
            "answer": answer,
            "answer_json": json.dumps(answer.model_dump(mode="json"), indent=2),
        }
    return render(request, "assay/review.html", context, status=400 if error else 200)


@member_view
def review_page(request: HttpRequest, project_id: int) -> HttpResponse:
    """Claims the next review (or shows the one already held, so reloading is harmless)."""
    user = current_user(request)
    project = access_project_for_expert(user, project_id)
    try:
        review = claim_review(reviewer=user, project=project)
    except AssayError as why:
        if why.code != "no_reviews":
            raise
        return _page(request, project, None, empty=why)
    return _page(request, project, access_review_for_reviewer(user, review.id))


def _form(request: HttpRequest) -> dict[str, str]:
    values = {name: request.POST.get(name, "") for name in FIELDS}
    # The form keeps every control; only the chosen outcome's own fields count.
    if values["outcome"] != "rejected":
        values["reason_code"] = ""
    if values["outcome"] != "corrected":
        values["corrected_choice"] = ""
        values["corrected_answer"] = ""
    return values


@member_view
@require_POST
def decide(request: HttpRequest, review_id: int) -> HttpResponse:
    user = current_user(request)
    review = access_review_for_reviewer(user, review_id)
    values = _form(request)
    try:
        _, created = decide_review(reviewer=user, review_id=review.id, **values)
    except InvalidInput as error:
        return _page(request, review.project, review, error=error, values=values)
    except AssayError as error:
        messages.warning(request, error.message)
    else:
        messages.success(request, "Review saved." if created else "That review was already saved.")
    return redirect("review-page", project_id=review.project_id)
