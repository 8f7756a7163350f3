"""Qualification tests: authoring, taking, results, and reviewing free-text answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from assay import clock
from assay.access import (
    access_answer_for_reviewer,
    access_attempt_by_id,
    access_project_for_requester,
    access_test_for_expert,
    answers_for_reviewer,
    require_expert,
    tests_open_to,
)
from assay.actions import qualification as q
from assay.actions.authoring import create_test, spec_from_json
from assay.api.auth import actor
from assay.domain.pay import hourly_rate_cents
from assay.models import Attempt, QualificationTest
from assay.qualification_views import result_of

router = Router(tags=["qualification"])


class TestOut(Schema):
    id: int
    title: str
    description: str
    domain: str
    project_id: int | None
    estimated_minutes: int
    time_limit_minutes: int
    pay_cents: int
    currency: str
    hourly_rate_cents: int
    pass_mark: int
    max_attempts: int
    cooldown_days: int
    questions: int
    can_start: bool
    blocked_reason: str | None


class NewTestIn(Schema):
    project_id: int | None = None
    spec: dict[str, Any]


class QuestionOut(Schema):
    id: int
    position: int
    kind: str
    category: str
    prompt: str
    options: list[str]
    response_a: str
    response_b: str
    points: int


class AttemptOut(Schema):
    id: int
    test_id: int
    status: str
    started_at: dt.datetime
    deadline: dt.datetime
    submitted_at: dt.datetime | None
    questions: list[QuestionOut]


class AnswersIn(Schema):
    answers: dict[int, str]


class ResultOut(Schema):
    attempt_id: int
    status: str
    score: int | None
    pass_mark: int
    passed: bool | None
    pay_cents: int
    currency: str
    by_category: dict[str, list[int]]
    answer_key_shown: bool
    answer_key: dict[int, str] | None
    reviewer_notes: dict[int, str]


class ReviewItemOut(Schema):
    answer_id: int
    test: str
    question: str
    rubric: str
    points: int
    answer: str


class ReviewIn(Schema):
    points: int
    note: str = ""


def test_out(test: QualificationTest, blocked: tuple[str, str] | None) -> TestOut:
    return TestOut(
        id=test.id,
        title=test.title,
        description=test.description,
        domain=test.domain.slug,
        project_id=test.project_id,
        estimated_minutes=test.estimated_minutes,
        time_limit_minutes=test.time_limit_minutes,
        pay_cents=test.pay_cents,
        currency=test.currency,
        hourly_rate_cents=hourly_rate_cents(test.pay_cents, test.estimated_minutes),
        pass_mark=test.pass_mark,
        max_attempts=test.max_attempts,
        cooldown_days=test.cooldown_days,
        questions=test.questions.count(),
        can_start=blocked is None,
        blocked_reason=blocked[1] if blocked else None,
    )


def attempt_out(attempt: Attempt) -> AttemptOut:
    questions = attempt.test.questions.all() if attempt.status == Attempt.Status.IN_PROGRESS else []
    return AttemptOut(
        id=attempt.id,
        test_id=attempt.test_id,
        status=attempt.status,
        started_at=attempt.started_at,
        deadline=attempt.deadline,
        submitted_at=attempt.submitted_at,
        questions=[
            QuestionOut(
                id=x.id,
                position=x.position,
                kind=x.kind,
                category=x.category,
                prompt=x.prompt,
                options=x.options or [],
                response_a=x.response_a,
                response_b=x.response_b,
                points=x.points,
            )
            for x in questions
        ],
    )


@router.get("/qualifications", response=list[TestOut])
def list_tests(request: HttpRequest) -> list[TestOut]:
    user = actor(request)
    require_expert(user)
    now = clock.now()
    tests = tests_open_to(user).select_related("domain").order_by("title")
    return [test_out(t, q.next_start(user, t, now)) for t in tests]


@router.post("/qualifications", response={201: TestOut})
def author_test(request: HttpRequest, payload: NewTestIn) -> Status[TestOut]:
    user = actor(request)
    project = None
    if payload.project_id is not None:
        project = access_project_for_requester(user, payload.project_id)
    test = create_test(author=user, spec=spec_from_json(payload.spec), project=project)
    return Status(201, test_out(test, None))


@router.post("/qualifications/{test_id}/attempts", response={201: AttemptOut})
def start(request: HttpRequest, test_id: int) -> Status[AttemptOut]:
    test = access_test_for_expert(actor(request), test_id)
    return Status(201, attempt_out(q.start_attempt(expert=actor(request), test=test)))


@router.get("/attempts/{attempt_id}", response=AttemptOut)
def get_attempt(request: HttpRequest, attempt_id: int) -> AttemptOut:
    attempt = access_attempt_by_id(actor(request), attempt_id)
    q.expire_if_late(attempt)
    return attempt_out(attempt)


@router.post("/attempts/{attempt_id}/submit", response=ResultOut)
def submit(request: HttpRequest, attempt_id: int, payload: AnswersIn) -> ResultOut:
    attempt = access_attempt_by_id(actor(request), attempt_id)
    attempt = q.submit_attempt(expert=actor(request), attempt=attempt, answers=payload.answers)
    return ResultOut(**result_of(attempt))


@router.get("/attempts/{attempt_id}/result", response=ResultOut)
def result(request: HttpRequest, attempt_id: int) -> ResultOut:
    attempt = access_attempt_by_id(actor(request), attempt_id)
    q.expire_if_late(attempt)
    return ResultOut(**result_of(attempt))


@router.get("/reviews/qualification", response=list[ReviewItemOut])
def review_queue(request: HttpRequest) -> list[ReviewItemOut]:
    pending = answers_for_reviewer(actor(request)).filter(
        points_awarded__isnull=True, attempt__status=Attempt.Status.AWAITING_REVIEW
    )
    return [
        ReviewItemOut(
            answer_id=a.id,
            test=a.attempt.test.title,
            question=a.question.prompt,
            rubric=a.question.rubric,
            points=a.question.points,
            answer=a.value,
        )
        for a in pending.order_by("id")
    ]


@router.post("/reviews/qualification/{answer_id}", response=ResultOut)
def review(request: HttpRequest, answer_id: int, payload: ReviewIn) -> ResultOut:
    answer = access_answer_for_reviewer(actor(request), answer_id)
    attempt = q.review_answer(
        reviewer=actor(request), answer=answer, points=payload.points, note=payload.note
    )
    return ResultOut(**result_of(attempt))
