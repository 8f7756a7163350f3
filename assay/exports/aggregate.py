"""Pure arithmetic of aggregated pairwise records: no Django, no I/O."""

from __future__ import annotations

from functools import cache
from math import comb

from assay.domain.pairwise import Outcome


def confidence(outcome: Outcome) -> float:
    """P(the majority's winner is truly preferred), ties set aside.

    With a uniform prior on p = P(an expert prefers the winner) and w votes for the
    winner against l for the other response, the posterior is Beta(w + 1, l + 1) and
    P(p > 1/2) = P(Binomial(w + l + 1, 1/2) <= w). Without a winner it is 0.
    """
    if outcome.winner is None:
        return 0.0
    return _posterior(
        outcome.votes[outcome.winner], outcome.votes["b" if outcome.winner == "a" else "a"]
    )


@cache
def _posterior(won: int, lost: int) -> float:
    n = won + lost + 1
    return sum(comb(n, j) for j in range(won + 1)) / (1 << n)


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def assistant(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]
