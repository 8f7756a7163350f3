"""Uploading items: all or nothing, with line numbers for every problem."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assay.models import Item, Project, User
from tests.conftest import item_lines, jsonl

CSV_HEADER = b"id,prompt,response_a,response_b,language\n"


def upload(client: Client, project: Project, name: str, data: bytes) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.post(
        f"/api/v1/projects/{project.id}/items", {"file": SimpleUploadedFile(name, data)}
    )
    return response.status_code, response.json()


@pytest.fixture
def draft(make_project: Callable[..., Project]) -> Project:
    return make_project(items=0, publish=False)


def test_jsonl_upload_imports_every_row(
    draft: Project, alice: User, api: Callable[[User], Client]
) -> None:
    rows = item_lines(5)
    rows[0]["metadata"] = {"domain": "math"}
    status, body = upload(api(alice), draft, "items.jsonl", jsonl(rows))
    assert (status, body) == (201, {"created": 5})
    assert Item.objects.get(project=draft, external_id="item-0").metadata == {"domain": "math"}


def test_csv_upload_keeps_extra_columns_as_metadata(
    draft: Project, alice: User, api: Callable[[User], Client]
) -> None:
    data = CSV_HEADER + b'1,"Multi\nline prompt",Yes,No,fr\n2,Q,A,B,\n'
    status, body = upload(api(alice), draft, "items.csv", data)
    assert (status, body) == (201, {"created": 2})
    first = Item.objects.get(project=draft, external_id="1")
    assert first.prompt == "Multi\nline prompt"
    assert first.metadata == {"language": "fr"}


@pytest.mark.parametrize(
    ("name", "data", "line", "fragment"),
    [
        (
            "bad.jsonl",
            jsonl(item_lines(2)) + b"{not json\n" + jsonl(item_lines(1, start=9)),
            3,
            "not valid JSON",
        ),
        ("bad.jsonl", jsonl(item_lines(1)) + b'{"id": "x", "prompt": "p"}\n', 2, "missing"),
        (
            "bad.jsonl",
            jsonl(item_lines(1)) + b'{"id":"x","prompt":"p","response_a":"a",'
            b'"response_b":"b","respone_c":"?"}\n',
            2,
            "unknown field",
        ),
        ("bad.jsonl", jsonl(item_lines(1)) + b"[1, 2]\n", 2, "JSON object"),
        ("dup.jsonl", jsonl(item_lines(2) + item_lines(1)), 3, "duplicate id"),
        ("bad.csv", CSV_HEADER + b"1,p,a,b,en\n2,p,a\n", 3, "expected 5 columns"),
        ("bad.csv", b"id,prompt\n1,p\n", 1, "header lacks"),
        ("latin1.jsonl", jsonl(item_lines(1)) + '{"id":"é"}\n'.encode("latin-1"), 2, "not UTF-8"),
        ("empty.jsonl", b"", 0, "holds no items"),
        ("blank.csv", b"\n\n", 0, "holds no items"),
    ],
)
def test_bad_files_are_rejected_whole_with_line_numbers(
    draft: Project,
    alice: User,
    api: Callable[[User], Client],
    name: str,
    data: bytes,
    line: int,
    fragment: str,
) -> None:
    status, body = upload(api(alice), draft, name, data)
    assert status == 400
    assert body["error"]["code"] == "invalid_file"
    assert any(d["line"] == line and fragment in d["message"] for d in body["error"]["details"])
    assert Item.objects.filter(project=draft).count() == 0


def test_every_bad_line_is_reported_not_just_the_first(
    draft: Project, alice: User, api: Callable[[User], Client]
) -> None:
    data = b"nope\n" + jsonl(item_lines(1)) + b"nope\nnope\n"
    _, body = upload(api(alice), draft, "bad.jsonl", data)
    assert [d["line"] for d in body["error"]["details"]] == [1, 3, 4]


def test_ids_already_in_the_project_are_rejected(
    draft: Project, alice: User, api: Callable[[User], Client]
) -> None:
    client = api(alice)
    upload(client, draft, "first.jsonl", jsonl(item_lines(3)))
    status, body = upload(client, draft, "second.jsonl", jsonl(item_lines(2, start=2)))
    assert status == 400
    assert body["error"]["details"] == [
        {"line": 1, "message": "id 'item-2' is already in this project"}
    ]
    assert Item.objects.filter(project=draft).count() == 3


def test_unsupported_extension(draft: Project, alice: User, api: Callable[[User], Client]) -> None:
    status, body = upload(api(alice), draft, "items.xlsx", b"PK\x03\x04")
    assert status == 400
    assert body["error"]["code"] == "unsupported_format"


def test_oversize_upload_is_refused(
    draft: Project, alice: User, api: Callable[[User], Client], settings: object
) -> None:
    settings.MAX_UPLOAD_BYTES = 1024  # type: ignore[attr-defined]
    status, body = upload(api(alice), draft, "big.jsonl", jsonl(item_lines(40)))
    assert status == 413
    assert body["error"]["code"] == "upload_too_large"
    assert Item.objects.filter(project=draft).count() == 0


def test_a_large_file_imports_in_batches(
    draft: Project, alice: User, api: Callable[[User], Client]
) -> None:
    status, body = upload(api(alice), draft, "many.jsonl", jsonl(item_lines(2500)))
    assert (status, body) == (201, {"created": 2500})


def test_other_organizations_cannot_upload(
    draft: Project, charlie: User, erin: User, api: Callable[[User], Client]
) -> None:
    assert upload(api(charlie), draft, "i.jsonl", jsonl(item_lines(1)))[0] == 404
    assert upload(api(erin), draft, "i.jsonl", jsonl(item_lines(1)))[0] == 404
    assert Item.objects.count() == 0


def test_scan_keeps_memory_flat_by_reading_line_by_line() -> None:
    from assay.domain.itemfile import scan

    class CountingStream(io.BytesIO):
        largest = 0

        def __next__(self) -> bytes:
            line = super().__next__()
            CountingStream.largest = max(CountingStream.largest, len(line))
            return line

    stream = CountingStream(jsonl(item_lines(300)))
    assert scan(stream, "jsonl").rows == 300
    assert CountingStream.largest < 200


def test_blank_ids_are_missing_ids(
    draft: Project, alice: User, api: Callable[[User], Client]
) -> None:
    row = item_lines(1)[0] | {"id": "   "}
    status, body = upload(api(alice), draft, "i.jsonl", jsonl([row]))
    assert status == 400
    assert "missing or empty field(s): id" in body["error"]["details"][0]["message"]
