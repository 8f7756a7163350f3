"""The Python SDK against the real app in-process: an httpx transport over Django's client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import datasets
import httpx
import pandas as pd
import pytest
from django.test import Client as DjangoClient

import assay.client
from assay.actions.tokens import create_token
from assay.client import AuthenticationFailed, Client, InvalidRequest, NotFound, WaitTimeout
from assay.models import Project, User
from tests.test_exports import vote


class DjangoTransport(httpx.BaseTransport):
    """Hands each httpx request to Django's test client: no socket, the test's database."""

    def __init__(self) -> None:
        self.django = DjangoClient()
        self.seen: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        skip = {"host", "content-length", "content-type"}
        response = self.django.generic(
            request.method,
            request.url.raw_path.decode(),
            data=request.read(),
            content_type=request.headers.get("content-type", ""),
            headers={k: v for k, v in request.headers.items() if k.lower() not in skip},
        )
        body = (
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
            if response.streaming
            else response.content
        )
        return httpx.Response(response.status_code, headers=dict(response.items()), content=body)


@pytest.fixture
def sdk() -> Callable[[User], Client]:
    def client_for(user: User) -> Client:
        _, token = create_token(user=user, name="sdk")
        return Client("http://testserver", token, transport=DjangoTransport(), sleep=lambda s: None)

    return client_for


ROWS = [
    {
        "id": f"q-{n}",
        "prompt": f"Is {n} even?",
        "response_a": "Yes." if n % 2 == 0 else "No.",
        "response_b": "No." if n % 2 == 0 else "Yes.",
        "metadata": {"model_a": "good-model", "model_b": "bad-model"},
    }
    for n in range(3)
]


def new_project(assay_client: Client, overlap: int = 1) -> int:
    project = assay_client.create_project(
        name="Parity", pay_cents=100, estimated_minutes=3, overlap=overlap, guidelines="Be right."
    )
    return project.id


def test_public_names_are_pinned() -> None:
    assert assay.client.__all__ == [
        "APIError",
        "AssayClientError",
        "AuthenticationFailed",
        "Client",
        "Conflict",
        "Export",
        "ExportInfo",
        "InvalidRequest",
        "NotFound",
        "PermissionDenied",
        "Progress",
        "Project",
        "TransportError",
        "WaitTimeout",
    ]


def test_upload_judge_export_and_load_with_datasets(
    sdk: Callable[[User], Client], alice: User, make_expert: Callable[[str], User]
) -> None:
    client = sdk(alice)
    project_id = new_project(client)
    assert client.upload_items(project_id, ROWS) == 3
    assert client.publish(project_id).status == "published"
    ann = make_expert("ann")
    project = Project.objects.get(id=project_id)
    for row in ROWS:
        vote(project, ann, "a", row["id"])
    drawn: list[Any] = []
    assert client.wait(project_id, progress=drawn.append).complete
    export = client.export(project_id, "preference", conversational=True)
    dataset = export.to_datasets()
    assert isinstance(dataset, datasets.Dataset)
    assert dataset.num_rows == 3
    by_id = {row["item_id"]: row for row in dataset}
    for row in ROWS:
        pair = by_id[row["id"]]
        assert pair["prompt"] == [{"role": "user", "content": row["prompt"]}]
        assert pair["chosen"] == [{"role": "assistant", "content": row["response_a"]}]
        assert pair["rejected"] == [{"role": "assistant", "content": row["response_b"]}]
    split = client.export(project_id, "kto", container="parquet").to_datasets(test_size=2)
    assert isinstance(split, datasets.DatasetDict)
    assert (split["train"].num_rows, split["test"].num_rows) == (4, 2)
    assert "Data card" in export.data_card()
    assert [r["judgment_id"] for r in client.results(project_id)] == sorted(
        r["judgment_id"] for r in client.results(project_id)
    )


def test_dataframes_and_datasets_upload_too(sdk: Callable[[User], Client], alice: User) -> None:
    client = sdk(alice)
    project_id = new_project(client)
    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "metadata"} for r in ROWS])
    assert client.upload_items(project_id, frame) == 3
    more = datasets.Dataset.from_list(
        [{**r, "id": f"ds-{r['id']}", "metadata": {"m": 1}} for r in ROWS]
    )
    assert client.upload_items(project_id, more) == 3
    assert client.progress(project_id).items == 6


def test_evaluation_report_ranks_the_models(
    sdk: Callable[[User], Client], alice: User, make_expert: Callable[[str], User]
) -> None:
    client = sdk(alice)
    project_id = new_project(client)
    client.upload_items(project_id, ROWS)
    client.publish(project_id)
    project = Project.objects.get(id=project_id)
    ann = make_expert("ann")
    for row in ROWS:
        vote(project, ann, "a", row["id"])
    report = client.export(project_id, "eval_report").records()
    assert [(r["model"], r["rank"], r["wins"]) for r in report] == [
        ("good-model", 1, 3),
        ("bad-model", 2, 0),
    ]
    assert report[0]["bt_ci_low"] <= report[0]["bt_score"] <= report[0]["bt_ci_high"]


def test_errors_are_one_tree_with_codes(
    sdk: Callable[[User], Client], alice: User, charlie: User
) -> None:
    project_id = new_project(sdk(alice))
    with pytest.raises(NotFound) as missing:
        sdk(charlie).project(project_id)
    assert missing.value.code == "project_not_found"
    with pytest.raises(InvalidRequest) as wrong:
        sdk(alice).export(project_id, "sft")
    assert wrong.value.details[0]["field"] == "kind"
    stranger = Client("http://testserver", "not-a-token", transport=DjangoTransport())
    with pytest.raises(AuthenticationFailed):
        stranger.project(project_id)
    assert issubclass(NotFound, assay.client.AssayClientError)


def test_wait_gives_up_after_its_timeout(sdk: Callable[[User], Client], alice: User) -> None:
    client = sdk(alice)
    project_id = new_project(client)
    client.upload_items(project_id, ROWS)
    with pytest.raises(WaitTimeout):
        client.wait(project_id, timeout=0)


def test_mutating_calls_carry_idempotency_keys_and_exports_honour_them(
    sdk: Callable[[User], Client], alice: User
) -> None:
    client = sdk(alice)
    project_id = new_project(client)
    first = client.export(project_id, "judgments", idempotency_key="export-once-123")
    again = client.export(project_id, "judgments", idempotency_key="export-once-123")
    assert first.id == again.id
    transport = client._http._transport
    assert isinstance(transport, DjangoTransport)
    posts = [r for r in transport.seen if r.method == "POST"]
    assert all(r.headers.get("Idempotency-Key") for r in posts)
