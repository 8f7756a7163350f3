"""Bradley-Terry leaderboards, Crowd-BT and ranking decomposition."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.quality.pairwise import (
    Comparisons,
    bradley_terry,
    comparisons,
    crowd_bt,
    ranking_pairs,
    win_probability,
)


def simulate(
    strength: np.ndarray, n: int, seed: int, reliability: np.ndarray | None = None
) -> Comparisons:
    """Random pairs judged by BT with these strengths; worker w flips with 1 - reliability[w]."""
    rng = np.random.default_rng(seed)
    left = rng.integers(0, len(strength), n)
    right = (left + rng.integers(1, len(strength), n)) % len(strength)
    left_wins = rng.random(n) < 1 / (1 + np.exp(strength[right] - strength[left]))
    workers = np.zeros(n, np.intp)
    if reliability is not None:
        workers = rng.integers(0, len(reliability), n)
        flip = rng.random(n) > reliability[workers]
        left_wins = left_wins ^ flip
    return comparisons(left=left, right=right, outcome=left_wins.astype(float), workers=workers)


def test_bradley_terry_recovers_the_order_and_its_intervals_cover_the_truth() -> None:
    strength = np.linspace(-2, 2, 8)
    board = bradley_terry(data=simulate(strength, 4000, seed=3), bootstrap=100)
    assert board.converged
    assert np.argsort(board.scores).tolist() == list(range(8))
    truth = strength - strength.mean()
    assert np.mean((board.ci_low <= truth) & (truth <= board.ci_high)) >= 0.75
    assert np.all(board.ci_low <= board.scores)
    assert np.all(board.scores <= board.ci_high)


def test_bootstrap_is_reproducible_with_a_seed() -> None:
    data = simulate(np.array([0.0, 0.5, 1.0]), 300, seed=1)
    first = bradley_terry(data=data, bootstrap=30, seed=5)
    again = bradley_terry(data=data, bootstrap=30, seed=5)
    other = bradley_terry(data=data, bootstrap=30, seed=6)
    assert first.ci_low.tolist() == again.ci_low.tolist()
    assert first.ci_low.tolist() != other.ci_low.tolist()


def test_a_tie_counts_half_a_win_each_way() -> None:
    # Two ties between 0 and 1 weigh exactly like one win each way.
    tied = comparisons(left=[0, 0, 0, 0], right=[1, 1, 2, 2], outcome=[0.5, 0.5, 1, 1])
    split = comparisons(left=[0, 1, 0, 0], right=[1, 0, 2, 2], outcome=[1, 1, 1, 1])
    scores = bradley_terry(data=tied, bootstrap=0).scores
    np.testing.assert_allclose(scores, bradley_terry(data=split, bootstrap=0).scores, atol=1e-9)
    assert scores[0] > scores[1] > scores[2]


def test_an_item_that_never_lost_keeps_a_finite_score() -> None:
    data = comparisons(left=[0, 0, 0], right=[1, 2, 1], outcome=[1, 1, 1])
    board = bradley_terry(data=data, bootstrap=10)
    assert np.all(np.isfinite(board.scores))
    assert board.scores.argmax() == 0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_relabelling_items_permutes_the_scores(seed: int) -> None:
    data = simulate(np.array([0.0, 1.0, -1.0, 0.3, 2.0]), 60, seed=seed)
    mapping = np.random.default_rng(seed).permutation(5)
    moved = comparisons(
        left=mapping[data.left], right=mapping[data.right], outcome=data.outcome, n_items=5
    )
    base = comparisons(left=data.left, right=data.right, outcome=data.outcome, n_items=5)
    for fit in (
        lambda d: bradley_terry(data=d, bootstrap=0).scores,
        lambda d: crowd_bt(data=d).scores,
    ):
        np.testing.assert_allclose(fit(moved)[mapping], fit(base), atol=1e-5)


def test_crowd_bt_discounts_an_adversarial_worker() -> None:
    strength = np.linspace(-1.5, 1.5, 10)
    reliability = np.array([0.95, 0.95, 0.9, 0.9, 0.1])
    data = simulate(strength, 3000, seed=8, reliability=reliability)
    result = crowd_bt(data=data)
    assert result.converged
    assert result.reliability[4] < 0.3
    assert np.all(result.reliability[:4] > 0.75)
    assert np.corrcoef(result.scores, strength)[0, 1] > 0.98
    # the adversary's votes are the ones judged untruthful
    assert (
        result.truthful[data.workers == 4].mean() < 0.3 < result.truthful[data.workers == 0].mean()
    )


def textbook_crowd_bt(data: Comparisons, sweeps: int) -> tuple[np.ndarray, np.ndarray]:
    """Plain EM, row by row, with the scores' M-step solved by gradient ascent.

    Slow and simple on purpose: crowd_bt (grouped pairs, one Newton step per EM
    step, squared extrapolation) must land on the same fixed point.
    """
    a, b, prior = 4.0, 1.0, 1.0
    winners = np.r_[data.left, data.right]
    losers = np.r_[data.right, data.left]
    weight = np.r_[data.outcome, 1 - data.outcome]
    workers = np.r_[data.workers, data.workers]
    scores, eta = np.zeros(data.n_items), np.full(data.n_workers, a / (a + b))
    for _ in range(sweeps):
        model = 1 / (1 + np.exp(scores[losers] - scores[winners]))
        honest = eta[workers] * model
        honest = weight * honest / (honest + (1 - eta[workers]) * (1 - model))
        eta = np.array(
            [
                (honest[workers == w].sum() + a) / (weight[workers == w].sum() + a + b)
                for w in range(data.n_workers)
            ]
        )
        for _ in range(20):
            won = 1 / (1 + np.exp(scores[losers] - scores[winners]))
            pull = honest * (1 - won) - (weight - honest) * won
            gradient = np.zeros(data.n_items)
            np.add.at(gradient, winners, pull)
            np.add.at(gradient, losers, -pull)
            gradient += prior * (0.5 - 1 / (1 + np.exp(-scores)))
            scores = scores + 0.5 * gradient / (len(winners) / data.n_items)
    return scores - scores.mean(), eta


def test_crowd_bt_lands_on_the_textbook_em_fixed_point() -> None:
    data = simulate(np.linspace(-1, 1, 6), 600, seed=5, reliability=np.array([0.9, 0.7, 0.3]))
    ties = comparisons(
        left=data.left,
        right=data.right,
        outcome=np.where(np.arange(600) % 7 == 0, 0.5, data.outcome),
        workers=data.workers,
    )
    for case in (data, ties):
        result = crowd_bt(data=case, tol=1e-10)
        scores, eta = textbook_crowd_bt(case, sweeps=400)
        np.testing.assert_allclose(result.scores, scores, atol=1e-5)
        np.testing.assert_allclose(result.reliability, eta, atol=1e-5)


def test_crowd_bt_converges_when_every_judge_agrees_or_always_reverses() -> None:
    # a strict order 0 > 1 > 2 > 3, unanimous except judge 1, who always reverses it:
    # scores run far apart, where an unbounded extrapolation would break the Newton step
    left, right = np.tile([0, 0, 1, 0, 2, 1], 30), np.tile([1, 2, 2, 3, 3, 3], 30)
    judges = np.tile([0, 1, 2], 60)
    for outcome in (np.ones(180), np.where(judges == 1, 0.0, 1.0)):
        result = crowd_bt(data=comparisons(left=left, right=right, outcome=outcome, workers=judges))
        assert result.converged
        assert np.all(np.diff(result.scores) < -1.0)
    assert result.reliability[1] < 0.1 < 0.9 < result.reliability[0]


def test_crowd_bt_reports_a_preferred_side_per_comparison() -> None:
    data = simulate(np.array([0.0, 3.0]), 200, seed=2)
    result = crowd_bt(data=data)
    expected = np.where(data.left == 1, 0, 1)
    assert result.preferred.tolist() == expected.tolist()
    assert np.all(result.confidence > 0.9)
    probability = win_probability(scores=result.scores, left=[1], right=[0])
    assert probability[0] == pytest.approx(result.confidence[0])


def test_ranking_pairs_decomposes_a_ranking_with_ties() -> None:
    data = ranking_pairs(rankings=[[4, 2, 7]], ranks=[[1, 2, 2]], workers=[3])
    assert list(zip(data.left, data.right, data.outcome, strict=True)) == [
        (4, 2, 1.0),
        (4, 7, 1.0),
        (2, 7, 0.5),
    ]
    assert data.workers.tolist() == [3, 3, 3]
    plain = ranking_pairs(rankings=[[0, 1, 2, 3]])
    assert len(plain.left) == 6
    assert np.all(plain.outcome == 1.0)


def test_comparisons_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="itself"):
        comparisons(left=[1], right=[1], outcome=[1])
    with pytest.raises(ValueError, match="between 0"):
        comparisons(left=[0], right=[1], outcome=[2])


def test_many_items_use_conjugate_gradients_with_the_same_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = simulate(np.linspace(-2, 2, 40), 1500, seed=4)
    dense = bradley_terry(data=data, bootstrap=0).scores
    monkeypatch.setattr("assay.quality._bt.DENSE_LIMIT", 0)
    iterative = bradley_terry(data=data, bootstrap=0)
    assert iterative.converged
    np.testing.assert_allclose(iterative.scores, dense, atol=1e-6)
