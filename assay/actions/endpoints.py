"""Model endpoints of an organization: add, list, switch off, replace the key.

The secret key is encrypted before it is stored (assay/endpoints/crypto.py); from then
on only its four-character hint is ever shown, and no audit row, log line or export
carries it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from assay import audit, clock
from assay.access import organizations_of
from assay.endpoints import ModelError, Purpose, Turn, chat, crypto, judging
from assay.errors import Conflict, NotFound, raise_for_fields
from assay.models import Item, ModelEndpoint, Organization, Project, ProjectJudge, User
from assay.webhooks import url_problem

MAX_ENDPOINTS = 50
MAX_PARAMETERS = 20
MAX_TIMEOUT = 600
MAX_RATE = 10_000


@dataclass(frozen=True)
class EndpointSpec:
    name: str
    base_url: str
    model: str
    secret: str = ""
    timeout_seconds: int = 60
    requests_per_minute: int = 60
    parameters: dict[str, Any] = field(default_factory=dict)


def endpoints_for(user: User) -> QuerySet[ModelEndpoint]:
    return ModelEndpoint.objects.filter(organization__in=organizations_of(user))


def access_endpoint_by_id(user: User, endpoint_id: int) -> ModelEndpoint:
    endpoint = endpoints_for(user).filter(id=endpoint_id).first()
    if endpoint is None or not user.is_requester:
        raise NotFound("No such model endpoint.", code="endpoint_not_found")
    return endpoint


def usable_by_name(organization_id: int, names: list[str]) -> list[ModelEndpoint]:
    """The organization's enabled endpoints called ``names``, in that order."""
    found = {
        e.name: e
        for e in ModelEndpoint.objects.filter(
            organization_id=organization_id, name__in=names, disabled_at__isnull=True
        )
    }
    missing = [n for n in names if n not in found]
    if missing:
        raise NotFound(
            f"No enabled model endpoint named {', '.join(missing)} in this organization.",
            code="endpoint_not_found",
        )
    return [found[n] for n in names]


def _check(spec: EndpointSpec) -> None:
    problems: dict[str, str] = {}
    if not spec.name.strip() or len(spec.name) > 100 or "," in spec.name:
        problems["name"] = "a name of 1 to 100 characters, without commas"
    why = "the address is too long" if len(spec.base_url) > 500 else url_problem(spec.base_url)
    if why:
        problems["base_url"] = why
    if not spec.model.strip() or len(spec.model) > 200:
        problems["model"] = "the model's name as the server knows it (up to 200 characters)"
    if len(spec.secret) > 1000:
        problems["secret"] = "at most 1000 characters"  # noqa: S105 -- a message
    if not 1 <= spec.timeout_seconds <= MAX_TIMEOUT:
        problems["timeout_seconds"] = f"between 1 and {MAX_TIMEOUT} seconds"
    if not 1 <= spec.requests_per_minute <= MAX_RATE:
        problems["requests_per_minute"] = f"between 1 and {MAX_RATE}"
    if not isinstance(spec.parameters, dict) or len(spec.parameters) > MAX_PARAMETERS:
        problems["parameters"] = f"a JSON object of at most {MAX_PARAMETERS} settings"
    raise_for_fields(problems)


def create_endpoint(
    *, actor: User, organization: Organization, spec: EndpointSpec
) -> ModelEndpoint:
    _check(spec)
    if ModelEndpoint.objects.filter(organization=organization).count() >= MAX_ENDPOINTS:
        raise Conflict(f"At most {MAX_ENDPOINTS} model endpoints.", code="too_many_endpoints")
    try:
        with transaction.atomic():
            endpoint = ModelEndpoint.objects.create(
                organization=organization,
                name=spec.name.strip(),
                base_url=spec.base_url.rstrip("/"),
                model=spec.model.strip(),
                secret_encrypted=crypto.encrypt(spec.secret),
                secret_hint=crypto.hint(spec.secret),
                timeout_seconds=spec.timeout_seconds,
                requests_per_minute=spec.requests_per_minute,
                parameters=spec.parameters,
                created_by=actor,
                created_at=clock.now(),
            )
            audit.record(
                "endpoint.create",
                endpoint,
                actor=actor,
                name=endpoint.name,
                base_url=endpoint.base_url,
                model=endpoint.model,
                has_secret=bool(spec.secret),
            )
    except IntegrityError:
        raise Conflict(
            f"This organization already has an endpoint named {spec.name!r}.",
            code="endpoint_name_taken",
        ) from None
    return endpoint


