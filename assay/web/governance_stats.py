"""Operators' oversight pages: the audit log search, announcing a change to an automated
system, and workforce statistics with simple plots."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from assay import clock, register
from assay.actions.transparency import rejection_outliers
from assay.errors import AssayError, InvalidInput
from assay.models import AuditEvent
from assay.web.money import money_text, refuse
from assay.web.util import member_view, operator_of
from assay.workforce import workforce

AUDIT_FILTERS = ("action", "object_type", "object_id", "actor", "since", "until")
AUDIT_PAGE = 100


# Audit log ------------------------------------------------------------------------------


def _day(filters: dict[str, str], name: str) -> dt.datetime | None:
    text = filters[name].strip()
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "Please correct the highlighted fields.",
            details=[{"field": name, "message": "enter a date such as 2026-03-31"}],
        ) from None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def audit_events(filters: dict[str, str]) -> QuerySet[AuditEvent]:
    """Events matching every filter given, newest first. ``action`` matches a prefix,
    so ``decision.`` finds every kind of decision event; dates are whole UTC days."""
    events = AuditEvent.objects.select_related("actor")
    if filters["action"].strip():
        events = events.filter(action__startswith=filters["action"].strip())
    if filters["object_type"].strip():
        events = events.filter(object_type=filters["object_type"].strip())
    if filters["object_id"].strip():
        events = events.filter(object_id=filters["object_id"].strip())
    if filters["actor"].strip():
        events = events.filter(actor__email__iexact=filters["actor"].strip())
    since, until = _day(filters, "since"), _day(filters, "until")
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until + dt.timedelta(days=1))
    return events.order_by("-at", "-id")


@member_view
def ops_audit(request: HttpRequest) -> HttpResponse:
    operator_of(request)
    filters = {name: request.GET.get(name, "") for name in AUDIT_FILTERS}
    status = 200
    try:
        events = audit_events(filters)
    except AssayError as error:
        status = refuse(request, error)
        events = AuditEvent.objects.none()
    page = Paginator(events, AUDIT_PAGE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "query": urlencode({k: v for k, v in filters.items() if v}),
        "actions": AuditEvent.objects.order_by("action")
        .values_list("action", flat=True)
        .distinct(),
    }
    return render(request, "assay/governance/ops_audit.html", context, status=status)


# Register -------------------------------------------------------------------------------


def _moment(text: str) -> dt.datetime | None:
    """``YYYY-MM-DD HH:MM`` or ``YYYY-MM-DD``, read as UTC; empty means the earliest date."""
    if not text.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            "Please correct the highlighted fields.",
            details=[{"field": "effective_at", "message": "enter a time such as 2026-04-30 09:00"}],
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _earliest() -> dt.datetime:
    moment = clock.now() + dt.timedelta(days=settings.NOTICE_DAYS)
    # Rounded up to the minute, so the time shown in the form is itself allowed.
    return moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


def _register_page(
    request: HttpRequest, *, values: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    earliest = _earliest()
    context = {
        "entries": register.entries(),
        "systems": register.SYSTEMS,
        "notice_days": settings.NOTICE_DAYS,
        "earliest": earliest,
        "values": values or {"effective_at": f"{earliest:%Y-%m-%d %H:%M}"},
    }
    return render(request, "assay/governance/ops_register.html", context, status=status)


@member_view
def ops_register(request: HttpRequest) -> HttpResponse:
    operator = operator_of(request)
    if request.method != "POST":
        return _register_page(request)
    form = {k: request.POST.get(k, "") for k in ("system", "summary", "diff", "effective_at")}
    try:
        change = register.announce(
            operator=operator,
            system=form["system"],
            summary=form["summary"],
            diff=form["diff"],
            effective_at=_moment(form["effective_at"]),
        )
    except AssayError as error:
        return _register_page(request, values=form, status=refuse(request, error))
    messages.success(
        request,
        f"Version {change.version} of {register.BY_SLUG[change.system].name} announced; "
        f"experts are notified, and it takes effect on {change.effective_at:%Y-%m-%d %H:%M} UTC.",
    )
    return redirect("ops-register")


# Workforce ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


PLOT_WIDTH = 600
PLOT_HEIGHT = 140


def bars(points: list[tuple[str, float, str]]) -> list[Bar]:
    """Bar geometry for an inline SVG: one bar per (label, value, text), scaled to the
    largest value; a plot of zeros draws no bars but keeps its labels."""
    if not points:
        return []
    top = max(value for _, value, _ in points) or 1.0
    slot = PLOT_WIDTH / len(points)
    return [
        Bar(
            x=round(i * slot + slot * 0.1, 1),
            y=round(PLOT_HEIGHT - PLOT_HEIGHT * value / top, 1),
            width=round(slot * 0.8, 1),
            height=round(PLOT_HEIGHT * value / top, 1),
            label=label,
            value=text,
        )
        for i, (label, value, text) in enumerate(points)
    ]


@member_view
def ops_workforce(request: HttpRequest) -> HttpResponse:
    operator_of(request)
    stats = workforce()
    currency = settings.CURRENCY

    def money(cents: int | None) -> str:
        return "—" if cents is None else money_text(cents, currency)

    weeks = [
        {
            "week": w,
            "earned": money(w.earned_cents),
            "p25": money(w.earnings_p25_cents),
            "median": money(w.earnings_median_cents),
            "p75": money(w.earnings_p75_cents),
            "decisions": ", ".join(f"{k} {n}" for k, n in sorted(w.decisions.items())),
        }
        for w in stats.weeks
    ]
    plots = [
        (
            "Experts active per week",
            bars([(w.week, w.active_experts, str(w.active_experts)) for w in stats.weeks]),
        ),
        ("Hours per week", bars([(w.week, w.hours, f"{w.hours} h") for w in stats.weeks])),
        (
            "Median earnings per active expert",
            bars(
                [
                    (w.week, w.earnings_median_cents or 0, money(w.earnings_median_cents))
                    for w in stats.weeks
                ]
            ),
        ),
    ]
    context = {
        "weeks": weeks,
        "plots": plots,
        "plot_width": PLOT_WIDTH,
        "plot_height": PLOT_HEIGHT,
        "countries": [(c, money(c.median_rate_cents)) for c in stats.by_country],
        "outliers": rejection_outliers(),
        "currency": currency,
    }
    return render(request, "assay/governance/ops_workforce.html", context)
