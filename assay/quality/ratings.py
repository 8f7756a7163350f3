"""Numeric ratings: per-criterion item scores corrected for each expert's leniency.

Some experts rate everything a point higher than others. With few ratings per item,
which experts happened to rate an item then moves its mean more than its quality
does. The model is ``rating = item score + expert bias + noise``, fitted separately
per criterion (an expert can be lenient on style and strict on accuracy).

Fitted by alternating least squares: item scores given biases are means of
bias-corrected ratings; biases given scores are shrunk means of residuals,
sum / (count + shrinkage), so an expert with two ratings is not declared biased on
that evidence alone (ridge regression on the biases). Biases are then shifted so
their mean over all ratings of a criterion is zero: that fixes the otherwise free
constant between scores and biases (scores stay on the scale of the average rating)
and removes the slow mode that would otherwise take ALS hundreds of sweeps.

Reference: Y. Koren, R. Bell and C. Volinsky, "Matrix Factorization Techniques for
Recommender Systems", IEEE Computer 42(8), 2009 (baseline predictors with regularized
biases).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from assay.quality._common import (
    FloatArray,
    IntArray,
    as_float,
    as_index,
    code_count,
    same_length,
    tally,
)

__all__ = ["RatingsResult", "aggregate_ratings"]


@dataclass(frozen=True)
class RatingsResult:
    """Per item and criterion: ``scores`` (bias-corrected; NaN where unrated), plain
    ``means`` and ``ratings`` counts; per expert and criterion: ``bias``.

    ``stderr`` is the residual standard deviation of the criterion over the square
    root of the item's rating count: a rough error bar, wide for sparsely rated items.
    """

    scores: FloatArray
    means: FloatArray
    stderr: FloatArray
    bias: FloatArray
    ratings: FloatArray
    iterations: int
    converged: bool


@dataclass(frozen=True)
class _Keys:
    """Ratings keyed by (item, criterion) and (expert, criterion) in flat codes."""

    item: IntArray
    worker: IntArray
    criterion: IntArray
    n_items: int
    n_workers: int
    n_criteria: int


def _per_key(keys: IntArray, values: FloatArray, size: int, extra: float = 0.0) -> FloatArray:
    """Sum per key divided by (count + extra); NaN for keys with no rows and no extra."""
    total = tally(keys, values, size)
    count = tally(keys, None, size) + extra
    mean: FloatArray = np.divide(total, count, out=np.full(size, np.nan), where=count > 0)
    return mean


def _keys(
    items: ArrayLike,
    workers: ArrayLike,
    rating: FloatArray,
    criteria: ArrayLike | None,
    sizes: tuple[int | None, int | None, int | None],
) -> _Keys:
    item_codes, worker_codes = as_index("items", items), as_index("workers", workers)
    criterion = (
        np.zeros(len(rating), np.intp) if criteria is None else as_index("criteria", criteria)
    )
    same_length(items=item_codes, workers=worker_codes, values=rating, criteria=criterion)
    n_c = code_count("n_criteria", criterion, sizes[2])
    return _Keys(
        item=item_codes * n_c + criterion,
        worker=worker_codes * n_c + criterion,
        criterion=criterion,
        n_items=code_count("n_items", item_codes, sizes[0]),
        n_workers=code_count("n_workers", worker_codes, sizes[1]),
        n_criteria=n_c,
    )


def _fit(
    keys: _Keys, rating: FloatArray, shrinkage: float, max_iter: int, tol: float
) -> tuple[FloatArray, int, bool]:
    """Alternate item means and shrunk expert biases until no bias moves by ``tol``."""
    bias = np.zeros(keys.n_workers * keys.n_criteria)
    n_scores = keys.n_items * keys.n_criteria
    for iteration in range(1, max_iter + 1):
        score = _per_key(keys.item, rating - bias[keys.worker], n_scores)
        updated = _per_key(keys.worker, rating - score[keys.item], len(bias), extra=shrinkage)
        updated -= _per_key(keys.criterion, updated[keys.worker], keys.n_criteria)[
            np.arange(len(bias)) % keys.n_criteria
        ]
        change = float(np.max(np.abs(updated - bias), initial=0.0))
        bias = updated
        if change < tol:
            return bias, iteration, True
    return bias, max_iter, False


def aggregate_ratings(
    *,
    items: ArrayLike,
    workers: ArrayLike,
    values: ArrayLike,
    criteria: ArrayLike | None = None,
    n_items: int | None = None,
    n_workers: int | None = None,
    n_criteria: int | None = None,
    shrinkage: float = 3.0,
    max_iter: int = 500,
    tol: float = 1e-9,
) -> RatingsResult:
    """Bias-corrected item scores per criterion, by alternating least squares.

    ``criteria`` gives each rating's criterion code (all 0 when omitted). ``shrinkage``
    is the number of virtual unbiased ratings each expert starts with.
    """
    rating = as_float("values", values)
    keys = _keys(items, workers, rating, criteria, (n_items, n_workers, n_criteria))
    bias, iterations, converged = _fit(keys, rating, shrinkage, max_iter, tol)
    shape = (keys.n_items, keys.n_criteria)
    score = _per_key(keys.item, rating - bias[keys.worker], keys.n_items * keys.n_criteria)
    residual = rating - score[keys.item] - bias[keys.worker]
    spread = np.sqrt(_per_key(keys.criterion, residual**2, keys.n_criteria))
    count = tally(keys.item, None, keys.n_items * keys.n_criteria).reshape(shape)
    stderr = np.divide(spread, np.sqrt(count), out=np.full(shape, np.nan), where=count > 0)
    return RatingsResult(
        scores=score.reshape(shape),
        means=_per_key(keys.item, rating, keys.n_items * keys.n_criteria).reshape(shape),
        stderr=stderr,
        bias=bias.reshape(keys.n_workers, keys.n_criteria),
        ratings=count,
        iterations=iterations,
        converged=converged,
    )
