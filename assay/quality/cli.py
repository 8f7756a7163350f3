"""``assay quality``: aggregate a judgments CSV from the command line.

A thin adapter: read the file (``assay.quality.io``), run one method, write the
result. Registered on the main command group by ``assay.cli``.
"""

from __future__ import annotations

from pathlib import Path

import click

from assay.quality import io
from assay.quality.labels import dawid_skene, majority_vote, one_coin
from assay.quality.pairwise import bradley_terry, crowd_bt

LABEL_METHODS = ("ds", "onecoin", "mv")
PAIRWISE_METHODS = ("bt", "crowdbt")
DEFAULTS = {"labels": "ds", "pairwise": "crowdbt"}


@click.group()
def quality() -> None:
    """Aggregate expert judgments into labels, confidences and scores."""


def _aggregate_labels(source: Path, method: str, output: Path) -> str:
    table = io.read_labels(source)
    if method == "mv":
        voted = majority_vote(data=table.data)
        rows = io.write_labels(output, table=table, truth=voted.truth)
        return f"{rows} tasks; {voted.ties} ties broken by overall label frequency"
    fitted = (dawid_skene if method == "ds" else one_coin)(data=table.data)
    rows = io.write_labels(output, table=table, truth=fitted.truth)
    state = "converged" if fitted.converged else "stopped at the iteration limit"
    return f"{rows} tasks, {len(table.workers)} workers; EM {state} after {fitted.iterations}"


def _aggregate_pairwise(source: Path, method: str, output: Path) -> str:
    table = io.read_comparisons(source)
    if method == "bt":
        scores = bradley_terry(data=table.data, bootstrap=0).scores
    else:
        scores = crowd_bt(data=table.data).scores
    rows = io.write_scores(output, items=table.items, scores=scores)
    return f"{rows} items from {len(table.data.left)} comparisons"


@quality.command()
@click.option(
    "--method",
    type=click.Choice(LABEL_METHODS + PAIRWISE_METHODS),
    help="ds (Dawid-Skene), onecoin, mv (majority vote) for label files; bt (Bradley-Terry) "
    "or crowdbt for pairwise files. Default: ds or crowdbt, from the file's header.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write task,label,confidence (labels) or item,score (pairwise).",
)
@click.argument(
    "source", metavar="INPUT.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def aggregate(method: str | None, output: Path, source: Path) -> None:
    """Aggregate INPUT.csv (task,worker,label or worker,left,right,label) into OUTPUT."""
    try:
        kind = io.detect_kind(source)
        chosen = method or DEFAULTS[kind]
        allowed = LABEL_METHODS if kind == "labels" else PAIRWISE_METHODS
        if chosen not in allowed:
            choices = ", ".join(allowed)
            raise click.UsageError(f"--method {chosen} does not apply to a {kind} file: {choices}")
        run = _aggregate_labels if kind == "labels" else _aggregate_pairwise
        summary = run(source, chosen, output)
    except io.QualityInputError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{chosen}: {summary}. Wrote {output}")
