"""Exports in TRL's formats: preference pairs, KTO, raw judgments; JSONL and Parquet."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.test import Client

from assay.models import ExportRecord, Item, Project, User
from tests.test_exports import vote

Votes = dict[str, str]
CODES = {"a": "a", "b": "b", "t": "tie"}


def judged(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    plan: Votes,
    *,
    overlap: int = 3,
) -> tuple[Project, list[User]]:
    project = make_project(items=len(plan), overlap=overlap)
    experts = [make_expert(name) for name in ("ann", "ben", "cy")[:overlap]]
    for external_id, choices in plan.items():
        for expert, code in zip(experts, choices, strict=False):
            vote(project, expert, CODES[code], external_id)
    return project, experts


def export(client: Client, project: Project, **options: Any) -> tuple[dict[str, Any], bytes]:
    made = client.post(
        f"/api/v1/projects/{project.id}/exports", options, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    body = made.json()
    download = client.get(body["download"])
    assert download.status_code == 200
    return body, b"".join(download.streaming_content)  # type: ignore[attr-defined]


def rows(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode().splitlines()]


# The checks TRL's ``trl.data_utils.is_conversational`` makes (TRL itself needs torch).
def is_conversational(example: dict[str, Any]) -> bool:
    keys = ("prompt", "chosen", "rejected", "completion", "messages")
    for key in keys:
        value = example.get(key)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return "role" in value[0] and "content" in value[0]
    return False


PLAN = {"item-0": "aab", "item-1": "bbb", "item-2": "abt", "item-3": "a"}


def test_preference_pairs_follow_trl_standard_form_with_confidence_and_margin(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project, experts = judged(make_project, make_expert, PLAN)
    body, content = export(api(alice), project, kind="preference")
    pairs = rows(content)
    items = {i.external_id: i for i in Item.objects.filter(project=project)}
    assert [(p["item_id"], p["chosen"]) for p in pairs] == [
        ("item-0", items["item-0"].response_a),
        ("item-1", items["item-1"].response_b),
    ]
    first = pairs[0]
    assert first["prompt"] == items["item-0"].prompt
    assert first["rejected"] == items["item-0"].response_b
    assert first["margin"] == pytest.approx(1 / 3, abs=1e-4)
    assert first["confidence"] == pytest.approx(11 / 16)
    assert pairs[1]["confidence"] == pytest.approx(15 / 16)
    assert not is_conversational(first)
    assert first["provenance"]["experts"] == [e.expert_profile.pseudonym for e in experts]
    assert first["provenance"]["guideline_versions"] == [1]
    assert first["provenance"]["licence"] == "requester-training"
    assert body["records"] == 2
    assert "item-3" not in json.dumps(pairs)


def test_conversational_pairs_and_a_confidence_threshold(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project, _ = judged(make_project, make_expert, PLAN)
    _, content = export(
        api(alice), project, kind="preference", conversational=True, min_confidence=0.9
    )
    (pair,) = rows(content)
    assert pair["item_id"] == "item-1"
    assert is_conversational(pair)
    assert pair["prompt"][0]["role"] == "user"
    assert pair["chosen"] == [{"role": "assistant", "content": pair["chosen"][0]["content"]}]


def test_kto_rows_label_the_chosen_true_and_the_rejected_false(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project, _ = judged(make_project, make_expert, PLAN)
    _, content = export(api(alice), project, kind="kto", provenance=False)
    records = rows(content)
    assert [(r["item_id"], r["label"]) for r in records] == [
        ("item-0", True),
        ("item-0", False),
        ("item-1", True),
        ("item-1", False),
    ]
    assert set(records[0]) >= {"prompt", "completion", "label"}
    assert "provenance" not in records[0]


def test_per_judgment_pairs_name_each_expert_by_pseudonym_only(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project, experts = judged(make_project, make_expert, {"item-0": "abt"})
    _, content = export(api(alice), project, kind="preference", granularity="judgment")
    records = rows(content)
    assert [r["expert"] for r in records] == [e.expert_profile.pseudonym for e in experts[:2]]
    assert "experts.test" not in content.decode()
    assert "Ann" not in content.decode()


def test_raw_judgments_export_and_gold_option(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project, _ = judged(make_project, make_expert, {"item-0": "ab", "item-1": "a"}, overlap=2)
    Item.objects.filter(project=project, external_id="item-1").update(is_gold=True)
    client = api(alice)
    _, without = export(client, project, kind="judgments")
    _, with_gold = export(client, project, kind="judgments", include_gold=True)
    assert [r["item_id"] for r in rows(without)] == ["item-0", "item-0"]
    assert [r["gold"] for r in rows(with_gold)] == [False, False, True]
    assert rows(without)[0]["status"] == "submitted"


def test_parquet_holds_the_same_records_as_jsonl(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project, _ = judged(make_project, make_expert, PLAN)
    client = api(alice)
    for kind in ("preference", "kto", "judgments"):
        _, jsonl = export(client, project, kind=kind)
        _, parquet = export(client, project, kind=kind, container="parquet")
        table = pq.read_table(io.BytesIO(parquet)).to_pylist()
        expected = rows(jsonl)
        if kind == "judgments":
            for row in table:
                row["metadata"] = json.loads(row["metadata"])
        assert table == expected


def test_the_export_is_recorded_and_streams_the_same_records_later(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project, experts = judged(make_project, make_expert, {"item-0": "aa", "item-1": "b"}, overlap=2)
    client = api(alice)
    body, first = export(client, project, kind="judgments")
    vote(project, experts[1], "b", "item-1")
    again = client.get(body["download"])
    assert b"".join(again.streaming_content) == first  # type: ignore[attr-defined]
    record = ExportRecord.objects.get(id=body["id"])
    assert (record.record_count, record.created_by, record.kind) == (3, alice, "judgments")
    assert sorted(c.judgments for c in record.contributions.all()) == [1, 2]
    history = client.get(f"/api/v1/projects/{project.id}/exports").json()
    assert [h["id"] for h in history] == [body["id"]]


def test_bad_options_are_named(
    make_project: Callable[..., Project], alice: User, api: Callable[[User], Client]
) -> None:
    project = make_project(items=1)
    response = api(alice).post(
        f"/api/v1/projects/{project.id}/exports",
        {"kind": "sft", "container": "csv", "min_confidence": 2},
        content_type="application/json",
    )
    assert response.status_code == 400
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"kind", "container", "min_confidence"}
