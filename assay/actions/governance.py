"""Due process: decisions about experts, sign-off, appeals, lifting, and recommendations.

Only a named operator can warn, restrict, suspend or remove an expert, and only with a
reason code from the published list (``domain.governance``). Automated systems call
``recommend``, which records a suggestion and changes nothing. Each decision writes a
statement of reasons to the expert before it takes effect, and can be appealed to an
operator other than the one who decided; a reversal undoes its effect (a reversed
rejection is paid through the ledger). Every step writes an audit row in its own
transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet

from assay import audit, clock
from assay.access import require_operator
from assay.actions.alerts import notify
from assay.domain import governance as rules
from assay.errors import Conflict, InvalidInput, NotFound, raise_for_fields
from assay.models import (
    Appeal,
    Credential,
    Decision,
    Judgment,
    Project,
    Recommendation,
    Restriction,
    User,
)

MAX_STATEMENT_CHARS = 4000
MAX_EVIDENCE_ITEMS = 200
OPERATOR_KINDS = ("warn", "restrict", "suspend", "remove")
Evidence = list[dict[str, str]]


def _clean_evidence(evidence: list[dict[str, Any]]) -> Evidence:
    if not isinstance(evidence, list) or len(evidence) > MAX_EVIDENCE_ITEMS:
        raise InvalidInput(
            f"Evidence is a list of up to {MAX_EVIDENCE_ITEMS} items.", code="invalid_evidence"
        )
    cleaned = []
    for item in evidence:
        if not isinstance(item, dict) or not str(item.get("label", "")).strip():
            raise InvalidInput(
                "Each evidence item needs a label (and may have a detail and a url).",
                code="invalid_evidence",
            )
        cleaned.append(
            {
                "label": str(item["label"])[:300],
                "detail": str(item.get("detail", ""))[:2000],
                "url": str(item.get("url", ""))[:500],
            }
        )
    return cleaned


def _statement_url(decision: Decision) -> str:
    return f"/decisions/{decision.id}/"


def _notify_statement(decision: Decision) -> None:
    """The written statement of reasons, delivered no later than the decision's effect."""
    code = rules.code_for(decision.kind, decision.reason_code)
    notify(
        decision.expert_id,
        kind="decision",
        key=f"decision:{decision.id}",
        title=f"{decision.get_kind_display()}: statement of reasons",
        body=(
            f"Reason: {code.definition if code else decision.reason_code}\n\n"
            f"{decision.statement}\n\nYou can appeal this decision; an operator who did "
            "not make it will review it."
        ),
        url=_statement_url(decision),
    )


def _apply(decision: Decision, now: dt.datetime) -> None:
    if decision.kind in ("suspend", "remove"):
        User.objects.filter(id=decision.expert_id, suspended_at__isnull=True).update(
            suspended_at=now
        )
    elif decision.kind == "restrict" and decision.project_id is not None:
        Restriction.objects.get_or_create(
            decision=decision,
            defaults={"expert_id": decision.expert_id, "project_id": decision.project_id},
        )


def _undo(decision: Decision, actor: User, note: str) -> None:
    if decision.kind in ("suspend", "remove"):
        still = Decision.objects.filter(
            expert_id=decision.expert_id,
            kind__in=["suspend", "remove"],
            status=Decision.Status.IN_EFFECT,
        ).exclude(id=decision.id)
        if not still.exists():
            User.objects.filter(id=decision.expert_id).update(suspended_at=None)
    elif decision.kind == "restrict":
        Restriction.objects.filter(decision=decision).delete()
    elif decision.kind == "reject" and decision.judgment_id is not None:
        from assay.actions.approvals import reverse_rejection

        reverse_rejection(judgment_id=decision.judgment_id, actor=actor, note=note)
    elif decision.kind == "decline_credential" and decision.credential_id is not None:
        # The credential goes back to the queue for a fresh look by an operator.
        Credential.objects.filter(id=decision.credential_id).update(
            status=Credential.Status.PENDING, reason_code="", decided_by=None, decided_at=None
        )


def last_appeal_at(expert_id: int) -> dt.datetime | None:
    value: dt.datetime | None = Appeal.objects.filter(expert_id=expert_id).aggregate(
        m=Max("created_at")
    )["m"]
    return value


