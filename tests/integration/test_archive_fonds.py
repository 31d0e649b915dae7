"""Each organ files into its own 全宗 (DOMAIN.md §3.7), the run explains what it held back, the 保管期限表 is kept in
the pages: a joint document, a 请示 + 批复 pair and a 收文 each land in the right fonds with a catalogue per fonds;
an archivist of another organ neither sees nor runs a fonds not theirs; imported documents with no recognised
issuer have 责任者 未注明; retention changes are audited, refused and validated, and the run files with them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from services.accounts.service import UserService
from services.context import Context
from services.domain.models import (
    ArchiveItem,
    AuditEvent,
    Document,
    DocumentLink,
    DocumentVersion,
    IncomingRecord,
    Obligation,
    Organ,
    Submission,
)
from services.runtime import Runtime
from tests.helpers.archive_data import FONDS, issued
from tests.helpers.imports import import_files
from tests.helpers.pages import page_login
from tests.helpers.seeds import seed_subject

Login = Callable[[str], dict[str, str]]
YEAR = 2025


def _organ(runtime: Runtime, code: str) -> int:
    with runtime.context() as ctx:
        return _organ_in(ctx, code)


def _organ_in(ctx: Context, code: str) -> int:
    organ_id = ctx.session.scalar(select(Organ.id).where(Organ.code == code))
    assert organ_id is not None
    return organ_id


def _set_fonds(client: TestClient, login: Login, runtime: Runtime) -> None:
    """The admin gives each organ its 全宗 through the API; nobody else may."""
    refused = client.put(f"/api/v1/archive/fonds/{_organ(runtime, 'zlt-jyj')}", json={"code": "Z011", "name": "教育局"},
                         headers=login("archivist"))  # fmt: skip
    assert refused.status_code == 403
    for code, fonds in FONDS.items():
        r = client.put(f"/api/v1/archive/fonds/{_organ(runtime, code)}", json={"code": fonds, "name": f"全宗{fonds}"},
                       headers=login("admin"))  # fmt: skip
        assert r.status_code == 200, r.text
    taken = client.put(f"/api/v1/archive/fonds/{_organ(runtime, 'zlt-wjw')}", json={"code": "Z001", "name": "卫健委"},
                       headers=login("admin"))  # fmt: skip
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "fonds_code_taken"
    bad = client.put(f"/api/v1/archive/fonds/{_organ(runtime, 'zlt-wjw')}", json={"code": "Z-1", "name": "卫健委"},
                     headers=login("admin"))  # fmt: skip
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "fonds_code_invalid"


def _incoming(runtime: Runtime, organ: str, document_id: int, seq: int, closed: bool) -> None:
    """The receiving organ's 收文 (办件) of a document distributed to it, handled to 办结 or still open."""
    with runtime.context() as ctx:
        doc = ctx.session.get(Document, document_id)
        assert doc is not None
        ctx.session.add(IncomingRecord(
            organ_id=_organ_in(ctx, organ), year=YEAR, seq=seq, received_on=doc.written_on, origin="distributed",
            source_organ_id=doc.lead_organ_id, source_name=doc.lead_organ.name, doc_number=doc.doc_number,
            title=doc.title, nature="办件", document_id=doc.id, state="closed" if closed else "registered",
            result="已落实" if closed else None, closed_at=ctx.now() if closed else None,
        ))  # fmt: skip


def _an_archivist_of(runtime: Runtime, organ: str, username: str) -> None:
    with runtime.context() as ctx:
        UserService(ctx).create(username, "档案员", _organ_in(ctx, organ), ["archivist"], "gongwen-demo", "机密")


def _items(runtime: Runtime) -> list[ArchiveItem]:
    with runtime.context() as ctx:
        items = list(ctx.session.scalars(select(ArchiveItem).order_by(ArchiveItem.id)))
        ctx.session.expunge_all()
        return items


def _run(client: TestClient, headers: dict[str, str], drain: Callable[[], None], **body: Any) -> dict[str, Any]:
    started = client.post("/api/v1/archive/runs", json={"year": YEAR, **body}, headers=headers)
    assert started.status_code == 202, started.text
    drain()
    run: dict[str, Any] = client.get(f"/api/v1/archive/runs/{started.json()['id']}", headers=headers).json()
    assert run["status"] == "done", run
    return run


