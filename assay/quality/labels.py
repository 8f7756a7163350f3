"""Categorical truth inference: majority vote, Dawid-Skene and one-coin Dawid-Skene.

Input is long format (one row per judgment: item code, worker code, label code) and
every step is a ``np.bincount`` over the rows, so the cost is a few passes over the
arrays per EM iteration with no Python loop over judgments; the only loops are over
classes and iterations.

References: A. P. Dawid and A. M. Skene, "Maximum Likelihood Estimation of Observer
Error-Rates Using the EM Algorithm", Applied Statistics 28(1), 1979 (full confusion
matrices); the one-coin variant (one accuracy per worker, errors spread evenly over
the other classes) is the "one-coin model" of Zhang, Chen, Zhou and Jordan, "Spectral
Methods Meet EM", NeurIPS 2014.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike

from assay.quality._common import (
    FloatArray,
    IntArray,
    argmax_preferring,
    as_float,
    as_index,
    code_count,
    count_ties,
    dirichlet_std,
    normalize_log,
    same_length,
    tally,
)

__all__ = [
    "DawidSkeneResult",
    "Judgments",
    "MajorityVoteResult",
    "OneCoinResult",
    "Truth",
    "dawid_skene",
    "dawid_skene_posterior",
    "judgments",
    "majority_vote",
    "one_coin",
]


@dataclass(frozen=True)
class Judgments:
    """Validated long-format judgments with the number of items, workers and classes."""

    items: IntArray
    workers: IntArray
    labels: IntArray
    n_items: int
    n_workers: int
    n_classes: int

    @cached_property
    def answers(self) -> IntArray:
        """Each row's (worker, label) pair as one code, worker * n_classes + label.

        Dawid-Skene indexes by it twice per iteration; computing it once saves two
        passes over the rows each time.
        """
        codes: IntArray = self.workers * self.n_classes + self.labels
        return codes


def judgments(
    *,
    items: ArrayLike,
    workers: ArrayLike,
    labels: ArrayLike,
    n_items: int | None = None,
    n_workers: int | None = None,
    n_classes: int | None = None,
) -> Judgments:
    """Check the parallel code arrays once so that each method can trust them.

    Sizes default to the largest code + 1; pass them to keep items or classes that
    no one labelled (they get the prior as posterior).
    """
    item_codes = as_index("items", items)
    worker_codes = as_index("workers", workers)
    label_codes = as_index("labels", labels)
    same_length(items=item_codes, workers=worker_codes, labels=label_codes)
    if not label_codes.size and not n_classes:
        raise ValueError("no judgments: pass n_classes to work with an empty set")
    return Judgments(
        items=item_codes,
        workers=worker_codes,
        labels=label_codes,
        n_items=code_count("n_items", item_codes, n_items),
        n_workers=code_count("n_workers", worker_codes, n_workers),
        n_classes=code_count("n_classes", label_codes, n_classes),
    )


@dataclass(frozen=True)
class Truth:
    """Per-item estimate: the chosen label code and the posterior over all classes."""

    labels: IntArray
    posterior: FloatArray

    @property
    def confidence(self) -> FloatArray:
        """The posterior probability of the chosen label."""
        return np.take_along_axis(self.posterior, self.labels[:, None], axis=1)[:, 0]


@dataclass(frozen=True)
class MajorityVoteResult:
    """Majority vote; ``ties`` counts items whose top vote count was shared."""

    truth: Truth
    ties: int


@dataclass(frozen=True)
class DawidSkeneResult:
    """Dawid-Skene estimate.

    ``confusion[w, k, l]`` is the probability that worker ``w`` answers ``l`` when
    the truth is ``k`` (posterior mean under the Dirichlet smoothing), and
    ``confusion_std`` its posterior standard deviation, wide for workers with few
    judgments.
    """

    truth: Truth
    class_prior: FloatArray
    confusion: FloatArray
    confusion_std: FloatArray
    log_likelihood: float
    iterations: int
    converged: bool


@dataclass(frozen=True)
class OneCoinResult:
    """One-coin Dawid-Skene estimate: one accuracy (and its Beta std) per worker."""

    truth: Truth
    class_prior: FloatArray
    accuracy: FloatArray
    accuracy_std: FloatArray
    log_likelihood: float
    iterations: int
    converged: bool


def _vote_counts(data: Judgments, weights: FloatArray | None = None) -> FloatArray:
    flat = data.items * data.n_classes + data.labels
    counts = tally(flat, weights, data.n_items * data.n_classes)
    return counts.astype(np.float64).reshape(data.n_items, data.n_classes)


def _vote_shares(counts: FloatArray) -> FloatArray:
    """Each item's vote shares; an item without votes gets the uniform distribution."""
    totals = counts.sum(axis=1, keepdims=True)
    uniform = np.full_like(counts, 1.0 / counts.shape[1])
    shares: FloatArray = np.divide(counts, totals, out=uniform, where=totals > 0)
    return shares


