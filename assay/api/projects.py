"""Requester endpoints: projects, guidelines, items, publishing, progress, exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from assay.access import (
    access_organization_by_id,
    access_project_for_requester,
    organizations_of,
    projects_for_requester,
    require_requester,
)
from assay.actions import projects as project_actions
from assay.actions.imports import import_uploaded_file
from assay.api.auth import actor
from assay.errors import InvalidInput
from assay.exports.registry import mappings_of_type as export_mappings
from assay.models import Project
from assay.reports import (
    as_jsonl,
    dpo_records,
    dpo_summary,
    judgment_records,
    progress,
)
from assay.tasktypes import all_types
from assay.tasktypes._actions import create_typed_project, set_task_config

router = Router(tags=["projects"])


class ProjectIn(Schema):
    name: str
    description: str = ""
    overlap: int = 3
    pay_cents: int
    estimated_minutes: int
    admission: str = "open"
    pay_mode: str = "task"
    hourly_cap_minutes: int | None = None
    guidelines: str = ""
    organization_id: int | None = None
    # A registered task type (GET /api/projects/task-types) and its settings.
    task_type: str = "pairwise"
    task_config: dict[str, Any] = {}


class TermsIn(Schema):
    name: str
    description: str = ""
    overlap: int
    pay_cents: int
    estimated_minutes: int
    admission: str = "open"
    pay_mode: str = "task"
    hourly_cap_minutes: int | None = None


class ProjectOut(Schema):
    id: int
    organization_id: int
    name: str
    description: str
    task_type: str
    task_config: dict[str, Any] = {}
    status: str
    admission: str
    overlap: int
    pay_mode: str
    pay_cents: int
    hourly_cap_minutes: int | None
    currency: str
    estimated_minutes: int
    hourly_rate_cents: int
    pause_reason: str
    guideline_version: int | None
    domain: str | None
    min_skill_score: int
    required_language: str
    qualification_id: int | None
    content_risks: list[str]
    created_at: dt.datetime
    published_at: dt.datetime | None


class GuidelinesIn(Schema):
    body: str


class GuidelinesOut(Schema):
    version: int
    body: str
    created_at: dt.datetime


class ImportOut(Schema):
    created: int


class ExpertIn(Schema):
    email: str


class ProgressOut(Schema):
    items: int
    done: int
    in_progress: int
    waiting: int
    judgments: int
    active_leases: int
    judgments_last_hour: int
    judgments_per_hour: float


class DpoSummaryOut(Schema):
    pairs: int
    tied: int
    incomplete: int


def project_out(project: Project) -> ProjectOut:
    return ProjectOut(
        id=project.id,
        organization_id=project.organization_id,
        name=project.name,
        description=project.description,
        task_type=project.task_type,
        task_config=project.task_config or {},
        status=project.status,
        admission=project.admission,
        overlap=project.overlap,
        pay_mode=project.pay_mode,
        pay_cents=project.pay_cents,
        hourly_cap_minutes=project.hourly_cap_minutes,
        currency=project.currency,
        estimated_minutes=project.estimated_minutes,
        hourly_rate_cents=project.hourly_rate_cents,
        pause_reason=project.pause_reason,
        guideline_version=project.guidelines.number if project.guidelines else None,
        domain=project.domain.slug if project.domain else None,
        min_skill_score=project.min_skill_score,
        required_language=project.required_language,
        qualification_id=project.qualification_id,
        content_risks=list(project.content_risks or []),
        created_at=project.created_at,
        published_at=project.published_at,
    )


def _terms(payload: ProjectIn | TermsIn) -> project_actions.ProjectTerms:
    return project_actions.ProjectTerms(
        name=payload.name,
        description=payload.description,
        overlap=payload.overlap,
        pay_cents=payload.pay_cents,
        estimated_minutes=payload.estimated_minutes,
        admission=payload.admission,
        pay_mode=payload.pay_mode,
        hourly_cap_minutes=payload.hourly_cap_minutes,
    )


@router.get("", response=list[ProjectOut])
def list_projects(request: HttpRequest) -> list[ProjectOut]:
    require_requester(actor(request))
    projects = projects_for_requester(actor(request)).select_related("guidelines")
    return [project_out(p) for p in projects.order_by("-created_at")]


@router.post("", response={201: ProjectOut})
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[ProjectOut]:
    user = actor(request)
    require_requester(user)
    if payload.organization_id is None:
        organization = organizations_of(user).order_by("id").first()
        if organization is None:
            raise InvalidInput("You belong to no organization.", code="no_organization")
    else:
        organization = access_organization_by_id(user, payload.organization_id)
    project = create_typed_project(
        actor=user,
        organization=organization,
        terms=_terms(payload),
        guidelines=payload.guidelines,
        task_type=payload.task_type,
        task_config=payload.task_config,
    )
    return Status(201, project_out(project))


class TaskTypeOut(Schema):
    code: str
    title: str
    summary: str
    aggregation: str
    item_schema: dict[str, Any]
    answer_schema: dict[str, Any]
    config_schema: dict[str, Any]
    exports: list[str]


@router.get("/task-types", response=list[TaskTypeOut])
def task_types(request: HttpRequest) -> list[TaskTypeOut]:
    """Every registered task type with the JSON Schemas of its items, answers and settings."""
    actor(request)
    return [
        TaskTypeOut(
            code=kind.code,
            title=kind.title,
            summary=kind.summary,
            aggregation=kind.aggregation,
            item_schema=kind.item_schema.model_json_schema(),
            answer_schema=kind.answer_schema.model_json_schema(),
            config_schema=kind.config_schema.model_json_schema(),
            exports=[m.kind for m in export_mappings(kind.code)],
        )
        for kind in all_types()
    ]


class TaskConfigIn(Schema):
    task_config: dict[str, Any]


@router.put("/{project_id}/task-config", response=ProjectOut)
def put_task_config(request: HttpRequest, project_id: int, payload: TaskConfigIn) -> ProjectOut:
    project = access_project_for_requester(actor(request), project_id)
    project = set_task_config(
        actor=actor(request), project=project, task_config=payload.task_config
    )
    return project_out(project)


@router.get("/{project_id}", response=ProjectOut)
def get_project(request: HttpRequest, project_id: int) -> ProjectOut:
    return project_out(access_project_for_requester(actor(request), project_id))


@router.put("/{project_id}", response=ProjectOut)
def update_project(request: HttpRequest, project_id: int, payload: TermsIn) -> ProjectOut:
    project = access_project_for_requester(actor(request), project_id)
    project = project_actions.update_terms(
        actor=actor(request), project=project, terms=_terms(payload)
    )
    return project_out(project)


@router.put("/{project_id}/guidelines", response=GuidelinesOut)
def put_guidelines(request: HttpRequest, project_id: int, payload: GuidelinesIn) -> GuidelinesOut:
    project = access_project_for_requester(actor(request), project_id)
    version = project_actions.revise_guidelines(
        actor=actor(request), project=project, body=payload.body
    )
    return GuidelinesOut(version=version.number, body=version.body, created_at=version.created_at)


@router.post("/{project_id}/items", response={201: ImportOut})
def upload_items(
    request: HttpRequest, project_id: int, file: File[UploadedFile]
) -> Status[ImportOut]:
    project = access_project_for_requester(actor(request), project_id)
    report = import_uploaded_file(actor=actor(request), project=project, upload=file)
    return Status(201, ImportOut(created=report.created))


@router.post("/{project_id}/publish", response=ProjectOut)
def publish(request: HttpRequest, project_id: int) -> ProjectOut:
    project = access_project_for_requester(actor(request), project_id)
    return project_out(project_actions.publish_project(actor=actor(request), project=project))


@router.post("/{project_id}/close", response=ProjectOut)
def close(request: HttpRequest, project_id: int) -> ProjectOut:
    project = access_project_for_requester(actor(request), project_id)
    return project_out(project_actions.close_project(actor=actor(request), project=project))


@router.post("/{project_id}/experts", response={204: None})
def admit(request: HttpRequest, project_id: int, payload: ExpertIn) -> Status[None]:
    project = access_project_for_requester(actor(request), project_id)
    project_actions.admit_expert(actor=actor(request), project=project, email=payload.email)
    return Status(204, None)


@router.get("/{project_id}/progress", response=ProgressOut)
def get_progress(request: HttpRequest, project_id: int) -> ProgressOut:
    project = access_project_for_requester(actor(request), project_id)
    return ProgressOut(**progress(project).as_dict())


def _jsonl_download(records: Iterator[bytes], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(records, content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/{project_id}/exports/judgments.jsonl", response={200: None})
def export_judgments(request: HttpRequest, project_id: int) -> StreamingHttpResponse:
    project = access_project_for_requester(actor(request), project_id)
    return _jsonl_download(
        as_jsonl(judgment_records(project)), f"project-{project.id}-judgments.jsonl"
    )


@router.get("/{project_id}/exports/dpo.jsonl", response={200: None})
def export_dpo(request: HttpRequest, project_id: int) -> StreamingHttpResponse:
    project = access_project_for_requester(actor(request), project_id)
    summary = dpo_summary(project)
    response = _jsonl_download(as_jsonl(dpo_records(project)), f"project-{project.id}-dpo.jsonl")
    response["X-Assay-Pairs"] = str(summary.pairs)
    response["X-Assay-Tied"] = str(summary.tied)
    response["X-Assay-Incomplete"] = str(summary.incomplete)
    return response


@router.get("/{project_id}/exports/dpo/summary", response=DpoSummaryOut)
def export_dpo_summary(request: HttpRequest, project_id: int) -> DpoSummaryOut:
    project = access_project_for_requester(actor(request), project_id)
    return DpoSummaryOut(**dpo_summary(project).as_dict())
