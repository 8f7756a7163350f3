"""Candidate responses from several model endpoints, as new pairwise or ranking items.

A run holds the prompts and the endpoints. ``advance`` claims the next prompt by a
compare-and-set on ``next_index`` (so the CLI, page polls and API callers can share a
run), asks every endpoint, and creates that prompt's items in one transaction with the
escrow they need: a prompt either gets all its items or none, and its failure is listed
with a reason. A pairwise project gets an item for every pair of endpoints, and which
model shows as A alternates with the prompt; a ranking project gets one item per prompt
holding every reply, in an order that changes with the prompt, so no model sits always
in one place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from itertools import combinations
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from pydantic import ValidationError

from assay import clock
from assay.actions.endpoints import usable_by_name
from assay.actions.imports import work_added
from assay.actions.ledger import ensure_escrow
from assay.endpoints import Purpose, Turn
from assay.endpoints import chat as ask_model
from assay.errors import AssayError, Conflict, InvalidInput, NotFound
from assay.models import GenerationRun, Item, ModelEndpoint, Project, User
from assay.tasktypes import problems_of, require

MAX_PROMPTS = 5000
# The task types generation can fill, and how many endpoints each takes: a ranking item
# holds 3 to 9 responses (the ranking type's item schema).
ENDPOINTS_FOR = {"pairwise": (2, 5), "ranking": (3, 9)}
MAX_ID_CHARS = 150
Ask = Callable[..., Turn]


def parse_prompts(lines: Iterable[str]) -> list[dict[str, str]]:
    """JSONL lines ``{"id": ..., "prompt": ...}`` (id optional); any bad line rejects all."""
    prompts: list[dict[str, str]] = []
    problems: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        text = row.get("prompt") if isinstance(row, dict) else None
        ident = str(row.get("id", "")) if isinstance(row, dict) else ""
        if not isinstance(text, str) or not text.strip():
            problems.append({"line": number, "message": 'a JSON object with a "prompt" text'})
        elif len(ident) > MAX_ID_CHARS:
            problems.append({"line": number, "message": f"id over {MAX_ID_CHARS} characters"})
        else:
            prompts.append({"id": ident or f"prompt-{number}", "prompt": text})
    if problems:
        raise InvalidInput(
            f"The prompts were not read: {len(problems)} bad line(s).",
            code="invalid_prompts",
            details=problems[:100],
        )
    return prompts


def access_run_by_id(user: User, run_id: int) -> GenerationRun:
    run = (
        GenerationRun.objects.filter(id=run_id, project__organization__membership__user=user)
        .select_related("project")
        .first()
    )
    if run is None or not user.is_requester:
        raise NotFound("No such generation run.", code="run_not_found")
    return run


def start_run(
    *, actor: User, project: Project, endpoint_names: list[str], prompts: list[dict[str, str]]
) -> GenerationRun:
    bounds = ENDPOINTS_FOR.get(project.task_type)
    if bounds is None:
        raise Conflict(
            f"Responses can be generated for {' and '.join(ENDPOINTS_FOR)} projects only; "
            f"this is a {project.task_type} project.",
            code="wrong_task_type",
        )
    names = list(dict.fromkeys(n.strip() for n in endpoint_names if n.strip()))
    if not bounds[0] <= len(names) <= bounds[1]:
        raise InvalidInput(_count_message(project.task_type, *bounds), code="endpoint_count")
    if not 1 <= len(prompts) <= MAX_PROMPTS:
        raise InvalidInput(f"Give 1 to {MAX_PROMPTS} prompts.", code="prompt_count")
    if len({p["id"] for p in prompts}) != len(prompts):
        raise InvalidInput("Two prompts share an id.", code="duplicate_ids")
    if project.status == Project.Status.CLOSED:
        raise Conflict("This project is closed.", code="project_closed")
    found = usable_by_name(project.organization_id, names)
    return GenerationRun.objects.create(
        project=project,
        endpoints=[e.id for e in found],
        prompts=prompts,
        created_by=actor,
        created_at=clock.now(),
    )


def _count_message(task_type: str, low: int, high: int) -> str:
    if task_type == "ranking":
        return f"A ranking item holds {low} to {high} responses: choose {low} to {high} endpoints."
    return f"Choose {low} to {high} endpoints."


def _claim(run: GenerationRun) -> int | None:
    """The index of the next prompt, taken by this caller only; None when all are taken."""
    while True:
        index = GenerationRun.objects.values_list("next_index", flat=True).get(id=run.id)
        if index >= len(run.prompts):
            return None
        taken = GenerationRun.objects.filter(id=run.id, next_index=index).update(
            next_index=index + 1
        )
        if taken == 1:
            return index


def _flip(prompt_id: str, a: str, b: str) -> bool:
    return hashlib.sha256(f"{prompt_id}|{a}|{b}".encode()).digest()[0] % 2 == 1


def _label(endpoint: ModelEndpoint, others: list[ModelEndpoint]) -> str:
    """The model's name; with the endpoint's if another endpoint serves the same model."""
    same = [e for e in others if e.model == endpoint.model and e.id != endpoint.id]
    return f"{endpoint.model} ({endpoint.name})" if same else endpoint.model


def _pairwise_items(
    run: GenerationRun, prompt: dict[str, str], found: list[ModelEndpoint], turns: list[Turn]
) -> list[Item]:
    made, now = [], clock.now()
    pairs = list(combinations(range(len(found)), 2))
    for i, j in pairs:
        if _flip(prompt["id"], found[i].name, found[j].name):
            i, j = j, i
        a, b = found[i], found[j]
        suffix = f":{a.name}-vs-{b.name}" if len(pairs) > 1 else ""
        meta = {
            "model_a": _label(a, found),
            "model_b": _label(b, found),
            "endpoint_a": a.name,
            "endpoint_b": b.name,
            "model_call_a": turns[i].call_id,
            "model_call_b": turns[j].call_id,
            "generation_run": run.id,
        }
        made.append(
            Item(
                project=run.project,
                external_id=f"{prompt['id']}{suffix}",
                prompt=prompt["prompt"],
                response_a=turns[i].text,
                response_b=turns[j].text,
                metadata=meta,
                created_at=now,
            )
        )
    return made


def _ranking_item(
    run: GenerationRun, prompt: dict[str, str], found: list[ModelEndpoint], turns: list[Turn]
) -> Item:
    """One item holding every reply, validated by the ranking type's item schema."""
    order = sorted(
        range(len(found)),
        key=lambda n: hashlib.sha256(f"{prompt['id']}|{found[n].name}".encode()).digest(),
    )
    kind = require("ranking")
    try:
        parsed = kind.parse_item(
            {"prompt": prompt["prompt"], "responses": [turns[n].text for n in order]}
        )
    except ValidationError as error:
        problems = "; ".join(f"{k}: {v}" for k, v in problems_of(error).items())
        raise InvalidInput(f"the replies do not make a ranking item ({problems})") from None
    columns = kind.item_columns(parsed)
    meta = {
        "models": [_label(found[n], found) for n in order],
        "endpoints": [found[n].name for n in order],
        "model_calls": [turns[n].call_id for n in order],
        "generation_run": run.id,
    }
    return Item(
        project=run.project,
        external_id=prompt["id"],
        prompt=columns["prompt"],
        response_a="",
        response_b="",
        data=columns["data"],
        metadata=meta,
        created_at=clock.now(),
    )


