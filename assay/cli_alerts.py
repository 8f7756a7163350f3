"""The ``assay notify`` command: expiry warnings, work alerts, batched email, overdue tests.

A DB-polling background process: no broker, and safe to run in several copies
because every step claims its work with a compare-and-set update.
"""

from __future__ import annotations

import time

import click


def _run_once() -> None:
    from assay.actions.alerts import run_once
    from assay.actions.approvals import sweep
    from assay.actions.qualification import expire_overdue_attempts
    from assay.actions.webhooks import run_once as run_webhooks
    from assay.quality_report import refresh_stale

    expired = expire_overdue_attempts()
    approved, raised = sweep()
    counts = run_once()
    snapshots = refresh_stale()
    hooks = run_webhooks()
    click.echo(
        f"expiry warnings: {counts.expiry_warnings}, work alerts: {counts.work_alerts}, "
        f"emails: {counts.emails}, overdue test attempts closed and paid: {expired}, "
        f"submissions approved automatically: {approved}, projects whose pay rose to the "
        f"floor: {raised}, quality snapshots refreshed: {snapshots}, webhook events queued: "
        f"{hooks.queued}, delivered: {hooks.delivered}"
    )


def _loop(seconds: float) -> None:
    from django.db import close_old_connections

    while True:
        close_old_connections()
        try:
            _run_once()
        except Exception as error:  # keep polling; the next run retries what failed
            click.echo(f"notify failed: {error!r}", err=True)
        time.sleep(seconds)


@click.command("notify")
@click.option(
    "--loop",
    "seconds",
    type=click.FloatRange(min=1),
    default=None,
    metavar="SECONDS",
    help="Run again every SECONDS seconds, forever, instead of once.",
)
def notify(seconds: float | None) -> None:
    """Send due notifications and emails."""
    from assay.cli import _ready_schema, _setup

    _setup()
    _ready_schema()
    if seconds is None:
        _run_once()
    else:
        _loop(seconds)
