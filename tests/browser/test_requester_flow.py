"""A requester creates, fills and publishes a project in the browser, then downloads DPO pairs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from assay.actions.allocation import claim_next_task
from assay.actions.judgments import submit_judgment
from assay.models import Project, User
from tests.conftest import item_lines, jsonl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GUIDELINES = "# Arithmetic\n\nPrefer the response with the correct sum."
# Item id to the choice the expert makes on it: two wins for A, one tie.
VERDICTS = {"item-0": "a", "item-1": "tie", "item-2": "a"}


def _judge_everything(expert: User, project: Project) -> None:
    for _ in VERDICTS:
        lease = claim_next_task(expert=expert, project=project)
        choice = VERDICTS[lease.item.external_id]
        submit_judgment(
            expert=expert,
            lease_id=lease.id,
            choice=choice,
            strength=None if choice == "tie" else 2,
            rationale="Checked the arithmetic in both answers.",
            idempotency_key=f"key-{lease.id:08d}",
        )


def test_requester_creates_uploads_publishes_and_downloads_dpo_pairs(
    live_server: LiveServer,
    page: Page,
    alice: User,
    erin: User,
    sign_in: Callable[[str], None],
    tmp_path: Path,
) -> None:
    sign_in(alice.email)
    page.goto(f"{live_server.url}/projects/")
    page.get_by_role("link", name="New pairwise project").click()
    page.fill("#name", "Arithmetic check")
    page.fill("#overlap", "1")
    page.fill("#pay", "1.00")
    page.fill("#estimated_minutes", "3")
    page.fill("#guidelines", GUIDELINES)
    page.get_by_role("button", name="Create project").click()
    expect(page.locator(".flash")).to_have_text("Project created. Upload items, then publish.")
    project = Project.objects.get(name="Arithmetic check")
    assert page.url == f"{live_server.url}/projects/{project.id}/"

    items_file = tmp_path / "items.jsonl"
    items_file.write_bytes(jsonl(item_lines(3)))
    page.set_input_files("#item-file", items_file)
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".flash")).to_have_text("Imported 3 items.")
    expect(page.locator("[data-stat=items]")).to_have_text("3")

    page.get_by_role("button", name="Publish project").click()
    expect(page.locator(".flash")).to_have_text("Published. Experts can take tasks now.")
    project.refresh_from_db()
    assert project.status == Project.Status.PUBLISHED
    assert (project.overlap, project.pay_cents, project.estimated_minutes) == (1, 100, 3)

    _judge_everything(erin, project)

    page.reload()
    expect(page.locator("[data-stat=judgments]")).to_have_text("3")
    expect(page.locator("#progress")).to_contain_text("DPO file: 2 pair(s)")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download DPO pairs (JSONL)").click()
    download = info.value
    assert download.suggested_filename == f"project-{project.id}-dpo.jsonl"
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()

    assert len(lines) == 2
    records = [json.loads(line) for line in lines]
    items = {row["id"]: row for row in item_lines(3)}
    assert sorted(r["item_id"] for r in records) == ["item-0", "item-2"]
    for record in records:
        item = items[record["item_id"]]
        assert record["prompt"] == item["prompt"]
        assert record["chosen"] == item["response_a"]
        assert record["rejected"] == item["response_b"]


def test_malformed_upload_is_rejected_whole_with_its_line_number(
    live_server: LiveServer,
    page: Page,
    make_project: Callable[..., Project],
    alice: User,
    sign_in: Callable[[str], None],
    tmp_path: Path,
) -> None:
    project = make_project(items=3)
    good_first, good_last = item_lines(2, start=3)
    bad_file = tmp_path / "bad.jsonl"
    bad_file.write_bytes(
        jsonl([good_first]) + b'{"id": "item-9", "prompt": "unterminated\n' + jsonl([good_last])
    )

    sign_in(alice.email)
    page.goto(f"{live_server.url}/projects/{project.id}/")
    expect(page.locator("[data-stat=items]")).to_have_text("3")
    page.set_input_files("#item-file", bad_file)
    page.get_by_role("button", name="Upload").click()

    errors = page.locator(".errors")
    expect(errors).to_contain_text("The file was not imported: 1 problem(s).")
    expect(errors.locator("li")).to_have_count(1)
    expect(errors.locator("li")).to_contain_text("Line 2: not valid JSON")
    expect(page.locator("[data-stat=items]")).to_have_text("3")
    assert project.items.count() == 3
