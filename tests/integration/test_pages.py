"""The pages over real HTTP: login, CSRF, what each user may see, bad forms, and user text always escaped."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.domain.models import Document, User
from services.runtime import Runtime
from tests.helpers.clearance import clear
from tests.helpers.invariants import changes_nothing
from tests.helpers.joint_notice import draft_payload, obligation_id, organ_ids, report
from tests.helpers.pages import page_login

Login = Callable[[str], dict[str, str]]
SCRIPT = '<script>alert("公文")</script>'
DEADLINE = dt.date.today() + dt.timedelta(days=15)


def test_pages_need_a_login_and_come_back_after_it(client: TestClient) -> None:
    r = client.get("/documents?status=draft", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fdocuments%3Fstatus%3Ddraft"
    form = client.get(r.headers["location"])
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    wrong = client.post("/login", data={"csrf": csrf, "username": "mw.drafter", "password": "nope", "next": "/x"})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text and "wrong username or password" in wrong.text
    ok = client.post(
        "/login",
        data={"csrf": csrf, "username": "mw.drafter", "password": "gongwen-demo", "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert ok.headers["location"] == "/"  # never off this site


def test_a_form_without_this_browsers_csrf_token_changes_nothing(client: TestClient, runtime: Runtime) -> None:
    page_login(client, "mw.drafter")
    form = {"doc_type": "通知", "title": "关于测试的通知", "issue_form": "字", "body": "正文。"}
    with changes_nothing(runtime):
        for token in (None, "forged-token"):
            data = form if token is None else {**form, "csrf": token}
            r = client.post("/documents/new", data=data)
            assert r.status_code == 403
            assert "csrf_failed" in r.text and "表单已过期或来自其他网站" in r.text and "another site" in r.text
        # The login cookie alone cannot change anything through the API either.
        r = client.post("/api/v1/documents", json={**form, "issuers": []})
        assert r.status_code == 401 and r.json()["error"]["code"] == "login_required"


def test_an_error_page_keeps_the_navigation_of_whoever_met_it(client: TestClient, runtime: Runtime) -> None:
    """A refused page is no dead end: the signed-in clerk's menu and name stay on it, with a way back."""
    page_login(client, "mw.drafter")
    r = client.get("/documents/999999", headers={"referer": "http://testserver/documents"})
    assert r.status_code == 404 and "公文不存在" in r.text
    nav = r.text[r.text.index('<nav aria-label="主导航">') : r.text.index("</nav>")]
    assert 'href="/documents/new"' in nav  # the drafter's own menu, 拟稿 included
    assert 'href="http://testserver/documents">返回</a>' in r.text
    with runtime.context(write=False) as ctx:
        drafter = ctx.session.scalar(select(User).where(User.username == "mw.drafter"))
        assert drafter is not None and drafter.display_name in r.text
    client.cookies.clear()
    anonymous = client.get("/documents/999999", follow_redirects=False)
    assert anonymous.status_code == 303  # nobody signed in: the login page, as before


def test_a_draft_that_does_not_validate_is_shown_again_with_everything_typed(
    client: TestClient, runtime: Runtime
) -> None:
    csrf = page_login(client, "mw.drafter")
    body = "一、总体要求\n这是一段还没有标题的草稿正文，不能丢。"
    with changes_nothing(runtime):
        r = client.post(
            "/documents/new",
            data={
                "csrf": csrf,
                "doc_type": "通知",
                "title": "",
                "issue_form": "字",
                "body": body,
                "ob-0-title": "工作总结",
                "ob-0-due_on": "明天",
            },
        )
    assert r.status_code == 422
    assert "草稿未保存" in r.text and "请填写标题" in r.text and "第 1 项反馈事项的截止日期不是有效的日期" in r.text
    assert 'id="title" name="title" value=""' in r.text and 'aria-describedby="hint-title err-title"' in r.text
    assert 'value="工作总结"' in r.text  # the obligation typed is shown again too
    assert "这是一段还没有标题的草稿正文，不能丢。" in r.text


