"""The review stage: sample submissions, lease them to other experts, record decisions.

A claim is a compare-and-set on ``Review.status``/``leased_until`` that must
change exactly one row, as for task leases (docs/allocation.md): correct on
SQLite and PostgreSQL alike; ``SKIP LOCKED`` on PostgreSQL only lets racing
reviewers pass over each other's candidates. A decision is a second
compare-and-set from "leased by me, not expired" to "done", so the reviewer's
pay is recorded exactly once however often the decision is sent.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from assay import clock
from assay.access import access_review_for_reviewer, require_expert
from assay.actions.alerts import notify
from assay.actions.approvals import approve, bonus, reject
from assay.actions.leases import lease_duration
from assay.actions.ledger import InsufficientFunds, pay_review
from assay.domain import reviews as rules
from assay.domain.pay import format_money
from assay.eligibility import explain
from assay.errors import Conflict, InvalidInput, NotFound, WrongRole
from assay.models import Earning, Judgment, Project, Review, User
from assay.tasktypes import require

CANDIDATES = 10


def _sensitive(project: Project) -> bool:
    return project.domain_id is not None and bool(project.domain and project.domain.sensitive)


def sample_for_review(judgment: Judgment) -> Review | None:
    """The judgment's review, created pending if the sampling rule picks it; else None.

    Idempotent: a second call returns the stored review. Two queries when
    sampled (insert-or-nothing, then read), plus one for the project's domain
    when the rate alone does not decide and the domain is not loaded yet.
    """
    project = judgment.project
    # The rate is checked first so the domain is read only when it can change the answer.
    by_rate = rules.is_sampled(judgment.id, project.review_rate, sensitive=False)
    if not by_rate and not rules.is_sampled(judgment.id, 0.0, sensitive=_sensitive(project)):
        return None
    fresh = Review(judgment_id=judgment.id, project_id=judgment.project_id, created_at=clock.now())
    Review.objects.bulk_create([fresh], ignore_conflicts=True)
    return Review.objects.get(judgment=judgment)


def _open(project: Project, now: dt.datetime) -> QuerySet[Review]:
    waiting = Q(status=Review.Status.PENDING)
    lapsed = Q(status=Review.Status.LEASED, leased_until__lte=now)
    return Review.objects.filter(waiting | lapsed, project=project)


def _refuse_ineligible(reviewer: User, project: Project) -> None:
    [(_, unmet)] = explain(reviewer, [project])
    if unmet:
        raise WrongRole(
            "You do not meet this project's requirements, so you cannot review its work.",
            code="not_eligible",
            details=[{"code": u.code, "message": u.message} for u in unmet],
        )


def _candidate_ids(reviewer: User, project: Project, now: dt.datetime) -> list[int]:
    query = _open(project, now).exclude(judgment__expert=reviewer).order_by("created_at", "id")
    if connection.vendor == "postgresql":
        query = query.select_for_update(skip_locked=True, of=("self",))
    return list(query.values_list("id", flat=True)[:CANDIDATES])


def _take(review_id: int, reviewer: User, project: Project, now: dt.datetime) -> bool:
    until = now + lease_duration(project)
    rows = _open(project, now).filter(id=review_id)
    return rows.update(status=Review.Status.LEASED, reviewer=reviewer, leased_until=until) == 1


def claim_review(*, reviewer: User, project: Project) -> Review:
    """Lease the oldest waiting review in ``project`` to ``reviewer``; never their own work.

    A reviewer already holding an unexpired review in the project gets it back,
    so two tabs show the same review. Raises NotFound(code="no_reviews") when
    nothing is waiting.
    """
    require_expert(reviewer)
    _refuse_ineligible(reviewer, project)
    now = clock.now()
    held = Review.objects.filter(
        project=project, reviewer=reviewer, status=Review.Status.LEASED, leased_until__gt=now
    ).first()
    if held is not None:
        return held
    with transaction.atomic():
        for review_id in _candidate_ids(reviewer, project, now):
            if _take(review_id, reviewer, project, now):
                return Review.objects.get(id=review_id)
    raise NotFound("No submission in this project is waiting for review.", code="no_reviews")


@dataclass(frozen=True)
class Decision:
    outcome: str
    reason_code: str = ""
    note: str = ""
    corrected_choice: str = ""
    corrected_answer: dict[str, Any] = field(default_factory=dict)


def _replay(review: Review, decision: Decision) -> Review:
    if review.outcome != decision.outcome:
        raise Conflict(
            f"This review was already decided as {review.outcome}.", code="already_decided"
        )
    return review


def _corrected(review: Review, decision: Decision) -> Decision:
    """A correction of any type but pairwise: the reviewer's whole answer, validated by
    the task type like an expert's submission (field names prefixed)."""
    kind = require(review.project.task_type)
    item, config = kind.load_item(review.judgment.item), kind.config_of(review.project)
    try:
        answer = kind.parse_answer(item, config, decision.corrected_answer)
    except InvalidInput as error:
        raise InvalidInput(
            "Please complete the corrected answer.",
            code="invalid_review",
            details=[
                {"field": f"corrected_answer.{d.get('field', '')}", "message": d["message"]}
                for d in error.details
            ]
            or [{"field": "corrected_answer", "message": error.message}],
        ) from None
    return Decision(
        decision.outcome, "", decision.note, "", kind.judgment_columns(answer).get("answer", {})
    )


