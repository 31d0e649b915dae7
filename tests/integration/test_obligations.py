"""What a plan asks of each unit, tracked to the last report (DOMAIN.md §5), on the seeds' own plans: seed 001's
dated obligations, phases and weekly / monthly cadences; seed 002's tasks with their responsible units; seed 000's
总结 with photos and a late unit. Through the API, on a clock set to the plans' own dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from services.accounts.service import SYSTEM, OrganService, UserService
from services.documents.schemas import DraftInput
from services.obligations.service import ObligationService
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, joint_notice_draft
from services.seed.texts import joint_notice
from tests.helpers.invariants import changes_nothing
from tests.helpers.plans import D, act, at, issue, organ_id, seed_001_draft

Login = Callable[[str], dict[str, str]]


def _login(client: TestClient, username: str) -> dict[str, str]:
    """A login made now, on the test's clock (a token made days earlier has expired)."""
    r = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _report(client: TestClient, who: str, obligation: int, period: dt.date | None = None, **files: Any) -> Any:
    data = {"title": f"{who}报送的材料", "body": "本期工作动态：开展义诊一场。"}
    if period:
        data["period_due"] = period.isoformat()
    r = client.post(
        f"/api/v1/obligations/{obligation}/submissions", data=data, headers=_login(client, who), files=files or None
    )
    return r


def _obligations(client: TestClient, doc_id: int, who: str = "gy-wjw.registrar") -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for o in client.get(f"/api/v1/documents/{doc_id}/obligations", headers=_login(client, who)).json():
        found.setdefault(o["title"], []).append(o)
    return found


def _cells(client: TestClient, doc_id: int, obligation: int, day: dt.date | None = None) -> dict[str, Any]:
    params = {"day": day.isoformat()} if day else {}
    board = client.get(
        f"/api/v1/documents/{doc_id}/obligations/matrix", params=params, headers=_login(client, "gy-wjw.registrar")
    ).json()
    return {u["organ"]: u["cells"][str(obligation)] for u in board["units"] if str(obligation) in u["cells"]}


