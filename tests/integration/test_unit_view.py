"""What a receiving unit and the issuing office see of a plan in the pages: 签收 from the 待办, the 已办 list, one
reply entry per obligation and period with the reason it was sent back, and a dashboard (page and Excel) whose
counts match its rows."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from services import compose
from services.context import Context
from services.documents.schemas import DraftInput
from services.domain.enums import IncomingNature
from services.incoming.schemas import InstructIn, PaperIn
from services.runtime import Runtime
from services.seed.example import joint_notice_draft, user
from services.seed.texts import joint_notice
from tests.helpers.invariants import changes_nothing
from tests.helpers.joint_notice import HEADS, obligation_id, report
from tests.helpers.pages import page_login
from tests.helpers.plans import D, at, issue

JYJ = "扎兰屯市教育局"
SW = "中共扎兰屯市委员会"  # the joint notice's 抄送: asked for nothing
DEADLINE = D(2026, 5, 29)


def _plan(runtime: Runtime, with_tasks: bool = False) -> int:
    """The joint notice issued and distributed (its plan's text not attached: its tasks are in the draft)."""
    at(runtime, D(2026, 5, 4))

    def draft(ctx: Context) -> DraftInput:
        found = joint_notice_draft(ctx, joint_notice(), DEADLINE, with_tasks)
        found.attachment_notes = []
        return found

    return issue(runtime, "mw.drafter", draft, list(HEADS))


def _section(html: str, heading_id: str) -> str:
    """One section of a page, from its heading to the next section."""
    found = re.search(rf'id="{heading_id}">(.*?)</section>', html, re.S)
    return found.group(1) if found else ""


def _token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": "gongwen-demo"})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_a_unit_signs_for_a_document_on_its_todo_and_finds_it_among_what_it_did(
    client: TestClient, runtime: Runtime
) -> None:
    doc_id = _plan(runtime)
    csrf = page_login(client, "jyj.registrar")
    todo = client.get("/").text
    waiting = _section(todo, "h-receive")
    assert f'action="/inbox/{doc_id}/receive"' in waiting and ">签收</button>" in waiting
    done = client.post(f"/inbox/{doc_id}/receive", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/?msg=received"
    todo = client.get(done.headers["location"]).text
    assert "已签收。" in todo and f"/inbox/{doc_id}/receive" not in todo and 'id="h-receive"' not in todo
    handled = client.get("/done").text
    assert 'aria-current="page">已办' in handled
    row = re.search(r"<tr><td>[^<]*</td><td>签收</td><td>([^<]*)</td><td><a href=\"/documents/(\d+)\">", handled)
    assert row is not None and row.group(2) == str(doc_id) and "教育局" in row.group(1)
    with changes_nothing(runtime):
        again = client.post(f"/inbox/{doc_id}/receive", data={"csrf": csrf})
        assert again.status_code == 409 and "本文已签收" in again.text
        stale = client.post(f"/inbox/{doc_id}/receive", data={"csrf": "forged"})
        assert stale.status_code == 403


def test_no_one_signs_for_another_organs_copy_from_the_todo(client: TestClient, runtime: Runtime) -> None:
    doc_id = _plan(runtime)
    csrf = page_login(client, "mw.registrar")  # the issuing organ: it reads the plan, but no copy was sent to it
    assert f"/inbox/{doc_id}/receive" not in client.get("/").text
    with changes_nothing(runtime):
        refused = client.post(f"/inbox/{doc_id}/receive", data={"csrf": csrf})
    assert refused.status_code == 403 and "您所在机关不是本文的收文单位" in refused.text
    board = client.get(f"/documents/{doc_id}/distribution").text
    assert board.count('<span class="badge warn">未签收</span>') == 9  # every recipient still unsigned
    csrf = page_login(client, "zf.registrar")  # an organ the plan never reached
    with changes_nothing(runtime):
        unknown = client.post(f"/inbox/{doc_id}/receive", data={"csrf": csrf})
    assert unknown.status_code == 404
    assert f'/documents/{doc_id}"' not in client.get("/done").text


def test_the_done_list_is_newest_first_and_holds_only_the_organs_own_acts(client: TestClient, runtime: Runtime) -> None:
    _plan(runtime)
    page_login(client, "mw.reviewer")
    mine = client.get("/done").text
    acts = re.findall(r"<tr><td>[^<]*</td><td>([^<]+)</td><td>([^<]*)</td>", mine)
    # 市民委's own acts, newest first: its head's 签发, its reviewer's 审核, its drafter's 提交 (never the other
    # issuers' 会签, and not the automatic steps, which nobody there did)
    assert acts == [("签发", "市民委负责人"), ("审核通过", "市民委办公室审核"), ("提交", "市民委拟稿人")], acts
    page_login(client, "gaj.registrar")
    assert "还没有已办事项。" in client.get("/done").text


def test_the_reply_form_lists_each_obligation_once_and_says_why_a_report_came_back(
    client: TestClient, runtime: Runtime
) -> None:
    doc_id = _plan(runtime)
    at(runtime, D(2026, 5, 20))
    unit, office = _token(client, "jyj.drafter"), _token(client, "mw.registrar")
    page_login(client, "jyj.drafter")
    form = client.get(f"/documents/{doc_id}/reply").text
    options = re.findall(r"<option value=\"(\d+)(?::[\d-]+)?\"[^>]*>([^<]+)</option>", form)
    assert [text for _, text in options] == ["活动月工作总结 · 5月29日前（未报）"], options
    obligation = obligation_id(client, unit, doc_id)
    r = report(client, unit, obligation, "教育局活动月工作总结", "开展活动三场。")
    assert r.status_code == 201, r.text
    back = client.post(
        f"/api/v1/submissions/{r.json()['id']}/return", json={"reason": "缺少活动照片说明"}, headers=office
    )
    assert back.status_code == 200, back.text
    form = client.get(f"/documents/{doc_id}/reply").text
    options = re.findall(r"<option value=\"(\d+)(?::[\d-]+)?\"[^>]*>([^<]+)</option>", form)
    assert [text for _, text in options] == ["活动月工作总结 · 5月29日前（退回补报）"], options
    assert "退回理由：缺少活动照片说明" in form
    assert "退回理由：缺少活动照片说明" in client.get("/").text
    assert "退回理由：缺少活动照片说明" in client.get(f"/documents/{doc_id}").text
    report_page = client.get(f"/documents/{r.json()['reply_document_id']}").text  # the report itself
    assert "本报告已被退回补报，退回理由：缺少活动照片说明" in report_page


def test_the_dashboard_lists_every_recipient_with_its_receipt_and_counts_its_rows(
    client: TestClient, runtime: Runtime
) -> None:
    doc_id = _plan(runtime)
    csrf = page_login(client, "sw.registrar")
    assert client.post(f"/inbox/{doc_id}/receive", data={"csrf": csrf}).status_code == 200
    page_login(client, "mw.registrar")
    board = client.get(f"/documents/{doc_id}/distribution").text
    rows = re.findall(r'<tr(?: class="[^"]*")?><th scope="row">([^<]+)</th>\s*<td>(.*?)</td>', board, re.S)
    header = re.search(r"共 (\d+) 个单位 · 已签收 (\d+) · 未签收 (\d+)", board)
    assert header is not None and len(rows) == int(header.group(1)) == 9
    assert (int(header.group(2)), int(header.group(3))) == (1, 8)
    sw = next(cell for name, cell in rows if name == SW)
    assert "未签收" not in sw and re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", sw), sw
    assert "本文未要求该单位报送" in board


def test_the_excel_export_says_unsigned_in_words_with_tasks_and_chases(client: TestClient, runtime: Runtime) -> None:
    doc_id = _plan(runtime, with_tasks=True)
    at(runtime, D(2026, 5, 28))
    office = _token(client, "mw.registrar")
    obligation = obligation_id(client, office, doc_id)
    chased = client.post(f"/api/v1/obligations/{obligation}/chase", json={}, headers=office)
    assert chased.status_code == 200, chased.text
    page_login(client, "mw.registrar")
    book = load_workbook(io.BytesIO(client.get(f"/documents/{doc_id}/distribution.xlsx").content))
    sheet = book["反馈情况"]
    head = [c for c in next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))]
    assert head[:3] == ["单位", "签收时间", "任务（完成/分工）"] and head[-2:] == ["催办次数", "最近催办"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert len(rows) == 9 and rows[JYJ][1] == "未签收" and rows[SW][1] == "未签收"
    assert rows[JYJ][-2] == 1 and rows[JYJ][-1].date() == D(2026, 5, 28)
    assert rows[SW][-2] == 0 and rows[SW][3] == "无需报送"
    tasks = list(book["任务分工"].iter_rows(values_only=True))
    assert tasks[0] == ("任务", "责任单位", "分工", "进展", "最新情况", "报告时间")
    assert len(tasks) > 1 and {t[3] for t in tasks[1:]} == {"未开始"}


def user_of(runtime: Runtime, username: str) -> int:
    with runtime.context() as ctx:
        return user(ctx, username).id


def _status(html: str) -> str:
    """Where the 收文 is and its status badge, as one line of text."""
    where = html.split('id="where-now">', 1)[1].split("</p>", 1)[0]
    return re.sub(r"<[^>]+>", "", where).replace("\u3000", " ").strip()


def test_a_circulated_paper_says_one_consistent_thing_at_each_step(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2026, 3, 2))
    with runtime.context() as ctx:
        incoming, clerk = compose.incoming(ctx), user(ctx, "zf.registrar")
        paper = PaperIn(source_name="扎兰屯市教育局", title="关于教育工作情况的报告", nature=IncomingNature.read)
        rid = incoming.register_paper(clerk, paper, None).id
        incoming.review(clerk, rid, True, None)
        incoming.propose(clerk, rid, "请阅示")
    with runtime.context() as ctx:
        compose.incoming(ctx).instruct(user(ctx, "zf.head"), rid, InstructIn(opinion="请办公室传阅"))
    csrf = page_login(client, "zf.registrar")
    assert _status(client.get(f"/incoming/{rid}").text) == "现在何处：办公室（待安排传阅）"  # said once
    assert "待安排传阅" in client.get("/incoming").text
    head = str(user_of(runtime, "zf.head"))
    r = client.post(f"/incoming/{rid}/circulate", data={"csrf": csrf, "user_ids": [head]})
    assert _status(r.text) == "现在何处：市政府负责人传阅 传阅中", _status(r.text)
    csrf = page_login(client, "zf.head")
    r = client.post(f"/incoming/{rid}/read", data={"csrf": csrf, "opinion": "已阅"})
    assert _status(r.text) == "现在何处：传阅完毕，待办公室办结 待办结", _status(r.text)
    page_login(client, "zf.registrar")
    register = client.get("/incoming").text
    assert "待办结" in register and "传阅中" not in register
