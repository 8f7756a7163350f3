"""Stump the model: the expert writes a question, a reference answer and a rubric.

Assay asks each of the project's model endpoints (``task_config.endpoints``) the question
from the task page (assay/web/endpoints_live.py); the answers are recorded as model calls
and the submission must carry exactly those replies, so none can be invented. The expert
marks which rubric criteria each model misses; a question counts only if every model
misses at least one. A second expert verifies it in the review stage (approve: the models
really fail and the reference answer is right; reject with a reason otherwise).
Export: ``stump_questions``, one row per judgment.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from assay.exports.registry import Mapping
from assay.models import ModelCall
from assay.render import markdown_to_html
from assay.tasktypes import Problems, Schema, TaskType, register
from assay.tasktypes import _exports as ex

MAX_TEXT = 20_000


class StumpConfig(Schema):
    endpoints: list[str] = Field(default_factory=lambda: ["model"], min_length=1, max_length=5)


class StumpItem(Schema):
    brief: str = Field(min_length=1, max_length=5000)


class ModelAnswer(Schema):
    endpoint: str = Field(min_length=1, max_length=100)
    call_id: int
    text: str = Field(max_length=200_000)
    # Indexes (from 0) of the rubric criteria this answer misses.
    misses: list[int] = Field(default_factory=list, max_length=20)


class StumpAnswer(Schema):
    question: str = Field(min_length=10, max_length=MAX_TEXT)
    reference_answer: str = Field(min_length=1, max_length=MAX_TEXT)
    rubric: list[str] = Field(min_length=1, max_length=20)
    model_answers: list[ModelAnswer] = Field(min_length=1, max_length=5)


def answer_problems(config: StumpConfig, answer: StumpAnswer) -> Problems:
    problems: Problems = {}
    if any(not 3 <= len(c.strip()) <= 500 for c in answer.rubric):
        problems["rubric"] = "each criterion in 3 to 500 characters"
    asked = {a.endpoint for a in answer.model_answers}
    if asked != set(config.endpoints) or len(asked) != len(answer.model_answers):
        problems["model_answers"] = f"ask each model once: {', '.join(config.endpoints)}"
    for n, given in enumerate(answer.model_answers):
        where = f"model_answers.{n}"
        call = ModelCall.objects.filter(
            id=given.call_id, purpose="stump", status="ok", endpoint__name=given.endpoint
        ).first()
        asked_text = call.messages[-1].get("content") if call and call.messages else None
        if call is None or call.reply != given.text or asked_text != answer.question:
            problems[where] = "this is not the model's answer to this question; ask again"
        elif not given.misses:
            problems[where] = "the model must miss at least one criterion"
        elif any(not 0 <= i < len(answer.rubric) for i in given.misses):
            problems[where] = "mark criteria of the rubric"
    return problems


class Stump(TaskType):
    code = "stump"
    title = "Stump the model"
    summary = "Write a question the models get wrong, with a reference answer and a rubric."
    item_schema = StumpItem
    answer_schema = StumpAnswer
    config_schema = StumpConfig
    aggregation = "Verified by a second expert in the review stage (no vote across experts)."
    order = 90
    keys = (("Ctrl+M", "ask the models"),)
    example_config = {"endpoints": ["llama-8b", "qwen-7b"]}
    example_item = {"brief": "A question in contract law a first-year associate gets wrong."}

    def prompt_text(self, item: Any) -> str:
        return str(item.brief)

    def check_answer(self, item: Any, config: Any, answer: Any) -> Problems:
        return answer_problems(config, answer)

    def describe(self, answer: Any) -> str:
        return str(answer.question)[:300]

    def form_context(self, item: Any, config: Any) -> dict[str, Any]:
        return {"brief_html": markdown_to_html(item.brief), "endpoints": config.endpoints}

    def view_context(self, item: Any, config: Any, answer: Any) -> dict[str, Any]:
        return self.form_context(item, config) | {
            "question_html": markdown_to_html(answer.question),
            "reference_html": markdown_to_html(answer.reference_answer),
            "answers": [
                (a, [answer.rubric[i] for i in a.misses if i < len(answer.rubric)])
                for a in answer.model_answers
            ],
        }

    def exports(self) -> tuple[Mapping, ...]:
        return (
            ex.per_judgment(
                self,
                name="stump_questions",
                title="Stump-the-model questions",
                description="question, reference answer, rubric, and each model's failing answer",
                columns=(
                    ("brief", "string"),
                    ("question", "string"),
                    ("reference_answer", "string"),
                    ("rubric", "json"),
                    ("model_answers", "json"),
                ),
                record=lambda item, answer, row: {
                    "brief": item.brief,
                    "question": answer.question,
                    "reference_answer": answer.reference_answer,
                    "rubric": answer.rubric,
                    "model_answers": [a.model_dump() for a in answer.model_answers],
                },
            ),
        )


register(Stump())
