"""The seeds' rules for report-back (DOMAIN.md §5) that a unit or the issuing office would notice: a report carries
every material its obligation asks for. Through the API, on a clock set to the plans' own dates."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from services.accounts.service import SYSTEM, OrganService, UserService
from services.documents.schemas import DraftInput
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, tiny_png
from tests.helpers.invariants import changes_nothing
from tests.helpers.plans import D, at, issue

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
    for files in (None, [("files", renamed)]):  # nothing attached; a text file renamed and claimed a JPEG
        with changes_nothing(runtime):
            r = _send(client, summary["id"], "zw-rmyy.drafter", files)
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "report_material_missing" and error["details"]["missing"] == ["活动照片"]
        assert error["message_zh"] == "报送材料不全，缺少：活动照片（须附至少一张图片）"
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
