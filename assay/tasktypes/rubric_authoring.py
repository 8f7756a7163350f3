"""Rubric authoring: write the weighted, checkable criteria a good answer to a prompt meets.

An item is a prompt, optionally with sample responses. The expert writes 3 to 20
criteria, each a statement, a weight (1 to 10), a type (``must``, ``should`` or
``must-not``) and how a grader checks it; no two criteria may say the same thing.
Rubrics are not merged: a second expert validates one against the samples through the
review stage (approve, reject, or correct it), and the ``grading_rubrics`` export takes
the reviewed rubric per item, or every rubric where none was reviewed yet.
``rubric_drafts`` is one row per judgment.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field, StrictInt

from assay.exports.registry import Mapping, Plan, Record, Scope
from assay.render import markdown_to_html
from assay.tasktypes import Problems, Schema, TaskType, register
from assay.tasktypes import _exports as ex

MAX_TEXT = 200_000
MAX_SAMPLES = 9
MIN_CRITERIA, MAX_CRITERIA = 3, 20
MIN_CHECK = 5
FORM_ROWS = 5  # criterion rows shown at first; the rest wait under "More criteria"
TYPES = ("must", "should", "must-not")
REVIEWED = ("corrected", "approved")  # a correction wins over an approval


class AuthoringItem(Schema):
    prompt: str = Field(min_length=1, max_length=MAX_TEXT)
    samples: list[str] = Field(default_factory=list, max_length=MAX_SAMPLES)


class Criterion(Schema):
    text: str = Field(min_length=1, max_length=500)
    weight: StrictInt = Field(ge=1, le=10)
    type: Literal["must", "should", "must-not"]
    check: str = Field(max_length=1000)


class AuthoringAnswer(Schema):
    criteria: list[Criterion] = Field(min_length=MIN_CRITERIA, max_length=MAX_CRITERIA)
    notes: str = Field(default="", max_length=2000)


def normalized(text: str) -> str:
    """What makes two criteria the same: case, accents, punctuation and spacing aside."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", bare).split())


def criteria_problems(criteria: list[Criterion]) -> Problems:
    problems: Problems = {}
    seen: dict[str, int] = {}
    for n, criterion in enumerate(criteria):
        key = normalized(criterion.text)
        if not key:
            problems[f"criteria.{n}.text"] = "say what a good answer does"
        elif key in seen:
            problems[f"criteria.{n}.text"] = f"repeats criterion {seen[key] + 1}"
        seen.setdefault(key, n)
        if len(criterion.check.strip()) < MIN_CHECK:
            problems[f"criteria.{n}.check"] = "say how a grader checks this"
    return problems


def form_rows(form: Any) -> list[dict[str, Any]]:
    """The filled criterion rows of the web form (text:N, weight:N, type:N, check:N)."""
    numbers = sorted({int(k.split(":", 1)[1]) for k in form if re.fullmatch(r"text:\d+", k)})
    rows = []
    for n in numbers:
        text, check = str(form.get(f"text:{n}") or ""), str(form.get(f"check:{n}") or "")
        if not text.strip() and not check.strip():
            continue  # an unused row
        weight = str(form.get(f"weight:{n}") or "")
        rows.append(
            {
                "text": text,
                "weight": int(weight) if weight.isdigit() else None,
                "type": str(form.get(f"type:{n}") or ""),
                "check": check,
            }
        )
    return rows


