"""Submitting a judgment: validated by its task type, idempotent, exactly once per lease.

The answer is checked twice: its shape before the transaction (schema only), then
against the item and the project's task config inside it, where the lease's item is
loaded anyway (no extra query).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction

from assay import clock
from assay.actions.leases import active_lease
from assay.actions.ledger import commit_submission, pay_for
from assay.actions.quality import after_judgment
from assay.actions.reviews import sample_for_review
from assay.actions.signals import flags_for, store_flags
from assay.actions.webhooks import judgment_stored
from assay.errors import Conflict, InvalidInput
from assay.models import Item, Judgment, Lease, User
from assay.sql import db_time, insert, run_sql
from assay.tasktypes import require

logger = logging.getLogger(__name__)
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def _replay(expert: User, key: str, lease_id: int) -> Judgment | None:
    """The judgment already stored under this key, if the same submission came before."""
    earlier = Judgment.objects.filter(expert=expert, idempotency_key=key).first()
    if earlier is not None and earlier.lease_id != lease_id:
        raise Conflict(
            "This idempotency key was used for another task.", code="idempotency_key_reused"
        )
    return earlier


MAX_ACTIVE_SECONDS = 7 * 24 * 3600
# Every submission runs these (hand-written, see assay.sql).
_CLOSE = (
    f"UPDATE {Lease._meta.db_table} SET state = %s, closed_at = %s "  # noqa: S608
    f"WHERE id = %s AND state = '{Lease.State.ACTIVE.value}' AND expires_at > %s RETURNING id"
)
_COUNT = (
    f"UPDATE {Item._meta.db_table} SET judgment_count = judgment_count + 1 "  # noqa: S608
    "WHERE id = %s RETURNING judgment_count, target_overlap"
)


def submit_judgment(
    *,
    expert: User,
    lease_id: int,
    idempotency_key: str,
    answer: dict[str, Any] | None = None,
    choice: str = "",
    strength: int | None = None,
    rationale: str = "",
    active_seconds: int | None = None,
) -> tuple[Judgment, bool]:
    """Store the judgment; returns it and whether it is new (False on a replay).

    ``answer`` is the task type's judgment body; pairwise callers may pass ``choice``,
    ``strength`` and ``rationale`` instead, as before task types existed.
    """
    if not _KEY.match(idempotency_key):
        raise InvalidInput(
            "idempotency_key must be 8 to 64 letters, digits or _.:-", code="invalid_key"
        )
    if answer is None:
        answer = {"choice": choice, "strength": strength, "rationale": rationale}
    if active_seconds is not None and not 0 <= active_seconds <= MAX_ACTIVE_SECONDS:
        active_seconds = None
    submission = _Submission(answer, idempotency_key, active_seconds)
    try:
        return _store(expert, lease_id, submission)
    except IntegrityError:
        earlier = _replay(expert, idempotency_key, lease_id)
        if earlier is None:
            raise
        return earlier, False


@dataclass(frozen=True)
class _Submission:
    answer: dict[str, Any]
    key: str
    active_seconds: int | None


def _store(expert: User, lease_id: int, submission: _Submission) -> tuple[Judgment, bool]:
    key = submission.key
    with transaction.atomic():
        try:
            lease = active_lease(expert, lease_id)
        except Conflict:
            # A repeat of a stored submission, or a twin request that committed first.
            earlier = _replay(expert, key, lease_id)
            if earlier is not None:
                return earlier, False
            raise
        project = lease.project
        kind = require(project.task_type)
        # Invalid answers raise before anything is written; the lease stays active.
        answer = kind.parse_answer(
            kind.load_item(lease.item), kind.config_of(project), submission.answer
        )
        now = clock.now()
        at = db_time(now)
        closed = run_sql(_CLOSE, [Lease.State.SUBMITTED.value, at, lease.id, at])
        if not closed:
            earlier = _replay(expert, key, lease_id)
            if earlier is not None:
                return earlier, False
            raise Conflict("This task is no longer yours.", code="lease_expired")
        guidelines = project.guidelines
        if guidelines is None:
            raise Conflict("This project has no guidelines.", code="no_guidelines")
        duration = max(0, int((now - lease.created_at).total_seconds()))
        judgment = insert(
            Judgment(
                lease=lease,
                item=lease.item,
                project=project,
                expert=expert,
                guidelines=guidelines,
                idempotency_key=key,
                duration_seconds=duration,
                active_seconds=submission.active_seconds,
                **kind.judgment_columns(answer),
                created_at=now,
                # What commit_submission sets aside last in this transaction; it corrects
                # both if the pay cannot be funded.
                funded=True,
                pay_cents=pay_for(project, duration),
            )
        )
        # The item's row stays locked to this transaction from here: the count read back
        # is this submission's own.
        [(lease.item.judgment_count, lease.item.target_overlap)] = run_sql(_COUNT, [lease.item_id])
        if kind.adaptive:
            after_judgment(judgment)
        judgment_stored(item=lease.item, project=project)
        sample_for_review(judgment)
        _flag(judgment)
        # Last: it updates the project's escrow account, a row every submission in the
        # project writes, so its lock is held only until the commit right after.
        commit_submission(judgment)
    return judgment, True


def _flag(judgment: Judgment) -> None:
    """Low-effort signals; a failed write is logged and never costs the expert the
    submission (the write has its own savepoint, opened only when there is a flag)."""
    found = flags_for(judgment)
    if not found:
        return
    try:
        with transaction.atomic():
            store_flags(judgment, found)
    except DatabaseError:
        logger.exception("flagging judgment %s failed", judgment.id)
