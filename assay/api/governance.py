"""Due process over the API: the published rules and register, an expert's decisions,
appeals, data and ratings; operators' decisions, appeals, audit log and statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from assay.access import (
    access_expert_for_operator,
    access_project_for_operator,
    access_project_for_requester,
    access_project_worked_on,
    require_expert,
    require_operator,
)
from assay.actions import governance, transparency
from assay.api.auth import actor
from assay.domain.governance import CODES, RULES_VERSION
from assay.errors import InvalidInput, NotFound
from assay.models import Appeal, AuditEvent, Decision, Recommendation, User
from assay.register import announce, entries
from assay.workforce import workforce

router = Router(tags=["governance"])
MAX_AUDIT = 500


class CodeOut(Schema):
    code: str
    actions: list[str]
    definition: str
    evidence: str
    withholds_pay: bool
    severe: bool


class RulesOut(Schema):
    version: int
    codes: list[CodeOut]


@router.get("/rules", response=RulesOut, auth=None)
def rules(request: HttpRequest) -> RulesOut:
    """The closed, versioned list of reason codes every adverse action must cite."""
    return RulesOut(
        version=RULES_VERSION,
        codes=[
            CodeOut(
                code=c.code,
                actions=list(c.kinds),
                definition=c.definition,
                evidence=c.evidence,
                withholds_pay=c.withholds_pay,
                severe=c.severe,
            )
            for c in CODES
        ],
    )


class ParameterOut(Schema):
    name: str
    value: str
    weight: str


class ChangeOut(Schema):
    version: int
    summary: str
    diff: str
    announced_at: dt.datetime
    effective_at: dt.datetime


class SystemOut(Schema):
    slug: str
    name: str
    purpose: str
    inputs: list[str]
    parameters: list[ParameterOut]
    feeds: str
    never: str
    version: int
    pending: list[ChangeOut]
    history: list[ChangeOut]


def _change(c: Any) -> ChangeOut:
    return ChangeOut(
        version=c.version,
        summary=c.summary,
        diff=c.diff,
        announced_at=c.announced_at,
        effective_at=c.effective_at,
    )


@router.get("/register", response=list[SystemOut], auth=None)
def register(request: HttpRequest) -> list[SystemOut]:
    """Every automated system that affects experts: inputs, weights, version, changes."""
    return [
        SystemOut(
            slug=e.system.slug,
            name=e.system.name,
            purpose=e.system.purpose,
            inputs=list(e.system.inputs),
            parameters=[ParameterOut(**p.__dict__) for p in e.system.parameters],
            feeds=e.system.feeds,
            never=e.system.never,
            version=e.version,
            pending=[_change(c) for c in e.pending],
            history=[_change(c) for c in e.history],
        )
        for e in entries()
    ]


class ChangeIn(Schema):
    system: str
    summary: str
    diff: str
    effective_at: dt.datetime | None = None


@router.post("/operator/register/changes", response={201: ChangeOut})
def announce_change(request: HttpRequest, payload: ChangeIn) -> Status[ChangeOut]:
    user = actor(request)
    change = announce(
        operator=user,
        system=payload.system,
        summary=payload.summary,
        diff=payload.diff,
        effective_at=payload.effective_at,
    )
    return Status(201, _change(change))


class EvidenceOut(Schema):
    label: str
    detail: str
    url: str


class AppealOut(Schema):
    id: int
    status: str
    text: str
    created_at: dt.datetime
    acknowledge_by: dt.datetime
    decide_by: dt.datetime
    acknowledged_at: dt.datetime | None
    decided_at: dt.datetime | None
    outcome: str
    reasons: str
    overdue: bool


class DecisionOut(Schema):
    id: int
    kind: str
    reason_code: str
    definition: str
    rule_version: int
    statement: str
    evidence: list[EvidenceOut]
    status: str
    decided_by_role: str
    project_id: int | None
    created_at: dt.datetime
    effective_at: dt.datetime | None
    appeal: AppealOut | None


def _appeal_out(a: Appeal) -> AppealOut:
    from assay import clock

    now = clock.now()
    overdue = a.status != Appeal.Status.DECIDED and (
        a.decide_by < now or (a.status == Appeal.Status.OPEN and a.acknowledge_by < now)
    )
    return AppealOut(
        id=a.id,
        status=a.status,
        text=a.text,
        created_at=a.created_at,
        acknowledge_by=a.acknowledge_by,
        decide_by=a.decide_by,
        acknowledged_at=a.acknowledged_at,
        decided_at=a.decided_at,
        outcome=a.outcome,
        reasons=a.reasons,
        overdue=overdue,
    )


def _decision_out(d: Decision) -> DecisionOut:
    from assay.domain.governance import code_for

    code = code_for(d.kind, d.reason_code)
    # The reverse one-to-one: prefetched by the list querysets (or cached when the appeal
    # was loaded first), one query otherwise; absent when the decision was never appealed.
    appeal: Appeal | None = getattr(d, "appeal", None)
    return DecisionOut(
        id=d.id,
        kind=d.kind,
        reason_code=d.reason_code,
        definition=code.definition if code else "",
        rule_version=d.rule_version,
        statement=d.statement,
        evidence=[EvidenceOut(**e) for e in d.evidence],
        status=d.status,
        decided_by_role=d.decided_by.get_role_display().lower(),
        project_id=d.project_id,
        created_at=d.created_at,
        effective_at=d.effective_at,
        appeal=_appeal_out(appeal) if appeal else None,
    )


def _my_decisions(user: User) -> Any:
    # A decision awaiting a second operator is not in effect yet; the expert sees it
    # once it takes effect (the statement arrives no later than that).
    return (
        Decision.objects.filter(expert=user)
        .exclude(status=Decision.Status.AWAITING_SIGNOFF)
        .select_related("decided_by")
        .prefetch_related("appeal")
        .order_by("-created_at")
    )


@router.get("/me/decisions", response=list[DecisionOut])
def my_decisions(request: HttpRequest) -> list[DecisionOut]:
    user = actor(request)
    require_expert(user)
    return [_decision_out(d) for d in _my_decisions(user)[:200]]


@router.get("/me/decisions/{decision_id}", response=DecisionOut)
def my_decision(request: HttpRequest, decision_id: int) -> DecisionOut:
    user = actor(request)
    require_expert(user)
    decision = _my_decisions(user).filter(id=decision_id).first()
    if decision is None:
        raise NotFound("No such decision.", code="decision_not_found")
    return _decision_out(decision)


class AppealIn(Schema):
    text: str


@router.post("/me/decisions/{decision_id}/appeal", response={201: AppealOut})
def appeal(request: HttpRequest, decision_id: int, payload: AppealIn) -> Status[AppealOut]:
    user = actor(request)
    require_expert(user)
    if not _my_decisions(user).filter(id=decision_id).exists():
        raise NotFound("No such decision.", code="decision_not_found")
    filed = governance.file_appeal(expert=user, decision_id=decision_id, text=payload.text)
    return Status(201, _appeal_out(filed))


@router.get("/me/data")
def my_data(request: HttpRequest) -> dict[str, Any]:
    """Everything held about you: profile, credentials, judgments, quality, decisions,
    earnings, notifications."""
    return transparency.my_data(actor(request))


class DeleteIn(Schema):
    password: str


@router.post("/me/delete", response={204: None})
def delete_me(request: HttpRequest, payload: DeleteIn) -> Status[None]:
    """Erase your personal data; pseudonymous work and ledger history are kept."""
    transparency.delete_account(expert=actor(request), password=payload.password)
    return Status(204, None)


class RatingIn(Schema):
    clarity: int
    fairness: int
    pay_accuracy: int
    comment: str = ""


class RatingSummaryOut(Schema):
    count: int
    clarity: float | None
    fairness: float | None
    pay_accuracy: float | None


@router.post("/projects/{project_id}/rating", response={201: RatingSummaryOut})
def rate(request: HttpRequest, project_id: int, payload: RatingIn) -> Status[RatingSummaryOut]:
    """Rate the requester of a project you worked on (1 to 5 each)."""
    user = actor(request)
    require_expert(user)
    project = access_project_worked_on(user, project_id)
    transparency.rate_requester(
        expert=user,
        project=project,
        scores={
            "clarity": payload.clarity,
            "fairness": payload.fairness,
            "pay_accuracy": payload.pay_accuracy,
        },
        comment=payload.comment,
    )
    return Status(201, RatingSummaryOut(**transparency.rating_summary([project]).__dict__))


@router.get("/projects/{project_id}/ratings", response=RatingSummaryOut)
def ratings(request: HttpRequest, project_id: int) -> RatingSummaryOut:
    """Experts' average ratings of this project (shown from 3 ratings up)."""
    project = access_project_for_requester(actor(request), project_id)
    return RatingSummaryOut(**transparency.rating_summary([project]).__dict__)


