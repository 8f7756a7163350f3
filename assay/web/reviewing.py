"""Pages for test authors and reviewers: write a test, grade free-text answers."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay.access import (
    access_answer_for_reviewer,
    access_project_for_requester,
    answers_for_reviewer,
    projects_for_requester,
)
from assay.actions.authoring import create_test, spec_from_json
from assay.actions.qualification import review_answer
from assay.errors import AssayError, InvalidInput, WrongRole
from assay.models import Attempt, QualificationTest
from assay.web.util import current_user

EXAMPLE = {
    "title": "Contract law basics",
    "domain": "law",
    "estimated_minutes": 10,
    "pass_mark": 70,
    "questions": [
        {
            "kind": "choice",
            "category": "Formation",
            "prompt": "Which element is required?",
            "options": ["Consideration", "A notary", "Two witnesses"],
            "answer": "0",
        },
        {
            "kind": "free_text",
            "category": "Reasoning",
            "prompt": "Explain promissory estoppel.",
            "rubric": "Names reliance, detriment and the promise.",
            "points": 2,
        },
    ],
}


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    pending = answers_for_reviewer(current_user(request)).filter(
        points_awarded__isnull=True, attempt__status=Attempt.Status.AWAITING_REVIEW
    )
    return render(request, "assay/test_reviews.html", {"pending": pending.order_by("id")})


@login_required
@require_POST
def grade(request: HttpRequest, answer_id: int) -> HttpResponse:
    user = current_user(request)
    answer = access_answer_for_reviewer(user, answer_id)
    points = request.POST.get("points", "")
    if not points.isdigit():
        raise InvalidInput("Award a whole number of points.", code="invalid_points")
    review_answer(
        reviewer=user, answer=answer, points=int(points), note=request.POST.get("note", "")
    )
    messages.success(request, "Answer graded.")
    return redirect("test-reviews")


@login_required
def author(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not (user.is_staff or user.is_requester):
        raise WrongRole("Operators and requesters write qualification tests.")
    context: dict[str, object] = {
        "projects": projects_for_requester(user).order_by("name") if user.is_requester else [],
        "spec": json.dumps(EXAMPLE, indent=2),
        "project_id": "",
    }
    if request.method == "POST":
        context["spec"] = request.POST.get("spec", "")
        context["project_id"] = request.POST.get("project", "")
        try:
            test = _create(request, str(context["spec"]), str(context["project_id"]))
        except AssayError as error:
            context["error"] = error
            return render(request, "assay/test_new.html", context, status=error.status)
        pay = f"{test.pay_cents / 100:.2f} {test.currency}"
        messages.success(request, f"Test “{test.title}” is published; each attempt pays {pay}.")
        return redirect("test-new")
    return render(request, "assay/test_new.html", context)


def _create(request: HttpRequest, text: str, project_id: str) -> QualificationTest:
    user = current_user(request)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"Not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
            code="invalid_test",
        ) from None
    project = access_project_for_requester(user, int(project_id)) if project_id.isdigit() else None
    return create_test(author=user, spec=spec_from_json(data), project=project)
