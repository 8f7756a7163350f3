"""Rubric rating: score one response on the project's criteria, each with a justification.

The project defines the criteria (``task_config.criteria``): name, description, scale,
anchors (what a score means), weight, and whether "not applicable" is allowed.
Aggregated across the project by ``assay.quality.aggregate_ratings`` (item score plus
expert leniency, per criterion), so a lenient expert does not lift the items they
happened to rate; the weighted total is over the criteria that apply. Exports:
``rubric_scores`` (per item) and ``rubric_ratings`` (per judgment).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from assay.exports.registry import Mapping, Record, Scope
from assay.quality import aggregate_ratings
from assay.render import markdown_to_html
from assay.tasktypes import Problems, Schema, TaskType, register
from assay.tasktypes import _exports as ex

MAX_TEXT = 200_000
MIN_JUSTIFICATION = 5


class Criterion(Schema):
    name: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=2000)
    scale_min: int = Field(default=1, ge=0, le=10)
    scale_max: int = Field(default=5, ge=1, le=10)
    # Score (as text, JSON keys are strings) to what it means.
    anchors: dict[str, str] = Field(default_factory=dict)
    weight: float = Field(default=1.0, gt=0, le=100)
    allow_na: bool = True

    @model_validator(mode="after")
    def _scale(self) -> Criterion:
        if self.scale_max <= self.scale_min:
            raise ValueError("scale_max must be above scale_min")
        wrong = [k for k in self.anchors if not k.isdigit() or int(k) not in self.scores]
        if wrong:
            raise ValueError(f"anchors name scores outside the scale: {', '.join(wrong)}")
        return self

    @property
    def scores(self) -> range:
        return range(self.scale_min, self.scale_max + 1)


DEFAULT_CRITERIA = [
    Criterion(name="correctness", description="Facts and reasoning are right."),
    Criterion(name="helpfulness", description="It does what was asked."),
]


class RubricConfig(Schema):
    criteria: list[Criterion] = Field(
        default_factory=lambda: list(DEFAULT_CRITERIA), min_length=1, max_length=20
    )

    @model_validator(mode="after")
    def _distinct(self) -> RubricConfig:
        names = [c.name for c in self.criteria]
        if len(set(names)) != len(names):
            raise ValueError("criterion names must be distinct")
        return self


class RubricItem(Schema):
    prompt: str = Field(min_length=1, max_length=MAX_TEXT)
    response: str = Field(min_length=1, max_length=MAX_TEXT)


class Rating(Schema):
    score: int | None = None
    not_applicable: bool = False
    justification: str = Field(default="", max_length=2000)


class RubricAnswer(Schema):
    ratings: dict[str, Rating]
    comment: str = Field(default="", max_length=2000)


def rating_problems(criterion: Criterion, rating: Rating | None) -> str:
    if rating is None:
        return "rate this criterion"
    if rating.not_applicable:
        if not criterion.allow_na:
            return "this criterion always applies"
        if rating.score is not None:
            return "a criterion that does not apply has no score"
    elif rating.score not in criterion.scores:
        return f"pick a score from {criterion.scale_min} to {criterion.scale_max}"
    if len(rating.justification.strip()) < MIN_JUSTIFICATION:
        return "justify the score in a few words"
    return ""


def weighted_total(criteria: list[Criterion], scores: dict[str, float]) -> float | None:
    """Weighted mean on a 0-1 scale over the criteria that have a score."""
    used = [(c, scores[c.name]) for c in criteria if c.name in scores]
    weight = sum(c.weight for c, _ in used)
    if not used or weight == 0:
        return None
    share = sum(c.weight * (s - c.scale_min) / (c.scale_max - c.scale_min) for c, s in used)
    return round(share / weight, 4)


class Rubric(TaskType):
    code = "rubric"
    title = "Rubric rating"
    summary = "Score one response on the project's criteria, justifying each score."
    item_schema = RubricItem
    answer_schema = RubricAnswer
    config_schema = RubricConfig
    aggregation = "Bias-corrected ratings per criterion (item score + expert leniency, ALS)."
    order = 20
    keys = (
        ("↑ / ↓ (or k / j)", "previous / next criterion"),
        ("0 to 9", "score the current criterion"),
        ("n", "not applicable"),
        ("Enter", "write the justification"),
    )
    example_config = {
        "criteria": [
            {
                "name": "correctness",
                "description": "Facts and reasoning are right.",
                "scale_min": 1,
                "scale_max": 5,
                "anchors": {"1": "wrong", "3": "minor errors", "5": "fully correct"},
                "weight": 2,
                "allow_na": False,
            }
        ]
    }
    example_item = {"prompt": "...", "response": "..."}

    def check_answer(self, item: Any, config: Any, answer: Any) -> Problems:
        problems: Problems = {}
        for criterion in config.criteria:
            message = rating_problems(criterion, answer.ratings.get(criterion.name))
            if message:
                problems[f"ratings.{criterion.name}"] = message
        known = {c.name for c in config.criteria}
        for name in sorted(set(answer.ratings) - known):
            problems[f"ratings.{name}"] = "not a criterion of this project"
        return problems

    def answer_from_form(self, form: Any) -> dict[str, Any]:
        """Plain form fields (score:<name>, na:<name>, why:<name>): works without script."""
        names = {k.split(":", 1)[1] for k in form if k.startswith(("score:", "na:", "why:"))}
        ratings = {}
        for name in sorted(names):
            score = str(form.get(f"score:{name}") or "")
            ratings[name] = {
                "score": int(score) if score.isdigit() else None,
                "not_applicable": bool(form.get(f"na:{name}")),
                "justification": str(form.get(f"why:{name}") or ""),
            }
        return {"ratings": ratings, "comment": str(form.get("comment") or "")}

    def describe(self, answer: Any) -> str:
        parts = [r.justification.strip() for r in answer.ratings.values()]
        return " ".join([*parts, answer.comment.strip()]).strip()

    def form_context(self, item: Any, config: Any) -> dict[str, Any]:
        return {
            "prompt_html": markdown_to_html(item.prompt),
            "response_html": markdown_to_html(item.response),
            "criteria": [
                (c, [(s, c.anchors.get(str(s), "")) for s in c.scores]) for c in config.criteria
            ],
        }

    def view_context(self, item: Any, config: Any, answer: Any) -> dict[str, Any]:
        return self.form_context(item, config) | {
            "rated": [(c, answer.ratings.get(c.name)) for c in config.criteria]
        }

    def exports(self) -> tuple[Mapping, ...]:
        return (
            ex.per_item(
                name="rubric_scores",
                title="Rubric scores (bias-corrected, per item)",
                description="per criterion: corrected score, plain mean, ratings; weighted total",
                columns=SCORE_COLUMNS,
                records=self._scores,
            ),
            ex.per_judgment(
                self,
                name="rubric_ratings",
                title="Raw rubric ratings",
                description="one row per judgment: every criterion's score and justification",
                columns=(
                    ("prompt", "string"),
                    ("response", "string"),
                    ("ratings", "json"),
                    ("comment", "string"),
                ),
                record=lambda item, answer, row: {
                    "prompt": item.prompt,
                    "response": item.response,
                    "ratings": {k: v.model_dump() for k, v in answer.ratings.items()},
                    "comment": answer.comment,
                },
            ),
        )

    def _scores(self, scope: Scope) -> Iterator[Record]:
        config = self.config_of(scope.project)
        groups = list(ex.by_item(scope))  # ratings only: a few numbers per judgment
        scores = fit(config.criteria, groups)
        for n, group in enumerate(groups):
            item = RubricItem.model_validate(group[0].data)
            per = {name: values[n] for name, values in scores.items() if values[n] is not None}
            yield {
                "item_id": group[0].item_id,
                "prompt": item.prompt,
                "response": item.response,
                "scores": per,
                "total": weighted_total(config.criteria, {k: v["score"] for k, v in per.items()}),
                "judgments": len(group),
                "experts": [r.expert for r in group],
                "licence": scope.licence,
            }


def fit(criteria: list[Criterion], groups: list[list[ex.Row]]) -> dict[str, list[Any]]:
    """Per criterion and item: {"score", "mean", "ratings"} or None where nobody scored."""
    experts: dict[int, int] = {}
    items, workers, values, codes = [], [], [], []
    names = [c.name for c in criteria]
    for n, group in enumerate(groups):
        for row in group:
            answer = RubricAnswer.model_validate(row.final_answer)
            for code, name in enumerate(names):
                rating = answer.ratings.get(name)
                if rating is None or rating.not_applicable or rating.score is None:
                    continue
                items.append(n)
                workers.append(experts.setdefault(row.expert_id, len(experts)))
                values.append(float(rating.score))
                codes.append(code)
    result: dict[str, list[Any]] = {name: [None] * len(groups) for name in names}
    if not values:
        return result
    fitted = aggregate_ratings(
        items=items,
        workers=workers,
        values=values,
        criteria=codes,
        n_items=len(groups),
        n_workers=len(experts),
        n_criteria=len(names),
    )
    for n in range(len(groups)):
        for code, name in enumerate(names):
            if fitted.ratings[n, code] > 0 and np.isfinite(fitted.scores[n, code]):
                result[name][n] = {
                    "score": round(float(fitted.scores[n, code]), 4),
                    "mean": round(float(fitted.means[n, code]), 4),
                    "ratings": int(fitted.ratings[n, code]),
                }
    return result


SCORE_COLUMNS: ex.Columns = (
    ("item_id", "string"),
    ("prompt", "string"),
    ("response", "string"),
    ("scores", "json"),
    ("total", "float"),
    ("judgments", "int"),
    ("experts", "json"),
    ("licence", "string"),
)

register(Rubric())
