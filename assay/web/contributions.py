"""Experts' "my contributions": their work per project, the exports that used it, credit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from assay.actions.exports import set_credit
from assay.errors import AssayError
from assay.exports.contributions import contributions_of
from assay.web.util import current_user, expert_view


@expert_view
def contributions_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.method == "POST":
        try:
            set_credit(
                expert=user,
                named_credit=request.POST.get("named_credit") == "on",
                credit_name=request.POST.get("credit_name", ""),
                reuse_consent=request.POST.get("reuse_consent") == "on",
            )
        except AssayError as failure:
            messages.error(request, failure.message)
        else:
            messages.success(request, "Your credit choices are saved.")
        return redirect("contributions")
    context = {"mine": contributions_of(user)}
    return render(request, "assay/exports/contributions.html", context)
