"""Long-format CSV in and out for the quality methods.

Two input shapes, told apart by the header (extra columns are ignored):
``task,worker,label`` for categorical labels and ``worker,left,right,label`` for
pairwise comparisons, where ``label`` names the winning item, or ``tie``. Names are
coded to dense integers here, so the methods never see strings. Every problem is
reported as a ``QualityInputError`` naming the file and the line, because these files
come from people's spreadsheets and "invalid input" alone sends them hunting.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from assay.quality._common import FloatArray
from assay.quality.labels import Judgments, Truth, judgments
from assay.quality.pairwise import Comparisons, comparisons

__all__ = [
    "ComparisonTable",
    "LabelTable",
    "QualityInputError",
    "detect_kind",
    "read_comparisons",
    "read_labels",
    "write_labels",
    "write_scores",
]

LABEL_COLUMNS = ("task", "worker", "label")
PAIRWISE_COLUMNS = ("worker", "left", "right", "label")
TIE = "tie"
Kind = Literal["labels", "pairwise"]


class QualityInputError(ValueError):
    """A judgments file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class LabelTable:
    """Coded label judgments and the names behind each code."""

    data: Judgments
    tasks: list[str]
    workers: list[str]
    classes: list[str]


@dataclass(frozen=True)
class ComparisonTable:
    """Coded comparisons and the names behind each code."""

    data: Comparisons
    items: list[str]
    workers: list[str]


def _header(path: Path, reader: Iterator[list[str]]) -> list[str]:
    try:
        return [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise QualityInputError(f"{path}: the file is empty; expected a header line") from None


def detect_kind(path: Path) -> Kind:
    """``pairwise`` or ``labels``, from the header line."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = _header(path, csv.reader(handle))
    if set(PAIRWISE_COLUMNS) <= set(header):
        return "pairwise"
    if set(LABEL_COLUMNS) <= set(header):
        return "labels"
    raise QualityInputError(
        f"{path}: line 1: the header must name the columns {','.join(LABEL_COLUMNS)} "
        f"or {','.join(PAIRWISE_COLUMNS)}; got {','.join(header)}"
    )


def _records(path: Path, columns: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number, the named fields) per data row, with shape and emptiness checked."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = _header(path, reader)
        missing = [name for name in columns if name not in header]
        if missing:
            raise QualityInputError(f"{path}: line 1: the header lacks {', '.join(missing)}")
        where = [header.index(name) for name in columns]
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise QualityInputError(
                    f"{path}: line {reader.line_num}: expected {len(header)} fields, got {len(row)}"
                )
            fields = [row[i].strip() for i in where]
            for name, value in zip(columns, fields, strict=True):
                if not value:
                    raise QualityInputError(f"{path}: line {reader.line_num}: empty {name}")
            yield reader.line_num, fields


class _Codes:
    """Names to dense codes in order of first appearance, so output follows the input."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        return self.codes.setdefault(name, len(self.codes))

    @property
    def names(self) -> list[str]:
        return list(self.codes)


def _class_order(names: Sequence[str]) -> list[str]:
    """Classes sorted numerically when they all are numbers (so "10" follows "9"), else as text."""
    try:
        return sorted(names, key=float)
    except ValueError:
        return sorted(names)


def read_labels(path: Path) -> LabelTable:
    """Read a ``task,worker,label`` file."""
    tasks, workers, raw = _Codes(), _Codes(), _Codes()
    rows = [
        (tasks(task), workers(worker), raw(label))
        for _, (task, worker, label) in _records(path, LABEL_COLUMNS)
    ]
    if not rows:
        raise QualityInputError(f"{path}: no judgments after the header")
    classes = _class_order(raw.names)
    recode = np.array([classes.index(name) for name in raw.names], dtype=np.intp)
    columns = np.array(rows, dtype=np.intp)
    data = judgments(items=columns[:, 0], workers=columns[:, 1], labels=recode[columns[:, 2]])
    return LabelTable(data, tasks.names, workers.names, classes)


def _outcome(path: Path, line: int, left: str, right: str, label: str) -> float:
    if left == right:
        raise QualityInputError(f"{path}: line {line}: item {left!r} is compared with itself")
    if label == left:
        return 1.0
    if label == right:
        return 0.0
    if label.lower() == TIE:
        return 0.5
    raise QualityInputError(
        f"{path}: line {line}: label {label!r} is neither left {left!r}, "
        f"right {right!r} nor {TIE!r}"
    )


def read_comparisons(path: Path) -> ComparisonTable:
    """Read a ``worker,left,right,label`` file (label = the winning item, or ``tie``)."""
    items, workers = _Codes(), _Codes()
    rows = [
        (workers(worker), items(left), items(right), _outcome(path, line, left, right, label))
        for line, (worker, left, right, label) in _records(path, PAIRWISE_COLUMNS)
    ]
    if not rows:
        raise QualityInputError(f"{path}: no comparisons after the header")
    columns = np.array(rows, dtype=np.float64)
    data = comparisons(
        left=columns[:, 1].astype(np.intp),
        right=columns[:, 2].astype(np.intp),
        outcome=columns[:, 3],
        workers=columns[:, 0].astype(np.intp),
    )
    return ComparisonTable(data, items.names, workers.names)


def write_labels(path: Path, *, table: LabelTable, truth: Truth) -> int:
    """Write ``task,label,confidence`` for every task; returns the number of rows."""
    confidence = truth.confidence
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["task", "label", "confidence"])
        for task, label, score in zip(table.tasks, truth.labels, confidence, strict=True):
            writer.writerow([task, table.classes[label], f"{score:.6f}"])
    return len(table.tasks)


def write_scores(path: Path, *, items: Sequence[str], scores: FloatArray) -> int:
    """Write ``item,score`` (higher is better), best first; returns the number of rows."""
    order = np.argsort(-scores, kind="stable")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "score"])
        for index in order:
            writer.writerow([items[index], f"{scores[index]:.6f}"])
    return len(items)
