"""An expert's own quality metrics, overall and per project (reads only).

Every figure is about the expert asking. Other experts' judgments enter only as
counts and medians, never with who made them, and a gold answer is shown only
for an item the expert has already judged, in a project that shows gold answers
after submission (``Project.gold_feedback``). The arithmetic and the wording are
in ``assay.domain.quality_profile``; docs/quality-profile.md is the user-facing page.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from assay.actions.reviews import AuthorReview, pending_of_author, reviews_of_author
from assay.domain import quality_profile as qp
from assay.domain.pairwise import CHOICES
from assay.models import Judgment, User
from assay.workview import work_overview

STATES = ("available", "not_eligible", "waitlisted", "nothing_now")


@dataclass(frozen=True)
class GoldItem:
    """One gold item the expert judged; ``expected`` is None where the project hides it."""

    external_id: str
    project_id: int
    project_name: str
    choice: str
    expected: str | None
    correct: bool | None
    rationale: str
    judged_at: dt.datetime


@dataclass(frozen=True)
class Agreement:
    rate: qp.Rate  # agreed out of items where the others had a consensus
    no_consensus: int
    too_few_others: int


@dataclass(frozen=True)
class Speed:
    judgments: int
    median_seconds: float | None
    percentile: float | None  # lower is faster; None with fewer than qp.MIN_PEERS peers
    peers: int


@dataclass(frozen=True)
class Reviews:
    """How other experts' reviews of the expert's own submissions came out.

    ``available`` is True once at least one of them was reviewed; ``accepted``
    counts approvals (the name the API has always used).
    """

    available: bool = False
    reviewed: int = 0
    accepted: int = 0
    rejected: int = 0
    corrected: int = 0

    @property
    def summary(self) -> str:
        return qp.describe_reviews(self.accepted, self.rejected, self.corrected)


@dataclass(frozen=True)
class Metrics:
    judgments: int
    gold: qp.Rate
    agreement: Agreement
    speed: Speed
    reviews: Reviews = field(default_factory=Reviews)


@dataclass(frozen=True)
class ProjectMetrics:
    project_id: int
    name: str
    metrics: Metrics


@dataclass(frozen=True)
class Eligibility:
    projects: int
    by_state: dict[str, int]


@dataclass(frozen=True)
class QualityProfile:
    overall: Metrics
    projects: list[ProjectMetrics]
    gold_items: list[GoldItem]
    eligibility: Eligibility
    explanations: dict[str, str]
    # Each decided review of the expert's work with its reason and note; never the reviewer.
    review_outcomes: list[AuthorReview] = field(default_factory=list)
    reviews_pending: int = 0


def _own(expert: User) -> list[Judgment]:
    fields = (
        "item_id",
        "project_id",
        "choice",
        "duration_seconds",
        "created_at",
        "item__external_id",
        "item__is_gold",
        "item__gold_answer",
        "item__gold_rationale",
        "project__name",
        "project__gold_feedback",
    )
    judgments = Judgment.objects.filter(expert=expert).select_related("item", "project")
    return list(judgments.only(*fields).order_by("created_at", "id"))


def _others_by_item(expert: User) -> dict[int, list[str]]:
    """The other experts' choices on each item this expert judged, without who made them."""
    mine = Judgment.objects.filter(expert=expert).values("item_id")
    rows = Judgment.objects.filter(item_id__in=mine).exclude(expert=expert)
    choices: dict[int, list[str]] = defaultdict(list)
    for item_id, choice in rows.values_list("item_id", "choice").iterator(chunk_size=2000):
        choices[item_id].append(choice)
    return choices


def _peer_times(expert: User) -> dict[tuple[int, int | None], list[float]]:
    """Durations of each other expert, keyed (expert, project) and (expert, None) for all."""
    projects = Judgment.objects.filter(expert=expert).values("project_id")
    rows = Judgment.objects.filter(project_id__in=projects).exclude(expert=expert)
    times: dict[tuple[int, int | None], list[float]] = defaultdict(list)
    query = rows.values_list("expert_id", "project_id", "duration_seconds")
    for expert_id, project_id, seconds in query.iterator(chunk_size=2000):
        times[(expert_id, project_id)].append(seconds)
        times[(expert_id, None)].append(seconds)
    return times


