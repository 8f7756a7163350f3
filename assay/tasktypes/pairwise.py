"""Pairwise preference: which of two responses is better, how much, and why.

Optional per-criterion preferences: a project lists criteria (helpfulness,
correctness, safety...) in ``task_config.criteria`` and each judgment then also
says A, B or tie per criterion. Stored in the columns the platform started with
(``Item.prompt/response_a/response_b``, ``Judgment.choice/strength/rationale``);
criterion choices go to ``Judgment.answer``. Aggregated by majority vote with
Dawid-Skene-style adaptive redundancy; exported as DPO/KTO pairs (assay.exports.pairwise).
"""

from __future__ import annotations

from collections.abc import Mapping as AnyMapping
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from assay.domain.pairwise import CHOICES, STRENGTHS, judgment_problems
from assay.render import markdown_to_html
from assay.tasktypes import Problems, Schema, TaskType, register

if TYPE_CHECKING:
    from assay.models import Item, Judgment

MAX_TEXT = 200_000


class PairwiseItem(Schema):
    prompt: str = Field(min_length=1, max_length=MAX_TEXT)
    response_a: str = Field(min_length=1, max_length=MAX_TEXT)
    response_b: str = Field(min_length=1, max_length=MAX_TEXT)


class PairwiseConfig(Schema):
    criteria: list[str] = Field(default_factory=list, max_length=12)

    @field_validator("criteria")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        names = [name.strip() for name in value]
        if any(not n or len(n) > 60 for n in names) or len(set(names)) != len(names):
            raise ValueError("criteria are distinct names of 1 to 60 characters")
        return names


class PairwiseAnswer(Schema):
    # Plain strings: the domain rules give the messages experts have always seen.
    choice: str
    strength: int | None = None
    rationale: str
    criteria: dict[str, str] = Field(default_factory=dict)


class Pairwise(TaskType):
    code = "pairwise"
    title = "Pairwise preference"
    summary = "Which of two responses is better, by how much, and why."
    item_schema = PairwiseItem
    answer_schema = PairwiseAnswer
    config_schema = PairwiseConfig
    aggregation = (
        "Majority vote per item with adaptive redundancy; Bradley-Terry per model "
        "(evaluation report); one-coin accuracy in the quality report."
    )
    adaptive = True
    order = 0
    keys = (
        ("1 / 2 / 3", "A better / B better / tie"),
        ("a s d f", "strength: slightly / better / much better / decisively"),
        ("/", "write the rationale"),
        ("Esc", "leave the rationale"),
    )
    example_config = {"criteria": ["helpfulness", "correctness"]}
    example_item = {"prompt": "...", "response_a": "...", "response_b": "..."}

    @property
    def script(self) -> str:
        return "assay/task.js"

    def check_answer(self, item: Any, config: Any, answer: Any) -> Problems:
        problems = judgment_problems(answer.choice, answer.strength, answer.rationale)
        for name in config.criteria:
            if answer.criteria.get(name) not in CHOICES:
                problems[f"criteria.{name}"] = f"choose A, B or tie for {name}"
        for name in sorted(set(answer.criteria) - set(config.criteria)):
            problems[f"criteria.{name}"] = "not a criterion of this project"
        return problems

    def item_columns(self, item: Any) -> dict[str, Any]:
        return item.model_dump()  # type: ignore[no-any-return]

    def load_item(self, item: Item) -> PairwiseItem:
        return PairwiseItem.model_construct(
            prompt=item.prompt, response_a=item.response_a, response_b=item.response_b
        )

    def judgment_columns(self, answer: Any) -> dict[str, Any]:
        extra = {"criteria": answer.criteria} if answer.criteria else {}
        return {
            "choice": answer.choice,
            "strength": answer.strength,
            "rationale": answer.rationale.strip(),
            "answer": extra,
        }

    def load_answer(self, judgment: Judgment) -> PairwiseAnswer:
        return PairwiseAnswer.model_construct(
            choice=judgment.choice,
            strength=judgment.strength,
            rationale=judgment.rationale,
            criteria=dict((judgment.answer or {}).get("criteria", {})),
        )

    def describe(self, answer: Any) -> str:
        return str(answer.rationale)

    def answer_from_form(self, form: AnyMapping[str, Any]) -> dict[str, Any]:
        strength = str(form.get("strength") or "")
        criteria = {
            key.removeprefix("criterion:"): str(value)
            for key, value in form.items()
            if key.startswith("criterion:") and value
        }
        return {
            "choice": str(form.get("choice") or ""),
            "strength": int(strength) if strength.isdigit() else None,
            "rationale": str(form.get("rationale") or ""),
            "criteria": criteria,
        }

    def form_context(self, item: Any, config: Any) -> dict[str, Any]:
        return {
            "prompt_html": markdown_to_html(item.prompt),
            "a_html": markdown_to_html(item.response_a),
            "b_html": markdown_to_html(item.response_b),
            "strengths": sorted(STRENGTHS.items()),
            "criterion_choices": (("a", "A"), ("b", "B"), ("tie", "Tie")),
        }


register(Pairwise())