def test_each_item_is_filed_in_the_fonds_of_every_organ_that_keeps_it(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    _set_fonds(client, login, runtime)
    day = dt.date(YEAR, 5, 20)
    joint_title = "关于开展民族团结进步活动月的通知"
    joint = issued(runtime, ["zlt-tzb", "zlt-xcb", "zlt-mw"], joint_title, day, number="扎统发〔2025〕3号")
    request = issued(runtime, ["zlt-jyj"], "扎兰屯市教育局关于举办主题展览的请示", day, "请示", "扎教发〔2025〕8号")
    reply = issued(runtime, ["zlt-zf"], "扎兰屯市人民政府关于举办主题展览的批复", day, "批复", "扎政函〔2025〕2号")
    notice = issued(runtime, ["zlt-mw"], "关于报送少数民族人口统计数据的通知", day, number="扎民委字〔2025〕5号")
    with runtime.context() as ctx:
        ctx.session.add(DocumentLink(from_id=reply, to_id=request, kind="answers", how="manual"))
    _incoming(runtime, "zlt-zf", request, 1, closed=True)  # the 请示 reached the 市政府 and was answered
    _incoming(runtime, "zlt-jyj", notice, 2, closed=True)  # 市教育局 had to act on 市民委's notice, and did
    _incoming(runtime, "zlt-wjw", notice, 1, closed=False)  # 市卫健委 has no fonds: nothing filed for it
    _incoming(runtime, "zlt-zf", notice, 3, closed=False)  # the 市政府 is still handling it
    run = _run(client, login("admin"), drain)

    where = {(i.document_ids[0], i.fonds_code): i for i in _items(runtime)}
    assert {f for d, f in where if d == joint} == {"Z002", "Z003", "Z001"}  # lead 统战部 + both co-issuers
    assert not where[joint, "Z002"].is_copy and where[joint, "Z002"].remark is None
    assert where[joint, "Z003"].is_copy and where[joint, "Z001"].remark == "复制件（原件存 Z002 全宗）"
    assert where[reply, "Z010"].document_ids == where[reply, "Z011"].document_ids == [reply, request]  # 批复 first
    assert (request, "Z011") not in where and (request, "Z010") not in where  # the 请示 is in the pair's 件
    assert {f for d, f in where if d == notice} == {"Z001", "Z011"}
    assert where[notice, "Z011"].remark == "收文 收〔2025〕2号"
    assert any("收文处理单" in p for p in runtime.store.list(where[notice, "Z011"].package_prefix))
    assert all(i.archival_code.startswith(f"{i.fonds_code}-WS·2025-") for i in where.values())
    # 件号 start at 1 in each fonds' lowest category (年度-机构-保管期限), whatever other fonds hold
    assert sorted((i.fonds_code, i.organ_code, i.item_no) for i in where.values()) == [
        ("Z001", "ZLTMW", 1), ("Z001", "ZLTTZB", 1), ("Z002", "ZLTTZB", 1), ("Z003", "ZLTTZB", 1),
        ("Z010", "ZLTZF", 1), ("Z011", "ZLTMW", 1), ("Z011", "ZLTZF", 1),
    ]  # fmt: skip
    held = run["report"]["held_back"]
    assert held == [{"document_id": notice, "title": "关于报送少数民族人口统计数据的通知",
                     "doc_number": "扎民委字〔2025〕5号", "fonds": "Z010",
                     "reasons": ["扎兰屯市人民政府收文 收〔2025〕3号 尚未办结"]}]  # fmt: skip
    catalogues = {c["fonds"]: c["rows"] for c in run["report"]["catalogues"]}
    assert catalogues == {"Z001": 2, "Z002": 1, "Z003": 1, "Z010": 1, "Z011": 2} and run["report"]["gaps"] == []
    for fonds, rows in catalogues.items():
        data = runtime.store.get(f"catalogues/{fonds}/{YEAR}/归档文件目录.csv").decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(data)))[1:]
        assert len(table) == rows and all(r[1].startswith(f"{fonds}-") for r in table)

    _an_archivist_of(runtime, "zlt-jyj", "jyj.archivist")
    theirs = login("jyj.archivist")
    assert [f["code"] for f in client.get("/api/v1/archive/fonds", headers=theirs).json()] == ["Z011"]
    mine = client.get("/api/v1/archive/items", params={"year": YEAR}, headers=theirs).json()
    assert sorted(i["档号"] for i in mine) == sorted(i.archival_code for i in where.values() if i.fonds_code == "Z011")
    other = where[joint, "Z001"].archival_code
    for refused in (
        client.get("/api/v1/archive/items", params={"year": YEAR, "fonds": "Z001"}, headers=theirs),
        client.get(f"/api/v1/archive/items/{other}", headers=theirs),
        client.get("/api/v1/archive/catalogue/2025.csv", params={"fonds": "Z001"}, headers=theirs),
        client.post("/api/v1/archive/runs", json={"year": YEAR, "fonds": "Z001"}, headers=theirs),
        client.get(f"/api/v1/archive/runs/{run['id']}", headers=theirs),  # a run of every fonds is the admin's
    ):
        assert refused.status_code == 404, refused.text
    page_login(client, "jyj.archivist")
    fonds_page = client.get("/archive/fonds").text
    assert "Z011" in fonds_page and "Z001" not in fonds_page and "设置机关的全宗" not in fonds_page
    assert client.get("/archive/years/2025", params={"fonds": "Z001"}).status_code == 404
    assert where[notice, "Z011"].archival_code in client.get("/archive/years/2025").text
    csrf = page_login(client, "admin")
    typo = client.post("/archive/fonds", data={"csrf": csrf, "organ_id": str(_organ(runtime, "zlt-wjw")),
                                               "code": "卫健", "name": "扎兰屯市卫生健康委员会"})  # fmt: skip
    assert (
        typo.status_code == 422
        and "全宗号应为 4 位字母或数字" in typo.text
        and 'value="扎兰屯市卫生健康委员会"' in typo.text
    )
    again = _run(client, theirs, drain)  # their own fonds: nothing left to file, and it says so
    assert again["fonds"] == "Z011" and again["report"]["selected"] == 0
    assert again["report"]["eligibility"]["already_filed"] >= 2 and "已归档" in again["report"]["explanation"]
    assert _run(client, login("admin"), drain)["report"]["selected"] == 0  # nothing is filed twice in a fonds