def majority_vote(*, data: Judgments, weights: ArrayLike | None = None) -> MajorityVoteResult:
    """The most voted label per item, with vote shares as the posterior.

    Tie rule: among the labels sharing the top count, the one most frequent in the
    whole data set wins, then the lowest code. The rule does not depend on how the
    labels are numbered unless two labels are also equally frequent overall. ``weights``
    (one per judgment) turns this into a weighted vote.
    """
    row_weights = None
    if weights is not None:
        row_weights = as_float("weights", weights)
        same_length(weights=row_weights, labels=data.labels)
    counts = _vote_counts(data, row_weights)
    chosen = argmax_preferring(counts, counts.sum(axis=0))
    return MajorityVoteResult(Truth(chosen, _vote_shares(counts)), ties=count_ties(counts))


def _clamp(belief: FloatArray, gold: tuple[IntArray, IntArray] | None) -> FloatArray:
    """Set gold items' posteriors to their known answer, so they anchor the worker estimates."""
    if gold is not None:
        gold_items, gold_labels = gold
        belief[:, gold_items] = 0.0
        belief[gold_labels, gold_items] = 1.0
    return belief


def _check_gold(
    data: Judgments, gold: tuple[ArrayLike, ArrayLike] | None
) -> tuple[IntArray, IntArray] | None:
    if gold is None:
        return None
    gold_items, gold_labels = as_index("gold items", gold[0]), as_index("gold labels", gold[1])
    same_length(gold_items=gold_items, gold_labels=gold_labels)
    if gold_items.size and int(gold_items.max()) >= data.n_items:
        raise ValueError("gold items refer to an item code beyond n_items")
    if gold_labels.size and int(gold_labels.max()) >= data.n_classes:
        raise ValueError("gold labels refer to a class code beyond n_classes")
    return gold_items, gold_labels


# EM below keeps beliefs class-major, ``belief[class, item]``: see ``normalize_log``.


def _start(data: Judgments, gold: tuple[IntArray, IntArray] | None) -> FloatArray:
    """Majority-vote shares as the first E-step: EM then starts near a sensible mode."""
    return _clamp(np.ascontiguousarray(_vote_shares(_vote_counts(data)).T), gold)


# How far an item with a tied majority starts toward the label majority vote picks.
TIE_TILT = 1e-6


def _tilt_ties(belief: FloatArray, data: Judgments) -> FloatArray:
    """Move tied items a hair toward majority vote's choice (``argmax_preferring``).

    A perfectly symmetric start is an unstable fixed point of full Dawid-Skene EM: the
    last-bit rounding of its sums, which depends on how items, workers and rows happen to
    be numbered, would pick the side. The tilt picks it by the tie rule instead, which
    depends only on the labels; it is far too small to move any item that is not tied.
    """
    shares = belief.T
    top = shares.max(axis=1, keepdims=True)
    tied = np.flatnonzero(np.isclose(shares, top, rtol=1e-12, atol=0.0).sum(axis=1) > 1)
    if tied.size:
        overall = tally(data.labels, None, data.n_classes)  # majority vote's preference
        chosen = argmax_preferring(shares[tied], overall)
        belief[:, tied] *= 1.0 - TIE_TILT
        belief[chosen, tied] += TIE_TILT
    return belief


def _class_prior(belief: FloatArray, smoothing: float) -> FloatArray:
    counts = belief.sum(axis=1) + smoothing
    prior: FloatArray = counts / counts.sum()
    return prior


def _truth(belief: FloatArray, prior: FloatArray) -> Truth:
    posterior = np.ascontiguousarray(belief.T)
    return Truth(argmax_preferring(posterior, prior), posterior)


