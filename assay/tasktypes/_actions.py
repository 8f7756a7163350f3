"""Giving a project its task type and settings (the wizard and ``POST /api/projects``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from assay import audit
from assay.actions import projects as project_actions
from assay.errors import Conflict, raise_for_fields
from assay.models import Organization, Project, User
from assay.tasktypes import choices, get


def config_problems(task_type: str, config: dict[str, Any] | None) -> dict[str, str]:
    kind = get(task_type)
    if kind is None:
        return {"task_type": f"choose one of: {', '.join(choices())}"}
    return {f"task_config.{k}": v for k, v in kind.config_problems(config).items()}


def create_typed_project(
    *,
    actor: User,
    organization: Organization,
    terms: project_actions.ProjectTerms,
    guidelines: str,
    task_type: str = "pairwise",
    task_config: dict[str, Any] | None = None,
) -> Project:
    """A draft project of ``task_type`` with its validated settings, in one transaction."""
    raise_for_fields(config_problems(task_type, task_config))
    kind = get(task_type)
    assert kind is not None  # noqa: S101 -- checked just above
    config = kind.parse_config(task_config).model_dump(mode="json")
    with transaction.atomic():
        project = project_actions.create_project(
            actor=actor, organization=organization, terms=terms, guidelines=guidelines
        )
        if task_type != project.task_type or config:
            project.task_type, project.task_config = task_type, config
            project.save(update_fields=["task_type", "task_config"])
            audit.record("project.task_type", project, actor=actor, task_type=task_type)
    return project


def set_task_config(*, actor: User, project: Project, task_config: dict[str, Any]) -> Project:
    """New settings for the project's type, while it is a draft (experts have seen none)."""
    raise_for_fields(config_problems(project.task_type, task_config))
    kind = get(project.task_type)
    assert kind is not None  # noqa: S101 -- checked just above
    with transaction.atomic():
        project = Project.objects.select_for_update().get(id=project.id)
        if project.status != Project.Status.DRAFT:
            raise Conflict(
                "Task settings are fixed once a project is published.", code="project_not_draft"
            )
        project.task_config = kind.parse_config(task_config).model_dump(mode="json")
        project.save(update_fields=["task_config"])
        audit.record("project.task_config", project, actor=actor)
    return project
