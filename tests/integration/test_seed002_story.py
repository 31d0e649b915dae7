"""Seed 002 from first draft to distributed, through HTTP, with every automated step a real Prefect flow run."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from pypdf import PdfReader

from flows.reminders import reminders
from flows.worker import quiet_prefect
from services.runtime import Runtime
from tests.helpers.joint_notice import HEADS, ISSUER_NAMES, create_with_plan, draft_payload, obligation_id

Login = Callable[[str], dict[str, str]]
REVISION = "各单位宣传报道材料请于活动结束后5个工作日内报送。"


def _fresh(client: TestClient, username: str) -> dict[str, str]:
    """A login made now (on the test's clock): earlier tokens expire when the clock moves days ahead."""
    token = client.post("/api/v1/auth/login", json={"username": username, "password": "gongwen-demo"}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _status(client: TestClient, headers: dict[str, str], doc_id: int) -> str:
    return str(client.get(f"/api/v1/documents/{doc_id}", headers=headers).json()["status"])


def test_joint_notice_lives_its_whole_life(
    client: TestClient, login: Login, drain: Callable[[], None], runtime: Runtime
) -> None:
    drafter = login("mw.drafter")
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    # 民委 issued 31 documents this year before going live: the admin sets 32 as the next, so this one is 32
    admin = login("admin")
    mw = next(o for o in client.get("/api/v1/organs", headers=admin).json() if o["code"] == "zlt-mw")["id"]
    sequences = client.get(f"/api/v1/admin/organs/{mw}/numbering", headers=admin).json()
    prefix = next(s["prefix_id"] for s in sequences if s["label"] == "扎民委字")
    r = client.put(
        f"/api/v1/admin/organs/{mw}/numbering/prefixes/{prefix}/next",
        json={"next_number": 32, "year": today.year},
        headers=admin,
    )
    assert r.status_code == 200 and r.json()["next_number"] == 32, r.text
    doc_id = create_with_plan(client, drafter, deadline=today + dt.timedelta(days=1))

    assert client.post(f"/api/v1/documents/{doc_id}/submit", headers=drafter).json()["status"] == "submitted"
    drain()
    assert _status(client, drafter, doc_id) == "in_review"
    r = client.post(
        f"/api/v1/documents/{doc_id}/review", json={"approve": True, "opinion": "同意"}, headers=login("mw.reviewer")
    )
    assert r.json()["status"] == "signing"

    # Round 1: 统战部 signs, 宣传部 rejects with a reason; the draft goes back to the drafter.
    assert (
        client.post(
            f"/api/v1/documents/{doc_id}/signoff", json={"approve": True, "opinion": "同意"}, headers=login("tzb.head")
        ).status_code
        == 200
    )
    client.get(f"/api/v1/documents/{doc_id}/signing-view", headers=login("xcb.head"))
    r = client.post(
        f"/api/v1/documents/{doc_id}/signoff",
        json={"approve": False, "opinion": "请补充宣传报道时限"},
        headers=login("xcb.head"),
    )
    assert r.json()["status"] == "returned"
    assert "请补充宣传报道时限" in r.json()["returned_reason"]
    inbox = client.get("/api/v1/inbox", headers=drafter).json()
    assert [d["id"] for d in inbox["returned"]] == [doc_id]

    # The drafter revises; it goes through checks and review again.
    payload = draft_payload(client, drafter, deadline=today + dt.timedelta(days=1))
    payload["body"] += REVISION
    payload["note"] = "按宣传部意见修改"
    payload["base_version"] = 2
    revised = client.put(f"/api/v1/documents/{doc_id}", json=payload, headers=drafter).json()
    assert revised["current_version"] == 3
    client.post(f"/api/v1/documents/{doc_id}/submit", headers=drafter)
    drain()
    client.post(f"/api/v1/documents/{doc_id}/review", json={"approve": True}, headers=login("mw.reviewer"))

    # The signer who rejected is shown exactly what changed since the version they saw.
    view = client.get(f"/api/v1/documents/{doc_id}/signing-view", headers=login("xcb.head")).json()
    assert view["last_seen_version"] == 2
    diff = view["diff_since_last_seen"]
    assert diff["from_version"] == 2 and diff["to_version"] == 3
    assert any(line.startswith("+") and REVISION in line for line in diff["body_diff"])

    # Round 2: the three heads sign in parallel.
    def sign(head: str) -> int:
        return client.post(
            f"/api/v1/documents/{doc_id}/signoff", json={"approve": True, "opinion": "同意"}, headers=login(head)
        ).status_code

    for head in HEADS:
        login(head)
    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(sign, HEADS)) == [200, 200, 200]
    drain()

    doc = client.get(f"/api/v1/documents/{doc_id}", headers=drafter).json()
    assert doc["status"] == "distributed"
    assert doc["doc_number"] == f"扎民委字〔{today.year}〕32号"
    signoffs = client.get(f"/api/v1/documents/{doc_id}/signoffs", headers=drafter).json()
    last = max(dt.datetime.fromisoformat(s["decided_at"]) for s in signoffs if s["round"] == 2)
    assert doc["written_on"] == last.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()

    pdf = client.get(f"/api/v1/documents/{doc_id}/pdf", headers=drafter)
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert "/OutputIntents" in reader.trailer["/Root"]  # the 正本 is written as PDF/A-2b
    first_page = reader.pages[0].extract_text().replace(" ", "").replace("\n", "")
    for name in ISSUER_NAMES:
        assert name in first_page
    assert doc["doc_number"] in first_page

    # Recipients receive it and confirm receipt; one reports back with a summary and a photo.
    for unit in ("jyj.drafter", "wjw.drafter"):
        todo = client.get("/api/v1/inbox", headers=login(unit)).json()["to_receive"]
        assert [i["document"]["id"] for i in todo] == [doc_id]
        assert client.post(f"/api/v1/documents/{doc_id}/receive", headers=login(unit)).status_code == 200
    summary = obligation_id(client, drafter, doc_id)
    r = client.post(
        f"/api/v1/obligations/{summary}/submissions",
        data={"title": "市卫健委民族团结进步活动月工作总结", "body": "一、主要做法\n开展健康义诊12场。"},
        files=[("files", ("义诊.jpg", b"\xff\xd8\xff\xe0fakejpeg", "image/jpeg"))],
        headers=login("wjw.drafter"),
    )
    assert r.status_code == 201, r.text
    reply_id = r.json()["reply_document_id"]
    assert client.get(f"/api/v1/documents/{reply_id}", headers=drafter).json()["reply_to_id"] == doc_id

    # Two days later the scheduled 催办 flow finds the units that did not report.
    runtime.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    with quiet_prefect():
        assert reminders()["overdue"] == 7
    board = client.get(f"/api/v1/documents/{doc_id}/obligations/matrix", headers=_fresh(client, "mw.registrar")).json()
    jyj_chases = client.get(f"/api/v1/obligations/{summary}/chases", headers=_fresh(client, "jyj.drafter"))
    runtime.clock = lambda: dt.datetime.now(dt.UTC)
    cells = {u["organ"]: u["cells"][str(summary)] for u in board["units"]}
    assert cells["扎兰屯市卫生健康委员会"]["status"] == "已报"
    late = cells["扎兰屯市教育局"]
    assert late["status"] == "逾期" and late["chases"] == 1
    chases = jyj_chases.json()
    assert [c["organ_id"] for c in chases] == [late["organ_id"]]
    assert "已逾期 1 天" in chases[0]["message"] and "《关于印发〈扎兰屯市" in chases[0]["message"]
    assert client.get("/api/v1/inbox", headers=login("jyj.drafter")).json()["chases"]

    actions = [e["action"] for e in client.get(f"/api/v1/documents/{doc_id}/audit", headers=drafter).json()]
    for expected in (
        "create",
        "submit",
        "checks_passed",
        "review_approved",
        "signoff_rejected",
        "save",
        "signed",
        "countersigned",
        "numbered",
        "rendered",
        "distributed",
        "received",
        "reported",
        "chased",
    ):
        assert expected in actions
