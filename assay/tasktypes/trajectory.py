"""Agent trajectory evaluation: walk an agent's trace, mark where it first went wrong.

The item is a task and a list of steps: a message (role user, assistant or system), a
tool call (name and JSON arguments) or a tool result (content and ``is_error``). The
expert labels every step (correct, incorrect, unnecessary, unclear), marks the first
wrong step (or none) and scores the outcome from 1 to 5 with a rationale. Step
numbers are 0-based indices in the stored answer and 1-based on the page.

Aggregation per item (``aggregate``): the lower median of the experts' first wrong
steps, "none" counting as past the last step; the majority label per step (a tie goes
to the more severe label, in ``LABELS`` order); the mean outcome score. Exports:
``trajectory_labels`` (per item) and ``trajectory_judgments`` (per judgment).
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Literal

from pydantic import Field

from assay.exports.registry import Mapping, Record, Scope
from assay.render import markdown_to_html
from assay.tasktypes import Problems, Schema, TaskType, register
from assay.tasktypes import _exports as ex

MAX_TEXT = 200_000
MAX_STEPS = 200
MIN_RATIONALE = 10
# Most severe first: a tied vote goes to the earlier label.
LABELS = ("incorrect", "unnecessary", "unclear", "correct")
Label = Literal["incorrect", "unnecessary", "unclear", "correct"]
JSON = dict[str, Any] | list[Any] | str | int | float | bool | None


class MessageStep(Schema):
    type: Literal["message"]
    role: Literal["user", "assistant", "system"]
    content: str = Field(max_length=MAX_TEXT)


class ToolCallStep(Schema):
    type: Literal["tool_call"]
    name: str = Field(min_length=1, max_length=200)
    arguments: JSON = Field(default_factory=dict)


class ToolResultStep(Schema):
    type: Literal["tool_result"]
    name: str = Field(default="", max_length=200)
    content: JSON
    is_error: bool = False


Step = Annotated[MessageStep | ToolCallStep | ToolResultStep, Field(discriminator="type")]


class TrajectoryItem(Schema):
    task: str = Field(default="", max_length=MAX_TEXT)
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)


class TrajectoryAnswer(Schema):
    # Index of the first wrong step; null (required, so explicit) when none is wrong.
    first_wrong_step: int | None
    labels: list[Label | None] = Field(max_length=MAX_STEPS)
    outcome: int = Field(ge=1, le=5)
    rationale: str = Field(max_length=4000)


def answer_problems(item: TrajectoryItem, answer: TrajectoryAnswer) -> Problems:
    problems: Problems = {}
    n = len(item.steps)
    first = answer.first_wrong_step
    if first is not None and not 0 <= first < n:
        problems["first_wrong_step"] = f"a step from 1 to {n}, or none"
    if len(answer.labels) != n:
        problems["labels"] = f"label every one of the {n} steps"
    for index, label in enumerate(answer.labels):
        if label is None:
            problems[f"labels.{index}"] = "label this step"
    if not problems:
        end = n if first is None else first
        early = [i for i in range(end) if answer.labels[i] == "incorrect"]
        if early:
            problems[f"labels.{early[0]}"] = "an incorrect step comes before the first wrong one"
        elif first is not None and answer.labels[first] == "correct":
            problems[f"labels.{first}"] = "the first wrong step cannot be labelled correct"
    if len(answer.rationale.strip()) < MIN_RATIONALE:
        problems["rationale"] = f"write a rationale of at least {MIN_RATIONALE} characters"
    return problems


def aggregate(steps: int, answers: Sequence[TrajectoryAnswer]) -> dict[str, Any]:
    """Median first wrong step, majority label per step, mean outcome."""
    firsts = [steps if a.first_wrong_step is None else a.first_wrong_step for a in answers]
    median = statistics.median_low(firsts)
    votes = [Counter(str(a.labels[i]) for a in answers if a.labels[i]) for i in range(steps)]
    labels = [max(LABELS, key=lambda name: (v[name], -LABELS.index(name))) for v in votes]
    return {
        "first_wrong_step": None if median >= steps else median,
        "first_wrong_votes": [None if f >= steps else f for f in firsts],
        "labels": labels,
        "label_votes": [{name: v[name] for name in LABELS if v[name]} for v in votes],
        "outcome_mean": round(statistics.fmean(a.outcome for a in answers), 4),
    }


def code_text(value: JSON) -> str:
    """A tool's arguments or result as text for a code block (escaped by the template)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def rendered(step: Any) -> dict[str, Any]:
    if isinstance(step, MessageStep):
        return {"type": step.type, "role": step.role, "html": markdown_to_html(step.content)}
    if isinstance(step, ToolCallStep):
        return {"type": step.type, "name": step.name, "code": code_text(step.arguments)}
    return {
        "type": step.type,
        "name": step.name,
        "code": code_text(step.content),
        "error": step.is_error,
    }


