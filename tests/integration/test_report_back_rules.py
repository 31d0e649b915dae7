"""The seeds' rules for report-back (DOMAIN.md §5) that a unit or the issuing office would notice: a report carries
every material its obligation asks for; a cadence owes no stub first period and runs until the plan's last phase
ends or the office stops it; a 催办 names every period a unit owes. Through the API, on the plans' own dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from services.accounts.service import SYSTEM, OrganService, UserService
from services.documents.schemas import DraftInput
from services.domain.models import AuditEvent
from services.imports.obligations import recognize_plan
from services.obligations.rules import periods
from services.obligations.service import ObligationService, schedule_of
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, GY_HOSPITALS, tiny_png
from tests.helpers.invariants import changes_nothing
from tests.helpers.pages import page_login
from tests.helpers.plans import D, act, at, issue, organ_id, seed_001_draft
from tests.helpers.seeds import seed_subject

SEED_000_TITLE = "关于印发《中卫市卫生计生系统2018年“民族团结月”活动实施方案》的通知"


def _login(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _seed_000(optional: list[str]) -> Any:
    """Seed 000's ask, “将活动情况总结、活动照片报送…10月8日前”, with the materials the drafter marks optional."""

    def draft(ctx: Any) -> DraftInput:
        organs = OrganService(ctx)
        units = [organs.create(SYSTEM, code, name, short).id for code, name, short in (
            ("zw-rmyy", "中卫市人民医院", "市人民医院"), ("zw-zyy", "中卫市中医医院", "市中医医院"))]  # fmt: skip
        for code, unit in zip(("zw-rmyy", "zw-zyy"), units, strict=True):
            UserService(ctx).create(f"{code}.drafter", f"{code}拟稿人", unit, ["drafter"], DEMO_PASSWORD)
        return DraftInput.model_validate(
            {
                "doc_type": "通知", "title": SEED_000_TITLE, "issue_form": "发", "main_recipients": units,
                "body": "活动结束后，各单位要及时对活动情况进行总结。",
                "obligations": [{"title": "活动情况总结", "materials": ["活动情况总结", "活动照片"],
                                 "optional_materials": optional, "due_on": "2018-10-08"}],
            }
        )  # fmt: skip

    return draft


def _summary(client: TestClient, doc_id: int) -> dict[str, Any]:
    found = client.get(f"/api/v1/documents/{doc_id}/obligations", headers=_login(client, "zw-wjw.registrar")).json()
    return dict(found[0])


def _send(client: TestClient, obligation: int, who: str, files: list[tuple[str, Any]] | None = None) -> Any:
    data = {"title": "人民医院活动总结", "body": "开展民族团结月活动三场。"}
    return client.post(
        f"/api/v1/obligations/{obligation}/submissions", data=data, files=files, headers=_login(client, who)
    )


def test_a_report_without_the_photo_it_owes_is_refused_naming_it(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2018, 9, 3))
    doc_id = issue(runtime, "zw-wjw.drafter", _seed_000([]), ["zw-wjw.head"])
    summary = _summary(client, doc_id)
    assert summary["materials"] == ["活动情况总结", "活动照片"] and summary["optional_materials"] == []
    at(runtime, D(2018, 10, 8))
    renamed = ("活动照片.jpg", b"this is the summary typed again, not a photo", "image/jpeg")
    not_a_photo = ("活动照片.doc", b"this is the summary typed again, not a photo", "image/jpeg")
    for files in (None, [("files", not_a_photo)]):  # nothing attached; a file claimed a JPEG that is none
        with changes_nothing(runtime):
            r = _send(client, summary["id"], "zw-rmyy.drafter", files)
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "report_material_missing" and error["details"]["missing"] == ["活动照片"]
        assert error["message_zh"] == "报送材料不全，缺少：活动照片（须附至少一张图片）"
    with changes_nothing(runtime):  # a text file renamed .jpg is refused before anything is counted
        r = _send(client, summary["id"], "zw-rmyy.drafter", [("files", renamed)])
    assert r.status_code == 422 and r.json()["error"]["code"] == "file_type_mismatch"
    photo = ("活动照片.png", tiny_png(), "application/octet-stream")  # what it is counts, not what it claims
    r = _send(client, summary["id"], "zw-rmyy.drafter", [("files", photo)])
    assert r.status_code == 201, r.text
    cells = client.get(
        f"/api/v1/documents/{doc_id}/obligations/matrix", headers=_login(client, "zw-wjw.registrar")
    ).json()
    status = {u["organ"]: u["cells"][str(summary["id"])]["status"] for u in cells["units"]}
    assert status == {"中卫市人民医院": "已报", "中卫市中医医院": "未报"}


def test_a_material_marked_optional_may_be_left_out(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2018, 9, 3))
    doc_id = issue(runtime, "zw-wjw.drafter", _seed_000(["活动照片"]), ["zw-wjw.head"])
    summary = _summary(client, doc_id)
    assert summary["optional_materials"] == ["活动照片"]
    at(runtime, D(2018, 10, 8))
    assert _send(client, summary["id"], "zw-rmyy.drafter").status_code == 201


