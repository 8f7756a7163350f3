"""Downloads: one record per judgment, and DPO pairs by majority."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.test import Client

from assay.actions.allocation import claim_next_task
from assay.actions.judgments import submit_judgment
from assay.actions.leases import return_lease
from assay.models import Item, Project, User


def vote(project: Project, expert: User, choice: str, external_id: str) -> None:
    """Have ``expert`` judge the item ``external_id`` (others are returned to the pool)."""
    while True:
        lease = claim_next_task(expert=expert, project=project)
        if lease.item.external_id == external_id:
            break
        return_lease(expert=expert, lease_id=lease.id)
    submit_judgment(
        expert=expert,
        lease_id=lease.id,
        choice=choice,
        strength=None if choice == "tie" else 2,
        rationale=f"{choice} because of a decisive detail.",
        idempotency_key=f"{expert.id}-{external_id}-key",
    )


def lines(response: object) -> list[dict[str, object]]:
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return [json.loads(line) for line in content.decode().splitlines()]


def test_judgment_export_has_one_record_per_judgment_with_pseudonyms(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    two = make_project(items=2, overlap=2)
    ann, ben = make_expert("ann"), make_expert("ben")
    vote(two, ann, "a", "item-0")
    vote(two, ben, "tie", "item-0")
    response = api(alice).get(f"/api/v1/projects/{two.id}/exports/judgments.jsonl")
    assert response.status_code == 200
    records = lines(response)
    assert [r["choice"] for r in records] == ["a", "tie"]
    assert records[0]["item_id"] == "item-0"
    assert records[0]["guideline_version"] == 1
    assert records[0]["expert"] == ann.expert_profile.pseudonym
    assert "ann@experts.test" not in json.dumps(records)


def test_dpo_export_uses_the_majority_and_counts_what_it_leaves_out(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    four = make_project(items=4, overlap=3)
    experts = [make_expert(name) for name in ("ann", "ben", "cy")]
    plan = {"item-0": "aab", "item-1": "bbt", "item-2": "abt", "item-3": "a"}
    for external_id, choices in plan.items():
        for expert, code in zip(experts, choices, strict=False):
            vote(four, expert, {"a": "a", "b": "b", "t": "tie"}[code], external_id)
    client = api(alice)
    response = client.get(f"/api/v1/projects/{four.id}/exports/dpo.jsonl")
    pairs = lines(response)
    items = {i.external_id: i for i in Item.objects.filter(project=four)}
    assert [(p["item_id"], p["chosen"], p["rejected"]) for p in pairs] == [
        ("item-0", items["item-0"].response_a, items["item-0"].response_b),
        ("item-1", items["item-1"].response_b, items["item-1"].response_a),
    ]
    assert pairs[0]["prompt"] == items["item-0"].prompt
    assert pairs[0]["votes"] == {"a": 2, "b": 1, "tie": 0}
    assert (
        response["X-Assay-Pairs"],
        response["X-Assay-Tied"],
        response["X-Assay-Incomplete"],
    ) == ("2", "1", "1")
    summary = client.get(f"/api/v1/projects/{four.id}/exports/dpo/summary").json()
    assert summary == {"pairs": 2, "tied": 1, "incomplete": 1}


def test_progress_counts_done_in_progress_and_waiting(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    three = make_project(items=3, overlap=1)
    vote(three, make_expert("ann"), "a", "item-0")
    claim_next_task(expert=make_expert("ben"), project=three)
    body = api(alice).get(f"/api/v1/projects/{three.id}/progress").json()
    assert (body["items"], body["done"], body["in_progress"], body["waiting"]) == (3, 1, 1, 1)
    assert body["judgments"] == 1
    assert body["judgments_last_hour"] == 1
    assert body["active_leases"] == 1
