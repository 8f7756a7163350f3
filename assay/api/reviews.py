"""Reviews of other experts' submissions: take the next one, send a decision.

The task shows the item and the author's judgment, never who the author is. ``data``
and ``answer`` carry them in the task type's own shape (docs/tasktypes/); a correction
is ``corrected_choice`` for pairwise and a whole ``corrected_answer`` for other types,
validated by the type like a submission.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from assay.access import access_project_for_expert, access_review_for_reviewer
from assay.actions.reviews import claim_review, decide_review
from assay.api.auth import actor
from assay.domain.reviews import REASONS
from assay.models import Review
from assay.render import markdown_to_html
from assay.tasktypes import require

router = Router(tags=["reviews"])


class ReviewNextIn(Schema):
    project_id: int


class ReviewProjectOut(Schema):
    id: int
    name: str
    review_pay_cents: int
    currency: str
    task_type: str


class ReviewItemOut(Schema):
    prompt: str
    response_a: str
    response_b: str
    prompt_html: str
    response_a_html: str
    response_b_html: str
    # The item in its task type's shape (pairwise: prompt, response_a, response_b).
    data: dict[str, Any]


class SubmissionOut(Schema):
    """The author's judgment as submitted; deliberately without the author."""

    choice: str
    strength: int | None
    rationale: str
    guideline_version: int
    # The judgment in its task type's shape (what a correction replaces).
    answer: dict[str, Any]


class ReasonOut(Schema):
    code: str
    description: str


class ReviewTaskOut(Schema):
    review_id: int
    leased_until: dt.datetime | None
    project: ReviewProjectOut
    item: ReviewItemOut
    submission: SubmissionOut
    reasons: list[ReasonOut]


class DecisionIn(Schema):
    outcome: str
    reason_code: str = ""
    note: str = ""
    corrected_choice: str = ""
    corrected_answer: dict[str, Any] | None = None


class DecisionOut(Schema):
    review_id: int
    outcome: str
    reason_code: str
    note: str
    corrected_choice: str
    corrected_answer: dict[str, Any]
    decided_at: dt.datetime | None
    replayed: bool


def review_task_out(review: Review) -> ReviewTaskOut:
    judgment, project = review.judgment, review.project
    item = judgment.item
    kind = require(project.task_type)
    return ReviewTaskOut(
        review_id=review.id,
        leased_until=review.leased_until,
        project=ReviewProjectOut(
            id=project.id,
            name=project.name,
            review_pay_cents=project.review_pay_cents,
            currency=project.currency,
            task_type=project.task_type,
        ),
        item=ReviewItemOut(
            prompt=item.prompt,
            response_a=item.response_a,
            response_b=item.response_b,
            prompt_html=markdown_to_html(item.prompt),
            response_a_html=markdown_to_html(item.response_a),
            response_b_html=markdown_to_html(item.response_b),
            data=kind.load_item(item).model_dump(mode="json"),
        ),
        submission=SubmissionOut(
            choice=judgment.choice,
            strength=judgment.strength,
            rationale=judgment.rationale,
            guideline_version=judgment.guidelines.number,
            answer=kind.load_answer(judgment).model_dump(mode="json"),
        ),
        reasons=[ReasonOut(code=code, description=text) for code, text in REASONS.items()],
    )


@router.post("/reviews/next", response=ReviewTaskOut)
def next_review(request: HttpRequest, payload: ReviewNextIn) -> ReviewTaskOut:
    """Lease the next submission waiting for review in the project (404 ``no_reviews``)."""
    user = actor(request)
    project = access_project_for_expert(user, payload.project_id)
    review = claim_review(reviewer=user, project=project)
    return review_task_out(access_review_for_reviewer(user, review.id))


@router.post("/reviews/{review_id}/decision", response={201: DecisionOut, 200: DecisionOut})
def decide(request: HttpRequest, review_id: int, payload: DecisionIn) -> Status[DecisionOut]:
    """Approve, reject (reason code and note) or correct the submission you hold.

    A pairwise correction names ``corrected_choice``; any other type sends the whole
    ``corrected_answer``, checked by the type like a submission (fields prefixed
    ``corrected_answer.``).
    """
    review, created = decide_review(
        reviewer=actor(request),
        review_id=review_id,
        outcome=payload.outcome,
        reason_code=payload.reason_code,
        note=payload.note,
        corrected_choice=payload.corrected_choice,
        corrected_answer=payload.corrected_answer,
    )
    out = DecisionOut(
        review_id=review.id,
        outcome=review.outcome,
        reason_code=review.reason_code,
        note=review.note,
        corrected_choice=review.corrected_choice,
        corrected_answer=review.corrected_answer or {},
        decided_at=review.decided_at,
        replayed=not created,
    )
    return Status(201 if created else 200, out)
