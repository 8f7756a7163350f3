"""Who may work on a project, and the explanation every other expert gets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay import clock
from assay.actions import projects as project_actions
from assay.actions.profiles import DomainEntry, ProfileUpdate, update_profile
from assay.domain.eligibility import ExpertFacts, Requirements, unmet_requirements
from assay.models import Credential, Domain, Project, QualificationTest, Skill, User
from tests.conftest import work_entry


def requirements(**changes: Any) -> Requirements:
    return Requirements(project_id=1, **changes)


def test_no_requirements_means_eligible() -> None:
    assert unmet_requirements(ExpertFacts(), requirements()) == []


@pytest.mark.parametrize(
    ("req", "facts", "code"),
    [
        (requirements(invited_only=True), ExpertFacts(), "not_invited"),
        (requirements(domain="law", domain_name="Law"), ExpertFacts(), "domain_missing"),
        (
            requirements(domain="law", domain_name="Law", sensitive=True),
            ExpertFacts(domains=frozenset({"law"})),
            "credential_required",
        ),
        (
            requirements(domain="law", domain_name="Law", min_skill=70),
            ExpertFacts(domains=frozenset({"law"}), skill_by_domain={"law": 65}),
            "skill_too_low",
        ),
        (requirements(test_id=9, test_title="Screen"), ExpertFacts(), "qualification_required"),
        (requirements(language="de"), ExpertFacts(languages={"de": "B2"}), "language_missing"),
        (
            requirements(content_risks=frozenset({"violence"})),
            ExpertFacts(opt_outs=frozenset({"violence"})),
            "content_opt_out",
        ),
    ],
)
def test_each_unmet_requirement_is_named(req: Requirements, facts: ExpertFacts, code: str) -> None:
    assert [u.code for u in unmet_requirements(facts, req)] == [code]


def test_meeting_everything_is_eligible() -> None:
    req = requirements(
        domain="law",
        domain_name="Law",
        sensitive=True,
        min_skill=70,
        test_id=9,
        language="de",
        content_risks=frozenset({"hate"}),
    )
    facts = ExpertFacts(
        domains=frozenset({"law"}),
        verified_domains=frozenset({"law"}),
        skill_by_domain={"law": 80},
        passed_tests=frozenset({9}),
        languages={"de": "native"},
        opt_outs=frozenset({"violence"}),
    )
    assert unmet_requirements(facts, req) == []


@pytest.fixture
def legal(make_project: Callable[..., Project], alice: User) -> Project:
    project = make_project(publish=False)
    update = project_actions.RequirementsUpdate(
        domain="law", min_skill_score=50, required_language="de", content_risks=("violence",)
    )
    project_actions.set_requirements(actor=alice, project=project, update=update)
    # Law is sensitive: every submission is reviewed, and reviews must be paid.
    Project.objects.filter(id=project.id).update(review_pay_cents=100)
    return project_actions.publish_project(actor=alice, project=project)


def test_work_overview_explains_every_gap_then_opens_up(
    legal: Project, erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    entry = work_entry(client, legal)
    assert entry["state"] == "not_eligible"
    codes = [u["code"] for u in entry["unmet"]]
    assert codes == ["domain_missing", "credential_required", "skill_too_low", "language_missing"]
    nothing = client.post(
        "/api/v1/tasks/next", {"project_id": legal.id}, content_type="application/json"
    ).json()
    assert nothing["empty"]["code"] == "not_eligible"

    update_profile(
        expert=erin,
        update=ProfileUpdate(
            domains=[DomainEntry("law", 5)], languages={"de": "C2"}, content_opt_outs=["violence"]
        ),
    )
    law = Domain.objects.get(slug="law")
    today = clock.now().date()
    Credential.objects.create(
        expert=erin,
        domain=law,
        kind="licence",
        issuer="Bar",
        status="verified",
        verified_until=today + dt.timedelta(days=30),
        created_at=clock.now(),
    )
    test = QualificationTest.objects.create(
        title="Law",
        domain=law,
        author=erin,
        estimated_minutes=5,
        time_limit_minutes=10,
        pay_cents=100,
        currency="USD",
        pass_mark=50,
        created_at=clock.now(),
    )
    Skill.objects.create(
        expert=erin,
        domain=law,
        test=test,
        score=55,
        granted_at=clock.now(),
        expires_at=clock.now() + dt.timedelta(days=1),
    )
    assert [u["code"] for u in work_entry(client, legal)["unmet"]] == ["content_opt_out"]

    update_profile(
        expert=erin, update=ProfileUpdate(domains=[DomainEntry("law", 5)], languages={"de": "C2"})
    )
    assert work_entry(client, legal)["state"] == "available"
    with clock.frozen(clock.now() + dt.timedelta(days=2)):  # the skill expired
        assert [u["code"] for u in work_entry(client, legal)["unmet"]] == ["skill_too_low"]


def test_requirements_are_fixed_once_published(
    legal: Project, alice: User, api: Callable[[User], Client]
) -> None:
    response = api(alice).put(
        f"/api/v1/projects/{legal.id}/requirements", {"domain": ""}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "project_not_draft"


def test_bad_requirements_are_listed(
    make_project: Callable[..., Project], alice: User, api: Callable[[User], Client]
) -> None:
    draft = make_project(publish=False)
    body = {
        "domain": "astrology",
        "min_skill_score": 120,
        "required_language": "xx",
        "content_risks": ["spiders"],
        "qualification_id": 999,
    }
    response = api(alice).put(
        f"/api/v1/projects/{draft.id}/requirements", body, content_type="application/json"
    )
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {
        "domain",
        "min_skill_score",
        "required_language",
        "content_risks",
        "qualification_id",
    }


def test_work_page_shows_reasons_and_fixes(
    legal: Project, erin: User, web: Callable[[User], Client]
) -> None:
    page = web(erin).get("/work/")
    assert b"Not available to you right now" in page.content
    assert b'data-code="credential_required"' in page.content
    assert b"/credentials/" in page.content


def test_a_projects_own_test_vouches_for_that_project_only(
    make_project: Callable[..., Project],
    erin: User,
    alice: User,
) -> None:
    from assay.eligibility import facts_for

    law = Domain.objects.get(slug="law")
    own = make_project(publish=False)
    test = QualificationTest.objects.create(
        title="Acme screen",
        domain=law,
        project=own,
        author=alice,
        estimated_minutes=5,
        time_limit_minutes=10,
        pay_cents=100,
        currency="USD",
        pass_mark=50,
        created_at=clock.now(),
    )
    Skill.objects.create(
        expert=erin,
        domain=law,
        test=test,
        score=95,
        granted_at=clock.now(),
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    facts = facts_for(erin)
    assert test.id in facts.passed_tests
    assert "law" not in facts.skill_by_domain


def test_project_page_shows_requirements_and_pool(
    legal: Project, alice: User, web: Callable[[User], Client]
) -> None:
    page = web(alice).get(f"/projects/{legal.id}/")
    assert b'id="requirements"' in page.content
    assert b'id="pool"' in page.content
    assert page.content.count(b'<option value="invited"') <= 1


def test_an_expired_credential_stops_counting(legal: Project, erin: User) -> None:
    from assay.eligibility import facts_for

    law = Domain.objects.get(slug="law")
    today = clock.now().date()
    Credential.objects.create(
        expert=erin,
        domain=law,
        kind="licence",
        issuer="Bar",
        status="verified",
        verified_until=today + dt.timedelta(days=400),
        expires_on=today + dt.timedelta(days=10),
        created_at=clock.now(),
    )
    assert "law" in facts_for(erin).verified_domains
    with clock.frozen(clock.now() + dt.timedelta(days=11)):
        assert "law" not in facts_for(erin).verified_domains
