"""Pay arithmetic in integer minor units (cents)."""

from __future__ import annotations

import datetime as dt


def hourly_rate_cents(pay_cents: int, estimated_minutes: int) -> int:
    """The rate a task implies, rounded down so it never overstates pay."""
    if estimated_minutes <= 0:
        raise ValueError("estimated_minutes must be positive")
    return pay_cents * 60 // estimated_minutes


def format_money(cents: int, currency: str) -> str:
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency)
    sign, size = ("-", -cents) if cents < 0 else ("", cents)
    amount = f"{size // 100:,}.{size % 100:02d}"
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


def lease_length(estimated_minutes: int, *, minimum_minutes: int, factor: int) -> dt.timedelta:
    return dt.timedelta(minutes=max(minimum_minutes, estimated_minutes * factor))


def parse_money(text: str) -> int:
    """'12', '12.5' or '12.50' to cents; ValueError for anything else."""
    cleaned = text.strip().replace(",", "")
    whole, _, fraction = cleaned.partition(".")
    if not whole.isdigit() or len(fraction) > 2 or (fraction and not fraction.isdigit()):
        raise ValueError(f"not an amount: {text!r}")
    return int(whole) * 100 + int(fraction.ljust(2, "0") or 0)
