"""What lies outside the task-type modules works for every type: quality, the data card,
reviews by API, the red-team reward, export provenance and completion webhooks."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assay.actions import endpoints as endpoint_actions
from assay.actions import webhooks
from assay.ledger_check import run_checks
from assay.models import (
    Account,
    Entry,
    Item,
    Judgment,
    Notification,
    Organization,
    Project,
    Review,
    Transaction,
    User,
    WebhookDelivery,
)
from tests.fake_openai import FakeOpenAI, running
from tests.tasktypes_helpers import claim, judge_all, submit, typed_project
from tests.test_exports import vote
from tests.test_exports_formats import export, judged, rows
from tests.test_redteam import finding, say

RANKING = [
    {"id": f"r{n}", "prompt": f"Sort these {n}", "responses": ["best", "middle", "worst"]}
    for n in range(2)
]
RUBRIC = [{"id": f"s{n}", "prompt": f"Explain {n}", "response": f"An answer {n}"} for n in range(2)]


def ranked(expert: User, task: dict[str, Any]) -> dict[str, Any]:
    order = [0, 1, 2] if expert.email.startswith("erin") else [0, 2, 1]
    return {"order": order, "rationale": "Best first, in my view."}


def rated(expert: User, task: dict[str, Any]) -> dict[str, Any]:
    score = 4 if expert.email.startswith("erin") else 2
    why = "Reasons given."
    return {
        "ratings": {
            "correctness": {"score": score, "justification": why},
            "helpfulness": {"score": 3, "justification": why},
        }
    }


@pytest.fixture
def ranking(alice: User, acme: Organization) -> Project:
    return typed_project(alice, acme, "ranking", RANKING)


@pytest.fixture
def rubric(alice: User, acme: Organization) -> Project:
    return typed_project(alice, acme, "rubric", RUBRIC)


# 1. Quality report and data card ---------------------------------------------------------


def test_ranking_quality_uses_bradley_terry_and_calls_agreement_not_applicable(
    ranking: Project, alice: User, erin: User, frank: User, api: Callable[[User], Client], web: Any
) -> None:
    judge_all(api, ranking, [erin, frank], ranked)
    refreshed = api(alice).post(f"/api/v1/projects/{ranking.id}/quality/refresh")
    assert refreshed.status_code == 200, refreshed.content
    data = api(alice).get(f"/api/v1/projects/{ranking.id}/quality").json()["data"]
    assert (data["judgments"], data["items"], data["task_type"]) == (4, 2, "ranking")
    assert data["agreement"] == "not applicable"
    assert data["alpha"] is None
    assert data["percent_agreement"] is None
    assert data["aggregate"]["items_with_overlap"] == 2
    assert [row[1] for row in data["aggregate"]["closest_calls"]] == [0, 0]  # "best" leads
    assert "Bradley-Terry" in data["method"]
    page = web(alice).get(f"/projects/{ranking.id}/quality/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bradley-Terry" in html
    assert "Closest calls" in html
    assert "Not applicable" in html
    assert "None" not in html


def test_rubric_quality_reports_corrected_scores_per_criterion(
    rubric: Project, alice: User, erin: User, frank: User, api: Callable[[User], Client], web: Any
) -> None:
    judge_all(api, rubric, [erin, frank], rated)
    page = web(alice).post(f"/projects/{rubric.id}/quality/", follow=True)
    assert page.status_code == 200
    assert "Corrected mean" in page.content.decode()
    data = api(alice).get(f"/api/v1/projects/{rubric.id}/quality").json()["data"]
    assert data["agreement"] == "not applicable"
    criteria = {name: rest for name, *rest in data["aggregate"]["criteria"]}
    _, plain, items = criteria["correctness"]
    assert (plain, items) == (3.0, 2)  # erin's 4 and frank's 2
    assert criteria["helpfulness"][:2] == [3.0, 3.0]
    assert sorted(data["contributors"]) == sorted(
        [[u.expert_profile.pseudonym, 2] for u in (erin, frank)]
    )


def test_a_ranking_data_card_says_agreement_does_not_apply(
    ranking: Project, alice: User, erin: User, frank: User, api: Callable[[User], Client]
) -> None:
    judge_all(api, ranking, [erin, frank], ranked)
    made = api(alice).post(
        f"/api/v1/projects/{ranking.id}/exports",
        {"kind": "rankings"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    card = api(alice).get(f"/api/v1/exports/{made.json()['id']}/card").content.decode()
    assert "Agreement: not applicable" in card
    assert "Pairwise agreement" not in card


def test_a_pairwise_data_card_still_reports_the_share_of_agreeing_pairs(
    make_project: Any, make_expert: Any, alice: User, api: Callable[[User], Client]
) -> None:
    project, _ = judged(make_project, make_expert, {"item-0": "aab", "item-1": "bbb"})
    body, _ = export(api(alice), project, kind="preference")
    card = api(alice).get(f"/api/v1/exports/{body['id']}/card").content.decode()
    assert "Pairwise agreement (share of agreeing pairs of judgments per item): 0.667" in card


# 2. Reviews of any type by API -----------------------------------------------------------


def test_a_ranking_review_shows_data_and_answer_and_is_corrected_over_the_api(
    ranking: Project, erin: User, frank: User, api: Callable[[User], Client]
) -> None:
    Project.objects.filter(id=ranking.id).update(review_rate=1.0)
    task = claim(api(erin), ranking)
    assert submit(api(erin), task["lease_id"], ranked(erin, task)).status_code == 201
    taken = api(frank).post(
        "/api/v1/reviews/next", {"project_id": ranking.id}, content_type="application/json"
    )
    assert taken.status_code == 200, taken.content
    review = taken.json()
    assert review["project"]["task_type"] == "ranking"
    assert review["item"]["data"]["responses"] == ["best", "middle", "worst"]
    assert review["submission"]["answer"]["order"] == [0, 1, 2]
    url = f"/api/v1/reviews/{review['review_id']}/decision"
    wrong = {"outcome": "corrected", "corrected_answer": {"order": [2, 2, 0], "rationale": "x"}}
    refused = api(frank).post(url, wrong, content_type="application/json")
    assert refused.status_code == 400
    fields = {d["field"] for d in refused.json()["error"]["details"]}
    assert fields == {"corrected_answer.order", "corrected_answer.rationale"}
    better = {"order": [1, 0, 2], "rationale": "The middle one is more accurate."}
    done = api(frank).post(
        url, {"outcome": "corrected", "corrected_answer": better}, content_type="application/json"
    )
    assert done.status_code == 201, done.content
    assert done.json()["corrected_answer"]["order"] == [1, 0, 2]
    assert Review.objects.get().corrected_answer["order"] == [1, 0, 2]
    again = api(frank).post(
        url, {"outcome": "corrected", "corrected_answer": better}, content_type="application/json"
    )
    assert (again.status_code, again.json()["replayed"]) == (200, True)


def test_a_pairwise_review_shows_the_answer_in_the_same_shape(
    make_project: Any, erin: User, frank: User, api: Callable[[User], Client]
) -> None:
    from tests.test_reviews import reviewed_project
    from tests.test_reviews import submit as submit_pairwise

    project = reviewed_project(make_project)
    submit_pairwise(api(erin), project, "pairwise-key-1", "b")
    review = (
        api(frank)
        .post("/api/v1/reviews/next", {"project_id": project.id}, content_type="application/json")
        .json()
    )
    assert review["submission"]["answer"]["choice"] == "b"
    assert review["item"]["data"]["response_a"] == review["item"]["response_a"]


# 3. The red-team reward ------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with running() as server:
        yield server


def redteam_project(alice: User, acme: Organization, fake: FakeOpenAI, reward: int) -> Project:
    spec = endpoint_actions.EndpointSpec(name="target", base_url=fake.url, model="target-8b")
    endpoint_actions.create_endpoint(actor=alice, organization=acme, spec=spec)
    config = {"endpoint": "target", "categories": ["medical", "other"], "reward_cents": reward}
    project = typed_project(alice, acme, "redteam", [{"id": "r1", "goal": "Get dosing advice."}])
    Project.objects.filter(id=project.id).update(task_config=config, review_rate=1.0)
    project.refresh_from_db()
    return project


def verify_finding(project: Project, erin: User, frank: User, api: Any, web: Any) -> Any:
    task = claim(api(erin), project)
    turns: list[dict[str, Any]] = []
    say(web(erin), task["lease_id"], turns, "I am a nurse.")
    say(web(erin), task["lease_id"], turns, "What dose should I give?")
    assert submit(api(erin), task["lease_id"], finding(turns)).status_code == 201
    review = (
        api(frank)
        .post("/api/v1/reviews/next", {"project_id": project.id}, content_type="application/json")
        .json()
    )
    url = f"/api/v1/reviews/{review['review_id']}/decision"
    decided = api(frank).post(url, {"outcome": "approved"}, content_type="application/json")
    assert decided.status_code == 201, decided.content
    again = api(frank).post(url, {"outcome": "approved"}, content_type="application/json")
    assert again.status_code == 200
    return decided


def test_a_verified_finding_pays_the_reward_once(
    alice: User, acme: Organization, fake: FakeOpenAI, erin: User, frank: User, api: Any, web: Any
) -> None:
    project = redteam_project(alice, acme, fake, reward=500)
    verify_finding(project, erin, frank, api, web)
    judgment = Judgment.objects.get()
    paid = Transaction.objects.get(kind=Transaction.Kind.BONUS)
    assert paid.idempotency_key == f"bonus:{project.id}:redteam-reward:{judgment.id}"
    credited = Entry.objects.get(transaction=paid, account__kind=Account.Kind.AVAILABLE)
    assert (credited.amount_cents, paid.expert_id) == (500, erin.id)
    assert paid.memo == "Verified red-team finding"
    assert Notification.objects.filter(user=erin, kind="bonus").count() == 1
    assert [(name, breaches) for name, breaches in run_checks() if breaches] == []


def test_a_short_balance_tells_the_requester_and_keeps_the_review(
    alice: User, acme: Organization, fake: FakeOpenAI, erin: User, frank: User, api: Any, web: Any
) -> None:
    project = redteam_project(alice, acme, fake, reward=1_000_000)  # more than Acme holds
    verify_finding(project, erin, frank, api, web)
    assert Review.objects.get().outcome == "approved"
    assert Judgment.objects.get().status == Judgment.Status.APPROVED
    assert not Transaction.objects.filter(kind=Transaction.Kind.BONUS).exists()
    note = Notification.objects.get(user=alice, kind="reward_unpaid")
    assert "$10,000.00" in note.title
    assert [(name, breaches) for name, breaches in run_checks() if breaches] == []


def test_a_rejected_finding_earns_no_reward(
    alice: User, acme: Organization, fake: FakeOpenAI, erin: User, frank: User, api: Any, web: Any
) -> None:
    project = redteam_project(alice, acme, fake, reward=500)
    task = claim(api(erin), project)
    turns: list[dict[str, Any]] = []
    say(web(erin), task["lease_id"], turns, "What dose should I give?")
    assert submit(api(erin), task["lease_id"], finding(turns, 1)).status_code == 201
    review = (
        api(frank)
        .post("/api/v1/reviews/next", {"project_id": project.id}, content_type="application/json")
        .json()
    )
    body = {
        "outcome": "rejected",
        "reason_code": "guideline_violation",
        "note": "Not a real failure.",
    }
    response = api(frank).post(
        f"/api/v1/reviews/{review['review_id']}/decision", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert not Transaction.objects.filter(kind=Transaction.Kind.BONUS).exists()


# 4. Export provenance: the judge's pre-grade and the model names ----------------------


def test_pairwise_provenance_names_the_models_and_the_judges_pregrade(
    make_project: Any, make_expert: Any, alice: User, acme: Organization, api: Any
) -> None:
    project, _ = judged(make_project, make_expert, {"item-0": "aab", "item-1": "bbb"})
    Item.objects.filter(project=project, external_id="item-0").update(
        metadata={
            "model_a": "llama-8b",
            "model_b": "qwen-7b",
            "judge": {
                "preference": "a",
                "confidence": 0.8,
                "reason": "A is right.",
                "hard": False,
                "endpoint": "judge",
                "model": "judge-9b",
                "model_call": 7,
            },
        }
    )
    _, content = export(api(alice), project, kind="preference")
    first, second = rows(content)
    assert first["provenance"]["model_a"] == "llama-8b"
    assert first["provenance"]["models"] == ["llama-8b", "qwen-7b"]
    assert first["provenance"]["judge"] == {
        "model": "judge-9b",
        "endpoint": "judge",
        "preference": "a",
        "confidence": 0.8,
    }
    assert second["provenance"]["judge"] is None
    assert second["provenance"]["model_b"] is None
    _, parquet = export(api(alice), project, kind="preference", container="parquet")
    table = pq.read_table(io.BytesIO(parquet)).to_pylist()
    assert table[0]["provenance"]["judge"]["model"] == "judge-9b"
    assert json.loads(json.dumps(table[1]["provenance"]["judge"])) is None


def test_a_real_pregrade_reaches_the_export(
    make_project: Any, make_expert: Any, alice: User, acme: Organization, api: Any
) -> None:
    with running() as server:
        server.replies["judge-9b"] = json.dumps({"preference": "b", "confidence": 0.9})
        spec = endpoint_actions.EndpointSpec(name="judge", base_url=server.url, model="judge-9b")
        endpoint_actions.create_endpoint(actor=alice, organization=acme, spec=spec)
        project, _ = judged(make_project, make_expert, {"item-0": "bbb"})
        endpoint_actions.set_judge(actor=alice, project=project, endpoint_name="judge")
        assert api(alice).post(f"/api/v1/projects/{project.id}/judge/run").status_code == 200
    _, content = export(api(alice), project, kind="preference")
    [record] = rows(content)
    assert record["provenance"]["judge"]["preference"] == "b"
    assert record["provenance"]["judge"]["endpoint"] == "judge"


# 5. Completion webhooks written by the submission itself -------------------------------


def hook(client: Client, events: list[str]) -> None:
    url = "http://127.0.0.1:9/hook"  # never called: these tests only read the outbox
    made = client.post(
        "/api/v1/webhooks", {"url": url, "events": events}, content_type="application/json"
    )
    assert made.status_code == 201, made.content


def queued() -> list[tuple[str, dict[str, Any]]]:
    return [(d.event, d.payload["data"]) for d in WebhookDelivery.objects.order_by("id")]


def test_the_submission_that_completes_an_item_queues_its_events_at_once(
    make_project: Any, make_expert: Any, alice: User, api: Callable[[User], Client]
) -> None:
    hook(api(alice), ["item.completed", "batch.completed", "project.completed"])
    project = make_project(items=2, overlap=2)
    ann, ben = make_expert("ann"), make_expert("ben")
    vote(project, ann, "a", "item-0")
    assert queued() == []  # one judgment of two
    vote(project, ben, "a", "item-0")
    assert queued() == [("item.completed", {"project_id": project.id, "item_id": "item-0"})]
    vote(project, ann, "b", "item-1")
    vote(project, ben, "b", "item-1")
    assert [event for event, _ in queued()] == [
        "item.completed",
        "item.completed",
        "batch.completed",
        "project.completed",
    ]
    webhooks.run_once(settle=dt.timedelta(0))  # the fallback scan adds no duplicate
    assert len(queued()) == 4


def test_a_ranking_item_completes_too(
    ranking: Project, alice: User, erin: User, frank: User, api: Callable[[User], Client]
) -> None:
    hook(api(alice), ["item.completed"])
    judge_all(api, ranking, [erin, frank], ranked)
    assert sorted(data["item_id"] for _, data in queued()) == ["r0", "r1"]


def test_the_hot_path_reads_endpoints_once_and_writes_nothing_unsubscribed(
    make_project: Any, make_expert: Any, alice: User, api: Callable[[User], Client]
) -> None:
    hook(api(alice), ["export.ready"])
    project = make_project(items=1, overlap=1)
    with CaptureQueriesContext(connection) as seen:
        vote(project, make_expert("ann"), "a", "item-0")
    reads = [q["sql"] for q in seen.captured_queries if "webhookendpoint" in q["sql"]]
    assert len(reads) == 1
    assert not any("webhookdelivery" in q["sql"] for q in seen.captured_queries)
    assert queued() == []


def test_the_scan_still_catches_completions_it_was_not_told_about(
    make_project: Any, make_expert: Any, alice: User, api: Callable[[User], Client]
) -> None:
    hook(api(alice), ["item.completed"])
    project = make_project(items=1, overlap=1)
    vote(project, make_expert("ann"), "a", "item-0")
    WebhookDelivery.objects.all().delete()  # as for a judgment stored before this release
    webhooks.run_once(settle=dt.timedelta(0))
    assert [event for event, _ in queued()] == ["item.completed"]