def _peer_medians(
    times: dict[tuple[int, int | None], list[float]], project_id: int | None
) -> list[float]:
    return [
        median
        for (_, project), values in times.items()
        if project == project_id and (median := qp.median(values)) is not None
    ]


def _is_gold(judgment: Judgment) -> bool:
    return judgment.item.is_gold and judgment.item.gold_answer in CHOICES


def _agreement(judgments: list[Judgment], others: dict[int, list[str]]) -> Agreement:
    verdicts = Counter(qp.verdict(j.choice, others.get(j.item_id, [])) for j in judgments)
    agreed, disagreed = verdicts["agreed"], verdicts["disagreed"]
    return Agreement(
        rate=qp.rate(agreed, agreed + disagreed),
        no_consensus=verdicts["no_consensus"],
        too_few_others=verdicts["too_few_others"],
    )


def _speed(judgments: list[Judgment], peers: list[float]) -> Speed:
    mine = qp.median([j.duration_seconds for j in judgments])
    percentile = None if mine is None else qp.time_percentile(mine, peers)
    return Speed(len(judgments), mine, percentile, len(peers))


def _reviews(outcomes: list[AuthorReview]) -> Reviews:
    counts = Counter(o.outcome for o in outcomes)
    return Reviews(
        available=bool(outcomes),
        reviewed=len(outcomes),
        accepted=counts["approved"],
        rejected=counts["rejected"],
        corrected=counts["corrected"],
    )


def _metrics(
    judgments: list[Judgment],
    others: dict[int, list[str]],
    peers: list[float],
    outcomes: list[AuthorReview],
) -> Metrics:
    gold = [j for j in judgments if _is_gold(j)]
    right = sum(1 for j in gold if j.choice == j.item.gold_answer)
    return Metrics(
        judgments=len(judgments),
        gold=qp.rate(right, len(gold)),
        agreement=_agreement(judgments, others),
        speed=_speed(judgments, peers),
        reviews=_reviews(outcomes),
    )


def _gold_item(judgment: Judgment) -> GoldItem:
    item, shown = judgment.item, judgment.project.gold_feedback
    return GoldItem(
        external_id=item.external_id,
        project_id=judgment.project_id,
        project_name=judgment.project.name,
        choice=judgment.choice,
        expected=item.gold_answer if shown else None,
        correct=judgment.choice == item.gold_answer if shown else None,
        rationale=item.gold_rationale if shown else "",
        judged_at=judgment.created_at,
    )


def _eligibility(expert: User) -> Eligibility:
    states = Counter(state.state for state in work_overview(expert))
    by_state = {name: states.get(name, 0) for name in STATES}
    return Eligibility(projects=sum(states.values()), by_state=by_state)


def profile_of(expert: User) -> QualityProfile:
    """The expert's own metrics; the caller has checked that ``expert`` is the one asking."""
    judgments = _own(expert)
    others = _others_by_item(expert) if judgments else {}
    times = _peer_times(expert) if judgments else {}
    outcomes = reviews_of_author(expert) if judgments else []
    by_project: dict[int, list[Judgment]] = defaultdict(list)
    for judgment in judgments:
        by_project[judgment.project_id].append(judgment)
    projects = [
        ProjectMetrics(
            project_id=project_id,
            name=own[0].project.name,
            metrics=_metrics(
                own,
                others,
                _peer_medians(times, project_id),
                [o for o in outcomes if o.project_id == project_id],
            ),
        )
        for project_id, own in sorted(
            by_project.items(), key=lambda pair: (pair[1][0].project.name, pair[0])
        )
    ]
    return QualityProfile(
        overall=_metrics(judgments, others, _peer_medians(times, None), outcomes),
        projects=projects,
        gold_items=[_gold_item(j) for j in reversed(judgments) if _is_gold(j)],
        eligibility=_eligibility(expert),
        explanations=qp.explanations(),
        review_outcomes=outcomes,
        reviews_pending=pending_of_author(expert) if judgments else 0,
    )
