"""Guessing passwords: an account locks after five wrong ones (the right one is refused too until the lock
passes), an address after thirty across accounts; each refusal says when to try again and costs no hashing."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from services.accounts import passwords
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD
from tests.helpers.pages import page_login


def _login(client: TestClient, username: str, password: str) -> object:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_an_account_locks_after_five_wrong_passwords_then_opens_again(client: TestClient, runtime: Runtime) -> None:
    now = dt.datetime.now(dt.UTC)
    runtime.clock = lambda: now  # a lock of exactly 30 s, however long the requests take
    for _ in range(5):
        assert _login(client, "mw.drafter", "wrong-password").status_code == 401  # type: ignore[attr-defined]
    r = _login(client, "mw.drafter", DEMO_PASSWORD)
    assert r.status_code == 429  # type: ignore[attr-defined]
    error = r.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "login_throttled" and "秒后再试" in error["message_zh"]
    assert int(r.headers["Retry-After"]) == error["details"]["retry_after"] == 30  # type: ignore[attr-defined]
    assert _login(client, "mw.reviewer", DEMO_PASSWORD).status_code == 200  # type: ignore[attr-defined]
    later = now + dt.timedelta(seconds=31)
    runtime.clock = lambda: later
    assert _login(client, "mw.drafter", DEMO_PASSWORD).status_code == 200  # type: ignore[attr-defined]
    assert _login(client, "mw.drafter", "wrong-password").status_code == 401  # type: ignore[attr-defined]


def test_a_longer_guessing_run_locks_longer(client: TestClient, runtime: Runtime) -> None:
    now = dt.datetime.now(dt.UTC)
    runtime.clock = lambda: now
    retry = []
    for _ in range(4):
        for _ in range(5 if not retry else 1):
            _login(client, "mw.head", "wrong-password")
        retry.append(_login(client, "mw.head", "wrong-password").json()["error"]["details"]["retry_after"])  # type: ignore[attr-defined]
        now += dt.timedelta(seconds=retry[-1] + 1)
    assert retry == [30, 60, 120, 240]


def test_an_address_trying_many_accounts_is_stopped(client: TestClient) -> None:
    names = ["mw.drafter", "mw.reviewer", "mw.head", "mw.registrar", "tzb.drafter", "tzb.head", "xcb.head"]
    answers = [_login(client, names[n % 7], "wrong-password").status_code for n in range(30)]  # type: ignore[attr-defined]
    assert 429 not in answers[:29]
    r = _login(client, "jyj.drafter", DEMO_PASSWORD)  # a right password, but from an address that guessed too much
    assert r.status_code == 429  # type: ignore[attr-defined]


def test_a_refused_attempt_costs_no_hashing(client: TestClient) -> None:
    for _ in range(5):
        _login(client, "mw.drafter", "wrong-password")
    calls = []
    original = passwords.verify
    passwords.verify = lambda h, p: calls.append(1) or original(h, p)  # type: ignore[assignment, func-returns-value]
    try:
        for _ in range(20):
            assert _login(client, "mw.drafter", "wrong-password").status_code == 429  # type: ignore[attr-defined]
    finally:
        passwords.verify = original  # type: ignore[assignment]
    assert calls == []


def test_the_login_page_says_when_to_try_again(client: TestClient, runtime: Runtime) -> None:
    now = dt.datetime.now(dt.UTC)
    runtime.clock = lambda: now
    for _ in range(5):
        _login(client, "mw.drafter", "wrong-password")
    client.cookies.clear()
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"csrf": csrf, "username": "mw.drafter", "password": DEMO_PASSWORD, "next": "/"})
    assert r.status_code == 429 and "秒后再试" in r.text and r.headers["Retry-After"] == "30"
    page_login(client, "mw.reviewer")  # others log in as usual
