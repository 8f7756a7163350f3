"""Export a project of 1,000,000 judgments to JSONL: time and peak memory.

    .venv/bin/python bench/export_large.py [--judgments 1000000] [--runs 3]
        [--database-url URL] [--keep PATH]

Builds the project straight into the database (items, leases and judgments by bulk
insert; set-up is not measured), then runs each export in a fresh child process, several
times, and reports the median wall time and the child's peak resident memory (RSS). The
exports measured: raw judgments (one row per judgment) and preference pairs (one row per
item, every judgment read). "make" is ``create_export``: the counting pass, the record,
and the data card; "stream" writes the file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import requester_project, setup_django

EXPERTS = 30
OVERLAP = 3
BATCH = 5000
FILLER = "A careful answer would weigh the evidence, cite the rule, and say what follows. " * 2


def build(judgments: int) -> int:
    from assay.actions import accounts
    from assay.models import Item, Judgment, Lease, Project

    _, project = requester_project("export")
    Project.objects.filter(id=project.id).update(status=Project.Status.PUBLISHED)
    experts = [
        accounts.sign_up_expert(
            email=f"expert-{n}-{project.id}@bench.test", password="bench-password-2026", name="E"
        )
        for n in range(EXPERTS)
    ]
    now = dt.datetime.now(dt.UTC)
    items = judgments // OVERLAP
    for start in range(0, items, BATCH):
        made = Item.objects.bulk_create(
            Item(
                project=project,
                external_id=f"item-{n}",
                prompt=f"Question {n}: {FILLER}",
                response_a=f"Answer A to {n}. {FILLER}",
                response_b=f"Answer B to {n}. {FILLER}",
                metadata={"model_a": f"model-{n % 4}", "model_b": f"model-{(n + 1) % 4}"},
                reserved=OVERLAP,
                judgment_count=OVERLAP,
                created_at=now,
            )
            for n in range(start, min(start + BATCH, items))
        )
        leases = Lease.objects.bulk_create(
            Lease(
                item=item,
                project=project,
                expert=experts[(item.id + k) % EXPERTS],
                state=Lease.State.SUBMITTED,
                created_at=now,
                expires_at=now,
                closed_at=now,
            )
            for item in made
            for k in range(OVERLAP)
        )
        Judgment.objects.bulk_create(
            Judgment(
                lease=lease,
                item_id=lease.item_id,
                project=project,
                expert=lease.expert,
                guidelines_id=project.guidelines_id,
                choice="ab"[(lease.item_id + lease.expert_id) % 5 == 0],
                strength=2,
                rationale="The first answer cites the rule and the second one does not.",
                idempotency_key=f"bench-{lease.id}",
                duration_seconds=90,
                created_at=now,
            )
            for lease in leases
        )
        print(f"  built {min(start + BATCH, items):,} of {items:,} items", end="\r", flush=True)
    print()
    return int(project.id)


def export_once(project_id: int, kind: str, out: str) -> None:
    from assay.actions.exports import create_export, stream
    from assay.models import Project

    project = Project.objects.select_related("created_by").get(id=project_id)
    started = time.perf_counter()
    record = create_export(actor=project.created_by, project=project, options={"kind": kind})
    made = time.perf_counter()
    size = 0
    with open(out, "wb") as sink:
        for chunk in stream(record):
            size += sink.write(chunk)
    done = time.perf_counter()
    print(f"{made - started:.3f} {done - made:.3f} {record.record_count} {size}")


def measure(args: argparse.Namespace, project_id: int, kind: str) -> None:
    makes, streams, rss = [], [], []
    for _ in range(args.runs):
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as out:
            command = [sys.executable, __file__, "--child", str(project_id), kind, out.name]
            child = subprocess.run(
                [*command, "--database-url", args.database_url],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ},
            )
            # The largest resident set of any child so far (kilobytes on Linux).
            rss.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
        make, streamed, records, size = child.stdout.split()[-4:]
        makes.append(float(make))
        streams.append(float(streamed))
    total = statistics.median(m + s for m, s in zip(makes, streams, strict=True))
    print(
        f"{kind:>11}: {int(records):,} records, {int(size) / 1e6:,.0f} MB; median make "
        f"{statistics.median(makes):.1f} s + stream {statistics.median(streams):.1f} s = "
        f"{total:.1f} s; peak RSS {max(rss):,.0f} MB (runs: {args.runs})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--judgments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--keep", default="", help="SQLite file to build once and reuse")
    parser.add_argument("--child", nargs=3, metavar=("PROJECT", "KIND", "OUT"))
    args = parser.parse_args()
    if not args.database_url:
        path = args.keep or str(Path(tempfile.mkdtemp(prefix="assay-export-")) / "bench.sqlite3")
        args.database_url = f"sqlite:///{path}"
    setup_django(args.database_url)
    if args.child:
        project_id, kind, out = args.child
        export_once(int(project_id), kind, out)
        return
    from assay.models import Project

    existing = Project.objects.filter(name="Bench").order_by("-id").first()
    if args.keep and existing is not None and existing.judgments.exists():
        project_id = existing.id
    else:
        print(f"building {args.judgments:,} judgments ({args.database_url.split(':')[0]})")
        started = time.perf_counter()
        project_id = build(args.judgments)
        print(f"  set-up took {time.perf_counter() - started:.0f} s (not measured)")
    for kind in ("judgments", "preference"):
        measure(args, project_id, kind)


if __name__ == "__main__":
    main()
