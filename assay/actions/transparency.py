"""What experts can see and do about themselves and the requesters they work for:
rate a project's requester, download everything held about them, delete their account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.db.models import Count, Q

from assay import audit, clock
from assay.access import require_expert
from assay.actions import ledger
from assay.errors import Conflict, InvalidInput, NotFound, raise_for_fields
from assay.models import (
    ApiToken,
    Appeal,
    Attempt,
    Credential,
    Decision,
    Evidence,
    ExpertProfile,
    Judgment,
    Notification,
    Project,
    RequesterRating,
    User,
)

RATING_FIELDS = ("clarity", "fairness", "pay_accuracy")
MIN_RATINGS_SHOWN = 3  # fewer would let a requester guess who rated


def rate_requester(
    *, expert: User, project: Project, scores: dict[str, int], comment: str = ""
) -> RequesterRating:
    """Rate guidelines clarity, fairness of review and pay accuracy, 1 to 5 each."""
    require_expert(expert)
    if not Judgment.objects.filter(project=project, expert=expert).exists():
        raise NotFound("You can rate projects you have worked on.", code="project_not_found")
    problems = {
        name: "a score is 1 to 5"
        for name in RATING_FIELDS
        if not isinstance(scores.get(name), int) or not 1 <= scores[name] <= 5
    }
    if len(comment) > 2000:
        problems["comment"] = "keep the comment under 2,000 characters"
    raise_for_fields(problems)
    with transaction.atomic():
        rating, _ = RequesterRating.objects.update_or_create(
            expert=expert,
            project=project,
            defaults={
                **{n: scores[n] for n in RATING_FIELDS},
                "comment": comment.strip(),
                "created_at": clock.now(),
            },
        )
        audit.record("rating.save", rating, actor=expert, project=project.id)
    return rating


@dataclass(frozen=True)
class RatingSummary:
    count: int
    clarity: float | None
    fairness: float | None
    pay_accuracy: float | None


def rating_summary(projects: Any) -> RatingSummary:
    """Averages over the projects' ratings, only once there are enough to stay anonymous."""
    rows = list(RequesterRating.objects.filter(project__in=projects).values(*RATING_FIELDS))
    if len(rows) < MIN_RATINGS_SHOWN:
        return RatingSummary(len(rows), None, None, None)
    return RatingSummary(
        len(rows),
        *(round(mean(r[name] for r in rows), 2) for name in RATING_FIELDS),
    )


@dataclass(frozen=True)
class Outlier:
    organization_id: int
    organization: str
    decided: int
    rejected: int
    rate: float
    platform_rate: float


def rejection_outliers(*, factor: float = 2.0, minimum: int = 10) -> list[Outlier]:
    """Organizations whose rejection rate is far above the platform's (at least
    ``factor`` times it, over at least ``minimum`` decided submissions)."""
    rows = (
        Judgment.objects.exclude(status=Judgment.Status.SUBMITTED)
        .values("project__organization_id", "project__organization__name")
        .annotate(
            decided=Count("id"),
            rejected=Count("id", filter=Q(status=Judgment.Status.REJECTED)),
        )
    )
    total = sum(r["decided"] for r in rows)
    platform = sum(r["rejected"] for r in rows) / total if total else 0.0
    out = []
    for r in rows:
        rate = r["rejected"] / r["decided"]
        if r["decided"] >= minimum and rate > 0 and rate >= factor * platform:
            out.append(
                Outlier(
                    r["project__organization_id"],
                    r["project__organization__name"],
                    r["decided"],
                    r["rejected"],
                    round(rate, 3),
                    round(platform, 3),
                )
            )
    return sorted(out, key=lambda o: -o.rate)


