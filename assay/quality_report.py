"""A project's quality figures for its requester, computed from its judgments.

Pairwise labels are A, B and tie; one-coin Dawid-Skene (``assay.quality.labels``)
estimates each item's answer and each expert's reliability, with gold items
clamped to their expected answers. Other task types have no categorical label, so
agreement, alpha and reliability are "not applicable" (never a number computed from an
empty column); they report their counts, review outcomes and, where the type has one,
its own aggregation (Bradley-Terry per ranked item, bias-corrected rubric scores).
Figures are stored as snapshots, refreshed on demand, by ``assay quality refresh`` and
by ``assay notify`` once enough new judgments arrive, so a page view never recomputes.
"""

from __future__ import annotations

import math
import statistics
from itertools import pairwise
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count, QuerySet

from assay import clock
from assay.exports.options import ExportOptions
from assay.exports.registry import Scope
from assay.models import ExpertProfile, Judgment, Project, QualitySnapshot, Review
from assay.quality.agreement import krippendorff_alpha, percent_agreement
from assay.quality.labels import judgments as label_table
from assay.quality.labels import one_coin
from assay.tasktypes import _exports as ex
from assay.tasktypes import require, rubric
from assay.tasktypes.ranking import RankingAnswer, RankingItem, consensus

CODES = {"a": 0, "b": 1, "tie": 2}
NAMES = ("A", "B", "tie")
BUCKETS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01)
REFRESH_EVERY = 50  # new judgments that make a snapshot stale


def _rows(project: Project) -> list[tuple[int, int, str, str, bool, str]]:
    return list(
        Judgment.objects.filter(project=project)
        .order_by("id")
        .values_list(
            "item_id",
            "expert_id",
            "choice",
            "item__external_id",
            "item__is_gold",
            "item__gold_answer",
        )
    )


def _histogram(confidence: np.ndarray[Any, Any]) -> list[list[Any]]:
    counts, _ = np.histogram(confidence, bins=[0.0, *BUCKETS])
    labels = ["< 50%"] + [
        f"{int(lo * 100)} to {min(int(hi * 100), 100)}%" for lo, hi in pairwise(BUCKETS)
    ]
    return [[label, int(n)] for label, n in zip(labels, counts, strict=True)]


def compute(project: Project) -> dict[str, Any]:
    if project.task_type != "pairwise":
        return _typed(project)
    rows = _rows(project)
    if not rows:
        return {"judgments": 0, "items": 0}
    item_ids = sorted({r[0] for r in rows})
    expert_ids = sorted({r[1] for r in rows})
    item_code = {i: n for n, i in enumerate(item_ids)}
    expert_code = {e: n for n, e in enumerate(expert_ids)}
    data = label_table(
        items=[item_code[r[0]] for r in rows],
        workers=[expert_code[r[1]] for r in rows],
        labels=[CODES[r[2]] for r in rows],
        n_items=len(item_ids),
        n_workers=len(expert_ids),
        n_classes=3,
    )
    gold = {item_code[r[0]]: CODES[r[5]] for r in rows if r[4] and r[5] in CODES}
    fit = one_coin(data=data, gold=(list(gold), list(gold.values())) if gold else None)
    return _summary(project, rows, item_ids, expert_ids, data, fit, set(gold))


def _summary(project, rows, item_ids, expert_ids, data, fit, gold_codes) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    posterior = fit.truth.posterior
    confidence = posterior.max(axis=1)
    work = np.array([n for n in range(len(item_ids)) if n not in gold_codes], dtype=int)
    external = {r[0]: r[3] for r in rows}
    pseudonyms = dict(
        ExpertProfile.objects.filter(user_id__in=expert_ids).values_list("user_id", "pseudonym")
    )
    counts = np.bincount(data.workers, minlength=len(expert_ids))
    order = work[np.argsort(confidence[work])][:10] if work.size else work
    alpha = krippendorff_alpha(data=data)
    return {
        "judgments": len(rows),
        "items": int(work.size),
        "alpha": round(float(alpha), 4),
        "percent_agreement": round(float(percent_agreement(data=data)), 4),
        "expected_accuracy": round(float(confidence[work].mean()), 4) if work.size else None,
        "confidence": _histogram(confidence[work]) if work.size else [],
        "experts": sorted(
            (
                [
                    pseudonyms.get(e, "?"),
                    round(float(fit.accuracy[n]), 3),
                    round(float(fit.accuracy_std[n]), 3),
                    int(counts[n]),
                ]
                for n, e in enumerate(expert_ids)
            ),
            key=lambda row: row[1],
        ),
        "lowest": [
            [external[item_ids[n]], NAMES[int(fit.truth.labels[n])], round(float(confidence[n]), 3)]
            for n in order
        ],
        "method": "one-coin Dawid-Skene, gold items clamped",
        "task_type": "pairwise",
        "agreement": "categorical",
    }


