"""Stump the model in a browser against a fake OpenAI server: ask, mark the misses, a draft."""

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

QUESTION = "Is a verbal contract for land enforceable?"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with running() as server:
        yield server


@pytest.fixture
def stump(alice: User, acme: Organization, fake: FakeOpenAI) -> Project:
    for name in ("alpha", "beta"):
        spec = endpoint_actions.EndpointSpec(name=name, base_url=fake.url, model=f"{name}-7b")
        endpoint_actions.create_endpoint(actor=alice, organization=acme, spec=spec)
    rows = [{"id": f"b{n}", "brief": "A contract law question."} for n in (1, 2)]
    return typed_project(alice, acme, "stump", rows, config={"endpoints": ["alpha", "beta"]})


def test_a_question_is_written_asked_and_marked_with_the_keyboard_and_its_draft_kept(
    live_server: LiveServer,
    page: Page,
    stump: Project,
    fake: FakeOpenAI,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{stump.id}/")
    form = page.locator("#judgment-form")
    lease = form.get_attribute("data-lease")
    page.locator("#st-question").focus()
    page.keyboard.type(QUESTION)
    page.keyboard.press("Tab")
    page.keyboard.type("No: the statute of frauds requires writing.")
    page.keyboard.press("Tab")
    page.keyboard.type("Names the statute of frauds")
    page.keyboard.press("Enter")
    page.keyboard.type("Says the answer is no")
    page.keyboard.press("Control+m")
    cards = page.locator("#st-answers > .card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text(f"alpha-7b says: an answer to {QUESTION}")
    expect(cards.nth(1)).to_contain_text(f"beta-7b says: an answer to {QUESTION}")
    assert [r["model"] for r in fake.chat_requests()] == ["alpha-7b", "beta-7b"]
    page.keyboard.press("Tab")  # the Ask button
    page.keyboard.press("Tab")  # alpha misses: statute of frauds
    page.keyboard.press("Space")
    for _ in range(3):  # to beta misses: says no
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(cards.nth(1).locator("input[type=checkbox]").nth(1)).to_be_checked()
    page.reload()
    form = page.locator("#judgment-form")
    assert form.get_attribute("data-lease") == lease
    expect(form.locator("[data-draft-status]")).to_have_text("Draft restored from this browser")
    expect(page.locator("#st-question")).to_have_value(QUESTION)
    expect(page.locator("#st-rubric")).to_have_value(
        "Names the statute of frauds\nSays the answer is no"
    )
    expect(cards).to_have_count(2)
    expect(cards.nth(0).locator("input[type=checkbox]").nth(0)).to_be_checked()
    expect(cards.nth(0).locator("input[type=checkbox]").nth(1)).not_to_be_checked()
    expect(cards.nth(1).locator("input[type=checkbox]").nth(1)).to_be_checked()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#notice")).to_have_text("Judgment saved.")
    assert page.evaluate(f"localStorage.getItem('assay-draft:{lease}')") is None
    answer = Judgment.objects.get(expert=erin).answer
    calls = list(ModelCall.objects.filter(purpose="stump").order_by("id"))
    assert answer == {
        "question": QUESTION,
        "reference_answer": "No: the statute of frauds requires writing.",
        "rubric": ["Names the statute of frauds", "Says the answer is no"],
        "model_answers": [
            {"endpoint": "alpha", "call_id": calls[0].id, "text": calls[0].reply, "misses": [0]},
            {"endpoint": "beta", "call_id": calls[1].id, "text": calls[1].reply, "misses": [1]},
        ],
    }
