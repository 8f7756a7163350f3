"""A requester rejects a submission with a reason on the spend page; the expert then sees
the reason on the Earnings page, and that the rejection did not cost them the pay."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assay.actions.approvals import REJECTION_REASONS
from assay.models import Judgment, Project, User
from tests.test_ledger_pages import assert_ledger_clean, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Response B has the correct sum; see rule 2 of the guidelines."


def test_a_rejection_with_a_paid_reason_reaches_the_expert(
    live_server: LiveServer,
    page: Page,
    project: Project,
    alice: User,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    (judgment,) = submit(erin, project)
    sign_in(alice.email)
    page.goto(f"{live_server.url}/projects/{project.id}/")
    page.get_by_role("link", name="Spend and approvals").click()
    row = page.locator(f"#awaiting tr[data-judgment='{judgment.id}']")
    expect(row).to_contain_text(erin.expert_profile.pseudonym)
    expect(row).not_to_contain_text(erin.email)
    row.locator("summary", has_text="Reject").click()
    row.get_by_label("Reason").select_option("wrong_choice")
    row.get_by_label("Note to the expert").fill(NOTE)
    row.get_by_role("button", name="Reject", exact=True).click()
    expect(page.locator(".flash")).to_have_text(
        "Rejected; the expert is told why and is paid all the same."
    )
    expect(page.locator(f"#rejected tr[data-judgment='{judgment.id}']")).to_contain_text(
        "wrong_choice"
    )
    judgment.refresh_from_db()
    assert judgment.status == Judgment.Status.REJECTED
    assert_ledger_clean()

    page.get_by_role("button", name="Sign out").click()
    sign_in(erin.email)
    page.get_by_role("link", name="Earnings").click()
    rejection = page.locator(f"#rejections tr[data-judgment='{judgment.id}']")
    expect(rejection).to_contain_text(REJECTION_REASONS["wrong_choice"])
    expect(rejection).to_contain_text(NOTE)
    expect(rejection).to_contain_text("Paid $1.00")
    expect(rejection).to_contain_text("you were paid all the same")
    expect(page.locator("[data-money=available]")).to_have_text("$1.00")
