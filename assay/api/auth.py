from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from ninja.security import HttpBearer

from assay.actions.tokens import user_for_token
from assay.models import User

_RESOLVED = "_assay_token_user"


def token_user(request: HttpRequest, token: str) -> User | None:
    """The token's user, looked up once per request (the idempotency middleware asks
    before the API's authentication does)."""
    resolved = getattr(request, _RESOLVED, None)
    if resolved is not None and resolved[0] == token:
        return cast(User | None, resolved[1])
    user = user_for_token(token)
    setattr(request, _RESOLVED, (token, user))
    return user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(request, token)
        if user is not None:
            request.user = user
        return user


def actor(request: HttpRequest) -> User:
    """The authenticated user, whichever way they signed in."""
    return cast(User, request.user)
