"""An operator suspends an expert with five evidence items; the expert reads the statement
of reasons and appeals; a second operator reverses the suspension, and the expert's work
page no longer says they are suspended."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assay.actions import accounts
from assay.models import Appeal, Decision, Project, User
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENT = "Gold accuracy was 40% over 5 gold items, against the project's bar of 80%."
APPEAL = "Gold items g1 and g3 have the wrong expected answers; see the guidelines, rule 2."
REASONS = "The expected answers of g1 and g3 were wrong; without them accuracy is 100%."


def sign_in_to(page: Page, live_server: LiveServer, email: str, path: str) -> None:
    """Sign in through the form and land on ``path`` (operators start at /admin/ otherwise)."""
    page.goto(f"{live_server.url}/login/?next={path}")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}{path}")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_a_suspension_is_appealed_and_reversed(
    live_server: LiveServer,
    page: Page,
    project: Project,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    oscar = accounts.create_operator(email="oscar@assay.test", password=PASSWORD)
    accounts.create_operator(email="olga@assay.test", password=PASSWORD)

    # The first operator decides, citing five gold items.
    sign_in_to(page, live_server, oscar.email, "/ops/decisions/")
    page.get_by_label("Expert (id or email)").fill(erin.email)
    # The reason codes reload for the kind; choosing one before they land would be undone.
    with page.expect_response(lambda r: "/ops/decisions/codes/" in r.url):
        page.get_by_label("Action").select_option("suspend")
    expect(page.locator(".htmx-request")).to_have_count(0)
    reason = page.get_by_label("Reason code")
    expect(reason.locator("option[value=fraud]")).to_have_count(1)  # reloaded for the kind
    reason.select_option("low_gold_accuracy")
    page.get_by_label("Statement of reasons").fill(STATEMENT)
    evidence = "\n".join(f"Gold item g{n} | expected a, chose b | /quality/" for n in range(5))
    page.get_by_label("Evidence, one item a line").fill(evidence)
    page.get_by_role("button", name="Decide", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("is in effect")
    decision = Decision.objects.get(expert=erin)
    sign_out(page)

    # The expert is told why, and appeals.
    sign_in(erin.email)
    expect(page.locator("[data-code=suspended]")).to_contain_text("suspended")
    page.get_by_role("link", name="Decisions", exact=True).click()
    page.locator(f"tr[data-decision='{decision.id}']").get_by_role(
        "link", name="Statement of reasons"
    ).click()
    expect(page.locator("#statement-text")).to_contain_text(STATEMENT)
    expect(page.locator("#statement tr[data-evidence]")).to_have_count(5)
    expect(page.locator("#statement")).to_contain_text("an operator")
    expect(page.locator("#statement")).not_to_contain_text(oscar.email)
    page.get_by_label("Why the decision is wrong").fill(APPEAL)
    page.get_by_role("button", name="File appeal").click()
    expect(page.locator(".flash")).to_contain_text("Appeal filed")
    expect(page.locator("#appeal")).to_contain_text("Acknowledge by")
    appeal = Appeal.objects.get(decision=decision)
    sign_out(page)

    # A second operator sees the same evidence, and reverses the decision.
    sign_in_to(page, live_server, "olga@assay.test", "/ops/appeals/")
    page.locator(f"tr[data-appeal='{appeal.id}']").get_by_role("link").click()
    expect(page.locator("#statement tr[data-evidence]")).to_have_count(5)
    expect(page.locator("#appeal")).to_contain_text(APPEAL)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".flash")).to_contain_text("Appeal acknowledged")
    page.get_by_label("Decision reversed").check()
    page.get_by_label("Reasons").fill(REASONS)
    page.get_by_role("button", name="Decide appeal").click()
    expect(page.locator(".flash")).to_contain_text("Decision reversed")
    expect(page.locator("#decision-status")).to_have_text("Reversed on appeal")
    sign_out(page)

    # The expert can work again and reads the outcome.
    sign_in(erin.email)
    expect(page.get_by_role("heading", name="Work open to you")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(re.compile("suspended", re.IGNORECASE))
    expect(page.locator(".offer", has_text=project.name)).to_be_visible()
    page.goto(f"{live_server.url}/decisions/{decision.id}/")
    expect(page.locator("#outcome")).to_contain_text(REASONS)
    erin.refresh_from_db()
    assert erin.suspended_at is None
