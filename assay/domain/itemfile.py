"""Reading pairwise items from JSONL or CSV, one row at a time.

A file is read as a stream of bytes so a large upload never sits in memory
whole. Every problem is reported with its line number; the caller decides
that one problem rejects the whole file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Literal

Format = Literal["jsonl", "csv"]
REQUIRED = ("id", "prompt", "response_a", "response_b")
OPTIONAL = ("metadata", "gold")
GOLD_ANSWERS = ("a", "b", "tie")
CSV_GOLD = ("gold_answer", "gold_rationale")
MAX_ID_CHARS = 200
MAX_TEXT_CHARS = 200_000


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


def _jsonl_rows(stream: IO[bytes]) -> Iterator[ItemRow | LineError]:
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
            yield _build(number, record)
    except _Undecodable as bad:
        yield LineError(bad.line, _undecodable_message(bad.error))


def _csv_rows(stream: IO[bytes]) -> Iterator[ItemRow | LineError]:
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


def read_rows(stream: IO[bytes], fmt: Format) -> Iterator[ItemRow | LineError]:
    """Yield each item, or the error that stops it, in file order."""
    return _jsonl_rows(stream) if fmt == "jsonl" else _csv_rows(stream)


def scan(stream: IO[bytes], fmt: Format, *, max_errors: int = 100) -> ScanResult:
    """Check a whole file without keeping its rows: counts, errors, first line of each id."""
    result = ScanResult()

    def fail(error: LineError) -> None:
        result.error_count += 1
        if len(result.errors) < max_errors:
            result.errors.append(error)

    for row in read_rows(stream, fmt):
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
