"""Requester endpoints that tune a project and look into it: requirements, pool,
allocation and quality settings, gold items, item traces and quality snapshots."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from assay import quality_report
from assay.access import access_item, access_project_for_requester
from assay.actions import projects as project_actions
from assay.actions.pools import pool_report
from assay.api.auth import actor
from assay.api.projects import ProjectOut, project_out
from assay.eligibility import blocked_by, eligible_experts
from assay.models import Project
from assay.reports import item_trace

router = Router(tags=["projects"])


class RequirementsIn(Schema):
    domain: str = ""
    min_skill_score: int = 0
    required_language: str = ""
    qualification_id: int | None = None
    content_risks: list[str] = []


class PoolOut(Schema):
    eligible: int
    admitted: int
    waitlisted: int
    active_this_week: int
    capacity: int
    work_hours_available: float
    active_now: int
    blocked_by: dict[str, int]


@router.put("/{project_id}/requirements", response=ProjectOut)
def put_requirements(request: HttpRequest, project_id: int, payload: RequirementsIn) -> ProjectOut:
    project = access_project_for_requester(actor(request), project_id)
    update = project_actions.RequirementsUpdate(
        domain=payload.domain,
        min_skill_score=payload.min_skill_score,
        required_language=payload.required_language,
        qualification_id=payload.qualification_id,
        content_risks=tuple(payload.content_risks),
    )
    project = project_actions.set_requirements(actor=actor(request), project=project, update=update)
    return project_out(project)


@router.get("/{project_id}/pool", response=PoolOut)
def get_pool(request: HttpRequest, project_id: int) -> PoolOut:
    project = access_project_for_requester(actor(request), project_id)
    eligible = sum(1 for _ in eligible_experts(project))
    report = pool_report(project, eligible=eligible, blocked_by=blocked_by(project))
    return PoolOut(**asdict(report))


class TraceEntryOut(Schema):
    expert: str
    leased_at: dt.datetime
    expires_at: dt.datetime
    closed_at: dt.datetime | None
    outcome: str
    choice: str | None
    strength: int | None


class ItemTraceOut(Schema):
    item_id: str
    is_gold: bool
    overlap: int
    judgments: int
    reserved: int
    leases: list[TraceEntryOut]


@router.get("/{project_id}/items/{external_id}/trace", response=ItemTraceOut)
def get_item_trace(request: HttpRequest, project_id: int, external_id: str) -> ItemTraceOut:
    project = access_project_for_requester(actor(request), project_id)
    item = access_item(project, external_id)
    return ItemTraceOut(
        item_id=item.external_id,
        is_gold=item.is_gold,
        overlap=item.target_overlap or project.overlap,
        judgments=item.judgment_count,
        reserved=item.reserved,
        leases=[TraceEntryOut(**entry) for entry in item_trace(item)],
    )


class GoldIn(Schema):
    answer: str
    rationale: str = ""


@router.put("/{project_id}/items/{external_id}/gold", response=ItemTraceOut)
def put_gold(
    request: HttpRequest, project_id: int, external_id: str, payload: GoldIn
) -> ItemTraceOut:
    """Mark an item as gold (answer a, b or tie) or unmark it (answer "")."""
    project = access_project_for_requester(actor(request), project_id)
    item = access_item(project, external_id)
    project_actions.set_gold(
        actor=actor(request), item=item, answer=payload.answer, rationale=payload.rationale
    )
    return get_item_trace(request, project_id, external_id)


class AllocationIn(Schema):
    priority: int = 0
    deadline: dt.datetime | None = None
    gold_rate: float = 0.0
    gold_feedback: bool = True
    daily_cap_per_expert: int | None = None
    cap_per_expert: int | None = None
    adaptive: bool = False
    adaptive_max: int = 7
    confidence_target: float = 0.95
    review_rate: float = 0.0
    review_pay_cents: int = 0


@router.put("/{project_id}/allocation", response=AllocationIn)
def put_allocation(request: HttpRequest, project_id: int, payload: AllocationIn) -> AllocationIn:
    """Priority, deadline, gold rate and feedback, caps, and adaptive redundancy."""
    project = access_project_for_requester(actor(request), project_id)
    project = project_actions.set_allocation(
        actor=actor(request),
        project=project,
        settings_=project_actions.AllocationSettings(**payload.model_dump()),
    )
    return AllocationIn(**{name: getattr(project, name) for name in AllocationIn.model_fields})


class QualityOut(Schema):
    computed_at: dt.datetime | None
    judgments: int
    data: dict[str, Any]
    history: list[list[Any]]


def _quality_out(project: Project) -> QualityOut:
    snapshots = list(project.snapshots.order_by("computed_at", "id"))
    history = [[s.computed_at.isoformat(), s.data.get("alpha")] for s in snapshots]
    last = snapshots[-1] if snapshots else None
    return QualityOut(
        computed_at=last.computed_at if last else None,
        judgments=last.judgment_count if last else 0,
        data=last.data if last else {},
        history=history,
    )


@router.get("/{project_id}/quality", response=QualityOut)
def get_quality(request: HttpRequest, project_id: int) -> QualityOut:
    """The latest quality snapshot and the agreement history (alpha over time)."""
    return _quality_out(access_project_for_requester(actor(request), project_id))


@router.post("/{project_id}/quality/refresh", response=QualityOut)
def refresh_quality(request: HttpRequest, project_id: int) -> QualityOut:
    project = access_project_for_requester(actor(request), project_id)
    quality_report.refresh(project)
    return _quality_out(project)
