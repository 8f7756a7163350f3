"""How many experts a project's pool admits: enough for its remaining work, no more."""

from __future__ import annotations

import math


def work_hours(remaining_judgments: int, estimated_minutes: int) -> float:
    return remaining_judgments * estimated_minutes / 60


def capacity(
    *, remaining_judgments: int, estimated_minutes: int, minimum: int, hours_per_expert: int
) -> int:
    """At least ``minimum``; one more admission per ``hours_per_expert`` of remaining work."""
    hours = work_hours(remaining_judgments, estimated_minutes)
    return max(minimum, math.ceil(hours / hours_per_expert))
