"""Task type forms in a browser: a ranking by keyboard only, a rubric draft across a reload."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assay.models import Judgment, Organization, User
from tests.tasktypes_helpers import typed_project

pytestmark = pytest.mark.browser


def test_a_ranking_is_made_and_submitted_with_the_keyboard_only(
    live_server: LiveServer,
    page: Page,
    alice: User,
    acme: Organization,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    rows = [{"id": "r1", "prompt": "Order these", "responses": ["first", "second", "third"]}]
    project = typed_project(alice, acme, "ranking", rows, config={"allow_ties": True})
    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{project.id}/")
    expect(page.locator("#ranklist > li")).to_have_count(3)
    page.keyboard.press("3")  # focus the third response
    page.keyboard.press("Shift+ArrowUp")
    page.keyboard.press("Shift+ArrowUp")  # now first
    page.keyboard.press("ArrowDown")
    page.keyboard.press("t")  # tie positions 2 and 3
    page.keyboard.press("/")
    page.keyboard.type("Third is the most complete.")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#notice")).to_have_text("Judgment saved.")
    judgment = Judgment.objects.get(expert=erin)
    assert judgment.answer["order"] == [2, 0, 1]
    assert judgment.answer["ties"] == [False, True]
    assert judgment.answer["rationale"] == "Third is the most complete."
    assert judgment.active_seconds is not None


def test_a_rubric_draft_survives_a_reload_and_is_cleared_on_submit(
    live_server: LiveServer,
    page: Page,
    alice: User,
    acme: Organization,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    rows = [{"id": f"q{n}", "prompt": f"Question {n}", "response": "An answer"} for n in range(2)]
    config = {"criteria": [{"name": "correct"}, {"name": "style", "allow_na": True}]}
    project = typed_project(alice, acme, "rubric", rows, config=config)
    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{project.id}/")
    form = page.locator("#judgment-form")
    lease = form.get_attribute("data-lease")
    page.keyboard.press("4")  # score the first criterion
    page.keyboard.press("Enter")
    page.keyboard.type("Every sum checks out.")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("n")
    page.locator("textarea[name='why:style']").fill("No style to judge here.")
    page.reload()
    form = page.locator("#judgment-form")
    assert form.get_attribute("data-lease") == lease
    expect(form.locator("input[name='score:correct'][value='4']")).to_be_checked()
    expect(form.locator("textarea[name='why:correct']")).to_have_value("Every sum checks out.")
    expect(form.locator("input[name='na:style']")).to_be_checked()
    expect(form.locator("[data-draft-status]")).to_have_text("Draft restored from this browser")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#notice")).to_have_text("Judgment saved.")
    assert page.evaluate(f"localStorage.getItem('assay-draft:{lease}')") is None
    judgment = Judgment.objects.get(expert=erin)
    assert judgment.answer["ratings"]["correct"]["score"] == 4
    assert judgment.answer["ratings"]["style"]["not_applicable"] is True
