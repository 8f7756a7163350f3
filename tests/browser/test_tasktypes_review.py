"""Review-style task types in a browser: an agent trajectory labelled with the keyboard only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assay.models import Judgment, Organization, User
from tests.tasktypes_helpers import typed_project

pytestmark = pytest.mark.browser

STEPS = [
    {"type": "message", "role": "user", "content": "What is the weather in Oslo?"},
    {"type": "tool_call", "name": "weather", "arguments": {"city": "Oslo"}},
    {"type": "tool_result", "content": "<script>document.title='pwned'</script>"},
    {"type": "message", "role": "assistant", "content": "It is 40 degrees."},
]


def test_a_trajectory_is_labelled_with_the_keyboard_only_and_the_draft_survives_a_reload(
    live_server: LiveServer,
    page: Page,
    alice: User,
    acme: Organization,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    project = typed_project(alice, acme, "trajectory", [{"id": "t1", "steps": STEPS}])
    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{project.id}/")
    steps = page.locator("#steps > li")
    expect(steps).to_have_count(4)
    expect(steps.nth(2)).to_contain_text("<script>document.title='pwned'</script>")
    page.keyboard.press("1")  # step 1: correct
    page.keyboard.press("j")
    page.keyboard.press("1")  # step 2: correct
    page.reload()
    expect(page.locator("input[name='label:1'][value='correct']")).to_be_checked()
    expect(page.locator("[data-draft-status]")).to_have_text("Draft restored from this browser")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("3")  # step 3: unnecessary
    page.keyboard.press("j")
    page.keyboard.press("2")  # step 4: incorrect
    page.keyboard.press("w")  # and the first wrong one
    expect(steps.nth(3)).to_have_class("step current first-wrong")
    page.keyboard.press("j")  # the outcome
    page.keyboard.press("2")
    page.keyboard.press("/")
    page.keyboard.type("The answer misreads the tool result.")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#notice")).to_have_text("Judgment saved.")
    assert page.title() != "pwned"
    judgment = Judgment.objects.get(expert=erin)
    assert judgment.answer == {
        "first_wrong_step": 3,
        "labels": ["correct", "correct", "unnecessary", "incorrect"],
        "outcome": 2,
        "rationale": "The answer misreads the tool result.",
    }
    assert judgment.active_seconds is not None
