"""The 收文 pages over real HTTP: the register with its filters, a paper registered with its scan, each handling
step through its form (CSRF as on every page), where the paper is on the document page, the 待办, the printable
收文处理单; a form without the token or from another organ changes nothing; user text is escaped."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from services.runtime import Runtime
from tests.helpers.invariants import changes_nothing
from tests.helpers.pages import page_login
from tests.helpers.plans import D, at
from tests.integration.test_incoming import department, organ, qingshi, user_id

SCRIPT = '<script>alert("收文")</script>'


def _record_id(html: str) -> int:
    found = re.search(r'href="/incoming/(\d+)"', html)
    assert found, html
    return int(found.group(1))


def test_a_qingshi_handled_through_the_pages(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2026, 3, 2))
    qs_id = qingshi(client, runtime)
    zf = organ(client, "zlt-zf")
    wenjiao, caiwu = department(client, zf["id"], "文教科"), department(client, zf["id"], "财务科")
    head, reviewer = user_id(client, "zf.head"), user_id(client, "zf.reviewer")

    csrf = page_login(client, "zf.registrar")
    register = client.get("/incoming")
    assert register.status_code == 200 and "收〔2026〕1号" in register.text and "扎兰屯市教育局" in register.text
    rid = _record_id(register.text)
    inbox = client.get("/")
    assert "收文办理（1）" in inbox.text and "初审" in inbox.text
    r = client.post(f"/incoming/{rid}/review", data={"csrf": csrf, "decision": "accept", "nature": "办件"})
    assert r.status_code == 200 and "初审已通过" in r.text and "办公室（待拟办）" in r.text
    r = client.post(f"/incoming/{rid}/propose", data={"csrf": csrf, "opinion": "拟请文教科牵头办理"})
    assert "机关负责人（待批办）" in r.text

    csrf = page_login(client, "zf.head")
    page = client.get(f"/incoming/{rid}")
    assert 'aria-label="批办"' in page.text and 'aria-label="拟办"' not in page.text
    r = client.post(
        f"/incoming/{rid}/instruct",
        data={"csrf": csrf, "opinion": "请文教科牵头办理，财务科配合", "lead_department_id": str(wenjiao),
              "support_department_ids": str(caiwu), "deadline": "2026-03-05"},
    )  # fmt: skip
    assert r.status_code == 200 and "文教科、财务科承办" in r.text, r.text
    r = client.post(f"/incoming/{rid}/circulate", data={"csrf": csrf, "user_ids": [str(head), str(reviewer)]})
    assert "传阅" in r.text
    r = client.post(f"/incoming/{rid}/read", data={"csrf": csrf, "opinion": "同意"})
    assert r.status_code == 200 and "已阅" in r.text

    csrf = page_login(client, "zf.drafter")
    assert "承办" in client.get("/").text
    r = client.post(f"/incoming/{rid}/handle", data={"csrf": csrf, "note": "已提出意见：同意增设"})
    assert r.status_code == 200 and "财务科承办" in r.text

    # Where the paper is, on the document page of the 市政府's reader; 市教育局 sees nothing of the handling.
    doc = client.get(f"/documents/{qs_id}")
    assert "收〔2026〕1号" in doc.text and "财务科承办" in doc.text
    page_login(client, "jyj.drafter")
    doc = client.get(f"/documents/{qs_id}")
    assert doc.status_code == 200 and "收〔2026〕1号" not in doc.text and "拟请文教科牵头办理" not in doc.text

    # The 收文处理单 prints on A4 with every opinion in its box.
    page_login(client, "zf.registrar")
    sheet = client.get(f"/incoming/{rid}/sheet")
    assert sheet.status_code == 200 and "@page { size: A4" in sheet.text
    for text in ("拟请文教科牵头办理", "请文教科牵头办理，财务科配合", "已提出意见：同意增设", "市政府负责人"):
        assert text in sheet.text
    # Filters: 未办结 holds it, 阅件 does not; 超时限 once its day has passed.
    assert "收〔2026〕1号" in client.get("/incoming?open=1&nature=办件").text
    assert "收〔2026〕1号" not in client.get("/incoming?nature=阅件").text
    assert "收〔2026〕1号" not in client.get("/incoming?overdue=1").text
    at(runtime, D(2026, 3, 6))
    page_login(client, "zf.registrar")
    assert "收〔2026〕1号" in client.get("/incoming?overdue=1").text


def test_paper_forms_refuse_bad_input_escape_text_and_other_organs(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2026, 3, 2))
    csrf = page_login(client, "zf.registrar")
    r = client.post(
        "/incoming/new",
        data={"csrf": csrf, "source_name": SCRIPT, "title": f"关于{SCRIPT}的通知", "classification": "非密",
              "urgency": "加急", "copies": "1", "nature": "办件", "received_on": "2026-03-02"},
        files={"scan": ("scan.png", b"\x89PNG\r\n\x1a\n scan", "image/png")},
    )  # fmt: skip
    assert r.status_code == 200 and "收文已登记" in r.text
    assert SCRIPT not in r.text and "&lt;script&gt;" in r.text
    rid = int(re.search(r"/incoming/(\d+)/sheet", r.text).group(1))  # type: ignore[union-attr]
    assert SCRIPT not in client.get(f"/incoming/{rid}/sheet").text
    with changes_nothing(runtime):
        assert (
            client.post("/incoming/new", data={"csrf": csrf, "source_name": "某单位", "title": "长" * 600}).status_code
            == 422
        )
        assert client.post("/incoming/new", data={"csrf": csrf, "source_name": "某单位", "title": "标题",
                                                  "received_on": "2026-13-45"}).status_code == 422  # fmt: skip
        assert client.post(f"/incoming/{rid}/review", data={"decision": "accept"}).status_code == 403  # no CSRF
        assert client.post(f"/incoming/{rid}/review", data={"csrf": csrf, "decision": "return"}).status_code == 422
        csrf = page_login(client, "mw.registrar")
        assert client.get(f"/incoming/{rid}").status_code == 404
        assert client.get(f"/incoming/{rid}/sheet").status_code == 404
        assert client.post(f"/incoming/{rid}/review", data={"csrf": csrf, "decision": "accept"}).status_code == 404
        assert "关于" not in client.get("/incoming").text
