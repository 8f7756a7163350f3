"""The one clock every lease, window and deadline is computed from.

Tests move time with ``frozen(...)``; production code calls ``now()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

_frozen: list[dt.datetime] = []


def now() -> dt.datetime:
    if _frozen:
        return _frozen[-1]
    return dt.datetime.now(dt.UTC)


@contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    _frozen.append(at)
    try:
        yield
    finally:
        _frozen.pop()
