"""Expert pages: open projects with pay shown up front, and the task page."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from assay.access import access_lease_by_id, access_project_for_expert
from assay.actions.allocation import claim_next_task
from assay.actions.judgments import submit_judgment
from assay.actions.leases import QueueIsEmpty, extend_lease, return_lease
from assay.actions.quality import gold_feedback
from assay.domain.pay import format_money
from assay.errors import AssayError, InvalidInput
from assay.models import Lease, Project, User
from assay.render import markdown_to_html
from assay.tasktypes import require
from assay.web.util import current_user, expert_view, member_view
from assay.workview import work_overview


def _offer(project: Project) -> dict[str, object]:
    return {
        "project": project,
        "pay": format_money(project.pay_cents, project.currency),
        "rate": format_money(project.hourly_rate_cents, project.currency),
    }


@expert_view
def work(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    states = work_overview(user)
    offers = [_offer(s.project) | {"state": s} for s in states if s.state == "available"]
    others = [_offer(s.project) | {"state": s} for s in states if s.state != "available"]
    context = {"offers": offers, "others": others, "done": user.judgments.count()}
    if not states:
        try:
            claim_next_task(expert=user)
        except QueueIsEmpty as why:
            context["empty"] = why.why
    return render(request, "assay/work.html", context)


@member_view
def task_page(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project_for_expert(current_user(request), project_id)
    context = _offer(project) | {
        "guidelines_html": markdown_to_html(project.guidelines.body) if project.guidelines else "",
        "kind": require(project.task_type),
    }
    return render(request, "assay/task.html", context)


def _task_fragment(
    request: HttpRequest,
    lease: Lease,
    *,
    error: AssayError | None = None,
    values: dict[str, str] | None = None,
    notice: str = "",
) -> HttpResponse:
    kind = require(lease.project.task_type)
    item, config = kind.load_item(lease.item), kind.config_of(lease.project)
    context = kind.form_context(item, config) | {
        "kind": kind,
        "item": item,
        "config": config,
        "lease": lease,
        "project": lease.project,
        "key": (values or {}).get("idempotency_key") or uuid.uuid4().hex,
        "values": values or {},
        "error": error,
        "notice": notice,
        "done": lease.expert.judgments.filter(project=lease.project).count(),
    }
    return render(request, "assay/partials/task.html", context)


def _next(request: HttpRequest, expert: User, project: Project, notice: str = "") -> HttpResponse:
    try:
        lease = claim_next_task(expert=expert, project=project)
    except QueueIsEmpty as empty:
        context = {"empty": empty.why, "project": project, "notice": notice}
        return render(request, "assay/partials/empty.html", context)
    return _task_fragment(request, lease, notice=notice)


@member_view
@require_POST
def next_task(request: HttpRequest, project_id: int) -> HttpResponse:
    user = current_user(request)
    return _next(request, user, access_project_for_expert(user, project_id))


def _active_seconds(text: str) -> int | None:
    return int(text) if text.isdigit() else None


@member_view
@require_POST
def submit(request: HttpRequest, lease_id: int) -> HttpResponse:
    user = current_user(request)
    lease = access_lease_by_id(user, lease_id)
    form = request.POST
    # Every field goes back to the form on an error, so nothing typed is lost.
    values = {k: str(v) for k, v in form.items() if k != "csrfmiddlewaretoken"}
    try:
        answer = require(lease.project.task_type).answer_from_form(form)
        judgment, created = submit_judgment(
            expert=user,
            lease_id=lease.id,
            answer=answer,
            active_seconds=_active_seconds(values.get("active_seconds", "")),
            idempotency_key=values.get("idempotency_key", ""),
        )
    except InvalidInput as error:
        return _task_fragment(request, lease, error=error, values=values)
    except AssayError as error:
        return _next(request, user, lease.project, notice=error.message)
    notice = "Judgment saved." if created else "That judgment was already saved."
    feedback = gold_feedback(judgment)
    if feedback is not None:
        names = {"a": "A", "b": "B", "tie": "a tie"}
        verdict = "You agreed with" if feedback.agreed else "The expected answer was"
        notice += (
            f" That item was a check item. {verdict} {names[feedback.expected]}."
            f" {feedback.rationale}"
        ).rstrip()
    return _next(request, user, lease.project, notice=notice)


@member_view
@require_POST
def give_back(request: HttpRequest, lease_id: int) -> HttpResponse:
    user = current_user(request)
    lease = access_lease_by_id(user, lease_id)
    notice = "Task returned. It will not be offered to you again."
    try:
        return_lease(expert=user, lease_id=lease.id)
    except AssayError as error:
        notice = error.message
    return _next(request, user, lease.project, notice=notice)


@member_view
@require_POST
def heartbeat(request: HttpRequest, lease_id: int) -> HttpResponse:
    extend_lease(expert=current_user(request), lease_id=lease_id)
    return HttpResponse(status=204)