def test_seed_001_dated_obligations_phases_and_cadences(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2022, 5, 25))
    doc_id = issue(runtime, "gy-wjw.drafter", seed_001_draft, ["gy-wjw.head"])
    drafter = _login(client, "gy-wjw.drafter")
    doc = client.get(f"/api/v1/documents/{doc_id}", headers=drafter).json()
    assert (
        doc["doc_number"] == "广卫发〔2022〕1号"
        and doc["main_recipients_text"] == "委直属各单位，委注册医疗机构，委机关各科室"
    )
    assert len(doc["recipients"]) == 8  # both groups' members
    html = client.get(f"/api/v1/documents/{doc_id}/html", headers=drafter).text
    assert "委直属各单位，委注册医疗机构，委机关各科室：" in html  # the 主送 line as the drafter wrote it
    found = _obligations(client, doc_id)
    dated = found["创建工作方案"] + found["创建工作推进情况"] + found["工作总结"]
    assert [(o["title"], o["due_on"]) for o in dated] == [
        ("创建工作方案", "2022-05-30"), ("创建工作推进情况", "2022-06-20"), ("工作总结", "2022-12-20"),
    ]  # fmt: skip
    assert found["工作总结"][0]["materials"] == ["工作总结", "佐证材料"] and len(found["工作总结"][0]["owners"]) == 8
    weekly, monthly = found["工作动态信息"]
    assert (weekly["cadence"], weekly["cadence_zh"], len(weekly["owners"])) == ("weekly", "每周至少 1 次", 6)
    assert [o["name"] for o in monthly["owners"]] == ["广元市卫生健康综合行政执法支队"]
    versions = client.get(f"/api/v1/documents/{doc_id}/versions", headers=drafter).json()
    assert [p["name"] for p in versions[-1]["fields"]["phases"]] == ["部署阶段", "推进阶段", "评估阶段"]

    # 5月30日 passes with nobody's 方案: 逾期 the next morning, before any scheduled job has run.
    at(runtime, D(2022, 5, 31))
    plan = _cells(client, doc_id, found["创建工作方案"][0]["id"])
    assert {c["status"] for c in plan.values()} == {"逾期"} and len(plan) == 8

    # A hospital reports twice in the first week and once the next; another reports in the first week only.
    at(runtime, D(2022, 6, 1))
    for _ in range(2):
        assert _report(client, "gy-zxyy.drafter", weekly["id"]).status_code == 201
    assert _report(client, "gy-dyyy.drafter", weekly["id"]).status_code == 201
    at(runtime, D(2022, 6, 8))
    r = _report(client, "gy-zxyy.drafter", weekly["id"])
    assert r.status_code == 201 and r.json()["period_due"] == "2022-06-12"
    first_week = _cells(client, doc_id, weekly["id"], D(2022, 6, 1))
    assert first_week["广元市中心医院"]["status"] == "已报" and first_week["广元市中心医院"]["standing"] == 2
    assert first_week["广元市第一人民医院"]["status"] == "已报"
    assert (
        first_week["广元市中医医院"]["status"] == "逾期"
        and first_week["广元市中医医院"]["period_label"] == "5月30日—6月5日"
    )
    this_week = _cells(client, doc_id, weekly["id"])
    assert this_week["广元市中心医院"]["status"] == "已报" and this_week["广元市第一人民医院"]["status"] == "未报"
    assert set(this_week) == {"广元市中心医院", "广元市第一人民医院", "广元市中医医院", "广元市精神卫生中心",
                              "广元市疾病预防控制中心", "广元市妇幼保健院"}  # fmt: skip
    # A late 方案 is 迟报, the same minute.
    assert _report(client, "gy-jgdb.drafter", found["创建工作方案"][0]["id"]).status_code == 201
    assert _cells(client, doc_id, found["创建工作方案"][0]["id"])["广元市卫生健康委员会机关党办"]["status"] == "迟报"
    board = client.get(
        f"/api/v1/documents/{doc_id}/obligations/matrix",
        params={"overdue": "true"},
        headers=_login(client, "gy-wjw.registrar"),
    ).json()
    late = {(e["organ_id"], e["obligation"], e["period_label"]) for e in board["overdue"]}
    zyyy = _organ(runtime, "gy-zyyy")
    assert (zyyy, "工作动态信息", "5月30日—6月5日") in late and (zyyy, "创建工作方案", "5月30日前") in late

    # A unit's 待办 lists every open obligation with its period, due date and days left or overdue.
    todo = client.get("/api/v1/inbox", headers=_login(client, "gy-dyyy.drafter")).json()["obligations_due"]
    rows = {(t["obligation"], t["period_label"]): (t["status"], t["days_left"]) for t in todo}
    assert rows[("工作动态信息", "6月6日—6月12日")] == ("未报", 4)
    assert rows[("创建工作方案", "5月30日前")] == ("逾期", -9)
    assert rows[("创建工作推进情况", "6月20日前")] == ("未报", 12)

    # The scheduled 催办 on Saturday: 市第一人民医院 for the current week; nobody twice the same day.
    at(runtime, D(2022, 6, 11))
    with runtime.context() as ctx:
        counts = ObligationService(ctx).chase_due()
    assert counts["chased"] > 0
    with runtime.context() as ctx:
        assert ObligationService(ctx).chase_due()["chased"] == 0
    chases = client.get(f"/api/v1/obligations/{weekly['id']}/chases", headers=_login(client, "gy-wjw.registrar")).json()
    by_unit = {c["organ_id"]: c for c in chases}
    assert _organ(runtime, "gy-zxyy") not in by_unit  # reported this week already
    dyyy = by_unit[_organ(runtime, "gy-dyyy")]
    assert dyyy["period_due"] == "2022-06-12"
    assert dyyy["message"] == (
        "请于6月12日前报送《关于印发〈市卫生健康委创建全国民族团结进步示范市实施方案〉的通知》要求的工作动态信息"
        "（6月6日—6月12日还差 1 次）（还有 1 天截止）。"
    )
    assert "已逾期 6 天" in by_unit[zyyy]["message"]  # the week it missed
    # And in December another unit is chased for the 总结, naming the material and the date.
    at(runtime, D(2022, 12, 19))
    with runtime.context() as ctx:
        ObligationService(ctx).chase_due()
    summary = found["工作总结"][0]["id"]
    chased = client.get(f"/api/v1/obligations/{summary}/chases", headers=_login(client, "gy-zfzd.drafter")).json()
    assert [c["message"] for c in chased] == [
        "请于12月20日前报送《关于印发〈市卫生健康委创建全国民族团结进步示范市实施方案〉的通知》要求的"
        "工作总结（佐证材料）（还有 1 天截止）。"
    ]


