"""The data card: a Markdown page that travels with every export.

It says what the data is (task, guidelines, counts), how reliable it is (agreement),
who made it (domains and credentials of the contributors, named only when they opted
in), what they were paid (median effective hourly rate) and what to watch out for.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from itertools import groupby, islice

from django.db.models import Count, QuerySet, Sum

from assay.domain.pay import format_money
from assay.exports.licences import licence_name
from assay.exports.registry import Mapping, Plan, Scope
from assay.ledger_reports import EARNING_KINDS, EXPERT_KINDS
from assay.models import (
    Credential,
    Entry,
    ExpertDomain,
    ExpertProfile,
    Item,
    Judgment,
    Lease,
    QualitySnapshot,
)
from assay.quality_report import not_applicable
from assay.tasktypes import get

ID_BATCH = 900
LEFT_OUT = {
    "incomplete": "items still waiting for judgments",
    "tied": "items with no majority winner",
    "below_confidence": "items under the confidence threshold",
    "without_consent": "records whose contributors did not consent to reuse",
    "tie_votes": "tie votes (no pair to make)",
    "without_model_names": "judgments on items without two model names",
}


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    rest = iter(sorted(ids))
    while batch := list(islice(rest, ID_BATCH)):
        yield batch


def _judgments(scope: Scope) -> QuerySet[Judgment]:
    """Every judgment of the project up to the export's id: gold, rejected and all."""
    return Judgment.objects.filter(project=scope.project, id__lte=scope.max_judgment_id)


def agreement(scope: Scope) -> float | None:
    """Mean share of agreeing pairs of judgments per item (items with two or more).

    Pairwise only: the share counts equal labels, and other task types have none."""
    if scope.project.task_type != "pairwise":
        return None
    counts = (
        _judgments(scope)
        .values("item_id", "choice")
        .annotate(n=Count("id"))
        .order_by("item_id")
        .values_list("item_id", "n")
    )
    shares = []
    for _, group in groupby(counts.iterator(chunk_size=5000), key=lambda row: row[0]):
        sizes = [n for _, n in group]
        total = sum(sizes)
        if total >= 2:
            shares.append(sum(c * (c - 1) for c in sizes) / (total * (total - 1)))
    return statistics.fmean(shares) if shares else None


def _agreement_lines(scope: Scope, snapshot: QualitySnapshot | None) -> list[str]:
    if scope.project.task_type != "pairwise":
        return [
            f"- Agreement: {not_applicable(scope.project.task_type)}.",
            f"- How judgments are combined: {_method(scope.project.task_type)}",
        ]
    agree = agreement(scope)
    alpha = snapshot.data.get("alpha") if snapshot else None
    return [
        "- Pairwise agreement (share of agreeing pairs of judgments per item): "
        + (f"{agree:.3f}" if agree is not None else "not enough overlap"),
        "- Krippendorff's alpha (latest quality snapshot): "
        + (f"{alpha}" if alpha is not None else "no snapshot yet"),
    ]


def _method(task_type: str) -> str:
    kind = get(task_type)
    return (kind.aggregation if kind else "") or "reviewed by a second expert, no vote."


