"""Stump the model: ask the project's models live, then submit a question they fail."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from assay.actions import endpoints as endpoint_actions
from assay.models import Judgment, ModelCall, Organization, Project, User
from tests.fake_openai import FakeOpenAI, running
from tests.tasktypes_helpers import claim, submit, typed_project

QUESTION = "Which clause survives termination of a standard NDA?"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with running() as server:
        yield server


@pytest.fixture
def stump(alice: User, acme: Organization, fake: FakeOpenAI) -> Project:
    for name in ("m1", "m2"):
        spec = endpoint_actions.EndpointSpec(name=name, base_url=fake.url, model=f"{name}-7b")
        endpoint_actions.create_endpoint(actor=alice, organization=acme, spec=spec)
    rows = [{"id": "s1", "brief": "A contract-law question."}]
    return typed_project(alice, acme, "stump", rows, config={"endpoints": ["m1", "m2"]})


def ask(client: Client, lease_id: int, endpoint: str, question: str = QUESTION) -> dict[str, Any]:
    response = client.post(
        f"/work/task/{lease_id}/model/",
        {"endpoint": endpoint, "messages": json.dumps([{"role": "user", "content": question}])},
    )
    assert response.status_code == 200
    said, trailer = b"".join(response.streaming_content).decode().split("\x00")  # type: ignore[attr-defined]
    return {"endpoint": endpoint, "text": said, **json.loads(trailer)}


def answer(models: list[dict[str, Any]], misses: list[int]) -> dict[str, Any]:
    return {
        "question": QUESTION,
        "reference_answer": "Confidentiality, for the survival period.",
        "rubric": ["names the confidentiality clause", "mentions the survival period"],
        "model_answers": [
            {
                "endpoint": m["endpoint"],
                "call_id": m["call_id"],
                "text": m["text"],
                "misses": misses,
            }
            for m in models
        ],
    }


def test_a_question_both_models_fail_is_accepted(
    stump: Project, erin: User, api: Callable[[User], Client], web: Callable[[User], Client]
) -> None:
    task = claim(api(erin), stump)
    models = [ask(web(erin), task["lease_id"], name) for name in ("m1", "m2")]
    assert models[0]["text"].startswith("m1-7b says")
    assert ModelCall.objects.filter(purpose="stump", expert=erin).count() == 2
    response = submit(api(erin), task["lease_id"], answer(models, [1]))
    assert response.status_code in (200, 201), response.content
    assert Judgment.objects.get().answer["model_answers"][0]["misses"] == [1]


def test_invented_or_passing_answers_are_refused(
    stump: Project, erin: User, api: Callable[[User], Client], web: Callable[[User], Client]
) -> None:
    task = claim(api(erin), stump)
    models = [ask(web(erin), task["lease_id"], name) for name in ("m1", "m2")]
    forged = [dict(models[0], text="a wrong answer I made up"), models[1]]
    response = submit(api(erin), task["lease_id"], answer(forged, [0]))
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"model_answers.0"}
    passing = submit(api(erin), task["lease_id"], answer(models, []))
    assert "must miss at least one" in passing.content.decode()
    one = submit(api(erin), task["lease_id"], answer(models[:1], [0]))
    assert "ask each model once" in one.content.decode()


def test_a_failing_model_keeps_the_draft_and_charges_nothing(
    stump: Project, erin: User, api: Any, web: Any, fake: FakeOpenAI
) -> None:
    task = claim(api(erin), stump)
    fake.modes = ["400"]
    response = web(erin).post(
        f"/work/task/{task['lease_id']}/model/",
        {"endpoint": "m1", "messages": json.dumps([{"role": "user", "content": QUESTION}])},
    )
    said, trailer = b"".join(response.streaming_content).decode().split("\x00")
    assert said == ""
    assert "Your draft is kept" in json.loads(trailer)["error"]
    assert Judgment.objects.count() == 0


def test_only_the_lease_holder_may_ask_and_only_the_projects_models(
    stump: Project, erin: User, frank: User, api: Any, web: Any
) -> None:
    task = claim(api(erin), stump)
    body = {"endpoint": "m1", "messages": json.dumps([{"role": "user", "content": "hi"}])}
    assert web(frank).post(f"/work/task/{task['lease_id']}/model/", body).status_code == 404
    other = dict(body, endpoint="not-in-project")
    assert web(erin).post(f"/work/task/{task['lease_id']}/model/", other).status_code == 404