def test_user_text_is_escaped_on_every_page(
    client: TestClient, login: Login, drain: Callable[[], None], runtime: Runtime
) -> None:
    drafter = login("mw.drafter")
    payload = draft_payload(client, drafter, DEADLINE)
    payload |= {"title": f"关于{SCRIPT}的通知", "body": payload["body"] + SCRIPT, "remark": SCRIPT}
    payload["attachment_notes"] = [SCRIPT]
    doc_id = client.post("/api/v1/documents", json=payload, headers=drafter).json()["id"]
    files = {"file": (f"{SCRIPT}.txt", f"附件正文{SCRIPT}".encode(), "text/plain")}
    client.post(f"/api/v1/documents/{doc_id}/attachments", files=files, data={"title": SCRIPT}, headers=drafter)
    own = ["", "/edit", "/versions", "/frame"]
    seen = _pages_of(client, "mw.drafter", ["/", *(f"/documents/{doc_id}{tail}" for tail in own)])
    client.post(f"/api/v1/documents/{doc_id}/submit", headers=drafter)
    drain()
    assert client.get(f"/api/v1/documents/{doc_id}", headers=drafter).json()["status"] == "in_review"
    seen += _pages_of(client, "mw.reviewer", [f"/documents/{doc_id}/review"])
    client.post(f"/api/v1/documents/{doc_id}/review", json={"approve": True}, headers=login("mw.reviewer"))
    seen += _pages_of(client, "tzb.head", [f"/documents/{doc_id}/sign", "/"])
    for head in ("tzb.head", "xcb.head", "mw.head"):
        client.post(
            f"/api/v1/documents/{doc_id}/signoff", json={"approve": True, "opinion": SCRIPT}, headers=login(head)
        )
    drain()
    summary = obligation_id(client, drafter, doc_id)
    assert report(client, login("jyj.drafter"), summary, f"总结{SCRIPT}", SCRIPT).status_code == 201
    drain()
    seen += _pages_of(client, "jyj.drafter", ["/", f"/documents/{doc_id}", f"/documents/{doc_id}/frame"])
    seen += _pages_of(client, "mw.registrar", [f"/documents/{doc_id}/distribution", f"/documents/{doc_id + 1}"])
    seen += _pages_of(client, "archivist", ["/search?q=民族团结", "/documents"])
    page_login(client, "jyj.drafter")  # a recipient does not see how the other units answered
    assert client.get(f"/documents/{doc_id}/distribution").status_code == 404
    assert client.get(f"/api/v1/documents/{doc_id}/distribution", headers=login("jyj.drafter")).status_code == 404
    for path, html in seen:
        assert "<script>alert" not in html, path
    escaped = [path for path, html in seen if "&lt;script&gt;alert(" in html]
    assert len(escaped) >= 12, escaped  # the text is there, as text


def _pages_of(client: TestClient, username: str, paths: list[str]) -> list[tuple[str, str]]:
    page_login(client, username)
    found = []
    for path in paths:
        r = client.get(path)
        assert r.status_code == 200, (username, path, r.text[:500])
        found.append((path, r.text))
    return found


def test_pages_show_nothing_a_user_may_not_see(client: TestClient, login: Login, runtime: Runtime) -> None:
    clear(runtime, "秘密", "mw.drafter")
    drafter = login("mw.drafter")
    ids = organ_ids(client, drafter)
    secret = {"doc_type": "通知", "title": "关于秘密事项的通知", "issue_form": "字", "body": "秘密正文。",
              "classification": "秘密", "main_recipients": [ids["zlt-jyj"]]}  # fmt: skip
    r = client.post("/api/v1/documents", json=secret, headers=drafter)
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    page_login(client, "gy-wjw.drafter")  # another city's organ
    r = client.get(f"/documents/{doc_id}")
    assert r.status_code == 404 and "秘密事项" not in r.text and "document_not_found" in r.text
    assert "秘密事项" not in client.get(f"/documents/{doc_id}/frame").text
    assert client.get("/admin").status_code == 403
    assert client.get("/archive").status_code == 403
    page_login(client, "mw.reviewer")  # same organ, no clearance for 秘密
    assert "秘密事项" not in client.get("/documents").text
    with runtime.context() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Document)) == 1


def test_admin_adds_an_organ_with_its_prefixes_and_a_user(client: TestClient) -> None:
    csrf = page_login(client, "admin")
    r = client.post(
        "/admin/organs",
        data={
            "csrf": csrf,
            "code": "zlt-mzj",
            "name": "扎兰屯市民政局",
            "short_name": "市民政局",
            "prefixes": "发=扎民政发，函=扎民政函",
        },
    )
    assert r.status_code == 200 and "机关已添加" in r.text
    assert "发：扎民政发" in r.text and "函：扎民政函" in r.text
    bad = client.post(
        "/admin/organs", data={"csrf": csrf, "code": "x", "name": "某局", "short_name": "某", "prefixes": "扎某发"}
    )
    assert bad.status_code == 422 and "prefix_format" not in bad.text and "发文形式=代字" in bad.text
    organ_id = re.search(r'<option value="(\d+)">扎兰屯市民政局</option>', r.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/admin/users",
        data={"csrf": csrf, "username": "mzj.drafter", "display_name": "民政局拟稿人", "organ_id": organ_id,
              "clearance": "非密", "password": "long-enough-1", "roles": ["drafter"]},
    )  # fmt: skip
    assert "用户已添加" in r.text and "mzj.drafter" in r.text


