"""A document holding a character no installed font has is refused at 审核, the character named (U+XXXX and
itself), and never printed as a box: at the format checks after 提交 (the draft goes back to its drafter with the
reason), and when the reviewer approves (an organ's name changed since the checks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from services.domain.models import Organ
from services.runtime import Runtime
from tests.helpers.invariants import changes_nothing
from tests.helpers.joint_notice import create_with_plan, draft_payload
from tests.helpers.pages import page_login

Login = Callable[[str], dict[str, str]]
DEADLINE = dt.date.today() + dt.timedelta(days=20)
NO_FONT = "\U00030000"  # a CJK Ext-G ideograph: no installed face has it
MONGOLIAN = "ᠵᠠᠯᠠᠨᠲᠤ ᠰᠢ ᠪᠣᠯᠠᠭ ᠠᠨᠠᠨᠠᠭ"


def test_a_body_with_a_character_no_font_has_is_returned_naming_it(
    client: TestClient, login: Login, drain: Callable[[], None]
) -> None:
    drafter = login("mw.drafter")
    payload = draft_payload(client, drafter, DEADLINE)
    payload["body"] += f"请各单位于月底前报送（联系人：王{NO_FONT}）。"
    r = client.post("/api/v1/documents", json=payload, headers=drafter)
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    client.post(f"/api/v1/documents/{doc_id}/submit", headers=drafter)
    drain()
    doc = client.get(f"/api/v1/documents/{doc_id}", headers=drafter).json()
    assert doc["status"] == "returned"
    assert f"U+30000“{NO_FONT}”" in doc["returned_reason"]
    checks = client.get(f"/api/v1/documents/{doc_id}/versions", headers=drafter).json()[-1]["checks"]
    failed = next(c for c in checks if c["code"] == "unprintable_character")
    assert not failed["passed"] and failed["blocking"] and "U+30000" in failed["en"]


def test_approval_is_refused_when_a_character_became_unprintable(
    client: TestClient, login: Login, drain: Callable[[], None], runtime: Runtime
) -> None:
    """The organs' Mongolian names print (a fallback face has them); one renamed with a character no font has
    after the checks passed makes the reviewer's approval fail, naming it, and changes nothing."""
    drafter, reviewer = login("mw.drafter"), login("mw.reviewer")
    doc_id = create_with_plan(client, drafter, DEADLINE)
    with runtime.context() as ctx:
        for organ in ctx.session.scalars(select(Organ).where(Organ.code.in_(("zlt-mw", "zlt-tzb", "zlt-xcb")))):
            organ.name_alt = MONGOLIAN
    client.post(f"/api/v1/documents/{doc_id}/submit", headers=drafter)
    drain()
    assert client.get(f"/api/v1/documents/{doc_id}", headers=drafter).json()["status"] == "in_review"
    with runtime.context() as ctx:
        organ = ctx.session.scalars(select(Organ).where(Organ.code == "zlt-mw")).one()
        organ.name_alt = f"{MONGOLIAN}{NO_FONT}"
    with changes_nothing(runtime):
        r = client.post(f"/api/v1/documents/{doc_id}/review", json={"approve": True}, headers=reviewer)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "unprintable_character"
    assert f"U+30000“{NO_FONT}”" in error["message_zh"] and "U+30000" in error["message_en"]
    csrf = page_login(client, "mw.reviewer")
    page = client.post(f"/documents/{doc_id}/review", data={"decision": "approve", "csrf": csrf})
    assert page.status_code == 422 and f"U+30000“{NO_FONT}”在已安装的字库中没有字形" in page.text