def decide(
    *,
    operator: User,
    expert: User,
    kind: str,
    reason_code: str,
    statement: str,
    evidence: list[dict[str, Any]],
    project: Project | None = None,
    recommendation_id: int | None = None,
) -> Decision:
    """An operator's warning, restriction, suspension or removal."""
    require_operator(operator)
    problems: dict[str, str] = {}
    if kind not in OPERATOR_KINDS:
        problems["kind"] = "choose warn, restrict, suspend or remove"
    code = rules.code_for(kind, reason_code)
    if code is None:
        problems["reason_code"] = "choose a reason code from the published list for this action"
    if not statement.strip() or len(statement) > MAX_STATEMENT_CHARS:
        problems["statement"] = (
            f"write the statement of reasons the expert will read (1 to "
            f"{MAX_STATEMENT_CHARS:,} characters)"
        )
    if kind == "restrict" and project is None:
        problems["project_id"] = "a restriction names the project"
    if expert.role != User.Role.EXPERT:
        problems["expert"] = "decisions concern experts"
    raise_for_fields(problems)
    assert code is not None  # noqa: S101  (raise_for_fields returned: the code is listed)
    cleaned = _clean_evidence(evidence)
    prior_warnings = Decision.objects.filter(
        expert=expert, kind="warn", reason_code=reason_code
    ).exclude(status=Decision.Status.REVERSED)
    blockers = rules.graduated_problems(
        kind=kind,
        code=code,
        evidence_items=len(cleaned),
        minimum_sample=settings.MIN_EVIDENCE,
        prior_warnings=prior_warnings.count(),
    )
    if blockers:
        raise Conflict(" ".join(blockers), code="graduated_response")
    now = clock.now()
    guard = rules.needs_second_signoff(
        decided_at=now, last_appeal_or_complaint=last_appeal_at(expert.id)
    )
    with transaction.atomic():
        decision = Decision.objects.create(
            expert=expert,
            kind=kind,
            reason_code=reason_code,
            rule_version=rules.RULES_VERSION,
            statement=statement.strip(),
            evidence=cleaned,
            project=project,
            decided_by=operator,
            status=Decision.Status.AWAITING_SIGNOFF if guard else Decision.Status.IN_EFFECT,
            created_at=now,
            effective_at=None if guard else now,
        )
        if recommendation_id is not None:
            Recommendation.objects.filter(
                id=recommendation_id, expert=expert, decision__isnull=True
            ).update(decision=decision)
        if not guard:
            _notify_statement(decision)
            _apply(decision, now)
        audit.record(
            "decision.create",
            decision,
            actor=operator,
            expert=expert.id,
            kind=kind,
            reason_code=reason_code,
            status=decision.status,
            rule_version=rules.RULES_VERSION,
        )
    return decision


def _locked_decision(decision_id: int) -> Decision:
    """The decision, locked until the end of the caller's transaction."""
    decision = Decision.objects.select_for_update().filter(id=decision_id).first()
    if decision is None:
        raise NotFound("No such decision.", code="decision_not_found")
    return decision


def sign_off(*, operator: User, decision_id: int) -> Decision:
    """A second operator lets a decision under the retaliation guard take effect."""
    require_operator(operator)
    with transaction.atomic():
        decision = _locked_decision(decision_id)
        if decision.status != Decision.Status.AWAITING_SIGNOFF:
            raise Conflict("This decision needs no sign-off.", code="no_signoff_needed")
        if decision.decided_by_id == operator.id:
            raise Conflict(
                "A second operator, not the one who decided, must sign this off.",
                code="same_operator",
            )
        now = clock.now()
        decision.status = Decision.Status.IN_EFFECT
        decision.signed_off_by = operator
        decision.effective_at = now
        decision.save(update_fields=["status", "signed_off_by", "effective_at"])
        _notify_statement(decision)
        _apply(decision, now)
        audit.record("decision.sign_off", decision, actor=operator, status=decision.status)
    return decision


def lift(*, operator: User, decision_id: int, note: str) -> Decision:
    """End a restriction or suspension early (not a finding that it was wrong)."""
    require_operator(operator)
    if not note.strip():
        raise InvalidInput("Say why the decision is lifted.", code="invalid_note")
    with transaction.atomic():
        decision = _locked_decision(decision_id)
        if decision.status != Decision.Status.IN_EFFECT or decision.kind not in OPERATOR_KINDS:
            raise Conflict("Only a decision in effect can be lifted.", code="not_in_effect")
        decision.status = Decision.Status.LIFTED
        decision.closed_at = clock.now()
        decision.save(update_fields=["status", "closed_at"])
        _undo(decision, operator, note)
        notify(
            decision.expert_id,
            kind="decision",
            key=f"decision-lifted:{decision.id}",
            title=f"{decision.get_kind_display()} lifted",
            body=note.strip(),
            url=_statement_url(decision),
        )
        audit.record("decision.lift", decision, actor=operator, note=note.strip())
    return decision


