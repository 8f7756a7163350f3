"""Demonstration writing: the expert writes the ideal response to a prompt (SFT data).

The item is a prompt, optionally with a system message and the conversation before it
(``history``, alternating user and assistant turns). The project sets a length guide
(``min_words``, ``max_words``, counted like ``str.split``, shown live in the form) and
a checklist the expert ticks; every required item must be ticked. No vote across
experts: each demonstration is its own row. Exports: ``sft`` (TRL conversational
``messages``) and ``demonstrations`` (raw, with the checklist), one row per judgment.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from assay.exports.registry import Mapping
from assay.render import markdown_to_html
from assay.tasktypes import Problems, Schema, TaskType, register
from assay.tasktypes import _exports as ex

MAX_TEXT = 200_000


class Check(Schema):
    name: str = Field(min_length=1, max_length=60, pattern=r"^[\w-]+$")
    text: str = Field(min_length=1, max_length=500)
    required: bool = True


class DemonstrationConfig(Schema):
    min_words: int = Field(default=20, ge=0, le=50_000)
    max_words: int = Field(default=1000, ge=1, le=50_000)
    checklist: list[Check] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _sane(self) -> DemonstrationConfig:
        if self.max_words < self.min_words:
            raise ValueError("max_words must not be below min_words")
        names = [c.name for c in self.checklist]
        if len(set(names)) != len(names):
            raise ValueError("checklist names must be distinct")
        return self


class Turn(Schema):
    role: Literal["user", "assistant"]
    content: str = Field(min_length=1, max_length=MAX_TEXT)


class DemonstrationItem(Schema):
    prompt: str = Field(min_length=1, max_length=MAX_TEXT)
    system: str = Field(default="", max_length=MAX_TEXT)
    history: list[Turn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _alternates(self) -> DemonstrationItem:
        expected = ["user", "assistant"] * (len(self.history) // 2)
        if [t.role for t in self.history] != expected:
            raise ValueError("history alternates user and assistant turns, user first")
        return self


class DemonstrationAnswer(Schema):
    response: str = Field(max_length=MAX_TEXT)
    # Names of the checklist items the expert ticked.
    checklist: list[str] = Field(default_factory=list, max_length=20)
    notes: str = Field(default="", max_length=2000)


def words(text: str) -> int:
    return len(text.split())


def answer_problems(config: DemonstrationConfig, answer: DemonstrationAnswer) -> Problems:
    problems: Problems = {}
    count = words(answer.response)
    if not answer.response.strip():
        problems["response"] = "write the response"
    elif count < config.min_words:
        problems["response"] = f"write at least {config.min_words} words (this has {count})"
    elif count > config.max_words:
        problems["response"] = f"keep it to {config.max_words} words at most (this has {count})"
    known = {c.name for c in config.checklist}
    for name in sorted(set(answer.checklist) - known):
        problems[f"checklist.{name}"] = "not on this project's checklist"
    for check in config.checklist:
        if check.required and check.name not in answer.checklist:
            problems[f"checklist.{check.name}"] = f"confirm: {check.text}"
    return problems


def messages(item: DemonstrationItem, response: str) -> list[dict[str, str]]:
    """TRL conversational SFT: system, earlier turns, the prompt, the demonstration."""
    start = [{"role": "system", "content": item.system}] if item.system else []
    return [
        *start,
        *(t.model_dump() for t in item.history),
        {"role": "user", "content": item.prompt},
        {"role": "assistant", "content": response},
    ]


class Demonstration(TaskType):
    code = "demonstration"
    title = "Demonstration writing"
    summary = "Write the ideal response to a prompt, within a length guide and a checklist."
    item_schema = DemonstrationItem
    answer_schema = DemonstrationAnswer
    config_schema = DemonstrationConfig
    aggregation = "None: one row per demonstration; a reviewer's correction replaces it."
    order = 40
    keys = (
        ("w", "write the response"),
        ("1 to 9", "tick a checklist item"),
        ("/", "write a note"),
        ("Esc", "leave the text box"),
    )
    example_config = {
        "min_words": 50,
        "max_words": 400,
        "checklist": [
            {"name": "answers", "text": "Answers exactly what was asked"},
            {"name": "sources", "text": "Cites a source for every figure", "required": False},
        ],
    }
    example_item = {
        "prompt": "...",
        "system": "(optional)",
        "history": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}],
    }

    def check_answer(self, item: Any, config: Any, answer: Any) -> Problems:
        return answer_problems(config, answer)

    def answer_from_form(self, form: Any) -> dict[str, Any]:
        """Plain form fields (response, checklist, notes): works without script."""
        getlist = getattr(form, "getlist", None)
        ticked = getlist("checklist") if getlist else form.get("checklist") or []
        response = str(form.get("response") or "").replace("\r\n", "\n")
        return {
            "response": response,
            "checklist": [str(n) for n in ticked],
            "notes": str(form.get("notes") or ""),
        }

    def describe(self, answer: Any) -> str:
        return str(answer.notes).strip() or str(answer.response)[:300]

    def form_context(self, item: Any, config: Any) -> dict[str, Any]:
        return {
            "prompt_html": markdown_to_html(item.prompt),
            "system_html": markdown_to_html(item.system) if item.system else "",
            "history": [(t.role, markdown_to_html(t.content)) for t in item.history],
            "checks": list(enumerate(config.checklist, start=1)),
        }

    def view_context(self, item: Any, config: Any, answer: Any) -> dict[str, Any]:
        return self.form_context(item, config) | {
            "response_html": markdown_to_html(answer.response),
            "word_count": words(answer.response),
            "ticked": [(c, c.name in answer.checklist) for c in config.checklist],
        }

    def exports(self) -> tuple[Mapping, ...]:
        return (
            ex.with_messages_column(
                ex.per_judgment(
                    self,
                    name="sft",
                    title="SFT messages (demonstrations)",
                    description="one row per demonstration: TRL conversational messages",
                    columns=(("messages", "json"),),
                    record=lambda item, answer, row: {"messages": messages(item, answer.response)},
                )
            ),
            ex.per_judgment(
                self,
                name="demonstrations",
                title="Raw demonstrations",
                description="one row per demonstration: the item, response, checklist, notes",
                columns=DEMONSTRATION_COLUMNS,
                record=lambda item, answer, row: {
                    "prompt": item.prompt,
                    "system": item.system,
                    "history": [t.model_dump() for t in item.history],
                    "response": answer.response,
                    "word_count": words(answer.response),
                    "checklist": answer.checklist,
                    "notes": answer.notes,
                },
            ),
        )


DEMONSTRATION_COLUMNS: ex.Columns = (
    ("prompt", "string"),
    ("system", "string"),
    ("history", "json"),
    ("response", "string"),
    ("word_count", "int"),
    ("checklist", "json"),
    ("notes", "string"),
)

register(Demonstration())
