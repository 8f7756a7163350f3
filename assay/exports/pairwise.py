"""Pairwise preference exports, in Hugging Face TRL's dataset conventions.

``preference``: ``prompt``/``chosen``/``rejected`` (standard or conversational), with the
aggregated ``confidence`` and ``margin``. ``kto``: unpaired ``prompt``/``completion``/
``label``. ``judgments``: one raw row per judgment. Aggregated kinds read the project's
judgments once, grouped by item, without texts, and fetch texts per batch of items: memory
stays flat however large the project.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby, islice
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection
from django.db.models import QuerySet

from assay.domain.pairwise import Outcome, majority
from assay.exports import evaluation
from assay.exports.aggregate import assistant, confidence, user
from assay.exports.options import ExportOptions
from assay.exports.registry import (
    Mapping,
    Plan,
    Record,
    Scope,
    pairwise_judgments,
    plan_by_expert,
    register,
)
from assay.models import Item
from assay.models.work import effective_overlap

if TYPE_CHECKING:
    import pyarrow as pa

CHUNK = 5000
ITEM_BATCH = 500


@dataclass(frozen=True)
class Vote:
    judgment_id: int
    choice: str
    strength: int | None
    expert_id: int
    expert: str
    consent: bool
    guideline: int
    seconds: int
    review: str | None
    reviewer: str | None


@dataclass(frozen=True)
class Group:
    item_id: int
    needed: int
    gold: bool
    votes: list[Vote]
    outcome: Outcome

    @property
    def confidence(self) -> float:
        return confidence(self.outcome)


_FULL = (
    "id",
    "choice",
    "strength",
    "expert_id",
    "expert__expert_profile__pseudonym",
    "expert__expert_profile__reuse_consent",
    "guidelines__number",
    "duration_seconds",
    "review__outcome",
    "review__reviewer__expert_profile__pseudonym",
)


def _groups(scope: Scope, *, counting: bool = False) -> Iterator[Group]:
    """Judgments grouped by item. ``counting`` reads only what deciding which records
    exist needs (no joins for names, guidelines or reviews): the first of an export's two
    passes, which counts, is then about as cheap as the query itself."""
    consent = "expert__expert_profile__reuse_consent" if scope.reuse else "id"
    columns = ("id", "choice", "expert_id", consent) if counting else _FULL
    rows = (
        pairwise_judgments(scope)
        .annotate(needed=effective_overlap(scope.project.overlap, "item__"))
        .order_by("item_id", "id")
        .values_list("item_id", "needed", "item__is_gold", *columns)
    )
    for item_id, group in groupby(_raw_rows(rows), key=lambda row: row[0]):
        first = None
        votes = []
        for row in group:
            first = first or row
            if counting:
                judgment_id, choice, expert_id, agreed = row[3:]
                votes.append(
                    Vote(
                        judgment_id,
                        choice,
                        None,
                        expert_id,
                        "",
                        bool(agreed) if scope.reuse else False,
                        0,
                        0,
                        None,
                        None,
                    )
                )
            else:
                (judgment_id, choice, strength, expert_id, expert, agreed, *rest) = row[3:]
                votes.append(
                    Vote(judgment_id, choice, strength, expert_id, expert, bool(agreed), *rest)
                )
        assert first is not None  # noqa: S101 -- groupby never yields an empty group
        outcome = majority(v.choice for v in votes)
        yield Group(item_id, first[1], bool(first[2]), votes, outcome)


def _raw_rows(rows: QuerySet[Any, Any]) -> Iterator[tuple[Any, ...]]:
    """The query's rows straight from the database cursor, in chunks: the ORM's per-value
    converters are skipped (every column here is a plain number or string; booleans are
    made bool by the caller). A server-side cursor on PostgreSQL, as ``iterator()`` uses,
    so a million judgments never sit in memory at once."""
    sql, params = rows.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK):
            yield from chunk


def _item_votes(scope: Scope, group: Group, plan: Plan) -> list[Vote] | None:
    """The votes an item-level record stands on, or None (counted in ``plan``) if none."""
    if len(group.votes) < group.needed:
        plan.leave_out("incomplete")
    elif group.outcome.winner is None:
        plan.leave_out("tied")
    elif group.confidence < scope.options.min_confidence:
        plan.leave_out("below_confidence")
    elif scope.reuse and not all(v.consent for v in group.votes):
        plan.leave_out("without_consent")
    else:
        return group.votes
    return None


def _judgment_votes(scope: Scope, group: Group, plan: Plan) -> list[Vote]:
    if group.confidence < scope.options.min_confidence:
        plan.leave_out("below_confidence")
        return []
    chosen = []
    for vote in group.votes:
        if vote.choice == "tie":
            plan.leave_out("tie_votes")
        elif scope.reuse and not vote.consent:
            plan.leave_out("without_consent")
        else:
            chosen.append(vote)
    return chosen


def _selected(
    scope: Scope, plan: Plan, *, counting: bool = False
) -> Iterator[tuple[Group, list[Vote]]]:
    by_item = scope.options.granularity == "item"
    for group in _groups(scope, counting=counting):
        votes = _item_votes(scope, group, plan) if by_item else _judgment_votes(scope, group, plan)
        if votes:
            for vote in votes:
                plan.count(vote.expert_id)
            yield group, votes


class ItemText(NamedTuple):
    """What a record shows of its item, read as plain values (no model instances)."""

    external_id: str
    prompt: str
    response_a: str
    response_b: str
    metadata: Any


def _with_items(scope: Scope, plan: Plan) -> Iterator[tuple[Group, list[Vote], ItemText]]:
    selected = _selected(scope, plan)
    while batch := list(islice(selected, ITEM_BATCH)):
        items = {
            row[0]: ItemText(*row[1:])
            for row in Item.objects.filter(id__in=[group.item_id for group, _ in batch])
            .order_by()
            .values_list("id", "external_id", "prompt", "response_a", "response_b", "metadata")
        }
        for group, votes in batch:
            yield group, votes, items[group.item_id]


def _judge(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The judge model's pre-grade (advice, never a vote), as ``pregrade`` stored it."""
    grade = meta.get("judge")
    if not isinstance(grade, dict):
        return None
    confidence = grade.get("confidence")
    return {
        "model": str(grade.get("model") or ""),
        "endpoint": str(grade.get("endpoint") or ""),
        "preference": str(grade.get("preference") or ""),
        "confidence": float(confidence) if isinstance(confidence, int | float) else None,
    }


