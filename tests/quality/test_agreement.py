"""Agreement statistics against published worked examples."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.quality.agreement import (
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    worker_agreement,
)
from assay.quality.labels import Judgments, judgments

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# four observers, twelve units, values 1-5, None = missing.
RELIABILITY_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Fleiss' kappa worked example (Wikipedia, "Fleiss' kappa"): 10 subjects, 14 raters each.
FLEISS_COUNTS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def from_table(table: list[list[int | None]]) -> Judgments:
    cells = [
        (unit, coder, value - 1)
        for coder, row in enumerate(table)
        for unit, value in enumerate(row)
        if value is not None
    ]
    items, workers, labels = zip(*cells, strict=True)
    return judgments(items=items, workers=workers, labels=labels, n_classes=5)


def from_counts(counts: list[list[int]]) -> Judgments:
    cells = [
        (item, label)
        for item, row in enumerate(counts)
        for label, count in enumerate(row)
        for _ in range(count)
    ]
    items, labels = zip(*cells, strict=True)
    return judgments(items=items, workers=np.arange(len(items)), labels=labels)


@pytest.mark.parametrize(
    ("metric", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_matches_krippendorffs_worked_example(metric: str, expected: float) -> None:
    alpha = krippendorff_alpha(
        data=from_table(RELIABILITY_DATA), metric=metric, levels=[1, 2, 3, 4, 5]
    )  # type: ignore[arg-type]
    assert alpha == pytest.approx(expected, abs=5e-4)


def naive_nominal_alpha(data: Judgments) -> float:
    """Alpha by enumerating every pair of values within a unit: slow, but obviously right."""
    units: dict[int, list[int]] = {}
    for item, label in zip(data.items.tolist(), data.labels.tolist(), strict=True):
        units.setdefault(item, []).append(label)
    pairable = [values for values in units.values() if len(values) > 1]
    values = [v for unit in pairable for v in unit]
    n = len(values)
    observed = sum(
        sum(a != b for a, b in itertools.permutations(unit, 2)) / (len(unit) - 1)
        for unit in pairable
    )
    expected = sum(a != b for a, b in itertools.permutations(values, 2)) / (n - 1)
    return 1 - observed / expected


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), min_size=2, max_size=40))
def test_alpha_equals_pair_enumeration(cells: list[tuple[int, int]]) -> None:
    items, labels = zip(*cells, strict=True)
    data = judgments(items=items, workers=np.arange(len(cells)), labels=labels)
    try:
        expected = naive_nominal_alpha(data)
    except ZeroDivisionError:
        assert np.isnan(krippendorff_alpha(data=data))
        return
    assert krippendorff_alpha(data=data) == pytest.approx(expected)


def test_fleiss_kappa_matches_the_worked_example() -> None:
    assert fleiss_kappa(data=from_counts(FLEISS_COUNTS)) == pytest.approx(0.210, abs=5e-4)


def test_percent_agreement_counts_agreeing_pairs() -> None:
    # item 0: a a b -> 1 agreeing pair of 3; item 1: a a -> 1 of 1; item 2 single vote ignored
    data = judgments(
        items=[0, 0, 0, 1, 1, 2], workers=[0, 1, 2, 0, 1, 0], labels=[0, 0, 1, 0, 0, 1]
    )
    assert percent_agreement(data=data) == pytest.approx(2 / 4)


def test_worker_agreement_leaves_the_workers_own_vote_out() -> None:
    # item 0: w0 a, w1 a, w2 b.  item 1: w0 a, w2 b (others tie for nobody but one vote each).
    data = judgments(items=[0, 0, 0, 1, 1], workers=[0, 1, 2, 0, 2], labels=[0, 0, 1, 0, 1])
    result = worker_agreement(data=data)
    # w0: item 0 others {a, b} tie -> 1/2; item 1 other {b} -> 0. w1: others {a, b} -> 1/2.
    # w2: item 0 others {a, a} -> 0; item 1 other {a} -> 0.
    assert result.agreement.tolist() == pytest.approx([0.25, 0.5, 0.0])
    assert result.compared.tolist() == [2, 1, 2]


def test_identical_votes_give_perfect_agreement() -> None:
    data = judgments(items=[0, 0, 1, 1], workers=[0, 1, 0, 1], labels=[0, 0, 1, 1])
    assert krippendorff_alpha(data=data) == 1.0
    assert fleiss_kappa(data=data) == 1.0
    assert percent_agreement(data=data) == 1.0
