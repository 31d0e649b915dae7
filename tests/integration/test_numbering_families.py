"""Numbering by 文种 family (DOMAIN.md §2.3, §2.5): a 令 takes its 令号 and a 纪要 its 期号 from sequences of their
own, and an office going live sets where a sequence starts — never at or below a number already issued."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from search.analysis import find_doc_numbers
from services.context import Context
from services.documents.schemas import DraftInput
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD
from tests.helpers.invariants import changes_nothing
from tests.helpers.pages import page_login
from tests.helpers.plans import D, at, issue, organ_id, seed_001_draft
from tests.helpers.seeds import seed_subject

Login = Callable[[str], dict[str, str]]
ORDER_BODY = "《扎兰屯市城市绿化管理办法》已经市人民政府常务会议通过，现予公布，自公布之日起施行。"
MINUTES_BODY = "会议研究了城市绿化管理工作。\n出席：市长、副市长\n列席：市民委"


def _order(ctx: Context) -> DraftInput:
    return DraftInput.model_validate(
        {"doc_type": "命令", "title": "扎兰屯市人民政府令", "main_recipients": [organ_id(ctx, "zlt-jyj")],
         "body": ORDER_BODY}
    )  # fmt: skip


def _notice(ctx: Context) -> DraftInput:
    return DraftInput.model_validate(
        {"doc_type": "通知", "title": "扎兰屯市人民政府关于做好城市绿化工作的通知",
         "main_recipients": [organ_id(ctx, "zlt-jyj")], "body": "请各单位做好城市绿化工作。"}
    )  # fmt: skip


def _minutes(title: str) -> Callable[[Context], DraftInput]:
    return lambda ctx: DraftInput.model_validate({"doc_type": "纪要", "title": title, "body": MINUTES_BODY})


def _issue(runtime: Runtime, make: Callable[[Context], DraftInput]) -> int:
    return issue(runtime, "zf.drafter", make, ["zf.head"])


def _fresh(client: TestClient, username: str) -> dict[str, str]:
    """A login made now, on the test's clock (a token made a year earlier has expired)."""
    r = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _doc(client: TestClient, login: Login, doc_id: int) -> dict[str, Any]:
    return dict(client.get(f"/api/v1/documents/{doc_id}", headers=_fresh(client, "zf.drafter")).json())


def _html(client: TestClient, login: Login, doc_id: int) -> str:
    return str(client.get(f"/api/v1/documents/{doc_id}/html", headers=_fresh(client, "zf.drafter")).text)


def _sequences(client: TestClient, headers: dict[str, str], organ: int, year: int) -> dict[str, dict[str, Any]]:
    r = client.get(f"/api/v1/admin/organs/{organ}/numbering", params={"year": year}, headers=headers)
    assert r.status_code == 200, r.text
    return {s["label"]: s for s in r.json()}


def _organ(client: TestClient, headers: dict[str, str], code: str) -> int:
    return int(next(o["id"] for o in client.get("/api/v1/organs", headers=headers).json() if o["code"] == code))


@seed_subject
def test_an_office_going_live_at_17_issues_seed_001_with_its_own_number(
    client: TestClient, login: Login, runtime: Runtime, seeds_dir: Path
) -> None:
    """广卫 issued 16 documents on paper in 2022: set to start at 17, the plan comes out as the seed's 文号."""
    header = (seeds_dir / "001_fd6abae79f37e5e7.txt").read_text(encoding="utf-8")[:200]
    seed_number = find_doc_numbers(header)[0][0]
    at(runtime, D(2022, 5, 20))
    admin = login("admin")
    wjw = _organ(client, admin, "gy-wjw")
    prefix = _sequences(client, admin, wjw, 2022)["广卫发"]
    assert (prefix["highest_issued"], prefix["next_number"]) == (0, 1)
    r = client.put(
        f"/api/v1/admin/organs/{wjw}/numbering/prefixes/{prefix['prefix_id']}/next",
        json={"year": 2022, "next_number": 17},
        headers=admin,
    )
    assert r.status_code == 200 and r.json()["next_number"] == 17, r.text

    doc_id = issue(runtime, "gy-wjw.drafter", seed_001_draft, ["gy-wjw.head"])
    doc = client.get(f"/api/v1/documents/{doc_id}", headers=login("gy-wjw.drafter")).json()
    assert doc["doc_number"] == str(seed_number) == "广卫发〔2022〕17号"
    after = _sequences(client, admin, wjw, 2022)["广卫发"]
    assert (after["highest_issued"], after["next_number"]) == (17, 18)
    history = client.get("/api/v1/admin/history", headers=admin).json()
    event = next(e for e in history if e["action"] == "numbering_set")
    assert event["action_zh"] == "设置起始编号" and event["organ"] == "广元市卫生健康委员会"
    assert (event["detail"]["sequence"], event["detail"]["next_number"]) == ("广卫发〔2022〕", 17)