def provenance(scope: Scope, votes: list[Vote], item: ItemText) -> dict[str, Any]:
    meta = item.metadata if isinstance(item.metadata, dict) else {}
    named = {k: str(meta[k]) if meta.get(k) else None for k in ("model_a", "model_b")}
    return {
        "experts": [v.expert for v in votes],
        "guideline_versions": sorted({v.guideline for v in votes}),
        "reviews": [{"reviewer": v.reviewer or "", "outcome": v.review} for v in votes if v.review],
        "time_spent_seconds": sum(v.seconds for v in votes),
        "models": [m for m in named.values() if m],
        **named,
        "judge": _judge(meta),
        "licence": scope.licence,
    }


def _texts(options: ExportOptions, prompt: str, chosen: str, rejected: str) -> Record:
    if options.conversational:
        return {
            "prompt": user(prompt),
            "chosen": assistant(chosen),
            "rejected": assistant(rejected),
        }
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected}


def _ordered(item: ItemText, winner: str) -> tuple[str, str]:
    if winner == "a":
        return item.response_a, item.response_b
    return item.response_b, item.response_a


def _pairs(scope: Scope) -> Iterator[tuple[Group, list[Vote], ItemText, Vote | None, str, str]]:
    """(group, votes, item, the vote or None for item rows, chosen, rejected)."""
    plan = Plan()
    for group, votes, item in _with_items(scope, plan):
        if scope.options.granularity == "item":
            assert group.outcome.winner is not None  # noqa: S101 -- tied items are left out
            yield group, votes, item, None, *_ordered(item, group.outcome.winner)
        else:
            for vote in votes:
                yield group, [vote], item, vote, *_ordered(item, vote.choice)


def _common(
    scope: Scope, group: Group, votes: list[Vote], item: ItemText, vote: Vote | None
) -> Record:
    extra: Record = {"item_id": item.external_id, "confidence": round(group.confidence, 4)}
    if vote is None:
        extra["margin"] = round(group.outcome.margin, 4)
        extra["votes"] = group.outcome.votes
    else:
        extra["expert"] = vote.expert
        extra["strength"] = vote.strength
    extra["gold"] = group.gold
    if scope.options.provenance:
        extra["provenance"] = provenance(scope, votes, item)
    return extra


def preference_records(scope: Scope) -> Iterator[Record]:
    for group, votes, item, vote, chosen, rejected in _pairs(scope):
        record = _texts(scope.options, item.prompt, chosen, rejected)
        record.update(_common(scope, group, votes, item, vote))
        yield record


def kto_records(scope: Scope) -> Iterator[Record]:
    conversational = scope.options.conversational
    for group, votes, item, vote, chosen, rejected in _pairs(scope):
        common = _common(scope, group, votes, item, vote)
        prompt: Any = user(item.prompt) if conversational else item.prompt
        for completion, label in ((chosen, True), (rejected, False)):
            text: Any = assistant(completion) if conversational else completion
            yield {"prompt": prompt, "completion": text, "label": label, **common}


def preference_plan(scope: Scope) -> Plan:
    plan = Plan()
    rows = sum(1 for _ in _selected(scope, plan, counting=True))
    plan.records = rows if scope.options.granularity == "item" else plan.judgments
    return plan


def kto_plan(scope: Scope) -> Plan:
    plan = preference_plan(scope)
    plan.records *= 2
    return plan


# Raw judgments ----------------------------------------------------------------------

