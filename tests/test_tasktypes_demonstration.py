"""Demonstration writing: items with history, the length guide, the checklist, exports."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.test import Client

from assay.models import Judgment, Organization, Project, User
from assay.tasktypes._actions import config_problems
from tests.conftest import jsonl
from tests.tasktypes_helpers import claim, export, judge_all, submit, typed_project, upload_via_api

CONFIG = {
    "min_words": 5,
    "max_words": 12,
    "checklist": [
        {"name": "answers", "text": "Answers exactly what was asked"},
        {"name": "sources", "text": "Cites a source", "required": False},
    ],
}
HISTORY = [
    {"role": "user", "content": "I am planning a trip."},
    {"role": "assistant", "content": "Where to?"},
]
ROWS = [
    {"id": "d0", "prompt": "Japan, in spring.", "system": "Be concise.", "history": HISTORY},
    {"id": "d1", "prompt": "What is a haiku?"},
]
GOOD = "Go in early April to see the cherry blossoms."


def written(response: str = GOOD, checklist: list[str] | None = None) -> dict[str, Any]:
    return {"response": response, "checklist": ["answers"] if checklist is None else checklist}


@pytest.fixture
def demonstration(alice: User, acme: Organization) -> Project:
    return typed_project(alice, acme, "demonstration", ROWS, config=CONFIG)


def test_the_project_config_is_checked() -> None:
    assert config_problems("demonstration", CONFIG) == {}
    assert config_problems("demonstration", {"min_words": 50, "max_words": 10})
    twice = {"checklist": [{"name": "a", "text": "x"}, {"name": "a", "text": "y"}]}
    assert config_problems("demonstration", twice)
    assert "task_config.checklist.0.name" in config_problems(
        "demonstration", {"checklist": [{"name": "has space", "text": "x"}]}
    )


def test_an_expert_writes_a_demonstration_for_a_conversation(
    demonstration: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    task = claim(client, demonstration)
    assert task["task_type"] == "demonstration"
    assert task["item"]["data"]["history"] == HISTORY
    done = submit(client, task["lease_id"], written(checklist=["answers", "sources"]))
    assert done.status_code == 201, done.content
    answer = Judgment.objects.get(id=done.json()["id"]).answer
    assert answer == {"response": GOOD, "checklist": ["answers", "sources"], "notes": ""}


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (written("Too short."), "response"),
        (written(" ".join(["word"] * 13)), "response"),
        (written("   "), "response"),
        (written(checklist=[]), "checklist.answers"),
        (written(checklist=["sources"]), "checklist.answers"),
        (written(checklist=["answers", "bogus"]), "checklist.bogus"),
        ({"checklist": ["answers"]}, "response"),
        ({**written(), "rating": 5}, "rating"),
    ],
)
def test_a_bad_demonstration_is_refused_naming_the_field(
    demonstration: Project,
    erin: User,
    api: Callable[[User], Client],
    answer: dict[str, Any],
    field: str,
) -> None:
    client = api(erin)
    task = claim(client, demonstration)
    refused = submit(client, task["lease_id"], answer)
    assert refused.status_code == 400
    assert field in {d["field"] for d in refused.json()["error"]["details"]}
    assert erin.leases.get().state == "active"


def test_upload_is_validated_whole_with_line_numbers(
    alice: User, acme: Organization, api: Callable[[User], Client]
) -> None:
    project = typed_project(alice, acme, "demonstration", ROWS[1:], config=CONFIG)
    bad = [
        {"id": "ok", "prompt": "p", "history": HISTORY},
        {"id": "empty", "prompt": ""},
        {"id": "assistant-first", "prompt": "p", "history": HISTORY[::-1]},
        {"id": "odd", "prompt": "p", "history": HISTORY[:1]},
        {"id": "role", "prompt": "p", "history": [{"role": "tool", "content": "x"}] * 2},
        {"id": "extra", "prompt": "p", "response": "not for this type"},
    ]
    response = upload_via_api(api(alice), project, jsonl(bad))
    assert response.status_code == 400
    assert {d["line"] for d in response.json()["error"]["details"]} == {2, 3, 4, 5, 6}
    assert project.items.count() == 1  # nothing from the bad file


def test_demonstrations_export_as_sft_messages_and_raw_rows(
    demonstration: Project,
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    experts = [make_expert(name) for name in ("ann", "ben")]
    judge_all(api, demonstration, experts, lambda e, t: written())
    client = api(alice)
    sft = export(client, demonstration, "sft")
    assert len(sft) == 4  # one row per judgment
    by_item = {r["item_id"]: r["messages"] for r in sft}
    assert by_item["d0"] == [
        {"role": "system", "content": "Be concise."},
        *HISTORY,
        {"role": "user", "content": "Japan, in spring."},
        {"role": "assistant", "content": GOOD},
    ]
    assert by_item["d1"][0] == {"role": "user", "content": "What is a haiku?"}
    raw = export(client, demonstration, "demonstrations")
    assert len(raw) == 4
    assert raw[0]["checklist"] == ["answers"]
    assert raw[0]["word_count"] == 9
    for kind in ("sft", "demonstrations"):
        made = client.post(
            f"/api/v1/projects/{demonstration.id}/exports",
            {"kind": kind, "container": "parquet"},
            content_type="application/json",
        )
        assert made.status_code == 201, made.content
        body = b"".join(client.get(made.json()["download"]).streaming_content)
        rows = pq.read_table(io.BytesIO(body)).to_pylist()
        assert len(rows) == 4
        if kind == "sft":
            assert rows[0]["messages"][-1] == {"role": "assistant", "content": GOOD}


def test_the_web_form_shows_the_guide_and_its_fields_make_an_answer(
    demonstration: Project, erin: User, web: Callable[[User], Client]
) -> None:
    client = web(erin)
    page = client.post(f"/work/{demonstration.id}/next/")
    assert page.status_code == 200
    assert b"aim for 5 to 12" in page.content
    assert b'value="answers"' in page.content
    lease = erin.leases.get()
    form = {
        "idempotency_key": "form-key-123",
        "active_seconds": "30",
        "response": GOOD.replace(" the ", "\r\nthe "),
        "notes": "Kept it short.",
    }
    refused = client.post(f"/work/task/{lease.id}/submit/", form)
    assert b"confirm: Answers exactly what was asked" in refused.content
    done = client.post(f"/work/task/{lease.id}/submit/", {**form, "checklist": ["answers"]})
    assert done.status_code == 200
    judgment = erin.judgments.get()
    assert "\r" not in judgment.answer["response"]
    assert judgment.answer["checklist"] == ["answers"]
    assert judgment.rationale == "Kept it short."
    assert judgment.active_seconds == 30


def test_the_review_page_shows_the_demonstration_and_its_checklist(
    demonstration: Project,
    erin: User,
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    Project.objects.filter(id=demonstration.id).update(review_rate=1.0, review_pay_cents=60)
    client = api(erin)
    task = claim(client, demonstration)
    assert submit(client, task["lease_id"], written()).status_code == 201
    page = web(make_expert("rev")).get(f"/review/{demonstration.id}/")
    assert b"The demonstration under review" in page.content
    assert "✓ Answers exactly what was asked".encode() in page.content
    assert b"9 words" in page.content
