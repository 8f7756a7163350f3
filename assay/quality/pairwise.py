"""Pairwise preferences: Bradley-Terry leaderboards and annotator-aware Crowd-BT.

A comparison is (left item, right item, outcome, worker) with ``outcome`` the share
of the win that goes to the left item: 1 left won, 0 right won, 0.5 a tie. A tie
therefore counts as half a win each way, the usual convention (Davidson 1970 models
ties separately; at Assay's volumes half-wins are simpler and stable). Every fit
expands a comparison into two weighted "winner beats loser" rows, (left, right,
outcome) and (right, left, 1 - outcome); ``assay.quality._bt`` fits scores to those.

References: R. A. Bradley and M. E. Terry, "Rank Analysis of Incomplete Block Designs",
Biometrika 39, 1952; D. R. Hunter, "MM algorithms for generalized Bradley-Terry
models", Annals of Statistics 32(1), 2004 (the likelihood and its Hessian); X. Chen,
P. N. Bennett, K. Collins-Thompson and E. Horvitz, "Pairwise Ranking Aggregation in a Crowdsourced
Setting", WSDM 2013 (Crowd-BT: a worker reports the true order with probability eta).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from assay.quality._bt import Rows, fit, flipped, log_sigmoid, newton_step, rows_of, sigmoid
from assay.quality._common import (
    FloatArray,
    IntArray,
    as_float,
    as_index,
    code_count,
    dirichlet_std,
    same_length,
    tally,
)

__all__ = [
    "Comparisons",
    "CrowdBTResult",
    "Leaderboard",
    "bradley_terry",
    "comparisons",
    "crowd_bt",
    "ranking_pairs",
    "win_probability",
]


@dataclass(frozen=True)
class Comparisons:
    """Validated comparisons; ``outcome`` is the left item's share of the win."""

    left: IntArray
    right: IntArray
    outcome: FloatArray
    workers: IntArray
    n_items: int
    n_workers: int


def comparisons(
    *,
    left: ArrayLike,
    right: ArrayLike,
    outcome: ArrayLike,
    workers: ArrayLike | None = None,
    n_items: int | None = None,
    n_workers: int | None = None,
) -> Comparisons:
    """Check the parallel arrays once; without ``workers`` every row is worker 0."""
    left_codes, right_codes = as_index("left", left), as_index("right", right)
    shares = as_float("outcome", outcome)
    worker_codes = (
        np.zeros(len(left_codes), dtype=np.intp)
        if workers is None
        else as_index("workers", workers)
    )
    same_length(left=left_codes, right=right_codes, outcome=shares, workers=worker_codes)
    if np.any((shares < 0) | (shares > 1)):
        raise ValueError("outcome must lie between 0 (right won) and 1 (left won)")
    if np.any(left_codes == right_codes):
        raise ValueError("an item cannot be compared with itself")
    both = np.concatenate([left_codes, right_codes])
    return Comparisons(
        left=left_codes,
        right=right_codes,
        outcome=shares,
        workers=worker_codes,
        n_items=code_count("n_items", both, n_items),
        n_workers=code_count("n_workers", worker_codes, n_workers),
    )


def ranking_pairs(
    *, rankings: ArrayLike, ranks: ArrayLike | None = None, workers: ArrayLike | None = None
) -> Comparisons:
    """Decompose k-wise rankings into all k(k-1)/2 pairwise comparisons each.

    ``rankings`` is an (R, k) array of item codes, best first. ``ranks`` (same shape,
    lower is better) allows ties: equal ranks become a tie (0.5). Each pair is one
    comparison, so a ranking of k items weighs k(k-1)/2 comparisons.
    """
    table = np.asarray(rankings)
    if table.ndim != 2:
        raise ValueError(f"rankings must be two-dimensional, got shape {table.shape}")
    given = np.arange(table.shape[1]) if ranks is None else np.asarray(ranks, dtype=np.float64)
    order = np.broadcast_to(given, table.shape)
    first, second = np.triu_indices(table.shape[1], k=1)
    outcome = np.where(order[:, first] < order[:, second], 1.0, 0.0)
    outcome[order[:, first] == order[:, second]] = 0.5
    judge = None
    if workers is not None:
        judge = np.repeat(as_index("workers", workers), len(first))
    return comparisons(
        left=table[:, first].ravel(),
        right=table[:, second].ravel(),
        outcome=outcome.ravel(),
        workers=judge,
    )


