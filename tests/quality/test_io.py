"""Reading judgment files: coding, class order, header handling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import assay.quality
from assay.quality.io import QualityInputError, detect_kind, read_comparisons, read_labels


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_numeric_classes_sort_as_numbers_and_names_keep_first_appearance(tmp_path: Path) -> None:
    path = write(tmp_path, "task,worker,label\nb,w2,10\na,w1,9\nb,w1,2\n")
    table = read_labels(path)
    assert table.classes == ["2", "9", "10"]
    assert table.tasks == ["b", "a"]
    assert table.workers == ["w2", "w1"]
    assert table.data.labels.tolist() == [2, 1, 0]


def test_header_order_case_bom_and_extra_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffLabel,Task,note,Worker\ncat,t1,x,w1\n")
    assert detect_kind(path) == "labels"
    table = read_labels(path)
    assert (table.tasks, table.classes) == (["t1"], ["cat"])


def test_ties_and_winners_become_outcomes(tmp_path: Path) -> None:
    path = write(tmp_path, "worker,left,right,label\nw,a,b,a\nw,a,b,b\nw,a,b,TIE\n")
    table = read_comparisons(path)
    assert table.data.outcome.tolist() == [1.0, 0.0, 0.5]
    assert table.items == ["a", "b"]


def test_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "task,worker,label\nt1,w1,a\n\nt2,w2\n")
    with pytest.raises(QualityInputError, match=r"in\.csv: line 4: expected 3 fields, got 2"):
        read_labels(path)


def test_the_public_names_are_pinned() -> None:
    assert sorted(assay.quality.__all__) == sorted(
        [
            "Comparisons", "CrowdBTResult", "DawidSkeneResult", "Decision", "Judgments",
            "Leaderboard", "MajorityVoteResult", "OneCoinResult", "Policy", "RatingsResult",
            "Truth", "WorkerAgreement", "aggregate_ratings", "bradley_terry", "comparisons",
            "crowd_bt", "dawid_skene", "dawid_skene_posterior", "decide", "fleiss_kappa",
            "judgments", "krippendorff_alpha", "majority_vote", "one_coin",
            "percent_agreement", "ranking_pairs", "win_probability", "worker_agreement",
        ]
    )  # fmt: skip


def test_the_math_imports_no_django() -> None:
    code = (
        "import sys, assay.quality, assay.quality.simulate, assay.quality.io\n"
        "assert not any(m.split('.')[0] == 'django' for m in sys.modules), 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603 (our own code)
