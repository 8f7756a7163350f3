"""Personal API tokens: shown once, stored hashed, revocable."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from assay.models import ApiToken, User


def test_token_is_shown_once_and_stored_as_a_digest(
    alice: User, web: Callable[[User], Client]
) -> None:
    client = web(alice)
    response = client.post("/api/v1/tokens", {"name": "pipeline"}, content_type="application/json")
    assert response.status_code == 201
    plaintext = response.json()["token"]
    stored = ApiToken.objects.get(name="pipeline")
    assert plaintext not in (stored.digest, stored.prefix)
    assert plaintext.startswith(stored.prefix)
    listed = client.get("/api/v1/tokens").json()
    assert "token" not in listed[0]
    authed = Client(headers={"Authorization": f"Bearer {plaintext}"})
    assert authed.get("/api/v1/projects").status_code == 200


def test_session_api_calls_need_the_csrf_token(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert ApiToken.objects.count() == 0


def test_revoked_token_stops_working(alice: User, api: Callable[[User], Client]) -> None:
    client = api(alice)
    token_id = client.get("/api/v1/tokens").json()[0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}").json()["revoked_at"] is not None
    response = client.get("/api/v1/projects")
    assert response.status_code == 401


def test_nobody_revokes_someone_elses_token(
    alice: User, charlie: User, api: Callable[[User], Client]
) -> None:
    alices = api(alice)
    token_id = alices.get("/api/v1/tokens").json()[0]["id"]
    response = api(charlie).delete(f"/api/v1/tokens/{token_id}")
    assert response.status_code == 404
    assert alices.get("/api/v1/projects").status_code == 200


def test_garbage_tokens_are_401(db: None) -> None:
    for token in ("assay_nothing", "not-even-prefixed", ""):
        client = Client(headers={"Authorization": f"Bearer {token}"})
        assert client.get("/api/v1/projects").status_code == 401


def test_tokens_page_shows_a_new_token_once(alice: User, web: Callable[[User], Client]) -> None:
    client = web(alice)
    page = client.post("/account/tokens/", {"name": "laptop"})
    assert b"shown only once" in page.content
    assert b"assay_" in page.content
    again = client.get("/account/tokens/")
    assert ApiToken.objects.get().prefix.encode() in again.content
    assert b"shown only once" not in again.content
