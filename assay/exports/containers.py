"""Containers: JSONL and Parquet, written incrementally as the records stream in.

Both turn an iterator of records into an iterator of bytes, so a download starts at once
and memory holds one batch of records (Parquet: one row group) at a time.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

JSONL_BATCH = 2000
ROW_GROUP = 20_000
CONTENT_TYPES = {"jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}


def jsonl(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    encode = json.JSONEncoder(ensure_ascii=False).encode
    rows = iter(records)
    while batch := list(islice(rows, JSONL_BATCH)):
        yield ("\n".join(map(encode, batch)) + "\n").encode()


class _Sink(io.RawIOBase):
    """A write-only file whose bytes are taken away after each row group."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def parquet(
    records: Iterable[dict[str, Any]], schema: pa.Schema, json_columns: tuple[str, ...] = ()
) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = _Sink()
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema, compression="zstd")
    rows = iter(records)
    try:
        while batch := list(islice(rows, ROW_GROUP)):
            for record in batch:
                for column in json_columns:
                    record[column] = json.dumps(record[column], ensure_ascii=False)
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            yield sink.take()
    finally:
        writer.close()
    yield sink.take()


def encode(
    container: str,
    records: Iterable[dict[str, Any]],
    schema: pa.Schema | None = None,
    json_columns: tuple[str, ...] = (),
) -> Iterator[bytes]:
    if container == "parquet":
        if schema is None:
            raise ValueError("Parquet needs a schema")
        return parquet(records, schema, json_columns)
    return jsonl(records)