def _check(review: Review, decision: Decision, now: dt.datetime) -> Decision:
    pairwise = review.project.task_type == "pairwise"
    correcting = decision.outcome == "corrected" and not pairwise
    problems = rules.outcome_problems(
        # Other types correct with a whole answer, checked by _corrected below.
        outcome="approved" if correcting else decision.outcome,
        reason_code=decision.reason_code,
        note=decision.note,
        corrected_choice=decision.corrected_choice,
        original_choice=review.judgment.choice,
    )
    if not pairwise and decision.outcome != "corrected" and decision.corrected_answer:
        problems["corrected_answer"] = "only a correction carries a corrected answer"
    if problems:
        raise InvalidInput(
            "Please complete the review.",
            code="invalid_review",
            details=[{"field": name, "message": text} for name, text in problems.items()],
        )
    if review.leased_until is None or review.leased_until <= now:
        raise Conflict("Your hold on this review ended.", code="review_lease_expired")
    return _corrected(review, decision) if correcting else decision


def _pay(review: Review, reviewer: User, now: dt.datetime) -> None:
    project = review.project
    if project.review_pay_cents > 0:
        Earning.objects.create(
            expert=reviewer,
            kind=Earning.Kind.REVIEW,
            amount_cents=project.review_pay_cents,
            currency=project.currency,
            review=review,
            created_at=now,
        )


def decide_review(
    *,
    reviewer: User,
    review_id: int,
    outcome: str,
    reason_code: str = "",
    note: str = "",
    corrected_choice: str = "",
    corrected_answer: dict[str, Any] | str | None = None,
) -> tuple[Review, bool]:
    """Record the reviewer's decision and their pay; returns the review and whether it is new.

    Only the reviewer holding the lease, before it ends. Sending the same
    outcome again returns the stored decision (False); a different one is a conflict.
    A correction is a ``corrected_choice`` for pairwise, a whole ``corrected_answer``
    (the task type's judgment, as a dict or JSON text) for every other type.
    """
    decision = Decision(
        outcome, reason_code, note.strip(), corrected_choice, _answer(corrected_answer)
    )
    review = access_review_for_reviewer(reviewer, review_id)
    if review.status == Review.Status.DONE:
        return _replay(review, decision), False
    now = clock.now()
    decision = _check(review, decision, now)
    with transaction.atomic():
        changed = Review.objects.filter(
            id=review.id, reviewer=reviewer, status=Review.Status.LEASED, leased_until__gt=now
        ).update(
            status=Review.Status.DONE,
            outcome=decision.outcome,
            reason_code=decision.reason_code,
            note=decision.note,
            corrected_choice=decision.corrected_choice,
            corrected_answer=decision.corrected_answer,
            decided_at=now,
        )
        if changed == 1:
            review.refresh_from_db()
            _pay(review, reviewer, now)
            pay_review(review.id)
            _decide_submission(review, reviewer)
            _reward_finding(review, reviewer)
            return review, True
    review = access_review_for_reviewer(reviewer, review_id)  # a twin request won the race
    if review.status == Review.Status.DONE:
        return _replay(review, decision), False
    raise Conflict("Your hold on this review ended.", code="review_lease_expired")