def test_archivist_starts_a_run_watches_it_and_reads_catalogue_package_and_fixity(
    client: TestClient, runtime: Runtime, drain: Callable[[], None]
) -> None:
    from tests.helpers.archive_data import make_year

    make_year(runtime, 2025, 6)
    csrf = page_login(client, "archivist")
    r = client.post("/archive/runs", data={"csrf": csrf, "year": "2025"}, follow_redirects=False)
    run_url = r.headers["location"].split("?")[0]
    running = client.get(run_url)
    assert "进行中" in running.text and 'http-equiv="refresh"' in running.text
    drain()
    done = client.get(run_url)
    assert "已完成" in done.text and "refresh" not in done.text and "全部通过四性检测" in done.text
    assert "四性检测" in done.text and "编目" in done.text  # per-stage timing
    catalogue = client.get("/archive/years/2025")
    codes = re.findall(r'href="/archive/items/([^"]+)"', catalogue.text)
    assert len(codes) == 3 and "共 3 件" in catalogue.text  # 市民委's three of the nine: its archivist's 全宗
    assert all(re.fullmatch(r"Z001-WS·2025-(Y|D30|D10)-[A-Z]+-\d{4}", c) for c in codes), codes
    d30 = client.get("/archive/years/2025", params={"retention": "D30"})
    assert 0 < len(re.findall(r'href="/archive/items/', d30.text)) <= 3
    item = client.get(f"/archive/items/{codes[0]}")
    assert "01-正本.pdf" in item.text and "真实性" in item.text and "manifest" not in item.text.split("<main")[0]
    home = client.get("/archive")
    assert "2025" in home.text and "#1" in home.text
    client.post("/archive/fixity", data={"csrf": csrf})
    drain()
    fixity = client.get("/archive/fixity")
    assert "全部一致" in fixity.text and ">3<" in fixity.text  # the archivist's 全宗: its three 件
    bad = client.post("/archive/runs", data={"csrf": csrf, "year": "3000"})
    assert bad.status_code == 422 and "archive_year_invalid" in bad.text


def test_a_user_changes_their_password_and_other_logins_end(client: TestClient, login: Login) -> None:
    other_device = login("mw.drafter")
    csrf = page_login(client, "mw.drafter")
    wrong = client.post(
        "/account/password", data={"csrf": csrf, "current": "nope", "new": "a-new-secret", "repeat": "a-new-secret"}
    )
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.text
    differ = client.post(
        "/account/password", data={"csrf": csrf, "current": "gongwen-demo", "new": "a-new-secret", "repeat": "other"}
    )
    assert differ.status_code == 422 and "两次输入的新密码不一致" in differ.text
    r = client.post(
        "/account/password",
        data={"csrf": csrf, "current": "gongwen-demo", "new": "a-new-secret", "repeat": "a-new-secret"},
    )
    assert r.status_code == 200 and "密码已修改" in r.text  # still logged in here
    assert client.get("/api/v1/me", headers=other_device).status_code == 401  # the other login ended
    assert (
        client.post("/api/v1/auth/login", json={"username": "mw.drafter", "password": "gongwen-demo"}).status_code
        == 401
    )
    assert (
        client.post("/api/v1/auth/login", json={"username": "mw.drafter", "password": "a-new-secret"}).status_code
        == 200
    )


def test_the_todo_lists_the_organs_drafts_newest_first_and_to_no_one_else(client: TestClient, login: Login) -> None:
    """本机关草稿 on the 待办: the drafter's organ's drafts, newest first; not to its reviewer (who does not draft)
    and not to another organ's drafter."""
    drafter = login("mw.drafter")
    titles = ["关于草稿排序第一件的通知", "关于草稿排序第二件的通知"]
    for title in titles:
        r = client.post(
            "/api/v1/documents", json={**draft_payload(client, drafter, DEADLINE), "title": title}, headers=drafter
        )
        assert r.status_code == 201, r.text
    page_login(client, "mw.drafter")
    todo = client.get("/").text
    assert "本机关草稿" in todo and todo.index(titles[1]) < todo.index(titles[0])
    for other in ("mw.reviewer", "jyj.drafter"):
        client.cookies.clear()
        page_login(client, other)
        seen = client.get("/").text
        assert "本机关草稿" not in seen and titles[0] not in seen, other
