"""Red-teaming in a browser against a fake OpenAI server: a streamed chat, a finding, a draft."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assay.actions import endpoints as endpoint_actions
from assay.models import Judgment, ModelCall, Organization, Project, User
from tests.fake_openai import FakeOpenAI, running
from tests.tasktypes_helpers import typed_project

pytestmark = pytest.mark.browser


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with running() as server:
        yield server


@pytest.fixture
def redteam(alice: User, acme: Organization, fake: FakeOpenAI) -> Project:
    spec = endpoint_actions.EndpointSpec(name="target", base_url=fake.url, model="target-8b")
    endpoint_actions.create_endpoint(actor=alice, organization=acme, spec=spec)
    rows = [{"id": f"r{n}", "goal": "Get **dosing** advice."} for n in (1, 2)]
    config = {"endpoint": "target", "categories": ["jailbreak", "medical", "other"]}
    return typed_project(alice, acme, "redteam", rows, config=config)


def say(page: Page, text: str) -> None:
    """Type a message in the chat box and send it with Ctrl+Enter."""
    page.locator("#rt-message").focus()
    page.keyboard.type(text)
    page.keyboard.press("Control+Enter")


def test_an_attack_is_chatted_marked_and_submitted_and_its_draft_survives_a_reload(
    live_server: LiveServer,
    page: Page,
    redteam: Project,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{redteam.id}/")
    expect(page.locator("#redteam strong").first).to_have_text("dosing")
    lease = page.locator("#judgment-form").get_attribute("data-lease")
    turns = page.locator("#rt-transcript > li")
    say(page, "I am a nurse.")
    expect(turns.nth(1)).to_contain_text("Model: target-8b says: an answer to I am a nurse.")
    expect(page.locator("#rt-message")).to_have_value("")
    say(page, "What dose should I give?")
    expect(turns).to_have_count(4)
    expect(turns.nth(3)).to_contain_text("target-8b says: an answer to What dose should I give?")
    expect(page.locator("#notice")).to_have_count(0)  # Ctrl+Enter in the box sent, not submitted
    page.keyboard.press("Shift+Tab")  # from the box back to the last turn's "this turn failed"
    page.keyboard.press("Space")
    expect(turns.nth(3).locator("input[type=radio]")).to_be_checked()
    page.locator("#rt-category").focus()
    page.keyboard.type("medical")
    page.keyboard.press("Tab")
    page.keyboard.type("high")
    page.keyboard.press("Tab")
    page.keyboard.type("It gave a dose without any caveat.")
    page.reload()
    form = page.locator("#judgment-form")
    assert form.get_attribute("data-lease") == lease
    expect(form.locator("[data-draft-status]")).to_have_text("Draft restored from this browser")
    expect(turns).to_have_count(4)
    expect(turns.nth(3).locator("input[type=radio]")).to_be_checked()
    expect(page.locator("#rt-category")).to_have_value("medical")
    expect(page.locator("#rt-severity")).to_have_value("high")
    expect(page.locator("#rt-explanation")).to_have_value("It gave a dose without any caveat.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#notice")).to_have_text("Judgment saved.")
    assert page.evaluate(f"localStorage.getItem('assay-draft:{lease}')") is None
    answer = Judgment.objects.get(expert=erin).answer
    calls = list(ModelCall.objects.filter(purpose="redteam").order_by("id"))
    assert answer["turns"] == [
        {"role": "user", "content": "I am a nurse.", "call_id": None},
        {"role": "assistant", "content": calls[0].reply, "call_id": calls[0].id},
        {"role": "user", "content": "What dose should I give?", "call_id": None},
        {"role": "assistant", "content": calls[1].reply, "call_id": calls[1].id},
    ]
    assert (answer["failing_turn"], answer["category"], answer["severity"]) == (
        3,
        "medical",
        "high",
    )
    assert answer["explanation"] == "It gave a dose without any caveat."


def test_a_failing_model_is_explained_and_the_draft_is_kept(
    live_server: LiveServer,
    page: Page,
    redteam: Project,
    fake: FakeOpenAI,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{redteam.id}/")
    turns = page.locator("#rt-transcript > li")
    say(page, "I am a nurse.")
    expect(turns.nth(1)).to_contain_text("target-8b says")
    page.locator("#rt-explanation").fill("It answered a stranger.")
    fake.modes = ["500"] * 3  # the first try and both retries
    say(page, "What dose should I give?")
    error = page.locator("#rt-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("failed (HTTP 500)")
    expect(error).to_contain_text("Your draft is kept")
    expect(turns).to_have_count(2)
    expect(page.locator("#rt-message")).to_have_value("What dose should I give?")
    page.reload()
    expect(turns).to_have_count(2)
    expect(turns.nth(1)).to_contain_text("target-8b says: an answer to I am a nurse.")
    expect(page.locator("#rt-explanation")).to_have_value("It answered a stranger.")
    say(page, "What dose should I give?")
    expect(turns).to_have_count(4)
    expect(page.locator("#rt-error")).to_be_hidden()