def record_rejection(judgment: Judgment, *, actor: User, reason_code: str, note: str) -> Decision:
    """A rejection is an adverse decision too: the statement and the appeal hang off it.

    Called by ``approvals.reject`` inside its transaction.
    """
    evidence = [
        {
            "label": f"Submission #{judgment.id} on item {judgment.item.external_id}",
            "detail": f"Guidelines version {judgment.guidelines.number}",
            "url": "/earnings/",
        }
    ]
    decision = Decision.objects.create(
        expert_id=judgment.expert_id,
        kind="reject",
        reason_code=reason_code,
        rule_version=rules.RULES_VERSION,
        statement=note.strip(),
        evidence=evidence,
        project=judgment.project,
        judgment=judgment,
        decided_by=actor,
        status=Decision.Status.IN_EFFECT,
        created_at=clock.now(),
        effective_at=clock.now(),
    )
    audit.record(
        "submission.reject",
        judgment,
        actor=actor,
        reason_code=reason_code,
        decision=decision.id,
    )
    return decision


def record_credential_decline(credential: Any, *, operator: User) -> Decision:
    decision = Decision.objects.create(
        expert_id=credential.expert_id,
        kind="decline_credential",
        reason_code=credential.reason_code,
        rule_version=rules.RULES_VERSION,
        statement=credential.note,
        evidence=[
            {"label": f"Credential from {credential.issuer}", "detail": "", "url": "/credentials/"}
        ],
        credential=credential,
        decided_by=operator,
        status=Decision.Status.IN_EFFECT,
        created_at=clock.now(),
        effective_at=clock.now(),
    )
    return decision


def recommend(
    *, source: str, expert: User, kind: str, reason_code: str, evidence: list[dict[str, Any]]
) -> Recommendation:
    """What automated systems may do about an expert: suggest, for a person to decide."""
    if rules.code_for(kind, reason_code) is None:
        raise InvalidInput("Recommendations cite a listed reason code.", code="invalid_reason")
    return Recommendation.objects.create(
        expert=expert,
        source=source,
        kind=kind,
        reason_code=reason_code,
        evidence=_clean_evidence(evidence),
        created_at=clock.now(),
    )


def dismiss(*, operator: User, recommendation_id: int) -> Recommendation:
    require_operator(operator)
    with transaction.atomic():
        rec = Recommendation.objects.select_for_update().filter(id=recommendation_id).first()
        if rec is None:
            raise NotFound("No such recommendation.", code="recommendation_not_found")
        if rec.dismissed_at is None and rec.decision_id is None:
            rec.dismissed_at = clock.now()
            rec.dismissed_by = operator
            rec.save(update_fields=["dismissed_at", "dismissed_by"])
            audit.record("recommendation.dismiss", rec, actor=operator)
    return rec


# Appeals --------------------------------------------------------------------------------


def _independent_operator(decision: Decision) -> User | None:
    """The operator other than the decider with the fewest open appeals."""
    candidates = (
        User.objects.filter(role=User.Role.OPERATOR, is_active=True)
        .exclude(id=decision.decided_by_id)
        .annotate(
            open_appeals=Count(
                "appeal_assignments",
                filter=~Q(appeal_assignments__status=Appeal.Status.DECIDED),
            )
        )
        .order_by("open_appeals", "id")
    )
    return candidates.first()


def file_appeal(*, expert: User, decision_id: int, text: str) -> Appeal:
    if not text.strip() or len(text) > MAX_STATEMENT_CHARS:
        raise InvalidInput(
            f"Explain your appeal in 1 to {MAX_STATEMENT_CHARS:,} characters.",
            code="invalid_appeal",
        )
    with transaction.atomic():
        decision = (
            Decision.objects.select_for_update().filter(id=decision_id, expert=expert).first()
        )
        if decision is None:
            raise NotFound("No such decision.", code="decision_not_found")
        if hasattr(decision, "appeal"):
            raise Conflict("This decision is already under appeal.", code="already_appealed")
        if decision.status != Decision.Status.IN_EFFECT:
            raise Conflict("Only a decision in effect can be appealed.", code="not_in_effect")
        now = clock.now()
        acknowledge_by, decide_by = rules.appeal_deadlines(
            now,
            acknowledge_days=settings.APPEAL_ACKNOWLEDGE_DAYS,
            decide_days=settings.APPEAL_DECIDE_DAYS,
        )
        assignee = _independent_operator(decision)
        appeal = Appeal.objects.create(
            decision=decision,
            expert=expert,
            text=text.strip(),
            assignee=assignee,
            created_at=now,
            acknowledge_by=acknowledge_by,
            decide_by=decide_by,
        )
        recipients = (
            [assignee.id]
            if assignee
            else list(
                User.objects.filter(role=User.Role.OPERATOR)
                .exclude(id=decision.decided_by_id)
                .values_list("id", flat=True)
            )
        )
        for user_id in recipients:
            notify(
                user_id,
                kind="appeal",
                key=f"appeal:{appeal.id}",
                title=f"New appeal against a {decision.get_kind_display().lower()}",
                body=f"Acknowledge by {acknowledge_by:%Y-%m-%d %H:%M} UTC, decide by "
                f"{decide_by:%Y-%m-%d %H:%M} UTC.",
                url=f"/ops/appeals/{appeal.id}/",
            )
        audit.record("appeal.file", appeal, actor=expert, decision=decision.id)
    return appeal


