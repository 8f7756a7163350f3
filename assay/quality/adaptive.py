"""Adaptive redundancy: ask for another judgment only while an item is still uncertain.

A fixed overlap (say five judgments per item) spends as much on an item two careful
experts already agree on as on a contested one. The rule here computes the item's
posterior over labels from the votes so far and the voters' estimated accuracies
(the one-coin model of ``assay.quality.labels.one_coin``) and stops once the top
label is probable enough, within a minimum and maximum number of votes.

This module decides; it does not fetch votes or assign work. ``vote_evidence`` and
``stopping`` are vectorized over many items so a simulation or a batch job uses the
exact rule that ``decide`` applies to one item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from assay.quality._common import FloatArray, IntArray, argmax_preferring, as_float, as_index

__all__ = ["Decision", "Policy", "decide", "stopping", "vote_evidence"]

# A claimed accuracy of exactly 1 would let one vote settle an item for good.
ACCURACY_BOUNDS = (0.01, 0.99)
Reason = Literal["confident", "max_votes", "need_more", "below_min"]


@dataclass(frozen=True)
class Policy:
    """At least ``min_votes``, at most ``max_votes``; stop early at ``target`` confidence.

    The defaults are the policy bench/adaptive_sim.py measures: on an expert panel it
    matches the accuracy of a fixed overlap of 5 with 54-59% of the judgments (median
    over seeds), because most items stop at two agreeing experts and the budget saved
    goes to the contested ones (up to 7). On a noisier crowd 0.95 buys more accuracy
    than fixed 5 gives; a target near the accuracy wanted costs less.
    """

    min_votes: int = 2
    max_votes: int = 7
    target: float = 0.95

    def __post_init__(self) -> None:
        if not 1 <= self.min_votes <= self.max_votes:
            raise ValueError("need 1 <= min_votes <= max_votes")
        if not 0.0 < self.target <= 1.0:
            raise ValueError("target must be a probability above 0")


@dataclass(frozen=True)
class Decision:
    """The item's posterior, its current best label, and whether to stop asking."""

    posterior: FloatArray
    label: int
    confidence: float
    stop: bool
    reason: Reason


def vote_evidence(*, labels: IntArray, accuracies: FloatArray, n_classes: int) -> FloatArray:
    """Per vote, the log-likelihood of each class: log(a) for the named class, else
    log((1 - a) / (K - 1)). Returns shape (votes, classes); sum over votes per item."""
    accuracy = np.clip(accuracies, *ACCURACY_BOUNDS)
    wrong = np.log((1.0 - accuracy) / max(n_classes - 1, 1))
    evidence = np.repeat(wrong[:, None], n_classes, axis=1)
    evidence[np.arange(len(labels)), labels] = np.log(accuracy)
    return evidence


def stopping(
    *, confidence: FloatArray, votes: IntArray, policy: Policy
) -> tuple[NDArray[np.bool_], NDArray[np.str_]]:
    """Whether each item is done, and why: confident, max_votes, need_more or below_min."""
    confident = (votes >= policy.min_votes) & (confidence >= policy.target)
    exhausted = votes >= policy.max_votes
    reason = np.where(
        confident,
        "confident",
        np.where(
            exhausted, "max_votes", np.where(votes < policy.min_votes, "below_min", "need_more")
        ),
    )
    return confident | exhausted, reason


def decide(
    *,
    labels: ArrayLike,
    accuracies: ArrayLike,
    n_classes: int,
    policy: Policy,
    prior: ArrayLike | None = None,
) -> Decision:
    """The adaptive-redundancy rule for one item.

    ``labels`` are the votes so far (class codes) and ``accuracies`` the voters'
    estimated probabilities of being right, in the same order. ``prior`` defaults to
    uniform. A posterior tie goes to the class with the higher prior, then the lower
    code (as in ``assay.quality.labels``).
    """
    votes = as_index("labels", labels)
    accuracy = as_float("accuracies", accuracies)
    if len(votes) != len(accuracy):
        raise ValueError("give one accuracy per vote")
    if votes.size and int(votes.max()) >= n_classes:
        raise ValueError("a vote names a class code beyond n_classes")
    base = np.full(n_classes, 1.0 / n_classes) if prior is None else as_float("prior", prior)
    log_score = np.log(base) + vote_evidence(
        labels=votes, accuracies=accuracy, n_classes=n_classes
    ).sum(axis=0)
    posterior = np.exp(log_score - log_score.max())
    posterior /= posterior.sum()
    label = int(argmax_preferring(posterior[None, :], base)[0])
    stop, reason = stopping(
        confidence=posterior[[label]], votes=np.array([len(votes)]), policy=policy
    )
    return Decision(
        posterior, label, float(posterior[label]), bool(stop[0]), cast(Reason, str(reason[0]))
    )
