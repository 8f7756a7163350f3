"""Hand-written SQL for the hot paths, with the ORM's column lists and value conversions.

The claim, the submission and the token check run on every request; there the ORM's
SQL compiler costs more than the query itself. Statements built with these helpers take
their tables and columns from the models, so a renamed field cannot drift from the SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


def db_time(value: dt.datetime) -> Any:
    """An aware datetime as the database stores it, for hand-written SQL."""
    return connection.ops.adapt_datetimefield_value(value)


def run_sql(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of one hand-written statement (the hot paths skip the ORM's SQL compiler,
    which costs more than the query itself there)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if _has_rows(cursor.cursor) else []


def _has_rows(raw: Any) -> bool:
    """Whether the statement just run returned a result set. psycopg builds a column
    object per column to answer ``description`` (most of a wide row's fetch cost); its
    result's field count says the same for nothing."""
    result = getattr(raw, "pgresult", None)
    if result is not None:
        return bool(result.nfields)
    return raw.description is not None


class Columns(Generic[M]):
    """A model's columns in a hand-written SELECT, and the instance a row slice makes.

    Columns come from the model, so a new field is read without touching the SQL;
    values pass through the same converters as the ORM's (booleans and datetimes on
    SQLite, JSON). Fields left out of ``only`` are deferred, as with ``.only()``.
    """

    def __init__(self, model: type[M], alias: str, only: Sequence[str] = ()) -> None:
        fields = [f for f in model._meta.concrete_fields if not only or f.attname in only]
        self.model = model
        self.sql = ", ".join(f'{alias}."{f.column}"' for f in fields)
        self.width = len(fields)
        self._names = [f.attname for f in fields]
        self._cols = [f.get_col(alias) for f in fields]
        self._converters: dict[str, list[list[Callable[..., Any]]]] = {}

    def index(self, attname: str) -> int:
        """Where a column sits in the row (for a check before building the instance)."""
        return self._names.index(attname)

    def _for(self, vendor: str) -> list[list[Callable[..., Any]]]:
        if vendor not in self._converters:
            self._converters[vendor] = [
                connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                for col in self._cols
            ]
        return self._converters[vendor]

    def build(self, row: Sequence[Any], start: int = 0) -> M:
        values = []
        for col, convert, value in zip(
            self._cols, self._for(connection.vendor), row[start : start + self.width], strict=True
        ):
            for step in convert:
                value = step(value, col, connection)
            values.append(value)
        return self.model.from_db(connection.alias, self._names, values)


_INSERTS: dict[tuple[type[Model], str], tuple[str, list[Any]]] = {}


def insert(obj: M) -> M:
    """Insert a new model instance with one hand-written statement and set its id: what
    ``Model.objects.create`` does, without the compiler (no save signals are sent; the
    hot-path models have no receivers)."""
    model = type(obj)
    key = (model, connection.vendor)
    if key not in _INSERTS:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(f'"{f.column}"' for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = (
            f'INSERT INTO "{model._meta.db_table}" ({columns}) '  # noqa: S608
            f'VALUES ({marks}) RETURNING "{model._meta.pk.column}"'
        )
        _INSERTS[key] = (sql, fields)
    sql, fields = _INSERTS[key]
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    [(pk,)] = run_sql(sql, values)
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj
