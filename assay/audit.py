"""The audit log: one row per state change of consequence, in the change's transaction.

Call ``record`` inside the ``transaction.atomic()`` block that makes the change, so a
change that fails leaves no audit row and a change that commits always has one. Rows
are append-only (``AuditEvent`` refuses updates and deletes) and the application offers
no way to edit them; operators search them at ``/ops/audit/``.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from assay import clock
from assay.models import AuditEvent, User

MAX_SUMMARY_CHARS = 4000


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    actor: User | None,
    object_type: str = "",
    object_id: str | int = "",
    **summary: Any,
) -> AuditEvent:
    """Write one audit row; ``summary`` holds before/after values or what was done."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction that makes the change")
    kind = object_type or (obj._meta.model_name if obj is not None else "")
    ident = object_id if object_id != "" else (obj.pk if obj is not None else "")
    plain = _plain(summary)
    text = str(plain)
    if len(text) > MAX_SUMMARY_CHARS:
        plain = {"truncated": text[:MAX_SUMMARY_CHARS]}
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        at=clock.now(),
        action=action,
        object_type=str(kind or ""),
        object_id=str(ident),
        summary=plain,
    )
