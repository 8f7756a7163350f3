"""Expert endpoints: open projects, the next task, heartbeats, returns, judgments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from assay.access import access_project_for_expert, projects_open_to, require_expert
from assay.actions.allocation import claim_next_task
from assay.actions.judgments import submit_judgment
from assay.actions.leases import QueueIsEmpty, extend_lease, return_lease
from assay.actions.quality import gold_feedback
from assay.api.auth import actor
from assay.models import Judgment, Lease, Project
from assay.render import markdown_to_html

router = Router(tags=["tasks"])


class OpenProjectOut(Schema):
    id: int
    name: str
    description: str
    pay_cents: int
    currency: str
    estimated_minutes: int
    hourly_rate_cents: int


class ItemOut(Schema):
    prompt: str
    response_a: str
    response_b: str
    prompt_html: str
    response_a_html: str
    response_b_html: str


class TaskOut(Schema):
    lease_id: int
    expires_at: dt.datetime
    project: OpenProjectOut
    guideline_version: int | None
    item: ItemOut


class EmptyOut(Schema):
    code: str
    message: str
    retry_at: dt.datetime | None
    details: list[dict[str, Any]] = []


class NextOut(Schema):
    task: TaskOut | None
    empty: EmptyOut | None


class NextIn(Schema):
    project_id: int | None = None


class JudgmentIn(Schema):
    choice: str
    strength: int | None = None
    rationale: str
    idempotency_key: str


class GoldFeedbackOut(Schema):
    expected: str
    rationale: str
    agreed: bool


class JudgmentOut(Schema):
    id: int
    lease_id: int
    choice: str
    strength: int | None
    rationale: str
    guideline_version: int
    created_at: dt.datetime
    replayed: bool
    gold_feedback: GoldFeedbackOut | None = None


def open_project_out(project: Project) -> OpenProjectOut:
    return OpenProjectOut(
        id=project.id,
        name=project.name,
        description=project.description,
        pay_cents=project.pay_cents,
        currency=project.currency,
        estimated_minutes=project.estimated_minutes,
        hourly_rate_cents=project.hourly_rate_cents,
    )


def task_out(lease: Lease) -> TaskOut:
    item = lease.item
    project = lease.project
    return TaskOut(
        lease_id=lease.id,
        expires_at=lease.expires_at,
        project=open_project_out(project),
        guideline_version=project.guidelines.number if project.guidelines else None,
        item=ItemOut(
            prompt=item.prompt,
            response_a=item.response_a,
            response_b=item.response_b,
            prompt_html=markdown_to_html(item.prompt),
            response_a_html=markdown_to_html(item.response_a),
            response_b_html=markdown_to_html(item.response_b),
        ),
    )


def _feedback(judgment: Judgment) -> GoldFeedbackOut | None:
    feedback = gold_feedback(judgment)
    if feedback is None:
        return None
    return GoldFeedbackOut(
        expected=feedback.expected, rationale=feedback.rationale, agreed=feedback.agreed
    )


@router.get("/projects", response=list[OpenProjectOut])
def open_projects(request: HttpRequest) -> list[OpenProjectOut]:
    require_expert(actor(request))
    projects = projects_open_to(actor(request)).order_by("published_at", "id")
    return [open_project_out(project) for project in projects]


@router.post("/next", response=NextOut)
def next_task(request: HttpRequest, payload: NextIn | None = None) -> NextOut:
    user = actor(request)
    project = None
    if payload is not None and payload.project_id is not None:
        project = access_project_for_expert(user, payload.project_id)
    try:
        lease = claim_next_task(expert=user, project=project)
    except QueueIsEmpty as empty:
        why = empty.why
        empty_out = EmptyOut(
            code=why.code, message=why.message, retry_at=why.retry_at, details=why.details
        )
        return NextOut(task=None, empty=empty_out)
    return NextOut(task=task_out(lease), empty=None)


@router.post("/{lease_id}/heartbeat", response=TaskOut)
def heartbeat(request: HttpRequest, lease_id: int) -> TaskOut:
    return task_out(extend_lease(expert=actor(request), lease_id=lease_id))


@router.post("/{lease_id}/return", response={204: None})
def give_back(request: HttpRequest, lease_id: int) -> Status[None]:
    return_lease(expert=actor(request), lease_id=lease_id)
    return Status(204, None)


@router.post("/{lease_id}/judgment", response={201: JudgmentOut, 200: JudgmentOut})
def judge(request: HttpRequest, lease_id: int, payload: JudgmentIn) -> Status[JudgmentOut]:
    judgment, created = submit_judgment(
        expert=actor(request),
        lease_id=lease_id,
        choice=payload.choice,
        strength=payload.strength,
        rationale=payload.rationale,
        idempotency_key=payload.idempotency_key,
    )
    out = JudgmentOut(
        id=judgment.id,
        lease_id=judgment.lease_id,
        choice=judgment.choice,
        strength=judgment.strength,
        rationale=judgment.rationale,
        guideline_version=judgment.guidelines.number,
        created_at=judgment.created_at,
        replayed=not created,
        gold_feedback=_feedback(judgment),
    )
    return Status(201 if created else 200, out)