def _items(
    run: GenerationRun, prompt: dict[str, str], found: list[ModelEndpoint], turns: list[Turn]
) -> list[Item]:
    if run.project.task_type == "ranking":
        return [_ranking_item(run, prompt, found, turns)]
    return _pairwise_items(run, prompt, found, turns)


def _fail(run: GenerationRun, index: int, prompt: dict[str, str], message: str) -> None:
    with transaction.atomic():
        locked = GenerationRun.objects.select_for_update().get(id=run.id)
        locked.failures = [
            *locked.failures,
            {"index": index, "id": prompt["id"], "message": message},
        ]
        locked.finished_count += 1
        locked.save(update_fields=["failures", "finished_count"])


def _store(run: GenerationRun, actor: User, items: list[Item]) -> None:
    with transaction.atomic():
        Item.objects.bulk_create(items)
        project = Project.objects.get(id=run.project_id)
        if project.status in (Project.Status.PUBLISHED, Project.Status.PAUSED):
            ensure_escrow(project, actor=actor)
        GenerationRun.objects.filter(id=run.id).update(
            finished_count=F("finished_count") + 1, items_created=F("items_created") + len(items)
        )


def _one(run: GenerationRun, index: int, found: list[ModelEndpoint], ask: Ask) -> None:
    prompt = run.prompts[index]
    messages = [{"role": "user", "content": prompt["prompt"]}]
    purpose = Purpose("generate", project=run.project)
    try:
        turns = [ask(e, messages, purpose=purpose) for e in found]
        _store(run, run.created_by, _items(run, prompt, found, turns))
    except IntegrityError:
        _fail(run, index, prompt, f"an item with id {prompt['id']!r} is already in the project")
    except AssayError as error:  # a ModelError too
        _fail(run, index, prompt, error.message)


def _finish(run: GenerationRun) -> GenerationRun:
    done = GenerationRun.objects.filter(
        id=run.id, status=GenerationRun.Status.RUNNING, finished_count__gte=len(run.prompts)
    ).update(status=GenerationRun.Status.DONE, finished_at=clock.now())
    run.refresh_from_db()
    if done and run.items_created:
        work_added(run.project)
    return run


def advance(run: GenerationRun, *, limit: int = 1, ask: Ask = ask_model) -> GenerationRun:
    """Work through up to ``limit`` more prompts of the run; returns it refreshed."""
    found = list(ModelEndpoint.objects.filter(id__in=run.endpoints))
    found.sort(key=lambda e: run.endpoints.index(e.id))
    for _ in range(limit):
        index = _claim(run)
        if index is None:
            break
        _one(run, index, found, ask)
    return _finish(run)