def _confusion_counts(data: Judgments, belief: FloatArray) -> FloatArray:
    """Expected counts ``[w, k, l]``: how often worker w said l on items whose truth is k."""
    k = data.n_classes
    observed = data.answers
    counts = np.empty((k, data.n_workers * k))
    for true in range(k):
        counts[true] = tally(observed, belief[true].take(data.items), data.n_workers * k)
    # counts[true, w * k + l] -> [w, true, l]
    return np.ascontiguousarray(counts.reshape(k, data.n_workers, k).transpose(1, 0, 2))


def _ds_log_scores(data: Judgments, log_confusion: FloatArray, log_prior: FloatArray) -> FloatArray:
    """Unnormalized log posterior ``[class, item]``: log prior plus the votes' log-likelihood."""
    k = data.n_classes
    # by_answer[true, w * k + l] = log P(worker w answers l | truth is true)
    by_answer = np.ascontiguousarray(log_confusion.transpose(1, 0, 2).reshape(k, -1))
    observed = data.answers
    scores = np.empty((k, data.n_items))
    for true in range(k):
        scores[true] = tally(data.items, by_answer[true].take(observed), data.n_items)
    scores += log_prior[:, None]
    return scores


def _dirichlet(counts: FloatArray, smoothing: float, shrinkage: float) -> FloatArray:
    """Posterior Dirichlet parameters ``[w, k, l]`` of each worker's confusion rows.

    The prior of a row is ``smoothing`` in every cell plus ``shrinkage`` virtual
    judgments spread like the worker's one-coin matrix: their overall accuracy a on
    the diagonal, (1 - a) / (K - 1) elsewhere. A worker with few answers on a true
    class thus gets that row mostly from how often they are right overall, instead of
    from a handful of answers (with 10 classes and 60 answers per worker, about 6 per
    row for 10 cells); with many answers per row their own counts take over.
    """
    k = counts.shape[1]
    judged = counts.sum(axis=(1, 2))
    accuracy = (np.trace(counts, axis1=1, axis2=2) + smoothing) / (judged + k * smoothing)
    wrong = (1.0 - accuracy) / max(k - 1, 1)
    centre = wrong[:, None, None] + (accuracy - wrong)[:, None, None] * np.eye(k)
    result: FloatArray = counts + smoothing + shrinkage * centre
    return result


def _converged(previous: float, current: float, tol: float) -> bool:
    return abs(current - previous) <= tol * max(abs(current), 1.0)


def dawid_skene(
    *,
    data: Judgments,
    gold: tuple[ArrayLike, ArrayLike] | None = None,
    smoothing: float = 0.1,
    shrinkage: float | None = None,
    max_iter: int = 100,
    tol: float = 1e-6,
) -> DawidSkeneResult:
    """Dawid-Skene EM with a full confusion matrix per worker.

    Starts from majority-vote shares, tied items tilted toward majority vote's choice
    (``_tilt_ties``). ``smoothing`` is a symmetric Dirichlet
    pseudo-count added to every confusion cell and class-prior count: without it, a
    worker seen on one class gets zeros that veto the other classes for good.
    ``shrinkage`` is a number of virtual judgments per confusion row, spread like the
    worker's own one-coin matrix (see ``_dirichlet``); it defaults to the number of
    classes, and 0 gives the textbook model. ``gold`` is (item codes, label codes) of
    items with known answers, held fixed throughout. Stops when the log-likelihood
    changes by less than ``tol`` relative.
    """
    gold_codes = _check_gold(data, gold)
    strength = float(data.n_classes if shrinkage is None else shrinkage)
    if strength < 0:
        raise ValueError("shrinkage must not be negative")
    belief = _tilt_ties(_start(data, gold_codes), data)
    log_likelihood, iterations, converged = -np.inf, 0, False
    while iterations < max_iter and not converged:
        iterations += 1
        counts = _dirichlet(_confusion_counts(data, belief), smoothing, strength)
        confusion = counts / counts.sum(axis=2, keepdims=True)
        prior = _class_prior(belief, smoothing)
        belief, log_norm = normalize_log(_ds_log_scores(data, np.log(confusion), np.log(prior)))
        belief = _clamp(belief, gold_codes)
        previous, log_likelihood = log_likelihood, float(log_norm.sum())
        converged = _converged(previous, log_likelihood, tol)
    counts = _dirichlet(_confusion_counts(data, belief), smoothing, strength)
    prior = _class_prior(belief, smoothing)
    return DawidSkeneResult(
        truth=_truth(belief, prior),
        class_prior=prior,
        confusion=counts / counts.sum(axis=2, keepdims=True),
        confusion_std=dirichlet_std(counts),
        log_likelihood=log_likelihood,
        iterations=iterations,
        converged=converged,
    )


