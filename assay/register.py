"""The algorithm register: every automated system that affects experts, in plain words.

Each entry says what the system is for, what it reads, its parameters and their relative
weights, which decisions it feeds, and what it never does. Versions and their change
history come from ``AlgorithmChange`` rows: an operator announces a change with a diff,
experts are notified, and the new version is current only once its notice period has
passed. Served at ``/register/`` and ``GET /api/v1/register``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from assay import audit, clock
from assay.access import require_operator
from assay.actions.alerts import notify
from assay.errors import InvalidInput
from assay.models import AlgorithmChange, User


@dataclass(frozen=True)
class Parameter:
    name: str
    value: str
    weight: str


@dataclass(frozen=True)
class System:
    slug: str
    name: str
    purpose: str
    inputs: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    feeds: str
    never: str
    doc: str


SYSTEMS: tuple[System, ...] = (
    System(
        "allocation",
        "Task allocation",
        "Decide which task an expert gets next, or say why there is none.",
        (
            "projects' priority and deadline",
            "items' progress toward their overlap",
            "whether an item is gold and the project's gold rate",
            "the expert's judgments today and in the project (caps)",
            "eligibility: domains, languages, tests, credentials, content opt-outs",
        ),
        (
            Parameter("project order", "priority, then earliest deadline", "decides first"),
            Parameter("item order", "in-progress items before untouched ones", "second"),
            Parameter("hard items", "untouched items the judge model found hard first", "third"),
            Parameter("gold share", "each project's gold rate", "mixes gold in"),
            Parameter("fair share", "spread the last items of a burst", "tie-breaker"),
        ),
        "Which task is offered; nothing about pay or standing.",
        "Never uses quality scores, speed, or country to rank experts.",
        "allocation.md",
    ),
    System(
        "quality_profile",
        "Quality profile",
        "Show each expert the figures that describe their work.",
        ("gold items judged and their answers", "agreement with others", "review outcomes"),
        (
            Parameter("gold accuracy", "share correct, with a 95% interval", "reported"),
            Parameter("agreement", "with the consensus excluding the expert", "reported"),
            Parameter("speed percentile", "median time against the project", "reported"),
        ),
        "Nothing automatically: operators may cite it as evidence in a decision.",
        "Never changes what an expert is offered or paid by itself.",
        "quality-profile.md",
    ),
    System(
        "adaptive_redundancy",
        "Adaptive redundancy",
        "Ask for more judgments on contested items and fewer on clear ones.",
        ("the item's judgments so far", "each expert's estimated reliability"),
        (
            Parameter("confidence target", "per project (default 0.95)", "stops collection"),
            Parameter("maximum overlap", "per project", "caps collection"),
        ),
        "How many judgments an item collects.",
        "Never affects an expert's pay, standing or eligibility.",
        "quality-methods.md",
    ),
    System(
        "low_effort_signals",
        "Low-effort signals",
        "Flag submissions that may need a look.",
        ("time taken against the project's usual time", "rationale text"),
        (
            Parameter("too fast", "3 standard deviations under the mean", "flag"),
            Parameter("copied", "rationale copied from a response", "flag"),
            Parameter("duplicate", "same rationale as another expert", "flag"),
        ),
        "Flags for the requester and recommendations for operators.",
        "Never rejects, withholds pay, restricts or suspends by itself.",
        "quality-signals.md",
    ),
    System(
        "review_sampling",
        "Review sampling",
        "Choose which submissions another expert reviews.",
        ("the submission's id", "the project's review rate", "the domain's sensitivity"),
        (Parameter("rate", "per project; every submission in sensitive domains", "sampling"),),
        "Which submissions are reviewed.",
        "Sampling is by a hash of the id: never targeted at a person.",
        "reviews.md",
    ),
    System(
        "pay_topups",
        "Pay-floor top-ups",
        "Raise pay when real times show the task pays under the floor.",
        ("server-measured times from taking to submitting a task",),
        (Parameter("median time", "after 20 submissions", "sets the new price"),),
        "Task prices (only upwards) and top-ups of earlier submissions.",
        "Never lowers pay.",
        "ledger.md",
    ),
)
BY_SLUG = {system.slug: system for system in SYSTEMS}


@dataclass(frozen=True)
class Entry:
    system: System
    version: int
    pending: list[AlgorithmChange] = field(default_factory=list)
    history: list[AlgorithmChange] = field(default_factory=list)


def entries(now: dt.datetime | None = None) -> list[Entry]:
    moment = now or clock.now()
    changes: dict[str, list[AlgorithmChange]] = {}
    for change in AlgorithmChange.objects.order_by("system", "version"):
        changes.setdefault(change.system, []).append(change)
    out = []
    for system in SYSTEMS:
        all_changes = changes.get(system.slug, [])
        live = [c for c in all_changes if c.effective_at <= moment]
        out.append(
            Entry(
                system=system,
                version=live[-1].version if live else 1,
                pending=[c for c in all_changes if c.effective_at > moment],
                history=list(reversed(live)),
            )
        )
    return out


def announce(
    *,
    operator: User,
    system: str,
    summary: str,
    diff: str,
    effective_at: dt.datetime | None = None,
) -> AlgorithmChange:
    """Record a change with its notice period, and tell every expert what changes."""
    require_operator(operator)
    now = clock.now()
    earliest = now + dt.timedelta(days=settings.NOTICE_DAYS)
    problems = []
    if system not in BY_SLUG:
        problems.append("choose a system from the register")
    if not summary.strip() or len(summary) > 300:
        problems.append("summarize the change in 1 to 300 characters")
    if not diff.strip():
        problems.append("show what changes (before and after)")
    if effective_at is not None and effective_at < earliest:
        problems.append(
            f"a change takes effect {settings.NOTICE_DAYS} days after notice at the earliest"
        )
    if problems:
        message = "; ".join(problems)
        raise InvalidInput(message[0].upper() + message[1:] + ".", code="invalid_change")
    with transaction.atomic():
        last = AlgorithmChange.objects.filter(system=system).order_by("-version").first()
        change = AlgorithmChange.objects.create(
            system=system,
            version=(last.version if last else 1) + 1,
            summary=summary.strip(),
            diff=diff.strip(),
            announced_by=operator,
            announced_at=now,
            effective_at=effective_at or earliest,
        )
        for expert_id in User.objects.filter(role=User.Role.EXPERT, is_active=True).values_list(
            "id", flat=True
        ):
            notify(
                expert_id,
                kind="register",
                key=f"register:{change.id}",
                title=f"{BY_SLUG[system].name} changes on {change.effective_at:%Y-%m-%d}",
                body=f"{change.summary}\n\n{change.diff}",
                url="/register/",
            )
        audit.record(
            "register.announce",
            change,
            actor=operator,
            system=system,
            version=change.version,
            effective_at=change.effective_at.isoformat(),
        )
    return change
