"""Low-effort signals: pure rules that say when a judgment deserves a human look.

A signal is ``(kind, detail)``: one of the ``Flag`` kinds and a sentence a
requester can read. Signals never decide anything about an expert; see
docs/quality-signals.md for what a flag does and does not do.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TOO_FAST = "too_fast"
COPIED = "copied_rationale"
DUPLICATE = "duplicate_rationale"

# Too fast: how many other judgments a project needs before durations say anything,
# how many standard deviations below their mean counts (Prolific's rule, FAIRWORK 13),
# and the share of the estimate declared before launch under which a submission is
# implausible whatever the spread.
MIN_OTHERS = 10
SD_BELOW = 3
ESTIMATE_SHARE = 0.10

# Copied rationale: a verbatim run this long, or a shorter run that is most of the rationale.
COPY_RUN_WORDS = 12
COPY_SHORT_RUN_WORDS = 6
COPY_MOSTLY_PERCENT = 80

# Duplicate rationale: shorter texts ("A is clearly more accurate.") repeat by chance.
DUPLICATE_MIN_WORDS = 6

Signal = tuple[str, str]


def normalize(text: str) -> str:
    """Lowercase, with every run of whitespace collapsed to one space."""
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class Durations:
    """How many other judgments there are, and the sum and the sum of squares of their
    durations: all the too-fast rule needs, so the database can add them up."""

    count: int
    total: int
    squares: int

    @classmethod
    def of(cls, values: Iterable[int]) -> Durations:
        listed = list(values)
        return cls(len(listed), sum(listed), sum(v * v for v in listed))

    @property
    def mean(self) -> float:
        return self.total / self.count

    @property
    def spread(self) -> float:
        """The sample standard deviation, from exact integer sums (no cancellation)."""
        n = self.count
        return math.sqrt(max(n * self.squares - self.total**2, 0) / (n * (n - 1)))


def too_fast(
    duration: int, others: Durations | Sequence[int], estimated_minutes: int
) -> Signal | None:
    """Flag a duration far below the project's other judgments, or below 10% of the estimate.

    Both rules need ``MIN_OTHERS`` other judgments, so early judgments are never
    flagged. The primary rule is "more than 3 sample standard deviations below the
    mean"; with no spread at all (every other duration equal) it says nothing.
    The second rule exists because durations are skewed: a few slow judgments
    push mean - 3 SD below zero, and the first rule then never fires.
    """
    summary = others if isinstance(others, Durations) else Durations.of(others)
    if summary.count < MIN_OTHERS:
        return None
    reasons = []
    mean, spread = summary.mean, summary.spread
    cutoff = mean - SD_BELOW * spread
    if spread > 0 and duration < cutoff:
        reasons.append(
            f"more than {SD_BELOW} standard deviations below the mean of the project's "
            f"other {summary.count} judgments (mean {mean:.0f} s, SD {spread:.0f} s, "
            f"cut-off {cutoff:.0f} s)"
        )
    floor = estimated_minutes * 60 * ESTIMATE_SHARE
    if duration < floor:
        reasons.append(
            f"under {ESTIMATE_SHARE:.0%} of the {estimated_minutes}-minute estimate "
            f"declared before launch ({floor:.0f} s)"
        )
    if not reasons:
        return None
    return TOO_FAST, f"Submitted after {duration} s: " + "; and ".join(reasons) + "."


def _first_shared_run(words: Sequence[str], source: Sequence[str], length: int) -> str | None:
    """The first run of ``length`` or more words of ``words`` found verbatim in ``source``,
    extended as far as it goes; None if there is none."""
    if length < 1 or len(words) < length:
        return None
    grams = {tuple(source[j : j + length]): j for j in range(len(source) - length + 1)}
    for i in range(len(words) - length + 1):
        j = grams.get(tuple(words[i : i + length]))
        if j is not None:
            end = length
            while (
                i + end < len(words) and j + end < len(source) and words[i + end] == source[j + end]
            ):
                end += 1
            return " ".join(words[i : i + end])
    return None


def copied_rationale(rationale: str, response_a: str, response_b: str) -> Signal | None:
    """Flag a rationale that repeats a shown response instead of giving a reason.

    The rule: some run of consecutive words of the rationale appears word for
    word in response A or B (after ``normalize``), and that run is at least
    ``COPY_RUN_WORDS`` (12) words long, or at least ``COPY_SHORT_RUN_WORDS`` (6)
    words long and 80% or more of the rationale. A quote of fewer than 6 words
    never counts, nor does a quote of 6 to 11 words inside a longer reason.
    """
    words = normalize(rationale).split()
    if len(words) < COPY_SHORT_RUN_WORDS:
        return None
    mostly = math.ceil(len(words) * COPY_MOSTLY_PERCENT / 100)
    needed = min(COPY_RUN_WORDS, max(COPY_SHORT_RUN_WORDS, mostly))
    for label, response in (("A", response_a), ("B", response_b)):
        run = _first_shared_run(words, normalize(response).split(), needed)
        if run is not None:
            count = len(run.split())
            quote = run if count <= 25 else " ".join(run.split()[:25]) + " …"
            return COPIED, (
                f"{count} of the rationale's {len(words)} words repeat response {label} "
                f"word for word: “{quote}”"
            )
    return None


def duplicate_rationale(rationale: str, others: Iterable[tuple[int, str]]) -> Signal | None:
    """Flag a rationale identical, after ``normalize``, to another expert's in the project.

    ``others`` is (judgment id, rationale) for other experts' judgments only;
    reusing one's own wording is not a signal. Rationales under
    ``DUPLICATE_MIN_WORDS`` (6) words are never compared.
    """
    text = normalize(rationale)
    if len(text.split()) < DUPLICATE_MIN_WORDS:
        return None
    same = sorted(judgment_id for judgment_id, other in others if normalize(other) == text)
    if not same:
        return None
    shown = ", ".join(str(n) for n in same[:5]) + (" …" if len(same) > 5 else "")
    plural = "s" if len(same) > 1 else ""
    return DUPLICATE, (
        f"The same {len(text.split())}-word rationale as another expert's judgment{plural} "
        f"{shown} in this project."
    )


def signals(
    *,
    duration: int,
    other_durations: Durations | Sequence[int],
    estimated_minutes: int,
    rationale: str,
    response_a: str,
    response_b: str,
    other_rationales: Iterable[tuple[int, str]],
) -> list[Signal]:
    """Every signal one judgment raises, in a fixed order."""
    found = (
        too_fast(duration, other_durations, estimated_minutes),
        copied_rationale(rationale, response_a, response_b),
        duplicate_rationale(rationale, other_rationales),
    )
    return [signal for signal in found if signal is not None]
