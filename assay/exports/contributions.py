"""What an expert contributed: their judgments per project, and the exports that used them."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count, Max, Min

from assay.exports.licences import licence_name
from assay.models import ExpertProfile, ExportContribution, Judgment, User

LIMIT = 200


@dataclass(frozen=True)
class ProjectWork:
    project_id: int
    project: str
    licence: str
    licence_name: str
    judgments: int
    first_at: dt.datetime
    last_at: dt.datetime


@dataclass(frozen=True)
class ExportUse:
    export_id: int
    project_id: int
    project: str
    kind: str
    container: str
    licence: str
    licence_name: str
    judgments: int
    royalty: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class Contributions:
    pseudonym: str
    named_credit: bool
    credit_name: str
    reuse_consent: bool
    projects: list[ProjectWork]
    exports: list[ExportUse]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def contributions_of(expert: User) -> Contributions:
    profile = ExpertProfile.objects.get(user=expert)
    work = (
        Judgment.objects.filter(expert=expert)
        .values("project_id", "project__name", "project__licence")
        .annotate(n=Count("id"), first=Min("created_at"), last=Max("created_at"))
        .order_by("-last")[:LIMIT]
    )
    uses = (
        ExportContribution.objects.filter(expert=expert)
        .select_related("export__project")
        .order_by("-export__created_at", "-id")[:LIMIT]
    )
    return Contributions(
        pseudonym=profile.pseudonym,
        named_credit=profile.named_credit,
        credit_name=profile.credit_name,
        reuse_consent=profile.reuse_consent,
        projects=[
            ProjectWork(
                project_id=row["project_id"],
                project=row["project__name"],
                licence=row["project__licence"],
                licence_name=licence_name(row["project__licence"]),
                judgments=row["n"],
                first_at=row["first"],
                last_at=row["last"],
            )
            for row in work
        ],
        exports=[
            ExportUse(
                export_id=use.export_id,
                project_id=use.export.project_id,
                project=use.export.project.name,
                kind=use.export.kind,
                container=use.export.container,
                licence=use.export.licence,
                licence_name=licence_name(use.export.licence),
                judgments=use.judgments,
                royalty=use.export.royalty_cents > 0,
                created_at=use.export.created_at,
            )
            for use in uses
        ],
    )
