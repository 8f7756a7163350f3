"""A brand-new expert goes from sign-up to a first task on a project in a sensitive domain.

The project (Law) needs a verified credential, a Law skill score of 60 and a
platform qualification test. The expert signs up, reads why the project is not
open to them, fills their profile, files a credential with evidence, has it
verified by an operator (in a second browser), passes the paid test and starts
the first task. The test prints how many clicks that took and how long, without
the operator's part.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from assay.actions import authoring, projects
from assay.actions.accounts import create_operator
from assay.models import Attempt, Credential, Earning, Project, QualificationTest, Skill, User
from tests.browser.conftest import TIMEOUT_MS, VIEWPORT
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPERT_EMAIL = "lena@experts.test"
OPERATOR_EMAIL = "olga@ops.test"

# (prompt, options, index of the right option); option texts are unique across questions.
QUESTIONS = [
    ("What makes an offer binding once accepted?", ["Consideration", "A notary", "A seal"], 0),
    ("Who bears the burden of proof in a civil claim?", ["The court", "The claimant"], 1),
    ("What is a tort?", ["A type of cake", "A contract term", "A civil wrong"], 2),
]

UNMET_CODES = ["domain_missing", "credential_required", "skill_too_low", "qualification_required"]

# A minimal but well-formed one-page PDF (the product only sniffs the "%PDF" header).
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)


class Expert:
    """The expert's hand on the page: every click, tick or choice is counted."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.clicks = 0
        self.typed = 0

    def click(self, target: Locator) -> None:
        self.clicks += 1
        target.click()

    def check(self, target: Locator) -> None:
        self.clicks += 1
        target.check()

    def choose(self, target: Locator, value: str) -> None:
        self.clicks += 1
        target.select_option(value)

    def fill(self, target: Locator, text: str) -> None:
        self.typed += 1
        target.fill(text)

    def attach(self, target: Locator, path: Path) -> None:
        self.clicks += 1  # opening the file picker
        target.set_input_files(str(path))


def _law_test(operator: User) -> QualificationTest:
    spec = authoring.TestSpec(  # imported via the module: pytest would collect Test*
        title="Law fundamentals",
        domain="law",
        description="Three short questions on civil law.",
        estimated_minutes=10,
        pass_mark=60,
        pay_cents=200,
        questions=[
            {
                "kind": "choice",
                "category": "Civil law",
                "prompt": prompt,
                "options": options,
                "answer": str(answer),
            }
            for prompt, options, answer in QUESTIONS
        ],
    )
    return authoring.create_test(author=operator, spec=spec)