def _centered(log_strength: FloatArray) -> FloatArray:
    centered: FloatArray = log_strength - log_strength.mean()
    return centered


@dataclass(frozen=True)
class Leaderboard:
    """Bradley-Terry scores (log-strengths, mean 0) with bootstrap percentile intervals.

    P(i beats j) = 1 / (1 + exp(score_j - score_i)).
    """

    scores: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    iterations: int
    converged: bool


def bradley_terry(
    *,
    data: Comparisons,
    prior: float = 1.0,
    bootstrap: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    tol: float = 1e-9,
    max_iter: int = 100,
) -> Leaderboard:
    """Fit Bradley-Terry by Newton's method and bootstrap the comparisons for confidence intervals.

    Each of ``bootstrap`` replicates resamples comparisons with replacement (as
    multiplicity weights, seeded by ``seed`` so a leaderboard is reproducible) and
    refits from the full-data solution. ``prior`` is the number of virtual games per item
    against a reference (see ``assay.quality._bt``); it must be positive so every
    score is finite.
    """
    if prior <= 0:
        raise ValueError("prior must be positive so that every score stays finite")
    rows = rows_of(data.left, data.right, data.outcome, data.workers)
    start = np.zeros(data.n_items)
    fitted, iterations, converged = fit(start, rows, rows.weight, prior, tol, max_iter)
    rng = np.random.default_rng(seed)
    n = len(data.left)
    replicates = np.empty((bootstrap, data.n_items))
    for b in range(bootstrap):
        multiplicity = tally(rng.integers(0, n, n), None, n)
        weight = rows.weight * np.tile(multiplicity, 2)
        replicates[b] = _centered(fit(fitted, rows, weight, prior, tol * 1000, max_iter)[0])
    tail = (1.0 - confidence) / 2.0 * 100.0
    if bootstrap:
        low, high = np.percentile(replicates, [tail, 100.0 - tail], axis=0)
    else:
        low = high = np.full(data.n_items, np.nan)
    return Leaderboard(_centered(fitted), low, high, iterations, converged)


def win_probability(*, scores: FloatArray, left: ArrayLike, right: ArrayLike) -> FloatArray:
    """P(left beats right) for each pair, from Bradley-Terry (or Crowd-BT) scores."""
    return sigmoid(scores[as_index("left", left)] - scores[as_index("right", right)])


@dataclass(frozen=True)
class CrowdBTResult:
    """Crowd-BT estimate.

    Per item: ``scores`` (log-strengths, mean 0). Per worker: ``reliability``, the
    probability of reporting the true order (Beta posterior mean, with its std). Per
    input comparison: ``preferred`` (0 left, 1 right, -1 equal scores), ``confidence``
    (the model's P(preferred item is better), from the score gap) and ``truthful`` (the
    posterior that this judge reported their true preference; low values flag votes
    the rest of the crowd contradicts).
    """

    scores: FloatArray
    reliability: FloatArray
    reliability_std: FloatArray
    preferred: IntArray
    confidence: FloatArray
    truthful: FloatArray
    iterations: int
    converged: bool


def _truthful_given(model: FloatArray, eta: FloatArray) -> FloatArray:
    """P(the judge reported the true order), from the model's P(the row's winner is
    better) and the judge's reliability."""
    honest = eta * model
    posterior: FloatArray = honest / (honest + (1.0 - eta) * (1.0 - model))
    return posterior


def _truthful(log_strength: FloatArray, reliability: FloatArray, rows: Rows) -> FloatArray:
    """E-step: P(judge reported the true order | scores, reliability) for each row."""
    model = sigmoid(log_strength[rows.winners] - log_strength[rows.losers])
    return _truthful_given(model, reliability[rows.workers])


