"""Making an export: record it, credit its contributors, pay reuse royalties, announce it.

The export's contents are fixed by its options and the last judgment id it may read, so
the file is streamed on download (``stream``) instead of being stored. Counting what it
will hold is a light pass over the judgments (no texts) made before the transaction;
the record, the contributions, the royalties, the audit row and the ``export.ready``
webhook are then written in one transaction: an export that cannot pay its royalties
does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet

from assay import audit, clock
from assay.access import projects_for_requester
from assay.actions import ledger, webhooks
from assay.errors import Conflict, InvalidInput, NotFound, raise_for_fields
from assay.exports import containers
from assay.exports.card import data_card
from assay.exports.licences import check_licence
from assay.exports.options import check_options
from assay.exports.registry import Plan, Scope, mapping_for, mappings_for
from assay.models import (
    Account,
    ExpertProfile,
    ExportContribution,
    ExportRecord,
    Judgment,
    Project,
    Transaction,
    User,
)

MAX_ROYALTY_CENTS = 10_000
MAX_TERMS_CHARS = 10_000


def scope_of(record: ExportRecord) -> Scope:
    mapping = mapping_for(record.project, record.kind)
    options = check_options(record.options, kinds=(mapping.kind,))
    return Scope(record.project, options, record.max_judgment_id, record.licence)


def stream(record: ExportRecord) -> Iterator[bytes]:
    """The export's bytes, in its container, read from the database as they are sent."""
    scope = scope_of(record)
    mapping = mapping_for(record.project, record.kind)
    schema = mapping.schema(scope.options) if record.container == "parquet" else None
    return containers.encode(record.container, mapping.records(scope), schema, mapping.json_columns)


def file_name(record: ExportRecord) -> str:
    return f"project-{record.project_id}-{record.kind}-{record.id}.{record.container}"


def _pay_royalties(actor: User, record: ExportRecord, plan: Plan) -> int:
    project = record.project
    per_record = project.royalty_cents
    total = 0
    for expert_id, judgments in sorted(plan.contributors.items()):
        amount = per_record * judgments
        ledger.post(
            kind=Transaction.Kind.ROYALTY,
            currency=project.currency,
            key=f"royalty:{record.id}:{expert_id}",
            payload={"export": record.id, "expert": expert_id, "amount": amount},
            legs=[
                (
                    (
                        Account.Kind.ORGANIZATION,
                        project.currency,
                        ledger.Owner(organization_id=project.organization_id),
                    ),
                    -amount,
                ),
                (
                    (Account.Kind.AVAILABLE, project.currency, ledger.Owner(expert_id=expert_id)),
                    amount,
                ),
            ],
            actor=actor,
            memo=f"Reuse royalty: {judgments} record(s) in export {record.id} of {project.name}",
            project=project,
            organization_id=project.organization_id,
            expert_id=expert_id,
        )
        total += amount
    return total


