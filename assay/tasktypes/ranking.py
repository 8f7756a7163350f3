"""K-wise ranking: order 3 to 9 responses to one prompt, best first, ties if allowed.

Aggregated per item by decomposing every expert's ranking into its k(k-1)/2 pairwise
comparisons (equal ranks are half a win each) and fitting Bradley-Terry
(``assay.quality.ranking_pairs`` and ``bradley_terry``); the consensus order sorts the
responses by score. Exports: ``rankings`` (one row per item) and ``ranking_judgments``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from assay.exports.registry import Mapping, Record, Scope
from assay.quality import bradley_terry, ranking_pairs
from assay.render import markdown_to_html
from assay.tasktypes import Problems, Schema, TaskType, register
from assay.tasktypes import _exports as ex

MAX_TEXT = 200_000
MIN_RATIONALE = 10


class RankingItem(Schema):
    prompt: str = Field(min_length=1, max_length=MAX_TEXT)
    responses: list[str] = Field(min_length=3, max_length=9)

    @model_validator(mode="after")
    def _texts(self) -> RankingItem:
        if any(not r.strip() or len(r) > MAX_TEXT for r in self.responses):
            raise ValueError(f"every response is a text of 1 to {MAX_TEXT} characters")
        return self


class RankingConfig(Schema):
    allow_ties: bool = False


class RankingAnswer(Schema):
    # Response indices (0-based, as uploaded), best first.
    order: list[int]
    # ties[i]: order[i] and order[i + 1] are equally good.
    ties: list[bool] = Field(default_factory=list)
    rationale: str = Field(max_length=2000)


def ranks(answer: RankingAnswer) -> list[int]:
    """Each response's rank (0 is best); tied responses share the better rank."""
    result = [0] * len(answer.order)
    for position, index in enumerate(answer.order):
        tied = position > 0 and position - 1 < len(answer.ties) and answer.ties[position - 1]
        result[index] = result[answer.order[position - 1]] if tied else position
    return result


def consensus(k: int, answers: list[RankingAnswer]) -> tuple[list[int], list[float]]:
    """Bradley-Terry scores of the k responses from every ranking, and their order."""
    table = np.array([list(range(k))] * len(answers))
    rank_table = np.array([ranks(a) for a in answers], dtype=np.float64)
    data = ranking_pairs(rankings=table, ranks=rank_table)
    fit = bradley_terry(data=data, bootstrap=0)
    scores = [round(float(s), 4) for s in fit.scores]
    return sorted(range(k), key=lambda i: (-scores[i], i)), scores


class Ranking(TaskType):
    code = "ranking"
    title = "K-wise ranking"
    summary = "Order 3 to 9 responses to one prompt from best to worst, with a rationale."
    item_schema = RankingItem
    answer_schema = RankingAnswer
    config_schema = RankingConfig
    aggregation = "Pairwise decomposition of each ranking, then Bradley-Terry per item."
    order = 10
    keys = (
        ("↑ / ↓ (or k / j)", "move between responses"),
        ("Shift+↑ / Shift+↓", "move the response up or down the ranking"),
        ("1 to 9", "go to the response at that position"),
        ("t", "tie with the response below (if the project allows ties)"),
        ("/", "write the rationale"),
    )
    example_config = {"allow_ties": True}
    example_item = {"prompt": "...", "responses": ["...", "...", "..."]}

    def check_answer(self, item: Any, config: Any, answer: Any) -> Problems:
        problems: Problems = {}
        k = len(item.responses)
        if sorted(answer.order) != list(range(k)):
            problems["order"] = f"rank every one of the {k} responses exactly once"
        if answer.ties and len(answer.ties) != k - 1:
            problems["ties"] = f"give {k - 1} tie marks, one between each neighbouring pair"
        elif any(answer.ties) and not config.allow_ties:
            problems["ties"] = "this project does not allow ties"
        if len(answer.rationale.strip()) < MIN_RATIONALE:
            problems["rationale"] = f"write a rationale of at least {MIN_RATIONALE} characters"
        return problems

    def describe(self, answer: Any) -> str:
        return str(answer.rationale).strip()

    def form_context(self, item: Any, config: Any) -> dict[str, Any]:
        return {
            "prompt_html": markdown_to_html(item.prompt),
            "responses": [(i, markdown_to_html(r)) for i, r in enumerate(item.responses)],
        }

    def view_context(self, item: Any, config: Any, answer: Any) -> dict[str, Any]:
        html = [markdown_to_html(r) for r in item.responses]
        rank = ranks(answer)
        return {
            "prompt_html": markdown_to_html(item.prompt),
            "ranked": [(rank[i] + 1, i, html[i]) for i in answer.order],
        }

    def exports(self) -> tuple[Mapping, ...]:
        return (
            ex.per_item(
                name="rankings",
                title="Rankings (consensus per item)",
                description="prompt, responses, the consensus order and Bradley-Terry scores",
                columns=RANKING_COLUMNS,
                records=self._rankings,
            ),
            ex.per_judgment(
                self,
                name="ranking_judgments",
                title="Raw rankings",
                description="one row per ranking: order, ranks, ties, rationale",
                columns=(
                    ("prompt", "string"),
                    ("responses", "json"),
                    ("order", "json"),
                    ("ranks", "json"),
                    ("rationale", "string"),
                ),
                record=lambda item, answer, row: {
                    "prompt": item.prompt,
                    "responses": item.responses,
                    "order": answer.order,
                    "ranks": ranks(answer),
                    "rationale": answer.rationale,
                },
            ),
        )

    def _rankings(self, scope: Scope) -> Iterator[Record]:
        for group in ex.by_item(scope):
            item = RankingItem.model_validate(group[0].data)
            answers = [RankingAnswer.model_validate(r.final_answer) for r in group]
            order, scores = consensus(len(item.responses), answers)
            yield {
                "item_id": group[0].item_id,
                "prompt": item.prompt,
                "responses": item.responses,
                "order": order,
                "scores": scores,
                "judgments": len(group),
                "experts": [r.expert for r in group],
                "licence": scope.licence,
            }


RANKING_COLUMNS: ex.Columns = (
    ("item_id", "string"),
    ("prompt", "string"),
    ("responses", "json"),
    ("order", "json"),
    ("scores", "json"),
    ("judgments", "int"),
    ("experts", "json"),
    ("licence", "string"),
)

register(Ranking())
