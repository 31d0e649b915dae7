"""An office goes live: a fresh home without example data, the first administrator from the command line or the
one-time setup page, then organs, departments and people kept in the pages — each change in the audit chain —
and the refusals that protect the office from its own administrators."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.accounts import setup
from services.audit.chain import verify
from services.audit.service import ADMINISTRATIVE
from services.domain.models import AuditEvent, AuthToken, User
from services.runtime import Runtime
from tests.helpers.cli import run_cli
from tests.helpers.pages import page_login, session_csrf

ADMIN_PASSWORD = "Office-head-2026"
ORGAN = "扎兰屯市民族事务委员会"


@pytest.fixture
def fresh(runtime: Runtime) -> Iterator[TestClient]:
    """The app on a home with no example data: no organ, no user but what a test makes."""
    from services.app import create_app

    with TestClient(create_app(runtime.settings, runtime)) as c:
        yield c


def make_admin(runtime: Runtime, username: str = "chief", password: str = ADMIN_PASSWORD) -> None:
    args = ["admin", "create", username, "--person-name", "李明", "--organ", ORGAN, "--organ-short-name", "市民委"]
    result = run_cli(runtime, *args, "--password-stdin", input=password + "\n")
    assert result.exit_code == 0, result.output


def api_login(client: TestClient, username: str, password: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def add_user(
    client: TestClient, admin: dict[str, str], username: str, roles: list[str], password: str, **more: object
) -> dict[str, object]:
    """A user made by an admin through the API, in the admin's own organ unless ``organ_id`` is given."""
    organ_id = more.pop("organ_id", None) or client.get("/api/v1/me", headers=admin).json()["organ_id"]
    body = {"username": username, "display_name": username, "organ_id": organ_id, "roles": roles, "password": password}
    made = client.post("/api/v1/users", headers=admin, json=body | more)
    assert made.status_code == 201, made.text
    return dict(made.json())


def admin_actions(runtime: Runtime) -> list[str]:
    with runtime.context(write=False) as ctx:
        query = select(AuditEvent.action).where(AuditEvent.action.in_(ADMINISTRATIVE)).order_by(AuditEvent.id)
        return list(ctx.session.scalars(query))


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="err-{field}">([^<]*)</p>', html)
    return found.group(1) if found else ""


