"""Math in a task page: KaTeX renders the prompt's math; untrusted math runs nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assay.models import Organization, User
from tests.tasktypes_helpers import typed_project

pytestmark = pytest.mark.browser

PROMPT = (
    "Is $x^2$ ever negative? See also $$\\int_0^1 x\\,dx$$, "
    "$\\href{javascript:window.pwned=1}{click}$ and $<img src=x onerror=window.pwned=1>$."
)


def test_math_in_a_prompt_is_rendered_by_katex_and_trusts_nothing(
    live_server: LiveServer,
    page: Page,
    alice: User,
    acme: Organization,
    erin: User,
    sign_in: Callable[[str], None],
) -> None:
    rows = [{"id": "m1", "prompt": PROMPT, "samples": ["No: $x^2 \\ge 0$."]}]
    project = typed_project(alice, acme, "rubric_authoring", rows)
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    sign_in(erin.email)
    page.goto(f"{live_server.url}/work/{project.id}/")
    prompt = page.locator("#judgment-form .md.card").first
    expect(prompt.locator(".katex").first).to_be_visible()
    expect(prompt.locator(".katex-display")).to_have_count(1)  # the $$ block
    expect(page.locator("#samples .katex").first).to_be_attached()
    assert prompt.locator(".katex annotation").first.text_content() == "x^2"
    # \href is refused (trust: false) and HTML in math stays text: no link, no image.
    expect(prompt.locator("a")).to_have_count(0)
    expect(prompt.locator("img")).to_have_count(0)
    assert page.evaluate("window.pwned") is None
    assert not [url for url in failed if "/static/" in url]
