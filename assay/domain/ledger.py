"""Money rules as pure functions of integers: fees, escrow plans, pay for time, top-ups.

No Django and no clock. Every amount is in integer minor units (cents); nothing here
ever touches a float amount of money.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Rejection codes: the closed list a rejection picks from, with whether it withholds pay.
# Only work that was not really done can go unpaid; a judgment someone merely disagrees
# with is still paid. Adding a code is a documented change (docs/ledger.md).
UNPAID_REASONS: dict[str, str] = {
    "empty_submission": "Nothing was submitted beyond the minimum: no reading, no judgment.",
    "copied_content": "The rationale was copied from the responses or another expert.",
    "fraud": "The submission was made by automation or by someone other than the expert.",
}


def fee_cents(amount_cents: int, basis_points: int) -> int:
    """The platform fee on a payment, rounded up to the cent (charged to the requester)."""
    if amount_cents < 0 or basis_points < 0:
        raise ValueError("amounts and fees are never negative")
    return -(-amount_cents * basis_points // 10_000)


def with_fee(amount_cents: int, basis_points: int) -> int:
    return amount_cents + fee_cents(amount_cents, basis_points)


def hourly_pay_cents(rate_cents_per_hour: int, active_seconds: int, cap_minutes: int) -> int:
    """Pay for active time on an hourly project: capped, rounded up to the cent."""
    seconds = max(0, min(active_seconds, cap_minutes * 60))
    return -(-rate_cents_per_hour * seconds // 3600)


@dataclass(frozen=True)
class EscrowPlan:
    """What a project can cost at most, and the parts it is made of."""

    judgments: int
    gold_judgments: int
    reviews: int
    pay_cents: int
    review_cents: int
    fees_cents: int

    @property
    def total_cents(self) -> int:
        return self.pay_cents + self.review_cents + self.fees_cents


def escrow_plan(
    *,
    regular_items: int,
    gold_items: int,
    max_overlap: int,
    gold_rate: float,
    review_rate: float,
    pay_per_judgment_cents: int,
    review_pay_cents: int,
    fee_basis_points: int,
) -> EscrowPlan:
    """The most a project can spend: every regular item judged to its maximum overlap, gold
    served at the project's rate (at least one judgment per gold item), and every judgment
    reviewed at the review rate, plus fees on all of it. Rounded up at each step.
    """
    if min(regular_items, gold_items, max_overlap, pay_per_judgment_cents, review_pay_cents) < 0:
        raise ValueError("plan inputs are never negative")
    judgments = regular_items * max_overlap
    if gold_items and gold_rate > 0:
        # Gold is a share of all judgments: g / (j + g) = rate.
        rate_per_mille = round(gold_rate * 1000)
        gold = -(-judgments * rate_per_mille // max(1, 1000 - rate_per_mille))
        gold = max(gold, gold_items)
    else:
        gold = 0
    review_per_mille = round(review_rate * 1000)
    reviews = -(-(judgments + gold) * review_per_mille // 1000)
    pay = (judgments + gold) * pay_per_judgment_cents
    review_pay = reviews * review_pay_cents
    fees = fee_cents(pay, fee_basis_points) + fee_cents(review_pay, fee_basis_points)
    return EscrowPlan(judgments, gold, reviews, pay, review_pay, fees)


def topped_up_price(
    *, pay_cents: int, durations_seconds: Iterable[int], floor_cents_per_hour: int
) -> int | None:
    """The per-task price the real median time calls for, or None if pay already meets it.

    The median of the submitted durations, not the mean: a few abandoned-then-finished
    tasks should not move everyone's pay, in either direction.
    """
    durations = list(durations_seconds)
    if not durations:
        return None
    median = statistics.median(durations)
    needed = -(-int(floor_cents_per_hour * median) // 3600)
    return needed if needed > pay_cents else None


def effective_rate_cents(pay_cents: int, seconds: int) -> int | None:
    """Pay per hour of logged time, rounded down; None with no logged time."""
    if seconds <= 0:
        return None
    return pay_cents * 3600 // seconds


def payload_digest(payload: Mapping[str, object]) -> str:
    """A stable digest of what a money request asked for, to spot a reused key."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
