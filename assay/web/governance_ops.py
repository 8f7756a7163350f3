"""Operators' due-process pages: recommendations from automated systems, the decision
form, sign-off under the retaliation guard, lifting, and appeals with their deadlines.

Every change goes through ``assay.actions.governance``; a refused request is shown as a
message with the error's status and changes nothing. Anyone who is not an operator is
told these pages do not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay.access import (
    access_appeal_for_operator,
    access_decision_for_operator,
    access_expert_for_operator,
    access_project_for_operator,
    access_recommendation_for_operator,
)
from assay.actions import governance
from assay.domain import governance as rules
from assay.errors import AssayError, NotFound, raise_for_fields
from assay.models import Appeal, Decision, Project, Recommendation, User
from assay.web.governance import KIND_LABELS, appeal_facts, evidence_rows, reason_of
from assay.web.money import refuse
from assay.web.util import member_view, operator_of

FORM_FIELDS = ("expert", "kind", "reason_code", "statement", "evidence", "project_id")
LIST_LIMIT = 100
APPEAL_ACTIONS = ("acknowledge", "decide")


def parse_evidence(text: str) -> list[dict[str, str]]:
    """One item per line, written ``label | detail | url`` (detail and url optional)."""
    items = []
    for line in text.splitlines():
        if not line.strip():
            continue
        label, detail, url = ([part.strip() for part in line.split("|", 2)] + ["", ""])[:3]
        items.append({"label": label, "detail": detail, "url": url})
    return items


def evidence_text(evidence: list[dict[str, Any]]) -> str:
    return "\n".join(
        " | ".join(str(item.get(k, "")) for k in ("label", "detail", "url")).rstrip(" |")
        for item in evidence
    )


def codes_for(kind: str) -> list[rules.ReasonCode]:
    return list(rules.BY_KIND.get(kind, {}).values()) if kind in governance.OPERATOR_KINDS else []


# Decisions ------------------------------------------------------------------------------


def _prefill(operator: User, request: HttpRequest) -> dict[str, str]:
    """The decision form filled from a recommendation (``?recommendation=<id>``)."""
    ref = request.GET.get("recommendation", "")
    if not ref.isdigit():
        return {"kind": request.GET.get("kind", "warn")}
    rec = access_recommendation_for_operator(operator, int(ref))
    return {
        "expert": str(rec.expert_id),
        "kind": rec.kind,
        "reason_code": rec.reason_code,
        "evidence": evidence_text(rec.evidence),
        "recommendation_id": str(rec.id),
    }


def _decisions_page(
    request: HttpRequest,
    operator: User,
    *,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    values = values if values is not None else _prefill(operator, request)
    recommendations = (
        Recommendation.objects.filter(decision__isnull=True, dismissed_at__isnull=True)
        .select_related("expert")
        .order_by("-created_at", "-id")[:LIST_LIMIT]
    )
    decisions = Decision.objects.select_related("expert", "decided_by", "project")
    context = {
        "operator": operator,
        "recommendations": [
            {"rec": r, "evidence": evidence_rows(r.evidence), "label": KIND_LABELS.get(r.kind)}
            for r in recommendations
        ],
        "awaiting": decisions.filter(status=Decision.Status.AWAITING_SIGNOFF).order_by(
            "created_at", "id"
        ),
        "in_effect": decisions.filter(
            status=Decision.Status.IN_EFFECT, kind__in=governance.OPERATOR_KINDS
        ).order_by("-created_at", "-id")[:LIST_LIMIT],
        "kinds": [(k, KIND_LABELS[k]) for k in governance.OPERATOR_KINDS],
        "codes": codes_for(values.get("kind", "warn")),
        "values": values,
    }
    return render(request, "assay/governance/ops_decisions.html", context, status=status)


@member_view
def ops_decisions(request: HttpRequest) -> HttpResponse:
    return _decisions_page(request, operator_of(request))


@member_view
def ops_reason_codes(request: HttpRequest) -> HttpResponse:
    """The reason-code options for the kind chosen in the decision form (htmx)."""
    operator_of(request)
    context = {"codes": codes_for(request.GET.get("kind", "")), "values": {}}
    return render(request, "assay/governance/partials/reason_codes.html", context)


def _decide(operator: User, form: dict[str, str]) -> Decision:
    if not form["expert"].strip():
        raise_for_fields({"expert": "enter the expert's id or email"})
    expert = access_expert_for_operator(operator, form["expert"])
    project: Project | None = None
    if form["project_id"].strip():
        if not form["project_id"].strip().isdigit():
            raise_for_fields({"project_id": "enter the project's number"})
        project = access_project_for_operator(operator, int(form["project_id"]))
    rec = form.get("recommendation_id", "")
    return governance.decide(
        operator=operator,
        expert=expert,
        kind=form["kind"],
        reason_code=form["reason_code"],
        statement=form["statement"],
        evidence=parse_evidence(form["evidence"]),
        project=project,
        recommendation_id=int(rec) if rec.isdigit() else None,
    )


@member_view
@require_POST
def ops_decide(request: HttpRequest) -> HttpResponse:
    operator = operator_of(request)
    form = {name: request.POST.get(name, "") for name in (*FORM_FIELDS, "recommendation_id")}
    try:
        decision = _decide(operator, form)
    except AssayError as error:
        status = refuse(request, error)
        return _decisions_page(request, operator, values=form, status=status)
    if decision.status == Decision.Status.AWAITING_SIGNOFF:
        messages.success(
            request,
            f"Decision #{decision.id} recorded. The expert appealed or complained in the last "
            "30 days, so it takes effect only when a second operator signs it off.",
        )
    else:
        messages.success(
            request,
            f"Decision #{decision.id} is in effect; the expert has the statement of reasons.",
        )
    return redirect("ops-decisions")


def _decision_post(request: HttpRequest, decision_id: int, action: str) -> HttpResponse:
    operator = operator_of(request)
    decision = access_decision_for_operator(operator, decision_id)
    try:
        if action == "sign_off":
            governance.sign_off(operator=operator, decision_id=decision.id)
            done = f"Decision #{decision.id} signed off; it is in effect now."
        else:
            governance.lift(
                operator=operator, decision_id=decision.id, note=request.POST.get("note", "")
            )
            done = f"Decision #{decision.id} lifted; the expert is told why."
    except AssayError as error:
        return _decisions_page(request, operator, values={}, status=refuse(request, error))
    messages.success(request, done)
    return redirect("ops-decisions")


@member_view
@require_POST
def ops_sign_off(request: HttpRequest, decision_id: int) -> HttpResponse:
    return _decision_post(request, decision_id, "sign_off")


@member_view
@require_POST
def ops_lift(request: HttpRequest, decision_id: int) -> HttpResponse:
    return _decision_post(request, decision_id, "lift")


@member_view
@require_POST
def ops_dismiss(request: HttpRequest, recommendation_id: int) -> HttpResponse:
    operator = operator_of(request)
    rec = access_recommendation_for_operator(operator, recommendation_id)
    governance.dismiss(operator=operator, recommendation_id=rec.id)
    messages.success(
        request, f"Recommendation #{rec.id} dismissed; nothing changes for the expert."
    )
    return redirect("ops-decisions")


# Appeals --------------------------------------------------------------------------------


@member_view
def ops_appeals(request: HttpRequest) -> HttpResponse:
    operator = operator_of(request)
    overdue = governance.overdue_appeal_ids()
    base = Appeal.objects.select_related("decision", "expert", "assignee")
    open_appeals = base.exclude(status=Appeal.Status.DECIDED).order_by("decide_by", "id")
    decided = base.filter(status=Appeal.Status.DECIDED).order_by("-decided_at", "-id")
    context = {
        "operator": operator,
        "open": [(a, a.id in overdue) for a in open_appeals[:LIST_LIMIT]],
        "decided": decided[:LIST_LIMIT],
        "overdue_count": len(overdue),
    }
    return render(request, "assay/governance/ops_appeals.html", context)


def _appeal_page(
    request: HttpRequest,
    operator: User,
    appeal: Appeal,
    *,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    decision = appeal.decision
    context = {
        "operator": operator,
        "appeal": appeal,
        "decision": decision,
        "reason": reason_of(decision),
        "evidence": evidence_rows(decision.evidence),
        "facts": appeal_facts(appeal),
        "own_decision": decision.decided_by_id == operator.id,
        "outcomes": Appeal.Outcome.choices,
        "values": values or {},
    }
    return render(request, "assay/governance/ops_appeal.html", context, status=status)


@member_view
def ops_appeal(request: HttpRequest, appeal_id: int) -> HttpResponse:
    operator = operator_of(request)
    return _appeal_page(request, operator, access_appeal_for_operator(operator, appeal_id))


@member_view
@require_POST
def ops_appeal_action(request: HttpRequest, appeal_id: int, action: str) -> HttpResponse:
    operator = operator_of(request)
    appeal = access_appeal_for_operator(operator, appeal_id)
    if action not in APPEAL_ACTIONS:
        raise NotFound("No such page.")
    form = {name: request.POST.get(name, "") for name in ("outcome", "reasons")}
    try:
        if action == "acknowledge":
            governance.acknowledge(operator=operator, appeal_id=appeal.id)
            done = "Appeal acknowledged; the expert is told it is being reviewed."
        else:
            decided = governance.decide_appeal(operator=operator, appeal_id=appeal.id, **form)
            done = (
                "Decision reversed: its effect is undone and the expert has your reasons."
                if decided.outcome == Appeal.Outcome.REVERSED
                else "Decision upheld; the expert has your reasons."
            )
    except AssayError as error:
        status = refuse(request, error)
        fresh = access_appeal_for_operator(operator, appeal.id)
        return _appeal_page(request, operator, fresh, values=form, status=status)
    messages.success(request, done)
    return redirect("ops-appeal", appeal_id=appeal.id)
