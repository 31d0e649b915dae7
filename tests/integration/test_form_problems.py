"""A careless clerk's forms: every bad input comes back as typed, each problem at its field in Chinese, all at once,
and nothing changed; a stale form is shown again with a fresh token (not a dead end)."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from lxml import html as lxml_html
from sqlalchemy import select

from services import compose
from services.distribution.service import DistributionService
from services.documents.schemas import AttachmentUpload
from services.domain.models import Document, TaskAssignment
from services.incoming.schemas import PaperIn
from services.obligations.service import ObligationService
from services.runtime import Runtime
from services.seed.example import REPORT_TITLE, joint_notice_draft, tiny_png, user
from services.seed.texts import joint_notice
from services.workflow.service import WorkflowService
from tests.helpers import lifecycle
from tests.helpers.invariants import changes_nothing
from tests.helpers.pages import page_login, session_csrf
from tests.helpers.plans import issue


def visible_errors(page: str) -> list[str]:
    """The text a clerk reads in the page's error boxes and field errors (codes in <code> and comments aside)."""
    tree = lxml_html.fromstring(page)
    found = []
    for box in tree.xpath('//*[contains(@class, "error") or @role="alert"]'):
        for hidden in box.xpath(".//code | .//comment()"):
            hidden.drop_tree()
        found.append(re.sub(r"\s+", " ", box.text_content()).strip())
    return [t for t in found if t]


def assert_chinese_only(page: str) -> list[str]:
    shown = visible_errors(page)
    assert shown, "no error shown"
    words = [w for text in shown for w in re.findall(r"[A-Za-z]{2,}", text)]
    assert not words, (words, shown)
    return shown


def at_field(page: str, name: str) -> str:
    """The field's error text; the field is marked invalid and described by it."""
    tree = lxml_html.fromstring(page)
    field = tree.get_element_by_id(name)
    assert field.get("aria-invalid") == "true", name
    assert f"err-{name}" in (field.get("aria-describedby") or "").split(), name
    return str(tree.get_element_by_id(f"err-{name}").text_content())


def test_the_editor_reports_every_bad_field_at_once_and_keeps_what_was_typed(
    client: TestClient, runtime: Runtime
) -> None:
    csrf = page_login(client, "mw.drafter")
    form = {
        "csrf": csrf, "doc_type": "通知", "title": "   ", "issue_form": "字", "body": "一、总体要求\n不能丢的正文。",
        "classification": "非密", "urgency": "普通",
        "printed_copies": "三十", "ob-0-title": "工作总结", "ob-0-due_on": "2026-13-01",
    }  # fmt: skip
    with changes_nothing(runtime):
        r = client.post("/documents/new", data=form)
    assert r.status_code == 422
    assert_chinese_only(r.text)
    assert at_field(r.text, "title") == "请填写标题"
    assert at_field(r.text, "printed_copies") == "印制份数须为整数"
    assert "第 1 项反馈事项的截止日期不是有效的日期" in at_field(r.text, "ob-0-due_on")
    assert 'value="三十"' in r.text and 'value="工作总结"' in r.text and "不能丢的正文。" in r.text


def test_the_plan_checks_report_every_obligation_together(client: TestClient, runtime: Runtime) -> None:
    doc_id = lifecycle.draft(runtime)
    csrf = page_login(client, "mw.drafter")
    form = {
        "csrf": csrf, "doc_type": "通知", "title": "关于测试的通知", "issue_form": "字", "body": "正文。",
        "classification": "非密", "urgency": "普通", "base_version": "1", "phase-0-name": "部署阶段",
        "phase-0-starts_on": "2030-02-01", "phase-0-ends_on": "2030-01-01",
        "ob-0-title": "工作总结", "ob-1-title": "工作动态",
    }  # fmt: skip
    with changes_nothing(runtime):
        r = client.post(f"/documents/{doc_id}/edit", data=form)
    assert r.status_code == 422
    assert_chinese_only(r.text)
    assert "开始日期晚于结束日期" in at_field(r.text, "phase-0-ends_on")
    assert "须有截止日期或报送周期" in at_field(r.text, "ob-0-due_on")
    assert "须有截止日期或报送周期" in at_field(r.text, "ob-1-due_on")


def test_a_stale_form_comes_back_with_a_fresh_token_and_the_text_kept(client: TestClient, runtime: Runtime) -> None:
    page_login(client, "mw.drafter")
    form = {"csrf": "from-an-old-login", "doc_type": "通知", "title": "关于测试的通知", "issue_form": "字",
            "classification": "非密", "urgency": "普通", "body": "写了很久的正文。"}  # fmt: skip
    with changes_nothing(runtime):
        r = client.post("/documents/new", data=form)
    assert r.status_code == 403
    assert_chinese_only(r.text)
    assert "写了很久的正文。" in r.text and 'value="关于测试的通知"' in r.text
    fresh = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    assert fresh == session_csrf(client)
    again = client.post("/documents/new", data={**form, "csrf": fresh}, follow_redirects=False)
    assert again.status_code == 303


def test_a_return_without_a_reason_keeps_the_review_form(client: TestClient, runtime: Runtime) -> None:
    doc_id = lifecycle.submitted(runtime)
    with runtime.context() as ctx:
        WorkflowService(ctx).run_format_checks(doc_id)
    csrf = page_login(client, "mw.reviewer")
    with changes_nothing(runtime):
        r = client.post(f"/documents/{doc_id}/review", data={"csrf": csrf, "decision": "reject", "opinion": "  "})
    assert r.status_code == 422
    assert_chinese_only(r.text)
    assert at_field(r.text, "opinion") == "退回须说明理由"


