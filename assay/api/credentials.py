"""Credential endpoints: experts file credentials with evidence, operators review them."""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import field_validator

from assay import clock
from assay.access import access_credential_for_operator, access_evidence, require_expert
from assay.actions import credentials as actions
from assay.api.auth import actor
from assay.domain.credentials import is_current
from assay.domain.taxonomy import DECLINE_REASONS
from assay.models import Credential, Evidence

router = Router(tags=["credentials"])


class CredentialIn(Schema):
    domain: str
    kind: str
    issuer: str
    identifier: str = ""
    jurisdiction: str = ""
    expires_on: dt.date | None = None

    @field_validator("expires_on", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value  # an empty form field means "does not expire"


class DecisionIn(Schema):
    verify: bool
    reason_code: str = ""
    note: str = ""
    verified_until: dt.date | None = None


class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    url: str


class CredentialOut(Schema):
    id: int
    domain: str
    kind: str
    issuer: str
    identifier: str
    jurisdiction: str
    expires_on: dt.date | None
    status: str
    current: bool
    verified_until: dt.date | None
    reason_code: str
    reason: str
    note: str
    decided_at: dt.datetime | None
    created_at: dt.datetime
    evidence: list[EvidenceOut]


class ReviewOut(CredentialOut):
    expert_id: int
    expert_pseudonym: str


def _evidence_out(evidence: Evidence) -> EvidenceOut:
    return EvidenceOut(
        id=evidence.id,
        name=evidence.original_name,
        content_type=evidence.content_type,
        size=evidence.size,
        uploaded_at=evidence.uploaded_at,
        url=f"/api/v1/credentials/{evidence.credential_id}/evidence/{evidence.id}",
    )


def credential_out(credential: Credential) -> CredentialOut:
    return CredentialOut(
        id=credential.id,
        domain=credential.domain.slug,
        kind=credential.kind,
        issuer=credential.issuer,
        identifier=credential.identifier,
        jurisdiction=credential.jurisdiction,
        expires_on=credential.expires_on,
        status=credential.status,
        current=is_current(
            status=credential.status,
            verified_until=credential.verified_until,
            expires_on=credential.expires_on,
            today=clock.now().date(),
        ),
        verified_until=credential.verified_until,
        reason_code=credential.reason_code,
        reason=DECLINE_REASONS.get(credential.reason_code, ""),
        note=credential.note,
        decided_at=credential.decided_at,
        created_at=credential.created_at,
        evidence=[_evidence_out(e) for e in credential.evidence.order_by("id")],
    )


def review_out(credential: Credential) -> ReviewOut:
    profile = getattr(credential.expert, "expert_profile", None)
    return ReviewOut(
        **credential_out(credential).model_dump(),
        expert_id=credential.expert_id,
        expert_pseudonym=profile.pseudonym if profile else "",
    )


@router.get("", response=list[CredentialOut])
def my_credentials(request: HttpRequest) -> list[CredentialOut]:
    require_expert(actor(request))
    credentials = actions.credentials_of(actor(request)).order_by("-created_at", "-id")
    return [credential_out(c) for c in credentials]


@router.post("", response={201: CredentialOut})
def add_credential(
    request: HttpRequest, payload: Form[CredentialIn], evidence: File[list[UploadedFile]]
) -> Status[CredentialOut]:
    credential = actions.add_credential(
        expert=actor(request),
        domain_slug=payload.domain,
        kind=payload.kind,
        issuer=payload.issuer,
        identifier=payload.identifier,
        jurisdiction=payload.jurisdiction,
        expires_on=payload.expires_on,
        files=evidence,
    )
    return Status(201, credential_out(credential))


@router.get("/queue", response=list[ReviewOut])
def review_queue(request: HttpRequest) -> list[ReviewOut]:
    pending = actions.pending_credentials(actor(request)).order_by("created_at", "id")
    return [review_out(c) for c in pending]


@router.get("/{credential_id}/evidence/{evidence_id}", response={200: None})
def download_evidence(request: HttpRequest, credential_id: int, evidence_id: int) -> FileResponse:
    evidence = access_evidence(actor(request), credential_id, evidence_id)
    return evidence_response(evidence)


def evidence_response(evidence: Evidence) -> FileResponse:
    """The file as a download, never shown inline, whatever its type."""
    path = actions.evidence_path(evidence)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/{credential_id}/decision", response=ReviewOut)
def decide(request: HttpRequest, credential_id: int, payload: DecisionIn) -> ReviewOut:
    credential = actions.decide_credential(
        operator=actor(request),
        credential_id=credential_id,
        verify=payload.verify,
        reason_code=payload.reason_code,
        note=payload.note,
        verified_until=payload.verified_until,
    )
    return review_out(access_credential_for_operator(actor(request), credential.id))
