"""Credentials: experts file them with evidence files, operators verify or decline them.

Evidence files are stored under ``settings.EVIDENCE_DIR`` with random names and
mode 0600, and are only ever served through ``access_evidence`` to the owner or
an operator. A credential and its files are stored together or not at all.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet

from assay import audit, clock
from assay.access import require_expert, require_operator
from assay.actions.governance import record_credential_decline
from assay.domain import credentials as rules
from assay.domain.taxonomy import CREDENTIAL_KINDS, DECLINE_REASONS
from assay.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    raise_for_fields,
)
from assay.models import Credential, Domain, Evidence, Notification, User


@dataclass(frozen=True)
class CredentialFields:
    domain_slug: str
    kind: str
    issuer: str
    identifier: str
    jurisdiction: str
    expires_on: dt.date | None


def credentials_of(user: User) -> QuerySet[Credential]:
    return Credential.objects.filter(expert=user).select_related("domain")


def pending_credentials(operator: User) -> QuerySet[Credential]:
    require_operator(operator)
    return Credential.objects.filter(status=Credential.Status.PENDING).select_related(
        "domain", "expert__expert_profile"
    )


def evidence_path(evidence: Evidence) -> Path:
    path = (Path(settings.EVIDENCE_DIR) / evidence.path).resolve()
    if Path(settings.EVIDENCE_DIR).resolve() not in path.parents or not path.is_file():
        raise NotFound("The evidence file is missing.", code="evidence_missing")
    return path


def _field_problems(fields: CredentialFields, today: dt.date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if fields.kind not in CREDENTIAL_KINDS:
        problems["kind"] = "choose one of: " + ", ".join(CREDENTIAL_KINDS)
    if not Domain.objects.filter(slug=fields.domain_slug).exists():
        problems["domain"] = "choose a domain from the list"
    if not fields.issuer.strip() or len(fields.issuer) > 200:
        problems["issuer"] = "name the issuer (up to 200 characters)"
    if len(fields.identifier) > 100:
        problems["identifier"] = "the identifier must be at most 100 characters"
    if len(fields.jurisdiction) > 100:
        problems["jurisdiction"] = "the jurisdiction must be at most 100 characters"
    if fields.expires_on is not None and fields.expires_on < today:
        problems["expires_on"] = "the credential has already expired"
    return problems


def _sniff(upload: UploadedFile[bytes]) -> str | None:
    upload.seek(0)
    head = upload.read(rules.SNIFF_BYTES)
    upload.seek(0)
    return rules.sniff_content_type(head)


def _check_files(files: Sequence[UploadedFile[bytes]]) -> list[str]:
    """The sniffed type of each file, or an error naming every bad one."""
    if not 1 <= len(files) <= rules.MAX_EVIDENCE_FILES:
        raise InvalidInput(
            f"Attach between 1 and {rules.MAX_EVIDENCE_FILES} evidence files.",
            code="evidence_count",
        )
    limit = settings.MAX_EVIDENCE_BYTES
    too_big = [f.name or "file" for f in files if (f.size or 0) > limit]
    if too_big:
        raise PayloadTooLarge(
            f"Each evidence file must be at most {limit // (1024 * 1024)} MB.",
            code="evidence_too_large",
            details=[{"field": "evidence", "message": f"{name} is too large"} for name in too_big],
        )
    types = [_sniff(f) for f in files]
    wrong = [f.name or "file" for f, kind in zip(files, types, strict=True) if kind is None]
    if wrong:
        raise InvalidInput(
            "Evidence must be a PDF, PNG or JPEG file.",
            code="evidence_type",
            details=[{"field": "evidence", "message": f"{name} is not one"} for name in wrong],
        )
    return [kind for kind in types if kind is not None]


def _write(upload: UploadedFile[bytes], content_type: str, written: list[Path]) -> str:
    folder = Path(settings.EVIDENCE_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = secrets.token_hex(16) + rules.EXTENSIONS[content_type]
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    written.append(path)
    size = 0
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > settings.MAX_EVIDENCE_BYTES:
                raise PayloadTooLarge("An evidence file is too large.", code="evidence_too_large")
            out.write(chunk)
    return name


@contextmanager
def _removed_on_error() -> Iterator[list[Path]]:
    """Paths written inside the block are deleted if the block fails."""
    written: list[Path] = []
    try:
        yield written
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _clean_name(name: str | None) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    return base[:200] or "evidence"


def add_credential(
    *,
    expert: User,
    domain_slug: str,
    kind: str,
    issuer: str,
    identifier: str,
    jurisdiction: str,
    expires_on: dt.date | None,
    files: Sequence[UploadedFile[bytes]],
) -> Credential:
    require_expert(expert)
    fields = CredentialFields(domain_slug, kind, issuer, identifier, jurisdiction, expires_on)
    now = clock.now()
    raise_for_fields(_field_problems(fields, now.date()))
    types = _check_files(files)
    with _removed_on_error() as written, transaction.atomic():
        credential = Credential.objects.create(
            expert=expert,
            domain=Domain.objects.get(slug=domain_slug),
            kind=kind,
            issuer=issuer.strip(),
            identifier=identifier.strip(),
            jurisdiction=jurisdiction.strip(),
            expires_on=expires_on,
            created_at=now,
        )
        for upload, content_type in zip(files, types, strict=True):
            Evidence.objects.create(
                credential=credential,
                path=_write(upload, content_type, written),
                original_name=_clean_name(upload.name),
                content_type=content_type,
                size=upload.size or 0,
                uploaded_at=now,
            )
    return credential


def _check_decision(
    credential: Credential,
    *,
    verify: bool,
    reason_code: str,
    note: str,
    verified_until: dt.date | None,
    today: dt.date,
) -> None:
    problems: dict[str, str] = {}
    if len(note) > rules.MAX_NOTE_CHARS:
        problems["note"] = f"the note must be at most {rules.MAX_NOTE_CHARS:,} characters"
    if not verify:
        if reason_code not in DECLINE_REASONS:
            problems["reason_code"] = "choose one of: " + ", ".join(DECLINE_REASONS)
        if not note.strip():
            problems["note"] = "tell the expert what to fix; they see this note"
    elif verified_until is not None:
        if verified_until < today:
            problems["verified_until"] = "the verification cannot end in the past"
        elif credential.expires_on and verified_until > credential.expires_on:
            problems["verified_until"] = "the verification cannot outlast the credential"
    raise_for_fields(problems)


def _decision_notice(credential: Credential) -> tuple[str, str]:
    label = f"{CREDENTIAL_KINDS.get(credential.kind, credential.kind)} from {credential.issuer}"
    if credential.status == Credential.Status.VERIFIED:
        until = credential.verified_until.isoformat() if credential.verified_until else "—"
        return f"Credential verified: {label}", f"It counts for your eligibility until {until}."
    reason = DECLINE_REASONS[credential.reason_code]
    return f"Credential declined: {label}", f"{reason}\n\nReviewer's note: {credential.note}"


def _notify_decision(credential: Credential, now: dt.datetime) -> None:
    title, body = _decision_notice(credential)
    Notification.objects.create(
        user_id=credential.expert_id,
        kind="credential",
        key=f"credential:{credential.id}:{now.isoformat()}",
        title=title[:200],
        body=body,
        url="/credentials/",
        created_at=now,
    )


def decide_credential(
    *,
    operator: User,
    credential_id: int,
    verify: bool,
    reason_code: str,
    note: str,
    verified_until: dt.date | None,
) -> Credential:
    require_operator(operator)
    now = clock.now()
    with transaction.atomic():
        credential = Credential.objects.select_for_update().filter(id=credential_id).first()
        if credential is None:
            raise NotFound("No such credential.", code="credential_not_found")
        if credential.status != Credential.Status.PENDING:
            raise Conflict("This credential was decided already.", code="credential_decided")
        _check_decision(
            credential,
            verify=verify,
            reason_code=reason_code,
            note=note,
            verified_until=verified_until,
            today=now.date(),
        )
        if verify:
            credential.status = Credential.Status.VERIFIED
            credential.verified_until = verified_until or rules.default_verified_until(
                expires_on=credential.expires_on, today=now.date()
            )
            credential.reason_code = ""
        else:
            credential.status = Credential.Status.DECLINED
            credential.verified_until = None
            credential.reason_code = reason_code
        credential.note = note.strip()
        credential.decided_by = operator
        credential.decided_at = now
        credential.expiry_warned_at = None
        credential.save()
        _notify_decision(credential, now)
        if not verify:
            record_credential_decline(credential, operator=operator)
        audit.record(
            "credential.verify" if verify else "credential.decline",
            credential,
            actor=operator,
            reason_code=credential.reason_code,
        )
    return credential