def _imported(runtime: Runtime, title: str, day: dt.date) -> int:
    with runtime.context() as ctx:
        doc = Document(kind="imported", status="imported", doc_type="报告", title=title, issue_form="",
                       written_on=day, current_version=1, owner_organ_id=_organ_in(ctx, "zlt-mw"))  # fmt: skip
        ctx.session.add(doc)
        ctx.session.flush()
        ctx.session.add(DocumentVersion(document_id=doc.id, number=1, body_key="-", body_sha256="-", body_size=0,
                                        fields={}))  # fmt: skip
        return doc.id


def test_a_year_of_imports_and_the_current_year_say_what_they_held_back_and_why(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    _set_fonds(client, login, runtime)
    admin = login("admin")
    for n in range(2):
        _imported(runtime, f"2024年民族团结进步工作总结（{n}）", dt.date(2024, 3, 1 + n))
    with runtime.context() as ctx:
        draft = Document(doc_type="通知", title="尚在起草的通知", lead_organ_id=_organ_in(ctx, "zlt-mw"),
                         issue_form="字", written_on=dt.date(2024, 6, 1))  # fmt: skip
        ctx.session.add(draft)
        today = ctx.today()
    past = client.post("/api/v1/archive/runs", json={"year": 2024}, headers=admin).json()
    drain()
    report = client.get(f"/api/v1/archive/runs/{past['id']}", headers=admin).json()["report"]
    assert report["selected"] == 0 and report["held_back"] == []
    assert report["eligibility"] == {"documents": 3, "unfinished": 1, "imported": 2, "already_filed": 0, "held": 0,
                                     "eligible": 0}  # fmt: skip
    assert "未办结 1 份" in report["explanation"] and "导入的 2 份" in report["explanation"]

    this_year = today.year
    start = dt.date(this_year, 1, 5)
    plan = issued(
        runtime, ["zlt-mw"], "关于创建民族团结进步示范市的实施方案", start, number=f"扎民委字〔{this_year}〕1号"
    )
    done = issued(runtime, ["zlt-mw"], "关于表彰先进集体的通知", start, number=f"扎民委字〔{this_year}〕2号")
    with runtime.context() as ctx:
        weekly = Obligation(document_id=plan, position=0, title="工作动态信息", cadence="weekly", starts_on=start,
                            ends_on=dt.date(this_year, 12, 31))  # fmt: skip
        ctx.session.add(weekly)
        jyj = _organ_in(ctx, "zlt-jyj")
        report_doc = Document(kind="reply", status="received", doc_type="报告", title="市教育局工作动态",
                              lead_organ_id=jyj, source_organ_id=jyj, reply_to_id=plan, issue_form="报",
                              written_on=start + dt.timedelta(days=7), current_version=1)  # fmt: skip
        ctx.session.add(report_doc)
        ctx.session.flush()
        ctx.session.add(Submission(obligation_id=weekly.id, organ_id=jyj, period_due=start + dt.timedelta(days=7),
                                   reply_document_id=report_doc.id, submitted_on=start + dt.timedelta(days=7),
                                   status="已退回", returned_reason="缺少活动照片"))  # fmt: skip
        report_id = report_doc.id
    now = client.post("/api/v1/archive/runs", json={"year": this_year}, headers=admin).json()
    drain()
    current = client.get(f"/api/v1/archive/runs/{now['id']}", headers=admin).json()["report"]
    assert current["stored"] == 1  # only the notice with nothing open
    held = {(h["document_id"], h["fonds"]): h["reasons"] for h in current["held_back"]}
    assert held[plan, "Z001"] == [f"反馈事项“工作动态信息”尚未结束（至 {this_year}-12-31）"]
    assert held[report_id, "Z011"] == held[report_id, "Z001"] == ["已退回补报（缺少活动照片），待重新报送"]
    assert done not in {d for d, _ in held}
    page_login(client, "admin")
    shown = client.get(f"/archive/runs/{now['id']}").text
    assert "暂缓归档（3）" in shown and "缺少活动照片" in shown and "工作动态信息" in shown
    assert "导入的 2 份" in client.get(f"/archive/runs/{past['id']}").text


def test_retention_changes_are_audited_refused_validated_and_used_by_the_run(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    _set_fonds(client, login, runtime)
    archivist = login("archivist")
    assert (
        client.put("/api/v1/archive/retention/通知", json={"period": "Y"}, headers=login("mw.drafter")).status_code
        == 403
    )
    unknown = client.put("/api/v1/archive/retention/公函", json={"period": "Y"}, headers=archivist)
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "retention_key_unknown"
    bad = client.put("/api/v1/archive/retention/通知", json={"period": "D20"}, headers=archivist)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "retention_period_invalid"
    huge = client.put("/api/v1/archive/retention/通知", json={"period": "Y" * 5000}, headers=archivist)
    assert huge.status_code == 422
    assert client.get("/api/v1/archive/retention", headers=archivist).json()["version"] == 0  # nothing changed
    changed = client.put(
        "/api/v1/archive/retention/通知", json={"period": "Y", "reason": "本单位规定"}, headers=archivist
    )
    assert changed.status_code == 200 and changed.json()["previous"] == "D30" and changed.json()["version"] == 1
    schedule = client.get("/api/v1/archive/retention", headers=archivist).json()
    assert schedule["rules"]["通知"] == "Y" and schedule["history"][0]["by"] == "档案员"
    with runtime.context() as ctx:
        events = list(ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention_changed")))
        assert [(e.actor_name, e.detail["key"], e.detail["previous"], e.detail["period"]) for e in events] == [
            ("档案员", "通知", "D30", "Y")
        ]
        assert events[0].at.date() == ctx.now().date() and events[0].hash is not None  # sealed into the chain

    notice = issued(
        runtime, ["zlt-mw"], "关于做好民族团结宣传工作的通知", dt.date(YEAR, 3, 2), number="扎民委字〔2025〕9号"
    )
    run = _run(client, archivist, drain)
    assert run["report"]["retention_schedule"]["version"] == 1
    assert run["report"]["retention_schedule"]["name"].startswith("保管期限表 第1版")
    assert [(i.document_ids, i.retention) for i in _items(runtime)] == [([notice], "Y")]

    csrf = page_login(client, "archivist")
    form = client.post("/archive/retention", data={"csrf": csrf, "key": "通知", "period": "D20", "reason": "试填"})
    assert form.status_code == 422 and "保管期限只能是" in form.text and 'value="试填"' in form.text
    ok = client.post("/archive/retention", data={"csrf": csrf, "key": "报告", "period": "D30", "reason": ""},
                     follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303
    assert "第2版" in client.get("/archive/retention").text
    fonds_form = client.post("/archive/fonds", data={"csrf": csrf, "organ_id": "1", "code": "X", "name": "某"})
    assert fonds_form.status_code == 403  # only an admin sets a 全宗


@seed_subject
def test_imported_seeds_without_a_recognised_issuer_are_unstated_not_the_holders(
    client: TestClient, login: Login, runtime: Runtime, seeds_dir: Path, drain: Callable[[], None]
) -> None:
    files = [("files", (p.name, p.read_bytes(), "text/plain")) for p in sorted(seeds_dir.glob("00[34]_*.txt"))]
    report = import_files(client, runtime, login("archivist"), files)
    ids = [i for f in report for i in f["document_ids"]]
    assert len(ids) == 18
    with runtime.context() as ctx:
        docs = [ctx.session.get(Document, i) for i in ids]
        responsible = [d.responsible for d in docs if d is not None]
    holder = "扎兰屯市民族事务委员会"
    assert all(holder not in names for names in responsible)
    assert any(names == ["未注明"] for names in responsible)
    drain()
    found = client.get("/api/v1/search", params={"q": f"机关:{holder}", "limit": 50}, headers=login("archivist"))
    assert not {h["id"] for h in found.json()["hits"]} & set(ids)
