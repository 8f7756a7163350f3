"""Reading items from JSONL or CSV, one row at a time, for any task type.

A file is read as a stream of bytes so a large upload never sits in memory
whole. Every problem is reported with its line number; the caller decides
that one problem rejects the whole file.

Pairwise rows are read by the rules below (``REQUIRED``/``OPTIONAL``). Every other
task type's row is ``id``, optional ``metadata``, and the fields of the type's item
schema (``assay.tasktypes``), which validates them; in CSV a cell that holds a JSON
list or object is read as one, and columns the schema does not name are metadata.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Literal, Protocol

from pydantic import ValidationError

Format = Literal["jsonl", "csv"]
REQUIRED = ("id", "prompt", "response_a", "response_b")
OPTIONAL = ("metadata", "gold")
GOLD_ANSWERS = ("a", "b", "tie")
CSV_GOLD = ("gold_answer", "gold_rationale")
MAX_ID_CHARS = 200
MAX_TEXT_CHARS = 200_000


class RowType(Protocol):
    """What the reader needs of a task type (``assay.tasktypes.TaskType``)."""

    @property
    def code(self) -> str: ...

    def item_fields(self) -> tuple[str, ...]: ...

    def parse_item(self, record: dict[str, Any]) -> Any: ...

    def item_columns(self, item: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ItemRow:
    line: int
    external_id: str
    prompt: str
    response_a: str
    response_b: str
    metadata: dict[str, Any]
    gold_answer: str = ""
    gold_rationale: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


@dataclass
class ScanResult:
    rows: int = 0
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0
    first_line_of: dict[str, int] = field(default_factory=dict)


class _Undecodable(Exception):
    def __init__(self, line: int, error: UnicodeDecodeError) -> None:
        super().__init__(line)
        self.line = line
        self.error = error


def format_for(filename: str) -> Format | None:
    lowered = filename.lower()
    if lowered.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lowered.endswith(".csv"):
        return "csv"
    return None


def _decoded_lines(stream: IO[bytes]) -> Iterator[str]:
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _Undecodable(number, error) from None


def _undecodable_message(error: UnicodeDecodeError) -> str:
    byte = error.object[error.start]
    return f"not UTF-8 text: byte 0x{byte:02x} at column {error.start + 1}"


def _build(line: int, record: dict[str, Any]) -> ItemRow | LineError:
    unknown = sorted(set(record) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        return LineError(line, f"unknown field(s): {', '.join(unknown)}")
    if isinstance(record.get("id"), str):
        record["id"] = record["id"].strip()
    missing = [name for name in REQUIRED if record.get(name) in (None, "")]
    if missing:
        return LineError(line, f"missing or empty field(s): {', '.join(missing)}")
    external_id = record["id"]
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)
    if not isinstance(external_id, str):
        return LineError(line, "id must be a string or an integer")
    if len(external_id) > MAX_ID_CHARS:
        return LineError(line, f"id is longer than {MAX_ID_CHARS} characters")
    texts = {name: record[name] for name in REQUIRED[1:]}
    for name, value in texts.items():
        if not isinstance(value, str):
            return LineError(line, f"{name} must be a string")
        if len(value) > MAX_TEXT_CHARS:
            return LineError(line, f"{name} is longer than {MAX_TEXT_CHARS} characters")
    metadata = record.get("metadata") or {}
    if not isinstance(metadata, dict):
        return LineError(line, "metadata must be a JSON object")
    gold = record.get("gold") or {}
    if not isinstance(gold, dict) or (gold and gold.get("answer") not in GOLD_ANSWERS):
        return LineError(line, 'gold must be {"answer": "a", "b" or "tie", "rationale": "..."}')
    if not isinstance(gold.get("rationale", ""), str):
        return LineError(line, "gold rationale must be a string")
    return ItemRow(
        line,
        external_id.strip(),
        texts["prompt"],
        texts["response_a"],
        texts["response_b"],
        metadata,
        gold_answer=gold.get("answer", ""),
        gold_rationale=gold.get("rationale", ""),
    )


def _external_id(line: int, record: dict[str, Any]) -> str | LineError:
    value = record.get("id")
    if isinstance(value, str):
        value = value.strip()
    if value in (None, ""):
        return LineError(line, "missing or empty field(s): id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return LineError(line, "id must be a string or an integer")
    if len(value) > MAX_ID_CHARS:
        return LineError(line, f"id is longer than {MAX_ID_CHARS} characters")
    return value


def _schema_message(error: ValidationError) -> str:
    parts = []
    for issue in error.errors()[:5]:
        where = ".".join(str(p) for p in issue["loc"]) or "item"
        message = str(issue["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    more = error.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _build_typed(line: int, record: dict[str, Any], kind: RowType) -> ItemRow | LineError:
    external_id = _external_id(line, record)
    if isinstance(external_id, LineError):
        return external_id
    metadata = record.get("metadata") or {}
    if not isinstance(metadata, dict):
        return LineError(line, "metadata must be a JSON object")
    if record.get("gold"):
        return LineError(line, f"{kind.code} items cannot be gold items")
    fields = {k: v for k, v in record.items() if k not in ("id", "metadata", "gold")}
    try:
        parsed = kind.parse_item(fields)
    except ValidationError as error:
        return LineError(line, _schema_message(error))
    columns = kind.item_columns(parsed)
    return ItemRow(
        line,
        external_id,
        str(columns.get("prompt", "")),
        "",
        "",
        metadata,
        data=dict(columns.get("data") or {}),
    )


def _builder(kind: RowType | None) -> Any:
    if kind is None or kind.code == "pairwise":
        return _build
    return lambda line, record: _build_typed(line, record, kind)


def _jsonl_rows(stream: IO[bytes], kind: RowType | None = None) -> Iterator[ItemRow | LineError]:
    build = _builder(kind)
    number = 0
    try:
        for number, text in enumerate(_decoded_lines(stream), start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as error:
                yield LineError(number, f"not valid JSON: {error.msg} at column {error.colno}")
                continue
            if not isinstance(record, dict):
                yield LineError(number, "each line must be a JSON object")
                continue
            yield build(number, record)
    except _Undecodable as bad:
        yield LineError(bad.line, _undecodable_message(bad.error))


def _cell(value: str) -> Any:
    """A CSV cell: a JSON list or object when it looks like one, else the text."""
    text = value.strip()
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return value
    return value


def _typed_csv_record(columns: list[str], values: list[str], kind: RowType) -> dict[str, Any]:
    known = set(kind.item_fields()) | {"id"}
    record: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    for name, value in zip(columns, values, strict=True):
        if name in known:
            if value != "":
                record[name] = value if name == "id" else _cell(value)
        elif value != "":
            metadata[name] = value
    record["metadata"] = metadata
    return record


def _csv_rows(stream: IO[bytes], kind: RowType | None = None) -> Iterator[ItemRow | LineError]:
    if kind is not None and kind.code != "pairwise":
        yield from _typed_csv_rows(stream, kind)
        return
    reader = csv.reader(_decoded_lines(stream), strict=True)
    try:
        header = next(reader, None)
        while header is not None and not any(name.strip() for name in header):
            header = next(reader, None)
        if header is None:
            return
        columns = [name.strip() for name in header]
        missing = [name for name in REQUIRED if name not in columns]
        if missing:
            yield LineError(1, f"header lacks column(s): {', '.join(missing)}")
            return
        extra = [name for name in columns if name not in REQUIRED and name not in CSV_GOLD]
        start = reader.line_num
        for values in reader:
            line, start = start + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(columns):
                yield LineError(line, f"expected {len(columns)} columns, found {len(values)}")
                continue
            record: dict[str, Any] = dict(zip(columns, values, strict=True))
            metadata = {name: record.pop(name) for name in extra if record.get(name) != ""}
            for name in extra:
                record.pop(name, None)
            record["metadata"] = metadata
            answer, rationale = record.pop("gold_answer", ""), record.pop("gold_rationale", "")
            if answer or rationale:
                record["gold"] = {"answer": answer.strip(), "rationale": rationale}
            yield _build(line, record)
    except _Undecodable as bad:
        yield LineError(bad.line, _undecodable_message(bad.error))
    except csv.Error as error:
        yield LineError(reader.line_num, f"not valid CSV: {error}")


def _typed_csv_rows(stream: IO[bytes], kind: RowType) -> Iterator[ItemRow | LineError]:
    reader = csv.reader(_decoded_lines(stream), strict=True)
    try:
        header = next(reader, None)
        while header is not None and not any(name.strip() for name in header):
            header = next(reader, None)
        if header is None:
            return
        columns = [name.strip() for name in header]
        if "id" not in columns:
            yield LineError(1, "header lacks column(s): id")
            return
        start = reader.line_num
        for values in reader:
            line, start = start + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(columns):
                yield LineError(line, f"expected {len(columns)} columns, found {len(values)}")
                continue
            yield _build_typed(line, _typed_csv_record(columns, values, kind), kind)
    except _Undecodable as bad:
        yield LineError(bad.line, _undecodable_message(bad.error))
    except csv.Error as error:
        yield LineError(reader.line_num, f"not valid CSV: {error}")


def read_rows(
    stream: IO[bytes], fmt: Format, kind: RowType | None = None
) -> Iterator[ItemRow | LineError]:
    """Yield each item, or the error that stops it, in file order (pairwise by default)."""
    return _jsonl_rows(stream, kind) if fmt == "jsonl" else _csv_rows(stream, kind)


def scan(
    stream: IO[bytes], fmt: Format, *, max_errors: int = 100, kind: RowType | None = None
) -> ScanResult:
    """Check a whole file without keeping its rows: counts, errors, first line of each id."""
    result = ScanResult()

    def fail(error: LineError) -> None:
        result.error_count += 1
        if len(result.errors) < max_errors:
            result.errors.append(error)

    for row in read_rows(stream, fmt, kind):
        if isinstance(row, LineError):
            fail(row)
            continue
        first = result.first_line_of.get(row.external_id)
        if first is not None:
            fail(LineError(row.line, f"duplicate id {row.external_id!r} (first on line {first})"))
            continue
        result.first_line_of[row.external_id] = row.line
        result.rows += 1
    if result.rows == 0 and result.error_count == 0:
        fail(LineError(0, "the file holds no items"))
    return result
