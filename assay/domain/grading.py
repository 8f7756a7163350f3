"""Grading a qualification attempt, and what a test must pay.

Choice and pairwise questions are graded against the answer key here; free
text waits for a reviewer, whose points are passed in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

PAIRWISE_ANSWERS = ("a", "b", "tie")
MAX_FREE_TEXT = 5000


@dataclass(frozen=True)
class KeyedQuestion:
    id: int
    kind: str  # choice | pairwise | free_text
    category: str
    points: int
    answer: str = ""  # option index for choice, a/b/tie for pairwise
    options: int = 0  # number of options, for choice


@dataclass(frozen=True)
class Grade:
    points: int
    max_points: int
    pending: int  # free-text answers still waiting for a reviewer
    by_category: dict[str, tuple[int, int]] = field(default_factory=dict)
    correct: dict[int, bool] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return math.floor(100 * self.points / self.max_points) if self.max_points else 0


def answer_problem(question: KeyedQuestion, value: str) -> str | None:
    """Why ``value`` is not an acceptable answer to ``question`` (None if it is)."""
    if question.kind == "choice":
        if not value.isdigit() or not 0 <= int(value) < question.options:
            return "pick one of the options"
    elif question.kind == "pairwise":
        if value not in PAIRWISE_ANSWERS:
            return "choose A, B or tie"
    elif not value.strip():
        return "write an answer"
    elif len(value) > MAX_FREE_TEXT:
        return f"keep the answer under {MAX_FREE_TEXT} characters"
    return None


def grade(
    questions: list[KeyedQuestion], answers: Mapping[int, str], reviewed: Mapping[int, int]
) -> Grade:
    """Points per question: keyed ones now, free text from ``reviewed`` (question id -> points)."""
    points = pending = 0
    by_category: dict[str, tuple[int, int]] = {}
    correct: dict[int, bool] = {}
    for question in questions:
        if question.kind == "free_text":
            if question.id not in reviewed:
                pending += 1
            got = min(reviewed.get(question.id, 0), question.points)
        else:
            correct[question.id] = answers.get(question.id) == question.answer
            got = question.points if correct[question.id] else 0
        points += got
        have, most = by_category.get(question.category, (0, 0))
        by_category[question.category] = (have + got, most + question.points)
    total = sum(q.points for q in questions)
    return Grade(points, total, pending, by_category, correct)


def minimum_test_pay(estimated_minutes: int, floor_cents_per_hour: int) -> int:
    """A test pays at least the floor rate for its estimated time, rounded up to a cent."""
    return math.ceil(floor_cents_per_hour * estimated_minutes / 60)
