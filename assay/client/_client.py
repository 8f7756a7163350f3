"""The requester's client: projects, items, progress, exports (docs/sdk.md)."""

from __future__ import annotations

import io
import json
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import httpx

from assay.client._errors import BY_STATUS, APIError, TransportError, WaitTimeout
from assay.client._models import ExportInfo, Progress, Project

RETRIES = 2
ITEM_FIELDS = ("id", "prompt", "response_a", "response_b", "metadata", "gold_answer")


def _rows(items: Any) -> Iterator[dict[str, Any]]:
    """Rows from a list of mappings, a pandas DataFrame or a Hugging Face ``Dataset``."""
    if hasattr(items, "to_dict") and hasattr(items, "columns"):
        rows: Iterable[Mapping[str, Any]] = items.to_dict(orient="records")
    else:
        rows = items
    for row in rows:
        yield {k: row[k] for k in ITEM_FIELDS if k in row and row[k] is not None}


class Export:
    """One export: its record, its bytes, its records, and conversions."""

    def __init__(self, client: Client, info: ExportInfo) -> None:
        self.client = client
        self.info = info
        self._content: bytes | None = None

    @property
    def id(self) -> int:
        return self.info.id

    def content(self) -> bytes:
        if self._content is None:
            self._content = self.client._request("GET", self.info.download).content
        return self._content

    def records(self) -> list[dict[str, Any]]:
        if self.info.container == "parquet":
            import pyarrow.parquet as pq

            rows: list[dict[str, Any]] = pq.read_table(io.BytesIO(self.content())).to_pylist()
            return rows
        return [json.loads(line) for line in self.content().decode().splitlines() if line]

    def data_card(self) -> str:
        return self.client._request("GET", self.info.data_card).text

    def save(self, path: str) -> None:
        with open(path, "wb") as out:
            out.write(self.content())

    def to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame.from_records(self.records())

    def to_datasets(self, *, test_size: float | int | None = None, seed: int = 0) -> Any:
        """A ``datasets.Dataset``; a train/test ``DatasetDict`` when ``test_size`` is set."""
        import datasets

        if self.info.container == "parquet":
            import pyarrow.parquet as pq

            dataset = datasets.Dataset(pq.read_table(io.BytesIO(self.content())))
        else:
            dataset = datasets.Dataset.from_list(self.records())
        if test_size is None:
            return dataset
        return dataset.train_test_split(test_size=test_size, seed=seed)


