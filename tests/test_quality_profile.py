"""An expert's own quality record: GET /api/v1/me/quality and the /quality/ page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from assay import clock
from assay.domain import quality_profile as qp
from assay.models import Item, Project, User
from tests.test_allocation import item_of, judge, next_task

QUALITY = "/api/v1/me/quality"


def mark_gold(project: Project, answers: dict[str, tuple[str, str]], *, rate: float) -> None:
    for external_id, (answer, rationale) in answers.items():
        Item.objects.filter(project=project, external_id=external_id).update(
            is_gold=True, gold_answer=answer, gold_rationale=rationale
        )
    Project.objects.filter(id=project.id).update(gold_rate=rate)


def judge_next(
    client: Client, project: Project, plan: dict[str, str], tag: str, *, seconds: int = 0
) -> str:
    """Take the next task, judge it as ``plan`` says for its item after ``seconds``."""
    start = clock.now()
    with clock.frozen(start):
        task = next_task(client, project)
    external_id = item_of(task).external_id
    with clock.frozen(start + dt.timedelta(seconds=seconds)):
        judge(client, task["task"]["lease_id"], f"{tag}-{external_id}", plan[external_id])
    return external_id


def judge_all(client: Client, project: Project, plan: dict[str, str], tag: str) -> set[str]:
    return {judge_next(client, project, plan, tag) for _ in plan}


def profile(client: Client) -> dict[str, Any]:
    response = client.get(QUALITY)
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


# The arithmetic (pure functions)


def bounds(hits: int, total: int) -> tuple[float, float]:
    interval = qp.wilson_interval(hits, total)
    assert interval is not None
    return interval


def test_wilson_interval_matches_published_values() -> None:
    assert qp.wilson_interval(2, 3) == pytest.approx((0.2077, 0.9385), abs=1e-4)
    (none_low, none_high), (all_low, all_high) = bounds(0, 10), bounds(10, 10)
    assert (none_low, all_high) == (0.0, 1.0)  # exactly: rounding never moves them
    assert none_high == pytest.approx(0.2775, abs=1e-4)
    assert all_low == pytest.approx(0.7225, abs=1e-4)
    assert qp.wilson_interval(0, 0) is None
    assert qp.rate(0, 0) == qp.Rate(0, 0, None, None, None)
    with pytest.raises(ValueError, match="between 0 and 3"):
        qp.wilson_interval(4, 3)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_holds_the_share_and_stays_in_bounds(pair: tuple[int, int]) -> None:
    hits, total = pair
    low, high = bounds(hits, total)
    assert 0.0 <= low <= hits / total <= high <= 1.0
    assert high - low > 0


def test_consensus_is_a_strict_plurality_that_a_tie_vote_can_win() -> None:
    assert qp.consensus(["a", "a", "b"]) == "a"
    assert qp.consensus(["tie", "tie", "a"]) == "tie"
    assert qp.consensus(["a", "b"]) is None
    assert qp.consensus(["a", "b", "tie"]) is None
    assert qp.verdict("a", ["a"]) == "too_few_others"
    assert qp.verdict("a", ["b", "b", "a"]) == "disagreed"


def test_time_percentile_counts_quicker_peers_and_needs_three() -> None:
    assert qp.time_percentile(90, [30, 60, 120]) == pytest.approx(200 / 3)
    assert qp.time_percentile(60, [30, 60, 120]) == pytest.approx(50.0)
    assert qp.time_percentile(10, [30, 60, 120]) == 0.0
    assert qp.time_percentile(10, [30, 60]) is None
    assert qp.median([]) is None


# Gold accuracy


def test_gold_accuracy_with_interval_and_only_judged_gold_revealed(
    make_project: Callable[..., Project],
    erin: User,
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    project = make_project(items=6, overlap=1)
    mark_gold(
        project,
        {
            "item-0": ("a", "Zero plus zero is zero."),
            "item-1": ("a", "Two is right; B adds one."),
            "item-2": ("tie", "Both answers are equally good here."),
            "item-3": ("b", "UNSEEN-RATIONALE for an item erin never judged."),
        },
        rate=1.0,  # gold first, in id order
    )
    client = api(erin)
    plan = {"item-0": "a", "item-1": "tie", "item-2": "tie"}
    assert [judge_next(client, project, plan, "gold") for _ in range(3)] == list(plan)

    body = profile(client)
    gold = body["overall"]["gold"]
    assert (gold["hits"], gold["total"]) == (2, 3)  # a tie is right only against a tie
    assert gold["share"] == pytest.approx(2 / 3)
    assert gold["low"] == pytest.approx(0.2077, abs=1e-4)
    assert gold["high"] == pytest.approx(0.9385, abs=1e-4)
    assert body["projects"][0]["metrics"]["gold"] == gold
    rows = {g["external_id"]: g for g in body["gold_items"]}
    assert set(rows) == {"item-0", "item-1", "item-2"}
    assert rows["item-1"] | {"judged_at": None} == {
        "external_id": "item-1",
        "project_id": project.id,
        "project_name": "Helpfulness",
        "choice": "tie",
        "expected": "a",
        "correct": False,
        "rationale": "Two is right; B adds one.",
        "judged_at": None,
    }
    assert "UNSEEN-RATIONALE" not in str(body)
    assert "item-3" not in str(body)

    page = web(erin).get("/quality/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Both answers are equally good here." in html
    assert "UNSEEN-RATIONALE" not in html
    assert 'data-item="item-3"' not in html
    assert "2 of 3 (67%; 95% interval 21% to 94%)" in html


def test_a_project_that_keeps_gold_private_counts_it_but_shows_no_answer(
    make_project: Callable[..., Project], erin: User, api: Callable[[User], Client]
) -> None:
    project = make_project(items=2, overlap=1)
    mark_gold(project, {"item-0": ("b", "PRIVATE-RATIONALE")}, rate=1.0)
    Project.objects.filter(id=project.id).update(gold_feedback=False)
    judge_next(api(erin), project, {"item-0": "a"}, "private")
    body = profile(api(erin))
    assert (body["overall"]["gold"]["hits"], body["overall"]["gold"]["total"]) == (0, 1)
    [row] = body["gold_items"]
    assert row["choice"] == "a"
    assert (row["expected"], row["correct"], row["rationale"]) == (None, None, "")
    assert "PRIVATE-RATIONALE" not in str(body)


# Agreement with the others


def test_agreement_leaves_out_the_experts_own_vote(
    make_project: Callable[..., Project],
    erin: User,
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=4, overlap=4)
    ann, ben, cy = (make_expert(name) for name in ("ann", "ben", "cy"))
    judge_all(api(erin), project, {"item-0": "a", "item-1": "a", "item-2": "b", "item-3": "a"}, "e")
    judge_all(api(ann), project, {"item-0": "a", "item-1": "b", "item-2": "a", "item-3": "b"}, "a")
    assert judge_all(api(ben), project, {"item-0": "a", "item-1": "b", "item-2": "b"}, "b") == {
        "item-0",
        "item-1",
        "item-2",
    }
    judge_all(api(cy), project, {"item-0": "b", "item-1": "a", "item-2": "tie"}, "c")

    body = profile(api(erin))
    agreement = body["overall"]["agreement"]
    # item-0: others a,a,b agree with erin. item-1: others b,b,a outvote her a (with her
    # own vote the item would be an even split). item-2: others a,b,tie have no consensus.
    # item-3: only ann judged it besides erin.
    assert (agreement["rate"]["hits"], agreement["rate"]["total"]) == (1, 2)
    assert agreement["rate"]["share"] == pytest.approx(0.5)
    assert (agreement["no_consensus"], agreement["too_few_others"]) == (1, 1)
    assert agreement["rate"]["low"] is not None
    for other in (ann, ben, cy):
        assert other.email not in str(body)
        assert other.expert_profile.pseudonym not in str(body)


# Speed


def test_speed_median_and_time_percentile_among_the_same_projects(
    make_project: Callable[..., Project],
    erin: User,
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    project = make_project(items=3, overlap=5)
    elsewhere = make_project(items=2, overlap=5)
    plan = {f"item-{n}": "a" for n in range(3)}
    for name, times in {"ann": (20, 40), "ben": (50, 70), "cy": (100, 140)}.items():
        client = api(make_expert(name))
        for n, seconds in enumerate(times):
            judge_next(client, project, plan, f"{name}{n}", seconds=seconds)
    quick = api(make_expert("quick"))  # works only elsewhere, so is not compared
    judge_next(quick, elsewhere, {"item-0": "a", "item-1": "a"}, "quick", seconds=1)
    client = api(erin)
    for n, seconds in enumerate((80, 90, 100)):
        judge_next(client, project, plan, f"erin{n}", seconds=seconds)

    body = profile(client)
    speed = body["overall"]["speed"]
    assert (speed["judgments"], speed["median_seconds"], speed["peers"]) == (3, 90.0, 3)
    assert speed["percentile"] == pytest.approx(200 / 3)  # ann and ben are quicker, cy is not
    assert body["projects"][0]["metrics"]["speed"] == speed
    ann = User.objects.get(email="ann@experts.test")
    assert profile(api(ann))["overall"]["speed"]["percentile"] == 0.0  # nobody is quicker
    assert profile(quick)["overall"]["speed"]["percentile"] is None  # nobody to compare with
    html = web(erin).get("/quality/").content.decode()
    assert "median 1 min 30 s; time percentile 67 (the share of the 3 other experts" in html


# Empty profile, eligibility, roles, explanations


def test_a_new_expert_gets_an_empty_profile_without_errors(
    make_project: Callable[..., Project],
    frank: User,
    api: Callable[[User], Client],
    web: Callable[[User], Client],
) -> None:
    make_project(items=2)
    german = make_project(items=1)
    Project.objects.filter(id=german.id).update(required_language="de")
    make_project(items=1, admission=Project.Admission.INVITED)  # not open to frank at all
    body = profile(api(frank))
    overall = body["overall"]
    assert overall["judgments"] == 0
    assert overall["gold"] == {"hits": 0, "total": 0, "share": None, "low": None, "high": None}
    assert overall["agreement"]["rate"]["share"] is None
    assert overall["speed"] == {
        "judgments": 0,
        "median_seconds": None,
        "percentile": None,
        "peers": 0,
    }
    assert overall["reviews"] == {
        "available": False,
        "reviewed": 0,
        "accepted": 0,
        "rejected": 0,
        "corrected": 0,
    }
    assert body["projects"] == []
    assert body["gold_items"] == []
    assert body["eligibility"] == {
        "projects": 2,
        "by_state": {"available": 1, "not_eligible": 1, "waitlisted": 0, "nothing_now": 0},
    }
    page = web(frank).get("/quality/")
    assert page.status_code == 200
    assert b"You have not judged a gold item yet." in page.content
    assert b"none yet" in page.content


def test_explanations_say_the_numbers_do_not_change_allocation(
    erin: User, api: Callable[[User], Client], web: Callable[[User], Client]
) -> None:
    explanations = profile(api(erin))["explanations"]
    assert sorted(explanations) == [
        "agreement",
        "allocation",
        "eligibility",
        "gold",
        "reviews",
        "speed",
    ]
    assert "none of these numbers changes what you are offered" in explanations["allocation"]
    assert "reason" in explanations["reviews"]
    html = web(erin).get("/quality/").content.decode()
    assert "none of these numbers changes what you are offered" in html
    assert "Wilson" in html


def test_only_experts_have_a_quality_profile(
    alice: User, api: Callable[[User], Client], web: Callable[[User], Client]
) -> None:
    response = api(alice).get(QUALITY)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_role"
    assert web(alice).get("/quality/").status_code == 403
    assert Client().get(QUALITY).status_code == 401
    assert Client().get("/quality/").status_code == 302
