"""Import a large item file and report time and peak Python memory.

Side by side in one run: Assay's streaming import (scan, then insert in
batches) against a naive baseline that parses every row into a list first.

    .venv/bin/python bench/import_large.py [--mb 50] [--database-url URL]

Defaults to a throwaway SQLite file; pass a PostgreSQL URL to measure there.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from harness import requester_project, setup_django


def make_file(path: Path, megabytes: int) -> int:
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 8
    rows = 0
    with path.open("w") as out:
        while out.tell() < megabytes * 1024 * 1024:
            out.write(
                json.dumps(
                    {
                        "id": f"row-{rows}",
                        "prompt": f"Question {rows}: {filler}",
                        "response_a": f"A {rows}. {filler}",
                        "response_b": f"B {rows}. {filler}",
                    }
                )
                + "\n"
            )
            rows += 1
    return rows


def streaming(path: Path) -> int:
    from assay.actions.imports import import_items

    user, project = requester_project("stream")
    with path.open("rb") as stream:
        report = import_items(
            actor=user, project=project, stream=stream, filename=path.name, size=path.stat().st_size
        )
    return report.created


def naive(path: Path) -> int:
    from django.db import transaction

    from assay import clock
    from assay.models import Item

    _, project = requester_project("naive")
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    now = clock.now()
    with transaction.atomic():
        Item.objects.bulk_create(
            [
                Item(
                    project=project,
                    external_id=r["id"],
                    prompt=r["prompt"],
                    response_a=r["response_a"],
                    response_b=r["response_b"],
                    created_at=now,
                )
                for r in rows
            ],
            batch_size=1000,
        )
    return len(rows)


def measure(fn, path: Path, repeats: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        created = fn(path)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    fn(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20, created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="assay-bench-"))
    setup_django(args.database_url or f"sqlite:///{workdir}/bench.sqlite3")
    path = workdir / "items.jsonl"
    rows = make_file(path, args.mb)
    size = path.stat().st_size / 2**20
    from django.db import connection

    print(f"file: {size:.1f} MiB, {rows} rows; database: {connection.vendor}")
    print(f"{'method':<28}{'median s':>10}{'rows/s':>10}{'peak MiB':>10}{'peak/file':>10}")
    for label, fn in (
        ("assay streaming import", streaming),
        ("naive: parse all, then insert", naive),
    ):
        seconds, peak, created = measure(fn, path, args.repeats)
        assert created == rows
        print(
            f"{label:<28}{seconds:>10.2f}{rows / seconds:>10.0f}{peak:>10.1f}{peak / size:>10.2f}"
        )


if __name__ == "__main__":
    main()
