"""Read-only views of a project: progress and exports."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from itertools import groupby, islice
from typing import Any

from django.db.models import Count, F, Q

from assay import clock
from assay.domain.pairwise import majority
from assay.models import Item, Judgment, Lease, Project
from assay.models.work import effective_overlap


@dataclass(frozen=True)
class Progress:
    items: int
    done: int
    in_progress: int
    waiting: int
    judgments: int
    active_leases: int
    judgments_last_hour: int
    judgments_per_hour: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def progress(project: Project) -> Progress:
    now = clock.now()
    needed = effective_overlap(project.overlap)
    counts = (
        Item.objects.filter(project=project, is_gold=False)
        .annotate(needed=needed)
        .aggregate(
            items=Count("id"),
            done=Count("id", filter=Q(judgment_count__gte=F("needed"))),
            in_progress=Count("id", filter=Q(judgment_count__lt=F("needed"), reserved__gt=0)),
        )
    )
    judgments = Judgment.objects.filter(project=project)
    total = judgments.count()
    last_hour = judgments.filter(created_at__gt=now - dt.timedelta(hours=1)).count()
    hours = 0.0
    if project.published_at is not None:
        hours = max((now - project.published_at).total_seconds() / 3600, 1 / 60)
    active = Lease.objects.filter(project=project, state=Lease.State.ACTIVE, expires_at__gt=now)
    return Progress(
        items=counts["items"],
        done=counts["done"],
        in_progress=counts["in_progress"],
        waiting=counts["items"] - counts["done"] - counts["in_progress"],
        judgments=total,
        active_leases=active.count(),
        judgments_last_hour=last_hour,
        judgments_per_hour=round(total / hours, 1) if hours else 0.0,
    )


def judgment_records(project: Project) -> Iterator[dict[str, Any]]:
    """One record per judgment, oldest first; experts appear by pseudonym only."""
    rows = (
        Judgment.objects.filter(project=project)
        .select_related("item", "guidelines", "expert__expert_profile")
        .order_by("id")
    )
    for judgment in rows.iterator(chunk_size=1000):
        item = judgment.item
        yield {
            "judgment_id": judgment.id,
            "item_id": item.external_id,
            "prompt": item.prompt,
            "response_a": item.response_a,
            "response_b": item.response_b,
            "choice": judgment.choice,
            "strength": judgment.strength,
            "rationale": judgment.rationale,
            "expert": judgment.expert.expert_profile.pseudonym,
            "guideline_version": judgment.guidelines.number,
            "gold": item.is_gold,
            "duration_seconds": judgment.duration_seconds,
            "created_at": judgment.created_at.isoformat(),
            "metadata": item.metadata,
        }


@dataclass(frozen=True)
class DpoSummary:
    pairs: int
    tied: int
    incomplete: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _completed_votes(project: Project) -> Iterator[tuple[int, list[str]]]:
    votes = (
        Judgment.objects.filter(project=project, item__is_gold=False)
        .annotate(needed=effective_overlap(project.overlap, "item__"))
        .filter(item__judgment_count__gte=F("needed"))
        .order_by("item_id", "id")
        .values_list("item_id", "choice")
    )
    for item_id, group in groupby(votes.iterator(chunk_size=5000), key=lambda row: row[0]):
        yield item_id, [choice for _, choice in group]


def dpo_summary(project: Project) -> DpoSummary:
    pairs = tied = 0
    for _, choices in _completed_votes(project):
        if majority(choices).winner is None:
            tied += 1
        else:
            pairs += 1
    incomplete = Item.objects.filter(
        project=project,
        is_gold=False,
        judgment_count__lt=effective_overlap(project.overlap),
    ).count()
    return DpoSummary(pairs=pairs, tied=tied, incomplete=incomplete)


def dpo_records(project: Project) -> Iterator[dict[str, Any]]:
    """``prompt``/``chosen``/``rejected`` by majority, for completed items with a winner."""
    decided = (
        (item_id, outcome)
        for item_id, choices in _completed_votes(project)
        if (outcome := majority(choices)).winner is not None
    )
    while batch := list(islice(decided, 500)):
        items = Item.objects.in_bulk([item_id for item_id, _ in batch])
        for item_id, outcome in batch:
            item = items[item_id]
            chosen, rejected = (
                (item.response_a, item.response_b)
                if outcome.winner == "a"
                else (item.response_b, item.response_a)
            )
            yield {
                "prompt": item.prompt,
                "chosen": chosen,
                "rejected": rejected,
                "item_id": item.external_id,
                "votes": outcome.votes,
                "margin": round(outcome.margin, 4),
            }


def as_jsonl(records: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    for record in records:
        yield (json.dumps(record, ensure_ascii=False) + "\n").encode()


def item_trace(item: Item) -> list[dict[str, Any]]:
    """Every lease on the item, oldest first: who (pseudonym), when, and how it ended."""
    leases = item.leases.select_related("expert__expert_profile").order_by("created_at", "id")
    judgments = {j.lease_id: j for j in item.judgments.all()}
    trace = []
    for lease in leases:
        judgment = judgments.get(lease.id)
        trace.append(
            {
                "expert": lease.expert.expert_profile.pseudonym,
                "leased_at": lease.created_at,
                "expires_at": lease.expires_at,
                "closed_at": lease.closed_at,
                "outcome": lease.state,
                "choice": judgment.choice if judgment else None,
                "strength": judgment.strength if judgment else None,
            }
        )
    return trace
