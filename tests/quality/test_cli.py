"""``assay quality aggregate``, driven through the click group."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from assay.quality.cli import quality

LABELS = """task,worker,label
t1,alice,cat
t1,bob,cat
t1,carol,dog
t2,alice,dog
t2,bob,dog
t2,carol,dog
t3,alice,cat
t3,bob,dog
t3,carol,cat
"""

PAIRS = """worker,left,right,label
w1,a,b,a
w1,b,c,b
w2,a,c,a
w2,a,b,tie
w3,c,b,b
"""


def run(tmp_path: Path, text: str, *options: str) -> tuple[int, str, list[dict[str, str]]]:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text(text)
    result = CliRunner().invoke(quality, ["aggregate", *options, str(source), "-o", str(target)])
    rows = list(csv.DictReader(target.read_text().splitlines())) if target.exists() else []
    return result.exit_code, result.output, rows


@pytest.mark.parametrize("method", [None, "ds", "onecoin", "mv"])
def test_label_files_round_trip(tmp_path: Path, method: str | None) -> None:
    options = () if method is None else ("--method", method)
    code, output, rows = run(tmp_path, LABELS, *options)
    assert code == 0, output
    assert f"{method or 'ds'}:" in output
    assert [(row["task"], row["label"]) for row in rows] == [
        ("t1", "cat"),
        ("t2", "dog"),
        ("t3", "cat"),
    ]
    assert all(0.5 <= float(row["confidence"]) <= 1.0 for row in rows)


@pytest.mark.parametrize("method", [None, "bt", "crowdbt"])
def test_pairwise_files_round_trip(tmp_path: Path, method: str | None) -> None:
    options = () if method is None else ("--method", method)
    code, output, rows = run(tmp_path, PAIRS, *options)
    assert code == 0, output
    assert f"{method or 'crowdbt'}:" in output
    assert [row["item"] for row in rows] == ["a", "b", "c"]
    assert float(rows[0]["score"]) > float(rows[2]["score"])


def test_a_bad_row_is_reported_with_its_line(tmp_path: Path) -> None:
    code, output, _ = run(tmp_path, "task,worker,label\nt1,alice,cat\nt2,bob\n")
    assert code == 1
    assert "line 3: expected 3 fields, got 2" in output


def test_a_winner_that_is_neither_side_is_reported_with_its_line(tmp_path: Path) -> None:
    code, output, _ = run(tmp_path, "worker,left,right,label\nw1,a,b,a\nw1,a,b,z\n")
    assert code == 1
    assert "line 3: label 'z' is neither left 'a', right 'b' nor 'tie'" in output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("item,score\n1,2\n", "line 1: the header must name"),
        ("task,worker,label\n", "no judgments after the header"),
        ("task,worker,label\nt1,,cat\n", "line 2: empty worker"),
        ("worker,left,right,label\nw,a,a,a\n", "line 2: item 'a' is compared with itself"),
    ],
)
def test_other_bad_files(tmp_path: Path, text: str, message: str) -> None:
    code, output, _ = run(tmp_path, text)
    assert code == 1
    assert message in output


def test_a_method_must_fit_the_file(tmp_path: Path) -> None:
    code, output, _ = run(tmp_path, LABELS, "--method", "bt")
    assert code == 2
    assert "does not apply to a labels file" in output
