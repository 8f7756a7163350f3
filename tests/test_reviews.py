"""The review stage: sampling, claims, decisions, pay, and what the author sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from assay import clock
from assay.actions.reviews import claim_review, sample_for_review
from assay.domain import reviews as rules
from assay.errors import NotFound
from assay.models import Domain, Earning, Judgment, Project, Review, User
from tests.test_allocation import judge, next_task
from tests.test_concurrency import in_parallel

NEXT = "/api/v1/reviews/next"


def decision_url(review_id: int) -> str:
    return f"/api/v1/reviews/{review_id}/decision"


def reviewed_project(make_project: Callable[..., Project], *, rate: float = 1.0) -> Project:
    project = make_project(items=4, overlap=2)
    Project.objects.filter(id=project.id).update(review_rate=rate, review_pay_cents=60)
    project.refresh_from_db()
    return project


def submit(client: Client, project: Project, key: str, choice: str = "a") -> Judgment:
    """Submit the next task; then sample it, which is a no-op once submit samples itself."""
    task = next_task(client, project)
    judge(client, task["task"]["lease_id"], key, choice)
    judgment = Judgment.objects.select_related("project").get(lease_id=task["task"]["lease_id"])
    sample_for_review(judgment)
    return judgment


def take(client: Client, project: Project) -> Any:
    return client.post(NEXT, {"project_id": project.id}, content_type="application/json")


def decide(client: Client, review_id: int, **body: str) -> Any:
    return client.post(decision_url(review_id), body, content_type="application/json")


def problem_fields(response: Any) -> set[str]:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_review"
    return {d["field"] for d in error["details"]}


# The sampling rule (pure)


@given(st.integers(min_value=1, max_value=10**12))
def test_rate_zero_never_samples_and_rate_one_always_does(judgment_id: int) -> None:
    assert not rules.is_sampled(judgment_id, 0.0, sensitive=False)
    assert rules.is_sampled(judgment_id, 1.0, sensitive=False)
    assert rules.is_sampled(judgment_id, 0.0, sensitive=True)


@given(st.integers(min_value=1, max_value=10**12), st.floats(0, 1), st.floats(0, 1))
def test_sampling_is_stable_and_monotone_in_the_rate(
    judgment_id: int, r1: float, r2: float
) -> None:
    low, high = sorted((r1, r2))
    if rules.is_sampled(judgment_id, low, sensitive=False):
        assert rules.is_sampled(judgment_id, high, sensitive=False)
    assert rules.sample_point(judgment_id) == rules.sample_point(judgment_id)


def test_the_sampled_share_is_close_to_the_rate() -> None:
    sampled = sum(rules.is_sampled(n, 0.2, sensitive=False) for n in range(1, 5001))
    assert 900 < sampled < 1100


def test_outcome_rules() -> None:
    def problems(**kwargs: str) -> set[str]:
        base = {"reason_code": "", "note": "", "corrected_choice": "", "original_choice": "a"}
        return set(rules.outcome_problems(**(base | kwargs)))

    assert problems(outcome="approved") == set()
    assert problems(outcome="maybe") == {"outcome"}
    assert problems(outcome="rejected", reason_code="low_effort", note="Did not read B.") == set()
    assert problems(outcome="rejected", note="why") == {"reason_code"}
    assert problems(outcome="rejected", reason_code="low_effort") == {"note"}
    assert problems(outcome="corrected", corrected_choice="a") == {"corrected_choice"}
    assert problems(outcome="corrected", corrected_choice="tie") == set()
    assert problems(outcome="approved", note="x" * 1025) == {"note"}


# Sampling submissions


def test_rate_zero_samples_nothing_and_rate_one_everything(
    make_project: Callable[..., Project], erin: User, api: Callable[[User], Client]
) -> None:
    never = reviewed_project(make_project, rate=0.0)
    always = reviewed_project(make_project, rate=1.0)
    client = api(erin)
    for n in range(2):
        assert sample_for_review(submit(client, never, f"never-key-{n}")) is None
        assert sample_for_review(submit(client, always, f"always-key-{n}")) is not None
    assert Review.objects.filter(project=never).count() == 0
    assert Review.objects.filter(project=always, status="pending").count() == 2


def test_sampling_twice_returns_the_same_review_in_two_queries(
    make_project: Callable[..., Project],
    erin: User,
    api: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    project = reviewed_project(make_project)
    judgment = submit(api(erin), project, "twice-key-1")
    with django_assert_max_num_queries(2):
        again = sample_for_review(judgment)
    assert again is not None
    assert again.id == Review.objects.get(judgment=judgment).id
    assert Review.objects.filter(judgment=judgment).count() == 1


def test_a_sensitive_domain_samples_every_submission(
    make_project: Callable[..., Project], erin: User, api: Callable[[User], Client]
) -> None:
    project = reviewed_project(make_project, rate=0.0)
    judgment = submit(api(erin), project, "sensitive-key-1")
    assert sample_for_review(judgment) is None
    domain = Domain.objects.filter(sensitive=True).first() or Domain.objects.first()
    assert domain is not None
    Domain.objects.filter(id=domain.id).update(sensitive=True)
    Project.objects.filter(id=project.id).update(domain=domain)
    fresh = Judgment.objects.select_related("project").get(id=judgment.id)
    review = sample_for_review(fresh)
    assert review is not None
    assert review.status == "pending"


# Claims


def test_a_reviewer_never_gets_their_own_submission(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    api: Callable[[User], Client],
) -> None:
    project = reviewed_project(make_project)
    judgment = submit(api(erin), project, "own-key-1")
    mine = take(api(erin), project)
    assert mine.status_code == 404
    assert mine.json()["error"]["code"] == "no_reviews"
    theirs = take(api(frank), project)
    assert theirs.status_code == 200, theirs.content
    assert theirs.json()["review_id"] == judgment.review.id


def test_the_task_shows_the_submission_but_never_its_author(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    api: Callable[[User], Client],
) -> None:
    project = reviewed_project(make_project)
    judgment = submit(api(erin), project, "anon-key-1", choice="b")
    body = take(api(frank), project).json()
    assert body["submission"] == {
        "choice": "b",
        "strength": 2,
        "rationale": "A decisive reason.",
        "guideline_version": 1,
        "answer": {"choice": "b", "strength": 2, "rationale": "A decisive reason.", "criteria": {}},
    }
    assert body["item"]["prompt"] == judgment.item.prompt
    assert body["item"]["prompt_html"].startswith("<p>")
    assert {r["code"] for r in body["reasons"]} == set(rules.REASONS)
    text = str(body).lower()
    for secret in (erin.email, erin.expert_profile.pseudonym, "erin"):
        assert secret.lower() not in text


def test_an_ineligible_reviewer_is_refused(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    api: Callable[[User], Client],
    alice: User,
) -> None:
    project = reviewed_project(make_project)
    submit(api(erin), project, "inelig-key-1")
    Project.objects.filter(id=project.id).update(required_language="de")
    refused = take(api(frank), project)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_eligible"
    assert take(api(alice), project).status_code == 404  # requesters see no expert projects
    assert Review.objects.get(project=project).status == "pending"


def test_two_tabs_get_the_same_review(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    api: Callable[[User], Client],
) -> None:
    project = reviewed_project(make_project)
    submit(api(erin), project, "tabs-key-1")
    submit(api(erin), project, "tabs-key-2")
    first, second = take(api(frank), project).json(), take(api(frank), project).json()
    assert first["review_id"] == second["review_id"]
    assert Review.objects.filter(status="leased").count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_reviewers_get_a_review_exactly_once(
    make_project: Callable[..., Project], erin: User, make_expert: Callable[[str], User]
) -> None:
    project = reviewed_project(make_project)
    from assay.actions.allocation import claim_next_task
    from assay.actions.judgments import submit_judgment

    lease = claim_next_task(expert=erin, project=project)
    judgment, _ = submit_judgment(
        expert=erin,
        lease_id=lease.id,
        choice="a",
        strength=2,
        rationale="A is right and B is not.",
        idempotency_key="race-key-0001",
    )
    sample_for_review(judgment)
    reviewers = [make_expert(f"reviewer{n}") for n in range(6)]
    results = in_parallel(
        [lambda r=r: claim_review(reviewer=r, project=project) for r in reviewers]
    )
    won = [r for r in results if isinstance(r, Review)]
    assert len(won) == 1, results
    assert all(isinstance(r, Review | NotFound) for r in results), results
    stored = Review.objects.get(judgment=judgment)
    assert stored.status == "leased"
    assert stored.reviewer_id == won[0].reviewer_id


def test_an_expired_review_lease_frees_the_review(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    project = reviewed_project(make_project)
    submit(api(erin), project, "expire-key-1")
    review_id = take(api(frank), project).json()["review_id"]
    grace = make_expert("grace")
    assert take(api(grace), project).json()["error"]["code"] == "no_reviews"
    later = clock.now() + dt.timedelta(hours=3)
    with clock.frozen(later):
        late = decide(api(frank), review_id, outcome="approved")
        assert late.status_code == 409
        assert late.json()["error"]["code"] == "review_lease_expired"
        assert take(api(grace), project).json()["review_id"] == review_id
        assert decide(api(frank), review_id, outcome="approved").status_code == 404
        assert decide(api(grace), review_id, outcome="approved").status_code == 201


# Decisions


def test_decisions_are_validated(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    api: Callable[[User], Client],
) -> None:
    project = reviewed_project(make_project)
    submit(api(erin), project, "valid-key-1", choice="a")
    client = api(frank)
    review_id = take(client, project).json()["review_id"]
    assert problem_fields(decide(client, review_id, outcome="rejected", note="Wrong.")) == {
        "reason_code"
    }
    unknown = decide(client, review_id, outcome="rejected", reason_code="too_fast", note="Hm.")
    assert problem_fields(unknown) == {"reason_code"}
    long = decide(client, review_id, outcome="rejected", reason_code="low_effort", note="x" * 1025)
    assert problem_fields(long) == {"note"}
    same = decide(client, review_id, outcome="corrected", corrected_choice="a")
    assert problem_fields(same) == {"corrected_choice"}
    assert Review.objects.get(id=review_id).status == "leased"
    done = decide(client, review_id, outcome="corrected", corrected_choice="b", note="B is right.")
    assert done.status_code == 201, done.content
    assert done.json()["corrected_choice"] == "b"


def test_only_the_reviewer_holding_the_lease_can_decide(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    project = reviewed_project(make_project)
    judgment = submit(api(erin), project, "holder-key-1")
    review_id = judgment.review.id
    assert decide(api(frank), review_id, outcome="approved").status_code == 404  # not claimed
    take(api(frank), project)
    for outsider in (make_expert("grace"), erin):
        response = decide(api(outsider), review_id, outcome="approved")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "review_not_found"
    assert Review.objects.get(id=review_id).status == "leased"


def test_review_pay_is_recorded_once_however_often_the_decision_is_sent(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    api: Callable[[User], Client],
) -> None:
    project = reviewed_project(make_project)
    submit(api(erin), project, "pay-key-1")
    client = api(frank)
    review_id = take(client, project).json()["review_id"]
    body = {"outcome": "rejected", "reason_code": "low_effort", "note": "B was not read."}
    first = decide(client, review_id, **body)
    again = decide(client, review_id, **body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    other = decide(client, review_id, outcome="approved")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "already_decided"
    earning = Earning.objects.get(review_id=review_id)
    assert (earning.expert_id, earning.kind, earning.amount_cents) == (frank.id, "review", 60)
    assert earning.currency == project.currency
    assert Earning.objects.filter(kind="review").count() == 1


def test_an_unpaid_review_records_no_earning(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    api: Callable[[User], Client],
) -> None:
    project = reviewed_project(make_project)
    Project.objects.filter(id=project.id).update(review_pay_cents=0)
    submit(api(erin), project, "unpaid-key-1")
    client = api(frank)
    review_id = take(client, project).json()["review_id"]
    assert decide(client, review_id, outcome="approved").status_code == 201
    assert not Earning.objects.exists()


# What the author sees


def test_the_author_sees_the_outcome_reason_and_note_but_not_the_reviewer(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    project = reviewed_project(make_project)
    submit(api(erin), project, "author-key-1")
    submit(api(erin), project, "author-key-2")
    reviewer = api(frank)
    first = take(reviewer, project).json()["review_id"]
    note = "The rationale repeats the prompt."
    body = {"outcome": "rejected", "reason_code": "rationale_missing_reason", "note": note}
    assert decide(reviewer, first, **body).status_code == 201
    second = take(reviewer, project).json()["review_id"]
    assert decide(reviewer, second, outcome="approved").status_code == 201
    profile = api(erin).get("/api/v1/me/quality").json()
    expected = {"available": True, "reviewed": 2, "accepted": 1, "rejected": 1, "corrected": 0}
    assert profile["overall"]["reviews"] == expected
    assert profile["projects"][0]["metrics"]["reviews"] == expected
    page = web(erin).get("/quality/").content.decode()
    assert "2 reviewed: 1 approved, 1 rejected, 0 corrected" in page
    assert "rationale_missing_reason" in page
    assert rules.REASONS["rationale_missing_reason"] in page
    assert note in page
    for secret in (frank.email, frank.expert_profile.pseudonym, "Frank"):
        assert secret not in page


# Pages


def test_the_review_page_claims_shows_and_decides(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    project = reviewed_project(make_project)
    judgment = submit(api(erin), project, "page-key-1", choice="b")
    client = web(frank)
    page = client.get(f"/review/{project.id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert judgment.rationale in html
    assert "B is better" in html
    assert erin.expert_profile.pseudonym not in html
    assert "Erin" not in html
    review_id = judgment.review.id
    invalid = client.post(f"/review/task/{review_id}/decide/", {"outcome": "rejected"})
    assert invalid.status_code == 400
    assert b"reason_code" in invalid.content
    done = client.post(
        f"/review/task/{review_id}/decide/",
        {"outcome": "corrected", "corrected_choice": "tie", "reason_code": "low_effort"},
    )
    assert done.status_code == 302
    assert Review.objects.get(id=review_id).corrected_choice == "tie"
    empty = client.get(done["Location"])
    assert empty.status_code == 200
    assert b"no_reviews" in empty.content
    assert b"Review saved." in empty.content


def test_review_pages_refuse_outsiders(
    make_project: Callable[..., Project],
    erin: User,
    frank: User,
    alice: User,
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    project = reviewed_project(make_project)
    judgment = submit(api(erin), project, "outsider-key-1")
    assert web(erin).get(f"/review/{project.id}/").content.count(b"no_reviews") == 1
    assert web(alice).get(f"/review/{project.id}/").status_code == 404
    Project.objects.filter(id=project.id).update(required_language="de")
    assert web(frank).get(f"/review/{project.id}/").status_code == 403
    post = web(frank).post(f"/review/task/{judgment.review.id}/decide/", {"outcome": "approved"})
    assert post.status_code == 404
