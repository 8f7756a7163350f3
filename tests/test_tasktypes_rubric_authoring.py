"""Rubric authoring: items, criteria checks, the web form, review by a second expert, export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay.models import ExportRecord, Judgment, Organization, Project, Review, User
from assay.tasktypes._actions import config_problems
from assay.tasktypes.rubric_authoring import normalized
from tests.conftest import jsonl
from tests.tasktypes_helpers import claim, export, submit, typed_project, upload_via_api

ROWS = [
    {"id": "p1", "prompt": "Is $\\sum 1/n$ finite?", "samples": ["No, it diverges.", "Yes, 2."]},
    {"id": "p2", "prompt": "Name a prime above 10."},
]


def criterion(text: str, weight: Any = 5, kind: str = "must", check: str = "read it") -> Any:
    return {"text": text, "weight": weight, "type": kind, "check": check}


def rubric(*texts: str) -> dict[str, Any]:
    texts = texts or ("Says it diverges", "Gives a reason", "Does not give a number")
    kinds = ["must", "should", "must-not"]
    return {"criteria": [criterion(t, kind=kinds[n % 3]) for n, t in enumerate(texts)]}


@pytest.fixture
def authoring(alice: User, acme: Organization) -> Project:
    return typed_project(alice, acme, "rubric_authoring", ROWS)


def fields(response: Any) -> set[str]:
    assert response.status_code == 400, response.content
    return {d["field"] for d in response.json()["error"]["details"]}


def test_the_type_needs_no_settings_and_lists_its_schemas(
    alice: User, api: Callable[[User], Client]
) -> None:
    assert config_problems("rubric_authoring", {}) == {}
    assert config_problems("rubric_authoring", {"criteria": []})
    types = api(alice).get("/api/v1/projects/task-types").json()
    found = next(t for t in types if t["code"] == "rubric_authoring")
    assert "samples" in str(found)


def test_an_expert_sees_the_prompt_and_samples_and_submits_a_rubric(
    authoring: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    task = claim(client, authoring)
    assert task["item"]["data"]["prompt"].startswith(("Is ", "Name "))
    done = submit(client, task["lease_id"], rubric())
    assert done.status_code == 201, done.content
    judgment = Judgment.objects.get(expert=erin)
    assert judgment.answer["criteria"][2]["type"] == "must-not"
    assert "Gives a reason" in judgment.rationale


def test_upload_is_rejected_whole_with_line_numbers(
    alice: User, acme: Organization, api: Callable[[User], Client]
) -> None:
    project = typed_project(alice, acme, "rubric_authoring", ROWS[:1])
    bad = [
        {"id": "ok", "prompt": "fine", "samples": ["a"]},
        {"id": "empty", "prompt": ""},
        {"id": "many", "prompt": "p", "samples": ["s"] * 10},
        {"id": "typo", "prompt": "p", "sample": ["s"]},
        {"id": "kind", "prompt": "p", "samples": "not a list"},
    ]
    response = upload_via_api(api(alice), project, jsonl(bad))
    assert response.status_code == 400
    assert {d["line"] for d in response.json()["error"]["details"]} == {2, 3, 4, 5}
    assert project.items.count() == 1  # nothing from the bad file


def test_normalized_criteria_ignore_case_accents_punctuation_and_spacing() -> None:
    assert normalized("  Cites the SOURCE, café!") == normalized("cites the source cafe")
    assert normalized("a") != normalized("b")


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (rubric("one", "two"), "criteria"),
        ({"criteria": [criterion(f"c{n}") for n in range(21)]}, "criteria"),
        (rubric("Gives the answer", "gives the ANSWER.", "third"), "criteria.1.text"),
        ({"criteria": [*rubric()["criteria"][:2], criterion("x", weight=0)]}, "criteria.2.weight"),
        ({"criteria": [*rubric()["criteria"][:2], criterion("x", weight=11)]}, "criteria.2.weight"),
        (
            {"criteria": [*rubric()["criteria"][:2], criterion("x", weight="5")]},
            "criteria.2.weight",
        ),
        (
            {"criteria": [*rubric()["criteria"][:2], criterion("x", weight=2.5)]},
            "criteria.2.weight",
        ),
        ({"criteria": [*rubric()["criteria"][:2], criterion("x", kind="nice")]}, "criteria.2.type"),
        ({"criteria": [*rubric()["criteria"][:2], criterion("x", check="")]}, "criteria.2.check"),
        ({"criteria": [*rubric()["criteria"][:2], criterion("...")]}, "criteria.2.text"),
        ({**rubric(), "extra": 1}, "extra"),
    ],
)
def test_bad_rubrics_are_refused_naming_the_field(
    authoring: Project, erin: User, api: Callable[[User], Client], answer: Any, field: str
) -> None:
    client = api(erin)
    task = claim(client, authoring)
    assert field in fields(submit(client, task["lease_id"], answer))
    assert not Judgment.objects.filter(expert=erin).exists()


def test_the_web_form_keeps_filled_rows_and_skips_empty_ones(
    authoring: Project, erin: User, web: Callable[[User], Client]
) -> None:
    client = web(erin)
    page = client.post(f"/work/{authoring.id}/next/")
    assert page.status_code == 200
    assert b'name="text:20"' in page.content
    assert b"More criteria" in page.content
    lease = erin.leases.get()
    form = {"idempotency_key": "form-key-ra1", "active_seconds": "12", "notes": "tight"}
    for n, text in enumerate(["Names a prime", "Prime is above 10", "Explains why"], start=1):
        form |= {f"text:{n}": text, f"weight:{n}": str(n), f"type:{n}": "must"}
        form[f"check:{n}"] = "look at the number"
    form |= {"text:7": "", "check:7": "", "weight:7": "5", "type:7": "should"}
    done = client.post(f"/work/task/{lease.id}/submit/", form)
    assert done.status_code == 200
    judgment = erin.judgments.get()
    assert [c["weight"] for c in judgment.answer["criteria"]] == [1, 2, 3]
    assert judgment.answer["notes"] == "tight"


def test_a_form_with_too_few_criteria_comes_back_with_the_error(
    authoring: Project, erin: User, web: Callable[[User], Client]
) -> None:
    client = web(erin)
    client.post(f"/work/{authoring.id}/next/")
    lease = erin.leases.get()
    form = {"idempotency_key": "form-key-ra2", "text:1": "Only one", "check:1": "look at it"}
    form |= {"weight:1": "5", "type:1": "must"}
    again = client.post(f"/work/task/{lease.id}/submit/", form)
    assert b"criteria" in again.content
    assert not erin.judgments.exists()


def reviewed(authoring: Project) -> Project:
    Project.objects.filter(id=authoring.id).update(review_rate=1.0, review_pay_cents=60)
    authoring.refresh_from_db()
    return authoring


def test_a_second_expert_validates_the_rubric_on_the_review_page_and_corrects_it(
    authoring: Project,
    erin: User,
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    project = reviewed(authoring)
    client = api(erin)
    task = claim(client, project)
    assert submit(client, task["lease_id"], rubric()).status_code == 201
    frank = make_expert("reviewer")
    page = web(frank).get(f"/review/{project.id}/")
    assert page.status_code == 200
    assert b"The rubric under review" in page.content
    assert b"Does not give a number" in page.content
    assert b"Sample 1" in page.content or b"no sample responses" in page.content
    review = Review.objects.get(project=project)
    url = f"/api/v1/reviews/{review.id}/decision"
    bad = {"outcome": "corrected", "corrected_answer": rubric("same", "Same!", "other")}
    refused = api(frank).post(url, bad, content_type="application/json")
    assert "corrected_answer.criteria.1.text" in fields(refused)
    fixed = rubric("Says it diverges", "Compares with the integral of 1/x", "No finite number")
    good = {"outcome": "corrected", "corrected_answer": fixed}
    done = api(frank).post(url, good, content_type="application/json")
    assert done.status_code == 201, done.content
    review.refresh_from_db()
    assert review.corrected_answer["criteria"][1]["text"] == "Compares with the integral of 1/x"


def test_the_grading_export_takes_the_reviewed_rubric_else_every_rubric(
    authoring: Project,
    erin: User,
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    project = reviewed(authoring)
    ann = make_expert("ann")
    for expert, texts in ((erin, ("a one", "a two", "a three")), (ann, ("b one", "b two", "b3"))):
        client = api(expert)
        for _ in range(2):
            task = claim(client, project)
            assert submit(client, task["lease_id"], rubric(*texts)).status_code == 201
    # A reviewer approves the first rubric sent to review; the other item stays unreviewed.
    reviewer = api(make_expert("rev"))
    taken = reviewer.post(
        "/api/v1/reviews/next", {"project_id": project.id}, content_type="application/json"
    ).json()
    url = f"/api/v1/reviews/{taken['review_id']}/decision"
    assert (
        reviewer.post(url, {"outcome": "approved"}, content_type="application/json").status_code
        == 201
    )
    review = Review.objects.get(id=taken["review_id"])
    approved = review.judgment.item.external_id
    other = "p2" if approved == "p1" else "p1"
    texts = review.judgment.answer["criteria"]

    rows = export(api(alice), project, "grading_rubrics")
    by_item: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_item.setdefault(row["item_id"], []).append(row)
    assert len(by_item[approved]) == 1
    first = by_item[approved][0]
    assert first["review"] == "approved"
    assert first["criteria"] == texts
    assert first["criteria"][0] == {
        "text": "a one",
        "weight": 5,
        "type": "must",
        "check": "read it",
    }
    assert first["max_score"] == 10  # the must-not is a penalty, not points
    assert first["prompt"] == next(r["prompt"] for r in ROWS if r["id"] == approved)
    assert len(by_item[other]) == 2
    assert {r["review"] for r in by_item[other]} == {None}
    assert ExportRecord.objects.get(kind="grading_rubrics").record_count == len(rows) == 3
    raw = export(api(alice), project, "rubric_drafts")
    assert len(raw) == 4
    assert {r["item_id"] for r in raw} == {"p1", "p2"}
