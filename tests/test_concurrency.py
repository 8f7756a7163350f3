"""Claims and submissions under real concurrency, on a real database.

Each worker thread has its own database connection, so these tests exercise
the same locking the server sees with several threads or processes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from django.db import connection

from assay.actions.allocation import claim_next_task
from assay.actions.judgments import submit_judgment
from assay.actions.leases import QueueIsEmpty
from assay.models import Item, Judgment, Lease, Project, User

pytestmark = pytest.mark.django_db(transaction=True)
T = TypeVar("T")


def in_parallel(jobs: list[Callable[[], T]]) -> list[T | BaseException]:
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], T]) -> T | BaseException:
        barrier.wait()
        try:
            return job()
        except BaseException as error:  # collected and asserted on by the caller
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def test_parallel_claims_never_exceed_overlap(
    make_project: Callable[..., Project], make_expert: Callable[[str], User]
) -> None:
    small = make_project(items=3, overlap=2)
    experts = [make_expert(f"racer{n}") for n in range(10)]
    results = in_parallel([lambda e=e: claim_next_task(expert=e, project=small) for e in experts])
    leases = [r for r in results if isinstance(r, Lease)]
    empties = [r for r in results if isinstance(r, QueueIsEmpty)]
    assert len(leases) == 6
    assert len(empties) == 4
    for item in Item.objects.filter(project=small):
        assert item.reserved == 2
        assert Lease.objects.filter(item=item, state="active").count() == 2


def test_one_expert_in_two_tabs_gets_one_lease(
    make_project: Callable[..., Project], erin: User
) -> None:
    wide = make_project(items=6, overlap=3)
    results = in_parallel([lambda: claim_next_task(expert=erin, project=wide)] * 4)
    assert all(isinstance(r, Lease) for r in results), results
    assert len({r.id for r in results if isinstance(r, Lease)}) == 1
    assert Lease.objects.filter(expert=erin, state="active").count() == 1
    assert sum(Item.objects.filter(project=wide).values_list("reserved", flat=True)) == 1


def test_a_double_clicked_submission_is_stored_once(
    make_project: Callable[..., Project], erin: User
) -> None:
    rounds = 5
    several = make_project(items=rounds, overlap=1)
    for round_number in range(rounds):
        lease = claim_next_task(expert=erin, project=several)

        def submit(lease_id: int = lease.id, key: str = f"double-click-{round_number}") -> object:
            return submit_judgment(
                expert=erin,
                lease_id=lease_id,
                choice="b",
                strength=2,
                rationale="B is correct and A is not.",
                idempotency_key=key,
            )

        results = in_parallel([submit] * 4)
        stored = [r for r in results if isinstance(r, tuple)]
        assert len(stored) == 4, results
        assert sum(created for _, created in stored) == 1
    assert Judgment.objects.count() == rounds
    assert (
        sum(Item.objects.filter(project=several).values_list("judgment_count", flat=True)) == rounds
    )


def test_many_experts_racing_for_the_last_slot_get_exactly_one_lease(
    make_project: Callable[..., Project], make_expert: Callable[[str], User]
) -> None:
    last = make_project(items=1, overlap=1)
    experts = [make_expert(f"last{n}") for n in range(8)]
    results = in_parallel([lambda e=e: claim_next_task(expert=e, project=last) for e in experts])
    assert sum(isinstance(r, Lease) for r in results) == 1
    assert all(isinstance(r, (Lease, QueueIsEmpty)) for r in results), results
    assert Item.objects.get(project=last).reserved == 1


def test_an_expired_lease_is_reclaimed_by_one_of_many_racers(
    make_project: Callable[..., Project], make_expert: Callable[[str], User], erin: User
) -> None:
    import datetime as dt

    from assay import clock

    one = make_project(items=1, overlap=1)
    stale = claim_next_task(expert=erin, project=one)
    experts = [make_expert(f"late{n}") for n in range(6)]
    with clock.frozen(clock.now() + dt.timedelta(hours=3)):
        results = in_parallel([lambda e=e: claim_next_task(expert=e, project=one) for e in experts])
    assert sum(isinstance(r, Lease) for r in results) == 1
    stale.refresh_from_db()
    assert stale.state == "expired"
    assert Item.objects.get(project=one).reserved == 1