def set_disabled(*, actor: User, endpoint: ModelEndpoint, disabled: bool) -> ModelEndpoint:
    when = clock.now() if disabled else None
    with transaction.atomic():
        ModelEndpoint.objects.filter(id=endpoint.id).update(disabled_at=when)
        audit.record("endpoint.disable" if disabled else "endpoint.enable", endpoint, actor=actor)
    endpoint.disabled_at = when
    return endpoint


def replace_secret(*, actor: User, endpoint: ModelEndpoint, secret: str) -> ModelEndpoint:
    if len(secret) > 1000:
        raise_for_fields({"secret": "at most 1000 characters"})
    with transaction.atomic():
        endpoint.secret_encrypted = crypto.encrypt(secret)
        endpoint.secret_hint = crypto.hint(secret)
        endpoint.save(update_fields=["secret_encrypted", "secret_hint"])
        audit.record("endpoint.secret", endpoint, actor=actor, has_secret=bool(secret))
    return endpoint


# AI pre-grading -------------------------------------------------------------------------


@dataclass(frozen=True)
class PregradeReport:
    graded: int
    failed: int
    remaining: int
    failures: list[dict[str, str]]


def set_judge(
    *, actor: User, project: Project, endpoint_name: str, instructions: str = ""
) -> ProjectJudge:
    if project.task_type != "pairwise":
        raise Conflict("Pre-grading works on pairwise projects.", code="wrong_task_type")
    if len(instructions) > 4000:
        raise_for_fields({"instructions": "at most 4000 characters"})
    (endpoint,) = usable_by_name(project.organization_id, [endpoint_name])
    with transaction.atomic():
        judge, _ = ProjectJudge.objects.update_or_create(
            project=project,
            defaults={
                "endpoint": endpoint,
                "instructions": instructions,
                "created_by": actor,
                "created_at": clock.now(),
            },
        )
        audit.record("judge.set", project, actor=actor, endpoint=endpoint.name)
    return judge


def clear_judge(*, actor: User, project: Project) -> None:
    with transaction.atomic():
        ProjectJudge.objects.filter(project=project).delete()
        audit.record("judge.clear", project, actor=actor)


def _ungraded(project: Project) -> QuerySet[Item]:
    return Item.objects.filter(project=project, is_gold=False).exclude(metadata__has_key="judge")


def _grade(judge: ProjectJudge, item: Item, ask: Callable[..., Turn]) -> str:
    """Pre-grade one item; '' when done, else why not."""
    asked = judging.messages(item.prompt, item.response_a, item.response_b, judge.instructions)
    try:
        turn = ask(
            judge.endpoint, asked, purpose=Purpose("judge", project=judge.project, item=item)
        )
    except ModelError as error:
        return error.message
    grade = judging.read(turn.text)
    if grade is None:
        return "the judge's reply held no grade"
    with transaction.atomic():
        locked = Item.objects.select_for_update().get(id=item.id)
        locked.metadata = {
            **(locked.metadata if isinstance(locked.metadata, dict) else {}),
            "judge": {
                **asdict(grade),
                "hard": grade.hard,
                "endpoint": judge.endpoint.name,
                "model": judge.endpoint.model,
                "model_call": turn.call_id,
            },
        }
        # A hard item goes to experts before easier untouched ones (docs/allocation.md).
        if grade.hard:
            locked.priority = judging.HARD_PRIORITY
        locked.save(update_fields=["metadata", "priority"])
    return ""


def pregrade(
    *, project: Project, limit: int = 20, ask: Callable[..., Turn] = chat
) -> PregradeReport:
    """Ask the project's judge about up to ``limit`` items it has not graded.

    The grade is advice stored beside the item (metadata ``judge``): reviewers see it,
    experts do not, and it never stands in for an expert's judgment.
    """
    judge = ProjectJudge.objects.select_related("endpoint", "project").filter(project=project)
    found = judge.first()
    if found is None:
        raise NotFound("This project has no judge model.", code="no_judge")
    failures = []
    batch = list(_ungraded(project).order_by("id")[:limit])
    for item in batch:
        why = _grade(found, item, ask)
        if why:
            failures.append({"item": item.external_id, "message": why})
    graded = len(batch) - len(failures)
    remaining = _ungraded(project).count()
    return PregradeReport(
        graded=graded, failed=len(failures), remaining=remaining, failures=failures
    )
