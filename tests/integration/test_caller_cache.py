"""Who a login token names is cached per process, yet a logout, a disable, a password reset or a change of roles,
clearance or organ takes effect on the very next request, also in another server process (two app instances on
one database stand for two of uvicorn's workers, each with its own cache)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.app import create_app
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD


@pytest.fixture
def two(runtime: Runtime, example_users: None) -> Iterator[tuple[TestClient, TestClient]]:
    other = Runtime(runtime.settings, migrated=True)  # another process: its own engine and caches
    with TestClient(create_app(runtime.settings, runtime)) as a, TestClient(create_app(other.settings, other)) as b:
        yield a, b
    other.close()


def token_of(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def me(client: TestClient, head: dict[str, str]) -> dict[str, object]:
    r = client.get("/api/v1/me", headers=head)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def user_id(client: TestClient, admin: dict[str, str], username: str) -> int:
    found = [u["id"] for u in client.get("/api/v1/users", headers=admin).json() if u["username"] == username]
    return int(found[0])


def warm(a: TestClient, b: TestClient, head: dict[str, str]) -> None:
    """Both processes have answered the token twice: each holds it in its cache."""
    for client in (a, b, a, b):
        me(client, head)


def test_logout_in_one_process_ends_the_login_in_the_other(two: tuple[TestClient, TestClient]) -> None:
    a, b = two
    head = token_of(a, "mw.drafter")
    warm(a, b, head)
    assert b.post("/api/v1/auth/logout", headers=head).status_code == 204
    assert a.get("/api/v1/me", headers=head).status_code == 401
    assert a.get("/api/v1/inbox", headers=head).status_code == 401


def test_a_disabled_user_is_refused_at_once_everywhere(two: tuple[TestClient, TestClient]) -> None:
    a, b = two
    head, admin = token_of(a, "mw.drafter"), token_of(a, "admin")
    warm(a, b, head)
    uid = user_id(a, admin, "mw.drafter")
    assert a.post(f"/api/v1/users/{uid}/disable", headers=admin).status_code == 200
    for client in (a, b):
        assert client.get("/api/v1/me", headers=head).status_code == 401
        assert client.get("/api/v1/documents", headers=head).status_code == 401


def test_a_password_reset_sends_every_process_to_the_password_change(two: tuple[TestClient, TestClient]) -> None:
    a, b = two
    head, admin = token_of(b, "mw.drafter"), token_of(a, "admin")
    warm(a, b, head)
    uid = user_id(a, admin, "mw.drafter")
    r = a.post(f"/api/v1/users/{uid}/password-reset", headers=admin, json={"password": "Temp-pass-2026-x"})
    assert r.status_code == 200, r.text
    for client in (a, b):  # the login held ends; a new one may only change the password
        assert client.get("/api/v1/documents", headers=head).status_code == 401
    fresh = token_of(b, "mw.drafter", "Temp-pass-2026-x")
    warm(a, b, fresh)
    for client in (a, b):
        r = client.get("/api/v1/documents", headers=fresh)
        assert r.status_code == 403 and r.json()["error"]["code"] == "password_change_required", r.text
    r = a.post("/api/v1/me/password", headers=fresh, json={"current": "Temp-pass-2026-x", "new": "Neu-Kennwort-2026!"})
    assert r.status_code == 204, r.text
    for client in (b, a):  # changed in one process: the other lets the login through on its next request
        assert client.get("/api/v1/documents", headers=fresh).status_code == 200
        assert me(client, fresh)["must_change_password"] is False


def test_roles_clearance_and_organ_changes_are_seen_on_the_next_request(two: tuple[TestClient, TestClient]) -> None:
    a, b = two
    head, admin = token_of(a, "mw.drafter"), token_of(b, "admin")
    warm(a, b, head)
    uid = user_id(b, admin, "mw.drafter")
    before = me(a, head)
    assert a.get("/api/v1/users", headers=head).status_code == 200  # anyone lists their own organ's people
    r = b.patch(f"/api/v1/users/{uid}", headers=admin, json={"roles": ["reviewer"], "clearance": "机密"})
    assert r.status_code == 200, r.text
    for client in (a, b):
        seen = me(client, head)
        assert seen["roles"] == ["reviewer"] and seen["clearance"] == "机密"
    draft = {"doc_type": "通知", "title": "关于测试的通知", "issue_form": "字", "main_recipients": [5], "body": "文"}
    for client in (a, b):  # no longer a drafter: refused, in either process
        assert client.post("/api/v1/documents", headers=head, json=draft).status_code == 403
    organs = [o["id"] for o in b.get("/api/v1/organs", headers=admin).json() if o["id"] != before["organ_id"]]
    r = b.patch(f"/api/v1/users/{uid}", headers=admin, json={"organ_id": organs[0]})
    assert r.status_code == 200, r.text
    for client in (a, b):
        assert me(client, head)["organ_id"] == organs[0]