def create_export(
    *, actor: User, project: Project, options: dict[str, Any], idempotency_key: str = ""
) -> ExportRecord:
    """Check the options, count the records, and record the export with its data card.

    A repeated ``idempotency_key`` returns the export it first made.
    """
    if len(idempotency_key) > 64:
        raise InvalidInput("Idempotency keys are at most 64 characters.", code="invalid_key")
    if idempotency_key:
        earlier = ExportRecord.objects.filter(
            created_by=actor, idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            if earlier.project_id != project.id:
                raise Conflict(
                    "This idempotency key was used for a different request.",
                    code="idempotency_key_reused",
                )
            return earlier
    mappings = mappings_for(project)
    raw = dict(options)
    kind = str(raw.get("kind", ""))
    if kind in mappings and len(mappings[kind].granularities) == 1:
        raw.setdefault("granularity", mappings[kind].granularities[0])
    checked = check_options(raw, kinds=tuple(mappings))
    mapping = mappings[checked.kind]
    if checked.granularity not in mapping.granularities:
        raise_for_fields(
            {"granularity": f"{checked.kind} exports are per {mapping.granularities[0]}"}
        )
    licence = check_licence(checked.licence or project.licence)
    bound = Judgment.objects.filter(project=project).aggregate(m=Max("id"))["m"] or 0
    scope = Scope(project, checked, bound, licence)
    plan = mapping.plan(scope)
    if scope.reuse and project.royalty_cents and not plan.contributors:
        raise Conflict("No contributor consented to this reuse.", code="no_consent")
    now = clock.now()
    with transaction.atomic():
        record = ExportRecord.objects.create(
            organization_id=project.organization_id,
            project=project,
            created_by=actor,
            created_at=now,
            kind=checked.kind,
            container=checked.container,
            options=checked.as_dict(),
            licence=licence,
            max_judgment_id=bound,
            record_count=plan.records,
            judgment_count=plan.judgments,
            data_card="",
            idempotency_key=idempotency_key,
        )
        ExportContribution.objects.bulk_create(
            ExportContribution(export=record, expert_id=expert_id, judgments=n)
            for expert_id, n in plan.contributors.items()
        )
        if scope.reuse and project.royalty_cents:
            record.royalty_cents = _pay_royalties(actor, record, plan)
        record.data_card = data_card(
            scope=scope, mapping=mapping, plan=plan, export_id=record.id, created_at=now
        )
        record.save(update_fields=["data_card", "royalty_cents"])
        audit.record(
            "export.create",
            record,
            actor=actor,
            project=project.id,
            options=record.options,
            records=plan.records,
            royalty_cents=record.royalty_cents,
        )
        webhooks.emit(
            organization_id=project.organization_id,
            event="export.ready",
            key=str(record.id),
            payload={
                "export_id": record.id,
                "project_id": project.id,
                "kind": record.kind,
                "container": record.container,
                "records": record.record_count,
                "download": f"/api/v1/exports/{record.id}/download",
            },
        )
    return record


def set_licence(
    *, actor: User, project: Project, licence: str, terms: str = "", royalty_cents: int = 0
) -> Project:
    """Declare what experts' work may be used for; fixed once experts can see the project."""
    check_licence(licence)
    problems = {}
    if len(terms) > MAX_TERMS_CHARS:
        problems["terms"] = f"keep the terms under {MAX_TERMS_CHARS:,} characters"
    if licence == "custom" and not terms.strip():
        problems["terms"] = "a custom licence needs its terms"
    if not 0 <= royalty_cents <= MAX_ROYALTY_CENTS:
        problems["royalty_cents"] = f"a royalty from 0 to {MAX_ROYALTY_CENTS} cents a record"
    raise_for_fields(problems)
    with transaction.atomic():
        current = Project.objects.select_for_update().get(id=project.id)
        if current.status != Project.Status.DRAFT and (
            licence != current.licence or terms.strip() != current.licence_terms
        ):
            raise Conflict(
                "Experts accepted work under the current licence; it cannot change now.",
                code="licence_fixed",
            )
        before = {"licence": current.licence, "royalty_cents": current.royalty_cents}
        current.licence, current.licence_terms = licence, terms.strip()
        current.royalty_cents = royalty_cents
        current.save(update_fields=["licence", "licence_terms", "royalty_cents"])
        audit.record(
            "project.licence",
            current,
            actor=actor,
            before=before,
            after={"licence": licence, "royalty_cents": royalty_cents},
        )
    return current


def set_credit(
    *, expert: User, named_credit: bool, credit_name: str, reuse_consent: bool
) -> ExpertProfile:
    """An expert's choices: named credit in data cards, and consent to paid reuse."""
    name = credit_name.strip()
    if len(name) > 120:
        raise InvalidInput("Keep the name under 120 characters.", code="invalid_credit_name")
    with transaction.atomic():
        profile = ExpertProfile.objects.select_for_update().get(user=expert)
        before = [profile.named_credit, profile.credit_name, profile.reuse_consent]
        profile.named_credit, profile.credit_name = named_credit, name
        profile.reuse_consent = reuse_consent
        profile.save(update_fields=["named_credit", "credit_name", "reuse_consent"])
        audit.record(
            "expert.credit",
            profile,
            actor=expert,
            before=before,
            after=[named_credit, name, reuse_consent],
        )
    return profile


def exports_for_requester(user: User) -> QuerySet[ExportRecord]:
    return ExportRecord.objects.filter(project__in=projects_for_requester(user))


def access_export_by_id(user: User, export_id: int) -> ExportRecord:
    """An export of one of the user's organizations' projects; anyone else gets 404."""
    record = exports_for_requester(user).select_related("project").filter(id=export_id).first()
    if record is None:
        raise NotFound("No such export.", code="export_not_found")
    return record
