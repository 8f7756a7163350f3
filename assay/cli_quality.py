"""``assay quality refresh``: recompute project quality snapshots from the database."""

from __future__ import annotations

import click


@click.command("refresh")
@click.option("--project", "project_id", type=int, default=None, help="Only this project id.")
@click.option(
    "--every",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Refresh projects with at least this many judgments since their last snapshot.",
)
def refresh(project_id: int | None, every: int) -> None:
    """Recompute quality snapshots (all stale projects, or one project now)."""
    from assay.cli import _ready_schema, _setup

    _setup()
    _ready_schema()
    from assay.models import Project
    from assay.quality_report import refresh as refresh_one
    from assay.quality_report import refresh_stale

    if project_id is not None:
        project = Project.objects.filter(id=project_id).first()
        if project is None:
            raise click.ClickException(f"No project {project_id}.")
        snapshot = refresh_one(project)
        click.echo(f"Project {project_id}: {snapshot.judgment_count} judgments summarized.")
        return
    click.echo(f"Refreshed {refresh_stale(every=every)} project(s).")
