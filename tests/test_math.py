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
    script = body(web(erin).get(ASSETS[2]))
    assert "trust: false" in script
    assert "throwOnError: false" in script


def test_math_is_marked_on_the_server_and_a_script_in_math_stays_text(
    mathy: Project, erin: User, web: Callable[[User], Client]
) -> None:
    fragment = body(web(erin).post(f"/work/{mathy.id}/next/"))
    assert '<span class="math inline">x^2 = 4</span>' in fragment
    assert '<div class="math inline">\\frac{a}{b}</div>' in fragment
    assert '<span class="math inline">&lt;script&gt;alert(1)&lt;/script&gt;</span>' in fragment
    assert "<script>alert(1)" not in fragment


@pytest.mark.parametrize(
    ("text", "tex"),
    [
        ("$a^2$", '<span class="math inline">a^2</span>'),
        ("$$\\sum_{i=1}^n i$$", '<div class="math block">\n\\sum_{i=1}^n i\n</div>'),
        ("$a*b*c$", '<span class="math inline">a*b*c</span>'),
    ],
)
def test_the_markdown_renderer_marks_math(text: str, tex: str) -> None:
    assert tex in markdown_to_html(text.replace("$$\\sum", "$$\n\\sum").replace("i$$", "i\n$$"))


@pytest.mark.parametrize("text", ["Pay $1.20 a task, or $2.50 with review.", "costs $5 and $10"])
def test_money_is_not_math(text: str) -> None:
    html = markdown_to_html(text)
    assert "math" not in html
    assert text in html
