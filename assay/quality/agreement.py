"""Inter-annotator agreement: Krippendorff's alpha, Fleiss' kappa, percent agreement,
and each worker's agreement with the consensus of the others.

All take the same long-format ``Judgments`` as the truth-inference methods and start
from the item-by-class count table, built with one ``np.bincount``.

References: K. Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011),
https://repository.upenn.edu/asc_papers/43 (coincidence matrix and the nominal,
ordinal, interval and ratio difference functions); J. L. Fleiss, "Measuring nominal
scale agreement among many raters", Psychological Bulletin 76(5), 1971.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from assay.quality._common import FloatArray, as_float, tally
from assay.quality.labels import Judgments

__all__ = [
    "WorkerAgreement",
    "coincidences",
    "fleiss_kappa",
    "krippendorff_alpha",
    "percent_agreement",
    "worker_agreement",
]

Metric = Literal["nominal", "ordinal", "interval", "ratio"]


def _counts(data: Judgments) -> FloatArray:
    """``counts[item, class]``: how many judgments put the item in the class."""
    flat = tally(data.items * data.n_classes + data.labels, None, data.n_items * data.n_classes)
    return flat.reshape(data.n_items, data.n_classes)


def _pairable(counts: FloatArray) -> FloatArray:
    """Only items with two or more judgments say anything about agreement."""
    pairable: FloatArray = counts[counts.sum(axis=1) >= 2]
    return pairable


def coincidences(data: Judgments) -> FloatArray:
    """Krippendorff's coincidence matrix: o[c, k] = sum over items of n_c n_k / (m - 1), c != k.

    Each item with m values contributes its m(m - 1) ordered pairs of values from
    different judgments, weighted 1 / (m - 1) so that every value counts once.
    """
    counts = _pairable(_counts(data))
    weighted = counts / (counts.sum(axis=1, keepdims=True) - 1.0)
    matrix: FloatArray = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    return matrix


def _ordinal_distance(marginals: FloatArray) -> FloatArray:
    """(sum of n_g for g from c to k, minus (n_c + n_k) / 2) squared: ranks, not numbers, matter."""
    through = np.cumsum(marginals)
    low = np.minimum.outer(np.arange(len(marginals)), np.arange(len(marginals)))
    high = np.maximum.outer(np.arange(len(marginals)), np.arange(len(marginals)))
    span = through[high] - through[low] + marginals[low]
    distance: FloatArray = (span - (marginals[:, None] + marginals[None, :]) / 2.0) ** 2
    return distance


def _distance(metric: Metric, levels: FloatArray, marginals: FloatArray) -> FloatArray:
    """The squared difference function delta^2[c, k] for the metric."""
    if metric == "nominal":
        return 1.0 - np.eye(len(levels))
    if metric == "ordinal":
        return _ordinal_distance(marginals)
    gap = levels[:, None] - levels[None, :]
    if metric == "interval":
        interval: FloatArray = gap**2
        return interval
    total = levels[:, None] + levels[None, :]
    ratio: FloatArray = np.divide(gap, total, out=np.zeros_like(gap), where=total != 0) ** 2
    return ratio


def krippendorff_alpha(
    *, data: Judgments, metric: Metric = "nominal", levels: ArrayLike | None = None
) -> float:
    """Krippendorff's alpha: 1 - observed / expected disagreement.

    ``levels`` gives the number each class code stands for (interval and ratio
    metrics); by default code c stands for c. Ordinal uses the code order. Items with
    fewer than two judgments are left out, as the method prescribes. Returns NaN when
    all pairable values are equal (no expected disagreement: alpha is undefined).
    """
    values = (
        np.arange(data.n_classes, dtype=np.float64)
        if levels is None
        else as_float("levels", levels)
    )
    if len(values) != data.n_classes:
        raise ValueError(f"levels must give one number per class ({data.n_classes})")
    observed = coincidences(data)
    marginals = observed.sum(axis=1)
    total = marginals.sum()
    delta = _distance(metric, values, marginals)
    expected = float(marginals @ delta @ marginals)
    if expected == 0.0:
        return float("nan")
    return 1.0 - (float(total) - 1.0) * float((observed * delta).sum()) / expected


def fleiss_kappa(*, data: Judgments) -> float:
    """Fleiss' kappa over items with two or more judgments.

    Fleiss defined it for a constant number of raters per item; with varying counts
    this uses each item's own m in its agreement P_i = sum n_ij(n_ij - 1) / (m(m - 1)),
    averages P_i over items, and takes chance agreement from the pooled class shares.
    Returns NaN when chance agreement is 1 (everyone used one class).
    """
    counts = _pairable(_counts(data))
    raters = counts.sum(axis=1)
    observed = float(np.mean(((counts * (counts - 1.0)).sum(axis=1)) / (raters * (raters - 1.0))))
    shares = counts.sum(axis=0) / raters.sum()
    chance = float(shares @ shares)
    if chance == 1.0:
        return float("nan")
    return (observed - chance) / (1.0 - chance)


def percent_agreement(*, data: Judgments) -> float:
    """The share of agreeing pairs among all pairs of judgments on the same item.

    Pair-weighted: an item with 10 judgments has 45 pairs and weighs more than an item
    with 3 (3 pairs). NaN when no item has two judgments.
    """
    counts = _pairable(_counts(data))
    raters = counts.sum(axis=1)
    pairs = float((raters * (raters - 1.0)).sum())
    if pairs == 0.0:
        return float("nan")
    return float((counts * (counts - 1.0)).sum()) / pairs


@dataclass(frozen=True)
class WorkerAgreement:
    """Per worker: mean agreement with the others' majority, and how many judgments counted."""

    agreement: FloatArray
    compared: FloatArray


def worker_agreement(*, data: Judgments) -> WorkerAgreement:
    """How often each worker agrees with the majority of the *other* workers on an item.

    The worker's own votes on the item are taken out first, so a worker cannot agree
    with themselves. If the others are tied between several labels including the
    worker's, the judgment earns 1 / (number tied), the chance a fair tie break would
    have agreed. Judgments on items no one else labelled do not count; a worker with
    none gets NaN.
    """
    k = data.n_classes
    counts = _counts(data)
    pair, pair_of_row = np.unique(data.items * data.n_workers + data.workers, return_inverse=True)
    own = tally(pair_of_row * k + data.labels, None, len(pair) * k).reshape(len(pair), k)
    others = counts[data.items] - own[pair_of_row]
    top = others.max(axis=1)
    tied = others == top[:, None]
    usable = top > 0
    credit = np.where(tied[np.arange(len(data.labels)), data.labels], 1.0 / tied.sum(axis=1), 0.0)
    scored = tally(data.workers[usable], credit[usable], data.n_workers)
    compared = tally(data.workers[usable], None, data.n_workers)
    agreement = np.divide(scored, compared, out=np.full(data.n_workers, np.nan), where=compared > 0)
    return WorkerAgreement(agreement, compared)
