"""Rubric rating: project criteria, answers, bias-corrected aggregation and exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay.models import Organization, Project, User
from assay.tasktypes._actions import config_problems
from tests.tasktypes_helpers import claim, export, judge_all, submit, typed_project

CONFIG = {
    "criteria": [
        {"name": "correct", "scale_min": 1, "scale_max": 5, "weight": 2, "allow_na": False},
        {"name": "style", "scale_min": 1, "scale_max": 5, "anchors": {"1": "poor", "5": "great"}},
    ]
}
ROWS = [{"id": f"q{n}", "prompt": f"Question {n}", "response": f"Answer {n}"} for n in range(3)]


def rated(correct: int | None, style: int | None, *, na: bool = False) -> dict[str, Any]:
    return {
        "ratings": {
            "correct": {"score": correct, "justification": "checked the sums"},
            "style": {"score": style, "not_applicable": na, "justification": "reads fine"},
        }
    }


@pytest.fixture
def rubric(alice: User, acme: Organization) -> Project:
    return typed_project(alice, acme, "rubric", ROWS, config=CONFIG)


def test_the_project_config_is_checked() -> None:
    assert config_problems("rubric", CONFIG) == {}
    bad = {"criteria": [{"name": "x", "scale_min": 5, "scale_max": 1}]}
    assert "task_config.criteria.0" in config_problems("rubric", bad)
    assert config_problems("nonsense", {}) == {
        "task_type": config_problems("nonsense", {})["task_type"]
    }
    anchors = {"criteria": [{"name": "x", "anchors": {"9": "no"}}]}
    assert config_problems("rubric", anchors)


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (rated(6, 3), "ratings.correct"),
        (rated(None, 3), "ratings.correct"),
        (rated(3, 3, na=True), "ratings.style"),
        ({"ratings": {"correct": {"score": 3, "justification": "fine enough"}}}, "ratings.style"),
        ({"ratings": {**rated(3, 3)["ratings"], "extra": {"score": 1}}}, "ratings.extra"),
    ],
)
def test_bad_ratings_are_named(
    rubric: Project, erin: User, api: Callable[[User], Client], answer: dict[str, Any], field: str
) -> None:
    client = api(erin)
    task = claim(client, rubric)
    refused = submit(client, task["lease_id"], answer)
    assert refused.status_code == 400
    assert field in {d["field"] for d in refused.json()["error"]["details"]}


def test_not_applicable_is_allowed_only_where_the_project_allows_it(
    rubric: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    task = claim(client, rubric)
    assert submit(client, task["lease_id"], rated(4, None, na=True)).status_code == 201
    task = claim(client, rubric)
    no_na = rated(4, 4)
    no_na["ratings"]["correct"]["not_applicable"] = True
    no_na["ratings"]["correct"]["score"] = None
    refused = submit(client, task["lease_id"], no_na)
    assert refused.status_code == 400


def test_scores_are_corrected_for_a_lenient_expert_and_exported(
    rubric: Project,
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    ann, ben = make_expert("ann"), make_expert("ben")
    base = {"Question 0": 2, "Question 1": 3, "Question 2": 4}

    def answer(expert: User, task: dict[str, Any]) -> dict[str, Any]:
        score = base[task["item"]["data"]["prompt"]] + (1 if expert == ben else 0)
        return rated(score, score)

    judge_all(api, rubric, [ann, ben], answer)
    rows = export(api(alice), rubric, "rubric_scores")
    assert len(rows) == 3
    by_id = {r["item_id"]: r for r in rows}
    # The plain mean is lifted by ben's leniency; the corrected score keeps the order.
    assert by_id["q0"]["scores"]["correct"]["mean"] == 2.5
    assert by_id["q0"]["scores"]["correct"]["score"] < by_id["q2"]["scores"]["correct"]["score"]
    assert 0 <= by_id["q1"]["total"] <= 1
    raw = export(api(alice), rubric, "rubric_ratings")
    assert len(raw) == 6
    assert raw[0]["ratings"]["correct"]["justification"] == "checked the sums"


def test_the_web_form_fields_make_an_answer(
    rubric: Project, erin: User, web: Callable[[User], Client]
) -> None:
    client = web(erin)
    page = client.post(f"/work/{rubric.id}/next/")
    assert page.status_code == 200
    assert b'name="score:correct"' in page.content
    lease = erin.leases.get()
    form = {
        "idempotency_key": "form-key-123",
        "active_seconds": "30",
        "score:correct": "4",
        "why:correct": "all sums right",
        "score:style": "",
        "na:style": "1",
        "why:style": "no style to judge",
    }
    done = client.post(f"/work/task/{lease.id}/submit/", form)
    assert done.status_code == 200
    judgment = erin.judgments.get()
    assert judgment.answer["ratings"]["style"]["not_applicable"] is True
    assert judgment.active_seconds == 30
