"""Random sequences of money events: the ledger's invariants hold after every one.

Each example builds its own organization, project and experts inside a transaction that
is rolled back afterwards, runs a random sequence of funding, submissions, approvals,
rejections, reversals, top-ups, bonuses and payouts, each sent twice as a client retry
would, and then checks every invariant ``assay ledger check`` checks, plus: no approved
submission is unpaid, and no retry moved money twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay import clock
from assay.actions import accounts, approvals, ledger, payouts, projects
from assay.actions.allocation import claim_next_task
from assay.actions.judgments import submit_judgment
from assay.actions.leases import QueueIsEmpty
from assay.actions.ledger import Kind, Owner
from assay.errors import AssayError
from assay.ledger_check import run_checks
from assay.models import Judgment, Organization, Project, Transaction, User
from tests.conftest import GUIDELINES, PASSWORD, add_items

pytestmark = pytest.mark.django_db
EXPERTS = 3
EXAMPLES = 60

submits = st.tuples(st.just("submit"), st.integers(0, EXPERTS - 1), st.integers(1, 9))
ops = st.one_of(
    submits,
    submits,
    submits,
    st.tuples(st.just("approve"), st.integers(0, 20)),
    st.tuples(st.just("reject_paid"), st.integers(0, 20)),
    st.tuples(st.just("reject_unpaid"), st.integers(0, 20)),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
    st.tuples(st.just("bonus"), st.integers(0, EXPERTS - 1), st.integers(1, 500)),
    st.tuples(st.just("deposit"), st.integers(1, 5_000)),
    st.just(("floor",)),
    st.just(("auto_approve",)),
    st.tuples(st.just("payout"), st.integers(0, EXPERTS - 1), st.integers(1, 400)),
    st.just(("payout_run",)),
)


def _world() -> tuple[User, Organization, Project, list[User], User]:
    tag = uuid.uuid4().hex[:8]
    requester = accounts.sign_up_requester(
        email=f"req-{tag}@p.test", password=PASSWORD, name="R", organization=f"Org {tag}"
    )
    org = Organization.objects.get(name=f"Org {tag}")
    operator = accounts.create_operator(email=f"op-{tag}@p.test", password=PASSWORD)
    ledger.deposit(
        actor=operator, organization=org, amount_cents=2_000, currency="USD", key=f"seed-{tag}"
    )
    terms = projects.ProjectTerms("P", "", 2, 60, 3)
    project = projects.create_project(
        actor=requester, organization=org, terms=terms, guidelines=GUIDELINES
    )
    add_items(project, requester, 6)
    project = projects.publish_project(actor=requester, project=project)
    experts = [
        accounts.sign_up_expert(email=f"e{n}-{tag}@p.test", password=PASSWORD, name=f"E{n}")
        for n in range(EXPERTS)
    ]
    return requester, org, project, experts, operator


def _apply(
    op: tuple[Any, ...], world: tuple[User, Organization, Project, list[User], User], step: int
) -> None:
    requester, org, project, experts, operator = world
    judgments = list(
        Judgment.objects.filter(project=project).order_by("id").values_list("id", flat=True)
    )

    def pick(index: int) -> int | None:
        return judgments[index % len(judgments)] if judgments else None

    name = op[0]
    for _attempt in range(2):  # every request is retried once, as a flaky client would
        try:
            if name == "submit":
                start = clock.now()
                if _attempt == 0:
                    with clock.frozen(start):
                        op_lease = claim_next_task(expert=experts[op[1]], project=project)
                    _apply.lease = op_lease  # type: ignore[attr-defined]
                lease = _apply.lease  # type: ignore[attr-defined]
                with clock.frozen(start + dt.timedelta(minutes=op[2])):
                    submit_judgment(
                        expert=experts[op[1]],
                        lease_id=lease.id,
                        choice="a",
                        strength=1,
                        rationale="A is right.",
                        idempotency_key=f"submit-{step:04d}-{op[1]}",
                    )
            elif name in ("approve", "reject_paid", "reject_unpaid", "reverse"):
                target = pick(op[1])
                if target is None:
                    return
                if name == "approve":
                    approvals.approve(judgment_id=target, actor=requester)
                elif name == "reject_paid":
                    approvals.reject(
                        judgment_id=target, actor=requester, reason_code="wrong_choice", note="No."
                    )
                elif name == "reject_unpaid":
                    approvals.reject(
                        judgment_id=target, actor=requester, reason_code="fraud", note="Bot."
                    )
                else:
                    approvals.reverse_rejection(judgment_id=target, actor=requester, note="Sorry.")
            elif name == "bonus":
                approvals.bonus(
                    actor=requester,
                    project=project,
                    expert=experts[op[1]],
                    amount_cents=op[2],
                    reason="Thanks",
                    key=f"bonus-{step:04d}",
                )
            elif name == "deposit":
                ledger.deposit(
                    actor=operator,
                    organization=org,
                    amount_cents=op[1],
                    currency="USD",
                    key=f"deposit-{step:04d}",
                )
                approvals.after_deposit(org.id)
            elif name == "floor":
                approvals.check_pay_floor(Project.objects.get(id=project.id))
            elif name == "auto_approve":
                approvals.auto_approve_due(now=clock.now() + dt.timedelta(days=30))
            elif name == "payout":
                payouts.request_payout(
                    expert=experts[op[1]],
                    amount_cents=op[2],
                    currency="USD",
                    key=f"payout-{step:04d}",
                )
            elif name == "payout_run":
                for batch in payouts.run_payouts(actor=operator):
                    payouts.confirm_batch(actor=operator, batch_id=batch.id)
        except (AssayError, QueueIsEmpty):
            return  # a refused request moves nothing; the checks below prove it


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(ops, min_size=6, max_size=30))
def test_invariants_hold_under_any_sequence(sequence: list[tuple[Any, ...]], settings: Any) -> None:
    settings.TOPUP_AFTER_SUBMISSIONS = 5
    settings.PAYOUT_MINIMUM_CENTS = 100
    with transaction.atomic():
        world = _world()
        for step, op in enumerate(sequence):
            _apply(op, world, step)
        broken = [(name, b) for name, b in run_checks() if b]
        assert broken == []
        project = world[2]
        for judgment in Judgment.objects.filter(project=project, status="approved"):
            assert judgment.funded
            paid = Transaction.objects.filter(judgment=judgment, kind__in=["approval", "reversal"])
            assert paid.count() == 1
        for expert in world[3]:
            for kind in (Kind.PENDING, Kind.AVAILABLE, Kind.IN_TRANSIT):
                assert ledger.balance(kind, "USD", Owner(expert_id=expert.id)) >= 0
        transaction.set_rollback(True)
