"""Guessing passwords: one account from one address locks after five wrong ones (the right one is refused too
until the lock passes); an account guessed from many addresses, and an address guessing many accounts, lock too —
but never for a user at an address they logged in from before, so no guesser can lock people out. Each refusal
says when to try again and costs no hashing. Behind a trusted proxy the client's address is read from
X-Forwarded-For; from anyone else that header is not believed."""

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


def _from(client: TestClient, address: str, username: str, password: str) -> int:
    r = client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, headers={"X-Forwarded-For": address}
    )
    return int(r.status_code)


def behind_proxy(runtime: Runtime) -> None:
    runtime.settings.api.trusted_proxies = ["testclient", "10.255.0.0/16"]


def test_guessing_from_rotating_addresses_does_not_lock_the_owner_out(client: TestClient, runtime: Runtime) -> None:
    behind_proxy(runtime)
    assert _from(client, "192.168.7.20", "admin", DEMO_PASSWORD) == 200  # the administrator's own desk
    answers = [_from(client, f"203.0.113.{n % 40}", "admin", "guess-" + str(n)) for n in range(60)]
    assert answers[:20] == [401] * 20 and 429 in answers[20:]  # the account is locked for strangers
    assert _from(client, "203.0.113.77", "admin", DEMO_PASSWORD) == 429  # even with the right password
    assert _from(client, "192.168.7.20", "admin", DEMO_PASSWORD) == 200  # but not at the owner's desk


def test_guessing_from_one_address_locks_that_address_for_that_account_only(
    client: TestClient, runtime: Runtime
) -> None:
    behind_proxy(runtime)
    assert _from(client, "192.168.7.21", "mw.head", DEMO_PASSWORD) == 200
    for _ in range(8):
        _from(client, "198.51.100.9", "mw.head", "wrong-password")
    assert _from(client, "198.51.100.9", "mw.head", DEMO_PASSWORD) == 429
    assert _from(client, "192.168.7.21", "mw.head", DEMO_PASSWORD) == 200
    assert _from(client, "198.51.100.9", "mw.reviewer", DEMO_PASSWORD) == 200  # that address, another account


def test_a_guesser_behind_the_office_nat_does_not_lock_out_the_office(client: TestClient, runtime: Runtime) -> None:
    behind_proxy(runtime)
    office = "192.0.2.1"
    assert _from(client, office, "mw.drafter", DEMO_PASSWORD) == 200  # yesterday, from the office
    names = ["tzb.drafter", "tzb.reviewer", "tzb.head", "xcb.drafter", "xcb.reviewer", "xcb.head", "jyj.head"]
    for n in range(35):
        _from(client, office, names[n % len(names)], "wrong-password")
    assert _from(client, office, "mw.drafter", DEMO_PASSWORD) == 200  # the office's own people still log in
    assert _from(client, office, "jyj.drafter", DEMO_PASSWORD) == 429  # a stranger to this address waits


def test_forwarded_addresses_are_believed_from_trusted_proxies_only(client: TestClient, runtime: Runtime) -> None:
    for n in range(6):  # no proxy is trusted: the header is the client's own words, the peer is what counts
        _from(client, f"203.0.113.{n}", "mw.registrar", "wrong-password")
    assert _from(client, "203.0.113.200", "mw.registrar", DEMO_PASSWORD) == 429
    behind_proxy(runtime)
    spoofed = "10.0.0.1, 203.0.113.50, 10.255.0.3"  # the client wrote the first; the proxies appended the rest
    for _ in range(6):
        client.post(
            "/api/v1/auth/login",
            json={"username": "mw.reviewer", "password": "wrong-password"},
            headers={"X-Forwarded-For": spoofed},
        )
    assert _from(client, "203.0.113.50", "mw.reviewer", DEMO_PASSWORD) == 429  # counted against the real client
    assert _from(client, "10.0.0.1", "mw.reviewer", DEMO_PASSWORD) == 200
