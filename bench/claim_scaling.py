"""Next-task and submit latency against project size.

Side by side in one run: the same sequence of claims and submissions in a
small project, a large one, and a large one that is nearly done (``--done`` of
its items already at their overlap); the medians should match, because the hot
path must grow neither with the number of items nor with how many are complete.

    .venv/bin/python bench/claim_scaling.py [--small 1000] [--large 100000] [--done 0.9]
        [--database-url URL]

Complete items are marked by their counters (reserved and judgment_count at the
overlap), with no judgment rows behind them: the allocator reads only the counters.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from harness import requester_project, setup_django


def build(size: int, label: str, done: float = 0.0):  # type: ignore[no-untyped-def]
    from assay import clock
    from assay.actions import accounts, projects
    from assay.models import Item

    owner, project = requester_project(label)
    tag = f"{label}-{time.time_ns()}"
    now = clock.now()
    Item.objects.bulk_create(
        (
            Item(
                project=project,
                external_id=str(n),
                prompt="p",
                response_a="a",
                response_b="b",
                created_at=now,
            )
            for n in range(size)
        ),
        batch_size=5000,
    )
    project = projects.publish_project(actor=owner, project=project)
    if done:
        complete = int(size * done)
        first = Item.objects.filter(project=project).order_by("id").values_list("id", flat=True)
        Item.objects.filter(project=project, id__lt=first[complete]).update(
            reserved=project.overlap, judgment_count=project.overlap
        )
        vacuum()  # as autovacuum would, after so many changed rows
    from assay.actions.imports import refresh_statistics

    refresh_statistics()  # as the import action does after a large upload
    experts = [
        accounts.sign_up_expert(
            email=f"e{n}-{tag}@bench.test", password="bench-password-2026", name=f"E{n}"
        )
        for n in range(10)
    ]
    return project, experts


def run(project, experts, rounds: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    from assay.actions.allocation import claim_next_task
    from assay.actions.judgments import submit_judgment

    claims, submits = [], []
    for r in range(rounds):
        for n, expert in enumerate(experts):
            started = time.perf_counter()
            lease = claim_next_task(expert=expert, project=project)
            claims.append(time.perf_counter() - started)
            started = time.perf_counter()
            submit_judgment(
                expert=expert,
                lease_id=lease.id,
                choice="a",
                strength=1,
                rationale="Benchmark judgment text.",
                idempotency_key=f"bench-{r}-{n}-{lease.id}",
            )
            submits.append(time.perf_counter() - started)
    return claims, submits


def vacuum() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM assay_item")  # statistics left stale: the worst case


def empty_run(project, experts, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Asking for work once every item is complete: the answer says why there is none."""
    from assay.actions.allocation import claim_next_task
    from assay.actions.leases import QueueIsEmpty
    from assay.models import Item

    Item.objects.filter(project=project).update(
        reserved=project.overlap, judgment_count=project.overlap
    )
    vacuum()
    empties = []
    for _round in range(rounds):
        for expert in experts:
            started = time.perf_counter()
            try:
                claim_next_task(expert=expert, project=project)
            except QueueIsEmpty:
                empties.append(time.perf_counter() - started)
            else:
                raise RuntimeError("a complete project handed out work")
    return empties


def fresh_postgres(url: str) -> None:
    """Start from an empty database so leftovers of earlier runs cannot skew the plans."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--done", type=float, default=0.9, help="share complete, third project")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="assay-bench-"))
    if args.database_url.startswith("postgres"):
        fresh_postgres(args.database_url)
    setup_django(args.database_url or f"sqlite:///{workdir}/bench.sqlite3")
    from django.conf import settings
    from django.db import connection

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher"
    ]  # setup speed only
    print(f"database: {connection.vendor}; {args.rounds} rounds x 10 experts per project")
    print(f"{'project size':>14}{'complete':>10}{'claim median ms':>18}{'submit median ms':>18}")
    medians = {}
    projects = {}
    for size, done in ((args.small, 0.0), (args.large, 0.0), (args.large, args.done)):
        project, experts = build(size, f"{size}-{done}", done)
        projects[size, done] = project, experts
        run(project, experts, 1)  # warm-up: caches, and the write-ahead log after the update
        claims, submits = run(project, experts, args.rounds)
        medians[size, done] = statistics.median(claims) * 1000, statistics.median(submits) * 1000
        claim, submit = medians[size, done]
        print(f"{size:>14}{done:>10.0%}{claim:>18.2f}{submit:>18.2f}", flush=True)
    small = medians[args.small, 0.0]
    for done in (0.0, args.done):
        large = medians[args.large, done]
        print(
            f"ratio large ({done:.0%} complete) / small: "
            f"claim {large[0] / small[0]:.2f}, submit {large[1] / small[1]:.2f}"
        )
    print(f"{'project size':>14}{'empty queue median ms':>24}  (every item complete)")
    empty = {}
    for size, done in ((args.small, 0.0), (args.large, args.done)):
        project, experts = projects[size, done]
        empty_run(project, experts, 1)
        empty[size] = statistics.median(empty_run(project, experts, args.rounds)) * 1000
        print(f"{size:>14}{empty[size]:>24.2f}", flush=True)
    print(f"ratio large / small: empty queue {empty[args.large] / empty[args.small]:.2f}")


if __name__ == "__main__":
    main()
