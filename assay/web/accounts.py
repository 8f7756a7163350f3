from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assay.actions import accounts, tokens
from assay.errors import AssayError
from assay.web.util import current_user


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return render(request, "assay/landing.html")
    if current_user(request).is_requester:
        return redirect("projects")
    if current_user(request).is_expert:
        return redirect("work")
    return redirect("/admin/")


def _signup(request: HttpRequest, *, requester: bool) -> HttpResponse:
    template = "assay/signup_requester.html" if requester else "assay/signup.html"
    if request.method != "POST":
        return render(request, template, {"values": {}})
    form = request.POST
    try:
        if requester:
            user = accounts.sign_up_requester(
                email=form.get("email", ""),
                password=form.get("password", ""),
                name=form.get("name", ""),
                organization=form.get("organization", ""),
            )
        else:
            user = accounts.sign_up_expert(
                email=form.get("email", ""),
                password=form.get("password", ""),
                name=form.get("name", ""),
            )
    except AssayError as error:
        values = {k: v for k, v in form.items() if k != "password"}
        return render(request, template, {"error": error, "values": values}, status=error.status)
    login(request, user, backend="assay.auth.EmailBackend")
    return redirect("home")


def signup(request: HttpRequest) -> HttpResponse:
    return _signup(request, requester=False)


def signup_requester(request: HttpRequest) -> HttpResponse:
    return _signup(request, requester=True)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    context: dict[str, object] = {"tokens": user.api_tokens.order_by("-created_at")}
    if request.method == "POST":
        try:
            _, plaintext = tokens.create_token(user=user, name=request.POST.get("name", ""))
        except AssayError as error:
            context["error"] = error
        else:
            context["new_token"] = plaintext
    return render(request, "assay/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = tokens.revoke_token(user=current_user(request), token_id=token_id)
    messages.success(request, f"Token “{token.name}” is revoked.")
    return redirect("tokens")