def test_an_office_goes_live_from_an_empty_home(fresh: TestClient, runtime: Runtime) -> None:
    weak = run_cli(
        runtime,
        "admin",
        "create",
        "chief",
        "--person-name",
        "李明",
        "--organ",
        ORGAN,
        "--password-stdin",
        input="12345678\n",
    )
    assert weak.exit_code != 0 and "password_weak" in weak.output
    with runtime.context(write=False) as ctx:
        assert ctx.session.scalar(select(User).where(User.username == "chief")) is None  # the refusal changed nothing
    make_admin(runtime)

    csrf = page_login(fresh, "chief", ADMIN_PASSWORD)
    r = fresh.post(
        "/admin/organs",
        data={
            "csrf": csrf,
            "code": "zlt-jyj",
            "name": "扎兰屯市教育局",
            "short_name": "市教育局",
            "prefixes": "发=扎教发",
        },
    )
    assert r.status_code == 200 and "机关已添加" in r.text
    organ_id = int(re.search(r'<a href="/admin/organs/(\d+)">扎兰屯市教育局</a>', r.text).group(1))  # type: ignore[union-attr]
    r = fresh.post(f"/admin/organs/{organ_id}/departments", data={"csrf": csrf, "name": "基础教育股"})
    assert "科室已保存" in r.text and 'value="基础教育股"' in r.text
    department_id = int(re.search(r'action="/admin/departments/(\d+)"', r.text).group(1))  # type: ignore[union-attr]
    r = fresh.post(
        "/admin/users",
        data={
            "csrf": csrf,
            "username": "jyj.clerk",
            "display_name": "王芳",
            "organ_id": str(organ_id),
            "clearance": "非密",
            "password": "Desk-pass-77",
            "roles": ["drafter"],
        },
    )
    assert "用户已添加" in r.text
    user_id = int(re.search(r'<a href="/admin/users/(\d+)">jyj.clerk</a>', r.text).group(1))  # type: ignore[union-attr]

    profile = {
        "csrf": csrf,
        "display_name": "王芳",
        "person_name": "",
        "job_title": "股长",
        "organ_id": str(organ_id),
        "department_id": str(department_id),
        "clearance": "机密",
        "roles": ["drafter", "registrar"],
    }
    r = fresh.post(f"/admin/users/{user_id}", data=profile)
    assert "用户信息已保存" in r.text
    clerk = api_login(fresh, "jyj.clerk", "Desk-pass-77")
    me = fresh.get("/api/v1/me", headers=clerk).json()
    assert (me["clearance"], me["roles"], me["department_id"]) == ("机密", ["drafter", "registrar"], department_id)

    r = fresh.post(f"/admin/users/{user_id}/disable", data={"csrf": csrf})
    assert "已停用该用户" in r.text
    assert fresh.get("/api/v1/me", headers=clerk).status_code == 401  # the login ended at once
    refused = fresh.post("/api/v1/auth/login", json={"username": "jyj.clerk", "password": "Desk-pass-77"})
    assert refused.status_code == 401
    assert "已启用该用户" in fresh.post(f"/admin/users/{user_id}/enable", data={"csrf": csrf}).text

    r = fresh.post(f"/admin/users/{user_id}/password-reset", data={"csrf": csrf, "password": ""})
    temporary = re.search(r'<code class="once">([^<]+)</code>', r.text).group(1)  # type: ignore[union-attr]
    assert (
        fresh.post("/api/v1/auth/login", json={"username": "jyj.clerk", "password": "Desk-pass-77"}).status_code == 401
    )
    clerk = api_login(fresh, "jyj.clerk", temporary)
    blocked = fresh.get("/api/v1/documents", headers=clerk)
    assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "password_change_required"
    changed = fresh.post("/api/v1/me/password", json={"current": temporary, "new": "Desk-new-pass-88"}, headers=clerk)
    assert changed.status_code == 204
    assert fresh.get("/api/v1/documents", headers=clerk).status_code == 200

    assert admin_actions(runtime) == [
        "admin_created",
        "organ_created",
        "department_created",
        "user_created",
        "user_changed",
        "user_disabled",
        "user_enabled",
        "password_reset",
    ]
    with runtime.context(write=False) as ctx:
        assert verify(ctx.session).whole
        changed_event = ctx.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_changed"))
        assert changed_event is not None and changed_event.actor_name == "李明"
        assert changed_event.detail["changes"]["clearance"] == ["非密", "机密"]
    history = fresh.get("/admin/history")
    assert "停用用户" in history.text and "密级权限：非密 → 机密" in history.text


def test_a_reset_password_leads_every_page_to_the_account_page(fresh: TestClient, runtime: Runtime) -> None:
    make_admin(runtime)
    admin = api_login(fresh, "chief", ADMIN_PASSWORD)
    made = add_user(fresh, admin, "mw.clerk", ["drafter"], "Desk-pass-77", display_name="赵敏")
    reset = fresh.post(f"/api/v1/users/{made['id']}/password-reset", headers=admin, json={})
    temporary = reset.json()["temporary_password"]
    page_login(fresh, "mw.clerk", temporary)
    r = fresh.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?must=password"
    account = fresh.get("/account")
    assert "管理员已重置您的密码" in account.text
    csrf = session_csrf(fresh)
    fresh.post(
        "/account/password",
        data={"csrf": csrf, "current": temporary, "new": "Mine-now-2026", "repeat": "Mine-now-2026"},
    )
    assert fresh.get("/", follow_redirects=False).status_code == 200


def test_nobody_raises_their_own_clearance(fresh: TestClient, runtime: Runtime) -> None:
    make_admin(runtime)
    chief = api_login(fresh, "chief", ADMIN_PASSWORD)
    organ_id = fresh.get("/api/v1/me", headers=chief).json()["organ_id"]
    second = add_user(fresh, chief, "deputy", ["admin"], "Second-pass-55", display_name="副职", clearance="秘密")
    deputy = api_login(fresh, "deputy", "Second-pass-55")
    deputy_id = second["id"]
    raised = fresh.patch(f"/api/v1/users/{deputy_id}", headers=deputy, json={"clearance": "绝密"})
    assert raised.status_code == 403 and raised.json()["error"]["code"] == "clearance_self_raise"
    assert fresh.get("/api/v1/me", headers=deputy).json()["clearance"] == "秘密"
    lowered = fresh.patch(f"/api/v1/users/{deputy_id}", headers=deputy, json={"clearance": "非密"})
    assert lowered.status_code == 200  # lowering one's own is allowed
    by_other = fresh.patch(f"/api/v1/users/{deputy_id}", headers=chief, json={"clearance": "机密"})
    assert by_other.status_code == 200 and by_other.json()["clearance"] == "机密"

    csrf = page_login(fresh, "deputy", "Second-pass-55")
    form = {
        "csrf": csrf,
        "display_name": "副职",
        "person_name": "",
        "job_title": "",
        "organ_id": str(organ_id),
        "department_id": "",
        "clearance": "绝密",
        "roles": ["admin"],
    }
    page = fresh.post(f"/admin/users/{deputy_id}", data=form)
    assert page.status_code == 403 and "不能提高自己的密级权限" in field_error(page.text, "clearance")
    assert "<option selected>绝密</option>" in page.text  # what was chosen is kept
    assert "clearance_self_raise" not in page.text and 'lang="en"' not in page.text


