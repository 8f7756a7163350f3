"""Workforce statistics for operators: who works, how much, for what pay, and how
decisions and appeals turn out, week by week."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum

from assay import clock
from assay.actions.ledger import Kind
from assay.ledger_reports import EARNING_KINDS, EXPERT_KINDS
from assay.models import Appeal, Decision, Entry, Judgment


@dataclass(frozen=True)
class Week:
    week: str
    active_experts: int
    hours: float
    earned_cents: int
    earnings_p25_cents: int | None
    earnings_median_cents: int | None
    earnings_p75_cents: int | None
    decisions: dict[str, int]
    appeals_upheld: int
    appeals_reversed: int


@dataclass(frozen=True)
class CountryRate:
    country: str
    experts: int
    median_rate_cents: int | None


@dataclass(frozen=True)
class Workforce:
    weeks: list[Week]
    by_country: list[CountryRate]


def _week_of(moment: dt.datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def _quantile(values: list[int], q: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def workforce(weeks: int = 12) -> Workforce:
    since = clock.now() - dt.timedelta(weeks=weeks)
    seconds: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    countries: dict[int, str] = {}
    for expert_id, at, secs, country in Judgment.objects.filter(created_at__gte=since).values_list(
        "expert_id", "created_at", "duration_seconds", "expert__expert_profile__country"
    ):
        seconds[_week_of(at)][expert_id] += secs
        countries[expert_id] = country or "unknown"
    earned: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for expert_id, at, amount in Entry.objects.filter(
        transaction__created_at__gte=since,
        account__kind__in=EXPERT_KINDS,
        account__currency=settings.CURRENCY,
        transaction__kind__in=EARNING_KINDS,
    ).values_list("account__expert_id", "transaction__created_at", "amount_cents"):
        earned[_week_of(at)][expert_id] += amount
    decisions: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, at in Decision.objects.filter(created_at__gte=since).values_list(
        "kind", "created_at"
    ):
        decisions[_week_of(at)][kind] += 1
    appeals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for outcome, decided in Appeal.objects.filter(decided_at__gte=since).values_list(
        "outcome", "decided_at"
    ):
        if decided is not None:
            appeals[_week_of(decided)][outcome] += 1
    labels = sorted(set(seconds) | set(earned) | set(decisions) | set(appeals))
    rows = []
    for label in labels:
        per_expert = [v for v in earned[label].values() if v > 0]
        rows.append(
            Week(
                week=label,
                active_experts=len(seconds[label]),
                hours=round(sum(seconds[label].values()) / 3600, 2),
                earned_cents=sum(earned[label].values()),
                earnings_p25_cents=_quantile(per_expert, 0.25),
                earnings_median_cents=int(statistics.median(per_expert)) if per_expert else None,
                earnings_p75_cents=_quantile(per_expert, 0.75),
                decisions=dict(decisions[label]),
                appeals_upheld=appeals[label]["upheld"],
                appeals_reversed=appeals[label]["reversed"],
            )
        )
    return Workforce(weeks=rows, by_country=_rates_by_country(countries, since))


def _rates_by_country(countries: dict[int, str], since: dt.datetime) -> list[CountryRate]:
    logged = dict(
        Judgment.objects.filter(created_at__gte=since)
        .values("expert_id")
        .annotate(s=Sum("duration_seconds"))
        .values_list("expert_id", "s")
    )
    paid = dict(
        Entry.objects.filter(
            transaction__created_at__gte=since,
            account__kind__in=[Kind.PENDING, Kind.AVAILABLE],
            account__currency=settings.CURRENCY,
            transaction__kind__in=EARNING_KINDS,
            transaction__judgment__isnull=False,
        )
        .values("account__expert_id")
        .annotate(s=Sum("amount_cents"))
        .values_list("account__expert_id", "s")
    )
    rates: dict[str, list[int]] = defaultdict(list)
    for expert_id, secs in logged.items():
        if secs:
            rates[countries.get(expert_id, "unknown")].append(
                int(paid.get(expert_id, 0) or 0) * 3600 // secs
            )
    return [
        CountryRate(country, len(values), int(statistics.median(values)) if values else None)
        for country, values in sorted(rates.items())
    ]
