"""Attachments before signing: a title of the clerk's choosing (what the 附件说明 and the printed 附件 page say),
removed or replaced, each change a new version like the body; refused once the draft has left the drafter."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from services.runtime import Runtime
from tests.helpers import lifecycle
from tests.helpers.invariants import changes_nothing
from tests.helpers.pages import page_login
from tests.integration.test_form_problems import assert_chinese_only, at_field

Login = Callable[[str], dict[str, str]]


def _attach(client: TestClient, headers: dict[str, str], doc_id: int, name: str, text: str) -> dict[str, object]:
    files = {"file": (name, text.encode(), "text/plain")}
    r = client.post(f"/api/v1/documents/{doc_id}/attachments", files=files, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _attachments(client: TestClient, headers: dict[str, str], doc_id: int, version: int) -> list[dict[str, object]]:
    versions = client.get(f"/api/v1/documents/{doc_id}/versions", headers=headers).json()
    return list(next(v for v in versions if v["number"] == version)["attachments"])


def test_a_title_is_set_an_attachment_removed_and_replaced_each_as_a_new_version(
    client: TestClient, runtime: Runtime, login: Login
) -> None:
    doc_id = lifecycle.draft(runtime)
    drafter = login("mw.drafter")
    _attach(client, drafter, doc_id, "att1.txt", "活动方案正文")
    after = _attach(client, drafter, doc_id, "photo.txt", "照片说明")
    first, second = _attachments(client, drafter, doc_id, int(after["current_version"]))  # type: ignore[call-overload]
    r = client.patch(
        f"/api/v1/documents/{doc_id}/attachments/{first['id']}", json={"title": "活动方案"}, headers=drafter
    )
    assert r.status_code == 200, r.text
    renamed = int(r.json()["current_version"])
    titles = [a["title"] for a in _attachments(client, drafter, doc_id, renamed)]
    assert titles == ["活动方案", "photo"]
    assert [a["title"] for a in _attachments(client, drafter, doc_id, renamed - 1)] == ["att1", "photo"]

    current = _attachments(client, drafter, doc_id, renamed)
    files = {"file": ("new.txt", "新的活动方案正文".encode(), "text/plain")}
    r = client.put(f"/api/v1/documents/{doc_id}/attachments/{current[0]['id']}", files=files, headers=drafter)
    assert r.status_code == 200, r.text
    replaced = _attachments(client, drafter, doc_id, int(r.json()["current_version"]))
    assert [a["title"] for a in replaced] == ["活动方案", "photo"] and replaced[0]["sha256"] != current[0]["sha256"]

    r = client.delete(f"/api/v1/documents/{doc_id}/attachments/{replaced[1]['id']}", headers=drafter)
    assert r.status_code == 200, r.text
    assert [a["title"] for a in _attachments(client, drafter, doc_id, int(r.json()["current_version"]))] == ["活动方案"]
    assert second["title"] == "photo"


def test_attachments_cannot_be_changed_by_another_organ_or_after_submission(
    client: TestClient, runtime: Runtime, login: Login
) -> None:
    doc_id = lifecycle.draft(runtime)
    drafter = login("mw.drafter")
    after = _attach(client, drafter, doc_id, "att1.txt", "活动方案正文")
    att_id = _attachments(client, drafter, doc_id, int(after["current_version"]))[0]["id"]  # type: ignore[call-overload]
    url = f"/api/v1/documents/{doc_id}/attachments/{att_id}"
    with changes_nothing(runtime):
        assert client.patch(url, json={"title": "改"}, headers=login("tzb.drafter")).status_code in (403, 404)
        assert client.delete(url, headers=login("mw.reviewer")).status_code == 403
        assert client.patch(url, json={"title": "   "}, headers=drafter).status_code == 422
        assert client.patch(f"{url}0", json={"title": "改"}, headers=drafter).status_code == 404
    client.post(f"/api/v1/documents/{doc_id}/submit", headers=drafter)
    with changes_nothing(runtime):
        r = client.delete(url, headers=drafter)
        assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_state"
        assert "已提交" not in r.json()["error"]["message_zh"] and "submitted" not in r.json()["error"]["message_zh"]


def test_a_blank_title_on_the_page_keeps_the_editor(client: TestClient, runtime: Runtime, login: Login) -> None:
    doc_id = lifecycle.draft(runtime)
    after = _attach(client, login("mw.drafter"), doc_id, "att1.txt", "活动方案正文")
    att_id = _attachments(client, login("mw.drafter"), doc_id, int(after["current_version"]))[0]["id"]  # type: ignore[call-overload]
    csrf = page_login(client, "mw.drafter")
    with changes_nothing(runtime):
        r = client.post(f"/documents/{doc_id}/attachments/{att_id}/title", data={"csrf": csrf, "title": "   "})
    assert r.status_code == 422
    assert_chinese_only(r.text)
    assert at_field(r.text, f"att-{att_id}-title") == "请填写附件标题"
    r = client.post(
        f"/documents/{doc_id}/attachments/{att_id}/title", data={"csrf": csrf, "title": "活动方案"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    assert "活动方案" in client.get(f"/documents/{doc_id}/edit").text