# Operators -----------------------------------------------------------------------------


class DecisionIn(Schema):
    expert_id: int
    kind: str
    reason_code: str
    statement: str
    evidence: list[dict[str, str]] = []
    project_id: int | None = None
    recommendation_id: int | None = None


class OperatorDecisionOut(DecisionOut):
    expert_id: int
    decided_by_id: int
    signed_off_by_id: int | None


def _operator_out(d: Decision) -> OperatorDecisionOut:
    base = _decision_out(d)
    return OperatorDecisionOut(
        **base.dict(),
        expert_id=d.expert_id,
        decided_by_id=d.decided_by_id,
        signed_off_by_id=d.signed_off_by_id,
    )


@router.post("/operator/decisions", response={201: OperatorDecisionOut})
def create_decision(request: HttpRequest, payload: DecisionIn) -> Status[OperatorDecisionOut]:
    """Warn, restrict, suspend or remove an expert, with a listed reason and evidence."""
    user = actor(request)
    require_operator(user)
    expert = access_expert_for_operator(user, str(payload.expert_id))
    project = None
    if payload.project_id is not None:
        project = access_project_for_operator(user, payload.project_id)
    decision = governance.decide(
        operator=user,
        expert=expert,
        kind=payload.kind,
        reason_code=payload.reason_code,
        statement=payload.statement,
        evidence=payload.evidence,
        project=project,
        recommendation_id=payload.recommendation_id,
    )
    return Status(201, _operator_out(decision))


