"""Correction: the expert edits one response to a prompt into an acceptable one.

The stored answer keeps the original response, the edit, a word-level diff computed
here (difflib over word, punctuation and whitespace tokens, never trusted from the
client) and error tags saying what was wrong. A response that needs no change is
marked so, with a reason. No vote across experts: every correction is its own row, a
reviewer's correction replaces the expert's and rejected ones are left out. Exports:
``corrections`` and ``sft`` (conversational ``messages`` ending in the corrected
response), both one row per judgment.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any, Literal, get_args

from pydantic import Field, field_validator

from assay.exports.registry import Mapping
from assay.render import markdown_to_html
from assay.tasktypes import Problems, Schema, TaskType, register
from assay.tasktypes import _exports as ex

MAX_TEXT = 200_000
MIN_REASON = 5
Tag = Literal["factual", "reasoning", "safety", "style", "instruction_following"]
TAGS: tuple[str, ...] = get_args(Tag)
TAG_TITLES = {
    "factual": "Factual error",
    "reasoning": "Reasoning error",
    "safety": "Safety issue",
    "style": "Style or clarity",
    "instruction_following": "Did not follow the instructions",
}
_TOKEN = re.compile(r"\w+|[^\w\s]+|\s+")


def normalize(text: str) -> str:
    """Browsers send textarea line breaks as CRLF; the item has LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class CorrectionItem(Schema):
    prompt: str = Field(min_length=1, max_length=MAX_TEXT)
    response: str = Field(min_length=1, max_length=MAX_TEXT)
    system: str = Field(default="", max_length=MAX_TEXT)


class DiffOp(Schema):
    op: Literal["equal", "delete", "insert", "replace"]
    old: str = ""
    new: str = ""


