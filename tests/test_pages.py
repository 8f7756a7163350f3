"""Pages through the Django test client: sign-up, projects, uploads, the expert's view."""

from __future__ import annotations

from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assay.models import Item, Judgment, Lease, Project, User
from tests.conftest import PASSWORD, item_lines, jsonl


def test_expert_signs_up_and_lands_on_work(db: None) -> None:
    client = Client()
    response = client.post(
        "/signup/", {"name": "Nia", "email": "Nia@Example.test", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/work/"
    user = User.objects.get(email="nia@example.test")
    assert user.role == "expert"
    assert user.password.startswith("argon2")
    assert user.expert_profile.pseudonym.startswith("expert-")


def test_signup_errors_keep_what_was_typed(erin: User) -> None:
    response = Client().post(
        "/signup/", {"name": "Erin 2", "email": "erin@experts.test", "password": PASSWORD}
    )
    assert response.status_code == 409
    assert b"exists already" in response.content
    weak = Client().post("/signup/", {"name": "Weak", "email": "weak@x.test", "password": "123"})
    assert weak.status_code == 400
    assert b"password" in weak.content
    assert b'value="weak@x.test"' in weak.content
    assert User.objects.count() == 1


def test_requester_signs_up_with_an_organization(db: None) -> None:
    response = Client().post(
        "/signup/requester/",
        {
            "organization": "Initech",
            "name": "Pam",
            "email": "pam@initech.test",
            "password": PASSWORD,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/projects/"
    assert b"No projects yet" in response.content


def test_login_page_signs_in_by_email(alice: User) -> None:
    client = Client()
    bad = client.post("/login/", {"username": "alice@acme.test", "password": "wrong"})
    assert b"do not match" in bad.content
    good = client.post("/login/", {"username": "alice@acme.test", "password": PASSWORD})
    assert good.status_code == 302


def test_requester_creates_uploads_and_publishes_by_page(
    alice: User, web: Callable[[User], Client]
) -> None:
    client = web(alice)
    form = {
        "name": "Medical answers",
        "description": "d",
        "overlap": "3",
        "pay": "1.50",
        "estimated_minutes": "5",
        "admission": "open",
        "guidelines": "# Be careful",
    }
    created = client.post("/projects/new/", form, follow=True)
    project = Project.objects.get(name="Medical answers")
    assert project.pay_cents == 150
    assert b"Upload at least one item first." in created.content
    upload = SimpleUploadedFile("items.csv", b"id,prompt,response_a,response_b\n1,p,a,b\n")
    uploaded = client.post(f"/projects/{project.id}/upload/", {"file": upload}, follow=True)
    assert b"Imported 1 items." in uploaded.content
    published = client.post(f"/projects/{project.id}/publish/", follow=True)
    assert b"Published" in published.content
    project.refresh_from_db()
    assert project.status == "published"


def test_new_project_form_reports_bad_numbers(alice: User, web: Callable[[User], Client]) -> None:
    form = {"name": "X", "overlap": "three", "pay": "1,5.0.0", "estimated_minutes": "5"}
    response = web(alice).post("/projects/new/", form)
    assert response.status_code == 400
    assert b"enter a whole number" in response.content
    assert b"enter an amount" in response.content
    assert Project.objects.count() == 0


def test_upload_page_shows_line_numbers_and_imports_nothing(
    make_project: Callable[..., Project], alice: User, web: Callable[[User], Client]
) -> None:
    draft = make_project(items=0, publish=False)
    data = jsonl(item_lines(2)) + b'{"id": 5}\n'
    upload = SimpleUploadedFile("items.jsonl", data)
    response = web(alice).post(f"/projects/{draft.id}/upload/", {"file": upload})
    assert response.status_code == 400
    assert b"Line 3" in response.content
    assert Item.objects.count() == 0


def test_empty_and_non_utf8_uploads_are_explained_on_the_page(
    make_project: Callable[..., Project], alice: User, web: Callable[[User], Client]
) -> None:
    draft = make_project(items=0, publish=False)
    client = web(alice)
    empty = client.post(f"/projects/{draft.id}/upload/", {"file": SimpleUploadedFile("e.csv", b"")})
    assert b"holds no items" in empty.content
    latin = SimpleUploadedFile(
        "l.csv", "id,prompt,response_a,response_b\n1,caf\xe9,a,b\n".encode("latin-1")
    )
    bad = client.post(f"/projects/{draft.id}/upload/", {"file": latin})
    assert b"not UTF-8" in bad.content
    missing = client.post(f"/projects/{draft.id}/upload/", {})
    assert b"Choose a file" in missing.content
    assert Item.objects.count() == 0


def test_unknown_project_page_is_a_clear_404(alice: User, web: Callable[[User], Client]) -> None:
    response = web(alice).get("/projects/424242/")
    assert response.status_code == 404
    assert b"project_not_found" in response.content


def test_wrong_role_page_is_403(erin: User, web: Callable[[User], Client]) -> None:
    response = web(erin).get("/projects/new/")
    assert response.status_code == 403
    assert b"wrong_role" in response.content


def test_work_page_shows_pay_time_and_rate_before_starting(
    project: Project, erin: User, web: Callable[[User], Client]
) -> None:
    page = web(erin).get("/work/")
    assert b"$1.00" in page.content
    assert b"3 min" in page.content
    assert b"$20.00 / hour" in page.content
    assert Lease.objects.count() == 0


def test_work_page_explains_an_empty_queue(frank: User, web: Callable[[User], Client]) -> None:
    page = web(frank).get("/work/")
    assert b"Your queue is empty" in page.content
    assert b"no_open_projects" in page.content


def test_task_fragment_submits_and_serves_the_next_task(
    project: Project, erin: User, web: Callable[[User], Client]
) -> None:
    client = web(erin)
    first = client.post(f"/work/{project.id}/next/", HTTP_HX_REQUEST="true")
    lease = Lease.objects.get(expert=erin, state="active")
    assert f"/work/task/{lease.id}/submit/".encode() in first.content
    form = {
        "choice": "b",
        "strength": "4",
        "rationale": "B is correct, A is off by one.",
        "idempotency_key": "page-key-0001",
    }
    after = client.post(f"/work/task/{lease.id}/submit/", form, HTTP_HX_REQUEST="true")
    assert b"Judgment saved." in after.content
    again = client.post(f"/work/task/{lease.id}/submit/", form, HTTP_HX_REQUEST="true")
    assert b"already saved" in again.content
    assert Judgment.objects.count() == 1
    next_lease = Lease.objects.get(expert=erin, state="active")
    assert next_lease.id != lease.id


def test_task_fragment_keeps_input_on_validation_errors(
    project: Project, erin: User, web: Callable[[User], Client]
) -> None:
    client = web(erin)
    client.post(f"/work/{project.id}/next/", HTTP_HX_REQUEST="true")
    lease = Lease.objects.get(expert=erin, state="active")
    form = {"choice": "a", "strength": "", "rationale": "short", "idempotency_key": "page-key-0002"}
    response = client.post(f"/work/task/{lease.id}/submit/", form, HTTP_HX_REQUEST="true")
    assert b"pick a strength" in response.content
    assert b"short</textarea>" in response.content
    assert b'value="page-key-0002"' in response.content
    assert Judgment.objects.count() == 0


def test_staff_view_is_for_operators_only(
    alice: User, erin: User, web: Callable[[User], Client]
) -> None:
    from assay.actions.accounts import create_operator

    operator = create_operator(email="ops@assay.test", password=PASSWORD)
    assert web(operator).get("/admin/assay/project/").status_code == 200
    assert web(operator).get("/admin/assay/organization/").status_code == 200
    assert web(operator).get("/admin/assay/user/").status_code == 200
    assert web(alice).get("/admin/assay/project/").status_code == 302
    assert web(erin).get("/admin/").status_code == 302


def test_sign_in_ignores_the_case_of_the_email(alice: User) -> None:
    response = Client().post("/login/", {"username": " Alice@ACME.test ", "password": PASSWORD})
    assert response.status_code == 302
