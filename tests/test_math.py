"""Math in rendered Markdown: KaTeX served from /static/, and math-looking text stays inert."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay.models import Organization, Project, User
from assay.render import markdown_to_html
from tests.tasktypes_helpers import typed_project

PROMPT = "Solve $x^2 = 4$, then $$\\frac{a}{b}$$ and $<script>alert(1)</script>$."
ASSETS = (
    "/static/assay/katex/katex.min.css",
    "/static/assay/katex/katex.min.js",
    "/static/assay/katex/auto-render.min.js",
    "/static/assay/katex/render.js",
)


@pytest.fixture
def mathy(alice: User, acme: Organization) -> Project:
    rows = [{"id": "m1", "prompt": PROMPT, "samples": ["$x = \\pm 2$"]}]
    return typed_project(alice, acme, "rubric_authoring", rows)


def body(response: Any) -> str:
    """The text of a page or a (streamed) static file, closing the file it came from."""
    assert response.status_code == 200, response
    try:
        content = b"".join(response.streaming_content) if response.streaming else response.content
    finally:
        response.close()
    return str(content.decode())


def test_the_task_page_loads_katex_from_static_and_never_a_cdn(
    mathy: Project, erin: User, web: Callable[[User], Client]
) -> None:
    client = web(erin)
    page = body(client.get(f"/work/{mathy.id}/"))
    for asset in ASSETS:
        assert asset in page
    assert not re.search(r"""(src|href)="https?://""", page)
    css, *_ = [body(client.get(asset)) for asset in ASSETS]
    fonts = re.findall(r"url\((fonts/[^)]+)\)", css)
    assert fonts
    assert all(f.endswith(".woff2") for f in fonts)
    font = client.get(f"/static/assay/katex/{fonts[0]}")
    font.close()
    assert font.status_code == 200


def test_katex_is_configured_to_trust_nothing(web: Callable[[User], Client], erin: User) -> None:
    script = body(web(erin).get(ASSETS[3]))
    assert "trust: false" in script
    assert "throwOnError: false" in script


def test_math_delimiters_survive_sanitizing_and_a_script_in_math_stays_text(
    mathy: Project, erin: User, web: Callable[[User], Client]
) -> None:
    fragment = body(web(erin).post(f"/work/{mathy.id}/next/"))
    assert '<div class="md card"><p>Solve $x^2 = 4$, then $$\\frac{a}{b}$$' in fragment
    assert "$&lt;script&gt;alert(1)&lt;/script&gt;$" in fragment
    assert "<script>alert(1)" not in fragment


@pytest.mark.parametrize(
    "math", ["$a^2$", "$$\\sum_{i=1}^n i$$", "$\\sqrt{2}$", "$$\\alpha + \\beta$$"]
)
def test_the_markdown_renderer_keeps_math_as_text(math: str) -> None:
    assert math in markdown_to_html(math)
