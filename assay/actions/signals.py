"""Raising low-effort flags on a judgment, and resolving them.

Submission computes its flags at the end of its transaction: the reads are
bounded (the project's latest ``RECENT`` earlier judgments, through the
(project, created_at) index) and the flags are written by one insert that keeps
a flag already raised, so calling it again, or concurrently, never duplicates one.
"""

from __future__ import annotations

from django.db.models import F, QuerySet

from assay import clock
from assay.access import access_project_for_requester
from assay.domain.signals import DUPLICATE_MIN_WORDS, Durations, normalize, signals
from assay.errors import Conflict, InvalidInput
from assay.models import Flag, Item, Judgment, Project, User
from assay.sql import db_time, run_sql

RECENT = 1000
MAX_RESOLUTION_CHARS = 1024


JUDGMENT = Judgment._meta.db_table
# The project's judgments stored before this one, newest first, so a later call sees the
# same history as the call made at submission; through the (project, created_at) index.
# Hand-written: this runs on every submission, where the ORM's compiler costs more
# than the query. The table name comes from the model.
_EARLIER = (
    f"SELECT {{column}} FROM {JUDGMENT} "  # noqa: S608
    "WHERE project_id = %s AND created_at <= %s AND NOT (created_at = %s AND id >= %s) "
    f"{{others}}ORDER BY created_at DESC, id DESC LIMIT {RECENT}"
)
# The too-fast rule needs only the count, sum and sum of squares: added up in the
# database, so the durations never travel (BIGINT: a square can pass 2**31).
_DURATIONS = (
    "SELECT COUNT(*), SUM(d), SUM(d * d) FROM ("  # noqa: S608
    + _EARLIER.format(column="CAST(duration_seconds AS BIGINT) AS d", others="")
    + ") AS recent"
)
_RATIONALES = _EARLIER.format(column="id, rationale", others="AND expert_id <> %s ")


def _item_with_project(judgment: Judgment) -> Item:
    """The judged item and its project: already loaded on submission, else one query."""
    if Judgment.item.is_cached(judgment) and Item.project.is_cached(judgment.item):
        return judgment.item
    return (
        Item.objects.select_related("project")
        .only("response_a", "response_b", "project__estimated_minutes")
        .get(id=judgment.item_id)
    )


_RAISE = (
    f"INSERT INTO {Flag._meta.db_table} "  # noqa: S608
    "(judgment_id, project_id, kind, detail, created_at, resolution) VALUES {values} "
    "ON CONFLICT (judgment_id, kind) DO NOTHING"
)


def flag_judgment(judgment: Judgment) -> list[Flag]:
    """The flags this judgment raises, created if new; existing ones are kept as they are."""
    found = flags_for(judgment)
    if not found:
        return []
    store_flags(judgment, found)
    kinds = [kind for kind, _ in found]
    return list(Flag.objects.filter(judgment=judgment, kind__in=kinds).order_by("id"))


def flags_for(judgment: Judgment) -> list[tuple[str, str]]:
    """The (kind, detail) of each flag this judgment raises; reads only."""
    at = db_time(judgment.created_at)
    earlier = [judgment.project_id, at, at, judgment.id]
    [(count, total, squares)] = run_sql(_DURATIONS, earlier)
    durations = Durations(int(count), int(total or 0), int(squares or 0))
    rationales: list[tuple[int, str]] = []
    if len(normalize(judgment.rationale).split()) >= DUPLICATE_MIN_WORDS:
        rows = run_sql(_RATIONALES, [*earlier, judgment.expert_id])
        rationales = [(i, r) for i, r in rows]
    item = _item_with_project(judgment)
    return signals(
        duration=judgment.duration_seconds,
        other_durations=durations,
        estimated_minutes=item.project.estimated_minutes,
        rationale=judgment.rationale,
        response_a=item.response_a,
        response_b=item.response_b,
        other_rationales=rationales,
    )


def store_flags(judgment: Judgment, found: list[tuple[str, str]]) -> None:
    """One insert; a flag already raised is kept as it is, so a second or concurrent
    call changes nothing."""
    now = db_time(clock.now())
    params = [
        value
        for kind, detail in found
        for value in (judgment.id, judgment.project_id, kind, detail, now, "")
    ]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(found))
    run_sql(_RAISE.format(values=values), params)


def project_flags(project: Project) -> QuerySet[Flag]:
    """A project's flags: open ones first, newest first; then the most recently resolved."""
    return (
        Flag.objects.filter(project=project)
        .select_related("judgment__item", "judgment__expert__expert_profile", "resolved_by")
        .order_by(F("resolved_at").desc(nulls_first=True), "-created_at", "-id")
    )


def resolve_flag(*, actor: User, flag: Flag, resolution: str) -> Flag:
    """Record who looked at a flag, when, and what they concluded; only once."""
    access_project_for_requester(actor, flag.project_id)
    text = resolution.strip()
    problem = ""
    if not text:
        problem = "write what you found and what, if anything, you did"
    elif len(text) > MAX_RESOLUTION_CHARS:
        problem = f"keep the note to {MAX_RESOLUTION_CHARS} characters"
    if problem:
        raise InvalidInput(
            "Please describe the resolution.",
            code="invalid_resolution",
            details=[{"field": "resolution", "message": problem}],
        )
    resolved = Flag.objects.filter(id=flag.id, resolved_at__isnull=True).update(
        resolved_at=clock.now(), resolved_by=actor, resolution=text
    )
    if resolved != 1:
        raise Conflict("This flag is already resolved.", code="flag_resolved")
    flag.refresh_from_db()
    return flag
