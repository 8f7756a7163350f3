"""The allocator end to end: order, gold, caps, fair share, adaptive overlap, traces."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.test import Client

from assay import clock
from assay.models import Item, Lease, Project, User
from tests.conftest import item_lines, jsonl, work_entry


def next_task(client: Client, project: Project | None = None) -> dict[str, Any]:
    body = {"project_id": project.id} if project else {}
    return client.post("/api/v1/tasks/next", body, content_type="application/json").json()  # type: ignore[no-any-return]


def judge(client: Client, lease_id: int, key: str, choice: str = "a") -> None:
    body = {
        "choice": choice,
        "strength": None if choice == "tie" else 2,
        "rationale": "A decisive reason.",
        "idempotency_key": key,
    }
    response = client.post(
        f"/api/v1/tasks/{lease_id}/judgment", body, content_type="application/json"
    )
    assert response.status_code == 201, response.json()


def item_of(task: dict[str, Any]) -> Item:
    return Lease.objects.get(id=task["task"]["lease_id"]).item


def work_through(client: Client, project: Project, count: int, tag: str) -> list[Item]:
    items = []
    for n in range(count):
        task = next_task(client, project)
        items.append(item_of(task))
        judge(client, task["task"]["lease_id"], f"{tag}-key-{n:04d}")
    return items


def test_higher_priority_then_nearer_deadline_first(
    make_project: Callable[..., Project], erin: User, api: Callable[[User], Client]
) -> None:
    _plain, urgent, important = (make_project(items=2) for _ in range(3))
    Project.objects.filter(id=urgent.id).update(deadline=clock.now() + dt.timedelta(days=1))
    Project.objects.filter(id=important.id).update(priority=5)
    client = api(erin)
    first = next_task(client)
    assert first["task"]["project"]["id"] == important.id
    judge(client, first["task"]["lease_id"], "prio-key-0001")
    judge(client, next_task(client)["task"]["lease_id"], "prio-key-0002")
    assert next_task(client)["task"]["project"]["id"] == urgent.id


def test_gold_is_mixed_in_at_the_rate_and_never_shown_as_gold(
    make_project: Callable[..., Project], erin: User, alice: User, api: Callable[[User], Client]
) -> None:
    project = make_project(items=20, overlap=1)
    Project.objects.filter(id=project.id).update(gold_rate=0.2)
    gold_ids = list(
        Item.objects.filter(project=project).order_by("id")[:4].values_list("id", flat=True)
    )
    Item.objects.filter(id__in=gold_ids).update(is_gold=True, gold_answer="a")
    client = api(erin)
    first = next_task(client, project)
    assert item_of(first).is_gold  # an expert is due a gold item first
    assert "gold" not in str(first["task"]).lower()
    judge(client, first["task"]["lease_id"], "gold-key-first")
    taken = [item_of(first), *work_through(client, project, 9, "gold")]
    assert sum(item.is_gold for item in taken) == 2


def test_gold_items_go_to_every_expert_whatever_the_overlap(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=3, overlap=1)
    Project.objects.filter(id=project.id).update(gold_rate=0.5)
    gold = Item.objects.filter(project=project).order_by("id").first()
    assert gold is not None
    Item.objects.filter(id=gold.id).update(is_gold=True, gold_answer="b")
    for name in ("ann", "ben", "cy"):
        assert item_of(next_task(api(make_expert(name)), project)).id == gold.id


def test_target_overlap_overrides_the_projects(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=2, overlap=3)
    first, second = Item.objects.filter(project=project).order_by("id")
    Item.objects.filter(id=first.id).update(target_overlap=1)
    Item.objects.filter(id=second.id).update(target_overlap=4)
    leased = [item_of(next_task(api(make_expert(f"e{n}")), project)).id for n in range(5)]
    assert leased.count(first.id) == 1
    assert leased.count(second.id) == 4
    assert next_task(api(make_expert("late")), project)["empty"]["code"] == "all_leased"


def test_contested_items_then_started_then_fresh_and_never_complete_ones(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    # Counters as a nearly done adaptive project leaves them: the candidates come from
    # three ranges (above the overlap, below it, untouched), none of which holds these.
    project = make_project(items=6, overlap=2)
    done, stopped, contested, started, fresh, last = Item.objects.filter(project=project).order_by(
        "id"
    )
    Item.objects.filter(id=done.id).update(reserved=2, judgment_count=2)
    Item.objects.filter(id=stopped.id).update(reserved=3, judgment_count=3, target_overlap=3)
    Item.objects.filter(id=contested.id).update(reserved=2, judgment_count=2, target_overlap=4)
    Item.objects.filter(id=started.id).update(reserved=1, judgment_count=1)
    leased = [item_of(next_task(api(make_expert(f"x{n}")), project)).id for n in range(7)]
    assert leased == [contested.id] * 2 + [started.id] + [fresh.id] * 2 + [last.id] * 2
    assert next_task(api(make_expert("late")), project)["empty"]["code"] == "all_leased"


def test_daily_cap_stops_and_explains_until_tomorrow(
    make_project: Callable[..., Project], erin: User, api: Callable[[User], Client]
) -> None:
    project = make_project(items=5, overlap=1)
    Project.objects.filter(id=project.id).update(daily_cap_per_expert=2)
    client = api(erin)
    work_through(client, project, 2, "daily")
    empty = next_task(client, project)["empty"]
    assert empty["code"] == "daily_cap"
    assert "limit of 2" in empty["message"]
    assert empty["retry_at"] is not None
    with clock.frozen(clock.now() + dt.timedelta(days=1, minutes=1)):
        assert next_task(client, project)["task"] is not None


def test_project_cap_per_expert(
    make_project: Callable[..., Project], erin: User, api: Callable[[User], Client]
) -> None:
    project = make_project(items=5, overlap=1)
    Project.objects.filter(id=project.id).update(cap_per_expert=1)
    client = api(erin)
    work_through(client, project, 1, "cap")
    assert next_task(client, project)["empty"]["code"] == "project_cap"


def take(client: Client, project: Project, external_id: str) -> int:
    """Lease one named item, returning (without penalty) whatever else is offered first."""
    while True:
        task = next_task(client, project)["task"]
        if item_of({"task": task}).external_id == external_id:
            return int(task["lease_id"])
        client.post(f"/api/v1/tasks/{task['lease_id']}/return")


def test_fair_share_in_the_tail_of_a_burst(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=8, overlap=2)
    fast, slow, newcomer = (api(make_expert(n)) for n in ("fast", "slow", "new"))
    work_through(fast, project, 6, "fast")  # items 0 to 5
    for n in (6, 7):
        judge(slow, take(slow, project, f"item-{n}"), f"slow-key-{n:04d}")
    # No untouched item is left; fast has 6 judgments this hour, slow 2.
    held = next_task(fast, project)["empty"]
    assert held["code"] == "fair_share"
    assert "ahead of the others" in held["message"]
    assert next_task(newcomer, project)["task"] is not None


def test_requester_sees_who_held_an_item_and_how_it_ended(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    alice: User,
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    project = make_project(items=1, overlap=2)
    ann, ben = make_expert("ann"), make_expert("ben")
    judge(api(ann), next_task(api(ann), project)["task"]["lease_id"], "trace-key-01", "tie")
    ben_lease = next_task(api(ben), project)["task"]["lease_id"]
    api(ben).post(f"/api/v1/tasks/{ben_lease}/return")
    trace = api(alice).get(f"/api/v1/projects/{project.id}/items/item-0/trace").json()
    assert [(t["expert"], t["outcome"], t["choice"]) for t in trace["leases"]] == [
        (ann.expert_profile.pseudonym, "submitted", "tie"),
        (ben.expert_profile.pseudonym, "released", None),
    ]
    assert "ann@" not in str(trace)
    item = Item.objects.get(project=project)
    page = web(alice).get(f"/projects/{project.id}/items/{item.id}/")
    assert ann.expert_profile.pseudonym.encode() in page.content
    listing = web(alice).get(f"/projects/{project.id}/items/?q=item-0")
    assert b"item-0" in listing.content
    assert api(alice).get(f"/api/v1/projects/{project.id}/items/nope/trace").status_code == 404


def test_gold_marking_and_gold_upload(
    make_project: Callable[..., Project], alice: User, api: Callable[[User], Client]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = make_project(items=1, publish=False)
    client = api(alice)
    marked = client.put(
        f"/api/v1/projects/{project.id}/items/item-0/gold",
        {"answer": "b", "rationale": "B is right."},
        content_type="application/json",
    ).json()
    assert marked["is_gold"] is True
    bad = client.put(
        f"/api/v1/projects/{project.id}/items/item-0/gold",
        {"answer": "c"},
        content_type="application/json",
    )
    assert bad.json()["error"]["code"] == "invalid_gold"
    rows = item_lines(2, start=10)
    rows[0]["gold"] = {"answer": "tie", "rationale": "Both fine."}
    rows[1]["gold"] = {"answer": "maybe"}
    upload = client.post(
        f"/api/v1/projects/{project.id}/items", {"file": SimpleUploadedFile("g.jsonl", jsonl(rows))}
    )
    assert upload.json()["error"]["details"][0]["line"] == 2
    csv = b"id,prompt,response_a,response_b,gold_answer,gold_rationale\nc1,p,a,b,a,Because\n"
    made = client.post(
        f"/api/v1/projects/{project.id}/items", {"file": SimpleUploadedFile("g.csv", csv)}
    )
    assert made.status_code == 201
    assert Item.objects.get(external_id="c1").gold_answer == "a"
    assert Item.objects.get(external_id="c1").metadata == {}


def test_work_overview_counts_open_items_then_says_who_holds_the_rest(
    make_project: Callable[..., Project],
    erin: User,
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=4, overlap=1)
    gold = Item.objects.filter(project=project).order_by("id").last()
    assert gold is not None
    Item.objects.filter(id=gold.id).update(is_gold=True, gold_answer="a")
    grace = api(make_expert("grace"))
    held = next_task(grace, project)["task"]
    client = api(erin)
    entry = work_entry(client, project)
    assert (entry["state"], entry["available"]) == ("available", 2)  # gold is not counted
    work_through(client, project, 2, "overview")
    entry = work_entry(client, project)
    assert entry["state"] == "nothing_now"
    assert "Other experts" in entry["message"]
    expires = Lease.objects.get(id=held["lease_id"]).expires_at
    assert abs(dt.datetime.fromisoformat(entry["retry_at"]) - expires) < dt.timedelta(seconds=1)
    judge(grace, held["lease_id"], "overview-grace")
    entry = work_entry(client, project)
    assert (entry["state"], entry["retry_at"]) == ("nothing_now", None)
    assert "every open item" in entry["message"]
