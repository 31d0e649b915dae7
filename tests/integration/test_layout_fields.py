"""What the layout needs from the record, through HTTP: 主送 as the drafter wrote it, the 签发人's own name (set
by an admin), 印发日期 as its own date, and a 涉密 document's print run with one 份号 per copy."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.helpers.joint_notice import organ_ids
from tests.helpers.pages import page_login

Login = Callable[[str], dict[str, str]]


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text().replace(" ", "").replace("\n", "") for page in PdfReader(io.BytesIO(pdf)).pages]


def _user_id(client: TestClient, headers: dict[str, str], username: str) -> int:
    users = client.get("/api/v1/users", headers=headers).json()
    return int(next(u["id"] for u in users if u["username"] == username))


def _cleared_users(client: TestClient, admin: dict[str, str]) -> Callable[[str], dict[str, str]]:
    """民委 staff cleared for 机密 (the example users are not), the head with the person's name set by the admin."""
    from services.seed.example import DEMO_PASSWORD

    organ = organ_ids(client, admin)["zlt-mw"]
    for name, role in (
        ("drafter", "drafter"),
        ("reviewer", "reviewer"),
        ("head", "signer"),
        ("registrar", "registrar"),
    ):
        body = {"username": f"mw.secret.{name}", "display_name": f"民委涉密{name}", "organ_id": organ,
                "roles": [role], "password": DEMO_PASSWORD, "clearance": "机密"}  # fmt: skip
        assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201

    def login(name: str) -> dict[str, str]:
        r = client.post("/api/v1/auth/login", json={"username": f"mw.secret.{name}", "password": DEMO_PASSWORD})
        return {"Authorization": f"Bearer {r.json()['token']}"}

    return login


def _request(client: TestClient, drafter: dict[str, str], copies: int) -> dict[str, object]:
    ids = organ_ids(client, drafter)
    return {
        "doc_type": "请示",
        "title": "关于请求拨付民族团结进步活动月专项经费的请示",
        "issue_form": "字",
        "main_recipients": [ids["zlt-sw"]],
        "main_recipients_text": "中共扎兰屯市委员会",
        "classification": "机密",
        "secrecy_period": "1年",
        "printed_copies": copies,
        "body": "为做好第41个全区民族团结进步活动月工作，拟申请专项经费2万元。妥否，请批示。",
    }


def _issue(client: TestClient, staff: Callable[[str], dict[str, str]], drain: Callable[[], None], copies: int) -> int:
    """The 机密 请示 drafted, checked, reviewed, signed and issued with ``copies`` printed copies."""
    drafter = staff("drafter")
    doc_id = int(client.post("/api/v1/documents", json=_request(client, drafter, copies), headers=drafter).json()["id"])
    confirm = {"confirm_recipients_without_clearance": True}  # its recipients have nobody cleared for 机密
    assert client.post(f"/api/v1/documents/{doc_id}/submit", json=confirm, headers=drafter).status_code == 200
    drain()
    client.post(f"/api/v1/documents/{doc_id}/review", json={"approve": True}, headers=staff("reviewer"))
    signed = client.post(f"/api/v1/documents/{doc_id}/signoff", json={"approve": True}, headers=staff("head"))
    assert signed.status_code == 200
    drain()
    return doc_id


def test_request_prints_the_person_the_recipients_as_written_and_its_copies(
    client: TestClient, login: Login, drain: Callable[[], None]
) -> None:
    admin = login("admin")
    staff = _cleared_users(client, admin)
    drafter = staff("drafter")
    head = _user_id(client, admin, "mw.secret.head")
    refused = client.patch(f"/api/v1/users/{head}", json={"person_name": "王帅"}, headers=drafter)
    assert refused.status_code == 403
    r = client.patch(f"/api/v1/users/{head}", json={"person_name": "王帅", "job_title": "主任"}, headers=admin)
    assert r.status_code == 200 and r.json()["person_name"] == "王帅"

    too_many = client.post("/api/v1/documents", json=_request(client, drafter, 0), headers=drafter)
    assert too_many.status_code == 422
    doc_id = _issue(client, staff, drain, 3)

    doc = client.get(f"/api/v1/documents/{doc_id}", headers=drafter).json()
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert doc["status"] in ("issued", "distributed")
    assert doc["main_recipients_text"] == "中共扎兰屯市委员会" and doc["printed_copies"] == 3
    assert doc["printed_on"] == today.isoformat()
    pages = _text(client.get(f"/api/v1/documents/{doc_id}/pdf", headers=drafter).content)
    assert "签发人：王帅" in pages[0]
    assert "中共扎兰屯市委员会：" in pages[0]
    assert pages[0].startswith("000001机密★1年")
    assert f"{today.year}年{today.month}月{today.day}日印发" in pages[-1]

    assert client.get(f"/api/v1/documents/{doc_id}/print.pdf", headers=drafter).status_code == 403
    run = client.get(f"/api/v1/documents/{doc_id}/print.pdf", headers=staff("registrar"))
    assert run.status_code == 200, run.text
    copies = _text(run.content)
    assert len(copies) == 3 * len(pages)
    numbers = [re.match(r"\d{6}", copies[i * len(pages)]) for i in range(3)]
    assert [m.group() if m else None for m in numbers] == ["000001", "000002", "000003"]
    part = client.get(f"/api/v1/documents/{doc_id}/print.pdf?first=2&last=3", headers=staff("registrar"))
    assert part.status_code == 200, part.text
    assert [t[:6] for t in _text(part.content)[:: len(pages)]] == ["000002", "000003"]
    for query in ("first=3&last=2", "first=2&last=4", "first=0", "last=999999"):
        r = client.get(f"/api/v1/documents/{doc_id}/print.pdf?{query}", headers=staff("registrar"))
        assert r.status_code == 422, (query, r.status_code)

    # The registrar prints from the document's page (its login opens the download); the drafter sees no such link.
    link = f"/api/v1/documents/{doc_id}/print.pdf"
    page_login(client, "mw.secret.registrar")
    assert link in client.get(f"/documents/{doc_id}").text
    assert len(_text(client.get(link).content)) == 3 * len(pages)
    page_login(client, "mw.secret.drafter")
    assert link not in client.get(f"/documents/{doc_id}").text


def test_six_hundred_registered_copies_print_in_one_streamed_run(
    client: TestClient, login: Login, drain: Callable[[], None]
) -> None:
    admin = login("admin")
    staff = _cleared_users(client, admin)
    head = _user_id(client, admin, "mw.secret.head")
    assert client.patch(f"/api/v1/users/{head}", json={"person_name": "王帅"}, headers=admin).status_code == 200
    doc_id = _issue(client, staff, drain, 600)
    with client.stream("GET", f"/api/v1/documents/{doc_id}/print.pdf", headers=staff("registrar")) as run:
        assert run.status_code == 200 and "content-length" not in run.headers  # sent as it is written
        disposition = run.headers["content-disposition"]
        assert disposition.startswith("attachment; ") and quote("印制 份号000001-000600 ") in disposition
        chunks = list(run.iter_raw())
    assert len(chunks) > 1
    copies = _text(b"".join(chunks))
    pages = len(copies) // 600
    assert len(copies) == 600 * pages and [t[:6] for t in copies[::pages]] == [f"{n:06d}" for n in range(1, 601)]