def test_a_whitespace_paper_incoming_keeps_the_form(client: TestClient, runtime: Runtime) -> None:
    csrf = page_login(client, "zf.registrar")
    form = {"csrf": csrf, "source_name": "   ", "title": "  ", "doc_number": "扎政发〔2026〕1号", "copies": "两",
            "received_on": "2026-13-01", "classification": "非密", "urgency": "普通", "nature": "阅件"}  # fmt: skip
    with changes_nothing(runtime):
        r = client.post("/incoming/new", data=form)
    assert r.status_code == 422
    assert_chinese_only(r.text)
    assert at_field(r.text, "source_name") == "请填写来文机关"
    assert at_field(r.text, "title") == "请填写标题"
    assert at_field(r.text, "copies") == "份数须为整数"
    assert "收文日期不是有效的日期" in at_field(r.text, "received_on")
    assert 'value="扎政发〔2026〕1号"' in r.text and 'value="阅件" checked' in r.text


def _distributed_with_tasks(runtime: Runtime) -> int:
    def make(ctx):  # type: ignore[no-untyped-def]
        draft = joint_notice_draft(ctx, joint_notice(), ctx.today() + dt.timedelta(days=10), with_tasks=True)
        draft.attachment_notes = []
        return draft

    return issue(runtime, "mw.drafter", make, list(lifecycle.HEADS))


def test_an_empty_progress_note_keeps_the_task_page(client: TestClient, runtime: Runtime) -> None:
    doc_id = _distributed_with_tasks(runtime)
    with runtime.context() as ctx:
        document = ctx.session.get(Document, doc_id)
        assert document is not None and document.plan_tasks
        assignment = ctx.session.scalars(
            select(TaskAssignment).where(TaskAssignment.task_id == document.plan_tasks[0].id)
        ).first()
        assert assignment is not None
        assignment_id, username = assignment.id, assignment.organ.code.removeprefix("zlt-") + ".drafter"
    csrf = page_login(client, username)
    with changes_nothing(runtime):
        r = client.post(f"/task-assignments/{assignment_id}/progress", data={"csrf": csrf, "note": "   "})
    assert r.status_code == 422
    assert_chinese_only(r.text)
    assert at_field(r.text, f"note-{assignment_id}") == "请填写进展情况"


def test_a_second_chase_the_same_day_and_a_return_without_reason_stay_on_the_dashboard(
    client: TestClient, runtime: Runtime
) -> None:
    doc_id = lifecycle.distributed(runtime)
    with runtime.context() as ctx:
        obligation_id = ctx.session.get(Document, doc_id).obligations[0].id  # type: ignore[union-attr]
        DistributionService(ctx).receive(user(ctx, "wjw.drafter"), doc_id)
        photo = AttachmentUpload(title="照片", filename="p.png", content_type="image/png", data=tiny_png())
        ObligationService(ctx).report(user(ctx, "wjw.drafter"), obligation_id, None, REPORT_TITLE, "总结。", [photo])
    csrf = page_login(client, "mw.drafter")
    first = client.post(f"/obligations/{obligation_id}/chase", data={"csrf": csrf}, follow_redirects=False)
    assert first.status_code == 303
    with changes_nothing(runtime):
        r = client.post(f"/obligations/{obligation_id}/chase", data={"csrf": csrf})
        assert r.status_code == 422
        assert_chinese_only(r.text)
        assert "今天已催办过" in at_field(r.text, f"urge-{obligation_id}")
        submission_id = int(re.search(r'action="/submissions/(\d+)/return"', r.text).group(1))  # type: ignore[union-attr]
        r = client.post(f"/submissions/{submission_id}/return", data={"csrf": csrf, "reason": "  "})
        assert r.status_code == 422
        assert_chinese_only(r.text)
        assert at_field(r.text, f"reason-{submission_id}") == "退回须说明理由"


def test_a_report_without_its_obligation_keeps_the_reply_form(client: TestClient, runtime: Runtime) -> None:
    doc_id = lifecycle.distributed(runtime)
    csrf = page_login(client, "wjw.drafter")
    form = {"csrf": csrf, "choice": "", "title": "市卫健委关于活动月的工作总结", "body": "写好的总结正文。"}
    with changes_nothing(runtime):
        r = client.post(f"/documents/{doc_id}/reply", data=form)
    assert r.status_code == 422
    assert_chinese_only(r.text)
    assert at_field(r.text, "choice") == "请选择报送的事项"
    assert 'value="市卫健委关于活动月的工作总结"' in r.text and "写好的总结正文。" in r.text


def test_a_returned_incoming_without_reason_keeps_the_handling_page(client: TestClient, runtime: Runtime) -> None:
    with runtime.context() as ctx:
        data = PaperIn(source_name="扎兰屯市教育局", title="关于测试收文的请示")
        record_id = compose.incoming(ctx).register_paper(user(ctx, "zf.registrar"), data, None).id
    csrf = page_login(client, "zf.reviewer")
    form = {"csrf": csrf, "decision": "return", "opinion": "  ", "nature": "阅件"}
    with changes_nothing(runtime):
        r = client.post(f"/incoming/{record_id}/review", data=form)
    assert r.status_code == 422
    assert_chinese_only(r.text)
    assert at_field(r.text, "review-opinion") == "退回须说明理由"
    assert 'value="阅件" checked' in r.text