def test_the_last_active_administrator_stays(fresh: TestClient, runtime: Runtime) -> None:
    make_admin(runtime)
    chief = api_login(fresh, "chief", ADMIN_PASSWORD)
    me = fresh.get("/api/v1/me", headers=chief).json()
    disabled = fresh.post(f"/api/v1/users/{me['id']}/disable", headers=chief)
    assert disabled.status_code == 409 and disabled.json()["error"]["code"] == "last_admin"
    demoted = fresh.patch(f"/api/v1/users/{me['id']}", headers=chief, json={"roles": ["archivist"]})
    assert demoted.status_code == 409 and demoted.json()["error"]["code"] == "last_admin"
    assert fresh.get("/api/v1/me", headers=chief).json()["roles"] == ["admin"]
    other = add_user(
        fresh, chief, "chief2", ["admin"], "Second-admin-9", display_name="第二管理员", organ_id=me["organ_id"]
    )
    assert fresh.post(f"/api/v1/users/{me['id']}/disable", headers=chief).status_code == 200
    assert fresh.get("/api/v1/me", headers=chief).status_code == 401
    second = api_login(fresh, "chief2", "Second-admin-9")
    last = fresh.post(f"/api/v1/users/{other['id']}/disable", headers=second)
    assert last.status_code == 409 and last.json()["error"]["code"] == "last_admin"


def test_people_are_kept_by_admins_only(fresh: TestClient, runtime: Runtime) -> None:
    make_admin(runtime)
    chief = api_login(fresh, "chief", ADMIN_PASSWORD)
    me = fresh.get("/api/v1/me", headers=chief).json()
    made = add_user(fresh, chief, "clerk", ["drafter"], "Desk-pass-77", display_name="科员", organ_id=me["organ_id"])
    clerk = api_login(fresh, "clerk", "Desk-pass-77")
    clerk_id = made["id"]
    for call in (
        lambda: fresh.patch(f"/api/v1/users/{clerk_id}", headers=clerk, json={"roles": ["admin"]}),
        lambda: fresh.patch(f"/api/v1/users/{clerk_id}", headers=clerk, json={"clearance": "绝密"}),
        lambda: fresh.post(f"/api/v1/users/{me['id']}/disable", headers=clerk),
        lambda: fresh.post(
            f"/api/v1/users/{me['id']}/password-reset", headers=clerk, json={"password": "Taken-over-1"}
        ),
        lambda: fresh.patch(f"/api/v1/organs/{me['organ_id']}", headers=clerk, json={"name": "夺权局"}),
        lambda: fresh.get("/api/v1/admin/history", headers=clerk),
    ):
        r = call()
        assert r.status_code == 403 and r.json()["error"]["code"] == "role_required", r.text
    assert fresh.get("/api/v1/me", headers=clerk).json()["roles"] == ["drafter"]
    assert api_login(fresh, "chief", ADMIN_PASSWORD)
    unknown = fresh.patch("/api/v1/users/999999", headers=chief, json={"display_name": "无"})
    assert unknown.status_code == 404
    bad = fresh.patch(f"/api/v1/users/{clerk_id}", headers=chief, json={"clearance": "顶级", "roles": []})
    assert bad.status_code == 422 and "message_zh" in bad.json()["error"]
    null = fresh.patch(f"/api/v1/users/{clerk_id}", headers=chief, json={"organ_id": None})
    assert null.status_code == 422
    with runtime.context(write=False) as ctx:
        system = ctx.session.scalar(select(User).where(User.username == "system"))
    if system is not None:
        assert fresh.post(f"/api/v1/users/{system.id}/enable", headers=chief).status_code == 409


