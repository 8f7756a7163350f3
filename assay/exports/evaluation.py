"""The evaluation report: per model, win rates and Bradley-Terry scores with bootstrap CIs.

It needs items whose metadata names the two models compared, ``model_a`` and
``model_b``. Every judgment is one comparison (a tie is half a win each way); items
without two different model names are left out and counted.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from assay.exports.options import ExportOptions
from assay.exports.registry import Mapping, Plan, Record, Scope, pairwise_judgments
from assay.quality.pairwise import bradley_terry, comparisons

if TYPE_CHECKING:
    import pyarrow as pa

SHARE = {"a": 1.0, "b": 0.0, "tie": 0.5}
# Bootstrap replicates refit the whole model: fewer of them on very large projects.
BOOTSTRAP = 200
BOOTSTRAP_LARGE = 50
LARGE = 50_000


@dataclass
class Collected:
    models: dict[str, int] = field(default_factory=dict)
    left: array[int] = field(default_factory=lambda: array("l"))
    right: array[int] = field(default_factory=lambda: array("l"))
    outcome: array[float] = field(default_factory=lambda: array("d"))

    def code(self, name: str) -> int:
        return self.models.setdefault(name, len(self.models))


def _collect(scope: Scope, plan: Plan) -> Collected:
    found = Collected()
    values = (
        pairwise_judgments(scope, consented=True)
        .order_by("id")
        .values_list("item__metadata", "choice", "expert_id")
    )
    for metadata, choice, expert_id in values.iterator(chunk_size=5000):
        meta = metadata if isinstance(metadata, dict) else {}
        a, b = str(meta.get("model_a") or ""), str(meta.get("model_b") or "")
        if not a or not b or a == b:
            plan.leave_out("without_model_names")
            continue
        found.left.append(found.code(a))
        found.right.append(found.code(b))
        found.outcome.append(SHARE[choice])
        plan.count(expert_id)
    return found


def report_plan(scope: Scope) -> Plan:
    plan = Plan()
    plan.records = len(_collect(scope, plan).models)
    return plan


def report_records(scope: Scope) -> Iterator[Record]:
    found = _collect(scope, Plan())
    if len(found.models) < 2:
        return
    left = np.asarray(found.left, dtype=np.intp)
    right = np.asarray(found.right, dtype=np.intp)
    share = np.asarray(found.outcome, dtype=np.float64)
    n = len(share)
    board = bradley_terry(
        data=comparisons(left=left, right=right, outcome=share),
        bootstrap=BOOTSTRAP if n <= LARGE else BOOTSTRAP_LARGE,
    )
    names = {code: name for name, code in found.models.items()}
    order = np.argsort(-board.scores)
    for rank, code in enumerate(order, start=1):
        mine = np.concatenate([share[left == code], 1 - share[right == code]])
        wins, ties = int((mine == 1).sum()), int((mine == 0.5).sum())
        yield {
            "model": names[code],
            "rank": rank,
            "comparisons": len(mine),
            "wins": wins,
            "ties": ties,
            "losses": len(mine) - wins - ties,
            "win_rate": round(float(mine.mean()), 4) if len(mine) else 0.0,
            "bt_score": round(float(board.scores[code]), 4),
            "bt_ci_low": round(float(board.ci_low[code]), 4),
            "bt_ci_high": round(float(board.ci_high[code]), 4),
        }


def report_schema(options: ExportOptions) -> pa.Schema:
    import pyarrow as pa

    i, f = pa.int64(), pa.float64()
    return pa.schema(
        [
            ("model", pa.string()),
            ("rank", i),
            ("comparisons", i),
            ("wins", i),
            ("ties", i),
            ("losses", i),
            ("win_rate", f),
            ("bt_score", f),
            ("bt_ci_low", f),
            ("bt_ci_high", f),
        ]
    )


MAPPING = Mapping(
    kind="eval_report",
    title="Evaluation report",
    description="per model: win rate and Bradley-Terry score with a 95% bootstrap interval",
    plan=report_plan,
    records=report_records,
    schema=report_schema,
    granularities=("judgment",),
)
