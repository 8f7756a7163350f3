"""Expert profiles: domains with years, languages, location, availability, opt-outs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from assay.models import ExpertDomain, User

GOOD: dict[str, Any] = {
    "domains": [
        {"slug": "law", "years": 12},
        {"slug": "translation", "years": 4, "language_pair": "en>fr"},
    ],
    "languages": {"en": "native", "fr": "C1"},
    "country": "fr",
    "timezone": "Europe/Paris",
    "weekly_hours": 15,
    "content_opt_outs": ["violence"],
}


def put(client: Client, body: dict[str, Any]) -> Any:
    return client.put("/api/v1/me/profile", body, content_type="application/json")


def test_expert_fills_and_reads_back_the_profile(erin: User, api: Callable[[User], Client]) -> None:
    client = api(erin)
    response = put(client, GOOD)
    assert response.status_code == 200
    body = client.get("/api/v1/me/profile").json()
    assert body["country"] == "FR"
    assert {d["slug"] for d in body["domains"]} == {"law", "translation"}
    assert body["languages"] == {"en": "native", "fr": "C1"}
    assert body["content_opt_outs"] == ["violence"]
    assert body["show_identity"] is False


def test_every_problem_is_reported_and_nothing_is_saved(
    erin: User, api: Callable[[User], Client]
) -> None:
    client = api(erin)
    put(client, GOOD)
    bad = GOOD | {
        "domains": [{"slug": "astrology", "years": 3}, {"slug": "translation", "years": 2}],
        "languages": {"xx": "C1", "de": "fluent"},
        "country": "France",
        "timezone": "Mars/Olympus",
        "weekly_hours": 200,
        "content_opt_outs": ["spiders"],
    }
    response = put(client, bad)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_profile"
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert {
        "domains[0]",
        "domains[1]",
        "languages",
        "country",
        "timezone",
        "weekly_hours",
        "content_opt_outs",
    } <= fields
    assert ExpertDomain.objects.filter(expert=erin).count() == 2


def test_domains_list_marks_sensitive_ones(db: None) -> None:
    domains = {d["slug"]: d for d in Client().get("/api/v1/domains").json()}
    assert len(domains) >= 17
    assert domains["medicine"]["sensitive"] is True
    assert domains["mathematics"]["sensitive"] is False


def test_requesters_have_no_expert_profile(alice: User, api: Callable[[User], Client]) -> None:
    assert api(alice).get("/api/v1/me/profile").status_code == 403


def test_profile_page_saves_and_shows_errors(erin: User, web: Callable[[User], Client]) -> None:
    client = web(erin)
    assert client.get("/profile/").status_code == 200
    form = {
        "domain": ["medicine"],
        "years_medicine": "9",
        "language": ["en"],
        "level_en": "native",
        "country": "gb",
        "timezone": "Europe/London",
        "weekly_hours": "20",
        "opt_out": ["self-harm"],
        "email_alerts": "on",
    }
    saved = client.post("/profile/", form, follow=True)
    assert b"Profile saved." in saved.content
    assert erin.expert_profile.__class__.objects.get(user=erin).country == "GB"
    bad = client.post("/profile/", form | {"timezone": "Nowhere/Land"})
    assert bad.status_code == 400
    assert b"IANA time zone" in bad.content


def test_requesters_see_a_pseudonymous_card_of_their_experts_only(
    project: Any,
    erin: User,
    frank: User,
    alice: User,
    charlie: User,
    api: Callable[[User], Client],
) -> None:
    put(api(erin), GOOD)
    pseudonym = erin.expert_profile.pseudonym
    card = api(alice).get(f"/api/v1/experts/{pseudonym}").json()
    assert card["pseudonym"] == pseudonym
    assert card["name"] is None
    assert "Law" in card["domains"]
    assert "erin" not in str(card).lower()
    assert api(charlie).get(f"/api/v1/experts/{pseudonym}").status_code == 404
    unknown = api(alice).get(f"/api/v1/experts/{frank.expert_profile.pseudonym}")
    assert unknown.status_code == 404
    put(api(erin), GOOD | {"show_identity": True})
    assert api(alice).get(f"/api/v1/experts/{pseudonym}").json()["name"] == "Erin"
