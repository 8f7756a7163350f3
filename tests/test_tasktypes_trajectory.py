"""Agent trajectory evaluation: traces, step labels, aggregation, exports, safe rendering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay.models import Organization, Project, User
from assay.tasktypes.trajectory import TrajectoryAnswer, aggregate
from tests.conftest import jsonl
from tests.tasktypes_helpers import claim, export, judge_all, submit, typed_project, upload_via_api

STEPS: list[dict[str, Any]] = [
    {"type": "message", "role": "user", "content": "What is the weather in Oslo?"},
    {"type": "tool_call", "name": "weather", "arguments": {"city": "Oslo"}},
    {"type": "tool_result", "name": "weather", "content": {"temp_c": 4}, "is_error": False},
    {"type": "message", "role": "assistant", "content": "It is 40 degrees in Oslo."},
]
ROWS: list[dict[str, Any]] = [
    {"id": f"t{n}", "task": f"Weather question {n}", "steps": STEPS} for n in range(2)
]


def evaluated(
    first: int | None = 3, labels: list[Any] | None = None, outcome: int = 2
) -> dict[str, Any]:
    return {
        "first_wrong_step": first,
        "labels": labels or ["correct", "correct", "correct", "incorrect"],
        "outcome": outcome,
        "rationale": "The answer misreads the tool's 4 degrees.",
    }


@pytest.fixture
def trajectory(alice: User, acme: Organization) -> Project:
    return typed_project(alice, acme, "trajectory", ROWS)


def test_an_expert_labels_the_steps_and_scores_the_outcome(
    trajectory: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    task = claim(client, trajectory)
    assert task["task_type"] == "trajectory"
    assert task["item"]["data"]["steps"][1]["arguments"] == {"city": "Oslo"}
    done = submit(client, task["lease_id"], evaluated())
    assert done.status_code == 201, done.content
    assert done.json()["answer"]["first_wrong_step"] == 3
    task = claim(client, trajectory)
    fine = evaluated(None, ["correct"] * 3 + ["unnecessary"], outcome=5)
    assert submit(client, task["lease_id"], fine).status_code == 201


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (evaluated(first=4), "first_wrong_step"),
        (evaluated(first=-1), "first_wrong_step"),
        (evaluated(labels=["correct", "correct", "incorrect"]), "labels"),
        (evaluated(labels=["correct", None, "correct", "incorrect"]), "labels.1"),
        (evaluated(labels=["correct", "maybe", "correct", "incorrect"]), "labels.1"),
        (evaluated(labels=["incorrect", "correct", "correct", "incorrect"]), "labels.0"),
        (evaluated(first=2), "labels.2"),  # the first wrong step labelled correct
        (evaluated(None), "labels.3"),  # none wrong, yet a step is incorrect
        (evaluated(outcome=6), "outcome"),
        ({k: v for k, v in evaluated().items() if k != "first_wrong_step"}, "first_wrong_step"),
        ({**evaluated(), "rationale": "short"}, "rationale"),
    ],
)
def test_bad_evaluations_are_refused_naming_the_field(
    trajectory: Project,
    erin: User,
    api: Callable[[User], Client],
    answer: dict[str, Any],
    field: str,
) -> None:
    client = api(erin)
    task = claim(client, trajectory)
    refused = submit(client, task["lease_id"], answer)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_judgment"
    assert field in {d["field"] for d in refused.json()["error"]["details"]}


def test_a_malformed_trace_is_refused_whole_with_line_numbers(
    trajectory: Project, alice: User, api: Callable[[User], Client]
) -> None:
    call = {"type": "tool_call", "name": "search", "arguments": {"q": "x"}}
    bad: list[dict[str, Any]] = [
        {"id": "ok", "steps": [call]},
        {"id": "empty", "steps": []},
        {"id": "kind", "steps": [{"type": "thought", "content": "hmm"}]},
        {"id": "role", "steps": [{"type": "message", "role": "robot", "content": "hi"}]},
        {"id": "noname", "steps": [{"type": "tool_call", "arguments": {}}]},
        {"id": "nocontent", "steps": [{"type": "tool_result", "is_error": True}]},
        {"id": "extra", "steps": [{**call, "latency": 3}]},
    ]
    response = upload_via_api(api(alice), trajectory, jsonl(bad))
    assert response.status_code == 400
    assert {d["line"] for d in response.json()["error"]["details"]} == {2, 3, 4, 5, 6, 7}
    assert trajectory.items.count() == len(ROWS)


def test_aggregation_takes_the_median_first_wrong_step_and_majority_labels() -> None:
    def answer(first: int | None, labels: list[Any], outcome: int) -> TrajectoryAnswer:
        return TrajectoryAnswer(
            first_wrong_step=first, labels=labels, outcome=outcome, rationale="x"
        )

    answers = [
        answer(1, ["correct", "incorrect", "incorrect"], 2),
        answer(2, ["correct", "unclear", "incorrect"], 3),
        answer(None, ["correct", "unnecessary", "unclear"], 5),
    ]
    result = aggregate(3, answers)
    assert result["first_wrong_step"] == 2
    assert result["first_wrong_votes"] == [1, 2, None]
    # Step 1 is a three-way tie: the most severe label wins.
    assert result["labels"] == ["correct", "incorrect", "incorrect"]
    assert result["label_votes"][1] == {"incorrect": 1, "unnecessary": 1, "unclear": 1}
    assert result["outcome_mean"] == pytest.approx(10 / 3, abs=1e-4)
    none = aggregate(3, [answer(None, ["correct"] * 3, 5), answer(2, ["correct"] * 3, 4)])
    assert none["first_wrong_step"] == 2  # lower median of (2, past the end)
    assert aggregate(3, [answers[2]])["first_wrong_step"] is None


def test_labels_export_per_item_and_per_judgment_in_jsonl_and_parquet(
    trajectory: Project,
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    ann, ben = make_expert("ann"), make_expert("ben")
    judge_all(api, trajectory, [ann, ben], lambda e, t: evaluated(outcome=2 if e == ann else 3))
    client = api(alice)
    rows = export(client, trajectory, "trajectory_labels")
    assert len(rows) == 2
    assert rows[0]["first_wrong_step"] == 3
    assert rows[0]["labels"] == ["correct", "correct", "correct", "incorrect"]
    assert rows[0]["outcome_mean"] == 2.5
    assert rows[0]["steps"][2]["content"] == {"temp_c": 4}
    assert rows[0]["judgments"] == 2
    raw = export(client, trajectory, "trajectory_judgments")
    assert len(raw) == 4
    assert {r["outcome"] for r in raw} == {2, 3}
    assert all(r["first_wrong_step"] == 3 and "expert" in r for r in raw)
    for kind in ("trajectory_labels", "trajectory_judgments"):
        made = client.post(
            f"/api/v1/projects/{trajectory.id}/exports",
            {"kind": kind, "container": "parquet"},
            content_type="application/json",
        )
        assert made.status_code == 201, made.content


def test_the_web_form_submits_and_untrusted_trace_text_never_becomes_markup(
    alice: User, acme: Organization, erin: User, web: Callable[[User], Client]
) -> None:
    hostile: list[dict[str, Any]] = [
        {"type": "message", "role": "user", "content": "Hi <img src=x onerror=alert(1)>"},
        {"type": "tool_call", "name": "fetch</code><script>", "arguments": {"u": "</pre>"}},
        {"type": "tool_result", "content": "<script>alert('pwned')</script>", "is_error": True},
    ]
    project = typed_project(alice, acme, "trajectory", [{"id": "h", "steps": hostile}])
    client = web(erin)
    page = client.post(f"/work/{project.id}/next/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>alert('pwned')" not in html
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "fetch</code><script>" not in html
    assert 'name="label:2"' in html
    lease = erin.leases.get()
    form = {
        "idempotency_key": "form-key-trajectory",
        "active_seconds": "31",
        "label:0": "correct",
        "label:1": "incorrect",
        "label:2": "unclear",
        "first_wrong": "1",
        "outcome": "1",
        "rationale": "It fetched a malicious page.",
    }
    done = client.post(f"/work/task/{lease.id}/submit/", form)
    assert done.status_code == 200
    judgment = erin.judgments.get()
    assert judgment.answer == {
        "first_wrong_step": 1,
        "labels": ["correct", "incorrect", "unclear"],
        "outcome": 1,
        "rationale": "It fetched a malicious page.",
    }
    assert judgment.active_seconds == 31


def test_the_web_form_asks_for_the_first_wrong_step_to_be_chosen(
    trajectory: Project, erin: User, web: Callable[[User], Client]
) -> None:
    client = web(erin)
    client.post(f"/work/{trajectory.id}/next/")
    lease = erin.leases.get()
    form = {
        "idempotency_key": "form-key-unsaid",
        **{f"label:{n}": "correct" for n in range(4)},
        "outcome": "5",
        "rationale": "Everything went fine here.",
    }
    page = client.post(f"/work/task/{lease.id}/submit/", form)
    assert b"first_wrong_step" in page.content
    assert not erin.judgments.exists()
    form["first_wrong"] = "none"
    client.post(f"/work/task/{lease.id}/submit/", form)
    assert erin.judgments.get().answer["first_wrong_step"] is None
