"""The governance pages through HTTP: decisions and appeals for experts, the public rules
and register, my data, requester ratings, and the operators' decision, appeal, audit,
register and workforce pages.

oscar and olga are operators; erin and frank experts; alice a requester.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay import clock
from assay.actions import accounts, approvals, governance, transparency
from assay.models import (
    AlgorithmChange,
    Appeal,
    AuditEvent,
    Decision,
    Project,
    Recommendation,
    RequesterRating,
    User,
)
from assay.web.governance_ops import evidence_text, parse_evidence
from assay.web.governance_stats import PLOT_HEIGHT, bars
from tests.conftest import PASSWORD
from tests.test_ledger_pages import submit

pytestmark = pytest.mark.django_db
Web = Callable[[User], Client]
EVIDENCE = [{"label": f"Gold item g{n}", "detail": "expected a, chose b"} for n in range(5)]
STATEMENT = "Gold accuracy 40% over 5 gold items against a bar of 80%."
OPS_PAGES = ["/ops/decisions/", "/ops/appeals/", "/ops/audit/", "/ops/register/", "/ops/workforce/"]


@pytest.fixture
def oscar(db: None) -> User:
    return accounts.create_operator(email="oscar@assay.test", password=PASSWORD)


@pytest.fixture
def olga(db: None) -> User:
    return accounts.create_operator(email="olga@assay.test", password=PASSWORD)


def suspend(operator: User, expert: User, **extra: Any) -> Decision:
    fields: dict[str, Any] = {
        "kind": "suspend",
        "reason_code": "low_gold_accuracy",
        "statement": STATEMENT,
        "evidence": EVIDENCE,
    }
    return governance.decide(operator=operator, expert=expert, **(fields | extra))


def text_of(response: Any) -> str:
    return str(response.content.decode())


def decide_form(expert: User, /, **extra: str) -> dict[str, str]:
    lines = "\n".join(f"Gold item g{n} | expected a, chose b | /quality/" for n in range(5))
    return {
        "expert": expert.email,
        "kind": "suspend",
        "reason_code": "low_gold_accuracy",
        "statement": STATEMENT,
        "evidence": lines,
        "project_id": "",
    } | extra


# Experts: decisions and statements


def test_an_expert_reads_the_statement_of_reasons(
    web: Web, oscar: User, erin: User, frank: User
) -> None:
    decision = suspend(oscar, erin)
    listing = text_of(web(erin).get("/decisions/"))
    assert f'data-decision="{decision.id}"' in listing
    page = web(erin).get(f"/decisions/{decision.id}/")
    assert page.status_code == 200
    text = text_of(page)
    assert STATEMENT in text
    assert "low_gold_accuracy" in text
    assert "Gold accuracy well under the project" in text  # the published definition
    assert text.count("data-evidence") == 5
    assert "an operator" in text
    assert oscar.email not in text
    assert "version 1" in text
    assert "File appeal" in text
    assert f'data-decision="{decision.id}"' not in text_of(web(frank).get("/decisions/"))


def test_an_expert_cannot_open_another_experts_decision(
    web: Web, oscar: User, erin: User, frank: User, alice: User
) -> None:
    decision = suspend(oscar, erin)
    assert web(frank).get(f"/decisions/{decision.id}/").status_code == 404
    assert web(frank).post(f"/decisions/{decision.id}/appeal/", {"text": "x"}).status_code == 404
    assert not Appeal.objects.exists()
    assert web(alice).get(f"/decisions/{decision.id}/").status_code == 403
    assert Client().get(f"/decisions/{decision.id}/").status_code == 302


def test_a_rejection_names_the_requester_by_role_only(
    web: Web, project: Project, erin: User, alice: User
) -> None:
    (judgment,) = submit(erin, project)
    approvals.reject(judgment_id=judgment.id, actor=alice, reason_code="wrong_choice", note="No.")
    decision = Decision.objects.get(judgment=judgment)
    text = text_of(web(erin).get(f"/decisions/{decision.id}/"))
    assert "the requester" in text
    assert alice.email not in text
    assert "Alice" not in text


def test_the_appeal_flow_through_pages(
    web: Web, oscar: User, olga: User, erin: User, settings: Any
) -> None:
    decision = suspend(oscar, erin)
    expert = web(erin)
    empty = expert.post(f"/decisions/{decision.id}/appeal/", {"text": "  "})
    assert empty.status_code == 400
    response = expert.post(
        f"/decisions/{decision.id}/appeal/", {"text": "Two gold answers were wrong."}, follow=True
    )
    assert response.status_code == 200
    assert "Appeal filed" in text_of(response)
    appeal = Appeal.objects.get(decision=decision)
    text = text_of(response)
    assert f"{appeal.acknowledge_by:%Y-%m-%d %H:%M}" in text
    assert f"{appeal.decide_by:%Y-%m-%d %H:%M}" in text
    again = expert.post(f"/decisions/{decision.id}/appeal/", {"text": "Again"})
    assert again.status_code == 409

    # The decider sees the appeal but cannot decide it; another operator can.
    own = web(oscar).post(
        f"/ops/appeals/{appeal.id}/decide/", {"outcome": "reversed", "reasons": "Mine."}
    )
    assert own.status_code == 409
    assert "other than the one who decided" in text_of(own)
    reviewer = web(olga)
    page = text_of(reviewer.get(f"/ops/appeals/{appeal.id}/"))
    assert STATEMENT in page
    assert "Two gold answers were wrong." in page
    assert page.count("data-evidence") == 5  # the same evidence the expert sees
    assert reviewer.post(f"/ops/appeals/{appeal.id}/acknowledge/").status_code == 302
    missing = reviewer.post(f"/ops/appeals/{appeal.id}/decide/", {"outcome": "reversed"})
    assert missing.status_code == 400
    done = reviewer.post(
        f"/ops/appeals/{appeal.id}/decide/",
        {"outcome": "reversed", "reasons": "Gold items g1 and g3 had wrong keys."},
        follow=True,
    )
    assert "Decision reversed" in text_of(done)
    erin.refresh_from_db()
    assert erin.suspended_at is None
    statement = text_of(expert.get(f"/decisions/{decision.id}/"))
    assert "Decision reversed" in statement
    assert "Gold items g1 and g3 had wrong keys." in statement
    assert "Reversed on appeal" in statement
    assert "File appeal" not in statement


# Public pages


def test_the_rules_are_public(settings: Any) -> None:
    page = Client().get("/rules/")
    assert page.status_code == 200
    text = text_of(page)
    assert 'id="rules-version">1<' in text
    assert 'id="kind-suspend"' in text
    assert 'id="kind-reject"' in text
    assert 'data-code="fraud"' in text
    assert "The submissions and the signals that show it." in text


def test_the_register_is_public_and_shows_pending_changes(oscar: User) -> None:
    page = Client().get("/register/")
    assert page.status_code == 200
    assert 'id="system-allocation"' in text_of(page)
    Client().get("/register/")
    ops = Client()
    ops.force_login(oscar)
    later = clock.now() + dt.timedelta(days=10)
    response = ops.post(
        "/ops/register/",
        {
            "system": "allocation",
            "summary": "Gold share follows the project's rate exactly.",
            "diff": "- gold share: about the rate\n+ gold share: exactly the rate",
            "effective_at": f"{later:%Y-%m-%d %H:%M}",
        },
        follow=True,
    )
    assert "Version 2 of Task allocation announced" in text_of(response)
    text = text_of(Client().get("/register/"))
    assert "Announced changes" in text
    assert "+ gold share: exactly the rate" in text
    assert f"{later:%Y-%m-%d %H:%M}" in text


def test_a_change_needs_the_notice_period(web: Web, oscar: User, settings: Any) -> None:
    soon = clock.now() + dt.timedelta(days=settings.NOTICE_DAYS - 1)
    response = web(oscar).post(
        "/ops/register/",
        {"system": "allocation", "summary": "x", "diff": "y", "effective_at": f"{soon:%Y-%m-%d}"},
    )
    assert response.status_code == 400
    assert "days after notice at the earliest" in text_of(response)
    assert not AlgorithmChange.objects.exists()
    default = text_of(web(oscar).get("/ops/register/"))
    assert "Announce change" in default


# My data


def test_my_data_download_holds_my_judgments_and_not_others(
    web: Web, make_project: Callable[..., Project], erin: User, frank: User
) -> None:
    project = make_project(items=4, overlap=2)
    mine = submit(erin, project, 2)
    theirs = submit(frank, project, 1)
    page = web(erin).get("/me/data/")
    assert page.status_code == 200
    assert "Download my data (JSON)" in text_of(page)
    download = web(erin).get("/me/data/download/")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/json")
    assert download["Content-Disposition"].startswith("attachment;")
    data = json.loads(download.content)
    assert data["account"]["email"] == erin.email
    assert sorted(j["id"] for j in data["judgments"]) == sorted(j.id for j in mine)
    assert theirs[0].id not in {j["id"] for j in data["judgments"]}
    assert frank.email not in download.content.decode()


def test_my_data_is_for_experts(web: Web, alice: User, oscar: User) -> None:
    assert web(alice).get("/me/data/").status_code == 403
    assert web(oscar).get("/me/data/download/").status_code == 403
    assert Client().get("/me/data/download/").status_code == 302


def test_deleting_my_account_erases_my_email_and_signs_me_out(web: Web, erin: User) -> None:
    client = web(erin)
    wrong = client.post("/me/data/delete/", {"password": "not my password"})
    assert wrong.status_code == 400
    assert "That password is not right." in text_of(wrong)
    erin.refresh_from_db()
    assert erin.email == "erin@experts.test"
    done = client.post("/me/data/delete/", {"password": PASSWORD}, follow=True)
    assert done.status_code == 200
    assert "Your account is deleted" in text_of(done)
    erin.refresh_from_db()
    assert erin.email == f"erased-{erin.id}@invalid"
    assert not erin.is_active
    assert client.get("/decisions/").status_code == 302  # signed out


# Ratings


def test_an_expert_rates_a_project_they_worked_on(
    web: Web, project: Project, erin: User, frank: User, alice: User
) -> None:
    submit(erin, project)
    listing = text_of(web(erin).get("/decisions/"))
    assert f"/projects/{project.id}/rate/" in listing
    assert web(frank).get(f"/projects/{project.id}/rate/").status_code == 404
    bad = web(erin).post(f"/projects/{project.id}/rate/", {"clarity": "9", "fairness": "3"})
    assert bad.status_code == 400
    assert not RequesterRating.objects.exists()
    scores = {"clarity": "4", "fairness": "5", "pay_accuracy": "3", "comment": "Clear."}
    done = web(erin).post(f"/projects/{project.id}/rate/", scores, follow=True)
    assert "your rating of Helpfulness is saved" in text_of(done)
    rating = RequesterRating.objects.get(expert=erin, project=project)
    assert (rating.clarity, rating.fairness, rating.pay_accuracy) == (4, 5, 3)
    assert 'value="4" checked' in text_of(web(erin).get(f"/projects/{project.id}/rate/"))
    # The requester sees only a count until three experts have rated.
    detail = text_of(web(alice).get(f"/projects/{project.id}/"))
    assert f"/projects/{project.id}/ratings/" in detail
    summary = text_of(web(alice).get(f"/projects/{project.id}/ratings/"))
    assert "1 rating so far" in summary
    assert "4.00" not in summary
    assert web(erin).get(f"/projects/{project.id}/ratings/").status_code == 404


def test_a_requester_sees_averages_from_three_ratings(
    web: Web, make_project: Callable[..., Project], make_expert: Callable[[str], User], alice: User
) -> None:
    project = make_project(items=3, overlap=3)
    for n, name in enumerate(["xena", "yuri", "zoe"]):
        expert = make_expert(name)
        submit(expert, project)
        transparency.rate_requester(
            expert=expert,
            project=project,
            scores={"clarity": 3 + n % 2, "fairness": 4, "pay_accuracy": 5},
        )
    text = text_of(web(alice).get(f"/projects/{project.id}/ratings/"))
    assert "<b>3.33</b>" in text
    assert "<b>4.00</b>" in text
    assert "<b>5.00</b>" in text
    assert "Averages over 3" in text


# Operators


@pytest.mark.parametrize("url", OPS_PAGES)
def test_ops_pages_are_for_operators_only(
    web: Web, oscar: User, alice: User, erin: User, url: str
) -> None:
    assert web(oscar).get(url).status_code == 200
    assert web(alice).get(url).status_code == 404
    assert web(erin).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_non_operators_cannot_decide_or_open_appeals(
    web: Web, oscar: User, erin: User, frank: User
) -> None:
    decision = suspend(oscar, erin)
    appeal = governance.file_appeal(expert=erin, decision_id=decision.id, text="Please look.")
    assert web(frank).post("/ops/decisions/new/", decide_form(erin)).status_code == 404
    assert web(erin).get(f"/ops/appeals/{appeal.id}/").status_code == 404
    assert web(erin).post(f"/ops/appeals/{appeal.id}/acknowledge/").status_code == 404
    assert web(frank).post(f"/ops/decisions/{decision.id}/lift/", {"note": "x"}).status_code == 404
    assert Decision.objects.filter(expert=erin).count() == 1


def test_an_operator_suspends_through_the_form(web: Web, oscar: User, erin: User) -> None:
    response = web(oscar).post("/ops/decisions/new/", decide_form(erin), follow=True)
    assert response.status_code == 200
    decision = Decision.objects.get(expert=erin)
    assert f"Decision #{decision.id} is in effect" in text_of(response)
    assert decision.decided_by == oscar
    assert decision.evidence[0] == {
        "label": "Gold item g0",
        "detail": "expected a, chose b",
        "url": "/quality/",
    }
    assert len(decision.evidence) == 5
    erin.refresh_from_db()
    assert erin.suspended_at is not None
    by_id = web(oscar).post("/ops/decisions/new/", decide_form(erin, expert=str(erin.id)))
    assert by_id.status_code == 302


def test_a_decision_without_a_reason_code_is_refused(web: Web, oscar: User, erin: User) -> None:
    response = web(oscar).post("/ops/decisions/new/", decide_form(erin, reason_code=""))
    assert response.status_code == 400
    text = text_of(response)
    assert "reason_code: choose a reason code from the published list" in text
    assert STATEMENT in text  # the form keeps what was typed
    assert not Decision.objects.exists()
    erin.refresh_from_db()
    assert erin.suspended_at is None


def test_decision_form_refusals(web: Web, oscar: User, erin: User, alice: User) -> None:
    ops = web(oscar)
    assert ops.post("/ops/decisions/new/", decide_form(erin, expert="")).status_code == 400
    assert ops.post("/ops/decisions/new/", decide_form(erin, expert=alice.email)).status_code == 404
    few = decide_form(erin, evidence="Gold item g1 | wrong")
    refused = ops.post("/ops/decisions/new/", few)
    assert refused.status_code == 409
    assert "needs at least 5 evidence items" in text_of(refused)
    restrict = ops.post("/ops/decisions/new/", decide_form(erin, kind="restrict"))
    assert restrict.status_code == 400
    assert "a restriction names the project" in text_of(restrict)
    assert not Decision.objects.exists()


def test_reason_codes_follow_the_kind(web: Web, oscar: User) -> None:
    options = text_of(web(oscar).get("/ops/decisions/codes/?kind=suspend"))
    assert 'value="fraud"' in options
    assert 'value="wrong_choice"' not in options
    assert 'value="fraud"' not in text_of(web(oscar).get("/ops/decisions/codes/?kind=reject"))


def test_recommendations_prefill_the_form_or_are_dismissed(
    web: Web, oscar: User, erin: User, frank: User
) -> None:
    kept = governance.recommend(
        source="low_effort_signals",
        expert=erin,
        kind="warn",
        reason_code="repeated_low_effort",
        evidence=[{"label": "Submission #3", "detail": "12 s", "url": "/x/"}],
    )
    dropped = governance.recommend(
        source="low_effort_signals",
        expert=frank,
        kind="warn",
        reason_code="repeated_low_effort",
        evidence=[{"label": "Submission #4"}],
    )
    ops = web(oscar)
    listing = text_of(ops.get("/ops/decisions/"))
    assert f'data-recommendation="{kept.id}"' in listing
    form = text_of(ops.get(f"/ops/decisions/?recommendation={kept.id}"))
    assert f'name="expert" value="{erin.id}"' in form
    assert "Submission #3 | 12 s | /x/" in form
    assert '<option value="repeated_low_effort" selected>' in form
    assert f'name="recommendation_id" value="{kept.id}"' in form
    assert ops.post(f"/ops/recommendations/{dropped.id}/dismiss/").status_code == 302
    body = decide_form(
        erin,
        kind="warn",
        reason_code="repeated_low_effort",
        evidence="Submission #3 | 12 s | /x/",
        recommendation_id=str(kept.id),
    )
    assert ops.post("/ops/decisions/new/", body).status_code == 302
    kept.refresh_from_db()
    assert kept.decision is not None
    assert kept.decision.kind == "warn"
    listing = text_of(ops.get("/ops/decisions/"))
    assert 'data-recommendation="' not in listing
    assert Recommendation.objects.get(id=dropped.id).dismissed_by == oscar


def test_sign_off_needs_a_second_operator_and_lifting_needs_a_note(
    web: Web, oscar: User, olga: User, erin: User
) -> None:
    first = governance.decide(
        operator=oscar,
        expert=erin,
        kind="warn",
        reason_code="guideline_disregard",
        statement="Rule 2 ignored after feedback.",
        evidence=EVIDENCE[:1],
    )
    governance.file_appeal(expert=erin, decision_id=first.id, text="I followed rule 2.")
    guarded = suspend(oscar, erin)
    assert guarded.status == Decision.Status.AWAITING_SIGNOFF
    listing = text_of(web(oscar).get("/ops/decisions/"))
    assert "You decided this: another operator must sign it off." in listing
    same = web(oscar).post(f"/ops/decisions/{guarded.id}/sign-off/")
    assert same.status_code == 409
    assert "A second operator" in text_of(same)
    assert web(olga).post(f"/ops/decisions/{guarded.id}/sign-off/").status_code == 302
    guarded.refresh_from_db()
    assert guarded.status == Decision.Status.IN_EFFECT
    assert guarded.signed_off_by == olga
    assert "signed off by a second operator" in text_of(web(erin).get(f"/decisions/{guarded.id}/"))
    assert web(olga).post(f"/ops/decisions/{guarded.id}/lift/", {"note": ""}).status_code == 400
    lifted = web(olga).post(f"/ops/decisions/{guarded.id}/lift/", {"note": "Served."})
    assert lifted.status_code == 302
    erin.refresh_from_db()
    assert erin.suspended_at is None


def test_overdue_appeals_are_highlighted(web: Web, oscar: User, erin: User, frank: User) -> None:
    late = governance.file_appeal(
        expert=erin, decision_id=suspend(oscar, erin).id, text="Please look."
    )
    with clock.frozen(clock.now() + dt.timedelta(days=3)):
        fresh = governance.file_appeal(
            expert=frank, decision_id=suspend(oscar, frank).id, text="And mine."
        )
        text = text_of(web(oscar).get("/ops/appeals/"))
    assert f'<tr data-appeal="{late.id}" class="overdue">' in text
    assert f'<tr data-appeal="{fresh.id}" class="">' in text
    assert "1 appeal past a deadline." in text


def test_the_audit_log_filters(web: Web, oscar: User, olga: User, erin: User, frank: User) -> None:
    mine = suspend(oscar, erin)
    suspend(olga, frank)
    ops = web(oscar)
    everything = text_of(ops.get("/ops/audit/"))
    assert "decision.create" in everything
    assert "account.create" in everything
    by_actor = text_of(ops.get("/ops/audit/", {"actor": "OSCAR@assay.test", "action": "decision."}))
    assert by_actor.count("<code>decision.create</code>") == 1
    assert f"decision {mine.id}" in by_actor
    by_object = text_of(ops.get("/ops/audit/", {"object_type": "decision", "object_id": mine.id}))
    assert by_object.count("<code>decision.create</code>") == 1
    today = clock.now().date()
    tomorrow = today + dt.timedelta(days=1)
    assert "No events match." in text_of(ops.get("/ops/audit/", {"since": tomorrow}))
    assert "decision.create" in text_of(ops.get("/ops/audit/", {"until": today}))
    bad = ops.get("/ops/audit/", {"since": "yesterday"})
    assert bad.status_code == 400
    assert "enter a date such as" in text_of(bad)


def test_the_audit_log_is_paginated_newest_first(web: Web, oscar: User) -> None:
    for n in range(105):
        accounts.sign_up_expert(email=f"e{n}@experts.test", password=PASSWORD, name=f"E{n}")
    newest = AuditEvent.objects.order_by("-at", "-id").first()
    assert newest is not None
    first = text_of(web(oscar).get("/ops/audit/"))
    assert first.count("data-event=") == 100
    assert first.index(f'data-event="{newest.id}"') < first.index("data-event=") + 30
    assert "Page 1 of 2" in first
    second = text_of(web(oscar).get("/ops/audit/", {"page": 2}))
    assert second.count("data-event=") == AuditEvent.objects.count() - 100


def test_workforce_shows_tables_plots_and_outliers(
    web: Web, project: Project, erin: User, oscar: User, alice: User
) -> None:
    for judgment in submit(erin, project, 2):
        approvals.approve(judgment_id=judgment.id, actor=alice)
    text = text_of(web(oscar).get("/ops/workforce/"))
    week = clock.now().strftime("%G-W%V")
    assert f'data-week="{week}"' in text
    assert text.count("<svg") == 3
    assert "<rect" in text
    assert 'id="outliers"' in text


# Pure helpers


def test_evidence_lines_round_trip() -> None:
    items = parse_evidence("Gold g1 | expected a | /q/\n\nFlag #2\nA | b | https://x/y|z\n")
    assert items == [
        {"label": "Gold g1", "detail": "expected a", "url": "/q/"},
        {"label": "Flag #2", "detail": "", "url": ""},
        {"label": "A", "detail": "b", "url": "https://x/y|z"},
    ]
    assert parse_evidence(evidence_text(items)) == items


def test_bars_scale_to_the_largest_value() -> None:
    drawn = bars([("2026-W01", 2, "2"), ("2026-W02", 4, "4"), ("2026-W03", 0, "0")])
    assert [b.height for b in drawn] == [PLOT_HEIGHT / 2, PLOT_HEIGHT, 0]
    assert drawn[1].y == 0
    assert drawn[2].y == PLOT_HEIGHT
    assert bars([]) == []
    assert [b.height for b in bars([("w", 0, "0")])] == [0]


def test_forms_need_the_csrf_token(oscar: User, erin: User) -> None:
    decision = suspend(oscar, erin)
    client = Client(enforce_csrf_checks=True)
    client.force_login(erin)
    page = text_of(client.get(f"/decisions/{decision.id}/"))
    assert 'name="csrfmiddlewaretoken"' in page
    refused = client.post(f"/decisions/{decision.id}/appeal/", {"text": "Please look."})
    assert refused.status_code == 403
    assert not Appeal.objects.exists()


def test_evidence_links_open_only_safe_addresses(web: Web, oscar: User, erin: User) -> None:
    evidence = [
        {"label": "Gold item g1", "url": "javascript:alert(1)"},
        {"label": "Gold item g2", "url": "/quality/"},
    ]
    decision = suspend(oscar, erin, kind="warn", evidence=evidence)
    text = text_of(web(erin).get(f"/decisions/{decision.id}/"))
    assert 'href="/quality/"' in text
    assert 'href="javascript:' not in text
    assert "javascript:alert(1)" in text  # shown as text, not as a link
