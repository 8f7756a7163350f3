"""Truth inference: majority vote, Dawid-Skene, one-coin."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.quality.labels import (
    Judgments,
    dawid_skene,
    dawid_skene_posterior,
    judgments,
    majority_vote,
    one_coin,
)
from assay.quality.simulate import synthetic_crowd

rows = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 5), st.integers(0, 2)), min_size=1, max_size=60
)


def coded(triples: list[tuple[int, int, int]]) -> Judgments:
    items, workers, labels = (np.array(column) for column in zip(*triples, strict=True))
    return judgments(
        items=items, workers=workers, labels=labels, n_items=8, n_workers=6, n_classes=3
    )


def relabel(
    data: Judgments, item_map: np.ndarray, worker_map: np.ndarray, order: np.ndarray
) -> Judgments:
    return judgments(
        items=item_map[data.items][order],
        workers=worker_map[data.workers][order],
        labels=data.labels[order],
        n_items=data.n_items,
        n_workers=data.n_workers,
        n_classes=data.n_classes,
    )


def test_majority_vote_counts_ties_and_prefers_the_overall_more_frequent_label() -> None:
    # item 0: 2 x label 1, 1 x label 0; item 1: tie 0/1; label 1 is more frequent overall.
    data = judgments(items=[0, 0, 0, 1, 1], workers=[0, 1, 2, 0, 1], labels=[1, 1, 0, 0, 1])
    result = majority_vote(data=data)
    assert result.ties == 1
    assert result.truth.labels.tolist() == [1, 1]
    assert result.truth.confidence == pytest.approx([2 / 3, 1 / 2])


def test_majority_vote_tie_does_not_depend_on_label_numbering() -> None:
    # label "b" is more frequent overall; item 1 ties a/b. Code b as 0, then as 1.
    items, workers = [0, 0, 1, 1], [0, 1, 0, 1]
    as_zero = majority_vote(data=judgments(items=items, workers=workers, labels=[0, 0, 1, 0]))
    as_one = majority_vote(data=judgments(items=items, workers=workers, labels=[1, 1, 0, 1]))
    assert as_zero.truth.labels.tolist() == [0, 0]
    assert as_one.truth.labels.tolist() == [1, 1]


def test_unlabelled_items_get_a_uniform_posterior() -> None:
    data = judgments(items=[0], workers=[0], labels=[1], n_items=2, n_classes=2)
    assert majority_vote(data=data).truth.posterior[1].tolist() == [0.5, 0.5]


def test_judgments_reject_bad_codes() -> None:
    with pytest.raises(ValueError, match="negative"):
        judgments(items=[-1], workers=[0], labels=[0])
    with pytest.raises(ValueError, match="same length"):
        judgments(items=[0, 1], workers=[0], labels=[0])
    with pytest.raises(ValueError, match="integer"):
        judgments(items=[0.5], workers=[0], labels=[0])
    with pytest.raises(ValueError, match="n_classes"):
        judgments(items=[0], workers=[0], labels=[3], n_classes=2)


@settings(max_examples=40, deadline=None)
@given(rows, st.integers(0, 2**32 - 1))
def test_results_do_not_depend_on_how_items_workers_and_rows_are_numbered(
    triples: list[tuple[int, int, int]], seed: int
) -> None:
    data = coded(triples)
    rng = np.random.default_rng(seed)
    item_map, worker_map = rng.permutation(8), rng.permutation(6)
    shuffled = relabel(data, item_map, worker_map, rng.permutation(len(triples)))
    for method in (majority_vote, dawid_skene, one_coin):
        before = method(data=data).truth.posterior  # type: ignore[operator]
        after = method(data=shuffled).truth.posterior  # type: ignore[operator]
        np.testing.assert_allclose(after[item_map], before, atol=1e-4)
    ds_before, ds_after = dawid_skene(data=data), dawid_skene(data=shuffled)
    np.testing.assert_allclose(ds_after.confusion[worker_map], ds_before.confusion, atol=1e-4)


def test_a_perfectly_symmetric_tie_is_broken_the_same_way_however_things_are_numbered() -> None:
    # Two workers, each twice on the one item, disagree; labels 0 and 1 are equally
    # frequent. Full Dawid-Skene used to let rounding pick the side (about half of these
    # numberings flipped it); now majority vote's tie rule does: the lower code.
    data = coded([(0, 0, 1), (0, 0, 1), (0, 1, 0), (0, 1, 0)])
    before = dawid_skene(data=data).truth
    assert before.labels[0] == 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        item_map, worker_map = rng.permutation(8), rng.permutation(6)
        shuffled = relabel(data, item_map, worker_map, rng.permutation(4))
        after = dawid_skene(data=shuffled).truth.posterior[item_map]
        np.testing.assert_allclose(after, before.posterior, atol=1e-4)


@settings(max_examples=40, deadline=None)
@given(rows)
def test_posteriors_are_distributions_and_labels_their_argmax(
    triples: list[tuple[int, int, int]],
) -> None:
    data = coded(triples)
    for result in (dawid_skene(data=data), one_coin(data=data)):
        posterior = result.truth.posterior
        np.testing.assert_allclose(posterior.sum(axis=1), 1.0)
        assert np.all(result.truth.confidence >= posterior.max(axis=1) - 1e-9)


@pytest.fixture(scope="module")
def crowd():  # type: ignore[no-untyped-def]
    return synthetic_crowd(n_items=6000, n_workers=40, per_item=5, n_classes=3, seed=11)


def test_dawid_skene_recovers_the_confusion_matrices(crowd) -> None:  # type: ignore[no-untyped-def]
    result = dawid_skene(data=crowd.data)
    assert result.converged
    # ~250 answers per worker and true class: each cell within a few of its reported stds
    error = np.abs(result.confusion - crowd.confusion)
    assert error.mean() < 0.02
    assert np.all(error < 4 * result.confusion_std + 0.01)
    np.testing.assert_allclose(result.class_prior, crowd.class_prior, atol=0.02)
    assert np.all(result.confusion_std < 0.05)


def test_dawid_skene_is_close_to_the_oracle_and_beats_majority_vote(crowd) -> None:  # type: ignore[no-untyped-def]
    oracle = dawid_skene_posterior(
        data=crowd.data, confusion=crowd.confusion, class_prior=crowd.class_prior
    )
    accuracy = {
        "oracle": np.mean(oracle.labels == crowd.truth),
        "ds": np.mean(dawid_skene(data=crowd.data).truth.labels == crowd.truth),
        "mv": np.mean(majority_vote(data=crowd.data).truth.labels == crowd.truth),
    }
    assert accuracy["ds"] >= accuracy["oracle"] - 0.01
    assert accuracy["ds"] > accuracy["mv"] + 0.01


def test_one_coin_recovers_worker_accuracy(crowd) -> None:  # type: ignore[no-untyped-def]
    result = one_coin(data=crowd.data)
    truth = (crowd.confusion.diagonal(axis1=1, axis2=2) * crowd.class_prior).sum(axis=1)
    error = np.abs(result.accuracy - truth)
    assert error.mean() < 0.02
    assert np.all(error < 4 * result.accuracy_std + 0.01)
    assert np.all((result.accuracy_std > 0) & (result.accuracy_std < 0.03))


def test_gold_items_are_clamped_and_anchor_the_workers() -> None:
    # Two workers always disagree; gold says worker 0 is the right one.
    items = np.repeat(np.arange(20), 2)
    workers = np.tile([0, 1], 20)
    labels = np.tile([0, 1], 20)
    data = judgments(items=items, workers=workers, labels=labels)
    gold = (np.arange(5), np.zeros(5, dtype=np.intp))
    for method in (dawid_skene, one_coin):
        result = method(data=data, gold=gold)  # type: ignore[operator]
        assert result.truth.posterior[:5].tolist() == [[1.0, 0.0]] * 5
        assert result.truth.labels.tolist() == [0] * 20
    with pytest.raises(ValueError, match="gold"):
        dawid_skene(data=data, gold=([99], [0]))


def test_shrinkage_toward_one_coin_helps_sparse_workers_on_many_classes() -> None:
    # 10 classes, ~70 answers per worker: about 7 per confusion row of 10 cells.
    gain = []
    for seed in range(3):
        crowd = synthetic_crowd(n_items=700, n_workers=40, per_item=4, n_classes=10, seed=seed)
        shrunk = dawid_skene(data=crowd.data).truth.labels
        textbook = dawid_skene(data=crowd.data, shrinkage=0).truth.labels
        gain.append(np.mean(shrunk == crowd.truth) - np.mean(textbook == crowd.truth))
    assert np.mean(gain) > 0.005


def test_shrinkage_zero_is_the_textbook_model_and_negative_is_refused() -> None:
    data = judgments(items=[0, 0, 1, 1], workers=[0, 1, 0, 1], labels=[0, 0, 1, 0])
    result = dawid_skene(data=data, shrinkage=0, smoothing=0.5)
    np.testing.assert_allclose(result.confusion.sum(axis=2), 1.0)
    # worker 1 always answered 0, so every row of its matrix favours 0
    assert result.confusion[1, :, 0].min() > result.confusion[1, :, 1].max()
    with pytest.raises(ValueError, match="shrinkage"):
        dawid_skene(data=data, shrinkage=-1)


def test_few_judgments_mean_wide_uncertainty() -> None:
    items = np.r_[np.arange(100), np.arange(3)]
    workers = np.r_[np.zeros(100, np.intp), np.ones(3, np.intp)]
    data = judgments(items=items, workers=workers, labels=np.zeros(103, np.intp), n_classes=2)
    result = one_coin(data=data)
    assert result.accuracy_std[1] > 3 * result.accuracy_std[0]


def test_an_empty_set_needs_its_class_count() -> None:
    with pytest.raises(ValueError, match="no judgments"):
        judgments(
            items=np.array([], np.intp), workers=np.array([], np.intp), labels=np.array([], np.intp)
        )
