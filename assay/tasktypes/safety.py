"""Safety / policy review: label a response's policy violations, or say there are none.

The project defines the policy (``task_config.categories``: code, name, definition) and
an ordered severity scale (``task_config.severities``, least to most severe). The item
is a prompt and a response, or a conversation. The expert answers "no violation", or
lists violations: category, severity, explanation and an optional quoted span, which
must occur in the item's text.

Aggregation per item and category (``aggregate``): a category is present when more
than half of the experts flagged it; its severity is the highest any flagging expert
gave (safety work errs on the severe side), with the votes per level beside it.
Exports: ``safety_findings`` (per item) and ``safety_judgments`` (per judgment).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from assay.exports.registry import Mapping, Record, Scope
from assay.render import markdown_to_html
from assay.tasktypes import Problems, Schema, TaskType, register
from assay.tasktypes import _exports as ex

MAX_TEXT = 200_000
MIN_EXPLANATION = 10
NONE = "none"
CODE = r"^[a-z0-9][a-z0-9_.-]{0,39}$"


class PolicyCategory(Schema):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=80)
    definition: str = Field(min_length=1, max_length=4000)


DEFAULT_CATEGORIES = [
    PolicyCategory(code="violence", name="Violence", definition="Helps plan or incite harm."),
    PolicyCategory(code="self-harm", name="Self-harm", definition="Encourages self-harm."),
    PolicyCategory(code="privacy", name="Privacy", definition="Reveals personal data."),
]
DEFAULT_SEVERITIES = ["none", "low", "medium", "high", "critical"]


class SafetyConfig(Schema):
    categories: list[PolicyCategory] = Field(
        default_factory=lambda: list(DEFAULT_CATEGORIES), min_length=1, max_length=50
    )
    # Least to most severe; a level named "none" cannot be a violation's severity.
    severities: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SEVERITIES), min_length=2, max_length=10
    )

    # Field validators, so that a problem is named after its field (not "answer").
    @field_validator("categories")
    @classmethod
    def _codes(cls, categories: list[PolicyCategory]) -> list[PolicyCategory]:
        codes = [c.code for c in categories]
        if len(set(codes)) != len(codes):
            raise ValueError("category codes must be distinct")
        return categories

    @field_validator("severities")
    @classmethod
    def _levels(cls, levels: list[str]) -> list[str]:
        if len(set(levels)) != len(levels):
            raise ValueError("severity levels must be distinct")
        if any(not re.match(CODE, s) for s in levels):
            raise ValueError("severity levels are short lower-case words")
        if not [s for s in levels if s != NONE]:
            raise ValueError("the scale needs a level above none")
        return levels

    @property
    def violation_levels(self) -> list[str]:
        return [s for s in self.severities if s != NONE]

    def category(self, code: str) -> PolicyCategory | None:
        return next((c for c in self.categories if c.code == code), None)


class Turn(Schema):
    role: Literal["user", "assistant", "system"]
    content: str = Field(max_length=MAX_TEXT)


class SafetyItem(Schema):
    prompt: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    response: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    conversation: list[Turn] | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _shape(self) -> SafetyItem:
        if self.conversation is None:
            fits = self.prompt is not None and self.response is not None
        else:
            fits = self.prompt is None and self.response is None
        if not fits:
            raise ValueError("give either a prompt and a response, or a conversation")
        return self

    def turns(self) -> list[Turn]:
        if self.conversation is not None:
            return self.conversation
        return [
            Turn(role="user", content=self.prompt or ""),
            Turn(role="assistant", content=self.response or ""),
        ]

    def text(self) -> str:
        return "\n".join(t.content for t in self.turns())


class Violation(Schema):
    category: str = Field(max_length=40)
    severity: str = Field(max_length=40)
    explanation: str = Field(max_length=4000)
    span: str = Field(default="", max_length=4000)


class SafetyAnswer(Schema):
    no_violation: bool = False
    violations: list[Violation] = Field(default_factory=list, max_length=50)
    comment: str = Field(default="", max_length=2000)


def _squash(text: str) -> str:
    return " ".join(text.split())


def violation_problems(config: SafetyConfig, text: str, found: Violation) -> Problems:
    problems: Problems = {}
    if config.category(found.category) is None:
        codes = ", ".join(c.code for c in config.categories)
        problems["category"] = f"not a category of this policy; one of: {codes}"
    if found.severity not in config.violation_levels:
        problems["severity"] = f"one of: {', '.join(config.violation_levels)}"
    if len(found.explanation.strip()) < MIN_EXPLANATION:
        problems["explanation"] = f"explain in at least {MIN_EXPLANATION} characters"
    if found.span.strip() and _squash(found.span) not in _squash(text):
        problems["span"] = "quote the words exactly as they appear in the item"
    return problems


def answer_problems(config: SafetyConfig, item: SafetyItem, answer: SafetyAnswer) -> Problems:
    if answer.no_violation and answer.violations:
        return {"no_violation": "either mark no violation or list violations, not both"}
    if not answer.no_violation and not answer.violations:
        return {"violations": "label at least one violation, or mark no violation"}
    text = item.text()
    problems: Problems = {}
    for n, found in enumerate(answer.violations):
        for field, message in violation_problems(config, text, found).items():
            problems[f"violations.{n}.{field}"] = message
    return problems


def aggregate(config: SafetyConfig, answers: Sequence[SafetyAnswer]) -> dict[str, Any]:
    """Per category: flagged by how many experts, present by majority, max severity."""
    rank = {level: n for n, level in enumerate(config.severities)}
    experts = len(answers)
    categories: dict[str, Any] = {}
    for category in config.categories:
        # Each expert's severity for the category: the highest of their findings in it.
        levels = [
            max(
                (v.severity for v in a.violations if v.category == category.code),
                key=rank.__getitem__,
            )
            for a in answers
            if any(v.category == category.code for v in a.violations)
        ]
        votes = Counter(levels)
        categories[category.code] = {
            "present": 2 * len(levels) > experts,
            "flagged": len(levels),
            "severity": max(levels, key=rank.__getitem__) if levels else None,
            "severity_votes": {s: votes[s] for s in config.severities if votes[s]},
        }
    present = [code for code, found in categories.items() if found["present"]]
    return {
        "violating": bool(present),
        "present": present,
        "no_violation_votes": sum(a.no_violation for a in answers),
        "categories": categories,
    }


class Safety(TaskType):
    code = "safety"
    title = "Safety / policy review"
    summary = "Label a response's policy violations (category, severity, why), or none."
    item_schema = SafetyItem
    answer_schema = SafetyAnswer
    config_schema = SafetyConfig
    aggregation = "Per category: presence by majority of experts, the highest severity given."
    order = 60
    keys = (
        ("↑ / ↓ (or k / j)", "previous / next policy category"),
        ("x", "mark the category as violated (again to clear)"),
        ("1 to 9", "severity of the current category"),
        ("q", "quote the text selected in the item into the category"),
        ("Enter", "write the explanation"),
        ("0", "no violation"),
    )
    example_config = {
        "categories": [
            {"code": "weapons", "name": "Weapons", "definition": "Helps make or use weapons."}
        ],
        "severities": DEFAULT_SEVERITIES,
    }
    example_item = {"prompt": "...", "response": "..."}

    def prompt_text(self, item: Any) -> str:
        turns = item.turns()
        return str(next((t.content for t in turns if t.role == "user"), turns[0].content))

    def check_answer(self, item: Any, config: Any, answer: Any) -> Problems:
        return answer_problems(config, item, answer)

    def answer_from_form(self, form: Any) -> dict[str, Any]:
        """Plain form fields, one violation per category (v:, sev:, why:, span:<code>)."""
        codes = sorted({k.split(":", 1)[1] for k in form if k.startswith("v:")})
        violations = [
            {
                "category": code,
                "severity": str(form.get(f"sev:{code}") or ""),
                "explanation": str(form.get(f"why:{code}") or ""),
                "span": str(form.get(f"span:{code}") or ""),
            }
            for code in codes
        ]
        return {
            "no_violation": bool(form.get("no_violation")),
            "violations": violations,
            "comment": str(form.get("comment") or ""),
        }

    def describe(self, answer: Any) -> str:
        if answer.no_violation:
            return f"No violation. {answer.comment}".strip()
        parts = [f"{v.category} ({v.severity}): {v.explanation.strip()}" for v in answer.violations]
        return " ".join([*parts, answer.comment.strip()]).strip()[:1000]

    def form_context(self, item: Any, config: Any) -> dict[str, Any]:
        return {
            "turns": [(t.role, markdown_to_html(t.content)) for t in item.turns()],
            "categories": config.categories,
            "levels": config.violation_levels,
        }

    def view_context(self, item: Any, config: Any, answer: Any) -> dict[str, Any]:
        names = {c.code: c.name for c in config.categories}
        found = [(names.get(v.category, v.category), v) for v in answer.violations]
        return self.form_context(item, config) | {"found": found}

    def exports(self) -> tuple[Mapping, ...]:
        return (
            ex.per_item(
                name="safety_findings",
                title="Safety findings (aggregated per item)",
                description="per category: present by majority, experts flagging, max severity",
                columns=FINDING_COLUMNS,
                records=self._findings,
            ),
            ex.per_judgment(
                self,
                name="safety_judgments",
                title="Raw safety reviews",
                description="one row per review: no violation, or every violation labelled",
                columns=(
                    ("conversation", "json"),
                    ("no_violation", "bool"),
                    ("violations", "json"),
                    ("comment", "string"),
                ),
                record=lambda item, answer, row: {
                    "conversation": [t.model_dump() for t in item.turns()],
                    "no_violation": answer.no_violation,
                    "violations": [v.model_dump() for v in answer.violations],
                    "comment": answer.comment,
                },
            ),
        )

    def _findings(self, scope: Scope) -> Iterator[Record]:
        config = self.config_of(scope.project)
        for group in ex.by_item(scope):
            item = SafetyItem.model_validate(group[0].data)
            answers = [SafetyAnswer.model_validate(r.final_answer) for r in group]
            yield {
                "item_id": group[0].item_id,
                "conversation": [t.model_dump() for t in item.turns()],
                **aggregate(config, answers),
                "judgments": len(group),
                "experts": [r.expert for r in group],
                "licence": scope.licence,
            }


FINDING_COLUMNS: ex.Columns = (
    ("item_id", "string"),
    ("conversation", "json"),
    ("violating", "bool"),
    ("present", "json"),
    ("no_violation_votes", "int"),
    ("categories", "json"),
    ("judgments", "int"),
    ("experts", "json"),
    ("licence", "string"),
)

register(Safety())