def _verdicts(scores: FloatArray, data: Comparisons) -> tuple[IntArray, FloatArray]:
    left_wins = win_probability(scores=scores, left=data.left, right=data.right)
    preferred = np.where(left_wins > 0.5, 0, np.where(left_wins < 0.5, 1, -1)).astype(np.intp)
    return preferred, np.maximum(left_wins, 1.0 - left_wins)


@dataclass(frozen=True)
class _Matches:
    """Judgments grouped by ordered (winner, loser) pair, for the M-step's score update.

    Crowd-BT's E-step needs each judgment (its judge's reliability), but the score
    update only needs the expected wins summed per ordered pair. Fifteen items have
    at most 210 such pairs however many judgments there are, so the Newton steps work
    on the pairs and only the E-step touches every row.
    """

    kept: Rows  # the rows with a positive weight
    pair_of: IntArray  # each kept row's pair
    pairs: Rows  # each pair once, winner first
    both: Rows  # each pair as given, then reversed


def _matches(rows: Rows, n_items: int) -> _Matches:
    positive = rows.weight > 0
    kept = Rows(*(np.compress(positive, getattr(rows, f)) for f in Rows.__dataclass_fields__))
    codes, pair_of = np.unique(kept.winners * n_items + kept.losers, return_inverse=True)
    winners, losers = codes // n_items, codes % n_items
    none = np.zeros(len(codes), dtype=np.intp)
    pairs = Rows(winners, losers, tally(pair_of, kept.weight, len(codes)), none, none)
    return _Matches(kept, pair_of.astype(np.intp), pairs, flipped(pairs))


TINY = 1e-300  # keeps log() finite where a probability underflows to 0
MAX_JUMP = 16.0


@dataclass(frozen=True)
class _CrowdBTModel:
    """Crowd-BT's EM map and the log posterior that every EM step raises."""

    match: _Matches
    n_workers: int
    prior: float
    beta_prior: tuple[float, float]

    def step(self, scores: FloatArray, reliability: FloatArray) -> tuple[FloatArray, FloatArray]:
        """One E-step, then the reliabilities' M-step and one Newton step on the scores."""
        match, (a, b) = self.match, self.beta_prior
        model = sigmoid(scores[match.pairs.winners] - scores[match.pairs.losers])
        eta = reliability.take(match.kept.workers)
        honest = match.kept.weight * _truthful_given(model.take(match.pair_of), eta)
        agreed = tally(match.kept.workers, honest, self.n_workers)
        judged = tally(match.kept.workers, match.kept.weight, self.n_workers)
        expected = tally(match.pair_of, honest, len(model))
        weight = np.concatenate([expected, match.pairs.weight - expected])
        updated = newton_step(scores, match.both, weight, self.prior)
        return updated, (agreed + a) / (judged + a + b)

    def log_posterior(self, scores: FloatArray, reliability: FloatArray) -> float:
        match, (a, b) = self.match, self.beta_prior
        model = sigmoid(scores[match.pairs.winners] - scores[match.pairs.losers]).take(
            match.pair_of
        )
        eta = reliability.take(match.kept.workers)
        chance = np.maximum(eta * model + (1.0 - eta) * (1.0 - model), TINY)
        belief = a * np.log(np.maximum(reliability, TINY)) + b * np.log1p(-reliability)
        virtual = 0.5 * self.prior * (log_sigmoid(scores) + log_sigmoid(-scores))
        fit = match.kept.weight * np.log(chance)
        return float(fit.sum() + belief.sum() + virtual.sum())


def _largest_move(before: tuple[FloatArray, ...], after: tuple[FloatArray, ...]) -> float:
    return max(
        float(np.max(np.abs(x - y), initial=0.0)) for x, y in zip(before, after, strict=True)
    )