def _one_coin_log_scores(
    data: Judgments, accuracy: FloatArray, log_prior: FloatArray
) -> FloatArray:
    """Log posterior scores ``[class, item]`` when worker w is right with chance ``accuracy[w]``.

    Every vote adds log((1 - a) / (K - 1)) to all classes and log(a) minus that to the
    class it names, so two bincounts replace the K-by-K gather of full Dawid-Skene.
    """
    k = data.n_classes
    log_right = np.log(accuracy)
    log_wrong = np.log((1.0 - accuracy) / max(k - 1, 1))
    base = tally(data.items, log_wrong[data.workers], data.n_items)
    named = data.labels * data.n_items + data.items
    bonus = tally(named, (log_right - log_wrong)[data.workers], data.n_items * k)
    scores: FloatArray = bonus.reshape(k, data.n_items) + base + log_prior[:, None]
    return scores


def _one_coin_counts(data: Judgments, belief: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Expected (right, wrong) judgment counts per worker under the current beliefs."""
    right_prob = belief.ravel().take(data.labels * data.n_items + data.items)
    right = tally(data.workers, right_prob, data.n_workers)
    total = tally(data.workers, None, data.n_workers)
    return right, total - right


def one_coin(
    *,
    data: Judgments,
    gold: tuple[ArrayLike, ArrayLike] | None = None,
    smoothing: float = 0.1,
    max_iter: int = 100,
    tol: float = 1e-6,
) -> OneCoinResult:
    """One-coin Dawid-Skene: each worker has a single accuracy, errors spread evenly.

    Fewer parameters than full Dawid-Skene (one per worker instead of K(K-1)), so it
    is the safer choice when workers give few judgments each. ``smoothing`` is the
    per-class pseudo-count: the accuracy is (right + s) / (n + K s), a Beta posterior
    mean whose prior centre is chance level. Gold and stopping as in ``dawid_skene``.
    """
    gold_codes = _check_gold(data, gold)
    belief = _start(data, gold_codes)
    k = data.n_classes
    log_likelihood, iterations, converged = -np.inf, 0, False
    while iterations < max_iter and not converged:
        iterations += 1
        right, wrong = _one_coin_counts(data, belief)
        accuracy = (right + smoothing) / (right + wrong + k * smoothing)
        prior = _class_prior(belief, smoothing)
        belief, log_norm = normalize_log(_one_coin_log_scores(data, accuracy, np.log(prior)))
        belief = _clamp(belief, gold_codes)
        previous, log_likelihood = log_likelihood, float(log_norm.sum())
        converged = _converged(previous, log_likelihood, tol)
    right, wrong = _one_coin_counts(data, belief)
    beta = np.stack([right + smoothing, wrong + (k - 1) * smoothing], axis=1)
    prior = _class_prior(belief, smoothing)
    return OneCoinResult(
        truth=_truth(belief, prior),
        class_prior=prior,
        accuracy=beta[:, 0] / beta.sum(axis=1),
        accuracy_std=dirichlet_std(beta)[:, 0],
        log_likelihood=log_likelihood,
        iterations=iterations,
        converged=converged,
    )


def dawid_skene_posterior(
    *, data: Judgments, confusion: FloatArray, class_prior: FloatArray
) -> Truth:
    """The posterior over each item's label when the confusion matrices are known.

    Scores new items with worker estimates from an earlier fit without refitting;
    with the true matrices it is the Bayes-optimal oracle the benchmarks compare to.
    """
    expected = (data.n_workers, data.n_classes, data.n_classes)
    if confusion.shape != expected:
        raise ValueError(f"confusion must have shape {expected}, got {confusion.shape}")
    belief, _ = normalize_log(_ds_log_scores(data, np.log(confusion), np.log(class_prior)))
    return _truth(belief, class_prior)
