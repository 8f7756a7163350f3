"""Personal API tokens: shown once, stored as a SHA-256 digest, revocable."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from assay import clock
from assay.errors import InvalidInput, NotFound
from assay.models import ApiToken, User
from assay.sql import Columns, db_time, run_sql

TOKEN_PREFIX = "assay_"  # noqa: S105 (a public marker, not a secret)


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Name the token (up to 100 characters).", code="invalid_token_name")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=plaintext[: len(TOKEN_PREFIX) + 6],
            digest=_digest(plaintext),
            created_at=clock.now(),
        )
    return token, plaintext


def revoke_token(*, user: User, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.filter(id=token_id, user=user).first()
        if token is None:
            raise NotFound("No such token.", code="token_not_found")
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            token.save(update_fields=["revoked_at"])
    return token


_TOKEN = Columns(ApiToken, "t", only=("id", "last_used_at"))
_USER = Columns(User, "u")
# Every API request runs this: one hand-written query (see assay.sql).
_BY_DIGEST = (
    f"SELECT {_TOKEN.sql}, {_USER.sql} FROM {ApiToken._meta.db_table} t "  # noqa: S608
    f"JOIN {User._meta.db_table} u ON u.id = t.user_id "
    "WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active"
)
_TOUCH = f"UPDATE {ApiToken._meta.db_table} SET last_used_at = %s WHERE id = %s"  # noqa: S608


def user_for_token(plaintext: str) -> User | None:
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    rows = run_sql(_BY_DIGEST, [_digest(plaintext)])
    if not rows:
        return None
    token = _TOKEN.build(rows[0])
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        run_sql(_TOUCH, [db_time(now), token.id])
    return _USER.build(rows[0], _TOKEN.width)