def test_an_optional_material_the_obligation_does_not_ask_for_is_refused(client: TestClient) -> None:
    drafter = _login(client, "zw-wjw.drafter")
    draft = {
        "doc_type": "通知", "title": SEED_000_TITLE, "issue_form": "发", "body": "正文。",
        "obligations": [{"title": "活动情况总结", "materials": ["活动情况总结"], "optional_materials": ["照片"],
                         "due_on": "2030-10-08"}],
    }  # fmt: skip
    r = client.post("/api/v1/documents", json=draft, headers=drafter)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "optional_material_unknown" and "照片" in r.json()["error"]["message_zh"]


def test_the_editor_line_marks_optional_materials_both_ways() -> None:
    from services.web.forms import materials_line, materials_of_line

    parsed = materials_of_line("活动月工作总结、图片影像资料（可选）, 佐证材料(可选)")
    assert parsed == {"materials": ["活动月工作总结", "图片影像资料", "佐证材料"],
                      "optional_materials": ["图片影像资料", "佐证材料"]}  # fmt: skip
    assert materials_line(parsed["materials"], parsed["optional_materials"]) == (
        "活动月工作总结、图片影像资料（可选）、佐证材料（可选）"
    )


# -- seed 001 on its own dates: the plan went out on Friday 2022-05-20 -------------------------------------------


def _seed_001_as_recognised(seeds: Path) -> Callable[[Any], DraftInput]:
    """Seed 001 as the drafter takes the recogniser's proposal from its own text: its phases, and the weekly
    工作动态信息 of the six named hospitals with no start or end written (the default path)."""
    text = next(seeds.glob("001_*.txt")).read_text(encoding="utf-8")
    plan = recognize_plan(text, 2022)
    weekly = next(o for o in plan.obligations if o.cadence == "weekly")
    assert weekly.starts_on is None and weekly.ends_on is None

    def draft(ctx: Any) -> DraftInput:
        base = seed_001_draft(ctx).model_dump(mode="json")
        base["phases"] = [{"name": p.name, "starts_on": iso(p.starts_on), "ends_on": iso(p.ends_on)}
                          for p in plan.phases]  # fmt: skip
        base["obligations"] = [
            {"title": weekly.title, "cadence": weekly.cadence, "at_least": weekly.at_least,
             "owner_organs": [organ_id(ctx, c) for c in GY_HOSPITALS]},
        ]  # fmt: skip
        return DraftInput.model_validate(base)

    return draft


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _weekly(client: TestClient, doc_id: int) -> int:
    found = client.get(f"/api/v1/documents/{doc_id}/obligations", headers=_login(client, "gy-wjw.registrar")).json()
    return int(found[0]["id"])


def _todo(client: TestClient, who: str) -> list[dict[str, Any]]:
    return list(client.get("/api/v1/inbox", headers=_login(client, who)).json()["obligations_due"])


@seed_subject
def test_seed_001_owes_no_stub_week_and_is_chased_for_its_whole_backlog(
    client: TestClient, runtime: Runtime, seeds_dir: Path
) -> None:
    at(runtime, D(2022, 5, 20))  # a Friday
    doc_id = issue(runtime, "gy-wjw.drafter", _seed_001_as_recognised(seeds_dir), ["gy-wjw.head"])
    weekly = _weekly(client, doc_id)
    assert _todo(client, "gy-zyyy.drafter") == []  # nothing is owed for the weekend the plan arrived
    at(runtime, D(2022, 5, 23))
    first = _todo(client, "gy-zyyy.drafter")
    assert [(t["period_label"], t["status"], t["owed"]) for t in first] == [("5月23日—5月29日", "未报", 1)]
    board = client.get(f"/api/v1/documents/{doc_id}/obligations/matrix", headers=_login(client, "gy-wjw.registrar"))
    assert board.json()["overdue"] == []  # nobody is late for the weekend the plan arrived

    # 市中医医院 never reports. A week's chase on 6/13, then the one of Monday 6/20.
    at(runtime, D(2022, 6, 13))
    act(runtime, lambda c: ObligationService(c).chase_due())
    at(runtime, D(2022, 6, 20))
    assert act(runtime, lambda c: ObligationService(c).chase_due()["chased"]) == 6  # type: ignore[index]
    assert act(runtime, lambda c: ObligationService(c).chase_due()["chased"]) == 0  # type: ignore[index]
    chases = client.get(f"/api/v1/obligations/{weekly}/chases", headers=_login(client, "gy-zyyy.drafter")).json()
    today = [c for c in chases if c["chased_on"] == "2022-06-20"]
    assert len(today) == 1  # one chase per unit and obligation a day, naming the whole backlog
    weeks = "5月23日—5月29日、5月30日—6月5日、6月6日—6月12日、6月13日—6月19日、6月20日—6月26日"
    assert today[0]["message"] == (
        "贵单位《关于印发〈市卫生健康委创建全国民族团结进步示范市实施方案〉的通知》要求的工作动态信息"
        f"尚欠 5 期：{weeks}（其中 4 期已逾期，最早一期已逾期 22 天），请尽快报送。"
    )
    # The unit's 待办 lists each week it owes with the count; the dashboard counts its overdue weeks.
    rows = _todo(client, "gy-zyyy.drafter")
    assert [t["period_label"] for t in rows] == weeks.split("、") and {t["owed"] for t in rows} == {5}
    board = client.get(f"/api/v1/documents/{doc_id}/obligations/matrix", headers=_login(client, "gy-wjw.registrar"))
    zyyy = next(u for u in board.json()["units"] if u["organ"] == "广元市中医医院")
    assert zyyy["late"] == {str(weekly): 4}
    page = client.get("/", cookies=_cookie(client, "gy-zyyy.drafter"))
    assert "本事项尚欠 5 期" in page.text


