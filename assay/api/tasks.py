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
from assay.tasktypes import require

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
    """Pairwise items fill the text fields; every other type sends its item in ``data``
    (the type's item schema, docs/tasktypes/) and an empty ``response_a``/``response_b``."""

    prompt: str
    response_a: str = ""
    response_b: str = ""
    prompt_html: str
    response_a_html: str = ""
    response_b_html: str = ""
    data: dict[str, Any] = {}


class TaskOut(Schema):
    lease_id: int
    expires_at: dt.datetime
    project: OpenProjectOut
    guideline_version: int | None
    task_type: str = "pairwise"
    task_config: dict[str, Any] = {}
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
    """``answer`` is the task type's judgment (docs/tasktypes/); pairwise may instead send
    ``choice``, ``strength`` and ``rationale`` at the top level, as before."""

    choice: str = ""
    strength: int | None = None
    rationale: str = ""
    answer: dict[str, Any] | None = None
    active_seconds: int | None = None
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
    answer: dict[str, Any]
    guideline_version: int
    active_seconds: int | None = None
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


def _item_out(lease: Lease) -> ItemOut:
    item = lease.item
    if lease.project.task_type == "pairwise":
        return ItemOut(
            prompt=item.prompt,
            response_a=item.response_a,
            response_b=item.response_b,
            prompt_html=markdown_to_html(item.prompt),
            response_a_html=markdown_to_html(item.response_a),
            response_b_html=markdown_to_html(item.response_b),
        )
    return ItemOut(prompt=item.prompt, prompt_html=markdown_to_html(item.prompt), data=item.data)


def task_out(lease: Lease) -> TaskOut:
    project = lease.project
    return TaskOut(
        lease_id=lease.id,
        expires_at=lease.expires_at,
        project=open_project_out(project),
        guideline_version=project.guidelines.number if project.guidelines else None,
        task_type=project.task_type,
        task_config=project.task_config or {},
        item=_item_out(lease),
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
        answer=payload.answer,
        choice=payload.choice,
        strength=payload.strength,
        rationale=payload.rationale,
        active_seconds=payload.active_seconds,
        idempotency_key=payload.idempotency_key,
    )
    kind = require(judgment.project.task_type)
    out = JudgmentOut(
        id=judgment.id,
        lease_id=judgment.lease_id,
        choice=judgment.choice,
        strength=judgment.strength,
        rationale=judgment.rationale,
        answer=kind.load_answer(judgment).model_dump(mode="json"),
        guideline_version=judgment.guidelines.number,
        active_seconds=judgment.active_seconds,
        created_at=judgment.created_at,
        replayed=not created,
        gold_feedback=_feedback(judgment),
    )
    return Status(201 if created else 200, out)
