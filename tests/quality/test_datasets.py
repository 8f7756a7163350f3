"""Accuracy on the shared real crowdsourcing data sets, one test per family.

Floors sit a little under what Crowd-Kit 1.4.2 reaches (shared/datasets/README.md),
so a regression in the methods, not noise, is what fails them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from assay.quality.io import read_comparisons, read_labels
from assay.quality.labels import dawid_skene, one_coin
from assay.quality.pairwise import bradley_terry, crowd_bt

# tests/quality/this_file -> parents[3] is the folder holding the repository and shared/.
DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"

pytestmark = pytest.mark.skipif(
    not DATASETS.is_dir(), reason="shared/datasets is not beside the repo"
)


def label_accuracy(name: str, method: str) -> float:
    table = read_labels(DATASETS / name / "labels.csv")
    with (DATASETS / name / "gt.csv").open(newline="") as handle:
        truth = {row["task"]: row["true_label"] for row in csv.DictReader(handle)}
    fit = dawid_skene if method == "ds" else one_coin
    labels = fit(data=table.data).truth.labels
    hits = [
        table.classes[labels[i]] == truth[task]
        for i, task in enumerate(table.tasks)
        if task in truth
    ]
    return float(np.mean(hits))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Rank correlation (no ties in these scores)."""
    return float(np.corrcoef(np.argsort(np.argsort(x)), np.argsort(np.argsort(y)))[0, 1])


def test_snow() -> None:
    assert label_accuracy("snow_rte", "ds") >= 0.92
    assert label_accuracy("snow_temp", "ds") >= 0.93
    assert label_accuracy("snow_wsd", "ds") >= 0.99


def test_active_crowd_toolkit() -> None:
    assert label_accuracy("act_SP_AMT", "ds") >= 0.94
    assert label_accuracy("act_WS_AMT", "onecoin") >= 0.85
    assert label_accuracy("act_CF", "onecoin") >= 0.87
    assert label_accuracy("act_MS", "onecoin") >= 0.78
    assert label_accuracy("act_MS", "ds") >= 0.78
    assert label_accuracy("act_ZC_in", "onecoin") >= 0.78


def test_galaxy_mozafari() -> None:
    assert label_accuracy("gal_Mozafari", "ds") >= 0.70


def test_pairwise_country_population() -> None:
    table = read_comparisons(DATASETS / "pair_countrypop" / "comparisons.csv")
    with (DATASETS / "pair_countrypop" / "gt.csv").open(newline="") as handle:
        truth = {row["item"]: float(row["score"]) for row in csv.DictReader(handle)}
    expected = np.array([truth[item] for item in table.items])
    assert spearman(bradley_terry(data=table.data, bootstrap=0).scores, expected) >= 0.86
    assert spearman(crowd_bt(data=table.data).scores, expected) >= 0.86