# Other task types ----------------------------------------------------------------------


def not_applicable(task_type: str) -> str:
    """Why agreement figures are absent for a type without a categorical label."""
    return (
        f"not applicable: {task_type} answers have no categorical label, so agreement "
        "between experts is not a share of equal labels"
    )


def _counts(rows: QuerySet[Any], field: str) -> dict[Any, int]:
    return dict(rows.order_by().values(field).annotate(n=Count("id")).values_list(field, "n"))


def _typed(project: Project) -> dict[str, Any]:
    """Counts and review outcomes for any type, plus its own aggregation if it has one."""
    kind = require(project.task_type)
    judgments = Judgment.objects.filter(project=project)
    last = judgments.order_by("-id").values_list("id", flat=True).first()
    if last is None:
        return {"judgments": 0, "items": 0, "task_type": kind.code}
    per_expert = dict(
        judgments.order_by()
        .values("expert_id")
        .annotate(n=Count("id"))
        .values_list("expert_id", "n")
    )
    pseudonyms = dict(
        ExpertProfile.objects.filter(user_id__in=per_expert).values_list("user_id", "pseudonym")
    )
    outcomes = Review.objects.filter(project=project, status=Review.Status.DONE)
    data: dict[str, Any] = {
        "judgments": sum(per_expert.values()),
        "items": judgments.filter(item__is_gold=False).values("item_id").distinct().count(),
        "task_type": kind.code,
        "agreement": "not applicable",
        "agreement_note": not_applicable(kind.code),
        "alpha": None,
        "percent_agreement": None,
        "expected_accuracy": None,
        "confidence": [],
        "experts": [],
        "lowest": [],
        "contributors": sorted([pseudonyms.get(e, "?"), n] for e, n in per_expert.items()),
        "reviews": dict(
            outcomes.order_by()
            .values("outcome")
            .annotate(n=Count("id"))
            .values_list("outcome", "n")
        ),
        "method": kind.aggregation or "no aggregation across experts",
    }
    aggregate = AGGREGATES.get(kind.code)
    if aggregate is not None:
        scope = Scope(project, ExportOptions(kind="quality"), last, project.licence)
        data["aggregate"] = aggregate(project, list(ex.by_item(scope)))
    return data


def _ranking(project: Project, groups: list[list[ex.Row]]) -> dict[str, Any]:
    """Bradley-Terry consensus per item; the closest calls are the smallest score gaps."""
    calls = []
    for group in groups:
        k = len(RankingItem.model_validate(group[0].data).responses)
        answers = [RankingAnswer.model_validate(r.final_answer) for r in group]
        order, scores = consensus(k, answers)
        calls.append([group[0].item_id, order[0], round(scores[order[0]] - scores[order[1]], 4)])
    calls.sort(key=lambda row: (row[2], row[0]))
    return {
        "items": len(groups),
        "items_with_overlap": sum(1 for g in groups if len(g) >= 2),
        # [item, best response (0-based, as uploaded), its Bradley-Terry lead over the next]
        "closest_calls": calls[:10],
    }


def _rubric(project: Project, groups: list[list[ex.Row]]) -> dict[str, Any]:
    """Per criterion: the mean over items of the bias-corrected score, and the plain mean."""
    criteria = require(project.task_type).config_of(project).criteria
    fitted = rubric.fit(criteria, groups)
    rows = []
    for criterion in criteria:
        found = [v for v in fitted[criterion.name] if v is not None]
        rows.append(
            [
                criterion.name,
                round(statistics.fmean(v["score"] for v in found), 4) if found else None,
                round(statistics.fmean(v["mean"] for v in found), 4) if found else None,
                len(found),
            ]
        )
    # [criterion, corrected mean, plain mean, items scored]
    return {"items": len(groups), "criteria": rows}


AGGREGATES = {"ranking": _ranking, "rubric": _rubric}


def _finite(value: Any) -> Any:
    """JSON has no NaN: an undefined figure (say, agreement with one judgment) is None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def refresh(project: Project) -> QualitySnapshot:
    data = _finite(compute(project))
    with transaction.atomic():
        return QualitySnapshot.objects.create(
            project=project, computed_at=clock.now(), judgment_count=data["judgments"], data=data
        )


def latest(project: Project) -> QualitySnapshot | None:
    return project.snapshots.order_by("-computed_at", "-id").first()


def refresh_stale(*, every: int = REFRESH_EVERY) -> int:
    """Snapshot each published project with ``every`` or more judgments since its last one."""
    refreshed = 0
    for project in Project.objects.filter(status=Project.Status.PUBLISHED):
        last = latest(project)
        count = project.judgments.count()
        if count and (last is None or count - last.judgment_count >= every):
            refresh(project)
            refreshed += 1
    return refreshed
