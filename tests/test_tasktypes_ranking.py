"""K-wise ranking: items, answers, Bradley-Terry aggregation and the ranking exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay.models import Judgment, Organization, Project, User
from assay.tasktypes.ranking import RankingAnswer, consensus, ranks
from tests.conftest import jsonl
from tests.tasktypes_helpers import claim, export, judge_all, submit, typed_project, upload_via_api

ROWS = [
    {"id": f"r{n}", "prompt": f"Sort these {n}", "responses": ["best", "middle", "worst"]}
    for n in range(2)
]


@pytest.fixture
def ranking(alice: User, acme: Organization) -> Project:
    return typed_project(alice, acme, "ranking", ROWS, config={"allow_ties": False})


def test_an_expert_gets_the_responses_and_submits_an_order(
    ranking: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    task = claim(client, ranking)
    assert task["task_type"] == "ranking"
    assert task["item"]["data"]["responses"] == ["best", "middle", "worst"]
    done = submit(client, task["lease_id"], {"order": [0, 1, 2], "rationale": "Best is best."})
    assert done.status_code == 201, done.content
    body = done.json()
    assert body["answer"]["order"] == [0, 1, 2]
    assert body["active_seconds"] == 42
    assert Judgment.objects.get(id=body["id"]).answer["order"] == [0, 1, 2]


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ({"order": [0, 1], "rationale": "Only two ranked."}, "order"),
        ({"order": [0, 0, 1], "rationale": "A repeated one."}, "order"),
        ({"order": [0, 1, 2], "ties": [True, False], "rationale": "Tied, not allowed."}, "ties"),
        ({"order": [0, 1, 2], "rationale": "short"[:3]}, "rationale"),
        ({"order": "0,1,2", "rationale": "Not a list at all."}, "order"),
        ({"order": [0, 1, 2], "rationale": "Extra field.", "score": 3}, "score"),
    ],
)
def test_a_bad_ranking_is_refused_and_the_task_stays_held(
    ranking: Project, erin: User, api: Callable[[User], Client], answer: dict[str, Any], field: str
) -> None:
    client = api(erin)
    task = claim(client, ranking)
    refused = submit(client, task["lease_id"], answer)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "invalid_judgment"
    assert field in {d["field"] for d in error["details"]}
    good = submit(client, task["lease_id"], {"order": [2, 1, 0], "rationale": "Reversed order."})
    assert good.status_code == 201


def test_ties_count_when_the_project_allows_them(
    alice: User, acme: Organization, erin: User, api: Callable[[User], Client]
) -> None:
    project = typed_project(alice, acme, "ranking", ROWS[:1], config={"allow_ties": True})
    client = api(erin)
    task = claim(client, project)
    answer = {"order": [1, 0, 2], "ties": [True, False], "rationale": "First two equal."}
    assert submit(client, task["lease_id"], answer).status_code == 201


def test_ranks_and_consensus_by_bradley_terry() -> None:
    tied = RankingAnswer(order=[2, 0, 1], ties=[False, True], rationale="x")
    assert ranks(tied) == [1, 1, 0]
    answers = [
        RankingAnswer(order=[0, 1, 2], rationale="x"),
        RankingAnswer(order=[0, 2, 1], rationale="x"),
        RankingAnswer(order=[1, 0, 2], rationale="x"),
    ]
    order, scores = consensus(3, answers)
    assert order == [0, 1, 2]
    assert scores[0] > scores[1] > scores[2]


def test_upload_is_validated_whole_with_line_numbers(
    alice: User, acme: Organization, api: Callable[[User], Client]
) -> None:
    project = typed_project(alice, acme, "ranking", ROWS[:1])
    bad = [
        {"id": "ok", "prompt": "p", "responses": ["a", "b", "c"]},
        {"id": "two", "prompt": "p", "responses": ["a", "b"]},
        {"id": "ten", "prompt": "p", "responses": ["x"] * 10},
        {"id": "gold", "prompt": "p", "responses": ["a", "b", "c"], "gold": {"answer": "a"}},
        {"id": "extra", "prompt": "p", "responses": ["a", "b", "c"], "response_a": "no"},
    ]
    response = upload_via_api(api(alice), project, jsonl(bad))
    assert response.status_code == 400
    lines = {d["line"] for d in response.json()["error"]["details"]}
    assert lines == {2, 3, 4, 5}
    assert project.items.count() == 1  # nothing from the bad file


def test_csv_upload_reads_a_json_list_cell(
    alice: User, acme: Organization, api: Callable[[User], Client]
) -> None:
    project = typed_project(alice, acme, "ranking", ROWS[:1])
    csv = b'id,prompt,responses,source\nc1,Sort,"[""a"",""b"",""c""]",web\n'
    response = upload_via_api(api(alice), project, csv, "i.csv")
    assert response.status_code == 201, response.content
    item = project.items.get(external_id="c1")
    assert item.data["responses"] == ["a", "b", "c"]
    assert item.metadata == {"source": "web"}


def test_rankings_export_the_consensus_and_every_raw_ranking(
    ranking: Project,
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    experts = [make_expert(name) for name in ("ann", "ben")]
    judge_all(api, ranking, experts, lambda e, t: {"order": [0, 1, 2], "rationale": "Clear order."})
    client = api(alice)
    rows = export(client, ranking, "rankings")
    assert len(rows) == 2
    assert rows[0]["order"] == [0, 1, 2]
    assert rows[0]["judgments"] == 2
    assert rows[0]["responses"] == ["best", "middle", "worst"]
    raw = export(client, ranking, "ranking_judgments")
    assert len(raw) == 4
    assert {r["expert"] for r in raw} == {"ann", "ben"} or len({r["expert"] for r in raw}) == 2
    assert all(r["ranks"] == [0, 1, 2] for r in raw)
    parquet = client.post(
        f"/api/v1/projects/{ranking.id}/exports",
        {"kind": "rankings", "container": "parquet"},
        content_type="application/json",
    )
    assert parquet.status_code == 201, parquet.content