def test_a_ling_and_a_jiyao_take_their_own_numbers(client: TestClient, login: Login, runtime: Runtime) -> None:
    at(runtime, D(2026, 3, 2))
    first_order = _issue(runtime, _order)
    notice = _issue(runtime, _notice)
    second_order = _issue(runtime, _order)
    minutes = _issue(runtime, _minutes("扎兰屯市人民政府常务会议纪要"))
    numbers = [_doc(client, login, d)["doc_number"] for d in (first_order, notice, second_order, minutes)]
    assert numbers == [
        "扎兰屯市人民政府令第1号",  # the 令 series runs on across years: no year in its number
        "扎政发〔2026〕1号",  # the 发文 between them takes the 发文字号, and leaves the 令号 alone
        "扎兰屯市人民政府令第2号",
        "扎兰屯市人民政府纪要〔2026〕第1期",  # 纪要 restart each year
    ]
    order_page = _html(client, login, second_order)
    assert "第2号" in order_page and "扎政发" not in order_page
    assert "第1期" in _html(client, login, minutes)

    # Next January: the 令号 goes on, the 纪要 start again at 第1期, the 发文字号 at 1号.
    at(runtime, D(2027, 1, 5))
    numbers = [_doc(client, login, _issue(runtime, make))["doc_number"] for make in (_order, _notice)]
    numbers.append(_doc(client, login, _issue(runtime, _minutes("扎兰屯市人民政府常务会议纪要")))["doc_number"])
    assert numbers == ["扎兰屯市人民政府令第3号", "扎政发〔2027〕1号", "扎兰屯市人民政府纪要〔2027〕第1期"]


