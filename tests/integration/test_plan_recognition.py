"""Recognising a plan's units with what the admin registered (organ aliases, short names, 单位分组 and their
aliases), on documents of our own: a name that matches nothing is listed for the drafter (未识别), never dropped
in silence and never replaced by its neighbour; a careless or unauthorised change of a group's aliases is refused."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from services.accounts.service import OrganService
from services.obligations.proposal import propose
from services.runtime import Runtime
from tests.helpers.invariants import changes_nothing
from tests.helpers.pages import page_login

Login = Callable[[str], dict[str, str]]
PLAN = """扎兰屯市民族团结进步宣传周工作方案

一、重点任务

1. 开展档案展览活动。依托馆藏档案举办民族团结进步主题展览。（市档案馆、市民委、各乡镇街道）

2. 开展宣讲活动。组织宣讲团深入社区。牵头单位：市委宣传部；配合单位：市教育局、市卫健委。

3. 开展文艺演出活动。组织乌兰牧骑深入基层。（市文旅局、市民委、各乡镇街道）

二、工作要求

（一）及时总结。各市直部门、各驻市单位于9月30日前将工作总结报送至市民委。
"""
FORM = {"doc_type": "通知", "issue_form": "字", "classification": "非密", "urgency": "普通"}


def _select(html: str, name: str) -> str:
    m = re.search(rf'<select id="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert m is not None, name
    return m[1]


def _selected(html: str, name: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', _select(html, name))


def test_an_unknown_lead_is_listed_and_no_neighbour_takes_its_place(client: TestClient, runtime: Runtime) -> None:
    csrf = page_login(client, "mw.drafter")
    with runtime.context() as ctx:
        organs = OrganService(ctx)
        mw, jyj, wlj = (organs.by_code(c).id for c in ("zlt-mw", "zlt-jyj", "zlt-wlj"))
        towns = [organs.by_code(c).id for c in ("zlt-gtz", "zlt-cjsh")]
    r = client.post(
        "/documents/new",
        data={**FORM, "csrf": csrf, "title": "关于印发宣传周工作方案的通知", "body": PLAN,
              "main_recipients": [str(i) for i in (jyj, *towns)]},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"].split("?")[0] + "?propose=1").text
    assert "未识别：市档案馆" in page and "未识别：各驻市单位" in page  # on the proposal and at its own line
    # Task 1: its lead 市档案馆 is unknown, so it has no lead; 市民委 (an issuer) and the towns are 配合, not lead.
    assert _selected(page, "task-0-lead") == []
    assert _selected(page, "task-0-others") == [str(mw), *map(str, towns)]
    # Task 3: 市文旅局 is 市文旅广电局's alias, but it is no recipient of this draft: named, and no neighbour leads.
    assert "不是本文发文或收文单位：扎兰屯市文化旅游体育广电局" in page
    assert _selected(page, "task-2-lead") == [] and str(wlj) not in _selected(page, "task-2-others")
    # The 总结 is owed by the group 市直各部门, written 各市直部门 (its registered alias).
    assert re.search(r'<option value="g:\d+" selected>［分组］市直各部门</option>', _select(page, "ob-0-owners"))


def test_a_task_with_units_but_no_lead_is_not_saved(client: TestClient, runtime: Runtime) -> None:
    csrf = page_login(client, "mw.drafter")
    with runtime.context() as ctx:
        jyj = OrganService(ctx).by_code("zlt-jyj").id
    form = {**FORM, "csrf": csrf, "title": "关于开展宣讲活动的通知", "body": "正文。", "main_recipients": [str(jyj)],
            "task-0-text": "开展宣讲活动", "task-0-lead": "", "task-0-others": [str(jyj)]}  # fmt: skip
    with changes_nothing(runtime):
        r = client.post("/documents/new", data=form)
    assert r.status_code == 422 and "任务第 1 项：有配合单位时须选择牵头单位" in r.text
    assert 'value="开展宣讲活动"' in r.text  # what was typed is shown again


def test_group_aliases_match_word_order_variants(client: TestClient, runtime: Runtime, login: Login) -> None:
    with runtime.context() as ctx:
        zgh = OrganService(ctx).by_code("zlt-zgh").id
    admin = login("admin")
    made = client.post("/api/v1/recipient-groups", json={"name": "各人民团体", "members": [zgh]}, headers=admin)
    assert made.status_code == 201 and made.json()["aliases"] == []
    text = "1. 开展联谊活动。组织团体开展联谊。（市各人民团体、市总工会）"
    with runtime.context() as ctx:
        before = propose(ctx, text, 2026)
    assert before.unmatched == ["市各人民团体"] and before.tasks[0]["lead"] is None
    url = f"/api/v1/recipient-groups/{made.json()['id']}"
    named = client.put(url, json={"members": [zgh], "aliases": ["市各人民团体"]}, headers=admin)
    assert named.status_code == 200 and named.json()["aliases"] == ["市各人民团体"]
    with runtime.context() as ctx:
        after = propose(ctx, text, 2026)
    assert after.unmatched == [] and after.tasks[0]["units"] == [zgh]
    kept = client.put(url, json={"members": [zgh]}, headers=admin)  # members alone leave the aliases as they are
    assert kept.json()["aliases"] == ["市各人民团体"]


def test_a_careless_or_unauthorised_group_alias_changes_nothing(
    client: TestClient, runtime: Runtime, login: Login
) -> None:
    groups = client.get("/api/v1/recipient-groups", headers=login("admin")).json()
    towns = next(g for g in groups if g["name"] == "各乡镇、街道")
    departments = next(g for g in groups if g["name"] == "市直各部门")
    assert "各市直部门" in departments["aliases"]
    members = [m["id"] for m in towns["members"]]
    url = f"/api/v1/recipient-groups/{towns['id']}"
    with changes_nothing(runtime):
        taken = client.put(url, json={"members": members, "aliases": ["各市直部门"]}, headers=login("admin"))
        other_name = client.put(url, json={"members": members, "aliases": ["市直各部门"]}, headers=login("admin"))
        too_many = client.put(
            url, json={"members": members, "aliases": [f"乡镇{n}" for n in range(21)]}, headers=login("admin")
        )
        clerk = client.put(url, json={"members": members, "aliases": ["乡镇"]}, headers=login("mw.drafter"))
        twice = client.post(
            "/api/v1/recipient-groups", json={"name": "各市直部门", "members": members}, headers=login("admin")
        )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "group_alias_taken"
    assert "已是分组“市直各部门”的名称" in taken.json()["error"]["message_zh"]
    assert other_name.status_code == 409 and too_many.status_code == 422
    assert clerk.status_code == 403
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "group_exists"


def test_admin_page_keeps_a_groups_aliases(client: TestClient) -> None:
    csrf = page_login(client, "admin")
    listing = client.get("/admin/groups").text
    group_id = re.search(r'href="/admin/groups/(\d+)">各乡镇、街道</a>', listing)
    assert group_id is not None
    page = client.get(f"/admin/groups/{group_id[1]}").text
    members = re.findall(r'name="members" value="(\d+)" checked', page.split(f"/admin/groups/{group_id[1]}")[1])
    r = client.post(
        f"/admin/groups/{group_id[1]}",
        data={"csrf": csrf, "members": members[:2], "aliases": "各乡镇街道，乡镇、街道"},
    )
    assert r.status_code == 200 and 'value="各乡镇街道，乡镇、街道"' in r.text
