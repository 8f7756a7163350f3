"""Due-process pages for experts and the public: the decisions about me with their
statements of reasons and appeals, the published rules, and the algorithm register.

An expert sees who decided only by role ("an operator", "the requester"), never another
person's identity. Operators' pages are in governance_ops.py and governance_stats.py;
an expert's own data, account deletion and requester ratings in governance_me.py.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay import clock, register
from assay.access import access_decision_for_expert, decisions_about
from assay.actions import governance
from assay.domain import governance as rules
from assay.errors import AssayError
from assay.models import Appeal, Decision, Judgment, Project, User
from assay.web.money import refuse
from assay.web.util import current_user, expert_view

KIND_LABELS = dict(Decision.Kind.choices)
SAFE_LINK_PREFIXES = ("/", "https://", "http://")


def decider_role(user: User | None) -> str:
    """Who decided, as an expert may learn it: a role, never a person."""
    if user is None:
        return "nobody yet"
    if user.is_staff or user.role == User.Role.OPERATOR:
        return "an operator"
    if user.role == User.Role.REQUESTER:
        return "the requester"
    return "a reviewer"


def evidence_rows(evidence: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Evidence items with links kept only when they point somewhere safe to open."""
    rows = []
    for item in evidence or []:
        url = str(item.get("url", "")).strip()
        rows.append(
            {
                "label": str(item.get("label", "")),
                "detail": str(item.get("detail", "")),
                "url": url if url.startswith(SAFE_LINK_PREFIXES) else "",
                "raw_url": "" if url.startswith(SAFE_LINK_PREFIXES) else url,
            }
        )
    return rows


def reason_of(decision: Decision) -> rules.ReasonCode | None:
    return rules.code_for(decision.kind, decision.reason_code)


def appeal_of(decision: Decision) -> Appeal | None:
    return Appeal.objects.filter(decision=decision).select_related("decided_by").first()


def appeal_facts(appeal: Appeal | None) -> dict[str, Any] | None:
    """An appeal with its deadlines and whether each was kept, for either side's page."""
    if appeal is None:
        return None
    now = clock.now()
    open_ = appeal.status != Appeal.Status.DECIDED
    return {
        "appeal": appeal,
        "ack_late": appeal.status == Appeal.Status.OPEN and appeal.acknowledge_by < now,
        "decide_late": open_ and appeal.decide_by < now,
        "overdue": (appeal.status == Appeal.Status.OPEN and appeal.acknowledge_by < now)
        or (open_ and appeal.decide_by < now),
    }


# Experts --------------------------------------------------------------------------------


@expert_view
def decision_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    decisions = list(decisions_about(user).order_by("-created_at", "-id")[:500])
    appeals = {a.decision_id: a for a in Appeal.objects.filter(decision__in=decisions)}
    worked_on = (
        Project.objects.filter(
            id__in=Judgment.objects.filter(expert=user).values("project_id").distinct()
        )
        .select_related("organization")
        .order_by("name")
    )
    context = {
        "rows": [
            {"decision": d, "reason": reason_of(d), "appeal": appeals.get(d.id)} for d in decisions
        ],
        "worked_on": worked_on,
    }
    return render(request, "assay/governance/decisions.html", context)


def _statement_page(
    request: HttpRequest, decision: Decision, *, text: str = "", status: int = 200
) -> HttpResponse:
    appeal = appeal_of(decision)
    context = {
        "decision": decision,
        "reason": reason_of(decision),
        "evidence": evidence_rows(decision.evidence),
        "decided_by": decider_role(decision.decided_by),
        "signed_off": decision.signed_off_by_id is not None,
        "facts": appeal_facts(appeal),
        "can_appeal": appeal is None
        and decision.status in (Decision.Status.IN_EFFECT, Decision.Status.AWAITING_SIGNOFF),
        "text": text,
        "max_chars": governance.MAX_STATEMENT_CHARS,
        "acknowledge_days": settings.APPEAL_ACKNOWLEDGE_DAYS,
        "decide_days": settings.APPEAL_DECIDE_DAYS,
    }
    return render(request, "assay/governance/decision.html", context, status=status)


@expert_view
def decision_detail(request: HttpRequest, decision_id: int) -> HttpResponse:
    decision = access_decision_for_expert(current_user(request), decision_id)
    return _statement_page(request, decision)


@expert_view
@require_POST
def appeal(request: HttpRequest, decision_id: int) -> HttpResponse:
    user = current_user(request)
    decision = access_decision_for_expert(user, decision_id)
    text = request.POST.get("text", "")
    try:
        filed = governance.file_appeal(expert=user, decision_id=decision.id, text=text)
    except AssayError as error:
        return _statement_page(request, decision, text=text, status=refuse(request, error))
    messages.success(
        request,
        f"Appeal filed. It will be acknowledged by {filed.acknowledge_by:%Y-%m-%d %H:%M} UTC "
        f"and decided with written reasons by {filed.decide_by:%Y-%m-%d %H:%M} UTC.",
    )
    return redirect("decision", decision_id=decision.id)


# Public ---------------------------------------------------------------------------------


def rules_page(request: HttpRequest) -> HttpResponse:
    """The published reason codes for every adverse action, grouped by action."""
    kinds = [
        {"kind": kind, "label": label, "codes": list(rules.BY_KIND.get(kind, {}).values())}
        for kind, label in Decision.Kind.choices
    ]
    context = {
        "kinds": kinds,
        "version": rules.RULES_VERSION,
        "minimum_sample": settings.MIN_EVIDENCE,
        "acknowledge_days": settings.APPEAL_ACKNOWLEDGE_DAYS,
        "decide_days": settings.APPEAL_DECIDE_DAYS,
    }
    return render(request, "assay/governance/rules.html", context)


def register_page(request: HttpRequest) -> HttpResponse:
    """Every automated system that affects experts, with pending changes and history."""
    context = {"entries": register.entries(), "notice_days": settings.NOTICE_DAYS}
    return render(request, "assay/governance/register.html", context)
