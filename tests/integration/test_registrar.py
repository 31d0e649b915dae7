"""The registrar's gate before issuing (DOMAIN.md §1.5 发文: 复核 → 登记 → 印制 → 核发): seed 002 signed by its
three heads waits for 市民委's registrar, who confirms the text, registers the 分送范围, 印制份数 and 份号 (the
发文字号 is allocated then), records the three seals and releases it; then it is printed and distributed as before.
The 发文稿纸 shows every opinion in its box. Bad input and the wrong people change nothing."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from pypdf import PdfReader

from services.runtime import Runtime
from services.seed.texts import joint_notice
from tests.helpers.access_world import archive_year
from tests.helpers.clearance import clear
from tests.helpers.invariants import changes_nothing
from tests.helpers.joint_notice import HEADS, ISSUER_NAMES, draft_payload, organ_ids

Login = Callable[[str], dict[str, str]]
DEADLINE = dt.date.today() + dt.timedelta(days=10)
A = "/api/v1/documents"
OPINIONS = {"tzb.head": "同意。统战部", "xcb.head": "同意。宣传部", "mw.head": "同意印发"}


def pdf_text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace(" ", "").replace("\n", "")


def gate_on(client: TestClient, login: Login, on: bool = True) -> None:
    admin = login("admin")
    mw = organ_ids(client, admin)["zlt-mw"]
    r = client.put(f"/api/v1/organs/{mw}/registrar-gate", json={"registrar_gate": on}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["registrar_gate"] is on


def signed(client: TestClient, login: Login, drain: Callable[[], None], classification: str = "非密") -> int:
    """Seed 002 from draft to the last signature, each head writing an opinion."""
    drafter = login("mw.drafter")
    payload = draft_payload(client, drafter, DEADLINE)
    if classification != "非密":
        payload |= {"classification": classification, "secrecy_period": "1年"}
    r = client.post(A, json=payload, headers=drafter)
    assert r.status_code == 201, r.text
    doc_id = int(r.json()["id"])
    seed = joint_notice()
    files = {"file": (f"{seed.plan_title}.txt", seed.plan_text.encode(), "text/plain")}
    r = client.post(f"{A}/{doc_id}/attachments", files=files, data={"title": seed.plan_title}, headers=drafter)
    assert r.status_code == 201, r.text
    client.post(f"{A}/{doc_id}/submit", headers=drafter)
    drain()
    r = client.post(f"{A}/{doc_id}/review", json={"approve": True, "opinion": "格式规范，同意"},
                    headers=login("mw.reviewer"))  # fmt: skip
    assert r.status_code == 200, r.text
    for head in HEADS:
        r = client.post(f"{A}/{doc_id}/signoff", json={"approve": True, "opinion": OPINIONS[head]}, headers=login(head))
        assert r.status_code == 200, r.text
    return doc_id


def status(client: TestClient, login: Login, doc_id: int) -> str:
    return str(client.get(f"{A}/{doc_id}", headers=login("mw.drafter")).json()["status"])


def recipients(client: TestClient, login: Login, doc_id: int) -> list[int]:
    return [r["id"] for r in client.get(f"{A}/{doc_id}", headers=login("mw.registrar")).json()["recipients"]]


def seals(client: TestClient, login: Login) -> dict[str, str]:
    ids = organ_ids(client, login("admin"))
    return {str(ids[c]): p for c, p in (("zlt-tzb", "张敏"), ("zlt-xcb", "李华"), ("zlt-mw", "王芳"))}


def error(r: Any, status_code: int, code: str) -> None:
    assert r.status_code == status_code, r.text
    assert r.json()["error"]["code"] == code, r.text


def test_seed_002_waits_for_the_registrar_and_is_issued_after_recheck_registration_seal_and_release(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    gate_on(client, login)
    clear(runtime, "机密", "mw.drafter", "mw.reviewer", "mw.registrar", "jyj.drafter", *HEADS)
    doc_id = signed(client, login, drain, "机密")
    registrar = login("mw.registrar")
    drain()  # nothing automatic follows the third signature now
    assert status(client, login, doc_id) == "rechecking"
    assert [d["id"] for d in client.get("/api/v1/registrar/queue", headers=registrar).json()] == [doc_id]
    assert client.get("/api/v1/registrar/queue", headers=login("mw.drafter")).json() == []
    assert client.get(f"{A}/{doc_id}", headers=registrar).json()["doc_number"] is None

    r = client.post(f"{A}/{doc_id}/recheck", json={"opinion": "文字无误，可以编号"}, headers=registrar)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "registering"

    numbers = "000101-000103"
    body = {"recipients": recipients(client, login, doc_id), "copies": 3, "copy_numbers": numbers}
    with changes_nothing(runtime):  # only 市教育局 has someone cleared for 机密: the others are named, no number taken
        r = client.post(f"{A}/{doc_id}/register", json=body, headers=registrar)
    error(r, 409, "recipients_without_clearance")
    named = [o["name"] for o in r.json()["error"]["details"]["organs"]]
    assert "扎兰屯市卫生健康委员会" in named and "扎兰屯市教育局" not in named and "扎兰屯市卫生健康委员会" in r.json()[
        "error"]["message_zh"]  # fmt: skip
    body["confirm_recipients_without_clearance"] = True
    r = client.post(f"{A}/{doc_id}/register", json=body, headers=registrar)
    assert r.status_code == 200, r.text
    year = dt.date.today().year
    assert r.json()["doc_number"] == f"扎民委字〔{year}〕1号"
    assert r.json()["status"] == "sealing" and r.json()["printed_copies"] == 3

    r = client.post(f"{A}/{doc_id}/seal", json={"seals": seals(client, login)}, headers=registrar)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "releasing"
    record = client.get(f"{A}/{doc_id}/issue-record", headers=registrar).json()
    assert [(s["organ"], s["applied_by"]) for s in record["seals"]] == list(
        zip(ISSUER_NAMES, ("张敏", "李华", "王芳"), strict=True)
    )
    assert record["copy_numbers"] == ["000101", "000102", "000103"]

    with changes_nothing(runtime):  # 核发 names them again (clearances may have changed since 登记)
        error(client.post(f"{A}/{doc_id}/release", headers=registrar), 409, "recipients_without_clearance")
    r = client.post(f"{A}/{doc_id}/release", json={"confirm_recipients_without_clearance": True}, headers=registrar)
    assert r.status_code == 202, r.text
    events = client.get(f"{A}/{doc_id}/audit", headers=registrar).json()
    confirmed = [e for e in events if e["action"] in ("registered", "released")]
    assert (
        all("扎兰屯市卫生健康委员会" in e["detail"]["uncleared_recipients"] for e in confirmed) and len(confirmed) == 2
    )
    drain()
    assert status(client, login, doc_id) == "distributed"
    assert client.get(f"{A}/{doc_id}", headers=login("jyj.drafter")).status_code == 200  # reached its recipient

    # The issued text carries the first registered 份号; the print run one copy per registered 份号.
    assert "000101" in client.get(f"{A}/{doc_id}/html", headers=registrar).text
    printed = client.get(f"{A}/{doc_id}/print.pdf", headers=registrar)
    assert printed.status_code == 200, printed.text
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(printed.content)).pages]
    assert [n for n in ("000101", "000102", "000103") if any(n in p for p in pages)] == ["000101", "000102", "000103"]

    # Every step on the timeline, by its named user.
    events = client.get(f"{A}/{doc_id}/audit", headers=registrar).json()
    steps = [(e["action"], e["actor"]) for e in events if e["action"] in ("rechecked", "registered", "sealed",
                                                                               "released")]  # fmt: skip
    assert [a for a, _ in steps] == ["rechecked", "registered", "sealed", "released"]
    assert {n for _, n in steps} == {"市民委登记员"}

    # The 发文稿纸: every opinion in its box.
    sheet = client.get(f"{A}/{doc_id}/issuing-sheet.pdf", headers=registrar)
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    saved_as = sheet.headers["content-disposition"]  # opens in the browser, saves as '发文稿纸 文号 标题.pdf'
    assert saved_as.startswith("inline; ") and quote(f"发文稿纸 扎民委字〔{year}〕1号 ") in saved_as
    text = pdf_text(sheet.content)
    for expected in (
        "发文稿纸", "签发", "同意印发", "会签", "同意。统战部", "同意。宣传部", "核稿", "格式规范，同意",
        "拟稿", "市民委拟稿人", "复核", "文字无误，可以编号", "登记", f"扎民委字〔{year}〕1号", "用印", "张敏", "李华",
        "王芳", "印制份数", "000101—000103", "机密★1年", "民族团结进步活动月系列活动方案",
    ):  # fmt: skip
        assert expected.replace(" ", "") in text, expected
    # the lead organ's sheet; 签发 before 会签, each opinion beside its organ
    assert text.startswith("扎兰屯市民族事务委员会发文稿纸")
    assert text.index("同意印发") < text.index("同意。统战部")
    in_its_box(sheet.content)

    # filed as the 发文's 处理单 (HTML and PDF), the same sheet
    archive_year(runtime, year)
    filed = [k for k in runtime.store.list("archive/") if k.endswith("01-处理单.pdf") and "/Z001-" in k]
    assert len(filed) == 1, filed  # in the lead organ's 全宗 (the co-issuers keep copies in theirs)
    assert "同意印发" in pdf_text(runtime.store.get(filed[0])) and "000101—000103" in pdf_text(
        runtime.store.get(filed[0])
    )
    html = runtime.store.get(filed[0].replace(".pdf", ".html")).decode()
    assert "发文稿纸" in html and "文字无误，可以编号" in html and "@font-face" not in html


def in_its_box(pdf: bytes) -> None:
    """Each opinion lies in its box: right of its label, left of the next column's label, between its row's label
    and the next row's (the sheet is one A4 page)."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 1
        page = document.pages[0]

        def at(text: str) -> tuple[float, float]:
            """Where the text is; of several places (拟稿 and 拟稿人), the leftmost: labels are in the left columns."""
            found = page.search(re.escape(text), regex=True)
            assert found, text
            first = min(found, key=lambda m: float(m["x0"]))
            return float(first["x0"]), float(first["top"])

        boxes = [  # (content, its label, the label to its right or None, the label of the next row)
            ("同意印发", "签发", "会签", "核稿"),
            ("同意。统战部", "会签", None, "拟稿"),
            ("同意。宣传部", "会签", None, "拟稿"),
            ("格式规范，同意", "核稿", "拟稿", "标题"),
            ("市民委拟稿人", "拟稿", None, "标题"),
            ("文字无误，可以编号", "复核", "登记", "用印"),
            ("000101—000103", "份号", None, "复核"),
            ("张敏", "用印", None, None),
        ]
        for content, label, right, below in boxes:
            x, y = at(content)
            lx, ly = at(label)
            assert x > lx, (content, label)
            if right:
                assert x < at(right)[0], (content, right)
            if below:
                assert y < at(below)[1], (content, below)
            # top-aligned in its box: not above its row (the label is centred in the row)
            assert y > ly - 60, (content, label)