def _operator_verifies(browser: Browser, live_server: LiveServer) -> None:
    """The operator signs in in a separate browser and verifies the pending credential."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        ops = context.new_page()
        ops.goto(f"{live_server.url}/login/?next=/ops/credentials/")
        ops.fill("#id_username", OPERATOR_EMAIL)
        ops.fill("#id_password", PASSWORD)
        ops.get_by_role("button", name="Sign in").click()
        ops.wait_for_url(f"{live_server.url}/ops/credentials/")
        row = ops.locator("#queue tbody tr", has_text="State Bar of California")
        expect(row).to_contain_text("Law")
        row.get_by_role("link", name="Review").click()
        expect(ops.get_by_role("link", name="bar-licence.pdf")).to_be_visible()
        ops.get_by_role("button", name="Verify").click()
        expect(ops.locator(".flash")).to_have_text("Decision saved; the expert has been notified.")
    finally:
        context.close()


def test_new_expert_qualifies_for_a_sensitive_project_and_gets_a_first_task(
    live_server: LiveServer,
    browser: Browser,
    page: Page,
    make_project: Callable[..., Project],
    alice: User,
    tmp_path: Path,
) -> None:
    operator = create_operator(email=OPERATOR_EMAIL, password=PASSWORD)
    law_test = _law_test(operator)
    project = make_project(items=3, publish=False, pay_cents=100, minutes=3)
    requirements = projects.RequirementsUpdate(
        domain="law", min_skill_score=60, qualification_id=law_test.id
    )
    project = projects.set_requirements(actor=alice, project=project, update=requirements)
    Project.objects.filter(id=project.id).update(review_pay_cents=100)  # law is reviewed
    project = projects.publish_project(actor=alice, project=project)
    evidence = tmp_path / "bar-licence.pdf"
    evidence.write_bytes(PDF)
    expert = Expert(page)

    started = time.perf_counter()

    # 1. Sign up.
    page.goto(f"{live_server.url}/signup/")
    expert.fill(page.locator("#name"), "Lena")
    expert.fill(page.locator("#email"), EXPERT_EMAIL)
    expert.fill(page.locator("#password"), PASSWORD)
    expert.click(page.get_by_role("button", name="Create my account"))
    page.wait_for_url(f"{live_server.url}/work/")

    # 2. The project is listed as not available, with every reason.
    blocked = page.locator(".unavailable", has_text="Helpfulness")
    expect(blocked).to_be_visible()
    expect(blocked).to_contain_text("$1.00 per task · $20.00 / hour")
    expect(blocked.locator("li[data-code]")).to_have_count(len(UNMET_CODES))
    codes = [li.get_attribute("data-code") for li in blocked.locator("li[data-code]").all()]
    assert codes == UNMET_CODES
    expect(page.locator(".offer")).to_have_count(0)

    # 3. Profile: Law with years of practice, and a language.
    expert.click(blocked.locator('li[data-code="domain_missing"]').get_by_role("link"))
    page.wait_for_url(f"{live_server.url}/profile/")
    form = page.locator("#profile-form")
    expert.check(form.locator('input[name=domain][value="law"]'))
    expert.fill(form.locator('input[name="years_law"]'), "8")
    expert.check(form.locator('input[name=language][value="en"]'))
    expert.choose(form.locator('select[name="level_en"]'), "C2")
    expert.click(form.get_by_role("button", name="Save profile"))
    expect(page.locator(".flash")).to_have_text("Profile saved.")

    # 4. A Law credential with a PDF as evidence.
    expert.click(page.locator("header").get_by_role("link", name="Credentials", exact=True))
    page.wait_for_url(f"{live_server.url}/credentials/")
    expect(page.locator("#kind")).to_have_value("licence")  # the default: nothing to pick
    expert.choose(page.locator("#domain"), "law")
    expert.fill(page.locator("#issuer"), "State Bar of California")
    expert.attach(page.locator("#evidence"), evidence)
    expert.click(page.get_by_role("button", name="Send for review"))
    expect(page.locator(".flash")).to_have_text(
        "Credential sent for review. We will notify you of the result."
    )
    expect(page.locator("#credentials")).to_contain_text("Waiting for review")

    # 5. The operator verifies it (not counted in the expert's time).
    paused = time.perf_counter()
    _operator_verifies(browser, live_server)
    operator_seconds = time.perf_counter() - paused
    credential = Credential.objects.get(expert__email=EXPERT_EMAIL)
    assert credential.status == Credential.Status.VERIFIED

    # 6. The paid qualification test: pay, time and rate shown before starting.
    expert.click(page.locator("header").get_by_role("link", name="Tests", exact=True))
    page.wait_for_url(f"{live_server.url}/qualifications/")
    card = page.locator(".test-card", has_text="Law fundamentals")
    expect(card.locator("[data-pay]")).to_have_text("$2.00")
    expect(card.get_by_role("row", name="Estimated time")).to_contain_text("10 min")
    expect(card.get_by_role("row", name="Hourly rate")).to_contain_text("$12.00 / hour")
    expert.click(card.get_by_role("button", name="Start paid test"))
    attempt = Attempt.objects.get(expert__email=EXPERT_EMAIL, test=law_test)
    page.wait_for_url(f"{live_server.url}/attempts/{attempt.id}/")
    expect(page.locator("main")).to_contain_text("You are paid $2.00 for this attempt")
    attempt_form = page.locator("#attempt-form")
    for _prompt, options, answer in QUESTIONS:
        expert.check(attempt_form.get_by_label(options[answer], exact=True))
    expert.click(attempt_form.get_by_role("button", name="Submit answers"))
    page.wait_for_url(f"{live_server.url}/attempts/{attempt.id}/result/")
    result = page.locator("#result")
    expect(result).to_contain_text("Passed.")
    expect(result.locator("[data-score]")).to_have_text("100")
    expect(result).to_contain_text("Pay for this attempt: $2.00")

    # 7. Back to work: the project is open, and the first task appears.
    expert.click(result.get_by_role("link", name="Work", exact=True))
    page.wait_for_url(f"{live_server.url}/work/")
    expect(page.locator(".unavailable")).to_have_count(0)
    offer = page.locator(".offer", has_text="Helpfulness")
    expect(offer.locator("[data-pay]")).to_have_text("$1.00")
    expert.click(offer.get_by_role("link", name="Start"))
    page.wait_for_url(f"{live_server.url}/work/{project.id}/")
    expect(page.locator("#judgment-form")).to_be_visible()
    seconds = time.perf_counter() - started - operator_seconds

    print(
        f"\nONBOARDING: clicks={expert.clicks} seconds={seconds:.2f} "
        "(operator verification excluded)"
        f"\nONBOARDING detail: {expert.typed} fields typed; "
        f"operator verification took {operator_seconds:.2f} s"
    )

    user = User.objects.get(email=EXPERT_EMAIL)
    attempt.refresh_from_db()
    assert attempt.passed is True
    earning = Earning.objects.get(attempt=attempt)
    assert (earning.expert_id, earning.kind, earning.amount_cents, earning.currency) == (
        user.id,
        Earning.Kind.QUALIFICATION,
        200,
        "USD",
    )
    skill = Skill.objects.get(expert=user, test=law_test)
    assert skill.domain.slug == "law"
    assert skill.score == 100
