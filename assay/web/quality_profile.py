"""The expert's quality page: their own numbers, the gold items behind them, and their meaning."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assay.domain.quality_profile import describe_rate
from assay.models import Judgment
from assay.quality_profile import Metrics, profile_of
from assay.web.util import current_user, expert_view

CHOICE_LABELS = dict(Judgment.Choice.choices)
STATE_LABELS = {
    "available": "Work available now",
    "not_eligible": "A requirement not met yet",
    "waitlisted": "On the waitlist",
    "nothing_now": "Nothing for you right now",
}


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "none yet"
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{whole} s"


def _speed(metrics: Metrics) -> str:
    speed = metrics.speed
    if speed.median_seconds is None:
        return "none yet"
    text = f"median {_duration(speed.median_seconds)}"
    if speed.percentile is None:
        return f"{text}; fewer than 3 other experts in the same projects to compare with"
    return (
        f"{text}; time percentile {speed.percentile:.0f} (the share of the {speed.peers} "
        "other experts in the same projects who are quicker)"
    )


def _rows(metrics: Metrics) -> list[tuple[str, str, str]]:
    """(key, label, value) for each number, in the order the page shows them."""
    agreement = metrics.agreement
    return [
        ("gold", "Gold accuracy", describe_rate(metrics.gold)),
        (
            "agreement",
            "Agreement with the other experts",
            f"{describe_rate(agreement.rate)}; left out: {agreement.no_consensus} without "
            f"a consensus, {agreement.too_few_others} with fewer than 2 other judgments",
        ),
        ("reviews", "Review outcomes", metrics.reviews.summary),
        ("speed", "Time per task", _speed(metrics)),
    ]


@expert_view
def quality(request: HttpRequest) -> HttpResponse:
    profile = profile_of(current_user(request))
    context = {
        "profile": profile,
        "overall": _rows(profile.overall),
        "projects": [(p, _rows(p.metrics)) for p in profile.projects],
        "gold_items": [
            (g, CHOICE_LABELS[g.choice], CHOICE_LABELS.get(g.expected or "", ""))
            for g in profile.gold_items
        ],
        "states": [(STATE_LABELS[k], v) for k, v in profile.eligibility.by_state.items()],
        "explain": profile.explanations,
    }
    return render(request, "assay/quality.html", context)
