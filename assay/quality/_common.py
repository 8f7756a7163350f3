"""Array checks and small numeric helpers shared by the quality modules.

Every quality method takes judgments in long format: one row per judgment, given as
parallel integer arrays (item index, worker index, label index). Indexes are dense
codes starting at 0, as ``assay.quality.io`` produces them; these helpers reject
anything else early, with a message naming the argument, because a silent negative
index or a float array would otherwise turn into a wrong answer rather than an error.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

IntArray = NDArray[np.intp]
FloatArray = NDArray[np.float64]


def as_index(name: str, values: ArrayLike) -> IntArray:
    """``values`` as a 1-D array of non-negative integer codes, or a ValueError."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer codes, got dtype {array.dtype}")
    codes = array.astype(np.intp, copy=False)
    if codes.size and int(codes.min()) < 0:
        raise ValueError(f"{name} must not hold negative codes")
    return codes


def as_float(name: str, values: ArrayLike) -> FloatArray:
    """``values`` as a 1-D array of finite floats, or a ValueError."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers")
    return array


def same_length(**arrays: NDArray[Any]) -> int:
    """The common length of the named arrays, or a ValueError naming them."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"arrays must have the same length, got {lengths}")
    return next(iter(lengths.values()), 0)


def code_count(name: str, codes: IntArray, given: int | None) -> int:
    """How many codes there are: ``given`` if set (checked), else the largest code + 1."""
    needed = int(codes.max()) + 1 if codes.size else 0
    if given is None:
        return needed
    if given < needed:
        raise ValueError(f"{name} is {given} but the data use code {needed - 1}")
    return given


def normalize_log(log_scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Softmax over axis 0 of class-major log scores ``[class, item]``, and each log normalizer.

    Class-major layout makes the reductions over a handful of classes plain element-wise
    operations across items, several times faster than reducing a short inner axis.
    Working in log space keeps items with many judgments from underflowing to 0/0.
    """
    top = log_scores.max(axis=0)
    shifted = np.exp(log_scores - top)
    total = shifted.sum(axis=0)
    posterior: FloatArray = shifted / total
    log_norm: FloatArray = np.log(total) + top
    return posterior, log_norm


def argmax_preferring(scores: FloatArray, preference: FloatArray) -> IntArray:
    """Row-wise argmax; a tie goes to the class with the higher ``preference``, then the lower code.

    ``np.argmax`` alone would always favour the lowest code, so recoding the same data
    (0/1 versus 1/2) could change the answer; preferring the globally more frequent
    class makes the rule depend on the data, not on how labels happen to be numbered.
    """
    n_classes = scores.shape[1]
    # rank 0 is the most preferred class; a stable sort keeps lower codes first among equals.
    rank = np.empty(n_classes, dtype=np.intp)
    rank[np.argsort(-preference, kind="stable")] = np.arange(n_classes)
    top = scores.max(axis=1, keepdims=True)
    tied = np.isclose(scores, top, rtol=1e-12, atol=0.0)
    key = np.where(tied, n_classes - rank, 0)
    chosen: IntArray = np.argmax(key, axis=1).astype(np.intp)
    return chosen


def count_ties(scores: FloatArray) -> int:
    """How many rows have more than one class at the top score (rows of all zeros excluded)."""
    top = scores.max(axis=1, keepdims=True)
    tied = np.isclose(scores, top, rtol=1e-12, atol=0.0).sum(axis=1) > 1
    return int(np.count_nonzero(tied & (top[:, 0] > 0)))


def dirichlet_std(counts: FloatArray) -> FloatArray:
    """Posterior standard deviation of each probability in Dirichlet rows with these parameters.

    Var(p_i) = a_i (a_0 - a_i) / (a_0^2 (a_0 + 1)), a_0 = the row's sum: the fewer
    judgments a worker gave, the wider the reported uncertainty.
    """
    total = counts.sum(axis=-1, keepdims=True)
    variance = counts * (total - counts) / (total**2 * (total + 1.0))
    result: FloatArray = np.sqrt(variance)
    return result


def tally(codes: IntArray, weights: FloatArray | None, size: int) -> FloatArray:
    """Sum of ``weights`` (or count) per code, ``size`` long: a typed ``np.bincount``.

    Every aggregation in this package goes through here; bincount is a single
    C pass, an order of magnitude faster than ``np.add.at`` on millions of rows.
    """
    summed: FloatArray = np.bincount(codes, weights=weights, minlength=size).astype(
        np.float64, copy=False
    )
    return summed
