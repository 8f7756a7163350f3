"""Model endpoints by API and page: per organization, the key encrypted and never shown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assay.endpoints import crypto
from assay.models import AuditEvent, ModelEndpoint, Organization, User

SECRET = "sk-test-Zq8vN3kLmP0wXy7R"


def add(client: Client, organization: Organization, **extra: Any) -> Any:
    body = {
        "name": "local-llama",
        "base_url": "http://127.0.0.1:9/v1",
        "model": "llama-3-8b",
        "secret": SECRET,
        "timeout_seconds": 30,
        "requests_per_minute": 20,
        "parameters": {"temperature": 0.2},
        **extra,
    }
    return client.post(
        f"/api/v1/organizations/{organization.id}/endpoints", body, content_type="application/json"
    )


def test_create_list_and_disable_by_api(
    alice: User, bob: User, acme: Organization, api: Callable[[User], Client]
) -> None:
    made = add(api(alice), acme)
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["secret_hint"] == SECRET[-4:]
    assert body["has_secret"] is True
    assert "secret" not in body
    listed = api(bob).get(f"/api/v1/organizations/{acme.id}/endpoints").json()
    assert [e["name"] for e in listed] == ["local-llama"]
    off = api(bob).post(f"/api/v1/organizations/{acme.id}/endpoints/{body['id']}/disable")
    assert off.json()["disabled_at"] is not None
    on = api(bob).post(f"/api/v1/organizations/{acme.id}/endpoints/{body['id']}/enable")
    assert on.json()["disabled_at"] is None


def test_the_secret_is_encrypted_at_rest(alice: User, acme: Organization, api: Any) -> None:
    add(api(alice), acme)
    endpoint = ModelEndpoint.objects.get()
    assert SECRET not in endpoint.secret_encrypted
    assert crypto.decrypt(endpoint.secret_encrypted) == SECRET


def test_a_rotated_key_still_decrypts_through_the_fallbacks(settings: Any) -> None:
    stored = crypto.encrypt(SECRET)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 40
    assert crypto.decrypt(stored) == SECRET
    rewritten = crypto.reencrypt(stored)
    settings.SECRET_KEY_FALLBACKS = []
    assert crypto.decrypt(rewritten) == SECRET
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(stored)


def test_short_secrets_get_no_hint() -> None:
    assert crypto.hint("abc12345") == ""
    assert crypto.hint(SECRET) == SECRET[-4:]


def test_other_organizations_and_experts_cannot_see_or_touch_it(
    alice: User, charlie: User, erin: User, acme: Organization, api: Any
) -> None:
    endpoint_id = add(api(alice), acme).json()["id"]
    assert api(charlie).get(f"/api/v1/organizations/{acme.id}/endpoints").status_code == 404
    outsider = api(charlie).post(f"/api/v1/organizations/{acme.id}/endpoints/{endpoint_id}/disable")
    assert outsider.status_code == 404
    assert api(erin).get(f"/api/v1/organizations/{acme.id}/endpoints").status_code == 403
    assert add(api(charlie), acme).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("base_url", "ftp://example.com"),
        ("base_url", "http://10.0.0.5:8000/v1"),
        ("name", ""),
        ("model", ""),
        ("timeout_seconds", 0),
        ("requests_per_minute", 0),
    ],
)
def test_bad_settings_name_the_field(
    alice: User, acme: Organization, api: Any, field: str, value: Any
) -> None:
    response = add(api(alice), acme, **{field: value})
    assert response.status_code == 400
    assert [d["field"] for d in response.json()["error"]["details"]] == [field]


def test_names_are_unique_per_organization(alice: User, acme: Organization, api: Any) -> None:
    add(api(alice), acme)
    again = add(api(alice), acme)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "endpoint_name_taken"


def test_replacing_the_key(alice: User, acme: Organization, api: Any) -> None:
    endpoint_id = add(api(alice), acme).json()["id"]
    new = "sk-replaced-0000000000abcd"
    url = f"/api/v1/organizations/{acme.id}/endpoints/{endpoint_id}/secret"
    response = api(alice).put(url, {"secret": new}, content_type="application/json")
    assert response.json()["secret_hint"] == "abcd"
    assert crypto.decrypt(ModelEndpoint.objects.get().secret_encrypted) == new


def test_the_page_adds_endpoints_and_never_shows_the_secret(
    alice: User, acme: Organization, web: Callable[[User], Client], caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    client = web(alice)
    form = {
        "name": "hosted",
        "model": "gpt-x",
        "base_url": "https://models.example.com/v1",
        "secret": SECRET,
        "timeout_seconds": "20",
        "requests_per_minute": "10",
        "parameters": '{"max_tokens": 256}',
    }
    response = client.post("/endpoints/", form, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "hosted" in page
    assert "…" + SECRET[-4:] in page
    assert SECRET not in page
    endpoint = ModelEndpoint.objects.get()
    client.post(f"/endpoints/{endpoint.id}/toggle/")
    assert ModelEndpoint.objects.get().disabled_at is not None
    client.post(f"/endpoints/{endpoint.id}/secret/", {"secret": SECRET + "2"})
    for url in ("/endpoints/", f"/endpoints/{endpoint.id}/calls/", "/api/v1/openapi.json"):
        assert SECRET not in client.get(url).content.decode()
    assert SECRET not in caplog.text
    for event in AuditEvent.objects.all():
        assert SECRET not in str(event.summary)


def test_the_page_reports_bad_input(alice: User, web: Any) -> None:
    response = web(alice).post("/endpoints/", {"name": "x", "model": "m", "base_url": "nope"})
    assert response.status_code == 400
    assert "base_url" in response.content.decode()


def test_experts_have_no_endpoints_page(erin: User, web: Any) -> None:
    assert web(erin).get("/endpoints/").status_code == 403
