from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from ninja.security import HttpBearer

from assay.actions.tokens import user_for_token
from assay.models import User


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


def actor(request: HttpRequest) -> User:
    """The authenticated user, whichever way they signed in."""
    return cast(User, request.user)