def test_an_organ_renamed_keeps_its_old_name_as_alias_and_refuses_cycles(fresh: TestClient, runtime: Runtime) -> None:
    make_admin(runtime)
    chief = api_login(fresh, "chief", ADMIN_PASSWORD)
    parent = fresh.post(
        "/api/v1/organs", headers=chief, json={"code": "zlt-zf", "name": "扎兰屯市人民政府", "short_name": "市政府"}
    ).json()
    child = fresh.post(
        "/api/v1/organs",
        headers=chief,
        json={
            "code": "zlt-mzj",
            "name": "扎兰屯市民族宗教事务局",
            "short_name": "市民宗局",
            "parent_id": parent["id"],
            "prefixes": {"发": "扎民宗发"},
        },
    ).json()
    renamed = fresh.patch(
        f"/api/v1/organs/{child['id']}",
        headers=chief,
        json={"name": "扎兰屯市民族事务局", "short_name": "市民族局", "prefixes": {"发": "扎民族发"}},
    )
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()
    assert body["name"] == "扎兰屯市民族事务局" and body["prefixes"] == {"发": "扎民族发"}
    assert {"扎兰屯市民族宗教事务局", "市民宗局"} <= set(body["aliases"])
    cycle = fresh.patch(f"/api/v1/organs/{parent['id']}", headers=chief, json={"parent_id": child["id"]})
    assert cycle.status_code == 422 and cycle.json()["error"]["code"] == "parent_cycle"
    taken = fresh.patch(f"/api/v1/organs/{parent['id']}", headers=chief, json={"name": "扎兰屯市民族事务局"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "organ_exists"
    prefix = fresh.patch(f"/api/v1/organs/{parent['id']}", headers=chief, json={"prefixes": {"发": "扎民族发"}})
    assert prefix.status_code == 409 and prefix.json()["error"]["code"] == "prefix_exists"
    assert fresh.get("/api/v1/organs", headers=chief).json()[1]["name"] == "扎兰屯市人民政府"  # nothing changed


def test_departments_in_use_are_renamed_not_removed(fresh: TestClient, runtime: Runtime) -> None:
    make_admin(runtime)
    chief = api_login(fresh, "chief", ADMIN_PASSWORD)
    organ_id = fresh.get("/api/v1/me", headers=chief).json()["organ_id"]
    office = fresh.post("/api/v1/departments", headers=chief, json={"organ_id": organ_id, "name": "办公室"}).json()
    spare = fresh.post("/api/v1/departments", headers=chief, json={"organ_id": organ_id, "name": "临时股"}).json()
    fresh.post(
        "/api/v1/users",
        headers=chief,
        json={
            "username": "clerk",
            "display_name": "科员",
            "organ_id": organ_id,
            "roles": ["drafter"],
            "password": "Desk-pass-77",
            "department_id": office["id"],
        },
    )
    removed = fresh.delete(f"/api/v1/departments/{office['id']}", headers=chief)
    assert removed.status_code == 409 and removed.json()["error"]["code"] == "department_in_use"
    renamed = fresh.patch(f"/api/v1/departments/{office['id']}", headers=chief, json={"name": "综合办公室"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "综合办公室"
    assert (
        fresh.patch(f"/api/v1/departments/{spare['id']}", headers=chief, json={"name": "综合办公室"}).status_code == 409
    )
    assert fresh.delete(f"/api/v1/departments/{spare['id']}", headers=chief).status_code == 204
    csrf = page_login(fresh, "chief", ADMIN_PASSWORD)
    page = fresh.post(f"/admin/departments/{office['id']}/remove", data={"csrf": csrf})
    assert page.status_code == 409 and "不能撤销" in field_error(page.text, f"department-{office['id']}")
    blank = fresh.post(f"/admin/organs/{organ_id}/departments", data={"csrf": csrf, "name": "   "})
    assert blank.status_code == 422 and "请填写科室名称" in field_error(blank.text, "new_department")


def test_the_setup_page_makes_one_first_administrator(fresh: TestClient, runtime: Runtime) -> None:
    assert fresh.get("/setup").status_code == 404  # no token issued: nothing to open
    token = setup.issue_token(runtime.settings)
    form = fresh.get(f"/setup?token={token}")
    assert form.status_code == 200 and f'value="{token}"' in form.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    values = {
        "csrf": csrf,
        "token": "guessed",
        "username": "chief",
        "person_name": "李明",
        "organ": ORGAN,
        "organ_short_name": "市民委",
        "password": ADMIN_PASSWORD,
        "repeat": ADMIN_PASSWORD,
    }
    wrong = fresh.post("/setup", data=values)
    assert wrong.status_code == 403 and "设置口令不正确" in field_error(wrong.text, "token")
    assert 'value="李明"' in wrong.text and 'value="扎兰屯市民族事务委员会"' in wrong.text
    weak = fresh.post("/setup", data=values | {"token": token, "password": "chief1234", "repeat": "chief1234"})
    assert weak.status_code == 422 and field_error(weak.text, "password")
    made = fresh.post("/setup", data=values | {"token": token}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/admin")
    assert "第一位管理员已创建" in fresh.get(made.headers["location"]).text  # logged in
    assert not setup.token_path(runtime.settings).exists()
    assert fresh.get(f"/setup?token={token}").status_code == 404
    fresh.cookies.delete("gongwen_token")  # someone else, with the same token
    again = fresh.post("/setup", data=values | {"token": token, "username": "usurper"})
    assert again.status_code == 404
    with runtime.context(write=False) as ctx:
        admins = [u.username for u in ctx.session.scalars(select(User)) if "admin" in u.roles]
        assert admins == ["chief"]


def test_a_setup_token_is_held_by_one_person_at_a_time(runtime: Runtime) -> None:
    from services.errors import Forbidden

    token = setup.issue_token(runtime.settings)
    with setup.claimed(runtime.settings, token), pytest.raises(Forbidden), setup.claimed(runtime.settings, token):
        pass  # the second person, while the first makes the administrator
    assert not setup.token_path(runtime.settings).exists()  # spent by the first
    token = setup.issue_token(runtime.settings)
    with pytest.raises(RuntimeError), setup.claimed(runtime.settings, token):
        raise RuntimeError("the transaction failed")
    assert setup.token_path(runtime.settings).read_text() == token  # given back


def test_a_disabled_users_logins_end_everywhere(fresh: TestClient, runtime: Runtime) -> None:
    make_admin(runtime)
    chief = api_login(fresh, "chief", ADMIN_PASSWORD)
    made = add_user(fresh, chief, "clerk", ["drafter"], "Desk-pass-77", display_name="科员")
    logins = [api_login(fresh, "clerk", "Desk-pass-77") for _ in range(3)]
    fresh.post(f"/api/v1/users/{made['id']}/disable", headers=chief)
    assert all(fresh.get("/api/v1/me", headers=h).status_code == 401 for h in logins)
    with runtime.context(write=False) as ctx:
        assert ctx.session.scalar(select(AuthToken).where(AuthToken.user_id == made["id"])) is None


def test_issued_documents_keep_the_name_they_were_issued_under(
    client: TestClient, login: Callable[[str], dict[str, str]], drain: Callable[[], None]
) -> None:
    from tests.helpers.joint_notice import issue, organ_ids

    doc_id = issue(client, login, drain, dt.date.today() + dt.timedelta(days=10))
    admin = login("admin")
    mw = organ_ids(client, admin)["zlt-mw"]
    renamed = client.patch(f"/api/v1/organs/{mw}", headers=admin, json={"name": "扎兰屯市民族和宗教事务委员会"})
    assert renamed.status_code == 200, renamed.text
    issued = client.get(f"/api/v1/documents/{doc_id}", headers=login("mw.drafter")).json()
    assert "扎兰屯市民族事务委员会" in [i["name"] for i in issued["issuers"]]
    page = client.get(f"/documents/{doc_id}", cookies={"gongwen_token": admin["Authorization"].split()[1]})
    assert "扎兰屯市民族事务委员会" in page.text
    draft = client.post(
        "/api/v1/documents",
        headers=login("mw.drafter"),
        json={
            "doc_type": "通知",
            "title": "关于更名后发文的通知",
            "issue_form": "字",
            "issuers": [mw],
            "body": "正文。",
        },
    )
    assert draft.status_code == 201, draft.text
    assert [i["name"] for i in draft.json()["issuers"]] == ["扎兰屯市民族和宗教事务委员会"]
    found = client.get("/api/v1/search", params={"q": "机关:扎兰屯市民族事务委员会"}, headers=admin)
    assert found.status_code == 200 and doc_id in [h["id"] for h in found.json()["hits"]]  # the former name finds it
