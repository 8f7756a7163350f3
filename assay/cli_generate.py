"""The ``assay generate`` command: candidate responses from model endpoints, as items."""

from __future__ import annotations

import sys
from typing import IO, Any

import click


@click.command()
@click.option("--project", "project_id", type=int, required=True, help="The project's id.")
@click.option(
    "--endpoints",
    required=True,
    help=(
        "Endpoint names of the project's organization, comma-separated: 2 to 5 for a "
        "pairwise project, 3 to 9 for a ranking project."
    ),
)
@click.option(
    "--prompts",
    type=click.File("r", encoding="utf-8"),
    default="-",
    show_default=True,
    help='JSONL file, one {"id": ..., "prompt": ...} per line; - reads standard input.',
)
def generate(project_id: int, endpoints: str, prompts: IO[str]) -> None:
    """Ask each endpoint to answer every prompt, and make the answers items.

    A pairwise project gets an item for each pair of answers; a ranking project gets one
    item per prompt holding every answer.
    """
    from assay.cli import _ready_schema, _setup

    _setup()
    _ready_schema()
    from assay.actions import generate as actions
    from assay.errors import AssayError
    from assay.models import Project

    project = Project.objects.filter(id=project_id).select_related("created_by").first()
    if project is None:
        raise click.ClickException(f"No project {project_id}.")
    try:
        rows = actions.parse_prompts(prompts)
        run = actions.start_run(
            actor=project.created_by,
            project=project,
            endpoint_names=endpoints.split(","),
            prompts=rows,
        )
    except AssayError as error:
        details = "; ".join(
            f"line {d['line']}: {d['message']}" if "line" in d else str(d.get("message", ""))
            for d in error.details
        )
        raise click.ClickException(f"{error.message} {details}".strip()) from None
    stderr = sys.stderr
    bar: Any
    with click.progressbar(length=len(rows), label="Generating", file=stderr) as bar:
        while run.status == run.Status.RUNNING:
            before = run.finished_count
            run = actions.advance(run)
            bar.update(run.finished_count - before)
            if run.next_index >= len(rows) and run.status == run.Status.RUNNING:
                break
    for failure in run.failures:
        click.echo(f"prompt {failure['id']}: {failure['message']}", err=True)
    click.echo(
        f"Run {run.id}: {run.items_created} item(s) created from "
        f"{len(rows) - len(run.failures)} of {len(rows)} prompt(s); "
        f"{len(run.failures)} failed."
    )
    if run.failures:
        raise SystemExit(1)
