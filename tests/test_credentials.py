"""Credentials with evidence: filing, storage, downloads, review, by API and by page.

erin files credentials; frank is another expert; alice is a requester; olga is an
operator. Evidence is only ever served to its owner and to operators.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assay import clock
from assay.actions import accounts
from assay.actions import credentials as credential_actions
from assay.models import Credential, Evidence, Notification, User
from tests.conftest import PASSWORD

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
FIELDS = {
    "domain": "medicine",
    "kind": "licence",
    "issuer": "General Medical Council",
    "identifier": "GMC-1234567",
    "jurisdiction": "United Kingdom",
    "expires_on": "2026-09-30",
}


@pytest.fixture(autouse=True)
def evidence_dir(settings: Any, tmp_path: Path) -> Path:
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    return Path(settings.EVIDENCE_DIR)


@pytest.fixture(autouse=True)
def _frozen_clock() -> Any:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def olga(db: None) -> User:
    return accounts.create_operator(email="olga@assay.test", password=PASSWORD)


def upload(data: bytes = PDF, name: str = "licence.pdf", kind: str = "application/pdf") -> Any:
    return SimpleUploadedFile(name, data, content_type=kind)


def stored_files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def file_credential(client: Client, *files: Any, **fields: str) -> Any:
    body: dict[str, Any] = FIELDS | fields
    body["evidence"] = list(files) if files else [upload()]
    return client.post("/api/v1/credentials", body)


@pytest.fixture
def filed(erin: User) -> Credential:
    return credential_actions.add_credential(
        expert=erin,
        domain_slug="medicine",
        kind="licence",
        issuer="General Medical Council",
        identifier="GMC-1",
        jurisdiction="UK",
        expires_on=dt.date(2026, 9, 30),
        files=[upload(), upload(PNG, "scan.png", "image/png")],
    )


# Filing ------------------------------------------------------------------------


def test_expert_files_a_credential_with_evidence_stored_privately(
    api: Callable[[User], Client], erin: User, evidence_dir: Path
) -> None:
    client = api(erin)
    made = file_credential(client, upload(), upload(JPEG, "photo.jpeg", "image/jpeg"))
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "pending"
    assert body["current"] is False
    assert [e["content_type"] for e in body["evidence"]] == ["application/pdf", "image/jpeg"]
    assert [e["name"] for e in body["evidence"]] == ["licence.pdf", "photo.jpeg"]
    files = stored_files(evidence_dir)
    assert len(files) == 2
    for path in files:
        assert path.stat().st_mode & 0o777 == 0o600
        assert "licence" not in path.name
        assert "photo" not in path.name
    assert sorted(p.read_bytes() for p in files) == sorted([PDF, JPEG])
    listed = client.get("/api/v1/credentials").json()
    assert [c["id"] for c in listed] == [body["id"]]
    assert listed[0]["issuer"] == "General Medical Council"


def test_a_credential_without_an_expiry_date_is_accepted(
    api: Callable[[User], Client], erin: User
) -> None:
    made = file_credential(api(erin), expires_on="")
    assert made.status_code == 201, made.content
    assert made.json()["expires_on"] is None


def _too_big(settings: Any) -> list[Any]:
    settings.MAX_EVIDENCE_BYTES = 1024
    return [upload(PDF + b"0" * 2048)]


BAD_FILINGS: list[tuple[str, Callable[[Any], list[Any]], dict[str, str], int, str]] = [
    ("oversize file", _too_big, {}, 413, "evidence_too_large"),
    ("exe renamed pdf", lambda s: [upload(EXE, "licence.pdf")], {}, 400, "evidence_type"),
    ("good file and a bad one", lambda s: [upload(), upload(EXE)], {}, 400, "evidence_type"),
    ("html as png", lambda s: [upload(b"<html>", "a.png", "image/png")], {}, 400, "evidence_type"),
    ("empty file", lambda s: [upload(b"", "empty.pdf")], {}, 400, "evidence_type"),
    ("six files", lambda s: [upload() for _ in range(6)], {}, 400, "evidence_count"),
    ("expired", lambda s: [upload()], {"expires_on": "2026-03-01"}, 400, "invalid_input"),
    ("unknown kind", lambda s: [upload()], {"kind": "badge"}, 400, "invalid_input"),
    ("unknown domain", lambda s: [upload()], {"domain": "astrology"}, 400, "invalid_input"),
    ("no issuer", lambda s: [upload()], {"issuer": "  "}, 400, "invalid_input"),
]


@pytest.mark.parametrize(
    ("files", "fields", "status", "code"),
    [case[1:] for case in BAD_FILINGS],
    ids=[case[0] for case in BAD_FILINGS],
)
def test_bad_filings_are_refused_and_store_nothing(
    api: Callable[[User], Client],
    erin: User,
    settings: Any,
    evidence_dir: Path,
    files: Callable[[Any], list[Any]],
    fields: dict[str, str],
    status: int,
    code: str,
) -> None:
    answer = file_credential(api(erin), *files(settings), **fields)
    assert answer.status_code == status, answer.content
    error = answer.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert Credential.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert stored_files(evidence_dir) == []


def test_expired_credential_error_names_the_field(
    api: Callable[[User], Client], erin: User
) -> None:
    answer = file_credential(api(erin), expires_on="2026-03-01")
    assert answer.json()["error"]["details"] == [
        {"field": "expires_on", "message": "the credential has already expired"}
    ]


def test_no_evidence_at_all_is_refused(api: Callable[[User], Client], erin: User) -> None:
    answer = api(erin).post("/api/v1/credentials", FIELDS)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_input"
    assert Credential.objects.count() == 0


def test_a_failure_while_storing_removes_files_already_written(
    erin: User, evidence_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str | None] = []

    def second_fails(name: str | None) -> str:
        calls.append(name)  # runs after each file is written
        if len(calls) == 2:
            raise OSError("disk full")
        return "first.pdf"

    monkeypatch.setattr(credential_actions, "_clean_name", second_fails)
    with pytest.raises(OSError, match="disk full"):
        credential_actions.add_credential(
            expert=erin,
            domain_slug="law",
            kind="degree",
            issuer="University",
            identifier="",
            jurisdiction="",
            expires_on=None,
            files=[upload(), upload()],
        )
    assert Credential.objects.count() == 0
    assert stored_files(evidence_dir) == []


def test_only_experts_file_credentials(
    api: Callable[[User], Client], alice: User, olga: User, evidence_dir: Path
) -> None:
    for user in (alice, olga):
        answer = file_credential(api(user))
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "wrong_role"
    assert api(alice).get("/api/v1/credentials").status_code == 403
    assert Credential.objects.count() == 0
    assert stored_files(evidence_dir) == []


def test_experts_list_only_their_own_credentials(
    api: Callable[[User], Client], filed: Credential, frank: User
) -> None:
    assert api(frank).get("/api/v1/credentials").json() == []


# Downloads ------------------------------------------------------------------------


def evidence_url(credential: Credential, evidence: Evidence, *, page: bool = False) -> str:
    if page:
        return f"/credentials/{credential.id}/evidence/{evidence.id}/"
    return f"/api/v1/credentials/{credential.id}/evidence/{evidence.id}"


@pytest.mark.parametrize("page", [False, True], ids=["api", "page"])
def test_owner_and_operator_download_evidence_as_attachment(
    api: Callable[[User], Client],
    web: Callable[[User], Client],
    filed: Credential,
    erin: User,
    olga: User,
    page: bool,
) -> None:
    evidence = filed.evidence.order_by("id").first()
    assert evidence is not None
    for user in (erin, olga):
        client = web(user) if page else api(user)
        answer = client.get(evidence_url(filed, evidence, page=page))
        assert answer.status_code == 200
        assert answer["Content-Type"] == "application/pdf"
        assert answer["Content-Disposition"].startswith("attachment;")
        assert 'filename="licence.pdf"' in answer["Content-Disposition"]
        assert answer.getvalue() == PDF


@pytest.mark.parametrize("page", [False, True], ids=["api", "page"])
def test_evidence_is_not_found_for_everyone_else(
    api: Callable[[User], Client],
    web: Callable[[User], Client],
    filed: Credential,
    frank: User,
    alice: User,
    page: bool,
) -> None:
    evidence = filed.evidence.order_by("id").first()
    assert evidence is not None
    for user in (frank, alice):
        client = web(user) if page else api(user)
        assert client.get(evidence_url(filed, evidence, page=page)).status_code == 404
    other = credential_actions.add_credential(
        expert=frank,
        domain_slug="law",
        kind="degree",
        issuer="Uni",
        identifier="",
        jurisdiction="",
        expires_on=None,
        files=[upload()],
    )
    # The right evidence id under someone else's credential id is not found either.
    assert api(frank).get(evidence_url(other, evidence)).status_code == 404
    anonymous = Client().get(evidence_url(filed, evidence, page=page))
    assert anonymous.status_code == (302 if page else 401)


# Review -----------------------------------------------------------------------------


def test_operator_sees_the_queue_and_others_may_not(
    api: Callable[[User], Client], filed: Credential, olga: User, erin: User, alice: User
) -> None:
    queue = api(olga).get("/api/v1/credentials/queue")
    assert queue.status_code == 200
    assert [c["id"] for c in queue.json()] == [filed.id]
    assert queue.json()[0]["expert_pseudonym"] == erin.expert_profile.pseudonym
    for user in (erin, alice):
        answer = api(user).get("/api/v1/credentials/queue")
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "not_operator"


def decide(client: Client, credential: Credential, **body: Any) -> Any:
    return client.post(
        f"/api/v1/credentials/{credential.id}/decision", body, content_type="application/json"
    )


def test_verifying_defaults_to_the_expiry_date_and_notifies_the_expert(
    api: Callable[[User], Client], filed: Credential, olga: User, erin: User
) -> None:
    answer = decide(api(olga), filed, verify=True)
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "verified"
    assert answer.json()["verified_until"] == "2026-09-30"
    assert answer.json()["current"] is True
    filed.refresh_from_db()
    assert filed.decided_by == olga
    assert filed.decided_at == NOW
    notice = Notification.objects.get(user=erin)
    assert notice.kind == "credential"
    assert notice.key == f"credential:{filed.id}:{NOW.isoformat()}"
    assert "verified" in notice.title.lower()
    assert api(olga).get("/api/v1/credentials/queue").json() == []


def test_verifying_without_an_expiry_lasts_a_year(
    api: Callable[[User], Client], erin: User, olga: User
) -> None:
    credential = Credential.objects.get(id=file_credential(api(erin), expires_on="").json()["id"])
    answer = decide(api(olga), credential, verify=True)
    assert answer.json()["verified_until"] == (TODAY + dt.timedelta(days=365)).isoformat()


def test_operator_may_set_verified_until_within_limits(
    api: Callable[[User], Client], filed: Credential, olga: User
) -> None:
    late = decide(api(olga), filed, verify=True, verified_until="2027-01-01")
    assert late.status_code == 400
    assert late.json()["error"]["details"][0]["field"] == "verified_until"
    past = decide(api(olga), filed, verify=True, verified_until="2026-03-01")
    assert past.status_code == 400
    ok = decide(api(olga), filed, verify=True, verified_until="2026-06-30")
    assert ok.json()["verified_until"] == "2026-06-30"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"verify": False, "note": "Blurry scan."}, "reason_code"),
        ({"verify": False, "reason_code": "made-up", "note": "x"}, "reason_code"),
        ({"verify": False, "reason_code": "illegible"}, "note"),
        ({"verify": False, "reason_code": "illegible", "note": "   "}, "note"),
        ({"verify": False, "reason_code": "illegible", "note": "x" * 1025}, "note"),
    ],
)
def test_a_decline_needs_a_reason_code_and_a_note(
    api: Callable[[User], Client],
    filed: Credential,
    olga: User,
    body: dict[str, Any],
    field: str,
) -> None:
    answer = decide(api(olga), filed, **body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_input"
    assert field in [d["field"] for d in answer.json()["error"]["details"]]
    filed.refresh_from_db()
    assert filed.status == "pending"
    assert Notification.objects.count() == 0


def test_declined_credential_shows_reason_and_note_to_the_expert(
    api: Callable[[User], Client],
    web: Callable[[User], Client],
    filed: Credential,
    olga: User,
    erin: User,
) -> None:
    body = {"verify": False, "reason_code": "illegible", "note": "Please rescan page 2."}
    assert decide(api(olga), filed, **body).status_code == 200
    mine = api(erin).get("/api/v1/credentials").json()[0]
    assert mine["status"] == "declined"
    assert mine["reason"] == "The evidence cannot be read."
    assert mine["note"] == "Please rescan page 2."
    page = web(erin).get("/credentials/").content.decode()
    assert "The evidence cannot be read." in page
    assert "Please rescan page 2." in page
    notice = Notification.objects.get(user=erin)
    assert "Please rescan page 2." in notice.body


def test_non_operators_cannot_decide(
    api: Callable[[User], Client], filed: Credential, erin: User, frank: User, alice: User
) -> None:
    for user in (erin, frank, alice):
        answer = decide(api(user), filed, verify=True)
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "not_operator"
    filed.refresh_from_db()
    assert filed.status == "pending"
    assert filed.decided_by is None
    assert Notification.objects.count() == 0


def test_a_decided_credential_cannot_be_decided_again(
    api: Callable[[User], Client], filed: Credential, olga: User
) -> None:
    assert decide(api(olga), filed, verify=True).status_code == 200
    again = decide(api(olga), filed, verify=False, reason_code="mismatch", note="x")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "credential_decided"
    missing = api(olga).post(
        "/api/v1/credentials/999999/decision", {"verify": True}, content_type="application/json"
    )
    assert missing.status_code == 404


# Pages ---------------------------------------------------------------------------------


def test_expert_page_lists_and_adds_credentials(
    web: Callable[[User], Client], erin: User, evidence_dir: Path
) -> None:
    client = web(erin)
    page = client.get("/credentials/")
    assert page.status_code == 200
    assert b'type="file"' in page.content
    assert b"multiple" in page.content
    form = FIELDS | {"evidence": [upload(), upload(PNG, "scan.png", "image/png")]}
    made = client.post("/credentials/", form)
    assert made.status_code == 302
    listing = client.get("/credentials/").content.decode()
    assert "General Medical Council" in listing
    assert "Waiting for review" in listing
    assert "2026-09-30" in listing
    assert len(stored_files(evidence_dir)) == 2


def test_expert_page_shows_errors_and_keeps_input(
    web: Callable[[User], Client], erin: User, evidence_dir: Path
) -> None:
    answer = web(erin).post("/credentials/", FIELDS | {"evidence": [upload(EXE, "cv.pdf")]})
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "Evidence must be a PDF, PNG or JPEG file." in text
    assert 'value="General Medical Council"' in text
    bad_date = web(erin).post("/credentials/", FIELDS | {"expires_on": "soon"})
    assert bad_date.status_code == 400
    assert "enter a date" in bad_date.content.decode()
    assert Credential.objects.count() == 0
    assert stored_files(evidence_dir) == []


def test_credential_pages_check_roles(
    web: Callable[[User], Client], filed: Credential, alice: User, erin: User
) -> None:
    assert web(alice).get("/credentials/").status_code == 403
    assert web(erin).get("/ops/credentials/").status_code == 403
    assert web(erin).get(f"/ops/credentials/{filed.id}/").status_code == 403
    assert Client().get("/credentials/").status_code == 302


def test_operator_reviews_and_declines_on_pages(
    web: Callable[[User], Client], filed: Credential, olga: User, erin: User
) -> None:
    client = web(olga)
    queue = client.get("/ops/credentials/").content.decode()
    assert "General Medical Council" in queue
    assert f"/ops/credentials/{filed.id}/" in queue
    detail = client.get(f"/ops/credentials/{filed.id}/").content.decode()
    evidence = filed.evidence.order_by("id").first()
    assert evidence is not None
    assert f"/credentials/{filed.id}/evidence/{evidence.id}/" in detail
    assert "The evidence cannot be read." in detail
    missing = client.post(f"/ops/credentials/{filed.id}/", {"decision": "decline", "note": "x"})
    assert missing.status_code == 400
    assert "reason_code" in missing.content.decode()
    declined = client.post(
        f"/ops/credentials/{filed.id}/",
        {"decision": "decline", "reason_code": "mismatch", "note": "Name differs."},
    )
    assert declined.status_code == 302
    filed.refresh_from_db()
    assert (filed.status, filed.reason_code, filed.note) == (
        "declined",
        "mismatch",
        "Name differs.",
    )
    assert "Nothing is waiting." in client.get("/ops/credentials/").content.decode()


def test_operator_verifies_on_the_page_with_a_date(
    web: Callable[[User], Client], filed: Credential, olga: User
) -> None:
    answer = web(olga).post(
        f"/ops/credentials/{filed.id}/", {"decision": "verify", "verified_until": "2026-08-01"}
    )
    assert answer.status_code == 302
    filed.refresh_from_db()
    assert filed.status == "verified"
    assert filed.verified_until == dt.date(2026, 8, 1)
