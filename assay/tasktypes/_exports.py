"""Export mappings most task types need: one row per judgment, or one row per item.

A type supplies a function from (item, answer, row) to its own columns and names their
Parquet types; the common columns (ids, expert pseudonym, guideline version, times,
status, review outcome, licence) are added here. Rows are streamed from one query
ordered by id; contributors who did not consent are left out of reuse exports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import groupby
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from assay.exports.registry import Mapping, Plan, Record, Scope, plan_by_expert
from assay.models import Judgment

if TYPE_CHECKING:
    import pyarrow as pa

    from assay.exports.options import ExportOptions
    from assay.tasktypes._base import TaskType

CHUNK = 2000
FIELDS = (
    "id",
    "item_id",
    "item__external_id",
    "item__prompt",
    "item__data",
    "answer",
    "rationale",
    "expert_id",
    "expert__expert_profile__pseudonym",
    "guidelines__number",
    "duration_seconds",
    "active_seconds",
    "created_at",
    "status",
    "review__outcome",
    "review__corrected_answer",
)


@dataclass(frozen=True)
class Row:
    judgment_id: int
    item_pk: int
    item_id: str
    prompt: str
    data: dict[str, Any]
    answer: dict[str, Any]
    rationale: str
    expert_id: int
    expert: str
    guideline: int
    seconds: int
    active_seconds: int | None
    created_at: Any
    status: str
    review: str | None
    corrected: dict[str, Any] | None

    @property
    def final_answer(self) -> dict[str, Any]:
        """The reviewer's correction when there is one, else the expert's answer."""
        if self.review == "corrected" and self.corrected:
            return self.corrected
        return self.answer


Columns = tuple[tuple[str, str], ...]  # (name, "string" | "int" | "float" | "bool" | "json")


def _queryset(scope: Scope) -> QuerySet[Judgment]:
    rows = Judgment.objects.filter(project=scope.project, id__lte=scope.max_judgment_id)
    if scope.reuse:
        rows = rows.filter(expert__expert_profile__reuse_consent=True)
    return rows.exclude(status=Judgment.Status.REJECTED)


def rows(scope: Scope) -> Iterator[Row]:
    values = _queryset(scope).order_by("item_id", "id").values_list(*FIELDS)
    for raw in values.iterator(chunk_size=CHUNK):
        yield Row(*raw)


def by_item(scope: Scope) -> Iterator[list[Row]]:
    for _, group in groupby(rows(scope), key=lambda r: r.item_pk):
        yield list(group)


def judgment_plan(scope: Scope) -> Plan:
    return plan_by_expert(_queryset(scope))


def item_plan(scope: Scope) -> Plan:
    plan = judgment_plan(scope)
    plan.records = _queryset(scope).order_by().values("item_id").distinct().count()
    return plan


def common(scope: Scope, row: Row) -> Record:
    return {
        "judgment_id": row.judgment_id,
        "item_id": row.item_id,
        "expert": row.expert,
        "guideline_version": row.guideline,
        "duration_seconds": row.seconds,
        "active_seconds": row.active_seconds,
        "created_at": row.created_at.isoformat(),
        "status": row.status,
        "review": row.review,
        "licence": scope.licence,
    }


COMMON: Columns = (
    ("judgment_id", "int"),
    ("item_id", "string"),
    ("expert", "string"),
    ("guideline_version", "int"),
    ("duration_seconds", "int"),
    ("active_seconds", "int"),
    ("created_at", "string"),
    ("status", "string"),
    ("review", "string"),
    ("licence", "string"),
)


def arrow_schema(columns: Columns) -> pa.Schema:
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "json": pa.string(),
    }
    return pa.schema([(name, types[kind]) for name, kind in columns])


def per_judgment(
    kind: TaskType,
    *,
    name: str,
    title: str,
    description: str,
    columns: Columns,
    record: Callable[[Any, Any, Row], Record],
) -> Mapping:
    """One row per (not rejected) judgment: the type's columns, then the common ones."""

    def records(scope: Scope) -> Iterator[Record]:
        for row in rows(scope):
            item = kind.item_schema.model_validate(row.data)
            answer = kind.answer_schema.model_validate(row.final_answer)
            yield record(item, answer, row) | common(scope, row)

    everything = columns + COMMON
    return Mapping(
        kind=name,
        title=title,
        description=description,
        plan=judgment_plan,
        records=records,
        schema=lambda _options: arrow_schema(everything),
        json_columns=tuple(n for n, k in everything if k == "json"),
        granularities=("judgment",),
    )


def per_item(
    *,
    name: str,
    title: str,
    description: str,
    columns: Columns,
    records: Callable[[Scope], Iterator[Record]],
) -> Mapping:
    """One row per item, aggregated by the type's ``records``."""
    return Mapping(
        kind=name,
        title=title,
        description=description,
        plan=item_plan,
        records=records,
        schema=lambda _options: arrow_schema(columns),
        json_columns=tuple(n for n, k in columns if k == "json"),
        granularities=("item",),
    )


def with_messages_column(mapping: Mapping) -> Mapping:
    """Parquet ``messages`` as list<struct<role, content>> (what TRL reads), not JSON text."""
    base = mapping.schema

    def schema(options: ExportOptions) -> pa.Schema:
        import pyarrow as pa

        found = base(options)
        kind = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
        return found.set(found.get_field_index("messages"), pa.field("messages", kind))

    json_columns = tuple(c for c in mapping.json_columns if c != "messages")
    return replace(mapping, schema=schema, json_columns=json_columns)