@router.get("/operator/decisions", response=list[OperatorDecisionOut])
def list_decisions(
    request: HttpRequest, status: str = "", expert_id: int | None = None
) -> list[OperatorDecisionOut]:
    require_operator(actor(request))
    rows = (
        Decision.objects.select_related("decided_by")
        .prefetch_related("appeal")
        .order_by("-created_at")
    )
    if status:
        rows = rows.filter(status=status)
    if expert_id is not None:
        rows = rows.filter(expert_id=expert_id)
    return [_operator_out(d) for d in rows[:200]]


@router.post("/operator/decisions/{decision_id}/sign-off", response=OperatorDecisionOut)
def sign_off(request: HttpRequest, decision_id: int) -> OperatorDecisionOut:
    decision = governance.sign_off(operator=actor(request), decision_id=decision_id)
    return _operator_out(decision)


class NoteIn(Schema):
    note: str


@router.post("/operator/decisions/{decision_id}/lift", response=OperatorDecisionOut)
def lift(request: HttpRequest, decision_id: int, payload: NoteIn) -> OperatorDecisionOut:
    decision = governance.lift(operator=actor(request), decision_id=decision_id, note=payload.note)
    return _operator_out(decision)


class OperatorAppealOut(AppealOut):
    decision: OperatorDecisionOut
    assignee_id: int | None


def _operator_appeal(a: Appeal) -> OperatorAppealOut:
    return OperatorAppealOut(
        **_appeal_out(a).dict(),
        decision=_operator_out(a.decision),
        assignee_id=a.assignee_id,
    )