class CorrectionAnswer(Schema):
    corrected: str = Field(default="", max_length=MAX_TEXT)
    tags: list[Tag] = Field(default_factory=list, max_length=len(TAGS))
    no_change: bool = False
    # Why no change is needed (required then), else an optional note on the edit.
    reason: str = Field(default="", max_length=2000)
    # Filled by the server from the item and the edit; what a client sends is replaced.
    original: str = ""
    diff: list[DiffOp] = Field(default_factory=list)

    @field_validator("corrected")
    @classmethod
    def _line_breaks(cls, text: str) -> str:
        return normalize(text)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(original: str, corrected: str) -> list[DiffOp]:
    """Ops whose ``old`` parts join to ``original`` and ``new`` parts to ``corrected``.

    Whitespace alone between two changes is folded into one change, so rewording
    "the big cat" as "a small dog" is one replacement, not three.
    """
    a, b = tokens(original), tokens(corrected)
    matcher = SequenceMatcher(a=a, b=b, autojunk=False)
    raw = [
        (tag == "equal", "".join(a[i1:i2]), "".join(b[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    merged: list[list[Any]] = []
    for n, (equal, old, new) in enumerate(raw):
        between = 0 < n < len(raw) - 1 and not raw[n - 1][0] and not raw[n + 1][0]
        if equal and old.isspace() and between:
            equal = False
        if merged and not equal and not merged[-1][0]:
            merged[-1][1] += old
            merged[-1][2] += new
        else:
            merged.append([equal, old, new])
    return [DiffOp(op=_label(equal, old, new), old=old, new=new) for equal, old, new in merged]


def _label(equal: bool, old: str, new: str) -> Literal["equal", "delete", "insert", "replace"]:
    if equal:
        return "equal"
    return "replace" if old and new else "delete" if old else "insert"


def answer_problems(original: str, answer: CorrectionAnswer) -> Problems:
    problems: Problems = {}
    changed = answer.corrected.strip() != normalize(original).strip()
    if len(set(answer.tags)) != len(answer.tags):
        problems["tags"] = "give each tag once"
    if answer.no_change:
        if changed:
            problems["corrected"] = "you edited the response but marked it as needing no change"
        if answer.tags:
            problems["tags"] = "a response that needs no change has no error tags"
        if len(answer.reason.strip()) < MIN_REASON:
            problems["reason"] = "say in a few words why no change is needed"
    elif not answer.corrected.strip():
        problems["corrected"] = "write the corrected response"
    elif not changed:
        problems["corrected"] = "edit the response, or mark it as needing no change"
    elif not answer.tags:
        problems["tags"] = "tag at least one kind of error you corrected"
    return problems


def messages(item: CorrectionItem, answer: CorrectionAnswer) -> list[dict[str, str]]:
    """TRL conversational SFT: optional system, the prompt, the corrected response."""
    start = [{"role": "system", "content": item.system}] if item.system else []
    return [
        *start,
        {"role": "user", "content": item.prompt},
        {"role": "assistant", "content": answer.corrected},
    ]


class Correction(TaskType):
    code = "correction"
    title = "Correction"
    summary = "Edit a response into an acceptable one and tag what was wrong with it."
    item_schema = CorrectionItem
    answer_schema = CorrectionAnswer
    aggregation = "None: one row per correction; a reviewer's correction replaces it."
    order = 30
    keys = (
        ("e", "edit the response"),
        ("1 to 5", "toggle an error tag"),
        ("0", "no change needed"),
        ("/", "write the reason"),
        ("Esc", "leave the text box"),
    )
    example_item = {"prompt": "...", "response": "...", "system": "(optional)"}

    def parse_answer(self, item: Any, config: Any, raw: Any) -> CorrectionAnswer:
        given = dict(raw)
        if given.get("no_change") and not str(given.get("corrected") or "").strip():
            given["corrected"] = item.response
        answer = super().parse_answer(item, config, given)
        assert isinstance(answer, CorrectionAnswer)  # noqa: S101 -- our answer_schema
        corrected = normalize(item.response) if answer.no_change else answer.corrected
        return answer.model_copy(
            update={
                "corrected": corrected,
                "original": item.response,
                "diff": word_diff(normalize(item.response), corrected),
            }
        )

    def check_answer(self, item: Any, config: Any, answer: Any) -> Problems:
        return answer_problems(item.response, answer)

    def answer_from_form(self, form: Any) -> dict[str, Any]:
        """Plain form fields (corrected, tags, no_change, reason): works without script."""
        getlist = getattr(form, "getlist", None)
        tags = getlist("tags") if getlist else form.get("tags") or []
        return {
            "corrected": str(form.get("corrected") or ""),
            "tags": [str(t) for t in tags],
            "no_change": bool(form.get("no_change")),
            "reason": str(form.get("reason") or ""),
        }

    def describe(self, answer: Any) -> str:
        if answer.no_change:
            return f"No change needed: {answer.reason.strip()}"
        return f"{', '.join(answer.tags)}: {answer.reason.strip()}".strip(" :")

    def form_context(self, item: Any, config: Any) -> dict[str, Any]:
        return {
            "prompt_html": markdown_to_html(item.prompt),
            "system_html": markdown_to_html(item.system) if item.system else "",
            "response_html": markdown_to_html(item.response),
            "tags": [(n, tag, TAG_TITLES[tag]) for n, tag in enumerate(TAGS, start=1)],
        }

    def view_context(self, item: Any, config: Any, answer: Any) -> dict[str, Any]:
        return self.form_context(item, config) | {
            "corrected_html": markdown_to_html(answer.corrected),
            "tag_titles": [TAG_TITLES[t] for t in answer.tags],
        }

    def exports(self) -> tuple[Mapping, ...]:
        return (
            ex.per_judgment(
                self,
                name="corrections",
                title="Corrections",
                description="one row per correction: original, corrected, word diff, error tags",
                columns=CORRECTION_COLUMNS,
                record=lambda item, answer, row: {
                    "prompt": item.prompt,
                    "system": item.system,
                    "original": item.response,
                    "corrected": answer.corrected,
                    "diff": [op.model_dump() for op in answer.diff],
                    "tags": list(answer.tags),
                    "no_change": answer.no_change,
                    "reason": answer.reason,
                },
            ),
            ex.with_messages_column(
                ex.per_judgment(
                    self,
                    name="sft",
                    title="SFT messages (corrected responses)",
                    description="one row per correction: TRL conversational messages",
                    columns=(("messages", "json"),),
                    record=lambda item, answer, row: {"messages": messages(item, answer)},
                )
            ),
        )


CORRECTION_COLUMNS: ex.Columns = (
    ("prompt", "string"),
    ("system", "string"),
    ("original", "string"),
    ("corrected", "string"),
    ("diff", "json"),
    ("tags", "json"),
    ("no_change", "bool"),
    ("reason", "string"),
)

register(Correction())
