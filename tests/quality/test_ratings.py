"""Numeric ratings with per-expert bias correction."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.quality.ratings import aggregate_ratings


def panel(seed: int, n_items: int = 1500, n_experts: int = 25):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    quality = rng.normal(3.0, 1.0, (n_items, 2))
    leniency = rng.normal(0.0, 0.8, (n_experts, 2))
    items = np.repeat(np.arange(n_items), 3)
    experts = rng.integers(0, n_experts, len(items))
    criteria = rng.integers(0, 2, len(items))
    values = quality[items, criteria] + leniency[experts, criteria] + rng.normal(0, 0.3, len(items))
    return items, experts, criteria, values, quality, leniency


def test_bias_correction_beats_plain_means_and_finds_the_lenient_experts() -> None:
    items, experts, criteria, values, quality, leniency = panel(seed=4)
    result = aggregate_ratings(items=items, workers=experts, values=values, criteria=criteria)
    assert result.converged
    rated = result.ratings > 0
    corrected = result.scores[rated] - quality[rated]
    plain = result.means[rated] - quality[rated]
    assert np.std(corrected) < 0.5 * np.std(plain)
    for criterion in (0, 1):
        assert np.corrcoef(result.bias[:, criterion], leniency[:, criterion])[0, 1] > 0.97
    assert np.all(np.isnan(result.scores[~rated]))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 1000), st.floats(-5, 5))
def test_shifting_every_rating_shifts_every_score(seed: int, shift: float) -> None:
    items, experts, criteria, values, _, _ = panel(seed=seed, n_items=60, n_experts=6)
    base = aggregate_ratings(items=items, workers=experts, values=values, criteria=criteria)
    moved = aggregate_ratings(
        items=items, workers=experts, values=values + shift, criteria=criteria
    )
    np.testing.assert_allclose(moved.scores, base.scores + shift, atol=1e-6)
    np.testing.assert_allclose(moved.bias, base.bias, atol=1e-6)


def test_a_single_rating_per_expert_is_mostly_shrunk_away() -> None:
    result = aggregate_ratings(items=[0, 0, 1, 1], workers=[0, 1, 0, 2], values=[5, 3, 5, 4])
    assert abs(result.bias[2, 0]) < abs(result.bias[0, 0])
