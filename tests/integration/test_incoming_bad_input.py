"""收文 against the careless clerk and the other organ: each refusal has a stable code, a Chinese and an English
message, and changes nothing; another organ's 收文 answers exactly as an unknown one; 收文号 stay gap-free when
four processes register at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.config import Settings
from services.domain.models import IncomingRecord, NumberCounter
from services.runtime import Runtime
from services.seed.example import user
from tests.helpers.invariants import changes_nothing
from tests.helpers.plans import D, act, at
from tests.integration.test_incoming import QINGSHI, department, login, organ, post, qingshi, user_id

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN = 987654


def paper(client: TestClient, who: str = "zf.registrar", **fields: Any) -> Any:
    data = {"source_name": "呼伦贝尔市教育局", "title": "关于开展校园安全检查的通知", "doc_number": "呼教发〔2026〕8号",
            **fields}  # fmt: skip
    return client.post("/api/v1/incoming", data=data, headers=login(client, who))


def refused(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["code"] == code and body["message_zh"] and body["message_en"], body


def instructed(client: TestClient, runtime: Runtime, **fields: Any) -> int:
    """A paper 办件 taken to 承办 by 文教科 (lead) and 财务科 (协办)."""
    r = paper(client, **fields)
    assert r.status_code == 201, r.text
    rid = int(r.json()["id"])
    post(client, "zf.registrar", f"{rid}/review", {"accept": True})
    post(client, "zf.registrar", f"{rid}/propose", {"opinion": "拟请文教科牵头办理"})
    zf = organ(client, "zlt-zf")
    r = post(
        client, "zf.head", f"{rid}/instruct",
        {"opinion": "请文教科牵头，财务科配合", "lead_department_id": department(client, zf["id"], "文教科"),
         "support_department_ids": [department(client, zf["id"], "财务科")], "deadline": "2026-03-09"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    return rid


def test_paper_registration_with_a_scan(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2026, 3, 2))
    r = client.post(
        "/api/v1/incoming",
        data={"source_name": "呼伦贝尔市教育局", "title": "关于开展校园安全检查的通知", "urgency": "加急",
              "copies": "2", "nature": "办件"},
        files={"scan": ("扫描件.pdf", b"%PDF-1.4 scan", "application/pdf")},
        headers=login(client, "zf.registrar"),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    rec = r.json()
    assert (rec["seq"], rec["origin"], rec["copies"], rec["urgency"], rec["has_scan"]) == (1, "paper", 2, "加急", True)
    scan = client.get(f"/api/v1/incoming/{rec['id']}/scan", headers=login(client, "zf.registrar"))
    assert scan.status_code == 200 and scan.content == b"%PDF-1.4 scan"
    assert paper(client).json()["seq"] == 2


def test_a_scan_is_received_up_to_the_upload_limit_and_refused_beyond(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2026, 3, 2))
    form = {"source_name": "呼伦贝尔市教育局", "title": "关于开展校园安全检查的通知", "nature": "办件"}
    registrar = login(client, "zf.registrar")
    five_mb = b"%PDF-1.4\n" + b"0" * (5 << 20)  # over the ordinary 1 MB body cap
    r = client.post("/api/v1/incoming", data=form, files={"scan": ("扫描件.pdf", five_mb)}, headers=registrar)
    assert r.status_code == 201, r.text[:300]
    too_big = b"%PDF-1.4\n" + b"0" * (51 << 20)
    r = client.post("/api/v1/incoming", data=form, files={"scan": ("扫描件.pdf", too_big)}, headers=registrar)
    assert r.status_code == 413 and r.json()["error"]["code"] in ("scan_too_large", "body_too_large")
    assert paper(client).json()["seq"] == 2  # the refused one took no 收文号


def test_heads_instruct_departments_of_their_own_organ_and_urgent_ones_get_a_time_limit(
    client: TestClient, runtime: Runtime
) -> None:
    at(runtime, D(2026, 3, 2))
    rid = int(paper(client, urgency="特急").json()["id"])
    post(client, "zf.registrar", f"{rid}/review", {"accept": True})
    post(client, "zf.registrar", f"{rid}/propose", {"opinion": "拟请文教科办理"})
    zf, mw = organ(client, "zlt-zf"), organ(client, "zlt-mw")
    ours, theirs = department(client, zf["id"], "文教科"), department(client, mw["id"], "政策法规股")
    good = {"opinion": "请文教科办理", "lead_department_id": ours, "deadline": "2026-03-05"}
    with changes_nothing(runtime):
        refused(post(client, "zf.registrar", f"{rid}/instruct", good), 403, "head_required")
        refused(post(client, "zf.reviewer", f"{rid}/instruct", good), 403, "head_required")
        refused(post(client, "zf.head", f"{rid}/instruct", {**good, "lead_department_id": theirs}), 422,
                "department_not_ours")  # fmt: skip
        refused(post(client, "zf.head", f"{rid}/instruct", {**good, "support_department_ids": [theirs]}), 422,
                "department_not_ours")  # fmt: skip
        refused(post(client, "zf.head", f"{rid}/instruct", {**good, "deadline": None}), 422, "deadline_required")
        refused(post(client, "zf.head", f"{rid}/instruct", {**good, "deadline": "2026-03-01"}), 422, "deadline_past")
        refused(post(client, "zf.head", f"{rid}/instruct", {**good, "lead_department_id": None}), 422,
                "lead_required")  # fmt: skip
        refused(post(client, "zf.head", f"{rid}/propose", {"opinion": "再拟"}), 403, "office_required")
        refused(post(client, "zf.head", f"{rid}/close", {"result": "办完"}), 403, "office_required")
    r = post(client, "zf.head", f"{rid}/instruct", good)
    assert r.status_code == 200 and r.json()["state"] == "handling"
    with changes_nothing(runtime):  # a second 批办 of the same paper
        refused(post(client, "zf.head", f"{rid}/instruct", good), 409, "incoming_illegal_state")


def test_close_waits_for_every_handling_part(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2026, 3, 2))
    rid = instructed(client, runtime)
    with changes_nothing(runtime):
        refused(post(client, "zf.registrar", f"{rid}/close", {"result": "已办"}), 409, "parts_open")
        # 承办 only by the named departments' people: the office's 秘书科 is not one of them.
        refused(post(client, "zf.registrar", f"{rid}/handle", {"note": "已办"}), 403, "not_a_handling_department")
        # A department of another organ cannot reach our paper at all.
        refused(post(client, "mw.drafter", f"{rid}/handle", {"note": "已办"}), 404, "incoming_not_found")
    r = post(client, "zf.drafter", f"{rid}/handle", {"note": "已会同财务科提出意见：同意开展检查"})
    assert r.status_code == 200 and r.json()["result"] == "已会同财务科提出意见：同意开展检查"
    with changes_nothing(runtime):
        refused(post(client, "zf.drafter", f"{rid}/handle", {"note": "再报"}), 409, "part_done")
        refused(post(client, "zf.registrar", f"{rid}/close", {"result": "已办"}), 409, "parts_open")  # 财务科 open
    assert "财务科" in client.get(f"/api/v1/incoming/{rid}", headers=login(client, "zf.registrar")).json()["where_now"]


def test_a_qingshi_goes_up_to_the_drafting_organs_superior_only(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2026, 3, 2))
    zf, mw = organ(client, "zlt-zf"), organ(client, "zlt-mw")
    # 广元市卫健委 has no superior among our organs: its 请示 has nowhere to go.
    draft = {**QINGSHI, "title": "广元市卫生健康委员会关于经费的请示", "main_recipients": [zf["id"]]}
    r = client.post("/api/v1/documents", json=draft, headers=login(client, "gy-wjw.drafter"))
    assert r.status_code == 201, r.text
    no_superior = r.json()["id"]
    # 市教育局's 请示 addressed to 市民委, which is not its superior.
    r = client.post("/api/v1/documents", json={**QINGSHI, "main_recipients": [mw["id"]]},
                    headers=login(client, "jyj.drafter"))  # fmt: skip
    not_superior = r.json()["id"]
    with changes_nothing(runtime):
        refused(client.post(f"/api/v1/documents/{no_superior}/submit", headers=login(client, "gy-wjw.drafter")),
                422, "no_superior")  # fmt: skip
        refused(client.post(f"/api/v1/documents/{not_superior}/submit", headers=login(client, "jyj.drafter")), 422,
                "qingshi_not_to_superior")  # fmt: skip


def test_another_organ_and_the_uncleared_see_nothing_of_our_register(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2026, 3, 2))
    qingshi(client, runtime)
    rid = client.get("/api/v1/incoming", headers=login(client, "zf.registrar")).json()["items"][0]["id"]
    act(runtime, lambda c: setattr(user(c, "zf.registrar"), "clearance", "机密"))
    secret = int(paper(client, classification="秘密", title="关于涉密事项的通知").json()["id"])
    zf_reader = user_id(client, "zf.reviewer")
    calls = [
        ("GET", "/api/v1/incoming/{id}", None),
        ("GET", "/api/v1/incoming/{id}/sheet.pdf", None),
        ("POST", "/api/v1/incoming/{id}/review", {"accept": True}),
        ("POST", "/api/v1/incoming/{id}/propose", {"opinion": "拟办"}),
        ("POST", "/api/v1/incoming/{id}/instruct", {"opinion": "批办", "lead_department_id": 1}),
        ("POST", "/api/v1/incoming/{id}/handle", {"note": "办"}),
        ("POST", "/api/v1/incoming/{id}/circulate", {"user_ids": [zf_reader]}),
        ("POST", "/api/v1/incoming/{id}/read", {}),
        ("POST", "/api/v1/incoming/{id}/close", {"result": "办结"}),
    ]
    with changes_nothing(runtime):
        for who, record in (("mw.registrar", rid), ("jyj.registrar", rid), ("zf.reviewer", secret)):
            headers = login(client, who)
            for method, url, body in calls:
                r = client.request(method, url.format(id=record), json=body, headers=headers)
                u = client.request(method, url.format(id=UNKNOWN), json=body, headers=headers)
                assert r.status_code == u.status_code == 404, (who, url, r.text)
                assert r.json()["error"]["code"] == u.json()["error"]["code"] == "incoming_not_found"
        # Lists hold none of it: other organs see an empty register, the uncleared no 秘密 paper.
        assert client.get("/api/v1/incoming", headers=login(client, "mw.registrar")).json()["total"] == 0
        ids = [x["id"] for x in client.get("/api/v1/incoming", headers=login(client, "zf.reviewer")).json()["items"]]
        assert ids == [rid]
        # Registering above one's clearance is refused; 传阅 to the uncleared too.
        refused(paper(client, who="zf.reviewer", classification="机密"), 403, "clearance_required")


def test_huge_and_malformed_input_is_refused(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2026, 3, 2))
    rid = instructed(client, runtime)
    with changes_nothing(runtime):
        assert paper(client, title="长" * 600).status_code == 422
        assert paper(client, source_name="").status_code == 422
        assert paper(client, copies="0").status_code == 422
        assert paper(client, classification="顶级").status_code == 422
        refused(paper(client, received_on="2026-03-03"), 422, "received_in_future")
        assert post(client, "zf.drafter", f"{rid}/handle", {"note": "办" * 6000}).status_code == 422
        assert post(client, "zf.registrar", f"{rid}/circulate", {"user_ids": list(range(1, 200))}).status_code == 422
        assert post(client, "zf.registrar", f"{rid}/circulate", {"user_ids": [2**40]}).status_code == 422
        assert client.get("/api/v1/incoming/0", headers=login(client, "zf.registrar")).status_code == 422
        assert client.get("/api/v1/incoming", params={"limit": 10**6},
                          headers=login(client, "zf.registrar")).status_code == 422  # fmt: skip
        # 传阅 to someone of another organ, or twice to the same person.
        refused(post(client, "zf.registrar", f"{rid}/circulate", {"user_ids": [user_id(client, "mw.head")]}), 422,
                "reader_not_ours")  # fmt: skip
        head = user_id(client, "zf.head")
        refused(post(client, "zf.registrar", f"{rid}/circulate", {"user_ids": [head, head]}), 422, "reader_repeated")
        refused(post(client, "zf.head", f"{rid}/read", {}), 403, "not_a_reader")
    assert post(client, "zf.registrar", f"{rid}/circulate", {"user_ids": [head]}).status_code == 200
    assert post(client, "zf.head", f"{rid}/read", {"opinion": "阅"}).status_code == 200
    with changes_nothing(runtime):
        refused(post(client, "zf.head", f"{rid}/read", {}), 409, "already_read")
        refused(post(client, "zf.registrar", f"{rid}/circulate", {"user_ids": [head]}), 409, "already_circulated")


@pytest.mark.postgres
def test_200_registrations_from_4_processes_get_200_numbers_without_gap(pg_database: str, tmp_path: Path) -> None:
    from services.seed.example import load_organs_and_users
    from tests.conftest import truncate_all

    truncate_all(pg_database)
    runtime = Runtime(Settings(home=tmp_path / "home", database_url=pg_database, environment="test"), migrated=True)
    with runtime.context() as ctx:
        load_organs_and_users(ctx)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.helpers.register_incoming_many",
                pg_database,
                str(tmp_path / "home"),
                f"p{n}",
                "50",
            ],
            cwd=ROOT,
        )
        for n in range(4)
    ]
    assert [p.wait(300) for p in procs] == [0, 0, 0, 0]
    with runtime.context() as ctx:
        rows = list(ctx.session.execute(select(IncomingRecord.year, IncomingRecord.seq, IncomingRecord.organ_id)))
        counters = list(ctx.session.scalars(select(NumberCounter).where(NumberCounter.family == "收文号")))
    runtime.close()
    assert len({organ for _, _, organ in rows}) == 1 and len({year for year, _, _ in rows}) == 1
    assert sorted(seq for _, seq, _ in rows) == list(range(1, 201))  # 20 cancelled numbers were given back
    assert [c.last_seq for c in counters] == [200]
