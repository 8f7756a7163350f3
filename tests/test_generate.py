"""Generating candidate responses from model endpoints: CLI, API and page."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from django.test import Client

from assay.actions import endpoints as endpoint_actions
from assay.actions import projects
from assay.actions.ledger import escrow_shortfall
from assay.cli import main
from assay.models import GenerationRun, Item, ModelCall, ModelEndpoint, Organization, Project, User
from assay.tasktypes._actions import create_typed_project
from assay.tasktypes.ranking import RankingItem
from tests.conftest import GUIDELINES
from tests.fake_openai import FakeOpenAI, running
from tests.tasktypes_helpers import typed_project


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with running() as server:
        yield server


@pytest.fixture
def models(alice: User, acme: Organization, fake: FakeOpenAI) -> list[ModelEndpoint]:
    made = []
    for name, model in (("small", "tiny-1b"), ("large", "big-70b"), ("other", "mid-8b")):
        spec = endpoint_actions.EndpointSpec(
            name=name, base_url=fake.url, model=model, secret="sk-abcdefghijklmnop"
        )
        made.append(endpoint_actions.create_endpoint(actor=alice, organization=acme, spec=spec))
    return made


def unpublished(alice: User, acme: Organization, task_type: str) -> Project:
    """A project of that type with no items yet."""
    terms = projects.ProjectTerms(
        name=f"{task_type} project",
        description="Generated work",
        overlap=2,
        pay_cents=100,
        estimated_minutes=3,
        admission="open",
    )
    return create_typed_project(
        actor=alice, organization=acme, terms=terms, guidelines=GUIDELINES, task_type=task_type
    )


@pytest.fixture
def ranking(alice: User, acme: Organization) -> Project:
    return unpublished(alice, acme, "ranking")


def prompts(count: int) -> list[dict[str, str]]:
    return [{"id": f"q{n}", "prompt": f"Explain topic {n}."} for n in range(count)]


def test_the_api_creates_one_item_per_prompt_with_model_names(
    alice: User,
    api: Callable[[User], Client],
    make_project: Callable[..., Project],
    models: list[ModelEndpoint],
    fake: FakeOpenAI,
) -> None:
    project = make_project(items=0, publish=False)
    client = api(alice)
    body = {"endpoints": ["small", "large"], "prompts": prompts(3)}
    started = client.post(
        f"/api/v1/projects/{project.id}/generations", body, content_type="application/json"
    )
    assert started.status_code == 201, started.content
    run_id = started.json()["id"]
    done = client.post(f"/api/v1/generations/{run_id}/advance?limit=10").json()
    assert done["status"] == "done"
    assert (done["finished"], done["items_created"], done["failures"]) == (3, 3, [])
    item = Item.objects.get(external_id="q0")
    assert {item.metadata["model_a"], item.metadata["model_b"]} == {"tiny-1b", "big-70b"}
    answers = {item.response_a, item.response_b}
    assert answers == {
        "tiny-1b says: an answer to Explain topic 0.",
        "big-70b says: an answer to Explain topic 0.",
    }
    call = ModelCall.objects.get(id=item.metadata["model_call_a"])
    assert call.purpose == "generate"
    assert call.project_id == project.id
    sides = {Item.objects.get(external_id=f"q{n}").metadata["endpoint_a"] for n in range(3)}
    assert len(fake.chat_requests()) == 6
    assert sides <= {"small", "large"}


def test_three_endpoints_make_every_pair(
    alice: User, make_project: Callable[..., Project], models: list[ModelEndpoint], api: Any
) -> None:
    project = make_project(items=0, publish=False)
    body = {"endpoints": ["small", "large", "other"], "prompts": prompts(1)}
    client = api(alice)
    run_id = client.post(
        f"/api/v1/projects/{project.id}/generations", body, content_type="application/json"
    ).json()["id"]
    client.post(f"/api/v1/generations/{run_id}/advance")
    names = sorted(Item.objects.filter(project=project).values_list("external_id", flat=True))
    assert len(names) == 3
    assert all(n.startswith("q0:") and "-vs-" in n for n in names)


def test_a_failing_model_leaves_that_prompt_uncreated(
    alice: User,
    make_project: Callable[..., Project],
    models: list[ModelEndpoint],
    fake: FakeOpenAI,
    api: Any,
) -> None:
    project = make_project(items=0, publish=False)
    # q0: small answers, large fails with 400 (not retried); q1 both answer.
    fake.modes = ["ok", "400"]
    client = api(alice)
    run_id = client.post(
        f"/api/v1/projects/{project.id}/generations",
        {"endpoints": ["small", "large"], "prompts": prompts(2)},
        content_type="application/json",
    ).json()["id"]
    done = client.post(f"/api/v1/generations/{run_id}/advance?limit=5").json()
    assert done["items_created"] == 1
    assert [f["id"] for f in done["failures"]] == ["q0"]
    assert "rejected the request" in done["failures"][0]["message"]
    assert list(Item.objects.filter(project=project).values_list("external_id", flat=True)) == [
        "q1"
    ]


def test_a_clashing_id_is_a_failure_not_a_crash(
    alice: User, make_project: Callable[..., Project], models: list[ModelEndpoint], api: Any
) -> None:
    project = make_project(items=0, publish=False)
    client = api(alice)
    for _ in range(2):
        run_id = client.post(
            f"/api/v1/projects/{project.id}/generations",
            {"endpoints": ["small", "large"], "prompts": prompts(1)},
            content_type="application/json",
        ).json()["id"]
        last = client.post(f"/api/v1/generations/{run_id}/advance").json()
    assert "already in the project" in last["failures"][0]["message"]
    assert Item.objects.filter(project=project).count() == 1


def test_a_published_project_funds_the_new_items(
    alice: User, make_project: Callable[..., Project], models: list[ModelEndpoint], api: Any
) -> None:
    project = make_project(items=1)
    client = api(alice)
    run_id = client.post(
        f"/api/v1/projects/{project.id}/generations",
        {"endpoints": ["small", "large"], "prompts": prompts(2)},
        content_type="application/json",
    ).json()["id"]
    assert client.post(f"/api/v1/generations/{run_id}/advance?limit=5").json()["items_created"] == 2
    assert Item.objects.filter(project=project).count() == 3


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"endpoints": ["small"], "prompts": prompts(1)}, "endpoint_count"),
        ({"endpoints": ["small", "nope"], "prompts": prompts(1)}, "endpoint_not_found"),
        ({"endpoints": ["small", "large"], "prompts": []}, "prompt_count"),
        ({"endpoints": ["small", "large"], "prompts": [{"prompt": " "}]}, "invalid_prompts"),
    ],
)
def test_bad_requests_say_why(
    alice: User,
    make_project: Callable[..., Project],
    models: list[ModelEndpoint],
    api: Any,
    body: dict[str, Any],
    code: str,
) -> None:
    project = make_project(items=0, publish=False)
    response = api(alice).post(
        f"/api/v1/projects/{project.id}/generations", body, content_type="application/json"
    )
    assert response.json()["error"]["code"] == code


def test_other_organizations_cannot_generate_or_watch(
    alice: User,
    charlie: User,
    make_project: Callable[..., Project],
    models: list[ModelEndpoint],
    api: Any,
) -> None:
    project = make_project(items=0, publish=False)
    body = {"endpoints": ["small", "large"], "prompts": prompts(1)}
    url = f"/api/v1/projects/{project.id}/generations"
    assert api(charlie).post(url, body, content_type="application/json").status_code == 404
    run_id = api(alice).post(url, body, content_type="application/json").json()["id"]
    assert api(charlie).get(f"/api/v1/generations/{run_id}").status_code == 404
    assert api(charlie).post(f"/api/v1/generations/{run_id}/advance").status_code == 404


def test_the_command_reads_a_prompt_file(
    make_project: Callable[..., Project], models: list[ModelEndpoint], tmp_path: Any
) -> None:
    project = make_project(items=0, publish=False)
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in prompts(2)))
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "--project",
            str(project.id),
            "--endpoints",
            "small,large",
            "--prompts",
            str(path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 item(s) created from 2 of 2 prompt(s); 0 failed" in result.output
    assert GenerationRun.objects.get().status == "done"


def test_the_command_reports_failures_and_exits_1(
    make_project: Callable[..., Project], models: list[ModelEndpoint], fake: FakeOpenAI
) -> None:
    project = make_project(items=0, publish=False)
    fake.modes = ["401"]
    lines = "".join(json.dumps(p) + "\n" for p in prompts(2))
    result = CliRunner().invoke(
        main, ["generate", "--project", str(project.id), "--endpoints", "small,large"], input=lines
    )
    assert result.exit_code == 1
    assert "prompt q0: The model 'small' refused Assay's key" in result.output
    assert "1 item(s) created from 1 of 2" in result.output


def test_the_command_refuses_bad_prompt_lines(
    make_project: Callable[..., Project], models: list[ModelEndpoint]
) -> None:
    project = make_project(items=0, publish=False)
    result = CliRunner().invoke(
        main,
        ["generate", "--project", str(project.id), "--endpoints", "small,large"],
        input='{"prompt": "fine"}\nnot json\n',
    )
    assert result.exit_code == 1
    assert "line 2" in result.output


def test_the_page_starts_a_run_and_shows_progress(
    alice: User,
    web: Callable[[User], Client],
    make_project: Callable[..., Project],
    models: list[ModelEndpoint],
) -> None:
    project = make_project(items=0, publish=False)
    client = web(alice)
    assert (
        "Generate responses with models" in client.get(f"/projects/{project.id}/").content.decode()
    )
    page = client.get(f"/projects/{project.id}/generate/").content.decode()
    assert 'value="small"' in page
    lines = "".join(json.dumps(p) + "\n" for p in prompts(2))
    started = client.post(
        f"/projects/{project.id}/generate/", {"endpoints": ["small", "large"], "prompts": lines}
    )
    run = GenerationRun.objects.get()
    assert started["Location"] == f"/generations/{run.id}/"
    watching = client.get(started["Location"]).content.decode()
    assert "0 of 2" in watching
    assert "hx-post" in watching
    step = client.post(f"/generations/{run.id}/advance/").content.decode()
    assert "1 of 2" in step
    final = client.post(f"/generations/{run.id}/advance/").content.decode()
    assert "2 of 2" in final
    assert "hx-post" not in final


def test_the_page_shows_errors(
    alice: User, web: Any, make_project: Callable[..., Project], models: list[ModelEndpoint]
) -> None:
    project = make_project(items=0, publish=False)
    response = web(alice).post(
        f"/projects/{project.id}/generate/", {"endpoints": ["small"], "prompts": '{"prompt":"x"}'}
    )
    assert response.status_code == 400
    assert "Choose 2 to 5 endpoints" in response.content.decode()


# Ranking projects: one item per prompt holding every endpoint's reply -----------------


def test_a_ranking_run_makes_one_item_per_prompt_naming_each_model(
    ranking: Project, models: list[ModelEndpoint], fake: FakeOpenAI, tmp_path: Any
) -> None:
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in prompts(4)))
    command = ["generate", "--project", str(ranking.id), "--endpoints", "small,large,other"]
    result = CliRunner().invoke(main, [*command, "--prompts", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 item(s) created from 4 of 4 prompt(s); 0 failed" in result.output
    assert len(fake.chat_requests()) == 12
    run = GenerationRun.objects.get()
    items = list(Item.objects.filter(project=ranking).order_by("external_id"))
    assert [i.external_id for i in items] == ["q0", "q1", "q2", "q3"]
    firsts = set()
    for item in items:
        parsed = RankingItem.model_validate(item.data)
        meta = item.metadata
        assert parsed.prompt == item.prompt == f"Explain topic {item.external_id[1:]}."
        assert sorted(meta["models"]) == ["big-70b", "mid-8b", "tiny-1b"]
        assert meta["generation_run"] == run.id
        for n, model in enumerate(meta["models"]):
            assert parsed.responses[n] == f"{model} says: an answer to {parsed.prompt}"
            call = ModelCall.objects.get(id=meta["model_calls"][n])
            assert (call.endpoint.name, call.model) == (meta["endpoints"][n], model)
            assert (call.purpose, call.project_id) == ("generate", ranking.id)
        firsts.add(meta["models"][0])
    assert len(firsts) > 1  # the order changes with the prompt


def test_a_published_ranking_project_funds_the_new_items(
    alice: User, acme: Organization, models: list[ModelEndpoint], api: Any
) -> None:
    row = {"id": "seed", "prompt": "Sort", "responses": ["a", "b", "c"]}
    project = typed_project(alice, acme, "ranking", [row])
    client = api(alice)
    run_id = client.post(
        f"/api/v1/projects/{project.id}/generations",
        {"endpoints": ["small", "large", "other"], "prompts": prompts(2)},
        content_type="application/json",
    ).json()["id"]
    assert client.post(f"/api/v1/generations/{run_id}/advance?limit=5").json()["items_created"] == 2
    assert Item.objects.filter(project=project).count() == 3
    assert escrow_shortfall(project) == 0


def test_a_ranking_needs_three_to_nine_endpoints(
    alice: User, ranking: Project, models: list[ModelEndpoint], api: Any
) -> None:
    response = api(alice).post(
        f"/api/v1/projects/{ranking.id}/generations",
        {"endpoints": ["small", "large"], "prompts": prompts(1)},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "endpoint_count"
    assert "choose 3 to 9 endpoints" in error["message"]
    assert not GenerationRun.objects.exists()


def test_the_command_refuses_too_few_endpoints_for_a_ranking(
    ranking: Project, models: list[ModelEndpoint]
) -> None:
    result = CliRunner().invoke(
        main,
        ["generate", "--project", str(ranking.id), "--endpoints", "small,large"],
        input=json.dumps({"prompt": "x"}) + "\n",
    )
    assert result.exit_code == 1
    assert "A ranking item holds 3 to 9 responses" in result.output


@pytest.mark.parametrize("mode", ["400", "whitespace"])
def test_a_failing_ranking_prompt_creates_nothing(
    alice: User,
    ranking: Project,
    models: list[ModelEndpoint],
    fake: FakeOpenAI,
    api: Any,
    mode: str,
) -> None:
    # q0: the third endpoint fails (a 400, or a reply the item schema refuses).
    if mode == "400":
        fake.modes = ["ok", "ok", "400"]
    else:
        fake.reply = lambda body: "   " if "topic 0" in body["messages"][-1]["content"] else "ok"
    client = api(alice)
    run_id = client.post(
        f"/api/v1/projects/{ranking.id}/generations",
        {"endpoints": ["small", "large", "other"], "prompts": prompts(2)},
        content_type="application/json",
    ).json()["id"]
    done = client.post(f"/api/v1/generations/{run_id}/advance?limit=5").json()
    assert (done["status"], done["finished"], done["items_created"]) == ("done", 2, 1)
    assert [f["id"] for f in done["failures"]] == ["q0"]
    reason = "rejected the request" if mode == "400" else "do not make a ranking item"
    assert reason in done["failures"][0]["message"]
    assert list(Item.objects.filter(project=ranking).values_list("external_id", flat=True)) == [
        "q1"
    ]


def test_other_task_types_are_refused_naming_the_ones_that_work(
    alice: User, acme: Organization, models: list[ModelEndpoint], api: Any
) -> None:
    project = unpublished(alice, acme, "safety")
    response = api(alice).post(
        f"/api/v1/projects/{project.id}/generations",
        {"endpoints": ["small", "large", "other"], "prompts": prompts(1)},
        content_type="application/json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "wrong_task_type"
    assert "pairwise and ranking projects only" in error["message"]
    assert not GenerationRun.objects.exists()
