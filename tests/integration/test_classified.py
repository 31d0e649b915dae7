"""Classified stays classified: 密级 is checked before every act, a report is as secret as its plan, recipients see
the issued text only, lists filter before their LIMIT, and every field survives every kind of save."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient

from services.runtime import Runtime
from services.seed.texts import joint_notice
from tests.helpers.clearance import clear
from tests.helpers.invariants import changes_nothing
from tests.helpers.joint_notice import HEADS, create_with_plan, draft_payload, obligation_id, organ_ids, report

Login = Callable[[str], dict[str, str]]
DEADLINE = dt.date.today() + dt.timedelta(days=10)


def _issue(client: TestClient, login: Login, drain: Callable[[], None], classification: str) -> int:
    """Seed 002, marked with a 密级, from draft to distributed."""
    drafter = login("mw.drafter")
    payload = draft_payload(client, drafter, DEADLINE) | {
        "classification": classification,
        "secrecy_period": "5年",
    }
    r = client.post("/api/v1/documents", json=payload, headers=drafter)
    assert r.status_code == 201, r.text
    doc_id = int(r.json()["id"])
    seed = joint_notice()
    files = {"file": (f"{seed.plan_title}.txt", seed.plan_text.encode(), "text/plain")}
    r = client.post(f"/api/v1/documents/{doc_id}/attachments", files=files, data={"title": seed.plan_title},
                    headers=drafter)  # fmt: skip
    assert r.status_code == 201, r.text
    confirm = {"confirm_recipients_without_clearance": True}  # most recipients have nobody cleared: knowingly
    assert client.post(f"/api/v1/documents/{doc_id}/submit", json=confirm, headers=drafter).status_code == 200
    drain()
    r = client.post(f"/api/v1/documents/{doc_id}/review", json={"approve": True}, headers=login("mw.reviewer"))
    assert r.status_code == 200, r.text
    for head in HEADS:
        r = client.post(f"/api/v1/documents/{doc_id}/signoff", json={"approve": True}, headers=login(head))
        assert r.status_code == 200, r.text
    drain()
    assert client.get(f"/api/v1/documents/{doc_id}", headers=drafter).json()["status"] == "distributed"
    return doc_id


def _not_found(response: object) -> None:
    r = response
    assert r.status_code == 404, r.text  # type: ignore[attr-defined]
    assert r.json()["error"]["code"] == "document_not_found", r.text  # type: ignore[attr-defined]


def test_a_recipient_without_clearance_can_neither_receive_nor_report(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    clear(runtime, "绝密", "mw.drafter", "mw.reviewer", *HEADS)
    doc_id = _issue(client, login, drain, "绝密")
    uncleared = login("jyj.drafter")
    summary = obligation_id(client, login("mw.drafter"), doc_id)
    with changes_nothing(runtime):
        _not_found(client.get(f"/api/v1/documents/{doc_id}", headers=uncleared))
        _not_found(client.post(f"/api/v1/documents/{doc_id}/receive", headers=uncleared))
        r = report(client, uncleared, summary, "总结", "正文")
        assert r.status_code == 404 and r.json()["error"]["code"] == "obligation_not_found", r.text
        unknown = report(client, uncleared, summary + 999, "总结", "正文")
        assert unknown.status_code == 404 and unknown.json() == {
            "error": {**r.json()["error"], "details": {"id": summary + 999}}
        }
        assert doc_id not in [d["id"] for d in client.get("/api/v1/documents", headers=uncleared).json()]
        inbox = client.get("/api/v1/inbox", headers=uncleared).json()
        assert not inbox["to_receive"] and not inbox["obligations_due"]
    rows = client.get(f"/api/v1/documents/{doc_id}/distribution", headers=login("mw.registrar"))
    assert rows.status_code == 404  # the registrar is not cleared for 绝密 either
    clear(runtime, "绝密", "mw.registrar")
    jyj = next(r for r in client.get(f"/api/v1/documents/{doc_id}/distribution", headers=login("mw.registrar")).json()
               if r["organ"] == "扎兰屯市教育局")  # fmt: skip
    assert jyj["received_at"] is None
    board = client.get(f"/api/v1/documents/{doc_id}/obligations/matrix", headers=login("mw.registrar")).json()
    # nobody at 教育局 may read it: shown apart (无相应密级人员), not as a unit that has not reported
    assert "扎兰屯市教育局" not in [u["organ"] for u in board["units"]]
    assert "扎兰屯市教育局" in [u["name"] for u in board["units_without_clearance"]]


def test_a_report_is_at_least_as_secret_as_its_plan(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    clear(runtime, "机密", "mw.drafter", "mw.reviewer", "jyj.drafter", *HEADS)
    doc_id = _issue(client, login, drain, "机密")
    r = report(client, login("jyj.drafter"), obligation_id(client, login("mw.drafter"), doc_id), "教育局总结",
               "机密总结正文。")  # fmt: skip
    assert r.status_code == 201, r.text
    reply = client.get(f"/api/v1/documents/{r.json()['reply_document_id']}", headers=login("mw.drafter")).json()
    assert reply["classification"] == "机密" and reply["secrecy_period"] == "5年"
    drain()
    assert client.get(f"/api/v1/documents/{reply['id']}", headers=login("mw.drafter")).status_code == 200
    _not_found(client.get(f"/api/v1/documents/{reply['id']}", headers=login("mw.registrar")))  # not cleared
    found = client.get("/api/v1/search", params={"q": "机密总结正文"}, headers=login("mw.registrar")).json()
    assert found["total"] == 0
    archivist = client.get("/api/v1/search", params={"q": "机密总结正文"}, headers=login("archivist")).json()
    assert [h["id"] for h in archivist["hits"]] == [reply["id"]]  # the archivist is cleared for 机密


def test_a_recipient_sees_the_issued_text_not_the_issuers_workings(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    from tests.helpers.joint_notice import issue

    doc_id = issue(client, login, drain, DEADLINE)
    jyj, wjw = login("jyj.drafter"), login("wjw.drafter")
    assert client.get(f"/api/v1/documents/{doc_id}", headers=jyj).status_code == 200
    assert client.get(f"/api/v1/documents/{doc_id}/pdf", headers=jyj).status_code == 200
    for path in ("versions", "versions/1/body", "diff?from=1&to=2", "signoffs", "signing-view", "distribution"):
        _not_found(client.get(f"/api/v1/documents/{doc_id}/{path}", headers=jyj))
    events = client.get(f"/api/v1/documents/{doc_id}/audit", headers=jyj).json()
    actions = {e["action"] for e in events}
    assert "distributed" in actions and not actions & {"review_approved", "signed", "countersigned", "save"}
    assert not any("opinion" in e["detail"] for e in events)
    # Each unit sees the obligations it owes and its own chases; the issuing office sees every unit's.
    summary = obligation_id(client, jyj, doc_id)
    every = client.get(f"/api/v1/documents/{doc_id}/obligations", headers=login("mw.registrar")).json()
    assert len(every[0]["owners"]) == 8
    client.post(f"/api/v1/obligations/{summary}/chase", json={}, headers=login("mw.registrar"))
    mine = client.get(f"/api/v1/obligations/{summary}/chases", headers=jyj).json()
    theirs = client.get(f"/api/v1/obligations/{summary}/chases", headers=wjw).json()
    jyj_id, wjw_id = organ_ids(client, jyj)["zlt-jyj"], organ_ids(client, jyj)["zlt-wjw"]
    assert {c["organ_id"] for c in mine} == {jyj_id} and {c["organ_id"] for c in theirs} == {wjw_id}
    assert len(client.get(f"/api/v1/obligations/{summary}/chases", headers=login("mw.registrar")).json()) == 8
    r = client.get(f"/api/v1/obligations/{summary}/chases", headers=login("gy-wjw.drafter"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "obligation_not_found"
    # Attachments of the issued version only: the plan's text is there, earlier versions are not.
    versions = client.get(f"/api/v1/documents/{doc_id}/versions", headers=login("mw.drafter")).json()
    issued = versions[-1]["attachments"][0]["id"]
    assert client.get(f"/api/v1/documents/{doc_id}/attachments/{issued}", headers=jyj).status_code == 200


def test_a_co_issuers_list_and_its_reads_agree(client: TestClient, login: Login, drain: Callable[[], None]) -> None:
    from tests.helpers.joint_notice import issue

    doc_id = issue(client, login, drain, DEADLINE)
    r = report(client, login("wjw.drafter"), obligation_id(client, login("wjw.drafter"), doc_id), "卫健委总结",
               "义诊十二场。")  # fmt: skip
    reply_id = r.json()["reply_document_id"]
    head = login("tzb.head")  # a co-issuer of the plan
    listed = [d["id"] for d in client.get("/api/v1/documents", headers=head).json()]
    opened = client.get(f"/api/v1/documents/{reply_id}", headers=head).status_code
    assert (reply_id in listed) == (opened == 200) and opened == 200


def test_lists_filter_by_clearance_before_the_limit(client: TestClient, login: Login, runtime: Runtime) -> None:
    clear(runtime, "秘密", "mw.drafter")
    drafter = login("mw.drafter")
    ids = organ_ids(client, drafter)
    for n in range(8):
        secret = n < 5
        payload = {"doc_type": "通知", "title": f"关于事项{n}的通知", "issue_form": "字", "body": "正文。",
                   "main_recipients": [ids["zlt-jyj"]], "classification": "秘密" if secret else "非密",
                   "secrecy_period": "1年" if secret else None}  # fmt: skip
        assert client.post("/api/v1/documents", json=payload, headers=drafter).status_code == 201
    seen = client.get("/api/v1/documents", params={"limit": 3}, headers=login("mw.reviewer")).json()
    assert [d["title"] for d in seen] == ["关于事项7的通知", "关于事项6的通知", "关于事项5的通知"]


def test_nobody_drafts_above_their_own_clearance(client: TestClient, login: Login, runtime: Runtime) -> None:
    drafter = login("mw.drafter")
    payload = {"doc_type": "通知", "title": "关于绝密事项的通知", "issue_form": "字", "body": "正文。",
               "classification": "绝密", "secrecy_period": "长期"}  # fmt: skip
    with changes_nothing(runtime):
        r = client.post("/api/v1/documents", json=payload, headers=drafter)
        assert r.status_code == 422 and r.json()["error"]["code"] == "classification_above_clearance"


def test_every_field_survives_a_body_upload(client: TestClient, login: Login, runtime: Runtime) -> None:
    drafter = login("mw.drafter")
    payload = draft_payload(client, drafter, DEADLINE)
    payload["release_scope"] = "主动公开"
    payload["obligations"][0]["method"] = "报送至扎兰屯市民族事务委员会3010室"
    doc_id = client.post("/api/v1/documents", json=payload, headers=drafter).json()["id"]
    r = client.put(
        f"/api/v1/documents/{doc_id}/body",
        files={"file": ("body.txt", "新的正文。".encode(), "text/plain")},
        data={"base_version": "1"},
        headers=drafter,
    )
    assert r.status_code == 200, r.text
    versions = client.get(f"/api/v1/documents/{doc_id}/versions", headers=drafter).json()
    before, after = versions[0]["fields"], versions[1]["fields"]
    assert after == before and after["release_scope"] == "主动公开"
    assert after["obligations"][0]["method"] == "报送至扎兰屯市民族事务委员会3010室"
    body = client.get(f"/api/v1/documents/{doc_id}/versions/2/body", headers=drafter).text
    assert body == "新的正文。"


def test_a_stale_save_is_refused_and_the_editor_shows_both_texts(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    from tests.helpers.pages import page_login

    drafter = login("mw.drafter")
    doc_id = create_with_plan(client, drafter, DEADLINE)  # version 2
    payload = draft_payload(client, drafter, DEADLINE) | {"body": "甲的修改。", "base_version": 2}
    assert client.put(f"/api/v1/documents/{doc_id}", json=payload, headers=drafter).status_code == 200
    stale = payload | {"body": "乙的修改。"}
    with changes_nothing(runtime):
        r = client.put(f"/api/v1/documents/{doc_id}", json=stale, headers=drafter)
        assert r.status_code == 409 and r.json()["error"]["code"] == "version_conflict"
        assert r.json()["error"]["details"] == {"current_version": 3, "base_version": 2}
        missing = {k: v for k, v in stale.items() if k != "base_version"}
        r = client.put(f"/api/v1/documents/{doc_id}", json=missing, headers=drafter)
        assert r.status_code == 422 and r.json()["error"]["code"] == "base_version_required"
    csrf = page_login(client, "mw.drafter")
    form = {"csrf": csrf, "doc_type": "通知", "title": payload["title"], "issue_form": "字", "body": "乙的修改。",
            "classification": "非密", "urgency": "普通", "base_version": "2"}  # fmt: skip
    with changes_nothing(runtime):
        page = client.post(f"/documents/{doc_id}/edit", data=form)
    assert page.status_code == 409 and "草稿已被他人修改" in page.text
    assert "<del>甲</del>的修改" in page.text and "<ins>乙</ins>的修改" in page.text
    assert "他人已保存了第 3 版" in page.text
    assert 'name="base_version" value="3"' in page.text  # saving again is deliberate, on top of version 3


def test_unknown_and_forbidden_ids_answer_alike(client: TestClient, login: Login) -> None:
    drafter = login("mw.drafter")
    ids = organ_ids(client, drafter)
    payload = {"doc_type": "通知", "title": "关于内部事项的通知", "issue_form": "字", "body": "正文。",
               "main_recipients": [ids["zlt-jyj"]]}  # fmt: skip
    doc_id = client.post("/api/v1/documents", json=payload, headers=drafter).json()["id"]
    other = login("gy-wjw.drafter")
    forbidden = client.get(f"/api/v1/documents/{doc_id}", headers=other)
    unknown = client.get("/api/v1/documents/999999", headers=other)
    assert forbidden.status_code == unknown.status_code == 404
    assert forbidden.json()["error"]["code"] == unknown.json()["error"]["code"] == "document_not_found"
