"""Requests per minute per endpoint, counted in the database so every process shares it.

A fixed one-minute window lives on the endpoint row (``window_started_at``,
``window_count``). Taking a slot is a compare-and-set that must change exactly one row:
either start a new window (the old one is over) or add one to the current count while it
is under the limit. A process that loses the race reads again and retries. The same
statements run on SQLite and PostgreSQL. A fixed window lets up to twice the limit through
around a window boundary; that is the price of one row and no broker.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from assay import clock
from assay.models import ModelEndpoint

WINDOW = dt.timedelta(minutes=1)
ATTEMPTS = 20


def take_slot(endpoint_id: int) -> float:
    """Take one request slot; 0.0 when taken, else the seconds until the window ends."""
    for _ in range(ATTEMPTS):
        row = ModelEndpoint.objects.filter(id=endpoint_id).values(
            "window_started_at", "window_count", "requests_per_minute"
        )[0]
        now = clock.now()
        started = row["window_started_at"]
        same = ModelEndpoint.objects.filter(id=endpoint_id, window_started_at=started)
        if started is None or now - started >= WINDOW:
            if same.update(window_started_at=now, window_count=1) == 1:
                return 0.0
        elif row["window_count"] < row["requests_per_minute"]:
            bump = same.filter(window_count=row["window_count"])
            if bump.update(window_count=F("window_count") + 1) == 1:
                return 0.0
        else:
            return max((started + WINDOW - now).total_seconds(), 0.01)
    # Heavy contention on one endpoint: report a short wait rather than spin.
    return 1.0
