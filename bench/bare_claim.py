"""The reference point for ``bench/allocation.py --reference``: a bare Django server.

It answers the bench's two requests and does nothing else: no middleware, no
authentication, no eligibility, pool, gold, caps, leases, pay or flags. Next is one
claim statement on Assay's item table (``FOR UPDATE SKIP LOCKED`` on PostgreSQL); submit
is one insert into a table of its own. Served by gunicorn exactly as ``assay serve``
serves Assay, it shows what Django and the database cost on this machine before any of
the product's work, so the two can be compared in one run.

    ASSAY_DATABASE_URL=... gunicorn --chdir bench bare_claim:application
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import django
from django.conf import settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assay.config import database_from_url

TABLE = "bench_bare_judgment"
OVERLAP = 3

if not settings.configured:
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        SECRET_KEY="bench-only",
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES={
            "default": database_from_url(
                os.environ["ASSAY_DATABASE_URL"], Path(os.environ.get("ASSAY_DATA_DIR", "."))
            )
        },
        USE_TZ=True,
    )
    django.setup()

from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

_CLAIM = {
    "postgresql": (
        "UPDATE assay_item SET reserved = reserved + 1 WHERE id = ("
        "SELECT id FROM assay_item WHERE project_id = %s AND reserved < %s "
        "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
    ),
    "sqlite": (
        "UPDATE assay_item SET reserved = reserved + 1 WHERE id = ("
        "SELECT id FROM assay_item WHERE project_id = %s AND reserved < %s "
        "ORDER BY id LIMIT 1) RETURNING id"
    ),
}


def create_table() -> None:
    """The submissions table, created by the bench before the server starts."""
    key = "BIGSERIAL" if connection.vendor == "postgresql" else "INTEGER"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} "
            f"(id {key} PRIMARY KEY, item_id BIGINT NOT NULL, idempotency_key TEXT NOT NULL)"
        )


@csrf_exempt
def next_task(request: HttpRequest) -> JsonResponse:
    project_id = int(json.loads(request.body)["project_id"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM[connection.vendor], [project_id, OVERLAP])
        row = cursor.fetchone()
    task: dict[str, Any] | None = {"lease_id": row[0]} if row else None
    return JsonResponse({"task": task})


@csrf_exempt
def judge(request: HttpRequest, item_id: int) -> JsonResponse:
    key = str(json.loads(request.body)["idempotency_key"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (item_id, idempotency_key) VALUES (%s, %s)",  # noqa: S608
            [item_id, key],
        )
    return JsonResponse({"stored": True}, status=201)


urlpatterns = [
    path("api/v1/tasks/next", next_task),
    path("api/v1/tasks/<int:item_id>/judgment", judge),
]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