RAW_FIELDS = (
    "id",
    "item__external_id",
    "item__prompt",
    "item__response_a",
    "item__response_b",
    "choice",
    "strength",
    "rationale",
    "expert__expert_profile__pseudonym",
    "guidelines__number",
    "item__is_gold",
    "duration_seconds",
    "created_at",
    "status",
    "review__outcome",
    "item__metadata",
)


def judgment_records(scope: Scope) -> Iterator[Record]:
    licence = scope.licence
    rows = pairwise_judgments(scope, consented=True).order_by("id").values_list(*RAW_FIELDS)
    for (
        judgment_id,
        item_id,
        prompt,
        response_a,
        response_b,
        choice,
        strength,
        rationale,
        expert,
        guideline,
        gold,
        seconds,
        created_at,
        status,
        review,
        metadata,
    ) in rows.iterator(chunk_size=CHUNK):
        yield {
            "judgment_id": judgment_id,
            "item_id": item_id,
            "prompt": prompt,
            "response_a": response_a,
            "response_b": response_b,
            "choice": choice,
            "strength": strength,
            "rationale": rationale,
            "expert": expert,
            "guideline_version": guideline,
            "gold": gold,
            "duration_seconds": seconds,
            "created_at": created_at.isoformat(),
            "status": status,
            "review": review,
            "licence": licence,
            "metadata": metadata,
        }


def judgment_plan(scope: Scope) -> Plan:
    return plan_by_expert(pairwise_judgments(scope, consented=True))


# Parquet schemas ------------------------------------------------------------------------


def _provenance_type() -> pa.DataType:
    import pyarrow as pa

    return pa.struct(
        [
            ("experts", pa.list_(pa.string())),
            ("guideline_versions", pa.list_(pa.int64())),
            ("reviews", pa.list_(pa.struct([("reviewer", pa.string()), ("outcome", pa.string())]))),
            ("time_spent_seconds", pa.int64()),
            ("models", pa.list_(pa.string())),
            ("model_a", pa.string()),
            ("model_b", pa.string()),
            (
                "judge",
                pa.struct(
                    [
                        ("model", pa.string()),
                        ("endpoint", pa.string()),
                        ("preference", pa.string()),
                        ("confidence", pa.float64()),
                    ]
                ),
            ),
            ("licence", pa.string()),
        ]
    )


def _aggregate_fields(options: ExportOptions) -> list[tuple[str, pa.DataType]]:
    import pyarrow as pa

    fields: list[tuple[str, pa.DataType]] = [
        ("item_id", pa.string()),
        ("confidence", pa.float64()),
    ]
    if options.granularity == "item":
        votes = pa.struct([("a", pa.int64()), ("b", pa.int64()), ("tie", pa.int64())])
        fields += [("margin", pa.float64()), ("votes", votes)]
    else:
        fields += [("expert", pa.string()), ("strength", pa.int64())]
    fields.append(("gold", pa.bool_()))
    if options.provenance:
        fields.append(("provenance", _provenance_type()))
    return fields


def _text_type(options: ExportOptions, role: bool) -> pa.DataType:
    import pyarrow as pa

    if not options.conversational or not role:
        return pa.string()
    return pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))


def preference_schema(options: ExportOptions) -> pa.Schema:
    import pyarrow as pa

    text = _text_type(options, True)
    head = [("prompt", text), ("chosen", text), ("rejected", text)]
    return pa.schema(head + _aggregate_fields(options))


def kto_schema(options: ExportOptions) -> pa.Schema:
    import pyarrow as pa

    text = _text_type(options, True)
    head = [("prompt", text), ("completion", text), ("label", pa.bool_())]
    return pa.schema(head + _aggregate_fields(options))


def judgment_schema(options: ExportOptions) -> pa.Schema:
    import pyarrow as pa

    s, i = pa.string(), pa.int64()
    return pa.schema(
        [
            ("judgment_id", i),
            ("item_id", s),
            ("prompt", s),
            ("response_a", s),
            ("response_b", s),
            ("choice", s),
            ("strength", i),
            ("rationale", s),
            ("expert", s),
            ("guideline_version", i),
            ("gold", pa.bool_()),
            ("duration_seconds", i),
            ("created_at", s),
            ("status", s),
            ("review", s),
            ("licence", s),
            ("metadata", s),
        ]
    )


register(
    "pairwise",
    Mapping(
        kind="preference",
        title="Preference pairs (DPO, reward models)",
        description="prompt, chosen, rejected with the aggregated confidence and margin",
        plan=preference_plan,
        records=preference_records,
        schema=preference_schema,
        granularities=("item", "judgment"),
    ),
    Mapping(
        kind="kto",
        title="Unpaired preference (KTO)",
        description="prompt, completion, label: the chosen response true, the rejected false",
        plan=kto_plan,
        records=kto_records,
        schema=kto_schema,
        granularities=("item", "judgment"),
    ),
    Mapping(
        kind="judgments",
        title="Raw judgments",
        description="one row per judgment, experts by pseudonym",
        plan=judgment_plan,
        records=judgment_records,
        schema=judgment_schema,
        json_columns=("metadata",),
        granularities=("judgment",),
    ),
    evaluation.MAPPING,
)
