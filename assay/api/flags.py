"""Low-effort signals for requesters: list a project's flags and resolve them."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from assay.access import access_project_for_requester, flag_of
from assay.actions.signals import project_flags, resolve_flag
from assay.api.auth import actor
from assay.models import ExpertProfile, Flag

router = Router(tags=["quality"])

MAX_LIMIT = 1000


class FlagOut(Schema):
    id: int
    judgment_id: int
    item_id: str
    expert: str
    kind: str
    kind_label: str
    detail: str
    created_at: dt.datetime
    open: bool
    resolved_at: dt.datetime | None
    resolved_by: str | None
    resolution: str


class ResolveIn(Schema):
    resolution: str


def pseudonym(flag: Flag) -> str:
    try:
        return flag.judgment.expert.expert_profile.pseudonym
    except ExpertProfile.DoesNotExist:
        return ""


def flag_out(flag: Flag) -> FlagOut:
    return FlagOut(
        id=flag.id,
        judgment_id=flag.judgment_id,
        item_id=flag.judgment.item.external_id,
        expert=pseudonym(flag),
        kind=flag.kind,
        kind_label=flag.get_kind_display(),
        detail=flag.detail,
        created_at=flag.created_at,
        open=flag.resolved_at is None,
        resolved_at=flag.resolved_at,
        resolved_by=flag.resolved_by.email if flag.resolved_by else None,
        resolution=flag.resolution,
    )


@router.get("/projects/{project_id}/flags", response=list[FlagOut])
def list_flags(
    request: HttpRequest, project_id: int, limit: int = 200, offset: int = 0
) -> list[FlagOut]:
    """Open flags first (newest first), then resolved ones (most recently resolved first).

    ``limit`` is capped at 1000; page on with ``offset``."""
    project = access_project_for_requester(actor(request), project_id)
    start = max(offset, 0)
    flags = project_flags(project)[start : start + min(max(limit, 1), MAX_LIMIT)]
    return [flag_out(flag) for flag in flags]


@router.post("/projects/{project_id}/flags/{flag_id}/resolve", response=FlagOut)
def resolve(request: HttpRequest, project_id: int, flag_id: int, payload: ResolveIn) -> FlagOut:
    project = access_project_for_requester(actor(request), project_id)
    flag = resolve_flag(
        actor=actor(request), flag=flag_of(project, flag_id), resolution=payload.resolution
    )
    return flag_out(project_flags(project).get(id=flag.id))
