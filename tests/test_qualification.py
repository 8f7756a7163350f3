"""Paid qualification tests: authoring, taking, grading, retakes, review, and skills."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay import clock
from assay.actions.accounts import create_operator
from assay.models import Attempt, Earning, QualificationTest, Skill, User
from tests.conftest import PASSWORD

SPEC: dict[str, Any] = {
    "title": "Contract law basics",
    "domain": "law",
    "estimated_minutes": 10,
    "pass_mark": 60,
    "cooldown_days": 7,
    "max_attempts": 2,
    "questions": [
        {
            "kind": "choice",
            "category": "Formation",
            "prompt": "Required element?",
            "options": ["Consideration", "A notary"],
            "answer": "0",
        },
        {
            "kind": "pairwise",
            "category": "Drafting",
            "prompt": "Better clause?",
            "response_a": "Clear clause",
            "response_b": "Vague clause",
            "answer": "a",
        },
        {
            "kind": "choice",
            "category": "Formation",
            "prompt": "Offer ends by?",
            "options": ["Rejection", "Silence"],
            "answer": "0",
        },
    ],
}
FREE_TEXT = {
    "kind": "free_text",
    "category": "Reasoning",
    "prompt": "Explain estoppel.",
    "rubric": "Names reliance and detriment.",
    "points": 2,
}


@pytest.fixture
def operator(db: None) -> User:
    return create_operator(email="ops@assay.test", password=PASSWORD)


def author(client: Client, spec: dict[str, Any], project_id: int | None = None) -> Any:
    body = {"spec": spec, "project_id": project_id}
    return client.post("/api/v1/qualifications", body, content_type="application/json")


@pytest.fixture
def test(operator: User, api: Callable[[User], Client]) -> QualificationTest:
    response = author(api(operator), SPEC)
    assert response.status_code == 201, response.json()
    return QualificationTest.objects.get(id=response.json()["id"])


def start(client: Client, test: QualificationTest) -> dict[str, Any]:
    response = client.post(f"/api/v1/qualifications/{test.id}/attempts")
    assert response.status_code == 201, response.json()
    return response.json()  # type: ignore[no-any-return]


def submit(client: Client, attempt: dict[str, Any], values: list[str]) -> Any:
    answers = {q["id"]: v for q, v in zip(attempt["questions"], values, strict=True)}
    return client.post(
        f"/api/v1/attempts/{attempt['id']}/submit",
        {"answers": answers},
        content_type="application/json",
    )


def test_pay_defaults_to_the_floor_and_is_shown_before_starting(
    test: QualificationTest, erin: User, api: Callable[[User], Client]
) -> None:
    [listed] = api(erin).get("/api/v1/qualifications").json()
    assert listed["pay_cents"] == 200  # 12.00 an hour for 10 minutes
    assert listed["hourly_rate_cents"] == 1200
    assert listed["can_start"] is True


def test_passing_grants_a_skill_and_records_pay(
    test: QualificationTest, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    attempt = start(client, test)
    assert "answer" not in attempt["questions"][0]
    result = submit(client, attempt, ["0", "a", "1"]).json()
    assert (result["score"], result["passed"], result["pay_cents"]) == (66, True, 200)
    assert result["by_category"] == {"Formation": [1, 2], "Drafting": [1, 1]}
    assert result["answer_key_shown"] is False  # attempts remain for a later renewal
    skill = Skill.objects.get(expert=erin)
    assert (skill.domain.slug, skill.score) == ("law", 66)
    assert Earning.objects.get(expert=erin).amount_cents == 200
    again = client.post(f"/api/v1/qualifications/{test.id}/attempts")
    assert again.json()["error"]["code"] == "already_passed"


def test_failing_is_paid_hides_the_key_and_enforces_the_cooldown(
    test: QualificationTest, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    result = submit(client, start(client, test), ["1", "b", "1"]).json()
    assert (result["passed"], result["pay_cents"], result["answer_key"]) == (False, 200, None)
    blocked = client.post(f"/api/v1/qualifications/{test.id}/attempts")
    assert blocked.status_code == 409
    assert blocked.json()["error"]["code"] == "cooldown"
    with clock.frozen(clock.now() + dt.timedelta(days=8)):
        second = submit(client, start(client, test), ["1", "b", "1"]).json()
        assert second["answer_key_shown"] is True  # no retakes left
        final = client.post(f"/api/v1/qualifications/{test.id}/attempts")
        assert final.json()["error"]["code"] == "no_attempts_left"
    assert Earning.objects.filter(expert=erin).count() == 2


def test_late_submission_is_refused_but_the_time_is_paid(
    test: QualificationTest, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    attempt = start(client, test)
    with clock.frozen(clock.now() + dt.timedelta(minutes=21)):
        late = submit(client, attempt, ["0", "a", "0"])
        assert late.status_code == 409
        assert late.json()["error"]["code"] == "time_limit_passed"
        assert not Attempt.objects.get(id=attempt["id"]).answers.exists()
        result = client.get(f"/api/v1/attempts/{attempt['id']}/result").json()
    assert result["status"] == "expired"
    assert result["pay_cents"] == 200
    assert not Skill.objects.filter(expert=erin).exists()


def test_incomplete_answers_are_refused_and_nothing_is_stored(
    test: QualificationTest, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    attempt = start(client, test)
    response = submit(client, attempt, ["7", "maybe", ""])
    assert response.status_code == 400
    assert len(response.json()["error"]["details"]) == 3
    stored = Attempt.objects.get(id=attempt["id"])
    assert stored.status == "in_progress"
    assert not stored.answers.exists()
    assert not Earning.objects.exists()


def test_starting_twice_resumes_the_open_attempt(
    test: QualificationTest, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    assert start(client, test)["id"] == start(client, test)["id"]


def test_other_experts_cannot_touch_an_attempt(
    test: QualificationTest, erin: User, frank: User, api: Callable[[User], Client]
) -> None:
    attempt = start(api(erin), test)
    other = api(frank)
    assert other.get(f"/api/v1/attempts/{attempt['id']}").status_code == 404
    assert submit(other, attempt, ["0", "a", "0"]).status_code == 404
    assert Attempt.objects.get(id=attempt["id"]).status == "in_progress"


def test_free_text_waits_for_a_reviewer_then_grades(
    operator: User, erin: User, alice: User, api: Callable[[User], Client]
) -> None:
    spec = SPEC | {"questions": [*SPEC["questions"], FREE_TEXT]}
    test = QualificationTest.objects.get(id=author(api(operator), spec).json()["id"])
    client = api(erin)
    result = submit(client, start(client, test), ["0", "a", "0", "Reliance plus detriment."]).json()
    assert result["status"] == "awaiting_review"
    assert result["pay_cents"] == 200
    assert api(alice).get("/api/v1/reviews/qualification").json() == []
    [pending] = api(operator).get("/api/v1/reviews/qualification").json()
    assert "erin" not in str(pending)
    too_many = api(operator).post(
        f"/api/v1/reviews/qualification/{pending['answer_id']}",
        {"points": 5},
        content_type="application/json",
    )
    assert too_many.json()["error"]["code"] == "invalid_points"
    graded = (
        api(operator)
        .post(
            f"/api/v1/reviews/qualification/{pending['answer_id']}",
            {"points": 1, "note": "Missed detriment."},
            content_type="application/json",
        )
        .json()
    )
    assert (graded["status"], graded["score"], graded["passed"]) == ("graded", 80, True)
    assert list(graded["reviewer_notes"].values()) == ["Missed detriment."]


def test_authoring_rules(
    operator: User,
    alice: User,
    erin: User,
    make_project: Callable[..., Any],
    api: Callable[[User], Client],
) -> None:
    assert author(api(erin), SPEC).status_code == 403
    assert author(api(alice), SPEC).status_code == 403  # platform tests are for operators
    project = make_project(publish=False)
    own = author(api(alice), SPEC | {"title": "Acme screening"}, project_id=project.id)
    assert own.status_code == 201
    assert own.json()["project_id"] == project.id
    cheap = author(api(operator), SPEC | {"pay_cents": 50})
    assert cheap.json()["error"]["code"] == "pay_below_floor"
    broken = SPEC | {
        "pass_mark": 0,
        "questions": [{"kind": "choice", "prompt": "?", "category": "x", "options": ["a"]}],
    }
    details = author(api(operator), broken).json()["error"]["details"]
    assert {d["field"] for d in details} == {"pass_mark", "questions[0].options"}
    assert author(api(operator), SPEC | {"domain": "astrology"}).json()["error"]["code"] == (
        "unknown_domain"
    )
    assert QualificationTest.objects.count() == 1


def test_taking_a_test_by_page(
    test: QualificationTest, erin: User, web: Callable[[User], Client]
) -> None:
    client = web(erin)
    listing = client.get("/qualifications/")
    assert b"$2.00" in listing.content
    assert b"$12.00 / hour" in listing.content
    attempt_page = client.post(f"/qualifications/{test.id}/start/", follow=True)
    attempt = Attempt.objects.get(expert=erin)
    questions = list(test.questions.all())
    form = {f"q{questions[0].id}": "0", f"q{questions[1].id}": "a", f"q{questions[2].id}": "0"}
    assert b"Submit answers" in attempt_page.content
    result = client.post(f"/attempts/{attempt.id}/", form, follow=True)
    assert b"Passed." in result.content
    assert b"Consideration" not in result.content  # no key while attempts remain


def test_overdue_attempts_are_closed_and_paid_by_the_background_run(
    test: QualificationTest, erin: User, api: Callable[[User], Client]
) -> None:
    from assay.actions.qualification import expire_overdue_attempts

    start(api(erin), test)
    assert expire_overdue_attempts() == 0
    with clock.frozen(clock.now() + dt.timedelta(minutes=25)):
        assert expire_overdue_attempts() == 1
        assert expire_overdue_attempts() == 0
    assert Earning.objects.get(expert=erin).amount_cents == 200


def test_an_expired_skill_can_be_renewed_with_fresh_attempts(
    test: QualificationTest, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    submit(client, start(client, test), ["0", "a", "0"])
    later = clock.now() + dt.timedelta(days=400)
    with clock.frozen(later):
        renewal = submit(client, start(client, test), ["0", "a", "0"]).json()
    assert renewal["passed"] is True
    assert Skill.objects.get(expert=erin).expires_at > later


def test_bad_numbers_in_a_test_are_refused(operator: User, api: Callable[[User], Client]) -> None:
    for changes in (
        {"cooldown_days": -1},
        {"time_limit_minutes": 1},
        {"skill_valid_days": 0},
        {"estimated_minutes": None},
        {"title": 5},
        {"pass_mark": "70"},
    ):
        response = author(api(operator), SPEC | changes)
        assert response.status_code == 400, changes
        assert response.json()["error"]["code"] == "invalid_test"
    assert QualificationTest.objects.count() == 0