def test_a_meeting_series_set_by_the_admin_numbers_its_minutes(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    """Each meeting series of an organ has its 期号; a 纪要 names its series in its title."""
    at(runtime, D(2026, 6, 1))
    admin = login("admin")
    zf = _organ(client, admin, "zlt-zf")
    r = client.post(
        f"/api/v1/admin/organs/{zf}/numbering/series",
        json={"family": "期号", "name": "扎兰屯市人民政府常务会议纪要", "restart_yearly": True},
        headers=admin,
    )
    assert r.status_code == 201 and r.json()["next_number"] == 1, r.text
    series = r.json()["series_id"]
    series_url = f"/api/v1/admin/organs/{zf}/numbering/series/{series}"
    renamed = {"family": "期号", "name": "扎兰屯市人民政府常务会议纪要", "restart_yearly": True}
    r = client.put(series_url, json={**renamed, "name": "扎兰屯市政府常务会议纪要"}, headers=admin)
    assert r.status_code == 200 and r.json()["label"] == "扎兰屯市政府常务会议纪要", r.text
    assert client.put(series_url, json=renamed, headers=admin).status_code == 200  # unused: may change again
    r = client.put(
        f"/api/v1/admin/organs/{zf}/numbering/series/{series}/next",
        json={"year": 2026, "next_number": 9},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    standing = _issue(runtime, _minutes("扎兰屯市人民政府常务会议纪要"))
    other = _issue(runtime, _minutes("扎兰屯市人民政府专题会议纪要"))
    assert _doc(client, login, standing)["doc_number"] == "扎兰屯市人民政府常务会议纪要〔2026〕第9期"
    assert "第9期" in _html(client, login, standing)
    assert _doc(client, login, other)["doc_number"] == "扎兰屯市人民政府纪要〔2026〕第1期"  # not a 常务会议
    with changes_nothing(runtime):
        taken = client.post(
            f"/api/v1/admin/organs/{zf}/numbering/series",
            json={"family": "期号", "name": "扎兰屯市人民政府常务会议纪要", "restart_yearly": True},
            headers=admin,
        )
        no_year = client.put(
            f"/api/v1/admin/organs/{zf}/numbering/series/{series}/next", json={"next_number": 30}, headers=admin
        )
        in_use = client.put(series_url, json={**renamed, "restart_yearly": False}, headers=admin)
        other_family = client.put(series_url, json={**renamed, "family": "令号"}, headers=admin)
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "series_name_taken")
    assert (in_use.status_code, in_use.json()["error"]["code"]) == (409, "series_in_use")
    assert other_family.status_code == 422
    assert (no_year.status_code, no_year.json()["error"]["code"]) == (422, "year_required")


def test_the_next_number_is_never_at_or_below_one_issued(client: TestClient, login: Login, runtime: Runtime) -> None:
    at(runtime, D(2026, 3, 2))
    for _ in range(2):
        _issue(runtime, _notice)
    _issue(runtime, _order)
    admin = login("admin")
    zf = _organ(client, admin, "zlt-zf")
    seqs = _sequences(client, admin, zf, 2026)
    prefix, order = seqs["扎政发"]["prefix_id"], seqs["扎兰屯市人民政府令"]["series_id"]
    prefix_url = f"/api/v1/admin/organs/{zf}/numbering/prefixes/{prefix}/next"
    with changes_nothing(runtime):
        below = client.put(prefix_url, json={"year": 2026, "next_number": 2}, headers=admin)
        order_below = client.put(
            f"/api/v1/admin/organs/{zf}/numbering/series/{order}/next", json={"next_number": 1}, headers=admin
        )
        clerk = client.put(prefix_url, json={"year": 2026, "next_number": 40}, headers=login("zf.registrar"))
        other_organ = client.put(
            f"/api/v1/admin/organs/{_organ(client, admin, 'zlt-mw')}/numbering/prefixes/{prefix}/next",
            json={"year": 2026, "next_number": 40},
            headers=admin,
        )
        malformed = [
            client.put(prefix_url, json={"year": 2026, "next_number": value}, headers=admin)
            for value in (0, -5, 10**7, "十七", None)
        ]
        bad_year = client.put(prefix_url, json={"year": 99999, "next_number": 40}, headers=admin)
    assert (below.status_code, below.json()["error"]["code"]) == (409, "next_number_below_issued")
    refusal = below.json()["error"]
    assert refusal["details"]["highest_issued"] == 2 and "不能小于 3" in refusal["message_zh"]
    assert (order_below.status_code, order_below.json()["error"]["code"]) == (409, "next_number_below_issued")
    assert (clerk.status_code, clerk.json()["error"]["code"]) == (403, "role_required")
    assert other_organ.status_code == 404
    assert [m.status_code for m in malformed] == [422] * 5 and bad_year.status_code == 422

    # Exactly one above the highest is allowed; a gap the office chose is kept.
    r = client.put(prefix_url, json={"year": 2026, "next_number": 3}, headers=admin)
    assert r.status_code == 200 and r.json()["next_number"] == 3
    r = client.put(prefix_url, json={"year": 2026, "next_number": 10}, headers=admin)
    assert r.status_code == 200
    assert _doc(client, login, _issue(runtime, _notice))["doc_number"] == "扎政发〔2026〕10号"
    # Lowered again after a mistake, but not below what was issued since.
    assert client.put(prefix_url, json={"year": 2026, "next_number": 10}, headers=admin).status_code == 409
    assert client.put(prefix_url, json={"year": 2026, "next_number": 11}, headers=admin).status_code == 200


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="err-{field}">([^<]*)</p>', html)
    return found.group(1) if found else ""


def test_the_admin_sets_the_next_number_on_the_organ_page(client: TestClient, login: Login, runtime: Runtime) -> None:
    """In Chinese only: a refused number is shown at its field with what was typed; a good one is saved."""
    at(runtime, D(2026, 3, 2))
    _issue(runtime, _notice)
    zf = _organ(client, login("admin"), "zlt-zf")
    csrf = page_login(client, "admin")
    page = client.get(f"/admin/organs/{zf}?year=2026")
    assert page.status_code == 200 and "编号序列" in page.text and "扎政发" in page.text
    action = re.search(rf'action="/admin/organs/{zf}/numbering/prefixes/(\d+)"', page.text)
    assert action is not None
    key = f"next-prefix-{action.group(1)}"
    url = f"/admin/organs/{zf}/numbering/prefixes/{action.group(1)}"
    with changes_nothing(runtime):
        below = client.post(url, data={"csrf": csrf, "year": "2026", "next_number": "1"})
        words = client.post(url, data={"csrf": csrf, "year": "2026", "next_number": "十七"})
        no_csrf = client.post(url, data={"year": "2026", "next_number": "40"})
    assert below.status_code == 409 and "不能小于 2" in _field_error(below.text, key)
    assert f'id="{key}" name="next_number" inputmode="numeric" maxlength="7" size="8" value="1"' in below.text
    assert words.status_code == 422 and "阿拉伯数字" in _field_error(words.text, key) and 'value="十七"' in words.text
    assert "next_number" not in _field_error(words.text, key) and no_csrf.status_code == 403
    saved = client.post(url, data={"csrf": csrf, "year": "2026", "next_number": "１７"})  # full-width digits
    assert saved.status_code == 200 and "编号设置已保存" in saved.text and f'id="{key}"' in saved.text
    assert _doc(client, login, _issue(runtime, _notice))["doc_number"] == "扎政发〔2026〕17号"

    added = client.post(
        f"/admin/organs/{zf}/numbering/series",
        data={"csrf": csrf, "family": "令号", "series_name": "扎兰屯市人民政府令"},
    )
    assert added.status_code == 200 and "扎兰屯市人民政府令" in added.text and "跨年连续" in added.text
    again = client.post(
        f"/admin/organs/{zf}/numbering/series",
        data={"csrf": csrf, "family": "令号", "series_name": "扎兰屯市人民政府令"},
    )
    assert again.status_code == 409 and "已有名为" in _field_error(again.text, "series_name")
    clerk = page_login(client, "zf.registrar")
    refused = client.post(url, data={"csrf": clerk, "year": "2026", "next_number": "90"})
    assert refused.status_code == 403
