"""The adaptive-redundancy stopping rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.quality.adaptive import Policy, decide, stopping

POLICY = Policy(min_votes=2, max_votes=5, target=0.95)


def test_two_agreeing_experts_are_enough() -> None:
    decision = decide(labels=[1, 1], accuracies=[0.9, 0.9], n_classes=2, policy=POLICY)
    assert decision.label == 1
    assert decision.stop
    assert decision.reason == "confident"
    assert decision.confidence == pytest.approx(81 / 82)


def test_disagreement_asks_for_more_until_the_cap() -> None:
    split = decide(labels=[0, 1], accuracies=[0.9, 0.9], n_classes=2, policy=POLICY)
    assert not split.stop
    assert split.reason == "need_more"
    assert split.posterior.tolist() == [0.5, 0.5]
    capped = decide(labels=[0, 1, 0, 1, 0], accuracies=[0.6] * 5, n_classes=2, policy=POLICY)
    assert capped.stop
    assert capped.reason == "max_votes"


def test_one_confident_vote_still_waits_for_the_minimum() -> None:
    decision = decide(labels=[2], accuracies=[0.99], n_classes=3, policy=POLICY)
    assert decision.confidence > 0.95
    assert not decision.stop
    assert decision.reason == "below_min"


def test_a_reliable_voter_outweighs_two_careless_ones() -> None:
    decision = decide(labels=[0, 1, 1], accuracies=[0.97, 0.6, 0.6], n_classes=2, policy=POLICY)
    assert decision.label == 0


def test_bad_policies_and_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="min_votes"):
        Policy(min_votes=3, max_votes=2)
    with pytest.raises(ValueError, match="one accuracy per vote"):
        decide(labels=[0, 1], accuracies=[0.9], n_classes=2, policy=POLICY)


votes = st.lists(st.tuples(st.integers(0, 2), st.floats(0.34, 0.99)), max_size=8)


@settings(max_examples=60, deadline=None)
@given(votes, st.floats(0.34, 0.99))
def test_another_agreeing_vote_never_lowers_confidence(
    cast: list[tuple[int, float]], accuracy: float
) -> None:
    labels = [label for label, _ in cast]
    accuracies = [a for _, a in cast]
    before = decide(labels=labels, accuracies=accuracies, n_classes=3, policy=POLICY)
    after = decide(
        labels=[*labels, before.label],
        accuracies=[*accuracies, accuracy],
        n_classes=3,
        policy=POLICY,
    )
    assert after.posterior[before.label] >= before.posterior[before.label] - 1e-12


@settings(max_examples=60, deadline=None)
@given(votes)
def test_the_batch_rule_agrees_with_the_single_item_rule(cast: list[tuple[int, float]]) -> None:
    labels = [label for label, _ in cast]
    accuracies = [a for _, a in cast]
    single = decide(labels=labels, accuracies=accuracies, n_classes=3, policy=POLICY)
    stop, reason = stopping(
        confidence=np.array([single.confidence]), votes=np.array([len(labels)]), policy=POLICY
    )
    assert bool(stop[0]) == single.stop
    assert reason[0] == single.reason
