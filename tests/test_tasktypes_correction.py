"""Correction: items, answers with error tags, the server's word diff, and the exports."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from assay.models import Judgment, Organization, Project, Review, User
from assay.tasktypes.correction import word_diff
from tests.conftest import jsonl
from tests.tasktypes_helpers import claim, export, judge_all, submit, typed_project, upload_via_api

ORIGINAL = "The capital of Australia is Sydney.\nIt has 5 million people."
ROWS = [
    {"id": f"c{n}", "prompt": f"Tell me about Australia {n}", "response": ORIGINAL}
    for n in range(2)
]
FIXED = "The capital of Australia is Canberra.\nIt has 5 million people."


def edit(corrected: str = FIXED, tags: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"corrected": corrected, "tags": ["factual"] if tags is None else tags, **extra}


@pytest.fixture
def correction(alice: User, acme: Organization) -> Project:
    return typed_project(alice, acme, "correction", ROWS)


def test_a_correction_is_stored_with_the_original_and_a_word_diff(
    correction: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    task = claim(client, correction)
    assert task["task_type"] == "correction"
    assert task["item"]["data"]["response"] == ORIGINAL
    sent = edit(original="forged", diff=[{"op": "equal", "old": "x", "new": "x"}])
    done = submit(client, task["lease_id"], sent)
    assert done.status_code == 201, done.content
    answer = Judgment.objects.get(id=done.json()["id"]).answer
    assert answer["original"] == ORIGINAL  # the server's, not the client's
    assert answer["corrected"] == FIXED
    changed = [op for op in answer["diff"] if op["op"] != "equal"]
    assert changed == [{"op": "replace", "old": "Sydney", "new": "Canberra"}]
    assert answer["tags"] == ["factual"]


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (edit(tags=["grammar"]), "tags.0"),
        (edit(tags=[]), "tags"),
        (edit(tags=["style", "style"]), "tags"),
        (edit(corrected=ORIGINAL), "corrected"),
        (edit(corrected="   "), "corrected"),
        ({"corrected": "", "tags": [], "no_change": True, "reason": ""}, "reason"),
        ({"corrected": FIXED, "tags": [], "no_change": True, "reason": "It is fine."}, "corrected"),
        ({"tags": ["style"], "no_change": True, "reason": "It is fine."}, "tags"),
        (edit(score=3), "score"),
    ],
)
def test_a_bad_correction_is_refused_naming_the_field(
    correction: Project,
    erin: User,
    api: Callable[[User], Client],
    answer: dict[str, Any],
    field: str,
) -> None:
    client = api(erin)
    task = claim(client, correction)
    refused = submit(client, task["lease_id"], answer)
    assert refused.status_code == 400
    assert field in {d["field"] for d in refused.json()["error"]["details"]}
    assert erin.leases.get().state == "active"


def test_no_change_needed_keeps_the_original_with_a_reason(
    correction: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    task = claim(client, correction)
    done = submit(client, task["lease_id"], {"no_change": True, "reason": "Checked, all true."})
    assert done.status_code == 201, done.content
    answer = done.json()["answer"]
    assert answer["corrected"] == ORIGINAL
    assert [op["op"] for op in answer["diff"]] == ["equal"]


def test_the_word_diff_folds_a_reworded_phrase_into_one_change() -> None:
    ops = word_diff("the big cat sat.", "a small dog sat!")
    assert [(o.op, o.old, o.new) for o in ops] == [
        ("replace", "the big cat", "a small dog"),
        ("equal", " sat", " sat"),
        ("replace", ".", "!"),
    ]
    inserted = word_diff("hello world", "hello there world")
    assert [(o.op, o.new) for o in inserted if o.op != "equal"] == [("insert", "there ")]
    assert [o.op for o in word_diff("a b c", "")] == ["delete"]


@given(st.text(max_size=60), st.text(max_size=60))
def test_the_word_diff_rebuilds_both_texts(original: str, corrected: str) -> None:
    ops = word_diff(original, corrected)
    assert "".join(o.old for o in ops) == original
    assert "".join(o.new for o in ops) == corrected
    assert all(o.old == o.new for o in ops if o.op == "equal")
    assert all(a.op != "equal" or b.op != "equal" for a, b in itertools.pairwise(ops))


def test_upload_is_validated_whole_with_line_numbers(
    alice: User, acme: Organization, api: Callable[[User], Client]
) -> None:
    project = typed_project(alice, acme, "correction", ROWS[:1])
    bad = [
        {"id": "ok", "prompt": "p", "response": "r", "system": "Be brief."},
        {"id": "empty", "prompt": "p", "response": ""},
        {"id": "missing", "prompt": "p"},
        {"id": "extra", "prompt": "p", "response": "r", "responses": ["a"]},
    ]
    response = upload_via_api(api(alice), project, jsonl(bad))
    assert response.status_code == 400
    assert {d["line"] for d in response.json()["error"]["details"]} == {2, 3, 4}
    assert project.items.count() == 1  # nothing from the bad file


def test_every_correction_exports_as_a_row_and_as_sft_messages(
    correction: Project,
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    experts = [make_expert(name) for name in ("ann", "ben")]
    judge_all(api, correction, experts, lambda e, t: edit(reason="Sydney is not the capital."))
    client = api(alice)
    rows = export(client, correction, "corrections")
    assert len(rows) == 4  # one row per judgment: two experts on each of two items
    first = rows[0]
    assert (first["original"], first["corrected"], first["tags"]) == (ORIGINAL, FIXED, ["factual"])
    assert {"op": "replace", "old": "Sydney", "new": "Canberra"} in first["diff"]
    assert first["no_change"] is False
    assert first["expert"]
    sft = export(client, correction, "sft")
    assert len(sft) == 4
    assert sft[0]["messages"] == [
        {"role": "user", "content": "Tell me about Australia 0"},
        {"role": "assistant", "content": FIXED},
    ]
    for kind in ("corrections", "sft"):
        made = client.post(
            f"/api/v1/projects/{correction.id}/exports",
            {"kind": kind, "container": "parquet"},
            content_type="application/json",
        )
        assert made.status_code == 201, made.content
        body = b"".join(client.get(made.json()["download"]).streaming_content)
        table = pq.read_table(io.BytesIO(body)).to_pylist()
        assert len(table) == 4
    assert table[0]["messages"][1] == {"role": "assistant", "content": FIXED}


def test_the_web_form_fields_make_a_correction(
    correction: Project, erin: User, web: Callable[[User], Client]
) -> None:
    client = web(erin)
    page = client.post(f"/work/{correction.id}/next/")
    assert page.status_code == 200
    assert b'name="corrected"' in page.content
    assert b'value="instruction_following"' in page.content
    lease = erin.leases.get()
    form = {
        "idempotency_key": "form-key-123",
        "active_seconds": "30",
        "corrected": FIXED.replace("\n", "\r\n"),  # as a browser sends a textarea
        "tags": ["factual", "style"],
        "reason": "Wrong capital.",
    }
    refused = client.post(f"/work/task/{lease.id}/submit/", {**form, "tags": []})
    assert b"tag at least one kind of error" in refused.content
    done = client.post(f"/work/task/{lease.id}/submit/", form)
    assert done.status_code == 200
    judgment = erin.judgments.get()
    assert judgment.answer["corrected"] == FIXED
    assert judgment.answer["tags"] == ["factual", "style"]
    assert judgment.rationale == "factual, style: Wrong capital."
    assert judgment.active_seconds == 30


def test_a_reviewer_sees_the_diff_and_their_correction_is_what_exports(
    correction: Project,
    erin: User,
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    Project.objects.filter(id=correction.id).update(review_rate=1.0, review_pay_cents=60)
    client = api(erin)
    task = claim(client, correction)
    assert submit(client, task["lease_id"], edit(reason="Capital.")).status_code == 201
    reviewer = make_expert("rev")
    page = web(reviewer).get(f"/review/{correction.id}/")
    assert b"<del>Sydney</del><ins>Canberra</ins>" in page.content
    review = Review.objects.get(project=correction)
    better = FIXED.replace("5 million", "about 460,000")
    decision = {"outcome": "corrected", "corrected_answer": edit(better, ["factual"])}
    done = api(reviewer).post(
        f"/api/v1/reviews/{review.id}/decision", decision, content_type="application/json"
    )
    assert done.status_code == 201, done.content
    [row] = export(api(alice), correction, "corrections")
    assert row["corrected"] == better
    assert row["review"] == "corrected"
    assert {"op": "replace", "old": "5 million", "new": "about 460,000"} in row["diff"]
