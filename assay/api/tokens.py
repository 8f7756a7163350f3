from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status

from assay.actions.tokens import create_token, revoke_token
from assay.api.auth import actor

router = Router(tags=["tokens"])


class TokenIn(Schema):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class NewTokenOut(TokenOut):
    token: str


@router.get("", response=list[TokenOut])
def list_tokens(request: HttpRequest) -> list[TokenOut]:
    tokens = actor(request).api_tokens.order_by("-created_at")
    return [TokenOut.from_orm(token) for token in tokens]


@router.post("", response={201: NewTokenOut})
def new_token(request: HttpRequest, payload: TokenIn) -> Status[NewTokenOut]:
    token, plaintext = create_token(user=actor(request), name=payload.name)
    return Status(201, NewTokenOut(**TokenOut.from_orm(token).model_dump(), token=plaintext))


@router.delete("/{token_id}", response=TokenOut)
def delete_token(request: HttpRequest, token_id: int) -> TokenOut:
    return TokenOut.from_orm(revoke_token(user=actor(request), token_id=token_id))