@seed_subject
def test_an_open_cadence_runs_to_the_plans_last_phase_unless_the_office_stops_it(
    client: TestClient, runtime: Runtime, seeds_dir: Path
) -> None:
    at(runtime, D(2022, 5, 20))
    doc_id = issue(runtime, "gy-wjw.drafter", _seed_001_as_recognised(seeds_dir), ["gy-wjw.head"])
    weekly = _weekly(client, doc_id)
    with runtime.context() as ctx:
        obligation = ObligationService(ctx).repo.obligation(weekly)
        assert obligation is not None
        last_phase = max(p.ends_on for p in obligation.document.phases)
        schedule = schedule_of(obligation)
        begun = periods(schedule, D(2023, 6, 1))
    assert schedule.ends_on == last_phase and begun[-1].due == last_phase and begun[0].start == D(2022, 5, 23)

    # A unit cannot stop it; the issuing office can, once, with a reason: the week in progress is the last.
    at(runtime, D(2022, 7, 6))
    stop = f"/api/v1/obligations/{weekly}/stop"
    with changes_nothing(runtime):
        refused = client.post(stop, json={"reason": "不想报了"}, headers=_login(client, "gy-zyyy.drafter"))
        assert refused.status_code in (403, 404), refused.text
    r = client.post(stop, json={"reason": "领导小组决定改为按月报送"}, headers=_login(client, "gy-wjw.drafter"))
    assert r.status_code == 200, r.text
    assert r.json()["stopped_on"] == "2022-07-06"
    again = client.post(stop, json={"reason": "再停"}, headers=_login(client, "gy-wjw.drafter"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "cadence_stopped"
    with runtime.context() as ctx:
        event = ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "cadence_stopped")).one()
        assert event.detail["reason"] == "领导小组决定改为按月报送"
        assert event.detail["last_period"] == "7月4日—7月10日"
    at(runtime, D(2022, 8, 1))
    labels = [t["period_label"] for t in _todo(client, "gy-zyyy.drafter")]
    assert labels[-1] == "7月4日—7月10日" and len(labels) == 7  # 5/23 … 7/4: nothing after the stop


def _cookie(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    return {"gongwen_token": r.json()["token"]}


@seed_subject
def test_the_issuing_office_stops_a_cadence_from_its_dashboard(
    client: TestClient, runtime: Runtime, seeds_dir: Path
) -> None:
    at(runtime, D(2022, 5, 20))
    doc_id = issue(runtime, "gy-wjw.drafter", _seed_001_as_recognised(seeds_dir), ["gy-wjw.head"])
    weekly = _weekly(client, doc_id)
    at(runtime, D(2022, 7, 6))
    csrf = page_login(client, "gy-wjw.drafter")
    board = client.get(f"/documents/{doc_id}/distribution")
    assert "停止周期报送" in board.text
    with changes_nothing(runtime):
        blank = client.post(f"/obligations/{weekly}/stop", data={"csrf": csrf, "reason": " "}, follow_redirects=False)
        assert blank.status_code == 422 and "须说明理由" in blank.text
    r = client.post(
        f"/obligations/{weekly}/stop", data={"csrf": csrf, "reason": "改为按月报送"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    board = client.get(f"/documents/{doc_id}/distribution")
    assert "已于2022年7月6日停止" in board.text and "停止周期报送</button>" not in board.text


def test_an_open_cadence_of_a_plan_whose_last_phase_is_over_is_refused(client: TestClient, runtime: Runtime) -> None:
    at(runtime, D(2022, 11, 1))
    draft = {
        "doc_type": "通知", "title": SEED_000_TITLE, "issue_form": "发", "body": "正文。",
        "phases": [{"name": "评估阶段", "starts_on": "2022-10-01", "ends_on": "2022-10-20"}],
        "obligations": [{"title": "工作动态信息", "cadence": "weekly"}],
    }  # fmt: skip
    with changes_nothing(runtime):
        r = client.post("/api/v1/documents", json=draft, headers=_login(client, "gy-wjw.drafter"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "cadence_after_plan_end", r.text
    assert "2022-10-20" in r.json()["error"]["message_zh"]
