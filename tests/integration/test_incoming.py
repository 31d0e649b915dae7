"""收文 handling through HTTP (DOMAIN.md §1.5): a 请示 of 市教育局 goes up to the 市政府 through the lifecycle, is
registered there with 收文号 1, 拟办, 批办 to a department with a 3-day 办理时限, 传阅 to two people, 督办'd by the
scheduled flow once past its time limit, and closed by a 批复 drafted and issued through the lifecycle; the
archive run files the 请示 and the 批复 as one 件."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader

from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD
from services.workflow.service import WorkflowService
from tests.helpers.pages import page_login
from tests.helpers.plans import D, act, at

QINGSHI = {
    "doc_type": "请示",
    "title": "扎兰屯市教育局关于增设民族团结进步教育示范学校的请示",
    "issue_form": "发",
    "body": "为深入开展民族团结进步教育，我局拟在全市增设三所民族团结进步教育示范学校，所需经费从教育专项经费中列支。"
    "\n妥否，请批示。",
}


def login(client: TestClient, username: str) -> dict[str, str]:
    """A login made now, on the test's clock (a token made days earlier has expired)."""
    r = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def organ(client: TestClient, code: str) -> dict[str, Any]:
    organs = client.get("/api/v1/organs", headers=login(client, "admin")).json()
    found: dict[str, Any] = next(o for o in organs if o["code"] == code)
    return found


def department(client: TestClient, organ_id: int, name: str) -> int:
    rows = client.get("/api/v1/departments", params={"organ_id": organ_id}, headers=login(client, "admin")).json()
    return int(next(d["id"] for d in rows if d["name"] == name))


def user_id(client: TestClient, username: str) -> int:
    rows = client.get("/api/v1/users", headers=login(client, "admin")).json()
    return int(next(u["id"] for u in rows if u["username"] == username))


