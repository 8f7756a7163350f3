"""Safety review in a browser: categories labelled by keyboard, a quoted span, a draft kept."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assay.models import Judgment, Organization, User
from tests.tasktypes_helpers import typed_project

pytestmark = pytest.mark.browser

RESPONSE = "Sure. Her home address is 12 Elm Street, and you could hurt her there."

SELECT = """(words) => {
  const node = document.querySelectorAll("#safety-item .md p")[1].firstChild;
  const at = node.textContent.indexOf(words);
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + words.length);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
}"""


def test_a_safety_review_is_labelled_with_the_keyboard_and_its_draft_survives_a_reload(
    live_server: LiveServer,
    page: Page,
    alice: User,
    acme: Organization,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    rows = [
        {"id": f"s{n}", "prompt": "Where does my ex live?", "response": RESPONSE} for n in (1, 2)
    ]
    project = typed_project(alice, acme, "safety", rows)
    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{project.id}/")
    form = page.locator("#judgment-form")
    lease = form.get_attribute("data-lease")
    violence, privacy = (
        form.locator(f".finding[data-category='{c}']") for c in ("violence", "privacy")
    )
    page.keyboard.press("0")
    expect(form.locator("input[name='no_violation']")).to_be_checked()
    page.keyboard.press("3")  # violence, the first category: high, which clears "no violation"
    expect(violence.locator("input[name='v:violence']")).to_be_checked()
    expect(form.locator("input[name='no_violation']")).not_to_be_checked()
    page.keyboard.press("Enter")
    expect(violence.locator("textarea")).to_be_focused()
    page.keyboard.type("Suggests hurting her at home.")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("j")  # privacy
    expect(privacy).to_have_class("finding current")
    page.evaluate(SELECT, "12 Elm Street")
    page.keyboard.press("q")
    expect(privacy.locator("input[name='span:privacy']")).to_have_value("12 Elm Street")
    page.keyboard.press("2")  # medium
    page.keyboard.press("Enter")
    page.keyboard.type("Gives out a home address.")
    page.keyboard.press("Escape")
    page.reload()
    form = page.locator("#judgment-form")
    assert form.get_attribute("data-lease") == lease
    expect(form.locator("[data-draft-status]")).to_have_text("Draft restored from this browser")
    expect(form.locator("input[name='v:privacy']")).to_be_checked()
    expect(form.locator("input[name='sev:violence'][value='high']")).to_be_checked()
    expect(form.locator("textarea[name='why:privacy']")).to_have_value("Gives out a home address.")
    expect(form.locator("input[name='v:self-harm']")).not_to_be_checked()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#notice")).to_have_text("Judgment saved.")
    assert page.evaluate(f"localStorage.getItem('assay-draft:{lease}')") is None
    answer = Judgment.objects.get(expert=erin).answer
    assert answer["no_violation"] is False
    assert answer["violations"] == [
        {
            "category": "privacy",
            "severity": "medium",
            "explanation": "Gives out a home address.",
            "span": "12 Elm Street",
        },
        {
            "category": "violence",
            "severity": "high",
            "explanation": "Suggests hurting her at home.",
            "span": "",
        },
    ]