def median_hourly_cents(scope: Scope, experts: list[int]) -> int | None:
    """Median over contributors of pay earned on the project per hour of logged time."""
    earned: dict[int, int] = defaultdict(int)
    logged: dict[int, int] = defaultdict(int)
    for batch in _batches(experts):
        for expert_id, cents in (
            Entry.objects.filter(
                account__kind__in=EXPERT_KINDS,
                transaction__kind__in=EARNING_KINDS,
                transaction__project=scope.project,
                transaction__expert_id__in=batch,
            )
            .values("transaction__expert_id")
            .annotate(s=Sum("amount_cents"))
            .values_list("transaction__expert_id", "s")
        ):
            earned[expert_id] += int(cents or 0)
        for expert_id, seconds in (
            Judgment.objects.filter(project=scope.project, expert_id__in=batch)
            .values("expert_id")
            .annotate(s=Sum("duration_seconds"))
            .values_list("expert_id", "s")
        ):
            logged[expert_id] += int(seconds or 0)
        for expert_id, created, closed in Lease.objects.filter(
            project=scope.project, expert_id__in=batch, state=Lease.State.RELEASED
        ).values_list("expert_id", "created_at", "closed_at"):
            if closed is not None:
                logged[expert_id] += max(0, int((closed - created).total_seconds()))
    rates = [earned[e] * 3600 // logged[e] for e in experts if logged[e] > 0]
    return int(statistics.median(rates)) if rates else None


def _mix(experts: list[int]) -> tuple[Counter[str], Counter[str]]:
    domains: Counter[str] = Counter()
    credentials: Counter[str] = Counter()
    for batch in _batches(experts):
        domains.update(
            ExpertDomain.objects.filter(expert_id__in=batch).values_list("domain__name", flat=True)
        )
        verified = Credential.objects.filter(
            expert_id__in=batch, status=Credential.Status.VERIFIED
        ).values_list("expert_id", "kind")
        credentials.update({kind for _, kind in verified})
        with_any = {expert for expert, _ in verified}
        credentials["no verified credential"] += len(set(batch) - with_any)
    return domains, credentials


def credits(experts: list[int]) -> list[str]:
    names: list[str] = []
    for batch in _batches(experts):
        for credit, first, last in ExpertProfile.objects.filter(
            user_id__in=batch, named_credit=True
        ).values_list("credit_name", "user__first_name", "user__last_name"):
            names.append(credit or f"{first} {last}".strip())
    return sorted(n for n in names if n)


def _table(counter: Counter[str]) -> list[str]:
    return [f"- {name}: {count}" for name, count in counter.most_common()] or ["- none recorded"]


def _limitations(scope: Scope, plan: Plan, contributors: int) -> list[str]:
    notes = [
        f"- Left out: {n} {LEFT_OUT.get(why, why)}." for why, n in sorted(plan.left_out.items())
    ]
    notes.append(
        "- Judgments awaiting approval and rejected ones are included; the raw export's "
        "`status` column tells them apart."
    )
    if contributors < 5:
        notes.append(f"- Only {contributors} expert(s) contributed: agreement is a weak signal.")
    if scope.reuse:
        notes.append(
            f"- Exported under {licence_name(scope.licence)}, not the project's licence: only "
            "records whose contributors consented to reuse are included."
        )
    return notes


def data_card(
    *,
    scope: Scope,
    mapping: Mapping,
    plan: Plan,
    export_id: int,
    created_at: dt.datetime,
) -> str:
    project = scope.project
    experts = sorted(plan.contributors)
    versions = (
        _judgments(scope)
        .values("guidelines__number")
        .annotate(n=Count("id"))
        .order_by("guidelines__number")
        .values_list("guidelines__number", "n")
    )
    items = Item.objects.filter(project=project)
    snapshot = QualitySnapshot.objects.filter(project=project).order_by("-computed_at").first()
    rate = median_hourly_cents(scope, experts)
    domains, credentials = _mix(experts)
    named = credits(experts)
    options = scope.options.as_dict()
    lines = [
        f"# Data card: {project.name}, {mapping.title.lower()}",
        "",
        f"Export {export_id} of project {project.id}, made {created_at.isoformat()}.",
        "",
        "## What it is",
        "",
        f"- Task: {project.task_type} ({project.description or 'no description'})",
        f"- Records: {plan.records} ({mapping.description})",
        f"- Options: {', '.join(f'{k}={v}' for k, v in options.items())}",
        f"- Licence: {licence_name(scope.licence)} (`{scope.licence}`)",
        *([f"- Licence terms: {project.licence_terms}"] if project.licence_terms else []),
        f"- Judgments up to id {scope.max_judgment_id}; {plan.judgments} stand behind the records",
        f"- Items in the project: {items.count()} ({items.filter(is_gold=True).count()} gold)",
        f"- Judgments per item wanted: {project.overlap}",
        "- Guideline versions (judgments): "
        + (", ".join(f"v{number} ({n})" for number, n in versions) or "none"),
        "",
        "## Agreement",
        "",
        *_agreement_lines(scope, snapshot),
        "",
        f"## Contributors ({len(experts)})",
        "",
        "Experts appear in records by stable pseudonym only.",
        "",
        "Domains:",
        *_table(domains),
        "",
        "Verified credentials:",
        *_table(credentials),
        "",
        "## Pay",
        "",
        f"- Pay per task: {format_money(project.pay_cents, project.currency)}"
        if project.pay_mode == "task"
        else f"- Pay per hour: {format_money(project.pay_cents, project.currency)}",
        "- Median effective hourly rate of contributors on this project: "
        + (format_money(rate, project.currency) if rate is not None else "no paid time yet"),
        *(
            [f"- Reuse royalty: {format_money(project.royalty_cents, project.currency)} a record"]
            if scope.reuse and project.royalty_cents
            else []
        ),
        "",
        "## Known limitations",
        "",
        *_limitations(scope, plan, len(experts)),
        "",
        "## Credits",
        "",
        ("With thanks to " + ", ".join(named) + ".")
        if named
        else "No contributor asked for named credit.",
        *(
            [f"And {len(experts) - len(named)} contributor(s) who stay pseudonymous."]
            if len(experts) > len(named)
            else []
        ),
        "",
    ]
    return "\n".join(lines)