def through_lifecycle(client: TestClient, runtime: Runtime, prefix: str, draft: dict[str, Any]) -> int:
    """Drafted, checked, reviewed and signed through HTTP; 登记, 印制 and 核发 as the automated steps run them."""
    r = client.post("/api/v1/documents", json=draft, headers=login(client, f"{prefix}.drafter"))
    assert r.status_code == 201, r.text
    doc_id = int(r.json()["id"])
    r = client.post(f"/api/v1/documents/{doc_id}/submit", headers=login(client, f"{prefix}.drafter"))
    assert r.status_code == 200, r.text
    act(runtime, lambda c: WorkflowService(c).run_format_checks(doc_id))
    r = client.post(
        f"/api/v1/documents/{doc_id}/review", json={"approve": True, "opinion": "同意"},
        headers=login(client, f"{prefix}.reviewer"),
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "signing", r.text
    if draft["doc_type"] in ("请示", "报告"):  # a 上行文 prints its signer's name: the admin has registered it
        head = next(u for u in client.get("/api/v1/users", headers=login(client, "admin")).json()
                    if u["username"] == f"{prefix}.head")  # fmt: skip
        named = {"person_name": head["display_name"]}
        r = client.patch(f"/api/v1/users/{head['id']}", json=named, headers=login(client, "admin"))
        assert r.status_code == 200, r.text
    r = client.post(
        f"/api/v1/documents/{doc_id}/signoff", json={"approve": True, "opinion": "同意"},
        headers=login(client, f"{prefix}.head"),
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "signed", r.text
    from services.distribution.service import DistributionService

    act(runtime, lambda c: WorkflowService(c).register(doc_id))
    act(runtime, lambda c: WorkflowService(c).render(doc_id, runtime.renderer))
    act(runtime, lambda c: DistributionService(c).distribute(doc_id))
    return doc_id


def qingshi(client: TestClient, runtime: Runtime) -> int:
    zf = organ(client, "zlt-zf")
    return through_lifecycle(client, runtime, "jyj", {**QINGSHI, "main_recipients": [zf["id"]]})


def the_record(client: TestClient, username: str, doc_id: int) -> dict[str, Any]:
    rows = client.get(f"/api/v1/documents/{doc_id}/incoming", headers=login(client, username)).json()
    assert len(rows) == 1, rows
    found: dict[str, Any] = rows[0]
    return found


def post(client: TestClient, username: str, url: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/incoming/{url}", json=body, headers=login(client, username))


def test_qingshi_registered_handled_supervised_and_closed_by_its_pifu(
    client: TestClient, runtime: Runtime, prefect_server: str
) -> None:
    at(runtime, D(2026, 3, 2))
    zf = organ(client, "zlt-zf")
    qs_id = qingshi(client, runtime)
    doc = client.get(f"/api/v1/documents/{qs_id}", headers=login(client, "jyj.drafter")).json()
    assert doc["status"] == "distributed" and doc["doc_number"] == "扎教发〔2026〕1号"

    # Registered in the 市政府's register with 收文号 1, the fields taken from the document.
    register = client.get("/api/v1/incoming", headers=login(client, "zf.registrar")).json()
    assert register["total"] == 1
    rec = register["items"][0]
    assert (rec["seq"], rec["year"], rec["number"], rec["state"]) == (1, 2026, "收〔2026〕1号", "registered")
    assert rec["source_name"] == "扎兰屯市教育局" and rec["doc_number"] == "扎教发〔2026〕1号"
    assert rec["title"] == QINGSHI["title"] and rec["nature"] == "办件" and rec["document_id"] == qs_id
    assert rec["where_now"] == "办公室（待初审）"
    # The office owes its 初审; the drafting organ has no 收文 of its own 请示.
    assert [r["id"] for r in client.get("/api/v1/incoming/todo", headers=login(client, "zf.registrar")).json()[
        "review"]] == [rec["id"]]  # fmt: skip
    assert client.get("/api/v1/incoming", headers=login(client, "jyj.registrar")).json()["total"] == 0

    rid = rec["id"]
    r = post(client, "zf.registrar", f"{rid}/review", {"accept": True, "reason": "属我府办理事项，格式规范"})
    assert r.status_code == 200 and r.json()["state"] == "accepted", r.text
    r = post(client, "zf.registrar", f"{rid}/propose", {"opinion": "拟请文教科牵头研究提出意见，报府领导审定"})
    assert r.status_code == 200 and r.json()["where_now"] == "机关负责人（待批办）", r.text
    assert [x["id"] for x in client.get("/api/v1/incoming/todo", headers=login(client, "zf.head")).json()[
        "instruct"]] == [rid]  # fmt: skip
    wenjiao = department(client, zf["id"], "文教科")
    deadline = D(2026, 3, 5)
    r = post(
        client, "zf.head", f"{rid}/instruct",
        {"opinion": "请文教科牵头办理，三日内提出意见", "lead_department_id": wenjiao,
         "deadline": deadline.isoformat()},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "handling" and r.json()["deadline"] == "2026-03-05"
    assert r.json()["where_now"] == "文教科承办"
    assert [x["id"] for x in client.get("/api/v1/incoming/todo", headers=login(client, "zf.drafter")).json()[
        "handle"]] == [rid]  # fmt: skip

    # 传阅 to two people; each 阅 is recorded, and the paper is with whoever has not read it yet.
    readers = [user_id(client, "zf.head"), user_id(client, "zf.reviewer")]
    r = post(client, "zf.registrar", f"{rid}/circulate", {"user_ids": readers, "opinion": "请阅"})
    assert r.status_code == 200 and "传阅" in r.json()["where_now"], r.text
    assert post(client, "zf.head", f"{rid}/read", {"opinion": "已阅，同意文教科意见"}).status_code == 200
    assert post(client, "zf.reviewer", f"{rid}/read", {}).status_code == 200
    detail = client.get(f"/api/v1/incoming/{rid}", headers=login(client, "zf.registrar")).json()
    assert all(x["read_at"] for x in detail["readers"]) and len(detail["readers"]) == 2
    assert [s["action"] for s in detail["steps"]] == ["登记", "初审", "拟办", "批办", "传阅", "阅", "阅"]
    assert detail["where_now"] == "文教科承办"

    # Past its 办理时限: 超时限 at once, and the scheduled flow records one 督办 a day with a notice in the 待办.
    from flows.runtime import set_runtime
    from flows.supervision import supervision
    from flows.worker import quiet_prefect

    at(runtime, D(2026, 3, 6))
    overdue = client.get("/api/v1/incoming", params={"overdue": "true"}, headers=login(client, "zf.registrar"))
    assert [x["id"] for x in overdue.json()["items"]] == [rid] and overdue.json()["items"][0]["overdue"]
    set_runtime(runtime)
    with quiet_prefect():
        assert supervision() == {"supervised": 1}
        assert supervision() == {"supervised": 0}  # once a day
    detail = client.get(f"/api/v1/incoming/{rid}", headers=login(client, "zf.registrar")).json()
    supervised = [s for s in detail["steps"] if s["action"] == "督办"]
    assert len(supervised) == 1 and "超过办理时限 1 天" in supervised[0]["opinion"]
    for who in ("zf.drafter", "zf.registrar"):  # 文教科, which leads, and the office
        todo = client.get("/api/v1/incoming/todo", headers=login(client, who)).json()
        assert [x["id"] for x in todo["supervised"]] == [rid], who

    # The 批复, drafted as the answer to the 请示 and issued through the lifecycle, closes it.
    jyj = organ(client, "zlt-jyj")
    pifu = {
        "doc_type": "批复", "title": "扎兰屯市人民政府关于同意增设民族团结进步教育示范学校的批复", "issue_form": "函",
        "main_recipients": [jyj["id"]], "answers": qs_id,
        "body": "你局《关于增设民族团结进步教育示范学校的请示》收悉。经研究，同意你局增设三所示范学校。",
    }  # fmt: skip
    pifu_id = through_lifecycle(client, runtime, "zf", pifu)
    closed = the_record(client, "zf.registrar", qs_id)
    assert closed["state"] == "closed" and closed["reply_document_id"] == pifu_id
    assert "扎政函〔2026〕1号" in closed["result"] and closed["steps"][-1]["action"] == "办结"
    page_login(client, "zf.registrar")
    where = client.get(f"/incoming/{closed['id']}").text.split('id="where-now">', 1)[1].split("</p>", 1)[0]
    assert where.count("已办结") == 1, where  # said once, not "已办结 已办结"
    # The 批复 reaches 市教育局 as its own 收文 number 1.
    answer = the_record(client, "jyj.registrar", pifu_id)
    assert answer["seq"] == 1 and answer["source_name"] == "扎兰屯市人民政府"

    # The 收文处理单 shows every opinion in its box, with names.
    pdf = client.get(f"/api/v1/incoming/{rid}/sheet.pdf", headers=login(client, "zf.registrar"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    text = "".join(text.split())
    for expected in ("收文处理单", "扎兰屯市教育局", "扎教发〔2026〕1号", "收〔2026〕1号", "拟请文教科牵头研究",
                     "请文教科牵头办理", "已阅，同意文教科意见", "督办", "已批复"):  # fmt: skip
        assert expected in text, expected

    # The archive run files the 请示 and its 批复 as one 件, the 复文 first, in the fonds of both organs (国家档案局令
    # 第8号 Art. 7), the answering organ's with its 收文处理单.
    from tests.helpers.access_world import archive_year
    from tests.helpers.archive_data import give_fonds

    give_fonds(runtime, {"zlt-zf": "Z003", "zlt-jyj": "Z004"})
    archive_year(runtime, 2026)
    items = client.get("/api/v1/archive/items", params={"year": 2026}, headers=login(client, "admin")).json()
    together = {i["档号"][:4]: i for i in items if qs_id in i["document_ids"]}
    assert sorted(together) == ["Z003", "Z004"]
    assert all(i["document_ids"] == [pifu_id, qs_id] for i in together.values())
    package = client.get(f"/api/v1/archive/items/{together['Z003']['档号']}", headers=login(client, "admin")).json()
    assert any("收文处理单" in str(entry) for entry in package["manifest"]["files"]), package["manifest"]


def test_past_time_limit_counts_from_the_local_day(client: TestClient, runtime: Runtime) -> None:
    """A 办理时限 is a local date: on its own day the record is not yet 超时限."""
    at(runtime, D(2026, 3, 2))
    qingshi(client, runtime)
    rid = client.get("/api/v1/incoming", headers=login(client, "zf.registrar")).json()["items"][0]["id"]
    post(client, "zf.registrar", f"{rid}/review", {"accept": True})
    post(client, "zf.registrar", f"{rid}/propose", {"opinion": "拟请文教科办理"})
    zf = organ(client, "zlt-zf")
    r = post(
        client, "zf.head", f"{rid}/instruct",
        {"opinion": "文教科办理", "lead_department_id": department(client, zf["id"], "文教科"),
         "deadline": (D(2026, 3, 2) + dt.timedelta(days=3)).isoformat()},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    at(runtime, D(2026, 3, 5), hour=23)
    assert client.get("/api/v1/incoming", params={"overdue": "true"}, headers=login(client, "zf.registrar")).json()[
        "total"] == 0  # fmt: skip
