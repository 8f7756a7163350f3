"""Pages for credentials (experts and operators), notifications and unsubscribing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from assay import clock
from assay.access import access_credential_for_operator, access_evidence
from assay.actions import alerts
from assay.actions import credentials as actions
from assay.api.credentials import evidence_response
from assay.domain.credentials import is_current
from assay.domain.taxonomy import CREDENTIAL_KINDS, DECLINE_REASONS
from assay.errors import AssayError, InvalidInput
from assay.models import Credential, Domain
from assay.web.util import current_user, expert_view, member_view

FORM_FIELDS = ("domain", "kind", "issuer", "identifier", "jurisdiction", "expires_on")


def _date(form: dict[str, str], name: str) -> dt.date | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "Please correct the highlighted fields.",
            details=[{"field": name, "message": "enter a date such as 2027-06-30"}],
        ) from None


def _rows(credentials: list[Credential]) -> list[dict[str, object]]:
    today = clock.now().date()
    return [
        {
            "credential": c,
            "kind": CREDENTIAL_KINDS.get(c.kind, c.kind),
            "reason": DECLINE_REASONS.get(c.reason_code, ""),
            "current": is_current(
                status=c.status,
                verified_until=c.verified_until,
                expires_on=c.expires_on,
                today=today,
            ),
        }
        for c in credentials
    ]


def _list_context(request: HttpRequest) -> dict[str, object]:
    mine = actions.credentials_of(current_user(request)).prefetch_related("evidence")
    return {
        "rows": _rows(list(mine.order_by("-created_at", "-id"))),
        "domains": Domain.objects.order_by("name"),
        "kinds": CREDENTIAL_KINDS,
        "max_mb": settings.MAX_EVIDENCE_BYTES // (1024 * 1024),
        "values": {},
    }


def _add(request: HttpRequest) -> None:
    form = {name: request.POST.get(name, "") for name in FORM_FIELDS}
    actions.add_credential(
        expert=current_user(request),
        domain_slug=form["domain"],
        kind=form["kind"],
        issuer=form["issuer"],
        identifier=form["identifier"],
        jurisdiction=form["jurisdiction"],
        expires_on=_date(form, "expires_on"),
        files=request.FILES.getlist("evidence"),
    )


@expert_view
def credential_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            _add(request)
        except AssayError as error:
            context = _list_context(request) | {
                "error": error,
                "values": {name: request.POST.get(name, "") for name in FORM_FIELDS},
            }
            return render(request, "assay/credentials/list.html", context, status=error.status)
        messages.success(request, "Credential sent for review. We will notify you of the result.")
        return redirect("credentials")
    return render(request, "assay/credentials/list.html", _list_context(request))


@member_view
def evidence_download(request: HttpRequest, credential_id: int, evidence_id: int) -> FileResponse:
    evidence = access_evidence(current_user(request), credential_id, evidence_id)
    return evidence_response(evidence)


@member_view
def review_queue(request: HttpRequest) -> HttpResponse:
    pending = actions.pending_credentials(current_user(request))
    rows = _rows(list(pending.prefetch_related("evidence").order_by("created_at", "id")))
    return render(request, "assay/credentials/queue.html", {"rows": rows})


def _review_context(credential: Credential) -> dict[str, object]:
    return {
        "row": _rows([credential])[0],
        "evidence": credential.evidence.order_by("id"),
        "reasons": DECLINE_REASONS,
        "values": {},
    }


def _decide(request: HttpRequest, credential_id: int) -> None:
    names = ("decision", "reason_code", "note", "verified_until")
    form = {name: request.POST.get(name, "") for name in names}
    actions.decide_credential(
        operator=current_user(request),
        credential_id=credential_id,
        verify=form["decision"] == "verify",
        reason_code=form["reason_code"],
        note=form["note"],
        verified_until=_date(form, "verified_until"),
    )


@member_view
def review(request: HttpRequest, credential_id: int) -> HttpResponse:
    user = current_user(request)
    credential = access_credential_for_operator(user, credential_id)
    if request.method == "POST":
        try:
            _decide(request, credential_id)
        except AssayError as error:
            context = _review_context(credential) | {"error": error, "values": request.POST}
            return render(request, "assay/credentials/review.html", context, status=error.status)
        messages.success(request, "Decision saved; the expert has been notified.")
        return redirect("credential-queue")
    return render(request, "assay/credentials/review.html", _review_context(credential))


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = alerts.notifications_of(current_user(request))[: alerts.LIST_LIMIT]
    return render(request, "assay/notifications/list.html", {"notifications": notifications})


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    alerts.mark_read(user=current_user(request), notification_id=notification_id)
    return redirect("notifications")


@csrf_exempt  # the signed token is the credential; mail clients POST here for one-click
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user = alerts.unsubscribe(token=token)
    return render(request, "assay/notifications/unsubscribed.html", {"email": user.email})
