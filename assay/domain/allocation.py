"""Choosing what an expert works on next: a pure function of candidates and policy.

The action layer fetches a few candidate items per project (bounded, so the
cost does not grow with project size), asks these functions for an order, and
then claims the first one it can with a compare-and-set. Nothing here reads
the database or the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

FAR_FUTURE = dt.datetime.max.replace(tzinfo=dt.UTC)
BURST_MARGIN = 2  # judgments an expert may be ahead of the average before waiting


@dataclass(frozen=True)
class Candidate:
    item_id: int
    reserved: int
    needed: int  # the item's effective overlap; ignored for gold items
    is_gold: bool = False
    touched: bool = False  # the expert already held, judged or returned it
    priority: int = 0  # orders untouched items only: higher first (the judge's hard mark)


@dataclass(frozen=True)
class ProjectPolicy:
    project_id: int
    priority: int = 0
    deadline: dt.datetime | None = None
    published_at: dt.datetime = FAR_FUTURE
    gold_rate: float = 0.0
    done: int = 0  # judgments by this expert in the project
    gold_done: int = 0
    blocked: str = ""  # a cap or the fair-share rule holds the expert back ("" if not)


def project_order(policies: Iterable[ProjectPolicy]) -> list[ProjectPolicy]:
    """Higher priority first, then the nearest deadline, then the oldest project."""
    return sorted(
        (p for p in policies if not p.blocked),
        key=lambda p: (-p.priority, p.deadline or FAR_FUTURE, p.published_at, p.project_id),
    )


def wants_gold(policy: ProjectPolicy) -> bool:
    """Serve gold while the expert's gold share would stay at or under the project's rate."""
    if policy.gold_rate <= 0:
        return False
    return policy.gold_done < policy.gold_rate * (policy.done + 1)


def open_for(candidate: Candidate) -> bool:
    if candidate.touched:
        return False
    return candidate.is_gold or candidate.reserved < candidate.needed


def _work_key(c: Candidate) -> tuple[int, int, int]:
    return (-c.reserved, -c.priority if c.reserved == 0 else 0, c.item_id)


def item_order(candidates: Iterable[Candidate], policy: ProjectPolicy) -> list[int]:
    """Item ids to try, best first, within one project.

    Items already in progress come before untouched ones (so items finish
    sooner), the most advanced first; untouched items by priority, then age. A
    gold item leads when the expert is due one, and gold is left out otherwise
    so the share never runs over the rate.
    """
    usable = [c for c in candidates if open_for(c)]
    work = sorted((c for c in usable if not c.is_gold), key=_work_key)
    if not wants_gold(policy):
        return [c.item_id for c in work]
    gold = sorted((c for c in usable if c.is_gold), key=lambda c: c.item_id)
    return [c.item_id for c in gold] + [c.item_id for c in work]


def fair_share_exceeded(mine: int, counts: Iterable[int]) -> bool:
    """In a burst, an expert more than BURST_MARGIN ahead of the average waits.

    ``counts`` are the judgments of every expert active in the project over
    the last hour, this expert included.
    """
    values = list(counts)
    if not values:
        return False
    return mine - sum(values) / len(values) >= BURST_MARGIN
