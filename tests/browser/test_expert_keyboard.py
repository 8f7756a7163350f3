"""An expert signs up, sees the pay up front, and judges tasks with the keyboard alone."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assay.actions import projects
from assay.actions.imports import import_items
from assay.models import Judgment, Project, User
from tests.conftest import PASSWORD, jsonl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The README's screenshot is rewritten only when asked, so a test run leaves the tree clean.
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "expert-task.png"
UPDATE_SCREENSHOT = os.environ.get("ASSAY_UPDATE_SCREENSHOT") == "1"

# (choice key, strength key or None, rationale, expected choice, expected strength)
PLAN = [
    ("1", "d", "A gives the right sum; B is off by one.", "a", 3),
    ("2", "a", "B explains a little more clearly than A.", "b", 1),
    ("3", None, "Both answers are equally good here.", "tie", None),
]

NEW_LEASE = """old => {
  const form = document.getElementById("judgment-form");
  return form !== null && form.dataset.lease !== old;
}"""


def _lease(page: Page) -> str:
    lease = page.locator("#judgment-form").get_attribute("data-lease")
    assert lease
    return lease


def test_new_expert_signs_up_and_judges_three_tasks_by_keyboard_only(
    live_server: LiveServer,
    page: Page,
    make_project: Callable[..., Project],
    alice: User,
    tmp_path: Path,
) -> None:
    project = make_project(items=4, overlap=2, pay_cents=100, minutes=3)
    # A second guidelines version: judgments must record the current one, not the first.
    projects.revise_guidelines(
        actor=alice, project=project, body="# Guidelines v2\n\nPrefer the correct sum."
    )
    project.refresh_from_db()

    page.goto(f"{live_server.url}/signup/")
    page.fill("#name", "Nadia")
    page.fill("#email", "nadia@experts.test")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(f"{live_server.url}/work/")

    offer = page.locator(".offer", has_text="Helpfulness")
    expect(offer.locator("[data-pay]")).to_have_text("$1.00")
    expect(offer.get_by_role("row", name="Estimated time")).to_contain_text("3 min")
    expect(offer.locator("[data-rate]")).to_have_text("$20.00 / hour")
    offer.get_by_role("link", name="Start").click()

    page.wait_for_url(f"{live_server.url}/work/{project.id}/")
    expect(page.locator(".taskbar")).to_contain_text("$1.00 per task · about 3 min · $20.00 / hour")
    lease = _lease(page)
    # Survives only if every later task is swapped in without reloading the page.
    page.evaluate("window.__samePage = 'still here'")

    submitted: dict[int, tuple[str, int | None, str]] = {}
    for number, (choice_key, strength_key, rationale, choice, strength) in enumerate(PLAN):
        form = page.locator("#judgment-form")
        page.keyboard.press(choice_key)
        expect(form.locator(f'input[name=choice][value="{choice}"]')).to_be_checked()
        if strength_key is None:
            for box in form.locator("input[name=strength]").all():
                expect(box).to_be_disabled()
        elif number == 1:
            # Write the rationale first, leave the textarea with Esc, then pick the strength.
            page.keyboard.press("/")
            expect(form.locator("textarea[name=rationale]")).to_be_focused()
            page.keyboard.type(rationale)
            page.keyboard.press("Escape")
            expect(form.locator("textarea[name=rationale]")).not_to_be_focused()
            page.keyboard.press(strength_key)
        else:
            page.keyboard.press(strength_key)
        if strength_key is not None:
            expect(form.locator(f'input[name=strength][value="{strength}"]')).to_be_checked()
        if number != 1:
            page.keyboard.press("/")
            expect(form.locator("textarea[name=rationale]")).to_be_focused()
            page.keyboard.type(rationale)
        expect(form.locator("textarea[name=rationale]")).to_have_value(rationale)

        if number == 0:
            shot = SCREENSHOT if UPDATE_SCREENSHOT else tmp_path / SCREENSHOT.name
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 0

        submitted[int(lease)] = (choice, strength, rationale)
        page.keyboard.press("Control+Enter")
        page.wait_for_function(NEW_LEASE, arg=lease)
        expect(page.locator("#notice")).to_have_text("Judgment saved.")
        assert page.evaluate("window.__samePage") == "still here"
        lease = _lease(page)
        expect(page.locator("#judgment-form")).to_contain_text(f"{number + 1} submitted")

    judgments = Judgment.objects.filter(expert__email="nadia@experts.test")
    assert judgments.count() == 3
    recorded = {j.lease_id: (j.choice, j.strength, j.rationale) for j in judgments}
    assert recorded == submitted
    assert {j.guidelines_id for j in judgments} == {project.guidelines_id}
    assert project.guidelines is not None
    assert project.guidelines.number == 2


def test_shortcuts_work_on_the_next_task_without_pressing_escape(
    live_server: LiveServer,
    page: Page,
    make_project: Callable[..., Project],
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    project = make_project(items=2)
    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{project.id}/")
    lease = _lease(page)
    page.keyboard.press("1")
    page.keyboard.press("s")
    page.keyboard.press("/")
    page.keyboard.type("A has the right sum.")
    page.keyboard.press("Control+Enter")
    page.wait_for_function(NEW_LEASE, arg=lease)

    page.keyboard.press("2")
    form = page.locator("#judgment-form")
    expect(form.locator("textarea[name=rationale]")).to_have_value("", timeout=1_000)
    expect(form.locator('input[name=choice][value="b"]')).to_be_checked(timeout=1_000)


def test_model_output_with_html_is_shown_as_inert_text(
    live_server: LiveServer,
    page: Page,
    make_project: Callable[..., Project],
    alice: User,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    img = 'Hi <img src=x onerror="window.__xss=1"> there'
    script = "<script>window.__xss = 2</script>"
    project = make_project(items=0, publish=False)
    data = jsonl([{"id": "x-1", "prompt": "Say hi.", "response_a": img, "response_b": script}])
    import_items(
        actor=alice, project=project, stream=io.BytesIO(data), filename="x.jsonl", size=len(data)
    )
    projects.publish_project(actor=alice, project=project)

    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{project.id}/")
    expect(page.locator("#judgment-form")).to_be_visible()
    page.wait_for_load_state("networkidle")  # give a live <img> time to fail and fire onerror

    expect(page.locator("#response-a")).to_contain_text(img)
    expect(page.locator("#response-b")).to_contain_text(script)
    assert page.locator("#response-a img, #response-b script").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
