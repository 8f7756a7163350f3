"""Importing items: the whole file is checked first, then written in one transaction.

Rows are validated by the project's task type (``assay.tasktypes``): pairwise by its
own columns, every other type by its item schema.

The file is read twice as a stream (scan, then insert in batches), so memory
stays flat whatever its size; any bad line rejects the whole file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction

from assay import clock
from assay.actions.ledger import ensure_escrow
from assay.actions.pools import refresh_pool
from assay.domain import itemfile
from assay.errors import Conflict, InvalidInput, PayloadTooLarge
from assay.models import Item, Project, User
from assay.tasktypes import require

BATCH = 1000
ANALYZE_AFTER = 10_000


@dataclass(frozen=True)
class ImportReport:
    created: int


def _existing_ids(project: Project, ids: list[str]) -> dict[str, None]:
    found: dict[str, None] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for external_id in Item.objects.filter(project=project, external_id__in=chunk).values_list(
            "external_id", flat=True
        ):
            found[external_id] = None
    return found


def _reject(errors: list[itemfile.LineError], total: int) -> InvalidInput:
    shown = "; ".join(f"line {e.line}: {e.message}" for e in errors[:3])
    more = f" (and {total - 3} more)" if total > 3 else ""
    return InvalidInput(
        f"The file was not imported: {total} problem(s). {shown}{more}",
        code="invalid_file",
        details=[error.as_dict() for error in errors],
    )


def import_items(
    *, actor: User, project: Project, stream: IO[bytes], filename: str, size: int
) -> ImportReport:
    fmt = itemfile.format_for(filename)
    if fmt is None:
        raise InvalidInput("Upload a .jsonl or .csv file.", code="unsupported_format")
    if size > settings.MAX_UPLOAD_BYTES:
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise PayloadTooLarge(f"The file is larger than the {limit} MB limit.")
    if project.status == Project.Status.CLOSED:
        raise Conflict("This project is closed.", code="project_closed")

    kind = require(project.task_type)
    result = itemfile.scan(stream, fmt, kind=kind)
    if result.error_count:
        raise _reject(result.errors, result.error_count)
    clashes = _existing_ids(project, list(result.first_line_of))
    if clashes:
        errors = [
            itemfile.LineError(result.first_line_of[i], f"id {i!r} is already in this project")
            for i in clashes
        ]
        raise _reject(sorted(errors, key=lambda e: e.line)[:100], len(errors))

    stream.seek(0)
    rows = (
        row for row in itemfile.read_rows(stream, fmt, kind) if isinstance(row, itemfile.ItemRow)
    )
    now = clock.now()
    try:
        with transaction.atomic():
            created = _insert(project, rows, now)
            project.refresh_from_db(fields=["status"])
            if project.status in (Project.Status.PUBLISHED, Project.Status.PAUSED):
                # A new batch in a live project is paid for before it can be worked on.
                ensure_escrow(project, actor=actor)
    except IntegrityError:
        raise Conflict(
            "Another upload added some of these ids meanwhile; nothing was imported.",
            code="duplicate_ids",
        ) from None
    work_added(project, at=now)
    if created >= ANALYZE_AFTER:
        refresh_statistics()
    return ImportReport(created=created)


def work_added(project: Project, *, at: dt.datetime | None = None) -> None:
    """New items in a published project: note when (``at``, else now) and refresh its pool."""
    if project.status == Project.Status.PUBLISHED:
        Project.objects.filter(id=project.id).update(work_added_at=at or clock.now())
        refresh_pool(project)


def refresh_statistics() -> None:
    """After a large import, update the planner's statistics so claims keep using indexes."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assay_item" if connection.vendor == "postgresql" else "ANALYZE")


def _insert(project: Project, rows: Iterator[itemfile.ItemRow], now: dt.datetime) -> int:
    created = 0
    while batch := list(islice(rows, BATCH)):
        Item.objects.bulk_create(
            Item(
                project=project,
                external_id=row.external_id,
                prompt=row.prompt,
                response_a=row.response_a,
                response_b=row.response_b,
                data=row.data,
                metadata=row.metadata,
                is_gold=bool(row.gold_answer),
                gold_answer=row.gold_answer,
                gold_rationale=row.gold_rationale,
                created_at=now,
            )
            for row in batch
        )
        created += len(batch)
    return created


def import_uploaded_file(
    *, actor: User, project: Project, upload: UploadedFile[bytes]
) -> ImportReport:
    if upload.file is None:
        raise InvalidInput("Choose a file to upload.", code="no_file")
    return import_items(
        actor=actor,
        project=project,
        stream=upload.file,
        filename=upload.name or "",
        size=upload.size or 0,
    )
