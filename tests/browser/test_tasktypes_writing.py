"""Writing task types in a browser: a correction by keyboard, a demonstration draft kept."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assay.models import Judgment, Organization, User
from tests.tasktypes_helpers import typed_project

pytestmark = pytest.mark.browser


def test_a_correction_is_typed_and_submitted_with_the_keyboard(
    live_server: LiveServer,
    page: Page,
    alice: User,
    acme: Organization,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    rows = [{"id": "c1", "prompt": "Capital of Australia?", "response": "It is Sydney."}]
    project = typed_project(alice, acme, "correction", rows)
    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{project.id}/")
    editor = page.locator("textarea[name='corrected']")
    expect(editor).to_have_value("It is Sydney.")
    expect(page.locator("#edit-status")).to_contain_text("Unchanged")
    page.keyboard.press("e")
    expect(editor).to_be_focused()
    page.keyboard.press("Control+End")
    for _ in range(len("Sydney.")):
        page.keyboard.press("Backspace")
    page.keyboard.type("Canberra.")
    page.keyboard.press("Escape")
    expect(page.locator("#edit-status")).to_contain_text("tag what was wrong")
    page.keyboard.press("1")  # factual
    page.keyboard.press("/")
    page.keyboard.type("Wrong capital.")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#notice")).to_have_text("Judgment saved.")
    answer = Judgment.objects.get(expert=erin).answer
    assert answer["corrected"] == "It is Canberra."
    assert answer["tags"] == ["factual"]
    assert [op for op in answer["diff"] if op["op"] != "equal"] == [
        {"op": "replace", "old": "Sydney", "new": "Canberra"}
    ]


def test_a_demonstration_draft_survives_a_reload(
    live_server: LiveServer,
    page: Page,
    alice: User,
    acme: Organization,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    rows = [{"id": f"d{n}", "prompt": f"Describe spring {n}."} for n in range(2)]
    config = {
        "min_words": 3,
        "max_words": 8,
        "checklist": [{"name": "answers", "text": "Answers the question"}],
    }
    project = typed_project(alice, acme, "demonstration", rows, config=config)
    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{project.id}/")
    form = page.locator("#judgment-form")
    lease = form.get_attribute("data-lease")
    page.keyboard.press("w")
    page.keyboard.type("Blossoms")
    expect(page.locator("#length-guide")).to_have_class("length-guide out")
    page.keyboard.type(" open and days grow longer.")
    expect(page.locator("#word-count")).to_have_text("6")
    expect(page.locator("#length-guide")).to_have_class("length-guide")
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.reload()
    form = page.locator("#judgment-form")
    assert form.get_attribute("data-lease") == lease
    text = "Blossoms open and days grow longer."
    expect(form.locator("textarea[name='response']")).to_have_value(text)
    expect(form.locator("input[name='checklist'][value='answers']")).to_be_checked()
    expect(page.locator("#word-count")).to_have_text("6")
    expect(form.locator("[data-draft-status]")).to_have_text("Draft restored from this browser")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#notice")).to_have_text("Judgment saved.")
    assert page.evaluate(f"localStorage.getItem('assay-draft:{lease}')") is None
    judgment = Judgment.objects.get(expert=erin)
    assert judgment.answer["response"] == text
    assert judgment.answer["checklist"] == ["answers"]
