"""Model endpoints of an organization and the log of their calls (docs/models-in-the-loop.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from assay.access import (
    access_organization_by_id,
    access_project_for_requester,
    require_requester,
)
from assay.actions import endpoints, generate
from assay.api.auth import actor
from assay.errors import NotFound
from assay.models import GenerationRun, ModelCall, ModelEndpoint, User

router = Router(tags=["model endpoints"])
CALL_LIMIT = 200


class EndpointIn(Schema):
    name: str
    base_url: str
    model: str
    secret: str = ""
    timeout_seconds: int = 60
    requests_per_minute: int = 60
    parameters: dict[str, Any] = Field(default_factory=dict)


class SecretIn(Schema):
    secret: str


class EndpointOut(Schema):
    id: int
    organization_id: int
    name: str
    base_url: str
    model: str
    has_secret: bool
    secret_hint: str
    timeout_seconds: int
    requests_per_minute: int
    parameters: dict[str, Any]
    created_at: dt.datetime
    disabled_at: dt.datetime | None


class CallOut(Schema):
    id: int
    purpose: str
    model: str
    status: str
    error: str
    latency_ms: int
    prompt_tokens: int | None
    completion_tokens: int | None
    project_id: int | None
    item_id: int | None
    created_at: dt.datetime


def endpoint_out(endpoint: ModelEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "organization_id": endpoint.organization_id,
        "name": endpoint.name,
        "base_url": endpoint.base_url,
        "model": endpoint.model,
        "has_secret": bool(endpoint.secret_encrypted),
        "secret_hint": endpoint.secret_hint,
        "timeout_seconds": endpoint.timeout_seconds,
        "requests_per_minute": endpoint.requests_per_minute,
        "parameters": endpoint.parameters,
        "created_at": endpoint.created_at,
        "disabled_at": endpoint.disabled_at,
    }


def _endpoint(user: User, organization_id: int, endpoint_id: int) -> ModelEndpoint:
    endpoint = endpoints.access_endpoint_by_id(user, endpoint_id)
    if endpoint.organization_id != organization_id:
        raise NotFound("No such model endpoint.", code="endpoint_not_found")
    return endpoint


@router.get("/organizations/{organization_id}/endpoints", response=list[EndpointOut])
def list_endpoints(request: HttpRequest, organization_id: int) -> list[dict[str, Any]]:
    user = actor(request)
    require_requester(user)
    organization = access_organization_by_id(user, organization_id)
    rows = ModelEndpoint.objects.filter(organization=organization).order_by("name")
    return [endpoint_out(e) for e in rows]


@router.post("/organizations/{organization_id}/endpoints", response={201: EndpointOut})
def create(request: HttpRequest, organization_id: int, payload: EndpointIn) -> Status[Any]:
    """Add an endpoint. The secret is stored encrypted and only its last 4 characters shown."""
    user = actor(request)
    require_requester(user)
    organization = access_organization_by_id(user, organization_id)
    spec = endpoints.EndpointSpec(**payload.dict())
    made = endpoints.create_endpoint(actor=user, organization=organization, spec=spec)
    return Status(201, endpoint_out(made))


@router.post(
    "/organizations/{organization_id}/endpoints/{endpoint_id}/disable", response=EndpointOut
)
def disable(request: HttpRequest, organization_id: int, endpoint_id: int) -> dict[str, Any]:
    user = actor(request)
    endpoint = _endpoint(user, organization_id, endpoint_id)
    return endpoint_out(endpoints.set_disabled(actor=user, endpoint=endpoint, disabled=True))


@router.post(
    "/organizations/{organization_id}/endpoints/{endpoint_id}/enable", response=EndpointOut
)
def enable(request: HttpRequest, organization_id: int, endpoint_id: int) -> dict[str, Any]:
    user = actor(request)
    endpoint = _endpoint(user, organization_id, endpoint_id)
    return endpoint_out(endpoints.set_disabled(actor=user, endpoint=endpoint, disabled=False))


@router.put("/organizations/{organization_id}/endpoints/{endpoint_id}/secret", response=EndpointOut)
def secret(
    request: HttpRequest, organization_id: int, endpoint_id: int, payload: SecretIn
) -> dict[str, Any]:
    user = actor(request)
    endpoint = _endpoint(user, organization_id, endpoint_id)
    changed = endpoints.replace_secret(actor=user, endpoint=endpoint, secret=payload.secret)
    return endpoint_out(changed)


@router.get(
    "/organizations/{organization_id}/endpoints/{endpoint_id}/calls", response=list[CallOut]
)
def calls(request: HttpRequest, organization_id: int, endpoint_id: int) -> list[ModelCall]:
    """The latest calls to the endpoint: purpose, status, latency and tokens."""
    endpoint = _endpoint(actor(request), organization_id, endpoint_id)
    return list(ModelCall.objects.filter(endpoint=endpoint).order_by("-id")[:CALL_LIMIT])


# Generating candidate responses ----------------------------------------------------------


class PromptIn(Schema):
    id: str = ""
    prompt: str


class GenerationIn(Schema):
    endpoints: list[str]
    prompts: list[PromptIn]


class GenerationOut(Schema):
    id: int
    project_id: int
    status: str
    prompts: int
    finished: int
    items_created: int
    failures: list[dict[str, Any]]
    created_at: dt.datetime
    finished_at: dt.datetime | None


def generation_out(run: GenerationRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "project_id": run.project_id,
        "status": run.status,
        "prompts": len(run.prompts),
        "finished": run.finished_count,
        "items_created": run.items_created,
        "failures": run.failures,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


@router.post("/projects/{project_id}/generations", response={201: GenerationOut})
def start_generation(request: HttpRequest, project_id: int, payload: GenerationIn) -> Status[Any]:
    """Start asking the endpoints for candidate responses; advance the run to do the work."""
    user = actor(request)
    project = access_project_for_requester(user, project_id)
    lines = [json.dumps(p.dict()) for p in payload.prompts]
    run = generate.start_run(
        actor=user,
        project=project,
        endpoint_names=payload.endpoints,
        prompts=generate.parse_prompts(lines),
    )
    return Status(201, generation_out(run))


@router.get("/generations/{run_id}", response=GenerationOut)
def generation(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return generation_out(generate.access_run_by_id(actor(request), run_id))


@router.post("/generations/{run_id}/advance", response=GenerationOut)
def advance_generation(request: HttpRequest, run_id: int, limit: int = 5) -> dict[str, Any]:
    """Work through up to ``limit`` (1 to 20) more prompts, then report progress."""
    run = generate.access_run_by_id(actor(request), run_id)
    return generation_out(generate.advance(run, limit=max(1, min(limit, 20))))


# AI pre-grading -------------------------------------------------------------------------


class JudgeIn(Schema):
    endpoint: str
    instructions: str = ""


class JudgeOut(Schema):
    project_id: int
    endpoint: str
    model: str
    instructions: str


class PregradeOut(Schema):
    graded: int
    failed: int
    remaining: int
    failures: list[dict[str, str]]


@router.put("/projects/{project_id}/judge", response=JudgeOut)
def set_judge(request: HttpRequest, project_id: int, payload: JudgeIn) -> dict[str, Any]:
    """Choose the judge model that pre-grades this project's items for reviewers."""
    user = actor(request)
    project = access_project_for_requester(user, project_id)
    judge = endpoints.set_judge(
        actor=user,
        project=project,
        endpoint_name=payload.endpoint,
        instructions=payload.instructions,
    )
    return {
        "project_id": project.id,
        "endpoint": judge.endpoint.name,
        "model": judge.endpoint.model,
        "instructions": judge.instructions,
    }


@router.delete("/projects/{project_id}/judge", response={204: None})
def clear_judge(request: HttpRequest, project_id: int) -> Status[None]:
    user = actor(request)
    endpoints.clear_judge(actor=user, project=access_project_for_requester(user, project_id))
    return Status(204, None)


@router.post("/projects/{project_id}/judge/run", response=PregradeOut)
def run_judge(request: HttpRequest, project_id: int, limit: int = 20) -> Any:
    """Pre-grade up to ``limit`` (1 to 100) items the judge has not graded yet."""
    project = access_project_for_requester(actor(request), project_id)
    return endpoints.pregrade(project=project, limit=max(1, min(limit, 100)))
