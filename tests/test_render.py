"""Untrusted Markdown becomes safe HTML."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.render import markdown_to_html

SAFE_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
SAFE_ATTRIBUTES = {"href", "title", "class", "rel"}


class Elements(HTMLParser):
    """Collects the real elements and attributes of a fragment (not escaped text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def assert_inert(html: str) -> None:
    found = elements(html)
    assert set(found.tags) <= SAFE_TAGS, found.tags
    assert {name for name, _ in found.attributes} <= SAFE_ATTRIBUTES, found.attributes
    for name, value in found.attributes:
        if name == "href":
            assert (value or "").startswith(("http:", "https:", "mailto:")), value


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=//evil.test></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "![x](javascript:alert(1))",
    ],
)
def test_active_content_never_survives(attack: str) -> None:
    assert_inert(markdown_to_html(f"Before {attack} after"))


def test_markdown_and_code_highlighting_render() -> None:
    html = markdown_to_html("**bold** and `code`\n\n```python\ndef f():\n    return 1\n```\n")
    assert "<strong>bold</strong>" in html
    assert '<pre><code class="highlight">' in html
    assert '<span class="k">def</span>' in html


def test_links_get_safe_rel() -> None:
    html = markdown_to_html("[docs](https://example.test/)")
    assert 'href="https://example.test/"' in html
    assert "noopener" in html


@given(st.text(max_size=300))
def test_no_generated_text_yields_a_raw_tag(text: str) -> None:
    html = markdown_to_html(text).lower()
    assert "<script" not in html
    assert (
        " on" not in html.split(">")[0]
        if html.startswith("<") and "=" in html.split(">")[0]
        else True
    )
