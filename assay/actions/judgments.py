"""Submitting a judgment: validated, idempotent, exactly once per lease."""

from __future__ import annotations

import logging
import re

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F

from assay import clock
from assay.actions.leases import active_lease
from assay.actions.ledger import commit_submission, pay_for
from assay.actions.quality import after_judgment
from assay.actions.reviews import sample_for_review
from assay.actions.signals import flag_judgment
from assay.domain.pairwise import judgment_problems
from assay.errors import Conflict, InvalidInput
from assay.models import Item, Judgment, Lease, User

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


def submit_judgment(
    *,
    expert: User,
    lease_id: int,
    choice: str,
    strength: int | None,
    rationale: str,
    idempotency_key: str,
) -> tuple[Judgment, bool]:
    """Store the judgment; returns it and whether it is new (False on a replay)."""
    if not _KEY.match(idempotency_key):
        raise InvalidInput(
            "idempotency_key must be 8 to 64 letters, digits or _.:-", code="invalid_key"
        )
    problems = judgment_problems(choice, strength, rationale)
    if problems:
        raise InvalidInput(
            "Please complete the judgment.",
            code="invalid_judgment",
            details=[{"field": name, "message": text} for name, text in problems.items()],
        )
    try:
        return _store(expert, lease_id, choice, strength, rationale.strip(), idempotency_key)
    except IntegrityError:
        earlier = _replay(expert, idempotency_key, lease_id)
        if earlier is None:
            raise
        return earlier, False


def _store(
    expert: User, lease_id: int, choice: str, strength: int | None, rationale: str, key: str
) -> tuple[Judgment, bool]:
    with transaction.atomic():
        try:
            lease = active_lease(expert, lease_id)
        except Conflict:
            # A repeat of a stored submission, or a twin request that committed first.
            earlier = _replay(expert, key, lease_id)
            if earlier is not None:
                return earlier, False
            raise
        now = clock.now()
        closed = Lease.objects.filter(
            id=lease.id, state=Lease.State.ACTIVE, expires_at__gt=now
        ).update(state=Lease.State.SUBMITTED, closed_at=now)
        if closed != 1:
            earlier = _replay(expert, key, lease_id)
            if earlier is not None:
                return earlier, False
            raise Conflict("This task is no longer yours.", code="lease_expired")
        project = lease.project
        guidelines = project.guidelines
        if guidelines is None:
            raise Conflict("This project has no guidelines.", code="no_guidelines")
        duration = max(0, int((now - lease.created_at).total_seconds()))
        judgment = Judgment.objects.create(
            lease=lease,
            item=lease.item,
            project=project,
            expert=expert,
            guidelines=guidelines,
            choice=choice,
            strength=strength,
            rationale=rationale,
            idempotency_key=key,
            duration_seconds=duration,
            created_at=now,
            # What commit_submission sets aside last in this transaction; it corrects
            # both if the pay cannot be funded.
            funded=True,
            pay_cents=pay_for(project, duration),
        )
        Item.objects.filter(id=lease.item_id).update(judgment_count=F("judgment_count") + 1)
        after_judgment(judgment)
        sample_for_review(judgment)
        _flag(judgment)
        # Last: it updates the project's escrow account, a row every submission in the
        # project writes, so its lock is held only until the commit right after.
        commit_submission(judgment)
    return judgment, True


def _flag(judgment: Judgment) -> None:
    """Low-effort signals; a failure here is logged and never costs the expert the submission."""
    try:
        with transaction.atomic():
            flag_judgment(judgment)
    except DatabaseError:
        logger.exception("flagging judgment %s failed", judgment.id)
