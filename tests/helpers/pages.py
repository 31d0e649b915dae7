"""Logging in through the pages, as a person does."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def page_login(client: TestClient, username: str, password: str = "gongwen-demo") -> str:
    """Log the client in through the login form; returns the CSRF token its forms carry from then on."""
    client.cookies.clear()
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/login",
        data={"csrf": csrf, "username": username, "password": password, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return session_csrf(client)


def session_csrf(client: TestClient) -> str:
    """The CSRF token the pages now carry: after login it is signed for the login, not for the nonce."""
    home = client.get("/account")
    return re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)  # type: ignore[union-attr]
