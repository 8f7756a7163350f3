"""Export mappings per task type: each task type declares what it can export.

A task type registers its ``Mapping`` objects under its ``Project.task_type`` code (the
task type modules in ``assay.tasktypes`` do so from their ``exports()``). A
mapping knows how to count what an export will hold (``plan``, a light pass that reads no
texts), how to stream its records, and the Parquet schema of those records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet

from assay.errors import InvalidInput
from assay.exports.options import ExportOptions
from assay.models import Judgment, Project

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class Scope:
    """What one export reads: the project, the options, and its upper judgment id."""

    project: Project
    options: ExportOptions
    max_judgment_id: int
    licence: str

    @property
    def reuse(self) -> bool:
        """Records leaving under a licence other than the project's need consent."""
        return self.licence != self.project.licence


@dataclass
class Plan:
    records: int = 0
    judgments: int = 0
    contributors: dict[int, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)

    def count(self, expert_id: int) -> None:
        self.judgments += 1
        self.contributors[expert_id] = self.contributors.get(expert_id, 0) + 1

    def leave_out(self, why: str) -> None:
        self.left_out[why] = self.left_out.get(why, 0) + 1


def plan_by_expert(judgments: QuerySet[Judgment]) -> Plan:
    """A plan of one record per judgment, counted per expert in one grouped query."""
    plan = Plan()
    counts = judgments.order_by().values("expert_id").annotate(n=Count("id"))
    for expert_id, count in counts.values_list("expert_id", "n"):
        plan.contributors[expert_id] = count
        plan.judgments += count
    plan.records = plan.judgments
    return plan


def pairwise_judgments(scope: Scope, *, consented: bool = False) -> QuerySet[Judgment]:
    """The judgments a pairwise export reads: the project's up to the scope's id, gold
    left out unless asked for; ``consented`` also leaves out, for reuse, those of
    contributors who did not consent."""
    rows = Judgment.objects.filter(project=scope.project, id__lte=scope.max_judgment_id)
    if not scope.options.include_gold:
        rows = rows.filter(item__is_gold=False)
    if consented and scope.reuse:
        rows = rows.filter(expert__expert_profile__reuse_consent=True)
    return rows


Record = dict[str, Any]


@dataclass(frozen=True)
class Mapping:
    kind: str
    title: str
    description: str
    plan: Callable[[Scope], Plan]
    records: Callable[[Scope], Iterator[Record]]
    schema: Callable[[ExportOptions], pa.Schema]
    # Columns holding free-form objects: kept as objects in JSONL, JSON text in Parquet.
    json_columns: tuple[str, ...] = ()
    granularities: tuple[str, ...] = ("item",)


_REGISTRY: dict[str, dict[str, Mapping]] = {}


def register(task_type: str, *mappings: Mapping) -> None:
    _REGISTRY.setdefault(task_type, {}).update({m.kind: m for m in mappings})


def mappings_of_type(task_type: str) -> list[Mapping]:
    from assay.tasktypes import discover

    discover()
    return list(_REGISTRY.get(task_type, {}).values())


def mappings_for(project: Project) -> dict[str, Mapping]:
    from assay.tasktypes import discover

    discover()  # every task type module registers its mappings when imported
    found = _REGISTRY.get(project.task_type)
    if not found:
        raise InvalidInput(
            f"Projects of type {project.task_type!r} cannot be exported yet.",
            code="export_not_supported",
        )
    return found


def mapping_for(project: Project, kind: str) -> Mapping:
    mapping = mappings_for(project).get(kind)
    if mapping is None:
        raise InvalidInput(f"No export {kind!r} for this project.", code="unknown_export")
    return mapping