def _answer(raw: dict[str, Any] | str | None) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        raise InvalidInput(
            "The corrected answer is not valid JSON.",
            code="invalid_review",
            details=[{"field": "corrected_answer", "message": "not valid JSON"}],
        ) from None
    if not isinstance(value, dict):
        raise InvalidInput("The corrected answer must be a JSON object.", code="invalid_review")
    return value


def _decide_submission(review: Review, reviewer: User) -> None:
    """The review approves or rejects the submission for pay, unless it was decided
    already (by the requester) or its pay waits for funds (auto-approval follows)."""
    judgment = review.judgment
    if judgment.status != Judgment.Status.SUBMITTED or not judgment.funded:
        return
    if review.outcome == "rejected":
        reject(
            judgment_id=judgment.id,
            actor=reviewer,
            reason_code=review.reason_code,
            note=review.note,
            by_reviewer=True,
        )
    else:
        approve(judgment_id=judgment.id, actor=reviewer)


REWARD_REASON = "Verified red-team finding"


def _reward_finding(review: Review, reviewer: User) -> None:
    """A verified red-team finding earns the project's ``reward_cents`` as a bonus from the
    organization's balance, once per judgment. A short balance never fails the review:
    the requesters are told, and can pay it by hand after a deposit."""
    project, judgment = review.project, review.judgment
    reward = int((project.task_config or {}).get("reward_cents") or 0)
    verified = review.outcome in ("approved", "corrected")
    if project.task_type != "redteam" or reward <= 0 or not verified:
        return
    if judgment.status == Judgment.Status.REJECTED:  # the requester rejected it already
        return
    try:
        bonus(
            actor=reviewer,
            project=project,
            expert=judgment.expert,
            amount_cents=reward,
            reason=REWARD_REASON,
            key=f"redteam-reward:{judgment.id}",
        )
    except InsufficientFunds:
        _reward_unpaid(project, judgment, reward)


def _reward_unpaid(project: Project, judgment: Judgment, reward: int) -> None:
    money = format_money(reward, project.currency)
    for user_id in User.objects.filter(
        membership__organization_id=project.organization_id
    ).values_list("id", flat=True):
        notify(
            user_id,
            kind="reward_unpaid",
            key=f"reward-unpaid:{judgment.id}",
            title=f"A verified finding in {project.name} waits for its {money} reward",
            body=(
                f"A second expert verified the red-team finding on item "
                f"{judgment.item.external_id}, but the organization's balance cannot cover "
                f"the {money} reward and its fee. Add funds, then pay it as a bonus to the "
                f"expert of judgment {judgment.id}."
            ),
            url=f"/projects/{project.id}/spend/",
        )


@dataclass(frozen=True)
class AuthorReview:
    """One decided review of the author's work, as the author sees it: never who reviewed."""

    project_id: int
    project_name: str
    item_external_id: str
    choice: str
    outcome: str
    reason_code: str
    reason: str
    note: str
    corrected_choice: str
    decided_at: dt.datetime


def reviews_of_author(expert: User) -> list[AuthorReview]:
    """Decided reviews of ``expert``'s own submissions, newest first."""
    rows = (
        Review.objects.filter(judgment__expert=expert, status=Review.Status.DONE)
        .select_related("project", "judgment__item")
        .order_by("-decided_at", "-id")
    )
    return [
        AuthorReview(
            project_id=r.project_id,
            project_name=r.project.name,
            item_external_id=r.judgment.item.external_id,
            choice=r.judgment.choice,
            # A rejection reversed on appeal counts as the approval it became.
            outcome="approved" if _reversed(r) else r.outcome,
            reason_code="" if _reversed(r) else r.reason_code,
            reason="Rejection reversed on appeal."
            if _reversed(r)
            else rules.REASONS.get(r.reason_code, ""),
            note=r.note,
            corrected_choice=r.corrected_choice,
            decided_at=r.decided_at or r.created_at,
        )
        for r in rows
    ]


def _reversed(review: Review) -> bool:
    return review.outcome == "rejected" and review.judgment.status == Judgment.Status.APPROVED


def pending_of_author(expert: User) -> int:
    """The author's submissions sampled for review and not decided yet."""
    return Review.objects.filter(judgment__expert=expert).exclude(status=Review.Status.DONE).count()
