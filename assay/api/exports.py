"""Exports, their data cards and history; project licences; experts' contributions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Router, Schema, Status

from assay.access import access_project_for_requester, require_expert
from assay.actions import exports as export_actions
from assay.api.auth import actor
from assay.exports.containers import CONTENT_TYPES
from assay.exports.contributions import contributions_of
from assay.exports.licences import LICENCES
from assay.exports.registry import mappings_for
from assay.models import ExportRecord

router = Router(tags=["exports"])


class ExportIn(Schema):
    kind: str
    container: str = "jsonl"
    granularity: str | None = None
    conversational: bool = False
    min_confidence: float = 0.0
    include_gold: bool = False
    provenance: bool = True
    licence: str = ""


class ExportOut(Schema):
    id: int
    project_id: int
    kind: str
    container: str
    options: dict[str, Any]
    licence: str
    records: int
    judgments: int
    royalty_cents: int
    max_judgment_id: int
    created_at: dt.datetime
    created_by: str
    download: str
    data_card: str


class KindOut(Schema):
    kind: str
    title: str
    description: str
    granularities: list[str]


class LicenceIn(Schema):
    licence: str
    terms: str = ""
    royalty_cents: int = 0


class LicenceOut(Schema):
    licence: str
    name: str
    terms: str
    royalty_cents: int


class CreditIn(Schema):
    named_credit: bool
    credit_name: str = ""
    reuse_consent: bool = False


def export_out(record: ExportRecord) -> ExportOut:
    return ExportOut(
        id=record.id,
        project_id=record.project_id,
        kind=record.kind,
        container=record.container,
        options=record.options,
        licence=record.licence,
        records=record.record_count,
        judgments=record.judgment_count,
        royalty_cents=record.royalty_cents,
        max_judgment_id=record.max_judgment_id,
        created_at=record.created_at,
        created_by=record.created_by.email,
        download=f"/api/v1/exports/{record.id}/download",
        data_card=f"/api/v1/exports/{record.id}/card",
    )


def download_response(record: ExportRecord) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        export_actions.stream(record), content_type=CONTENT_TYPES[record.container]
    )
    response["Content-Disposition"] = f'attachment; filename="{export_actions.file_name(record)}"'
    response["X-Assay-Records"] = str(record.record_count)
    return response


@router.get("/projects/{project_id}/exports", response=list[ExportOut])
def list_exports(request: HttpRequest, project_id: int) -> list[ExportOut]:
    project = access_project_for_requester(actor(request), project_id)
    records = project.exports.select_related("created_by").order_by("-created_at", "-id")
    return [export_out(r) for r in records[:200]]


@router.post("/projects/{project_id}/exports", response={201: ExportOut})
def create_export(request: HttpRequest, project_id: int, payload: ExportIn) -> Status[ExportOut]:
    project = access_project_for_requester(actor(request), project_id)
    options = payload.dict(exclude_none=True)
    record = export_actions.create_export(
        actor=actor(request),
        project=project,
        options=options,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, export_out(record))


@router.get("/projects/{project_id}/export-kinds", response=list[KindOut])
def export_kinds(request: HttpRequest, project_id: int) -> list[KindOut]:
    project = access_project_for_requester(actor(request), project_id)
    return [
        KindOut(
            kind=m.kind,
            title=m.title,
            description=m.description,
            granularities=list(m.granularities),
        )
        for m in mappings_for(project).values()
    ]


@router.get("/exports/{export_id}", response=ExportOut)
def get_export(request: HttpRequest, export_id: int) -> ExportOut:
    return export_out(export_actions.access_export_by_id(actor(request), export_id))


@router.get("/exports/{export_id}/download", response={200: None})
def download(request: HttpRequest, export_id: int) -> StreamingHttpResponse:
    return download_response(export_actions.access_export_by_id(actor(request), export_id))


@router.get("/exports/{export_id}/card", response={200: None})
def card(request: HttpRequest, export_id: int) -> HttpResponse:
    record = export_actions.access_export_by_id(actor(request), export_id)
    return HttpResponse(record.data_card, content_type="text/markdown; charset=utf-8")


@router.get("/licences", response=list[LicenceOut], auth=None)
def licences(request: HttpRequest) -> list[LicenceOut]:
    return [
        LicenceOut(licence=code, name=name, terms="", royalty_cents=0)
        for code, name in LICENCES.items()
    ]


@router.put("/projects/{project_id}/licence", response=LicenceOut)
def put_licence(request: HttpRequest, project_id: int, payload: LicenceIn) -> LicenceOut:
    project = access_project_for_requester(actor(request), project_id)
    project = export_actions.set_licence(
        actor=actor(request),
        project=project,
        licence=payload.licence,
        terms=payload.terms,
        royalty_cents=payload.royalty_cents,
    )
    return LicenceOut(
        licence=project.licence,
        name=LICENCES[project.licence],
        terms=project.licence_terms,
        royalty_cents=project.royalty_cents,
    )


@router.get("/me/contributions", response=dict[str, Any])
def my_contributions(request: HttpRequest) -> dict[str, Any]:
    user = actor(request)
    require_expert(user)
    return contributions_of(user).as_dict()


@router.put("/me/credit", response=dict[str, Any])
def put_credit(request: HttpRequest, payload: CreditIn) -> dict[str, Any]:
    user = actor(request)
    require_expert(user)
    profile = export_actions.set_credit(
        expert=user,
        named_credit=payload.named_credit,
        credit_name=payload.credit_name,
        reuse_consent=payload.reuse_consent,
    )
    return {
        "named_credit": profile.named_credit,
        "credit_name": profile.credit_name,
        "reuse_consent": profile.reuse_consent,
    }