def _appeal_for(operator: User, appeal_id: int) -> Appeal:
    require_operator(operator)
    appeal = (
        Appeal.objects.select_for_update().select_related("decision").filter(id=appeal_id).first()
    )
    if appeal is None:
        raise NotFound("No such appeal.", code="appeal_not_found")
    if appeal.decision.decided_by_id == operator.id:
        raise Conflict(
            "An appeal is reviewed by an operator other than the one who decided.",
            code="same_operator",
        )
    return appeal


def acknowledge(*, operator: User, appeal_id: int) -> Appeal:
    with transaction.atomic():
        appeal = _appeal_for(operator, appeal_id)
        if appeal.status == Appeal.Status.OPEN:
            appeal.status = Appeal.Status.ACKNOWLEDGED
            appeal.acknowledged_at = clock.now()
            if appeal.assignee_id is None:
                appeal.assignee = operator
            appeal.save(update_fields=["status", "acknowledged_at", "assignee"])
            notify(
                appeal.expert_id,
                kind="appeal",
                key=f"appeal-ack:{appeal.id}",
                title="Your appeal was received",
                body=f"An operator is reviewing it; you will have a reasoned answer by "
                f"{appeal.decide_by:%Y-%m-%d}.",
                url=_statement_url(appeal.decision),
            )
            audit.record("appeal.acknowledge", appeal, actor=operator)
    return appeal


def decide_appeal(*, operator: User, appeal_id: int, outcome: str, reasons: str) -> Appeal:
    """Uphold or reverse, with written reasons; a reversal undoes the decision's effect."""
    problems: dict[str, str] = {}
    if outcome not in Appeal.Outcome.values:
        problems["outcome"] = "choose upheld or reversed"
    if not reasons.strip() or len(reasons) > MAX_STATEMENT_CHARS:
        problems["reasons"] = f"write the reasons (1 to {MAX_STATEMENT_CHARS:,} characters)"
    raise_for_fields(problems)
    with transaction.atomic():
        appeal = _appeal_for(operator, appeal_id)
        if appeal.status == Appeal.Status.DECIDED:
            if appeal.outcome == outcome:
                return appeal
            raise Conflict("This appeal was decided already.", code="appeal_decided")
        now = clock.now()
        appeal.status = Appeal.Status.DECIDED
        appeal.outcome = outcome
        appeal.reasons = reasons.strip()
        appeal.decided_at = now
        appeal.decided_by = operator
        appeal.acknowledged_at = appeal.acknowledged_at or now
        if appeal.assignee_id is None:
            appeal.assignee = operator
        appeal.save()
        decision = appeal.decision
        if outcome == Appeal.Outcome.REVERSED:
            # A decision lifted meanwhile is already undone: record the finding only.
            still_applied = decision.status == Decision.Status.IN_EFFECT
            decision.status = Decision.Status.REVERSED
            decision.closed_at = now
            decision.save(update_fields=["status", "closed_at"])
            if still_applied:
                _undo(decision, operator, f"Appeal upheld: {reasons.strip()}")
        notify(
            appeal.expert_id,
            kind="appeal",
            key=f"appeal-decided:{appeal.id}",
            title="Your appeal was decided: "
            + ("the decision is reversed" if outcome == "reversed" else "the decision stands"),
            body=reasons.strip(),
            url=_statement_url(decision),
        )
        audit.record("appeal.decide", appeal, actor=operator, outcome=outcome)
    return appeal


def _overdue(now: dt.datetime | None) -> QuerySet[Appeal]:
    moment = now or clock.now()
    return Appeal.objects.exclude(status=Appeal.Status.DECIDED).filter(
        Q(status=Appeal.Status.OPEN, acknowledge_by__lt=moment) | Q(decide_by__lt=moment)
    )


def overdue_appeals(now: dt.datetime | None = None) -> list[Appeal]:
    return list(
        _overdue(now).select_related("decision", "expert", "assignee").order_by("decide_by")
    )


def overdue_appeal_ids(now: dt.datetime | None = None) -> set[int]:
    """The ids of overdue appeals, when only which ones (and how many) matters."""
    return set(_overdue(now).values_list("id", flat=True))
