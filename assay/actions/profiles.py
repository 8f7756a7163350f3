"""An expert's own profile: domains with years, languages, location, availability, opt-outs."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field

from django.db import transaction

from assay.domain.taxonomy import CONTENT_RISKS, LANGUAGES, LEVELS
from assay.errors import InvalidInput
from assay.models import Domain, ExpertDomain, ExpertLanguage, ExpertProfile, User

_PAIR = re.compile(r"^[a-z]{2}>[a-z]{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class DomainEntry:
    slug: str
    years: int
    language_pair: str = ""


@dataclass(frozen=True)
class ProfileUpdate:
    domains: list[DomainEntry] = field(default_factory=list)
    languages: dict[str, str] = field(default_factory=dict)
    country: str = ""
    timezone: str = "UTC"
    weekly_hours: int = 10
    content_opt_outs: list[str] = field(default_factory=list)
    show_identity: bool = False
    email_alerts: bool = True


def _domain_problems(entries: list[DomainEntry], known: dict[str, Domain]) -> list[dict[str, str]]:
    problems = []
    for n, entry in enumerate(entries):
        where = f"domains[{n}]"
        if entry.slug not in known:
            problems.append({"field": where, "message": f"unknown domain {entry.slug!r}"})
        if not 0 <= entry.years <= 70:
            problems.append({"field": where, "message": "years of practice must be 0 to 70"})
        if entry.slug == "translation" and not _PAIR.match(entry.language_pair):
            problems.append({"field": where, "message": "translation needs a pair such as en>fr"})
        if entry.slug != "translation" and entry.language_pair:
            problems.append({"field": where, "message": "only translation takes a language pair"})
    return problems


def _problems(update: ProfileUpdate, known: dict[str, Domain]) -> list[dict[str, str]]:
    problems = _domain_problems(update.domains, known)
    for code, level in update.languages.items():
        if code not in LANGUAGES:
            problems.append({"field": "languages", "message": f"unknown language code {code!r}"})
        if level not in LEVELS:
            problems.append({"field": "languages", "message": f"level must be one of {LEVELS}"})
    if update.country and not _COUNTRY.match(update.country):
        problems.append({"field": "country", "message": "use a two-letter ISO 3166 code"})
    if update.timezone not in zoneinfo.available_timezones():
        problems.append(
            {"field": "timezone", "message": "use an IANA time zone such as Europe/Paris"}
        )
    if not 0 <= update.weekly_hours <= 80:
        problems.append({"field": "weekly_hours", "message": "weekly hours must be 0 to 80"})
    unknown = sorted(set(update.content_opt_outs) - set(CONTENT_RISKS))
    if unknown:
        problems.append({"field": "content_opt_outs", "message": f"unknown: {', '.join(unknown)}"})
    return problems


def update_profile(*, expert: User, update: ProfileUpdate) -> ExpertProfile:
    """Replace the expert's profile with ``update``, all or nothing."""
    known = {d.slug: d for d in Domain.objects.all()}
    problems = _problems(update, known)
    if problems:
        raise InvalidInput("Please correct the profile.", code="invalid_profile", details=problems)
    with transaction.atomic():
        profile = ExpertProfile.objects.select_for_update().get(user=expert)
        profile.country = update.country
        profile.timezone = update.timezone
        profile.weekly_hours = update.weekly_hours
        profile.content_opt_outs = sorted(set(update.content_opt_outs))
        profile.show_identity = update.show_identity
        profile.email_alerts = update.email_alerts
        profile.save()
        ExpertDomain.objects.filter(expert=expert).delete()
        ExpertDomain.objects.bulk_create(
            ExpertDomain(
                expert=expert, domain=known[e.slug], years=e.years, language_pair=e.language_pair
            )
            for e in {(e.slug, e.language_pair): e for e in update.domains}.values()
        )
        ExpertLanguage.objects.filter(expert=expert).delete()
        ExpertLanguage.objects.bulk_create(
            ExpertLanguage(expert=expert, code=code, level=level)
            for code, level in update.languages.items()
        )
    return profile


def current_profile(expert: User) -> ProfileUpdate:
    profile = expert.expert_profile
    return ProfileUpdate(
        domains=[
            DomainEntry(d.domain.slug, d.years, d.language_pair)
            for d in expert.expert_domains.select_related("domain").order_by("domain__name")
        ],
        languages={lang.code: lang.level for lang in expert.expert_languages.order_by("code")},
        country=profile.country,
        timezone=profile.timezone,
        weekly_hours=profile.weekly_hours,
        content_opt_outs=list(profile.content_opt_outs or []),
        show_identity=profile.show_identity,
        email_alerts=profile.email_alerts,
    )