class Client:
    """``Client(base_url, token)``; pass ``transport`` to talk to an app in-process."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "User-Agent": "assay-client/1"},
            transport=transport,
            timeout=timeout,
        )
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(
        self, method: str, path: str, *, idempotency_key: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """One call; a mutating call carries an Idempotency-Key that its retries reuse."""
        headers = dict(kwargs.pop("headers", {}))
        if method != "GET":
            headers["Idempotency-Key"] = idempotency_key or uuid.uuid4().hex
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        for attempt in range(RETRIES + 1):
            try:
                response = self._http.request(method, url, headers=headers, **kwargs)
                break
            except httpx.TransportError as error:
                if attempt == RETRIES:
                    raise TransportError(str(error)) from error
                self._sleep(0.5 * 2**attempt)
        if response.is_success:
            return response
        try:
            body = response.json().get("error", {})
        except ValueError:
            body = {}
        kind = BY_STATUS.get(response.status_code, APIError)
        raise kind(
            response.status_code,
            str(body.get("code", "http_error")),
            str(body.get("message", response.reason_phrase)),
            body.get("details"),
        )

    # Projects ----------------------------------------------------------------------

    def create_project(
        self,
        *,
        name: str,
        pay_cents: int,
        estimated_minutes: int,
        overlap: int = 3,
        description: str = "",
        guidelines: str = "",
        admission: str = "open",
        idempotency_key: str | None = None,
    ) -> Project:
        payload = {
            "name": name,
            "description": description,
            "overlap": overlap,
            "pay_cents": pay_cents,
            "estimated_minutes": estimated_minutes,
            "admission": admission,
            "guidelines": guidelines,
        }
        response = self._request("POST", "/projects", json=payload, idempotency_key=idempotency_key)
        return Project.from_json(response.json())

    def project(self, project_id: int) -> Project:
        return Project.from_json(self._request("GET", f"/projects/{project_id}").json())

    def set_licence(
        self, project_id: int, licence: str, *, terms: str = "", royalty_cents: int = 0
    ) -> dict[str, Any]:
        payload = {"licence": licence, "terms": terms, "royalty_cents": royalty_cents}
        answer: dict[str, Any] = self._request(
            "PUT", f"/projects/{project_id}/licence", json=payload
        ).json()
        return answer

    def upload_items(
        self, project_id: int, items: Any, *, idempotency_key: str | None = None
    ) -> int:
        """Upload items from a list of dicts, a pandas DataFrame or a ``datasets.Dataset``.

        Each item has ``id``, ``prompt``, ``response_a``, ``response_b`` and optionally
        ``metadata`` (for example ``model_a``/``model_b`` for the evaluation report).
        """
        body = "".join(json.dumps(row, default=str) + "\n" for row in _rows(items)).encode()
        files = {"file": ("items.jsonl", body, "application/x-ndjson")}
        response = self._request(
            "POST", f"/projects/{project_id}/items", files=files, idempotency_key=idempotency_key
        )
        return int(response.json()["created"])

    def publish(self, project_id: int, *, idempotency_key: str | None = None) -> Project:
        response = self._request(
            "POST", f"/projects/{project_id}/publish", idempotency_key=idempotency_key
        )
        return Project.from_json(response.json())

    def progress(self, project_id: int) -> Progress:
        return Progress.from_json(self._request("GET", f"/projects/{project_id}/progress").json())

    def wait(
        self,
        project_id: int,
        *,
        timeout: float | None = None,
        poll_seconds: float = 10.0,
        progress: bool | Callable[[Progress], None] = False,
    ) -> Progress:
        """Poll until every item is complete; ``progress=True`` draws a bar on stderr."""
        started = time.monotonic()
        while True:
            state = self.progress(project_id)
            if callable(progress):
                progress(state)
            elif progress:
                _bar(state)
            if state.complete:
                return state
            if timeout is not None and time.monotonic() - started >= timeout:
                raise WaitTimeout(f"{state.done} of {state.items} items complete")
            self._sleep(poll_seconds)

    def results(self, project_id: int) -> list[dict[str, Any]]:
        """Every judgment so far, one dict each (experts by pseudonym)."""
        return self.export(project_id, "judgments").records()

    # Exports -----------------------------------------------------------------------

    def export(
        self,
        project_id: int,
        kind: str = "preference",
        *,
        container: str = "jsonl",
        idempotency_key: str | None = None,
        **options: Any,
    ) -> Export:
        """Make an export (``preference``, ``kto``, ``judgments``, ``eval_report``)."""
        payload = {"kind": kind, "container": container, **options}
        response = self._request(
            "POST", f"/projects/{project_id}/exports", json=payload, idempotency_key=idempotency_key
        )
        return Export(self, ExportInfo.from_json(response.json()))

    def exports(self, project_id: int) -> list[Export]:
        rows = self._request("GET", f"/projects/{project_id}/exports").json()
        return [Export(self, ExportInfo.from_json(row)) for row in rows]


def _bar(state: Progress, width: int = 30) -> None:
    share = state.done / state.items if state.items else 0.0
    filled = int(share * width)
    bar = "#" * filled + "-" * (width - filled)
    sys.stderr.write(f"\r[{bar}] {state.done}/{state.items} items, {state.judgments} judgments")
    if state.complete:
        sys.stderr.write("\n")
    sys.stderr.flush()