def test_the_registrar_cannot_bring_in_or_number_an_unprintable_character(
    client: TestClient, login: Login, drain: Callable[[], None], runtime: Runtime
) -> None:
    """复核 cannot change the body to hold a character no font has; 登记 is refused, before a 文号 is taken,
    when an organ's name gained one since 审核."""
    from tests.integration.test_registrar import gate_on, recipients, signed

    gate_on(client, login)
    doc_id = signed(client, login, drain)
    registrar = login("mw.registrar")
    body = client.get(f"/api/v1/documents/{doc_id}/versions", headers=registrar).json()[-1]
    text = client.get(f"/api/v1/documents/{doc_id}/versions/{body['number']}/body", headers=registrar).text
    with changes_nothing(runtime):
        r = client.post(
            f"/api/v1/documents/{doc_id}/recheck",
            json={"changed_body": text + f"联系人：王{NO_FONT}。", "opinion": "补联系人"},
            headers=registrar,
        )
    assert r.status_code == 422 and r.json()["error"]["code"] == "unprintable_character", r.text
    r = client.post(f"/api/v1/documents/{doc_id}/recheck", json={"opinion": "文字无误"}, headers=registrar)
    assert r.json()["status"] == "registering", r.text
    with runtime.context() as ctx:
        organ = ctx.session.scalars(select(Organ).where(Organ.code == "zlt-xcb")).one()
        organ.name_alt = f"{MONGOLIAN}{NO_FONT}"
    registration = {"recipients": recipients(client, login, doc_id), "copies": 3}
    with changes_nothing(runtime):
        r = client.post(f"/api/v1/documents/{doc_id}/register", json=registration, headers=registrar)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "unprintable_character"
    assert f"U+30000“{NO_FONT}”" in r.json()["error"]["message_zh"]


def test_an_admin_gives_an_organ_its_mongolian_name_and_the_header_prints_it(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    """The organ's name in traditional Mongolian, set by an admin, is printed under its Chinese name in the 标志
    of its documents; a name holding a character no font has is refused, named, and changes nothing."""
    admin, drafter = login("admin"), login("mw.drafter")
    mw = next(o for o in client.get("/api/v1/organs", headers=admin).json() if o["code"] == "zlt-mw")
    with changes_nothing(runtime):
        r = client.patch(f"/api/v1/organs/{mw['id']}", json={"name_alt": f"{MONGOLIAN}{NO_FONT}"}, headers=admin)
    assert r.status_code == 422 and r.json()["error"]["code"] == "unprintable_character", r.text
    assert f"U+30000“{NO_FONT}”" in r.json()["error"]["message_zh"]
    r = client.patch(f"/api/v1/organs/{mw['id']}", json={"name_alt": f"  {MONGOLIAN} "}, headers=admin)
    assert r.status_code == 200 and r.json()["name_alt"] == MONGOLIAN, r.text
    doc_id = create_with_plan(client, drafter, DEADLINE)
    page_login(client, "mw.drafter")
    frame = client.get(f"/documents/{doc_id}/frame").text
    assert MONGOLIAN in frame and "GWMong" in frame
    r = client.patch(f"/api/v1/organs/{mw['id']}", json={"name": "扎兰屯市民族事务委员会"}, headers=admin)
    assert r.json()["name_alt"] == MONGOLIAN  # a change leaving name_alt out keeps it


def test_the_organ_page_sets_the_mongolian_name_and_names_a_missing_character(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    admin = login("admin")
    mw = next(o for o in client.get("/api/v1/organs", headers=admin).json() if o["code"] == "zlt-mw")
    csrf = page_login(client, "admin")
    form = {"csrf": csrf, "name": mw["name"], "short_name": mw["short_name"], "prefixes": "字=扎民委字，函=扎民委函"}
    with changes_nothing(runtime):
        r = client.post(f"/admin/organs/{mw['id']}", data={**form, "name_alt": f"{MONGOLIAN}{NO_FONT}"})
    assert r.status_code == 422 and f"U+30000“{NO_FONT}”在已安装的字库中没有字形" in r.text
    r = client.post(f"/admin/organs/{mw['id']}", data={**form, "name_alt": MONGOLIAN})
    assert r.status_code in (200, 303), r.text
    page = client.get(f"/admin/organs/{mw['id']}").text
    assert f'value="{MONGOLIAN}"' in page and "蒙古文名称" in page
