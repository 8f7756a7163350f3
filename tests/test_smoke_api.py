from collections.abc import Callable

from django.test import Client

from assay.models import Project, User


def test_erin_sees_the_project_she_is_admitted_to(
    project: Project, erin: User, api: Callable[[User], Client]
) -> None:
    response = api(erin).get("/api/v1/tasks/projects")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [project.id]
