"""Headless Chromium through Playwright's sync API, shared by the browser tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.conftest import PASSWORD

# Playwright's sync API drives the browser from an asyncio event loop running in
# this thread. Django refuses ORM calls from a thread with a running loop
# (SynchronousOnlyOperation), although the test code itself is plain synchronous
# code; this flag lets fixtures and assertions use the ORM next to Playwright.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1300, "height": 1000}
TIMEOUT_MS = 8_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own context (no cookies shared between tests)."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def sign_in(live_server: LiveServer, page: Page) -> Callable[[str], None]:
    """Sign ``page`` in through the /login/ form as the user with ``email``."""

    def submit(email: str) -> None:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", email)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text(email)).to_be_visible()

    return submit
