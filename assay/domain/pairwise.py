"""Pairwise preference: what a valid judgment is, and how judgments combine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

CHOICES = ("a", "b", "tie")
STRENGTHS = {1: "slightly better", 2: "better", 3: "much better", 4: "decisively better"}
MIN_RATIONALE_CHARS = 10
MAX_RATIONALE_CHARS = 2000


def judgment_problems(choice: str, strength: int | None, rationale: str) -> dict[str, str]:
    """Field name to message, for every field a judgment gets wrong."""
    problems: dict[str, str] = {}
    if choice not in CHOICES:
        problems["choice"] = "choose A, B or tie"
    elif choice == "tie" and strength is not None:
        problems["strength"] = "a tie has no strength"
    elif choice != "tie" and strength not in STRENGTHS:
        problems["strength"] = "pick a strength from 1 to 4"
    text = rationale.strip()
    if len(text) < MIN_RATIONALE_CHARS:
        problems["rationale"] = f"write a rationale of at least {MIN_RATIONALE_CHARS} characters"
    elif len(text) > MAX_RATIONALE_CHARS:
        problems["rationale"] = f"keep the rationale under {MAX_RATIONALE_CHARS} characters"
    return problems


@dataclass(frozen=True)
class Outcome:
    """The majority decision on one item: ``winner`` is None for a tie or a split."""

    winner: Literal["a", "b"] | None
    votes: dict[str, int]

    @property
    def margin(self) -> float:
        total = sum(self.votes.values())
        if not total or self.winner is None:
            return 0.0
        loser = "b" if self.winner == "a" else "a"
        return (self.votes[self.winner] - self.votes[loser]) / total


def majority(choices: Iterable[str]) -> Outcome:
    """A or B wins only with strictly more votes than each other option."""
    a = b = tie = 0
    for choice in choices:  # a plain loop: exports call this once per item, a million times
        if choice == "a":
            a += 1
        elif choice == "b":
            b += 1
        elif choice == "tie":
            tie += 1
    votes = {"a": a, "b": b, "tie": tie}
    if a > b and a > tie:
        return Outcome("a", votes)
    if b > a and b > tie:
        return Outcome("b", votes)
    return Outcome(None, votes)
