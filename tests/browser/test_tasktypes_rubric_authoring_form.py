"""Rubric authoring in a browser: criteria written by keyboard, more rows, a draft kept."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assay.models import Judgment, Organization, User
from tests.tasktypes_helpers import typed_project

pytestmark = pytest.mark.browser

MORE = [
    ("Shows the substitution", "The working names u = x squared"),
    ("Gives the exact value", "The answer is 1/2, not a decimal"),
    ("Explains each step", "Every line says why it follows"),
    ("Uses correct notation", "dx appears in every integral"),
]


def test_a_rubric_is_authored_with_the_keyboard_and_its_draft_survives_a_reload(
    live_server: LiveServer,
    page: Page,
    alice: User,
    acme: Organization,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    rows = [
        {"id": f"p{n}", "prompt": f"Integrate x from 0 to {n}.", "samples": ["1/2"]} for n in (1, 2)
    ]
    project = typed_project(alice, acme, "rubric_authoring", rows)
    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{project.id}/")
    form = page.locator("#judgment-form")
    lease = form.get_attribute("data-lease")
    page.keyboard.press("a")
    expect(form.locator("#text-1")).to_be_focused()
    page.keyboard.type("States the area under the line")
    page.keyboard.press("Tab")  # type
    page.keyboard.type("should")
    page.keyboard.press("Tab")  # weight
    page.keyboard.type("8")
    page.keyboard.press("Tab")
    page.keyboard.type("Mentions area or the triangle")
    page.keyboard.press("Escape")
    expect(page.locator("#criteria-count")).to_have_text("1 criterion written")
    for n, (text, check) in enumerate(MORE, start=2):
        page.keyboard.press("a")
        expect(form.locator(f"#text-{n}")).to_be_focused()
        page.keyboard.type(text)
        form.locator(f"#check-{n}").fill(check)
        page.keyboard.press("Escape")
    more = form.locator("#more-criteria")
    assert more.get_attribute("open") is None
    page.keyboard.press("a")  # the first rows are used: "More criteria" opens
    expect(form.locator("#text-6")).to_be_focused()
    assert more.get_attribute("open") is not None
    page.keyboard.type("Does not round the answer")
    form.locator("select[name='type:6']").select_option("must-not")
    form.locator("#check-6").fill("No 0.5 anywhere in the answer")
    form.locator("#notes").fill("Sample 1 passes every criterion.")
    expect(page.locator("#criteria-count")).to_have_text("6 criteria written")
    page.reload()
    form = page.locator("#judgment-form")
    assert form.get_attribute("data-lease") == lease
    expect(form.locator("[data-draft-status]")).to_have_text("Draft restored from this browser")
    expect(page.locator("#criteria-count")).to_have_text("6 criteria written")
    expect(form.locator("#more-criteria")).to_have_attribute("open", "")
    expect(form.locator("#text-6")).to_have_value("Does not round the answer")
    expect(form.locator("select[name='type:1']")).to_have_value("should")
    expect(form.locator("select[name='weight:1']")).to_have_value("8")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#notice")).to_have_text("Judgment saved.")
    assert page.evaluate(f"localStorage.getItem('assay-draft:{lease}')") is None
    answer = Judgment.objects.get(expert=erin).answer
    assert answer["notes"] == "Sample 1 passes every criterion."
    assert answer["criteria"][0] == {
        "text": "States the area under the line",
        "weight": 8,
        "type": "should",
        "check": "Mentions area or the triangle",
    }
    assert [c["text"] for c in answer["criteria"][1:5]] == [text for text, _ in MORE]
    assert answer["criteria"][5] == {
        "text": "Does not round the answer",
        "weight": 5,
        "type": "must-not",
        "check": "No 0.5 anywhere in the answer",
    }
