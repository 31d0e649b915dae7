"""Bad input gets a clear 4xx with a stable code, in Chinese and English, and changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from services.runtime import Runtime
from tests.helpers.invariants import changes_nothing
from tests.helpers.joint_notice import create_with_plan, draft_payload

Login = Callable[[str], dict[str, str]]
DEADLINE = dt.date.today() + dt.timedelta(days=20)


def _error(response: object, status: int, code: str) -> None:
    r = response
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    err = r.json()["error"]  # type: ignore[attr-defined]
    assert err["code"] == code
    assert err["message_zh"] and err["message_en"]


def _to_signing(client: TestClient, login: Login, drain: Callable[[], None]) -> int:
    doc_id = create_with_plan(client, login("mw.drafter"), DEADLINE)
    client.post(f"/api/v1/documents/{doc_id}/submit", headers=login("mw.drafter"))
    drain()
    r = client.post(f"/api/v1/documents/{doc_id}/review", json={"approve": True}, headers=login("mw.reviewer"))
    assert r.json()["status"] == "signing"
    return doc_id


def test_malformed_and_incomplete_payloads(client: TestClient, login: Login, runtime: Runtime) -> None:
    headers = {**login("mw.drafter"), "content-type": "application/json"}
    with changes_nothing(runtime):
        _error(client.post("/api/v1/documents", content=b"{not json", headers=headers), 422, "malformed_json")
        _error(client.post("/api/v1/documents", json={"title": "关于的通知"}, headers=headers), 422, "invalid_payload")
        _error(client.post("/api/v1/documents", json=[1, 2], headers=headers), 422, "invalid_payload")


def test_unknown_organ_and_unknown_form(client: TestClient, login: Login, runtime: Runtime) -> None:
    headers = login("mw.drafter")
    payload = draft_payload(client, headers, DEADLINE)
    with changes_nothing(runtime):
        _error(
            client.post("/api/v1/documents", json={**payload, "main_recipients": [99999]}, headers=headers),
            422,
            "organ_unknown",
        )
        _error(
            client.post("/api/v1/documents", json={**payload, "issue_form": "令"}, headers=headers),
            422,
            "issue_form_unknown",
        )


def test_hand_typed_doc_number_is_refused(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    headers = login("mw.drafter")
    payload = draft_payload(client, headers, DEADLINE)
    with changes_nothing(runtime):
        _error(
            client.post("/api/v1/documents", json={**payload, "doc_number": "扎民委字〔2024〕32号"}, headers=headers),
            422,
            "doc_number_not_allowed",
        )
    # Typed into the body instead, the automatic checks return it with the reason.
    body = "扎民委字［2024］第032号\n" + payload["body"]
    doc = client.post("/api/v1/documents", json={**payload, "body": body, "attachment_notes": []}, headers=headers)
    client.post(f"/api/v1/documents/{doc.json()['id']}/submit", headers=headers)
    drain()
    returned = client.get(f"/api/v1/documents/{doc.json()['id']}", headers=headers).json()
    assert returned["status"] == "returned"
    assert "发文字号" in returned["returned_reason"]


def test_signer_of_another_organ_and_signing_twice(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    doc_id = _to_signing(client, login, drain)
    approve = {"approve": True, "opinion": "同意"}
    with changes_nothing(runtime):
        _error(
            client.post(f"/api/v1/documents/{doc_id}/signoff", json=approve, headers=login("jyj.head")),
            404,
            "document_not_found",
        )
        _error(
            client.post(f"/api/v1/documents/{doc_id}/signoff", json=approve, headers=login("mw.drafter")),
            403,
            "role_required",
        )
    assert (
        client.post(f"/api/v1/documents/{doc_id}/signoff", json=approve, headers=login("tzb.head")).status_code == 200
    )
    with changes_nothing(runtime):
        _error(
            client.post(f"/api/v1/documents/{doc_id}/signoff", json=approve, headers=login("tzb.head")),
            409,
            "already_decided",
        )
        _error(
            client.post(f"/api/v1/documents/{doc_id}/signoff", json={"approve": False}, headers=login("xcb.head")),
            422,
            "reason_required",
        )


def test_issuing_an_unsigned_document(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    doc_id = _to_signing(client, login, drain)
    with changes_nothing(runtime):
        _error(client.post(f"/api/v1/documents/{doc_id}/issue", headers=login("mw.registrar")), 409, "not_signed")
        _error(client.post(f"/api/v1/documents/{doc_id}/issue", headers=login("mw.drafter")), 403, "role_required")


def test_non_utf8_uploads(client: TestClient, login: Login, runtime: Runtime) -> None:
    headers = login("mw.drafter")
    doc_id = create_with_plan(client, headers, DEADLINE)
    gbk = "各乡镇、街道：现将方案印发给你们。".encode("gb18030")
    with changes_nothing(runtime):
        _error(
            client.put(
                f"/api/v1/documents/{doc_id}/body",
                files={"file": ("body.txt", gbk, "text/plain")},
                data={"base_version": "2"},
                headers=headers,
            ),
            415,
            "encoding_not_utf8",
        )
        _error(
            client.put(
                f"/api/v1/documents/{doc_id}/body",
                files={"file": ("x.txt", b"\x00\x01\x02", "text/plain")},
                data={"base_version": "2"},
                headers=headers,
            ),
            415,
            "binary_not_text",
        )
    r = client.put(
        f"/api/v1/documents/{doc_id}/body",
        files={"file": ("b.txt", "\ufeff正文。".encode(), "text/plain")},
        data={"base_version": "2"},
        headers=headers,
    )
    assert r.status_code == 200 and r.json()["current_version"] == 3


def test_authentication_is_required(client: TestClient, runtime: Runtime) -> None:
    with changes_nothing(runtime):
        _error(client.get("/api/v1/documents"), 401, "login_required")
        _error(client.get("/api/v1/documents", headers={"Authorization": "Bearer nope"}), 401, "token_invalid")
        _error(
            client.post("/api/v1/auth/login", json={"username": "mw.drafter", "password": "wrong-password"}),
            401,
            "login_failed",
        )


def test_editing_after_submission_and_foreign_drafts(client: TestClient, login: Login, runtime: Runtime) -> None:
    headers = login("mw.drafter")
    doc_id = create_with_plan(client, headers, DEADLINE)
    payload = draft_payload(client, headers, DEADLINE)
    client.post(f"/api/v1/documents/{doc_id}/submit", headers=headers)
    with changes_nothing(runtime):
        payload["base_version"] = 2
        _error(client.put(f"/api/v1/documents/{doc_id}", json=payload, headers=headers), 409, "illegal_state")
        _error(
            client.put(f"/api/v1/documents/{doc_id}", json=payload, headers=login("tzb.drafter")),
            404,
            "document_not_found",  # a co-issuer sees the draft only once signing opens
        )
        _error(client.get(f"/api/v1/documents/{doc_id}", headers=login("jyj.drafter")), 404, "document_not_found")


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\boot.ini", "照片 (1).jpg"])
def test_attachment_names_never_escape(client: TestClient, login: Login, runtime: Runtime, name: str) -> None:
    headers = login("mw.drafter")
    doc_id = create_with_plan(client, headers, DEADLINE)
    files = {"file": (name, b"\xff\xd8\xff data", "image/jpeg")}
    r = client.post(f"/api/v1/documents/{doc_id}/attachments", files=files, headers=headers)
    assert r.status_code == 201
    keys = runtime.store.list(f"documents/{doc_id}/")
    assert all(".." not in k.split("/") and k.startswith(f"documents/{doc_id}/v") for k in keys)
