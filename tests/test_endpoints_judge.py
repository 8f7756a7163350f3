"""AI pre-grading: a judge model's advice is stored, shown to reviewers, never a judgment."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from assay.actions import endpoints as endpoint_actions
from assay.endpoints import judging
from assay.models import Item, Judgment, ModelCall, Organization, Project, User
from tests.fake_openai import FakeOpenAI, running
from tests.test_reviews import reviewed_project, submit

VERDICT = {"preference": "b", "confidence": 0.55, "reason": "B shows its working."}


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with running() as server:
        server.replies["judge-9b"] = "Here you go: " + json.dumps(VERDICT)
        yield server


@pytest.fixture
def judged(
    alice: User, acme: Organization, fake: FakeOpenAI, make_project: Callable[..., Project]
) -> Project:
    spec = endpoint_actions.EndpointSpec(name="judge", base_url=fake.url, model="judge-9b")
    endpoint_actions.create_endpoint(actor=alice, organization=acme, spec=spec)
    project = reviewed_project(make_project)
    endpoint_actions.set_judge(
        actor=alice, project=project, endpoint_name="judge", instructions="Prefer correct maths."
    )
    return project


def test_reading_the_judges_reply() -> None:
    assert judging.read('{"preference": "A", "confidence": 0.9}') == judging.Pregrade("a", 0.9, "")
    assert judging.read('{"preference": "tie", "confidence": 1}').hard  # type: ignore[union-attr]
    for bad in ("A is better", '{"preference": "c", "confidence": 0.5}', '{"preference": "a"}'):
        assert judging.read(bad) is None
    assert judging.read('{"preference": "a", "confidence": 3}') is None


def test_the_api_pregrades_items_and_records_each_call(
    alice: User, judged: Project, api: Callable[[User], Client], fake: FakeOpenAI
) -> None:
    report = api(alice).post(f"/api/v1/projects/{judged.id}/judge/run?limit=3").json()
    assert report == {"graded": 3, "failed": 0, "remaining": 1, "failures": []}
    item = Item.objects.get(project=judged, external_id="item-0")
    grade = item.metadata["judge"]
    assert (grade["preference"], grade["confidence"], grade["hard"]) == ("b", 0.55, True)
    assert grade["model"] == "judge-9b"
    call = ModelCall.objects.get(id=grade["model_call"])
    assert (call.purpose, call.item_id) == ("judge", item.id)
    sent = fake.chat_requests()[0]["messages"]
    assert "Prefer correct maths." in sent[0]["content"]
    assert "Response A" in sent[1]["content"]
    assert Judgment.objects.count() == 0


def test_a_failing_or_rambling_judge_grades_nothing(
    alice: User, judged: Project, api: Any, fake: FakeOpenAI
) -> None:
    fake.modes = ["400"]
    fake.replies["judge-9b"] = "I think B."
    report = api(alice).post(f"/api/v1/projects/{judged.id}/judge/run?limit=2").json()
    assert report["graded"] == 0
    assert "rejected the request" in report["failures"][0]["message"]
    assert report["failures"][1]["message"] == "the judge's reply held no grade"
    assert not Item.objects.filter(metadata__has_key="judge").exists()


def test_reviewers_see_the_pregrade_and_experts_do_not(
    alice: User,
    erin: User,
    frank: User,
    judged: Project,
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    endpoint_actions.pregrade(project=judged, limit=10)
    task_page = web(erin).get(f"/work/{judged.id}/").content.decode()
    assert "AI pre-grade" not in task_page
    judgment = submit(api(erin), judged, "judge-key-1", choice="a")
    page = web(frank).get(f"/review/{judged.id}/").content.decode()
    assert "AI pre-grade" in page
    assert "prefers B" in page
    assert "B shows its working." in page
    judgment.refresh_from_db()
    assert judgment.choice == "a"


def test_setting_a_judge_needs_an_enabled_endpoint_of_the_organization(
    alice: User, charlie: User, judged: Project, api: Any
) -> None:
    url = f"/api/v1/projects/{judged.id}/judge"
    missing = api(alice).put(url, {"endpoint": "nope"}, content_type="application/json")
    assert missing.json()["error"]["code"] == "endpoint_not_found"
    assert (
        api(charlie).put(url, {"endpoint": "judge"}, content_type="application/json").status_code
        == 404
    )
    assert api(alice).delete(url).status_code == 204
    again = api(alice).post(f"/api/v1/projects/{judged.id}/judge/run").json()
    assert again["error"]["code"] == "no_judge"