def _squarem(
    model: _CrowdBTModel, start: tuple[FloatArray, FloatArray], tol: float, max_iter: int
) -> tuple[FloatArray, FloatArray, int, bool]:
    """EM sped up by squared extrapolation (SQUAREM, Varadhan and Roland 2008).

    Plain EM here crawls (about 75 steps on 15 items). From two EM steps, SQUAREM
    jumps along their combined direction, then takes one EM step from there; the
    jump is kept only if the log posterior did not fall, so the fixed point is the
    same as EM's. ``iterations`` counts EM steps. Stops when an EM step moves no
    score or reliability by ``tol``.
    """
    current, steps = start, 0
    while steps < max_iter:
        first = model.step(*current)
        steps += 1
        if _largest_move(current, first) < tol:
            return first[0], first[1], steps, True
        second = model.step(*first)
        steps += 1
        r = [f - c for f, c in zip(first, current, strict=True)]
        v = [s - f - d for s, f, d in zip(second, first, r, strict=True)]
        v_norm = np.sqrt(sum(float(x @ x) for x in v))
        # alpha = -1 lands on the second EM step; go at most MAX_JUMP times as far
        # (much further, a flat Hessian could make the Newton step singular).
        ratio = np.sqrt(sum(float(x @ x) for x in r)) / max(v_norm, 1e-300)
        alpha = -min(max(ratio, 1.0), MAX_JUMP)
        scores, reliability = (
            c - 2 * alpha * d + alpha**2 * w for c, d, w in zip(current, r, v, strict=True)
        )
        jumped = model.step(scores, np.clip(reliability, 1e-9, 1 - 1e-9))
        steps += 1
        fallback = model.log_posterior(*second)
        current = jumped if model.log_posterior(*jumped) >= fallback else second
    return current[0], current[1], steps, False


def _crowd_bt_em(
    data: Comparisons,
    rows: Rows,
    prior: float,
    beta_prior: tuple[float, float],
    tol: float,
    max_iter: int,
) -> tuple[FloatArray, FloatArray, int, bool]:
    """EM from plain Bradley-Terry scores and the prior mean reliability."""
    match = _matches(rows, data.n_items)
    a, b = beta_prior
    scores, _, _ = fit(np.zeros(data.n_items), match.pairs, match.pairs.weight, prior, 1e-6, 100)
    reliability = np.full(data.n_workers, a / (a + b))
    model = _CrowdBTModel(match, data.n_workers, prior, beta_prior)
    return _squarem(model, (scores, reliability), tol, max_iter)


def crowd_bt(
    *,
    data: Comparisons,
    prior: float = 1.0,
    reliability_prior: tuple[float, float] = (4.0, 1.0),
    tol: float = 1e-7,
    max_iter: int = 1_000,
) -> CrowdBTResult:
    """Crowd-BT by (generalized) EM: item scores and one reliability per worker.

    A worker reports the better item with probability eta and the other one
    otherwise, so a careless worker's votes count for less and an adversarial one's
    (eta < 0.5) are read in reverse. Each EM step does one E-step and one Newton
    step on the expected wins per ordered pair; SQUAREM extrapolation cuts the number
    of steps about threefold (``iterations`` counts EM steps). ``reliability_prior``
    is the Beta(a, b) prior on eta: the default (4, 1) assumes workers are mostly
    careful (mean 0.8), which also keeps EM in the mode where scores are not globally
    reversed. It starts from plain Bradley-Terry scores.
    """
    if prior <= 0:
        raise ValueError("prior must be positive so that every score stays finite")
    rows = rows_of(data.left, data.right, data.outcome, data.workers)
    scores, reliability, iterations, converged = _crowd_bt_em(
        data, rows, prior, reliability_prior, tol, max_iter
    )
    a, b = reliability_prior
    honest = rows.weight * _truthful(scores, reliability, rows)
    agreed = tally(rows.workers, honest, data.n_workers)
    judged = tally(rows.workers, rows.weight, data.n_workers)
    beta = np.stack([agreed + a, judged - agreed + b], axis=1)
    preferred, confidence = _verdicts(_centered(scores), data)
    return CrowdBTResult(
        scores=_centered(scores),
        reliability=beta[:, 0] / beta.sum(axis=1),
        reliability_std=dirichlet_std(beta)[:, 0],
        preferred=preferred,
        confidence=confidence,
        truthful=tally(rows.origin, honest, len(data.left)),
        iterations=iterations,
        converged=converged,
    )
