"""Markdown to safe HTML for untrusted text: model outputs, imported items, guidelines.

Raw HTML in the source is never passed through: markdown-it escapes it, and
nh3 then removes anything outside a small allow-list as a second wall. TeX between
``$…$`` or ``$$…$$`` is marked as math (escaped text in a ``math`` span or div) for
the page's vendored KaTeX to typeset with ``trust`` off.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

_TAGS = {
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
_ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}, "div": {"class"}, "code": {"class"}}
_FORMATTER = HtmlFormatter(nowrap=True)


def _highlight(code: str, language: str, _attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(language.strip()) if language.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""
    body: str = highlight(code, lexer, _FORMATTER)
    return f'<pre><code class="highlight">{body}</code></pre>'


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    options = {"html": False, "linkify": False, "typographer": False, "highlight": _highlight}
    parser = MarkdownIt("commonmark", options).enable("table").enable("strikethrough")
    # Math is marked here, on the server, as <span class="math inline"> and
    # <div class="math block"> holding escaped TeX; the page's KaTeX renders only those.
    # "$5 and $10" stays money: a closing $ before a digit, or $ next to a space, is text.
    return parser.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)


@lru_cache(maxsize=4096)
def markdown_to_html(text: str) -> str:
    """Safe HTML for ``text``; cached, since an item is shown to several experts in a row."""
    html = _parser().render(text)
    cleaned: str = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return cleaned


def highlight_css() -> str:
    css: str = HtmlFormatter().get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    return css
