"""Seeded synthetic crowds with known truth and known worker confusion matrices.

Tests check that Dawid-Skene recovers what generated the data, the benchmark times it
at a million labels, and the adaptive-redundancy simulation draws experts from it.
Everything comes from one ``np.random.default_rng(seed)``, so a seed names a data set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assay.quality._common import FloatArray, IntArray
from assay.quality.labels import Judgments, judgments

__all__ = ["SyntheticCrowd", "sample_answers", "synthetic_crowd", "worker_confusions"]


@dataclass(frozen=True)
class SyntheticCrowd:
    """Judgments plus what generated them: true labels, class prior, confusion matrices."""

    data: Judgments
    truth: IntArray
    class_prior: FloatArray
    confusion: FloatArray


def worker_confusions(
    *, n_workers: int, n_classes: int, rng: np.random.Generator, spammer_share: float = 0.1
) -> FloatArray:
    """Confusion matrices ``[w, true, answer]`` of a mixed crowd.

    Most workers are right with a probability drawn from U(0.6, 0.95) for each class
    separately, and spread their errors unevenly (Dirichlet(1)) over the other
    classes, so the matrices are genuinely not one-coin; ``spammer_share`` of them
    answer uniformly at random, whatever the truth.
    """
    accuracy = rng.uniform(0.6, 0.95, size=(n_workers, n_classes))
    errors = rng.dirichlet(np.ones(max(n_classes - 1, 1)), size=(n_workers, n_classes))
    confusion = np.empty((n_workers, n_classes, n_classes))
    for true in range(n_classes):
        others = [answer for answer in range(n_classes) if answer != true]
        confusion[:, true, true] = accuracy[:, true]
        confusion[:, true, others] = errors[:, true, : len(others)] * (1 - accuracy[:, [true]])
    spammers = rng.random(n_workers) < spammer_share
    confusion[spammers] = 1.0 / n_classes
    return confusion


def sample_answers(
    *, confusion: FloatArray, workers: IntArray, truth: IntArray, rng: np.random.Generator
) -> IntArray:
    """One answer per (worker, true label) row, drawn from that worker's confusion row."""
    cumulative = np.cumsum(confusion[workers, truth], axis=1)
    draw = rng.random(len(workers))[:, None]
    answers: IntArray = np.minimum((draw >= cumulative).sum(axis=1), confusion.shape[2] - 1).astype(
        np.intp
    )
    return answers


def _distinct_workers(
    n_items: int, n_workers: int, per_item: int, rng: np.random.Generator
) -> IntArray:
    """``per_item`` different workers per item: a random start and a random stride.

    A stride below n_workers / per_item keeps the workers of one item distinct without
    drawing a permutation per item (which at 200,000 items would dominate the time).
    """
    start = rng.integers(0, n_workers, size=n_items)
    stride = rng.integers(1, max(n_workers // per_item, 2), size=n_items)
    offsets = np.arange(per_item)
    chosen: IntArray = (start[:, None] + stride[:, None] * offsets) % n_workers
    return chosen.ravel()


def synthetic_crowd(
    *,
    n_items: int,
    n_workers: int,
    per_item: int,
    n_classes: int,
    seed: int,
    spammer_share: float = 0.1,
) -> SyntheticCrowd:
    """A crowd where each item gets ``per_item`` answers from distinct random workers."""
    if per_item > n_workers:
        raise ValueError("per_item cannot exceed n_workers: workers per item are distinct")
    rng = np.random.default_rng(seed)
    class_prior = rng.dirichlet(np.full(n_classes, 5.0))
    truth = rng.choice(n_classes, size=n_items, p=class_prior).astype(np.intp)
    confusion = worker_confusions(
        n_workers=n_workers, n_classes=n_classes, rng=rng, spammer_share=spammer_share
    )
    items = np.repeat(np.arange(n_items, dtype=np.intp), per_item)
    workers = _distinct_workers(n_items, n_workers, per_item, rng)
    labels = sample_answers(confusion=confusion, workers=workers, truth=truth[items], rng=rng)
    data = judgments(
        items=items,
        workers=workers,
        labels=labels,
        n_items=n_items,
        n_workers=n_workers,
        n_classes=n_classes,
    )
    return SyntheticCrowd(data, truth, class_prior, confusion)
