"""An expert's own quality metrics: GET /me/quality (see docs/quality-profile.md)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from assay.access import require_expert
from assay.api.auth import actor
from assay.quality_profile import QualityProfile, profile_of

router = Router(tags=["quality"])


class RateOut(Schema):
    hits: int
    total: int
    share: float | None
    low: float | None
    high: float | None


class AgreementOut(Schema):
    rate: RateOut
    no_consensus: int
    too_few_others: int


class SpeedOut(Schema):
    judgments: int
    median_seconds: float | None
    percentile: float | None
    peers: int


class ReviewsOut(Schema):
    available: bool
    reviewed: int
    accepted: int
    rejected: int
    corrected: int


class ReviewOutcomeOut(Schema):
    project_id: int
    project_name: str
    item_external_id: str
    choice: str
    outcome: str
    reason_code: str
    reason: str
    note: str
    corrected_choice: str
    decided_at: dt.datetime


class MetricsOut(Schema):
    judgments: int
    gold: RateOut
    agreement: AgreementOut
    speed: SpeedOut
    reviews: ReviewsOut


class ProjectMetricsOut(Schema):
    project_id: int
    name: str
    metrics: MetricsOut


class GoldItemOut(Schema):
    external_id: str
    project_id: int
    project_name: str
    choice: str
    expected: str | None
    correct: bool | None
    rationale: str
    judged_at: dt.datetime


class EligibilityOut(Schema):
    projects: int
    by_state: dict[str, int]


class QualityProfileOut(Schema):
    overall: MetricsOut
    projects: list[ProjectMetricsOut]
    gold_items: list[GoldItemOut]
    eligibility: EligibilityOut
    explanations: dict[str, str]
    review_outcomes: list[ReviewOutcomeOut]
    reviews_pending: int


@router.get("/me/quality", response=QualityProfileOut)
def my_quality(request: HttpRequest) -> QualityProfile:
    """Your gold accuracy, agreement, reviews, speed and eligibility, with how each is computed."""
    user = actor(request)
    require_expert(user)
    return profile_of(user)