class Trajectory(TaskType):
    code = "trajectory"
    title = "Agent trajectory evaluation"
    summary = "Label each step of an agent's trace, mark the first wrong one, score the outcome."
    item_schema = TrajectoryItem
    answer_schema = TrajectoryAnswer
    aggregation = "Median first wrong step, majority label per step, mean outcome score."
    order = 90
    keys = (
        ("↑ / ↓ (or k / j)", "previous / next step (then the outcome)"),
        ("1 to 4", "label the step: correct, incorrect, unnecessary, unclear"),
        ("w", "mark the step as the first wrong one"),
        ("n", "no step is wrong"),
        ("1 to 5 on the outcome", "score the outcome"),
        ("/", "write the rationale"),
    )
    example_item = {
        "task": "Book a table for two tonight.",
        "steps": [
            {"type": "message", "role": "user", "content": "Book a table for two tonight."},
            {"type": "tool_call", "name": "search", "arguments": {"q": "restaurants"}},
            {"type": "tool_result", "content": "[...]", "is_error": False},
            {"type": "message", "role": "assistant", "content": "Booked for 8 pm."},
        ],
    }

    def prompt_text(self, item: Any) -> str:
        if item.task:
            return str(item.task)
        messages = [s.content for s in item.steps if isinstance(s, MessageStep)]
        return str(messages[0] if messages else "")

    def check_answer(self, item: Any, config: Any, answer: Any) -> Problems:
        return answer_problems(item, answer)

    def answer_from_form(self, form: Any) -> dict[str, Any]:
        """Plain form fields: label:<n>, first_wrong (<n> or "none"), outcome, rationale."""
        steps = sorted(int(k[6:]) for k in form if k.startswith("label:") and k[6:].isdigit())
        labels = [
            str(form.get(f"label:{n}") or "") or None for n in range(max(steps, default=-1) + 1)
        ]
        first = str(form.get("first_wrong") or "")
        outcome = str(form.get("outcome") or "")
        answer: dict[str, Any] = {
            "labels": labels,
            "outcome": int(outcome) if outcome.isdigit() else 0,
            "rationale": str(form.get("rationale") or ""),
        }
        if first:  # left out when nothing is chosen: "none" must be said, not assumed
            answer["first_wrong_step"] = int(first) if first.isdigit() else None
        return answer

    def describe(self, answer: Any) -> str:
        return str(answer.rationale).strip()

    def form_context(self, item: Any, config: Any) -> dict[str, Any]:
        return {
            "task_html": markdown_to_html(item.task) if item.task else "",
            "steps": [rendered(s) for s in item.steps],
            "labels": ("correct", "incorrect", "unnecessary", "unclear"),
            "scores": range(1, 6),
        }

    def view_context(self, item: Any, config: Any, answer: Any) -> dict[str, Any]:
        context = self.form_context(item, config)
        for n, step in enumerate(context["steps"]):
            step["label"] = answer.labels[n] if n < len(answer.labels) else None
            step["first_wrong"] = n == answer.first_wrong_step
        return context

    def exports(self) -> tuple[Mapping, ...]:
        return (
            ex.per_item(
                name="trajectory_labels",
                title="Trajectory labels (aggregated per item)",
                description="median first wrong step, majority label per step, mean outcome",
                columns=LABEL_COLUMNS,
                records=self._labels,
            ),
            ex.per_judgment(
                self,
                name="trajectory_judgments",
                title="Raw trajectory evaluations",
                description="one row per judgment: first wrong step, step labels, outcome",
                columns=(
                    ("task", "string"),
                    ("steps", "json"),
                    ("first_wrong_step", "int"),
                    ("labels", "json"),
                    ("outcome", "int"),
                    ("rationale", "string"),
                ),
                record=lambda item, answer, row: {
                    "task": item.task,
                    "steps": [s.model_dump(mode="json") for s in item.steps],
                    "first_wrong_step": answer.first_wrong_step,
                    "labels": answer.labels,
                    "outcome": answer.outcome,
                    "rationale": answer.rationale,
                },
            ),
        )

    def _labels(self, scope: Scope) -> Iterator[Record]:
        for group in ex.by_item(scope):
            item = TrajectoryItem.model_validate(group[0].data)
            answers = [TrajectoryAnswer.model_validate(r.final_answer) for r in group]
            yield {
                "item_id": group[0].item_id,
                "task": item.task,
                "steps": [s.model_dump(mode="json") for s in item.steps],
                **aggregate(len(item.steps), answers),
                "judgments": len(group),
                "experts": [r.expert for r in group],
                "licence": scope.licence,
            }


LABEL_COLUMNS: ex.Columns = (
    ("item_id", "string"),
    ("task", "string"),
    ("steps", "json"),
    ("first_wrong_step", "int"),
    ("first_wrong_votes", "json"),
    ("labels", "json"),
    ("label_votes", "json"),
    ("outcome_mean", "float"),
    ("judgments", "int"),
    ("experts", "json"),
    ("licence", "string"),
)

register(Trajectory())