class RubricAuthoring(TaskType):
    code = "rubric_authoring"
    title = "Rubric authoring"
    summary = "Write the weighted, checkable criteria a good answer to a prompt must meet."
    item_schema = AuthoringItem
    answer_schema = AuthoringAnswer
    aggregation = "Not merged: the reviewed rubric per item (corrected, else approved), else all."
    order = 110
    keys = (
        ("a", "go to the next empty criterion (opens more rows when needed)"),
        ("Esc", "leave a field, so the keys above work"),
    )
    example_item = {"prompt": "...", "samples": ["...", "..."]}

    def check_answer(self, item: Any, config: Any, answer: Any) -> Problems:
        return criteria_problems(answer.criteria)

    def answer_from_form(self, form: Any) -> dict[str, Any]:
        """Plain form fields, one numbered row per criterion: works without script."""
        return {"criteria": form_rows(form), "notes": str(form.get("notes") or "")}

    def describe(self, answer: Any) -> str:
        return " ".join(f"{c.text.strip()} ({c.check.strip()})" for c in answer.criteria)

    def form_context(self, item: Any, config: Any) -> dict[str, Any]:
        return {
            "prompt_html": markdown_to_html(item.prompt),
            "samples": [markdown_to_html(s) for s in item.samples],
            "rows": list(range(1, MAX_CRITERIA + 1)),
            "first_rows": FORM_ROWS,
            "weights": list(range(1, 11)),
            "types": TYPES,
            "limits": (MIN_CRITERIA, MAX_CRITERIA),
        }

    def view_context(self, item: Any, config: Any, answer: Any) -> dict[str, Any]:
        return self.form_context(item, config) | {"total": max_score(answer)}

    def exports(self) -> tuple[Mapping, ...]:
        return (
            Mapping(
                kind="grading_rubrics",
                title="Grading rubrics (reviewed one per item, else all)",
                description="prompt and criteria (text, weight, type, check) ready to grade with",
                plan=plan_rubrics,
                records=self._rubrics,
                schema=lambda _options: ex.arrow_schema(RUBRIC_COLUMNS),
                json_columns=("criteria",),
                granularities=("item",),
            ),
            ex.per_judgment(
                self,
                name="rubric_drafts",
                title="Raw authored rubrics",
                description="one row per judgment: prompt, samples, criteria and notes",
                columns=(
                    ("prompt", "string"),
                    ("samples", "json"),
                    ("criteria", "json"),
                    ("notes", "string"),
                ),
                record=lambda item, answer, row: {
                    "prompt": item.prompt,
                    "samples": item.samples,
                    "criteria": [c.model_dump() for c in answer.criteria],
                    "notes": answer.notes,
                },
            ),
        )

    def _rubrics(self, scope: Scope) -> Iterator[Record]:
        for group in ex.by_item(scope):
            item = AuthoringItem.model_validate(group[0].data)
            for row in chosen(group):
                answer = AuthoringAnswer.model_validate(row.final_answer)
                yield {
                    "item_id": row.item_id,
                    "prompt": item.prompt,
                    "criteria": [c.model_dump() for c in answer.criteria],
                    "max_score": max_score(answer),
                    "judgment_id": row.judgment_id,
                    "expert": row.expert,
                    "review": row.review or None,  # a pending review has no outcome
                    "licence": scope.licence,
                }


def max_score(answer: AuthoringAnswer) -> int:
    """Points a perfect answer earns: every must and should met (must-nots are penalties)."""
    return sum(c.weight for c in answer.criteria if c.type != "must-not")


def chosen(group: list[ex.Row]) -> list[ex.Row]:
    """The reviewed rubric of an item (a correction first, then an approval), else all."""
    for outcome in REVIEWED:
        picked = [r for r in group if r.review == outcome]
        if picked:
            return picked[:1]
    return group


def plan_rubrics(scope: Scope) -> Plan:
    plan = ex.judgment_plan(scope)
    outcomes: dict[int, list[str | None]] = {}
    for item_id, outcome in ex._queryset(scope).values_list("item_id", "review__outcome"):
        outcomes.setdefault(item_id, []).append(outcome)
    plan.records = sum(
        1 if any(o in REVIEWED for o in found) else len(found) for found in outcomes.values()
    )
    return plan


RUBRIC_COLUMNS: ex.Columns = (
    ("item_id", "string"),
    ("prompt", "string"),
    ("criteria", "json"),
    ("max_score", "int"),
    ("judgment_id", "int"),
    ("expert", "string"),
    ("review", "string"),
    ("licence", "string"),
)

register(RubricAuthoring())