# My data ------------------------------------------------------------------------------


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def my_data(expert: User) -> dict[str, Any]:
    """Everything Assay holds about the expert, as plain JSON-ready values."""
    require_expert(expert)
    from assay.ledger_reports import expert_earnings
    from assay.quality_profile import profile_of

    profile = ExpertProfile.objects.filter(user=expert).first()
    evidence_files = dict(
        Evidence.objects.filter(credential__expert=expert)
        .values_list("credential_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    earnings = expert_earnings(expert, currency=settings.CURRENCY, limit=100_000)
    return {
        "generated_at": clock.now().isoformat(),
        "account": {
            "email": expert.email,
            "name": expert.get_full_name(),
            "joined": _iso(expert.date_joined),
            "suspended_at": _iso(expert.suspended_at),
        },
        "profile": {
            "pseudonym": profile.pseudonym if profile else "",
            "country": profile.country if profile else "",
            "timezone": profile.timezone if profile else "",
            "weekly_hours": profile.weekly_hours if profile else None,
            "content_opt_outs": profile.content_opt_outs if profile else [],
            "show_identity": profile.show_identity if profile else False,
            "domains": list(expert.expert_domains.values_list("domain__slug", flat=True)),
            "languages": dict(expert.expert_languages.values_list("code", "level")),
        },
        "credentials": [
            {
                "kind": c.kind,
                "issuer": c.issuer,
                "domain": c.domain.slug,
                "status": c.status,
                "verified_until": _iso(c.verified_until),
                "evidence_files": evidence_files.get(c.id, 0),
            }
            for c in Credential.objects.filter(expert=expert).select_related("domain")
        ],
        "judgments": [
            {
                "id": j.id,
                "project": j.project_id,
                "item": j.item.external_id,
                "choice": j.choice,
                "strength": j.strength,
                "rationale": j.rationale,
                "guideline_version": j.guidelines.number,
                "seconds": j.duration_seconds,
                "submitted_at": _iso(j.created_at),
                "status": j.status,
                "reason_code": j.reason_code,
                "pay_cents": j.pay_cents,
            }
            for j in Judgment.objects.filter(expert=expert)
            .select_related("item", "guidelines")
            .order_by("id")
        ],
        "qualification_attempts": [
            {
                "test": a.test.title,
                "started_at": _iso(a.started_at),
                "submitted_at": _iso(a.submitted_at),
                "score": a.score,
                "passed": a.passed,
            }
            for a in Attempt.objects.filter(expert=expert).select_related("test")
        ],
        "quality": _plain(profile_of(expert)),
        "decisions": [
            {
                "id": d.id,
                "kind": d.kind,
                "reason_code": d.reason_code,
                "statement": d.statement,
                "evidence": d.evidence,
                "status": d.status,
                "created_at": _iso(d.created_at),
                "appeal": _appeal(d),
            }
            for d in Decision.objects.filter(expert=expert).select_related("appeal").order_by("id")
        ],
        "earnings": {
            "currency": earnings.currency,
            "pending_cents": earnings.pending_cents,
            "available_cents": earnings.available_cents,
            "earned_cents": earnings.earned_cents,
            "logged_seconds": earnings.time.logged_seconds,
            "unpaid_seconds": earnings.time.unpaid_seconds,
            "transactions": [
                {
                    "at": _iso(line.at),
                    "kind": line.kind,
                    "cause": line.cause,
                    "memo": line.memo,
                    "pending_cents": line.pending_cents,
                    "available_cents": line.available_cents,
                }
                for line in earnings.lines
            ],
        },
        "notifications": [
            {"at": _iso(n.created_at), "title": n.title, "body": n.body}
            for n in Notification.objects.filter(user=expert).order_by("id")
        ],
    }


def _appeal(decision: Decision) -> dict[str, Any] | None:
    # The reverse one-to-one, selected with the decision; absent if never appealed.
    appeal: Appeal | None = getattr(decision, "appeal", None)
    if appeal is None:
        return None
    return {
        "text": appeal.text,
        "status": appeal.status,
        "outcome": appeal.outcome,
        "reasons": appeal.reasons,
        "filed_at": _iso(appeal.created_at),
        "decided_at": _iso(appeal.decided_at),
    }


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def delete_account(*, expert: User, password: str) -> None:
    """Erase personal data; keep pseudonymous contributions and the ledger.

    Name, email, password, country, time zone, languages, domains, credentials and their
    evidence files, tokens and notifications are erased. Judgments stay under the
    pseudonym (requesters paid for them and may have exported them), and ledger history
    stays because it is the record of money that moved.
    """
    require_expert(expert)
    if not check_password(password, expert.password):
        raise InvalidInput("That password is not right.", code="wrong_password")
    owed = sum(
        ledger.balance(kind, settings.CURRENCY, ledger.Owner(expert_id=expert.id))
        for kind in (ledger.Kind.PENDING, ledger.Kind.AVAILABLE, ledger.Kind.IN_TRANSIT)
    )
    if owed:
        raise Conflict(
            "You still have money with Assay (awaiting approval, available or on its way). "
            "Ask for a payout and wait until it is paid, then erase your account.",
            code="balance_outstanding",
        )
    with transaction.atomic():
        folder = Path(settings.EVIDENCE_DIR).resolve()
        for evidence in Evidence.objects.filter(credential__expert=expert):
            path = (folder / evidence.path).resolve()
            if folder in path.parents and path.is_file():
                path.unlink()
        Evidence.objects.filter(credential__expert=expert).delete()
        Credential.objects.filter(expert=expert).update(
            identifier="", issuer="(erased)", note="", jurisdiction=""
        )
        expert.expert_domains.all().delete()
        expert.expert_languages.all().delete()
        ApiToken.objects.filter(user=expert).delete()
        Notification.objects.filter(user=expert).delete()
        ExpertProfile.objects.filter(user=expert).update(
            country="",
            timezone="UTC",
            weekly_hours=0,
            content_opt_outs=[],
            show_identity=False,
            email_alerts=False,
        )
        RequesterRating.objects.filter(expert=expert).update(comment="")
        Appeal.objects.filter(expert=expert).update(text="(erased at the expert's request)")
        expert.email = f"erased-{expert.id}@invalid"
        expert.username = f"erased-{expert.id}"
        expert.first_name = expert.last_name = ""
        expert.set_unusable_password()
        expert.is_active = False
        expert.save()
        audit.record("account.erase", expert, actor=expert)
