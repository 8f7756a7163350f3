"""Paid qualification tests: authoring, taking, grading, reviewing, and the skills they grant.

Every attempt that ends, passed, failed or out of time, records its pay as an
``Earning`` for the ledger to settle: screening time is always paid.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction

from assay import clock
from assay.access import require_expert
from assay.actions.ledger import pay_test
from assay.domain.grading import KeyedQuestion, answer_problem, grade, minimum_test_pay
from assay.errors import Conflict, InvalidInput
from assay.models import Answer, Attempt, Earning, QualificationTest, Question, Skill, User

OPEN = Attempt.Status.IN_PROGRESS


def keyed(question: Question) -> KeyedQuestion:
    return KeyedQuestion(
        id=question.id,
        kind=question.kind,
        category=question.category,
        points=question.points,
        answer=question.answer,
        options=len(question.options or []),
    )


def _record_pay(attempt: Attempt, now: dt.datetime) -> None:
    _, created = Earning.objects.get_or_create(
        attempt=attempt,
        defaults={
            "expert_id": attempt.expert_id,
            "kind": Earning.Kind.QUALIFICATION,
            "amount_cents": attempt.test.pay_cents,
            "currency": attempt.test.currency,
            "created_at": now,
        },
    )
    if created:
        pay_test(attempt.id)


def _expire_if_late(attempt: Attempt, now: dt.datetime) -> bool:
    """Close an open attempt whose time ran out; it is paid all the same."""
    if attempt.status != OPEN or attempt.deadline > now:
        return False
    closed = Attempt.objects.filter(id=attempt.id, status=OPEN).update(
        status=Attempt.Status.EXPIRED, submitted_at=attempt.deadline, passed=False, score=0
    )
    if closed:
        attempt.refresh_from_db()
        _record_pay(attempt, now)
    return bool(closed)


def cycle_attempts(expert_id: int, test: QualificationTest, now: dt.datetime) -> list[Attempt]:
    """Attempts that count toward the limit: those since the expert's skill last expired.

    Renewing an expired skill starts a fresh set of attempts.
    """
    attempts = Attempt.objects.filter(expert_id=expert_id, test=test).order_by("-started_at")
    skill = Skill.objects.filter(expert_id=expert_id, test=test, expires_at__lte=now).first()
    if skill is not None:
        attempts = attempts.filter(started_at__gte=skill.expires_at)
    return list(attempts)


def next_start(expert: User, test: QualificationTest, now: dt.datetime) -> tuple[str, str] | None:
    """Why the expert cannot start ``test`` now (code, message), or None if they can."""
    if Skill.objects.filter(expert=expert, test=test, expires_at__gt=now).exists():
        return "already_passed", "You passed this test; your skill score is current."
    history = cycle_attempts(expert.id, test, now)
    if any(a.status == Attempt.Status.AWAITING_REVIEW for a in history):
        return "awaiting_review", "Your last attempt is waiting for a reviewer."
    if len(history) >= test.max_attempts:
        return "no_attempts_left", f"You have used all {test.max_attempts} attempts."
    ended = [a.submitted_at for a in history if a.submitted_at is not None and not a.passed]
    if ended:
        again = ended[0] + dt.timedelta(days=test.cooldown_days)
        if again > now:
            return "cooldown", f"You can retake this test after {again:%Y-%m-%d %H:%M} UTC."
    return None


def start_attempt(*, expert: User, test: QualificationTest) -> Attempt:
    require_expert(expert)
    now = clock.now()
    current = Attempt.objects.filter(expert=expert, test=test, status=OPEN).first()
    if current is not None and not _expire_if_late(current, now):
        return current
    blocked = next_start(expert, test, now)
    if blocked is not None:
        raise Conflict(blocked[1], code=blocked[0])
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                test=test,
                expert=expert,
                started_at=now,
                deadline=now + dt.timedelta(minutes=test.time_limit_minutes),
            )
    except IntegrityError:  # a second tab started it at the same moment
        return Attempt.objects.get(expert=expert, test=test, status=OPEN)


def _check_answers(questions: list[Question], answers: dict[int, str]) -> None:
    details = []
    for question in questions:
        problem = answer_problem(keyed(question), answers.get(question.id, ""))
        if problem:
            details.append({"field": f"question {question.position}", "message": problem})
    if details:
        raise InvalidInput("Answer every question.", code="invalid_answers", details=details)


def _finish(attempt: Attempt, now: dt.datetime) -> Attempt:
    """Grade what can be graded; pass or fail once nothing waits for a reviewer."""
    questions = list(attempt.test.questions.all())
    answers = {a.question_id: a for a in attempt.answers.all()}
    reviewed = {qid: a.points_awarded for qid, a in answers.items() if a.points_awarded is not None}
    result = grade(
        [keyed(q) for q in questions], {q: a.value for q, a in answers.items()}, reviewed
    )
    for question in questions:
        if question.id in result.correct:
            answer = answers[question.id]
            answer.points_awarded = question.points if result.correct[question.id] else 0
            answer.save(update_fields=["points_awarded"])
    if result.pending:
        attempt.status = Attempt.Status.AWAITING_REVIEW
    else:
        attempt.status = Attempt.Status.GRADED
        attempt.score = result.score
        attempt.passed = result.score >= attempt.test.pass_mark
        if attempt.passed:
            _grant_skill(attempt, now)
    attempt.save(update_fields=["status", "score", "passed"])
    return attempt


def _grant_skill(attempt: Attempt, now: dt.datetime) -> None:
    test = attempt.test
    Skill.objects.update_or_create(
        expert_id=attempt.expert_id,
        test=test,
        defaults={
            "domain_id": test.domain_id,
            "score": attempt.score or 0,
            "granted_at": now,
            "expires_at": now + dt.timedelta(days=test.skill_valid_days),
        },
    )


def submit_attempt(*, expert: User, attempt: Attempt, answers: dict[int, str]) -> Attempt:
    """Store and grade the answers; the pay is recorded whatever the result."""
    now = clock.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("test").get(id=attempt.id)
        if locked.status != OPEN:
            raise Conflict("This attempt was already submitted.", code="attempt_closed")
        if locked.deadline <= now:
            raise Conflict(
                "The time limit has passed; this attempt can no longer be submitted. "
                "It is paid all the same.",
                code="time_limit_passed",
            )
        questions = list(locked.test.questions.all())
        _check_answers(questions, answers)
        Answer.objects.bulk_create(
            Answer(attempt=locked, question=q, value=answers[q.id].strip()) for q in questions
        )
        locked.submitted_at = now
        locked.save(update_fields=["submitted_at"])
        _record_pay(locked, now)
        return _finish(locked, now)


def review_answer(*, reviewer: User, answer: Answer, points: int, note: str) -> Attempt:
    """A reviewer's points for one free-text answer; the attempt is graded once all are in."""
    if not 0 <= points <= answer.question.points:
        raise InvalidInput(
            f"Award between 0 and {answer.question.points} points.", code="invalid_points"
        )
    now = clock.now()
    with transaction.atomic():
        changed = Answer.objects.filter(id=answer.id, points_awarded__isnull=True).update(
            points_awarded=points, reviewer=reviewer, review_note=note.strip(), reviewed_at=now
        )
        if changed != 1:
            raise Conflict("This answer was already reviewed.", code="already_reviewed")
        attempt = (
            Attempt.objects.select_for_update().select_related("test").get(id=answer.attempt_id)
        )
        return _finish(attempt, now)


def expire_if_late(attempt: Attempt) -> bool:
    return _expire_if_late(attempt, clock.now())


def expire_overdue_attempts(*, limit: int = 500) -> int:
    """Close and pay attempts whose time ran out unsubmitted (run by ``assay notify``)."""
    now = clock.now()
    overdue = Attempt.objects.filter(status=OPEN, deadline__lte=now).select_related("test")
    return sum(_expire_if_late(attempt, now) for attempt in overdue[:limit])


def validate_pay(pay_cents: int, estimated_minutes: int) -> int:
    floor = minimum_test_pay(estimated_minutes, settings.PAY_FLOOR_CENTS_PER_HOUR)
    if pay_cents < floor:
        raise InvalidInput(
            f"A {estimated_minutes}-minute test must pay at least {floor / 100:.2f}.",
            code="pay_below_floor",
        )
    return pay_cents
