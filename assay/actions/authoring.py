"""Authoring qualification tests: operators for a domain, requesters for one project.

A test is written as one JSON document (see docs/qualification.md) so it can be
reviewed, versioned and uploaded by API or pasted into the authoring page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from assay import clock
from assay.actions.qualification import validate_pay
from assay.domain.grading import PAIRWISE_ANSWERS, minimum_test_pay
from assay.errors import InvalidInput, NotFound, WrongRole
from assay.models import Domain, Project, QualificationTest, Question, User

KINDS = ("choice", "pairwise", "free_text")


@dataclass(frozen=True)
class TestSpec:
    __test__ = False  # a qualification test, not a pytest test class

    title: str
    domain: str
    estimated_minutes: int
    pass_mark: int
    questions: list[dict[str, Any]]
    description: str = ""
    time_limit_minutes: int | None = None
    pay_cents: int | None = None
    cooldown_days: int = 7
    max_attempts: int = 3
    skill_valid_days: int = 365


def _question_problems(index: int, q: dict[str, Any]) -> list[dict[str, str]]:
    where = f"questions[{index}]"
    problems = []
    kind = q.get("kind")
    if kind not in KINDS:
        return [{"field": f"{where}.kind", "message": "kind must be choice, pairwise or free_text"}]
    if not str(q.get("prompt", "")).strip():
        problems.append({"field": f"{where}.prompt", "message": "write the question"})
    if not str(q.get("category", "")).strip():
        problems.append({"field": f"{where}.category", "message": "name a category for feedback"})
    points = q.get("points", 1)
    if not isinstance(points, int) or not 1 <= points <= 100:
        problems.append({"field": f"{where}.points", "message": "points must be 1 to 100"})
    if kind == "choice":
        options = q.get("options")
        if not isinstance(options, list) or len(options) < 2 or not all(options):
            problems.append({"field": f"{where}.options", "message": "give at least two options"})
        elif str(q.get("answer", "")) not in {str(n) for n in range(len(options))}:
            problems.append({"field": f"{where}.answer", "message": "answer is an option index"})
    elif kind == "pairwise":
        if not q.get("response_a") or not q.get("response_b"):
            problems.append({"field": f"{where}.responses", "message": "give both responses"})
        if q.get("answer") not in PAIRWISE_ANSWERS:
            problems.append({"field": f"{where}.answer", "message": "answer is a, b or tie"})
    elif not str(q.get("rubric", "")).strip():
        problems.append({"field": f"{where}.rubric", "message": "free text needs a rubric"})
    return problems


def _spec_problems(spec: TestSpec) -> list[dict[str, str]]:
    problems = []
    if not spec.title.strip():
        problems.append({"field": "title", "message": "name the test"})
    if not 1 <= spec.estimated_minutes <= 240:
        problems.append({"field": "estimated_minutes", "message": "1 to 240 minutes"})
    if not 1 <= spec.pass_mark <= 100:
        problems.append({"field": "pass_mark", "message": "pass mark is 1 to 100"})
    if not 1 <= spec.max_attempts <= 10:
        problems.append({"field": "max_attempts", "message": "1 to 10 attempts"})
    if not 0 <= spec.cooldown_days <= 365:
        problems.append({"field": "cooldown_days", "message": "0 to 365 days"})
    if not 1 <= spec.skill_valid_days <= 3650:
        problems.append({"field": "skill_valid_days", "message": "1 to 3650 days"})
    limit = spec.time_limit_minutes
    if limit is not None and not spec.estimated_minutes <= limit <= 480:
        problems.append(
            {"field": "time_limit_minutes", "message": "at least the estimate, at most 480"}
        )
    if not spec.questions:
        problems.append({"field": "questions", "message": "add at least one question"})
    for index, question in enumerate(spec.questions):
        problems.extend(_question_problems(index, question))
    return problems


def _authorize(author: User, project: Project | None) -> None:
    if project is None and not author.is_staff:
        raise WrongRole("Only operators author platform-wide tests.")
    if project is not None and not project.organization.membership_set.filter(user=author).exists():
        raise NotFound("No such project.", code="project_not_found")


def create_test(
    *, author: User, spec: TestSpec, project: Project | None = None
) -> QualificationTest:
    _authorize(author, project)
    problems = _spec_problems(spec)
    if problems:
        raise InvalidInput("The test has problems.", code="invalid_test", details=problems)
    domain = Domain.objects.filter(slug=spec.domain).first()
    if domain is None:
        raise InvalidInput(f"Unknown domain {spec.domain!r}.", code="unknown_domain")
    floor = minimum_test_pay(spec.estimated_minutes, settings.PAY_FLOOR_CENTS_PER_HOUR)
    pay = validate_pay(
        spec.pay_cents if spec.pay_cents is not None else floor, spec.estimated_minutes
    )
    with transaction.atomic():
        test = QualificationTest.objects.create(
            title=spec.title.strip(),
            description=spec.description.strip(),
            domain=domain,
            project=project,
            author=author,
            estimated_minutes=spec.estimated_minutes,
            time_limit_minutes=spec.time_limit_minutes or spec.estimated_minutes * 2,
            pay_cents=pay,
            currency=settings.CURRENCY,
            pass_mark=spec.pass_mark,
            cooldown_days=spec.cooldown_days,
            max_attempts=spec.max_attempts,
            skill_valid_days=spec.skill_valid_days,
            created_at=clock.now(),
        )
        Question.objects.bulk_create(
            Question(
                test=test,
                position=index + 1,
                kind=q["kind"],
                category=str(q["category"]).strip(),
                prompt=str(q["prompt"]),
                options=[str(o) for o in q.get("options", [])],
                response_a=str(q.get("response_a", "")),
                response_b=str(q.get("response_b", "")),
                answer=str(q.get("answer", "")),
                rubric=str(q.get("rubric", "")),
                points=q.get("points", 1),
            )
            for index, q in enumerate(spec.questions)
        )
    return test


def spec_from_json(data: Any) -> TestSpec:
    """A TestSpec from parsed JSON, with a clear error for a wrong shape."""
    if not isinstance(data, dict):
        raise InvalidInput("The test must be a JSON object.", code="invalid_test")
    known = set(TestSpec.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(unknown)}.", code="invalid_test")
    numbers = (
        "estimated_minutes",
        "pass_mark",
        "time_limit_minutes",
        "pay_cents",
        "cooldown_days",
        "max_attempts",
        "skill_valid_days",
    )
    optional = {"time_limit_minutes", "pay_cents"}
    wrong = [
        n
        for n in numbers
        if n in data and not (type(data[n]) is int or (data[n] is None and n in optional))
    ]
    wrong += [
        n for n in ("title", "description", "domain") if n in data and not isinstance(data[n], str)
    ]
    if wrong or not isinstance(data.get("questions", []), list):
        bad = ", ".join(wrong) or "questions"
        raise InvalidInput(f"Wrong type for: {bad}.", code="invalid_test")
    if not all(isinstance(q, dict) for q in data.get("questions", [])):
        raise InvalidInput("Each question must be a JSON object.", code="invalid_test")
    try:
        return TestSpec(**data)
    except TypeError as error:
        raise InvalidInput(f"The test is incomplete: {error}.", code="invalid_test") from None