def _organ(runtime: Runtime, code: str) -> int:
    return int(act(runtime, lambda c: organ_id(c, code)))  # type: ignore[call-overload]


def test_joint_notice_tasks_each_unit_reports_on_its_own(client: TestClient, runtime: Runtime) -> None:
    notice = joint_notice()
    at(runtime, D(2025, 8, 27))

    def draft(ctx: Any) -> DraftInput:
        found = joint_notice_draft(ctx, notice, D(2025, 10, 10), with_tasks=True)
        found.attachment_notes = []  # the plan's text is not attached here; its tasks are in the draft
        return found

    doc_id = issue(runtime, "mw.drafter", draft, ["tzb.head", "xcb.head", "mw.head"])
    office = client.get(f"/api/v1/documents/{doc_id}/tasks", headers=_login(client, "mw.registrar")).json()
    assert len(office) == 12
    first = office[0]
    assert first["text"] == "1. 举办活动月启动仪式暨“同心杯”全民健步走"
    assert [(a["organ"], a["role"]) for a in first["assignments"][:2]] == [
        ("中共扎兰屯市委员会统一战线工作部", "牵头"), ("扎兰屯市民族事务委员会", "配合"),
    ]  # fmt: skip
    photos = next(t for t in office if t["text"].startswith("7."))  # its lead written as 市文旅局, an alias
    assert (photos["assignments"][0]["organ"], photos["assignments"][0]["role"]) == (
        "扎兰屯市文化旅游体育广电局",
        "牵头",
    )
    jyj = _organ(runtime, "zlt-jyj")
    expected = {t["id"] for t in office if any(a["organ_id"] == jyj for a in t["assignments"])}
    mine = client.get(f"/api/v1/documents/{doc_id}/tasks", headers=_login(client, "jyj.drafter")).json()
    assert {t["id"] for t in mine} == expected and "5. 开展“民族团结进校园”主题活动" in {t["text"] for t in mine}
    assert all([a["organ_id"] for a in t["assignments"]] == [jyj] for t in mine)  # only its own part
    school = next(t for t in mine if t["text"].startswith("5."))
    assert school["assignments"][0]["role"] == "牵头"
    assignment = school["assignments"][0]["id"]
    jyj_headers = _login(client, "jyj.drafter")
    r = client.post(f"/api/v1/task-assignments/{assignment}/progress", json={"note": "已在3所学校召开开学主题班会。"},
                    headers=jyj_headers)  # fmt: skip
    assert r.status_code == 200 and r.json()["state"] == "进行中"
    r = client.post(f"/api/v1/task-assignments/{assignment}/progress",
                    json={"note": "全市中小学均已开展。", "done": True}, headers=jyj_headers)  # fmt: skip
    assert r.status_code == 200 and r.json()["state"] == "已完成"
    with changes_nothing(runtime):  # done stays done; another unit's task is not its to report on; words needed
        blank = client.post(f"/api/v1/task-assignments/{assignment}/progress", json={"note": "  "}, headers=jyj_headers)
        assert blank.status_code == 422 and blank.json()["error"]["code"] == "progress_empty"
        again = client.post(
            f"/api/v1/task-assignments/{assignment}/progress", json={"note": "再报"}, headers=jyj_headers
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "task_state"
        other = next(a["id"] for t in office for a in t["assignments"] if a["organ_id"] != jyj)
        r = client.post(f"/api/v1/task-assignments/{other}/progress", json={"note": "x"}, headers=jyj_headers)
        assert r.status_code == 404 and r.json()["error"]["code"] == "task_assignment_not_found"
    office = client.get(f"/api/v1/documents/{doc_id}/tasks", headers=_login(client, "mw.registrar")).json()
    state = {(t["text"][:2], a["organ_id"]): a for t in office for a in t["assignments"]}
    assert state[("5.", jyj)]["state"] == "已完成" and state[("5.", jyj)]["progress"] == "全市中小学均已开展。"
    assert {a["state"] for k, a in state.items() if k[1] != jyj} == {"未开始"}
    board = client.get(f"/api/v1/documents/{doc_id}/obligations/matrix", headers=_login(client, "mw.registrar")).json()
    row = next(u for u in board["units"] if u["organ_id"] == jyj)
    assert (row["tasks_done"], row["tasks"]) == (1, len(expected))  # tasks by unit on the dashboard
    todo = client.get("/api/v1/inbox", headers=jyj_headers).json()["tasks"]
    assert school["id"] not in {t["task_id"] for t in todo} and todo  # done tasks leave the 待办
    tasks = client.get("/", cookies=_cookie(client, "jyj.drafter")).text.split('id="h-tasks"', 1)[1]
    assert notice.title in tasks.split("</section>", 1)[0]  # each task names the plan it belongs to


def _seed_000_draft(ctx: Any) -> DraftInput:
    organs = OrganService(ctx)
    units = [organs.create(SYSTEM, code, name, short).id for code, name, short in (
        ("zw-rmyy", "中卫市人民医院", "市人民医院"), ("zw-zyy", "中卫市中医医院", "市中医医院"))]  # fmt: skip
    for code, unit in zip(("zw-rmyy", "zw-zyy"), units, strict=True):
        UserService(ctx).create(f"{code}.drafter", f"{code}拟稿人", unit, ["drafter"], DEMO_PASSWORD)
    return DraftInput.model_validate(
        {
            "doc_type": "通知", "title": "关于印发《中卫市卫生计生系统2018年“民族团结月”活动实施方案》的通知",
            "issue_form": "发", "main_recipients": units, "body": "活动结束后，各单位要及时对活动情况进行总结。",
            "obligations": [{"title": "活动情况总结", "materials": ["活动情况总结", "活动照片"],
                             "due_on": "2018-10-08", "method": "报送市局法制办407室"}],
        }
    )  # fmt: skip


def test_seed_000_a_late_unit_shows_as_late_the_same_minute(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2018, 9, 3))
    doc_id = issue(runtime, "zw-wjw.drafter", _seed_000_draft, ["zw-wjw.head"])
    summary = _obligations(client, doc_id, "zw-wjw.registrar")["活动情况总结"][0]["id"]
    photo = ("照片.png", b"\x89PNG\r\n\x1a\nfake", "image/png")
    at(runtime, D(2018, 10, 8), hour=17)
    on_time = {"title": "人民医院活动总结", "body": "总结。"}
    r = client.post(f"/api/v1/obligations/{summary}/submissions", data=on_time, files=[("files", photo)],
                    headers=_login(client, "zw-rmyy.drafter"))  # fmt: skip
    assert r.status_code == 201 and r.json()["late"] is False
    at(runtime, D(2018, 10, 9), hour=9)
    registrar = _login(client, "zw-wjw.registrar")
    before = client.get(f"/api/v1/documents/{doc_id}/obligations/matrix", headers=registrar).json()
    assert {u["organ"]: u["cells"][str(summary)]["status"] for u in before["units"]} == {
        "中卫市人民医院": "已报", "中卫市中医医院": "逾期"}  # fmt: skip
    r = client.post(f"/api/v1/obligations/{summary}/submissions", data={"title": "中医医院活动总结", "body": "总结。"},
                    files=[("files", photo)], headers=_login(client, "zw-zyy.drafter"))  # fmt: skip
    assert r.status_code == 201 and r.json()["late"] is True
    after = client.get(f"/api/v1/documents/{doc_id}/obligations/matrix", headers=registrar).json()
    assert {u["organ"]: u["cells"][str(summary)]["status"] for u in after["units"]} == {
        "中卫市人民医院": "已报", "中卫市中医医院": "迟报"}  # fmt: skip
    page = client.get(f"/documents/{doc_id}/distribution", cookies=_cookie(client, "zw-wjw.registrar"))
    assert page.status_code == 200 and "迟报" in page.text
    # The issuing office finds both reports waiting in its 待办, 签收s one and returns the other.
    arrivals = client.get("/api/v1/inbox", headers=registrar).json()["arrivals"]
    assert [a["organ"] for a in arrivals] == ["中卫市人民医院", "中卫市中医医院"] and arrivals[1]["late"]
    assert (
        client.post(f"/api/v1/submissions/{arrivals[0]['id']}/accept", headers=registrar).json()["status"] == "已签收"
    )
    back = client.post(f"/api/v1/submissions/{arrivals[1]['id']}/return", json={"reason": "缺少活动照片说明"},
                       headers=registrar)  # fmt: skip
    assert back.json()["status"] == "已退回"
    with changes_nothing(runtime):  # a report is handled once
        again = client.post(
            f"/api/v1/submissions/{arrivals[0]['id']}/return", json={"reason": "再退"}, headers=registrar
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "submission_decided"
        other = client.post(f"/api/v1/submissions/{arrivals[0]['id']}/accept", headers=_login(client, "zw-zyy.drafter"))
        assert other.status_code == 404 and other.json()["error"]["code"] == "submission_not_found"
    board = client.get(f"/api/v1/documents/{doc_id}/obligations/matrix", headers=registrar).json()
    cells = {u["organ"]: u["cells"][str(summary)]["status"] for u in board["units"]}
    assert cells == {"中卫市人民医院": "已报", "中卫市中医医院": "退回补报"}
    assert not client.get("/api/v1/inbox", headers=registrar).json()["arrivals"]
    # The unit reads why its report came back, in its 待办 and on the plan's page.
    for url in ("/", f"/documents/{doc_id}"):
        unit_page = client.get(url, cookies=_cookie(client, "zw-zyy.drafter")).text
        assert "退回理由：缺少活动照片说明" in unit_page, url


def _cookie(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    return {"gongwen_token": r.json()["token"]}


def test_bad_input_gets_a_clear_error_and_changes_nothing(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2022, 5, 25))
    doc_id = issue(runtime, "gy-wjw.drafter", seed_001_draft, ["gy-wjw.head"])
    drafter = _login(client, "gy-wjw.drafter")
    with runtime.context() as ctx:
        base = seed_001_draft(ctx).model_dump(mode="json")
        stranger = organ_id(ctx, "zlt-jyj")
    found = _obligations(client, doc_id)

    def with_obligation(**change: Any) -> dict[str, Any]:
        draft = {**base, "obligations": [{**base["obligations"][3], **change}]}
        return draft

    cases = [
        (with_obligation(optional_materials=["照片"]), "optional_material_unknown", "照片"),
        (with_obligation(cadence=None, due_on="2022-05-01"), "due_before_issue", "早于发文日期"),
        (with_obligation(owner_organs=[stranger]), "owner_not_recipient", "扎兰屯市教育局"),
        (with_obligation(cadence=None), "obligation_without_date", "须有截止日期或报送周期"),
        (with_obligation(phase="总结阶段"), "phase_unknown", "总结阶段"),
        (with_obligation(starts_on="2022-12-30"), "cadence_end_before_start", "结束日期早于开始日期"),
    ]
    with changes_nothing(runtime):
        for payload, code, words in cases:
            r = client.post("/api/v1/documents", json=payload, headers=drafter)
            assert r.status_code == 422, (code, r.text)
            error = r.json()["error"]
            assert error["code"] == code and words in error["message_zh"] and error["message_en"], error
        # A report for an obligation the unit does not owe, a period that has not begun, an empty report.
        weekly = found["工作动态信息"][0]
        r = _report(client, "gy-zfzd.drafter", weekly["id"])
        assert r.status_code == 409 and r.json()["error"]["code"] == "not_owed"
        r = _report(client, "gy-zxyy.drafter", weekly["id"], D(2022, 7, 3))
        assert r.status_code == 422 and r.json()["error"]["code"] == "period_unknown"
        r = client.post(f"/api/v1/obligations/{weekly['id']}/submissions", data={"title": "空", "body": " "},
                        headers=_login(client, "gy-zxyy.drafter"))  # fmt: skip
        assert r.status_code == 422 and r.json()["error"]["code"] == "reply_empty"
        huge = {"files": ("大.jpg", b"\xff\xd8\xff" + b"x" * (50 * 1024 * 1024 - 2), "image/jpeg")}
        r = _report(client, "gy-zxyy.drafter", weekly["id"], **huge)
        assert r.status_code == 413 and r.json()["error"]["code"] == "attachment_too_large"
        # Groups are the admin's; a group of units that do not exist is refused.
        r = client.post("/api/v1/recipient-groups", json={"name": "某分组", "members": [1]}, headers=drafter)
        assert r.status_code == 403 and r.json()["error"]["code"] == "role_required"
        admin = _login(client, "admin")
        r = client.post("/api/v1/recipient-groups", json={"name": "某分组", "members": [987654]}, headers=admin)
        assert r.status_code == 422 and "987654" in r.text, r.text
        r = client.post("/api/v1/recipient-groups", json={"name": "委直属各单位", "members": [1]}, headers=admin)
        assert r.status_code == 409 and r.json()["error"]["code"] == "group_exists"
    # A dated obligation is reported once (again only after a 退回补报); a chase that reaches nobody says so.
    plan = found["创建工作方案"][0]["id"]
    assert _report(client, "gy-zxyy.drafter", plan).status_code == 201
    with changes_nothing(runtime):
        r = _report(client, "gy-zxyy.drafter", plan)
        assert r.status_code == 409 and r.json()["error"]["code"] == "already_reported"
        registrar = _login(client, "gy-wjw.registrar")
        zxyy = _organ(runtime, "gy-zxyy")
        r = client.post(f"/api/v1/obligations/{plan}/chase", json={"organ_ids": [zxyy]}, headers=registrar)
        assert r.status_code == 409 and r.json()["error"]["code"] == "nobody_to_chase"
        assert "没有可催办的单位" in r.json()["error"]["message_zh"]
        submission = client.get("/api/v1/inbox", headers=registrar).json()["arrivals"][0]["id"]
        r = client.post(f"/api/v1/submissions/{submission}/return", json={"reason": " "}, headers=registrar)
        assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"
    r = client.post(f"/api/v1/obligations/{plan}/chase", json={}, headers=registrar)
    assert r.status_code == 200 and r.json() == {"chased": 7}


def test_an_imported_plan_is_re_issued_with_what_it_asks(client: TestClient, runtime: Runtime) -> None:
    """市民委's plan of last year imported from its file, then drafted anew from it: the recognised obligations,
    cadences and phases come back in the editor, with the old dates for the drafter to change."""
    from services.imports.service import ImportService
    from services.seed.example import user
    from services.seed.texts import PLAN_NOTICE, document_text
    from tests.helpers.pages import page_login

    at(runtime, D(2026, 5, 6))
    data = document_text(PLAN_NOTICE).encode()
    with runtime.context() as ctx:
        doc_id = ImportService(ctx).import_bytes(user(ctx, "mw.drafter"), "plan.txt", data).document_ids[0]
    page_login(client, "mw.drafter")
    page = client.get(f"/documents/{doc_id}")
    assert "以此为模板拟稿" in page.text
    editor = client.get(f"/documents/new?from={doc_id}")
    assert editor.status_code == 200
    for value in ("创建工作计划", "2025-04-30", "创建工作总结、影像资料", "动员申报阶段", "2025-10-31"):
        assert f'value="{value}"' in editor.text, value
    assert 'value="weekly" selected' in editor.text and 'value="monthly" selected' in editor.text
    page_login(client, "gy-wjw.drafter")  # another organ's drafter: the import is not theirs to read
    refused = client.get(f"/documents/new?from={doc_id}")
    assert refused.status_code == 404 and "document_not_found" in refused.text