def test_a_substantive_change_at_recheck_goes_back_to_every_signer(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    gate_on(client, login)
    doc_id = signed(client, login, drain)
    registrar = login("mw.registrar")
    before = client.get(f"{A}/{doc_id}", headers=registrar).json()
    original = joint_notice().body
    body = original.replace("按时报送工作总结", "按时报送书面总结")
    assert body != original and "书面" not in original
    with changes_nothing(runtime):
        error(client.post(f"{A}/{doc_id}/recheck", json={"changed_body": body}, headers=registrar), 422,
              "reason_required")  # fmt: skip
    r = client.post(f"{A}/{doc_id}/recheck", json={"changed_body": body, "opinion": "“工作总结”改为“书面总结”"},
                    headers=registrar)  # fmt: skip
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["status"] == "signing"
    assert after["current_version"] == before["current_version"] + 1
    assert after["signing_round"] == before["signing_round"] + 1
    # each head is asked again, and sees exactly what changed
    view = client.get(f"{A}/{doc_id}/signing-view", headers=login("xcb.head")).json()
    assert view["last_seen_version"] == before["current_version"]
    assert "书面" in str(view["diff_since_last_seen"])
    for head in HEADS:
        r = client.post(f"{A}/{doc_id}/signoff", json={"approve": True}, headers=login(head))
        assert r.status_code == 200, r.text
    assert status(client, login, doc_id) == "rechecking"


def test_the_automatic_path_stays_for_an_organ_with_the_gate_off(
    client: TestClient, login: Login, drain: Callable[[], None]
) -> None:
    gate_on(client, login, on=True)
    gate_on(client, login, on=False)
    doc_id = signed(client, login, drain)
    drain()
    assert status(client, login, doc_id) == "distributed"
    assert client.get("/api/v1/registrar/queue", headers=login("mw.registrar")).json() == []
    error(client.post(f"{A}/{doc_id}/recheck", json={}, headers=login("mw.registrar")), 409, "registrar_step_not_due")


def test_the_wrong_people_and_bad_registrations_change_nothing(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    gate_on(client, login)
    clear(runtime, "机密", "mw.drafter", "mw.reviewer", "mw.registrar", "tzb.registrar", *HEADS)
    doc_id = signed(client, login, drain, "机密")
    registrar = login("mw.registrar")
    with changes_nothing(runtime):
        error(client.post(f"{A}/{doc_id}/recheck", json={}, headers=login("mw.drafter")), 403, "role_required")
        # another organ's registrar, who cannot read the document: as if it did not exist
        error(client.post(f"{A}/{doc_id}/recheck", json={}, headers=login("jyj.registrar")), 404,
              "document_not_found")  # fmt: skip
        # a co-issuer's registrar reads it but does not register the lead's document
        error(client.post(f"{A}/{doc_id}/recheck", json={}, headers=login("tzb.registrar")), 403,
              "not_issuing_office")  # fmt: skip
        error(client.post(f"{A}/{doc_id}/register", json={"recipients": [], "copies": 1}, headers=registrar), 409,
              "registrar_step_not_due")  # fmt: skip
        error(client.post(f"{A}/{doc_id}/release", headers=registrar), 409, "registrar_step_not_due")
    r = client.post(f"{A}/{doc_id}/recheck", json={"opinion": "无误"}, headers=registrar)
    assert r.status_code == 200, r.text
    to = recipients(client, login, doc_id)
    bad: list[tuple[dict[str, Any], int, str]] = [
        ({"recipients": to, "copies": 0, "copy_numbers": ""}, 422, "printed_copies_invalid"),
        ({"recipients": to, "copies": -3, "copy_numbers": ""}, 422, "printed_copies_invalid"),
        ({"recipients": to, "copies": 10**8, "copy_numbers": "000001"}, 422, "printed_copies_invalid"),
        ({"recipients": to, "copies": 2, "copy_numbers": ""}, 422, "copy_numbers_required"),
        ({"recipients": to, "copies": 2, "copy_numbers": "000001 000001"}, 422, "copy_numbers_duplicate"),
        ({"recipients": to, "copies": 2, "copy_numbers": "000001 12345"}, 422, "copy_number_invalid"),
        ({"recipients": to, "copies": 2, "copy_numbers": "000001 00000a"}, 422, "copy_number_invalid"),
        ({"recipients": to, "copies": 2, "copy_numbers": "000000 000001"}, 422, "copy_number_invalid"),
        ({"recipients": to, "copies": 2, "copy_numbers": "000001"}, 422, "copy_numbers_count"),
        ({"recipients": to, "copies": 2, "copy_numbers": "000001-999999"}, 422, "copy_numbers_count"),
        ({"recipients": to[1:], "copies": 2, "copy_numbers": "000001 000002"}, 422, "distribution_mismatch"),
        ({"recipients": [*to, to[0]], "copies": 2, "copy_numbers": "000001 000002"}, 422, "distribution_mismatch"),
        ({"recipients": to, "copies": 2, "copy_numbers": "0" * 200_001}, 422, "invalid_payload"),
    ]
    with changes_nothing(runtime):
        for body, code, name in bad:
            r = client.post(f"{A}/{doc_id}/register", json=body, headers=registrar)
            assert r.status_code == code and r.json()["error"]["code"] == name, (
                body["copy_numbers"][:30],
                r.text[:300],
            )
            assert re.search(r"[\u4e00-\u9fff]", r.json()["error"]["message_zh"])
    # full-width digits and 、, as a clerk types them
    typed = {"recipients": to, "copies": 2, "copy_numbers": "００００１１、000012",
             "confirm_recipients_without_clearance": True}  # fmt: skip
    r = client.post(f"{A}/{doc_id}/register", json=typed, headers=registrar)
    assert r.status_code == 200, r.text
    assert r.json()["doc_number"].endswith("〕1号")  # the refused registrations took no number
    # the second of two registrars at once finds the step done, and nothing changes
    with changes_nothing(runtime):
        r = client.post(f"{A}/{doc_id}/register", json={"recipients": to, "copies": 2, "copy_numbers": "000001 2"},
                        headers=registrar)  # fmt: skip
        error(r, 409, "registrar_step_not_due")
        some = dict(list(seals(client, login).items())[:2])
        error(client.post(f"{A}/{doc_id}/seal", json={"seals": some}, headers=registrar), 422, "seals_incomplete")
        blank = {k: " " for k in seals(client, login)}
        error(client.post(f"{A}/{doc_id}/seal", json={"seals": blank}, headers=registrar), 422, "seals_incomplete")
        foreign = seals(client, login) | {str(organ_ids(client, login("admin"))["zlt-jyj"]): "某人"}
        error(client.post(f"{A}/{doc_id}/seal", json={"seals": foreign}, headers=registrar), 422, "seals_incomplete")
        error(client.put("/api/v1/organs/1/registrar-gate", json={"registrar_gate": False}, headers=registrar), 403,
              "role_required")  # fmt: skip


def test_the_issuing_sheet_page_prints_on_a4_for_the_issuing_organs_only(
    client: TestClient, login: Login, drain: Callable[[], None]
) -> None:
    gate_on(client, login)
    doc_id = signed(client, login, drain)
    from tests.helpers.pages import page_login

    page_login(client, "mw.registrar")
    page = client.get(f"/documents/{doc_id}/issuing-sheet")
    assert page.status_code == 200, page.text
    assert "size: A4 portrait" in page.text and "发文稿纸" in page.text and OPINIONS["mw.head"] in page.text
    error(client.get(f"{A}/{doc_id}/issuing-sheet.pdf", headers=login("jyj.drafter")), 404, "document_not_found")


def test_the_registrar_walks_the_steps_through_the_pages(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    from tests.helpers.pages import page_login

    gate_on(client, login)
    doc_id = signed(client, login, drain)
    ids = organ_ids(client, login("admin"))
    to = recipients(client, login, doc_id)
    csrf = page_login(client, "mw.registrar")
    home = client.get("/")
    assert "待复核、登记、用印、核发（1）" in home.text and f"/documents/{doc_id}/recheck" in home.text
    queue = client.get("/registrar")
    assert queue.status_code == 200 and "复核" in queue.text and f"/documents/{doc_id}/recheck" in queue.text
    document = client.get(f"/documents/{doc_id}")
    assert f'href="/documents/{doc_id}/recheck"' in document.text and "发文稿纸" in document.text

    form = client.get(f"/documents/{doc_id}/recheck")
    assert form.status_code == 200 and 'name="csrf"' in form.text and "同意印发" in form.text
    # a form without its CSRF token is refused and changes nothing
    with changes_nothing(runtime):
        r = client.post(f"/documents/{doc_id}/recheck", data={"decision": "confirm"}, follow_redirects=False)
        assert r.status_code == 403, r.text
    r = client.post(f"/documents/{doc_id}/recheck", data={"csrf": csrf, "decision": "confirm", "opinion": "无误"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("msg=rechecked")

    register = client.get(f"/documents/{doc_id}/register")
    assert all(f'name="recipients" value="{i}" checked' in register.text for i in to)
    with changes_nothing(runtime):
        r = client.post(f"/documents/{doc_id}/register",
                        data={"csrf": csrf, "recipients": [str(i) for i in to], "copies": "十份"})  # fmt: skip
        assert r.status_code == 422 and "印制份数须为正整数" in r.text and "十份" in r.text
        r = client.post(f"/documents/{doc_id}/register",
                        data={"csrf": csrf, "recipients": [str(i) for i in to[1:]], "copies": "10"})  # fmt: skip
        assert r.status_code == 422 and "分送范围与签发稿的主送、抄送不一致" in r.text
    r = client.post(f"/documents/{doc_id}/register", data={"csrf": csrf, "recipients": [str(i) for i in to],
                    "copies": "10"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("msg=registered")

    seal = client.get(f"/documents/{doc_id}/seal")
    assert all(f'name="seal-{ids[c]}"' in seal.text for c in ("zlt-tzb", "zlt-xcb", "zlt-mw"))
    names = {f"seal-{ids[c]}": p for c, p in (("zlt-tzb", "张敏"), ("zlt-xcb", "李华"), ("zlt-mw", "王芳"))}
    with changes_nothing(runtime):
        r = client.post(f"/documents/{doc_id}/seal", data={"csrf": csrf, **names, f"seal-{ids['zlt-mw']}": ""})
        assert (r.status_code == 422 and "扎兰屯市民委" in r.text) or "市民委" in r.text
    r = client.post(f"/documents/{doc_id}/seal", data={"csrf": csrf, **names}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("msg=sealed")
    release = client.get(f"/documents/{doc_id}/release")
    assert "印制 10 份" in release.text and "王芳" in release.text
    r = client.post(f"/documents/{doc_id}/release", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("msg=released")
    drain()
    page = client.get(f"/documents/{doc_id}")
    for step in ("复核", "登记", "用印", "核发", "印制 10 份", "张敏", "核发分送"):
        assert step in page.text, step
    # a step page once the step is done says so and offers no form
    again = client.get(f"/documents/{doc_id}/register")
    assert "不能办理“登记”" in again.text and 'action="/documents/' not in again.text
