"""The example joint notice as an API payload: 市委统战部, 市委宣传部 and 市民委 (lead, 扎民委字)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from services.seed.example import ISSUERS, RECIPIENTS, REPORT_CONTACT, REPORT_MATERIALS, REPORT_TITLE, tiny_png
from services.seed.texts import joint_notice

HEADS = ("tzb.head", "xcb.head", "mw.head")
ISSUER_NAMES = ("中共扎兰屯市委员会统一战线工作部", "中共扎兰屯市委员会宣传部", "扎兰屯市民族事务委员会")


def organ_ids(client: TestClient, headers: dict[str, str]) -> dict[str, int]:
    return {o["code"]: o["id"] for o in client.get("/api/v1/organs", headers=headers).json()}


def draft_payload(client: TestClient, headers: dict[str, str], deadline: dt.date) -> dict[str, Any]:
    seed = joint_notice()
    ids = organ_ids(client, headers)
    return {
        "doc_type": "通知",
        "title": seed.title,
        "issue_form": "字",
        "issuers": [ids[c] for c in ISSUERS],
        "main_recipients": [ids[c] for c in RECIPIENTS],
        "main_recipients_text": seed.main_line,
        "copy_recipients": [ids["zlt-sw"]],
        "attachment_notes": [seed.plan_title],
        "obligations": [
            {
                "title": REPORT_TITLE,
                "materials": REPORT_MATERIALS,
                "due_on": deadline.isoformat(),
                "contact": REPORT_CONTACT,
            }
        ],
        "body": seed.body,
    }


def create_with_plan(client: TestClient, headers: dict[str, str], deadline: dt.date) -> int:
    seed = joint_notice()
    r = client.post("/api/v1/documents", json=draft_payload(client, headers, deadline), headers=headers)
    assert r.status_code == 201, r.text
    doc_id: int = r.json()["id"]
    files = {"file": (f"{seed.plan_title}.txt", seed.plan_text.encode(), "text/plain")}
    r = client.post(
        f"/api/v1/documents/{doc_id}/attachments", files=files, data={"title": seed.plan_title}, headers=headers
    )
    assert r.status_code == 201, r.text
    return doc_id


def issue(client: TestClient, login: Any, drain: Any, deadline: dt.date) -> int:
    """The joint notice from draft to distributed, every head signing at once."""
    drafter = login("mw.drafter")
    doc_id = create_with_plan(client, drafter, deadline)
    client.post(f"/api/v1/documents/{doc_id}/submit", headers=drafter)
    drain()
    client.post(f"/api/v1/documents/{doc_id}/review", json={"approve": True}, headers=login("mw.reviewer"))
    for head in HEADS:
        r = client.post(f"/api/v1/documents/{doc_id}/signoff", json={"approve": True}, headers=login(head))
        assert r.status_code == 200, r.text
    drain()
    assert client.get(f"/api/v1/documents/{doc_id}", headers=drafter).json()["status"] == "distributed"
    return doc_id


def obligation_id(client: TestClient, headers: dict[str, str], doc_id: int, title: str | None = None) -> int:
    found = client.get(f"/api/v1/documents/{doc_id}/obligations", headers=headers).json()
    return int(next(o["id"] for o in found if title in (None, o["title"])))


def report(
    client: TestClient, headers: dict[str, str], obligation: int, title: str, body: str, files: Any = None
) -> Any:
    """A unit's report on an obligation (the current period), with a photo unless other files are given: the
    example notice asks for its 总结 with pictures."""
    data = {"title": title, "body": body}
    if files is None:
        files = [("files", ("活动照片.png", tiny_png(), "image/png"))]
    return client.post(f"/api/v1/obligations/{obligation}/submissions", data=data, files=files, headers=headers)
