"""In-app notifications of the signed-in user."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from assay.actions.alerts import LIST_LIMIT, mark_read, notifications_of
from assay.api.auth import actor

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


@router.get("", response=list[NotificationOut])
def list_notifications(request: HttpRequest) -> list[NotificationOut]:
    """Your latest notifications, newest first."""
    notifications = notifications_of(actor(request))[:LIST_LIMIT]
    return [NotificationOut.from_orm(n) for n in notifications]


@router.post("/{notification_id}/read", response=NotificationOut)
def read(request: HttpRequest, notification_id: int) -> NotificationOut:
    return NotificationOut.from_orm(mark_read(user=actor(request), notification_id=notification_id))