@router.get("/operator/appeals", response=list[OperatorAppealOut])
def list_appeals(request: HttpRequest, open_only: bool = True) -> list[OperatorAppealOut]:
    """Appeals, the most urgent deadline first; ``overdue`` marks missed deadlines."""
    require_operator(actor(request))
    rows = Appeal.objects.select_related("decision__decided_by").order_by("decide_by")
    if open_only:
        rows = rows.exclude(status=Appeal.Status.DECIDED)
    return [_operator_appeal(a) for a in rows[:200]]


@router.post("/operator/appeals/{appeal_id}/acknowledge", response=OperatorAppealOut)
def acknowledge(request: HttpRequest, appeal_id: int) -> OperatorAppealOut:
    return _operator_appeal(governance.acknowledge(operator=actor(request), appeal_id=appeal_id))


class AppealDecisionIn(Schema):
    outcome: str
    reasons: str


@router.post("/operator/appeals/{appeal_id}/decide", response=OperatorAppealOut)
def decide_appeal(
    request: HttpRequest, appeal_id: int, payload: AppealDecisionIn
) -> OperatorAppealOut:
    decided = governance.decide_appeal(
        operator=actor(request),
        appeal_id=appeal_id,
        outcome=payload.outcome,
        reasons=payload.reasons,
    )
    return _operator_appeal(decided)


class RecommendationOut(Schema):
    id: int
    expert_id: int
    source: str
    kind: str
    reason_code: str
    evidence: list[EvidenceOut]
    created_at: dt.datetime
    decision_id: int | None
    dismissed_at: dt.datetime | None


@router.get("/operator/recommendations", response=list[RecommendationOut])
def recommendations(request: HttpRequest) -> list[RecommendationOut]:
    require_operator(actor(request))
    rows = Recommendation.objects.filter(decision__isnull=True, dismissed_at__isnull=True)
    return [
        RecommendationOut(
            id=r.id,
            expert_id=r.expert_id,
            source=r.source,
            kind=r.kind,
            reason_code=r.reason_code,
            evidence=[EvidenceOut(**e) for e in r.evidence],
            created_at=r.created_at,
            decision_id=r.decision_id,
            dismissed_at=r.dismissed_at,
        )
        for r in rows.order_by("-created_at")[:200]
    ]


@router.post("/operator/recommendations/{recommendation_id}/dismiss", response={204: None})
def dismiss(request: HttpRequest, recommendation_id: int) -> Status[None]:
    governance.dismiss(operator=actor(request), recommendation_id=recommendation_id)
    return Status(204, None)


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    summary: dict[str, Any]


@router.get("/operator/audit", response=list[AuditOut])
def audit_log(
    request: HttpRequest,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 100,
) -> list[AuditOut]:
    """The audit log, newest first; filter by action (prefix), object, actor and time."""
    require_operator(actor(request))
    if not 1 <= limit <= MAX_AUDIT:
        raise InvalidInput(f"limit is 1 to {MAX_AUDIT}.", code="invalid_limit")
    rows = AuditEvent.objects.order_by("-at", "-id")
    if action:
        rows = rows.filter(action__startswith=action)
    if object_type:
        rows = rows.filter(object_type=object_type)
    if object_id:
        rows = rows.filter(object_id=object_id)
    if actor_id is not None:
        rows = rows.filter(actor_id=actor_id)
    if since is not None:
        rows = rows.filter(at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    return [
        AuditOut(
            id=e.id,
            at=e.at,
            actor_id=e.actor_id,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            summary=e.summary if isinstance(e.summary, dict) else {"value": e.summary},
        )
        for e in rows[:limit]
    ]


@router.get("/operator/workforce")
def workforce_stats(request: HttpRequest, weeks: int = 12) -> dict[str, Any]:
    """Experts active, hours, earnings distribution, decisions and appeal outcomes per
    week; median effective hourly rate by country; requesters with outlying rejection
    rates."""
    require_operator(actor(request))
    if not 1 <= weeks <= 104:
        raise InvalidInput("weeks is 1 to 104.", code="invalid_weeks")
    stats = workforce(weeks)
    return {
        "weeks": [w.__dict__ for w in stats.weeks],
        "by_country": [c.__dict__ for c in stats.by_country],
        "rejection_outliers": [o.__dict__ for o in transparency.rejection_outliers()],
    }
