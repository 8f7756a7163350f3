"""The arithmetic behind an expert's own quality profile, and the words that explain it.

Pure functions of plain numbers and choices: no Django, no clock. The reads live
in ``assay.quality_profile``; docs/quality-profile.md describes what experts see.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Z_95 = 1.959963984540054  # the standard normal quantile for a two-sided 95% interval
MIN_OTHERS = 2  # other judgments an item needs before it says anything about consensus
MIN_PEERS = 3  # other experts needed before a time percentile is shown

Verdict = Literal["agreed", "disagreed", "no_consensus", "too_few_others"]


@dataclass(frozen=True)
class Rate:
    """``hits`` out of ``total``, with the 95% Wilson interval (None when total is 0)."""

    hits: int
    total: int
    share: float | None
    low: float | None
    high: float | None


def wilson_interval(hits: int, total: int, z: float = Z_95) -> tuple[float, float] | None:
    """Wilson's score interval for a proportion; None when there is nothing to measure.

    Unlike hits/total plus or minus a normal error, it stays inside [0, 1] and is not
    zero-width at 0 or 1 of a few trials, which is exactly where small samples sit.
    """
    if total <= 0:
        return None
    if not 0 <= hits <= total:
        raise ValueError(f"hits must be between 0 and {total}, got {hits}")
    p = hits / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    spread = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    # At 0 or all hits the bound is exactly 0 or 1; rounding would put it a hair off.
    low = 0.0 if hits == 0 else max(0.0, centre - spread)
    high = 1.0 if hits == total else min(1.0, centre + spread)
    return low, high


def rate(hits: int, total: int) -> Rate:
    interval = wilson_interval(hits, total)
    if interval is None:
        return Rate(hits, total, None, None, None)
    return Rate(hits, total, hits / total, interval[0], interval[1])


def consensus(choices: Iterable[str]) -> str | None:
    """The choice with strictly more votes than every other choice (a tie vote included)."""
    ranked = Counter(choices).most_common()
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def verdict(mine: str, others: Sequence[str]) -> Verdict:
    """How the expert's choice on one item compares with the other experts' choices."""
    if len(others) < MIN_OTHERS:
        return "too_few_others"
    agreed = consensus(others)
    if agreed is None:
        return "no_consensus"
    return "agreed" if agreed == mine else "disagreed"


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def time_percentile(value: float, others: Sequence[float]) -> float | None:
    """The share of ``others`` quicker than ``value``, ties counted half, as 0-100.

    Lower is faster: 10 means 10% of the other experts take less time. None when
    there are fewer than MIN_PEERS others, so it never describes one person.
    """
    if len(others) < MIN_PEERS:
        return None
    quicker = sum(1 for other in others if other < value)
    equal = sum(1 for other in others if other == value)
    return 100.0 * (quicker + equal / 2) / len(others)


def _percent(share: float | None) -> str:
    return "no figure yet" if share is None else f"{100 * share:.0f}%"


def describe_rate(measured: Rate) -> str:
    """'7 of 10 (70%; 95% interval 40% to 89%)' or 'none yet'."""
    if measured.total == 0:
        return "none yet"
    return (
        f"{measured.hits} of {measured.total} ({_percent(measured.share)}; "
        f"95% interval {_percent(measured.low)} to {_percent(measured.high)})"
    )


ALLOCATION = (
    "Today none of these numbers changes what you are offered. The allocator "
    "(assay/actions/allocation.py) orders projects by priority, deadline and age. Inside a "
    "project it mixes in gold items at the project's gold rate, using how many judgments "
    "and gold judgments you have made there, never whether they were right. Caps and the "
    "fair-share rule count your judgments; they never look at their quality or speed. "
    "Eligibility comes from your profile, credentials, qualification tests and "
    "invitations; pools admit experts as demand allows, in the order they joined. There "
    "is no quality-based restriction and no hidden soft ban."
)

GOLD = (
    "Gold items are items whose answer the requester set in advance; they look like any "
    "other task. Gold accuracy is the share of the gold items you judged where your "
    "choice equals the expected answer; a tie is right only when the expected answer is "
    "a tie. The 95% interval (Wilson score) shows how far the figure can move by chance "
    "with this few items: it narrows as you judge more. Each gold item is listed on this "
    "page once you have judged it, with the expected answer and the requester's reason, unless "
    "the project keeps its gold answers private. Where a project uses adaptive "
    "redundancy, your gold accuracy in that project weighs your vote when deciding whether "
    "an item needs one more judgment; it does not change what you are offered or paid."
)

AGREEMENT = (
    "Agreement compares your choice on an item with the other experts' choices on it, "
    "your own vote left out. An item counts once at least 2 other experts judged it. If "
    "one answer got more of their votes than each other answer, you agreed when your "
    "choice is that answer; if the others are split evenly, the item counts as 'no "
    "consensus' and is left out of the share. Disagreeing is not an error: on hard items "
    "careful experts often differ. You never see who the others are or how they voted."
)

REVIEWS = (
    "Projects can send a share of submissions (every submission in a sensitive domain) to "
    "a second expert, picked by a fixed rule from the submission's number, never by who "
    "you are. The reviewer approves it, corrects the choice, or rejects it with a reason "
    "from a published list and a note; each outcome is listed on this page with that "
    "reason and note. You never see who reviewed you, and the reviewer never sees who you "
    "are. Today a review outcome changes neither your pay nor what you are offered."
)


def describe_reviews(approved: int, rejected: int, corrected: int) -> str:
    """'3 reviewed: 2 approved, 1 rejected, 0 corrected' or 'none yet'."""
    total = approved + rejected + corrected
    if total == 0:
        return "none yet"
    return f"{total} reviewed: {approved} approved, {rejected} rejected, {corrected} corrected"


SPEED = (
    "Your time on a task runs from taking it to submitting it. We show the median (the "
    "middle value) of your times, and a time percentile: the share of the other experts "
    "in the same projects whose median time is lower than yours (ties count half). Lower "
    "means faster. It is shown only when at least 3 other experts can be compared, so it "
    "never describes one person. Speed is not scored: a careful slow judgment is fine."
)

ELIGIBILITY = (
    "How many projects open to you are available now, need a requirement you do not "
    "meet yet, have you on a waitlist, or have no task for you at the moment. The Work "
    "page says, for each project, what to do about it."
)


def explanations() -> dict[str, str]:
    return {
        "gold": GOLD,
        "agreement": AGREEMENT,
        "reviews": REVIEWS,
        "speed": SPEED,
        "eligibility": ELIGIBILITY,
        "allocation": ALLOCATION,
    }
