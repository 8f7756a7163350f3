"""What happens to quality state right after a judgment is stored (same transaction).

Adaptive redundancy: the item's posterior over A, B and tie is recomputed from
its votes and the voters' accuracy on gold, and the item's target overlap is
set to stop now, or to ask for one more judgment while it is contested (up to
the project's maximum). The allocator reads that target; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q

from assay.models import Item, Judgment, Project
from assay.quality.adaptive import Policy, decide

CODES = {"a": 0, "b": 1, "tie": 2}
# Before an expert has judged any gold item, assume they are right this often.
PRIOR_CORRECT, PRIOR_TOTAL = 3, 4


@dataclass(frozen=True)
class GoldFeedback:
    expected: str
    rationale: str
    agreed: bool


def gold_accuracy(project: Project, expert_ids: list[int]) -> dict[int, float]:
    """Smoothed share of gold items each expert judged as expected, in this project."""
    rows = (
        Judgment.objects.filter(project=project, expert_id__in=expert_ids, item__is_gold=True)
        .values("expert_id")
        .annotate(total=Count("id"), right=Count("id", filter=Q(choice=F("item__gold_answer"))))
    )
    seen = {r["expert_id"]: (r["right"], r["total"]) for r in rows}
    return {
        e: (seen.get(e, (0, 0))[0] + PRIOR_CORRECT) / (seen.get(e, (0, 0))[1] + PRIOR_TOTAL)
        for e in expert_ids
    }


def _adapt(project: Project, item: Item) -> None:
    votes = list(Judgment.objects.filter(item=item).values_list("expert_id", "choice"))
    accuracy = gold_accuracy(project, [expert for expert, _ in votes])
    policy = Policy(
        min_votes=min(project.overlap, project.adaptive_max),
        max_votes=project.adaptive_max,
        target=project.confidence_target,
    )
    decision = decide(
        labels=[CODES[choice] for _, choice in votes],
        accuracies=[accuracy[expert] for expert, _ in votes],
        n_classes=3,
        policy=policy,
    )
    count = len(votes)
    target = count if decision.stop else max(policy.min_votes, min(policy.max_votes, count + 1))
    Item.objects.filter(id=item.id).update(target_overlap=target)
    item.target_overlap = target


def after_judgment(judgment: Judgment) -> None:
    """Update the item's adaptive overlap (gold items have none)."""
    project, item = judgment.project, judgment.item
    if project.adaptive and not item.is_gold:
        _adapt(project, item)


def gold_feedback(judgment: Judgment) -> GoldFeedback | None:
    """The expected answer of a gold item, shown after submission if the project allows."""
    item, project = judgment.item, judgment.project
    if not item.is_gold or not project.gold_feedback:
        return None
    return GoldFeedback(item.gold_answer, item.gold_rationale, judgment.choice == item.gold_answer)
