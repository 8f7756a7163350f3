"""Low-effort signals: the pure rules, flags on submitted judgments, the API and the page."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from assay import clock
from assay.actions import judgments
from assay.actions.signals import flag_judgment
from assay.domain.signals import (
    COPIED,
    DUPLICATE,
    TOO_FAST,
    Durations,
    copied_rationale,
    duplicate_rationale,
    normalize,
    signals,
    too_fast,
)
from assay.models import Flag, Judgment, Project, User
from tests.conftest import jsonl

WORDS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
]
SPREAD = [100] * 5 + [120] * 5 + [110]  # mean 110 s, sample SD exactly 10 s: cut-off 80 s
WIDE = [20] * 5 + [1000] * 5  # mean - 3 SD is below zero


# The rules, as pure functions


def test_normalize_lowercases_and_collapses_whitespace() -> None:
    assert normalize("  A  is\tBETTER\n\nthan B ") == "a is better than b"


@given(st.lists(st.integers(0, 3600), max_size=9), st.integers(0, 3600), st.integers(1, 60))
def test_fewer_than_ten_other_judgments_never_flag_too_fast(
    others: list[int], duration: int, minutes: int
) -> None:
    assert too_fast(duration, others, minutes) is None


@given(st.lists(st.integers(0, 10**6), min_size=2, max_size=300))
def test_duration_sums_give_the_textbook_mean_and_standard_deviation(values: list[int]) -> None:
    summary = Durations.of(values)
    assert math.isclose(summary.mean, statistics.fmean(values), rel_tol=1e-12)
    assert math.isclose(summary.spread, statistics.stdev(values), rel_tol=1e-9, abs_tol=1e-9)


def test_ten_other_judgments_are_enough() -> None:
    assert too_fast(0, [100, 120] * 5, 3) is not None
    assert too_fast(0, [100, 120] * 4 + [110], 3) is None


def test_three_standard_deviations_below_the_mean_is_the_primary_rule() -> None:
    assert too_fast(80, SPREAD, 1) is None  # exactly at the cut-off: not *more than* 3 SD
    signal = too_fast(79, SPREAD, 1)
    assert signal is not None
    kind, detail = signal
    assert kind == TOO_FAST
    assert "more than 3 standard deviations below the mean" in detail
    assert "mean 110 s, SD 10 s, cut-off 80 s" in detail
    assert "estimate" not in detail


def test_no_spread_means_no_standard_deviation_flag() -> None:
    assert too_fast(59, [60] * 20, 1) is None


def test_under_ten_percent_of_the_estimate_is_the_second_rule() -> None:
    assert too_fast(18, WIDE, 3) is None  # exactly 10% of 3 minutes
    signal = too_fast(17, WIDE, 3)
    assert signal is not None
    assert "under 10% of the 3-minute estimate declared before launch (18 s)" in signal[1]
    assert "standard deviations" not in signal[1]


def test_both_too_fast_rules_are_named_in_one_signal() -> None:
    signal = too_fast(5, SPREAD, 3)
    assert signal is not None
    assert signal[1].startswith("Submitted after 5 s: more than 3 standard deviations")
    assert "; and under 10% of the 3-minute estimate" in signal[1]


def test_a_run_of_twelve_copied_words_flags() -> None:
    response = "Sure: " + " ".join(WORDS[:12]) + " - hope this helps."
    rationale = "I chose B because " + " ".join(WORDS[:12]) + " and that is correct in my view"
    signal = copied_rationale(rationale, "unrelated", response)
    assert signal is not None
    kind, detail = signal
    assert kind == COPIED
    assert detail.startswith("12 of the rationale's 23 words repeat response B word for word")
    assert " ".join(WORDS[:12]) in detail


def test_a_run_of_eleven_words_inside_a_longer_reason_does_not_flag() -> None:
    response = " ".join(WORDS)
    rationale = "I chose A because " + " ".join(WORDS[:11]) + " and that is correct in my view"
    assert copied_rationale(rationale, response, "") is None


def test_a_short_quote_does_not_flag() -> None:
    response = "The capital of Australia is Canberra, not Sydney, as many people assume."
    rationale = "A is right that the capital of Australia is Canberra and B names the wrong city."
    assert copied_rationale(rationale, response, "Sydney is the capital.") is None


def test_a_rationale_that_is_mostly_a_response_flags() -> None:
    response = "Paris is the capital and largest city of France by population."
    assert copied_rationale("Paris is the capital and largest city.", response, "") is not None
    # 10 words, 8 of them copied in one run: 80%, flagged; 7 of 10 is not.
    eight = "paris is the capital and largest city of - yes."
    seven = "paris is the capital and largest city - yes indeed."
    assert copied_rationale(eight, response, "") is not None
    assert copied_rationale(seven, response, "") is None


def test_copying_ignores_case_and_spacing() -> None:
    response = " ".join(WORDS)
    rationale = "\n".join(word.upper() for word in WORDS[:12])
    assert copied_rationale(rationale, response, "") is not None


@given(st.lists(st.sampled_from(WORDS), max_size=5), st.text())
def test_fewer_than_six_words_are_never_copied_or_duplicate(words: list[str], text: str) -> None:
    rationale = " ".join(words)
    assert copied_rationale(rationale, rationale, rationale) is None
    assert duplicate_rationale(rationale, [(1, rationale), (2, text)]) is None


def test_the_same_rationale_as_another_experts_flags() -> None:
    text = "Response A explains the steps and B skips them."
    signal = duplicate_rationale(text, [(7, "something else entirely"), (3, text.upper())])
    assert signal == (
        DUPLICATE,
        "The same 9-word rationale as another expert's judgment 3 in this project.",
    )
    assert duplicate_rationale(text, [(7, "Response A explains the steps.")]) is None


def test_six_words_are_enough_for_a_duplicate() -> None:
    six = "A is correct and B is"
    assert duplicate_rationale(six, [(1, six)]) is not None
    assert duplicate_rationale("A is correct and B", [(1, "A is correct and B")]) is None


def test_signals_lists_every_kind_in_order() -> None:
    text = " ".join(WORDS)
    found = signals(
        duration=1,
        other_durations=SPREAD,
        estimated_minutes=1,
        rationale=text,
        response_a=text,
        response_b="",
        other_rationales=[(1, text)],
    )
    assert [kind for kind, _ in found] == [TOO_FAST, COPIED, DUPLICATE]


# Flags on judgments submitted through the API


def claim(client: Client, project: Project) -> int:
    body = {"project_id": project.id}
    task = client.post("/api/v1/tasks/next", body, content_type="application/json").json()
    return int(task["task"]["lease_id"])


def submit(client: Client, lease_id: int, rationale: str, status: int = 201) -> Judgment:
    body = {
        "choice": "a",
        "strength": 2,
        "rationale": rationale,
        "idempotency_key": f"k-{lease_id:06d}",
    }
    response = client.post(
        f"/api/v1/tasks/{lease_id}/judgment", body, content_type="application/json"
    )
    assert response.status_code == status, response.json()
    return Judgment.objects.get(id=response.json()["id"])


def judge(
    client: Client, project: Project, rationale: str = "A decisive reason.", seconds: int = 60
) -> Judgment:
    """Claim the next task and submit it ``seconds`` later."""
    latest = Judgment.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    start = max(clock.now(), latest + dt.timedelta(seconds=1)) if latest else clock.now()
    with clock.frozen(start):
        lease_id = claim(client, project)
    with clock.frozen(start + dt.timedelta(seconds=seconds)):
        return submit(client, lease_id, rationale)


def kinds(judgment: Judgment) -> set[str]:
    """The flag kinds after flagging; the same whether or not submission already flagged."""
    flag_judgment(judgment)
    again = {flag.kind for flag in flag_judgment(judgment)}
    stored = set(Flag.objects.filter(judgment=judgment).values_list("kind", flat=True))
    assert again == stored
    return stored


def test_a_very_fast_submission_is_flagged_once_the_project_has_ten_others(
    make_project: Callable[..., Project], erin: User, api: Callable[[User], Client]
) -> None:
    project = make_project(items=12, overlap=1, minutes=3)
    client = api(erin)
    first = judge(client, project, seconds=1)
    assert kinds(first) == set()  # alone, it says nothing
    for n in range(9):
        judge(client, project, seconds=100 + 20 * (n % 2))
    fast = judge(client, project, seconds=5)
    assert kinds(fast) == {TOO_FAST}
    flag = Flag.objects.get(judgment=fast)
    assert flag.project_id == project.id
    assert flag.detail.startswith("Submitted after 5 s")
    assert flag.resolved_at is None
    assert kinds(judge(client, project, seconds=110)) == set()


def upload_items(client: Client, project: Project, rows: list[dict[str, Any]]) -> None:
    data = SimpleUploadedFile("items.jsonl", jsonl(rows))
    response = client.post(f"/api/v1/projects/{project.id}/items", {"file": data})
    assert response.status_code == 201, response.json()
    assert client.post(f"/api/v1/projects/{project.id}/publish").status_code == 200


def test_a_rationale_copied_from_a_response_is_flagged(
    make_project: Callable[..., Project],
    alice: User,
    erin: User,
    frank: User,
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=0, publish=False, overlap=2)
    answer = "Water boils at one hundred degrees Celsius at sea level because of air pressure."
    row = {"id": "boil", "prompt": "When does water boil?", "response_a": answer}
    upload_items(api(alice), project, [row | {"response_b": "At 50 degrees."}])
    copied = judge(
        api(erin),
        project,
        "A: water boils at one hundred degrees Celsius at sea level because of air pressure.",
    )
    assert kinds(copied) == {COPIED}
    own_words = 'B is wrong; A is right that "it boils at sea level" depends on pressure.'
    assert kinds(judge(api(frank), project, own_words)) == set()


def test_the_same_rationale_as_another_expert_is_flagged(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> None:
    project = make_project(items=2, overlap=2)
    ann, ben = api(make_expert("ann")), api(make_expert("ben"))
    text = "Response A gives the right sum and B does not."
    original = judge(ann, project, text)
    again = judge(ann, project, text)
    assert kinds(again) == set()  # reusing one's own words is fine
    duplicate = judge(ben, project, "  response a gives the RIGHT sum\nand b does not.")
    assert kinds(original) == set()
    assert kinds(duplicate) == {DUPLICATE}
    detail = Flag.objects.get(judgment=duplicate).detail
    assert detail.endswith(f"judgments {original.id}, {again.id} in this project.")


# The API and the page


def two_flags(
    project: Project, make_expert: Callable[[str], User], api: Callable[..., Client]
) -> list[Flag]:
    """Three experts give one rationale on one item: the second and third are flagged."""
    text = "Both answers are fine but A is clearer overall."
    judgments = [judge(api(make_expert(name)), project, text) for name in ("ann", "ben", "cy")]
    flags = [flag for judgment in judgments for flag in flag_judgment(judgment)]
    assert len(flags) == 2
    return flags


@pytest.fixture
def flagged(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
) -> tuple[Project, list[Flag]]:
    project = make_project(items=1, overlap=3)
    return project, two_flags(project, make_expert, api)


def resolve(client: Client, project: Project, flag: Flag, note: str) -> Any:
    url = f"/api/v1/projects/{project.id}/flags/{flag.id}/resolve"
    return client.post(url, {"resolution": note}, content_type="application/json")


def test_requesters_list_flags_open_first(
    flagged: tuple[Project, list[Flag]], alice: User, bob: User, api: Callable[[User], Client]
) -> None:
    project, (older, newer) = flagged
    assert (
        resolve(api(bob), project, newer, "Looked at it: a shared template, fine.").status_code
        == 200
    )
    listed = api(alice).get(f"/api/v1/projects/{project.id}/flags").json()
    assert [row["id"] for row in listed] == [older.id, newer.id]
    first, second = listed
    assert first["open"] is True
    assert first["judgment_id"] == older.judgment_id
    assert first["item_id"] == "item-0"
    assert first["expert"] == older.judgment.expert.expert_profile.pseudonym
    assert first["kind"] == DUPLICATE
    assert first["detail"] == older.detail
    assert first["resolved_at"] is None
    assert first["resolved_by"] is None
    assert second["open"] is False
    assert second["resolved_by"] == bob.email
    assert second["resolution"] == "Looked at it: a shared template, fine."
    assert "@" not in first["expert"]
    limited = api(alice).get(f"/api/v1/projects/{project.id}/flags?limit=1&offset=1").json()
    assert [row["id"] for row in limited] == [newer.id]


def test_resolving_records_who_when_and_why_once(
    flagged: tuple[Project, list[Flag]], alice: User, api: Callable[[User], Client]
) -> None:
    project, (flag, _) = flagged
    client = api(alice)
    moment = dt.datetime(2031, 5, 6, 7, 8, tzinfo=dt.UTC)
    with clock.frozen(moment):
        done = resolve(client, project, flag, "  Spoke with the expert; honest work.  ")
    assert done.status_code == 200
    assert done.json()["resolution"] == "Spoke with the expert; honest work."
    flag.refresh_from_db()
    assert (flag.resolved_at, flag.resolved_by) == (moment, alice)
    twice = resolve(client, project, flag, "Again")
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "flag_resolved"
    flag.refresh_from_db()
    assert flag.resolution == "Spoke with the expert; honest work."


@pytest.mark.parametrize("note", ["", "   ", "x" * 1025])
def test_a_resolution_needs_a_note_of_at_most_1024_characters(
    flagged: tuple[Project, list[Flag]], alice: User, api: Callable[[User], Client], note: str
) -> None:
    project, (flag, _) = flagged
    response = resolve(api(alice), project, flag, note)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_resolution"
    assert resolve(api(alice), project, flag, "x" * 1024).status_code == 200


def test_other_organizations_and_experts_see_no_flags(
    flagged: tuple[Project, list[Flag]],
    charlie: User,
    erin: User,
    api: Callable[[User], Client],
) -> None:
    project, (flag, _) = flagged
    for user in (charlie, erin):
        client = api(user)
        listed = client.get(f"/api/v1/projects/{project.id}/flags")
        assert listed.status_code == 404
        assert listed.json()["error"]["code"] == "project_not_found"
        assert resolve(client, project, flag, "Mine now").status_code == 404
    assert Client().get(f"/api/v1/projects/{project.id}/flags").status_code == 401
    flag.refresh_from_db()
    assert flag.resolved_at is None


def test_a_flag_of_another_project_is_not_found(
    flagged: tuple[Project, list[Flag]],
    make_project: Callable[..., Project],
    alice: User,
    api: Callable[[User], Client],
) -> None:
    _, (flag, _) = flagged
    other = make_project(items=1)
    response = resolve(api(alice), other, flag, "Wrong project")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "flag_not_found"


def test_the_page_lists_flags_and_says_what_a_flag_is(
    flagged: tuple[Project, list[Flag]], alice: User, web: Callable[[User], Client]
) -> None:
    project, (flag, _) = flagged
    page = web(alice).get(f"/projects/{project.id}/flags/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "A flag asks for a human look. It never removes, blocks, rejects or penalizes" in text
    assert "2 open flags" in text
    assert flag.judgment.expert.expert_profile.pseudonym in text
    assert "Same rationale as another expert" in text
    assert f"/projects/{project.id}/flags/{flag.id}/resolve/" in text


def test_resolving_on_the_page(
    flagged: tuple[Project, list[Flag]], alice: User, web: Callable[[User], Client]
) -> None:
    project, (flag, _) = flagged
    client = web(alice)
    url = f"/projects/{project.id}/flags/{flag.id}/resolve/"
    empty = client.post(url, {"resolution": " "})
    assert empty.status_code == 400
    assert "Please describe the resolution." in empty.content.decode()
    done = client.post(url, {"resolution": "Checked <b>both</b>; fine."}, follow=True)
    assert done.redirect_chain[-1][0] == f"/projects/{project.id}/flags/"
    text = done.content.decode()
    assert "Flag resolved." in text
    assert "Checked &lt;b&gt;both&lt;/b&gt;; fine." in text
    assert "1 open flag." in text
    again = client.post(url, {"resolution": "Again"})
    assert again.status_code == 409
    assert "This flag is already resolved." in again.content.decode()
    assert client.get(url).status_code == 405


def test_the_page_is_not_found_for_other_organizations_and_experts(
    flagged: tuple[Project, list[Flag]],
    charlie: User,
    erin: User,
    web: Callable[[User], Client],
) -> None:
    project, (flag, _) = flagged
    for user in (charlie, erin):
        client = web(user)
        assert client.get(f"/projects/{project.id}/flags/").status_code == 404
        url = f"/projects/{project.id}/flags/{flag.id}/resolve/"
        assert client.post(url, {"resolution": "Mine now"}).status_code == 404
    assert Client().get(f"/projects/{project.id}/flags/").status_code == 302


@pytest.fixture
def flag_on_submit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Flag inside the submit transaction, as submission will once it is wired."""
    store = judgments._store

    def store_and_flag(*args: Any) -> tuple[Judgment, bool]:
        with transaction.atomic():
            judgment, created = store(*args)
            flag_judgment(judgment)
        return judgment, created

    monkeypatch.setattr(judgments, "_store", store_and_flag)


@pytest.mark.usefixtures("flag_on_submit")
def test_flagging_inside_the_submit_transaction_is_safe_and_idempotent(
    make_project: Callable[..., Project],
    make_expert: Callable[[str], User],
    api: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    project = make_project(items=1, overlap=2)
    text = "Response A gives the right sum and B does not."
    judge(api(make_expert("ann")), project, text)
    ben = api(make_expert("ben"))
    duplicate = judge(ben, project, text)
    assert set(Flag.objects.values_list("judgment_id", "kind")) == {(duplicate.id, DUPLICATE)}
    replay = submit(ben, duplicate.lease_id, text, status=200)  # a replay: no new flag
    assert replay.id == duplicate.id
    with django_assert_max_num_queries(6):
        assert [flag.kind for flag in flag_judgment(duplicate)] == [DUPLICATE]
    assert Flag.objects.count() == 1
