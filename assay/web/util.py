from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from assay.access import require_expert, require_requester
from assay.errors import NotFound
from assay.models import User

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def current_user(request: HttpRequest) -> User:
    return cast(User, request.user)


def operator_of(request: HttpRequest) -> User:
    """Operators only; anyone else is told the page does not exist."""
    user = current_user(request)
    if not user.is_staff:
        raise NotFound("No such page.")
    return user


def _role_view(check: Callable[[User], None]) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            check(current_user(request))
            return view(request, *args, **kwargs)

        return cast(View, login_required(wrapped))

    return decorate


requester_view = _role_view(require_requester)
expert_view = _role_view(require_expert)


def member_view(view: View) -> View:
    """Signed-in users only; the object accessors inside answer 404 to outsiders."""
    return login_required(view)
