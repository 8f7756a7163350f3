"""Next-task and submit latency against project size.

Side by side in one run: the same sequence of claims and submissions in a
small and in a large project; the medians should match, because the hot path
must not grow with the number of items.

    .venv/bin/python bench/claim_scaling.py [--small 1000] [--large 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from harness import requester_project, setup_django


def build(size: int, label: str):  # type: ignore[no-untyped-def]
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
    print(f"{'project size':>14}{'claim median ms':>18}{'submit median ms':>18}")
    medians = {}
    for size in (args.small, args.large):
        project, experts = build(size, str(size))
        claims, submits = run(project, experts, args.rounds)
        medians[size] = (statistics.median(claims) * 1000, statistics.median(submits) * 1000)
        print(f"{size:>14}{medians[size][0]:>18.2f}{medians[size][1]:>18.2f}")
    small, large = medians[args.small], medians[args.large]
    print(f"ratio large/small: claim {large[0] / small[0]:.2f}, submit {large[1] / small[1]:.2f}")


if __name__ == "__main__":
    main()
