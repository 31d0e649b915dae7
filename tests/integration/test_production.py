"""Safe to run as shipped: settings that would be unsafe in production are refused, the secret key really signs
something, the data home is private, and every HTML answer carries framing and script policies."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.config import DEV_SECRET, Settings
from services.processes import gongwen_command
from services.runtime import Runtime
from tests.helpers.joint_notice import issue
from tests.helpers.pages import page_login

Login = Callable[[str], dict[str, str]]
GOOD_SECRET = "kQ3v-9Zr_Lw2Hn8sYbT6uJc4Xe1Pa7Dm0Gf5"


@pytest.mark.parametrize(
    ("environment", "secret"),
    [
        ("Production", DEV_SECRET), ("PRODUCTION", "short"), ("production", ""), ("prod", GOOD_SECRET), ("test", " "),
        ("production", "x" * 40), ("production", "ab" * 20), ("production", "0123456789" * 4),
    ],
)  # fmt: skip
def test_unsafe_settings_are_refused(tmp_path: Path, environment: str, secret: str) -> None:
    with pytest.raises(ValidationError):
        Settings(home=tmp_path, environment=environment, secret_key=secret)


def test_example_data_is_refused_in_production(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="never in production"):
        Settings(home=tmp_path, environment="production", secret_key=GOOD_SECRET, example_data=True)
    env = {**os.environ, "GONGWEN_HOME": str(tmp_path / "home"), "GONGWEN_ENVIRONMENT": "production",
           "GONGWEN_SECRET_KEY": GOOD_SECRET}  # fmt: skip
    up = subprocess.run([*gongwen_command("up", "--example-data")], env=env, capture_output=True, timeout=120)
    assert up.returncode != 0 and "example_data_in_production" in up.stdout.decode()


def test_a_new_secret_is_good_enough_for_production(tmp_path: Path) -> None:
    made = subprocess.run(gongwen_command("secret", "new"), capture_output=True, timeout=60, check=True)
    secret = made.stdout.decode().strip()
    assert Settings(home=tmp_path, environment="production", secret_key=secret).secret_key == secret
    again = subprocess.run(gongwen_command("secret", "new"), capture_output=True, timeout=60, check=True)
    assert again.stdout.decode().strip() != secret


def test_production_is_recognised_in_any_case_and_demo_data_is_off_by_default(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, environment=" Production ", secret_key=GOOD_SECRET)
    assert settings.is_production and settings.environment == "production"
    assert Settings(home=tmp_path).example_data is False


def test_a_csrf_token_works_only_for_the_login_it_was_signed_for(client: TestClient) -> None:
    theirs = page_login(client, "mw.reviewer")
    mine = page_login(client, "mw.drafter")
    form = {"doc_type": "通知", "title": "关于测试的通知", "issue_form": "字", "body": "正文。",
            "classification": "非密", "urgency": "普通"}  # fmt: skip
    refused = client.post("/documents/new", data={**form, "csrf": theirs}, follow_redirects=False)
    assert refused.status_code == 403 and "csrf_failed" in refused.text
    accepted = client.post("/documents/new", data={**form, "csrf": mine}, follow_redirects=False)
    assert accepted.status_code == 303


def test_every_html_answer_has_a_policy_and_cannot_be_framed_elsewhere(
    client: TestClient, login: Login, drain: Callable[[], None]
) -> None:
    doc_id = issue(client, login, drain, dt.date.today() + dt.timedelta(days=10))
    html = client.get(f"/api/v1/documents/{doc_id}/html", headers=login("jyj.drafter"))
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "script-src" not in html.headers["content-security-policy"]
    assert "default-src 'none'" in html.headers["content-security-policy"]
    page_login(client, "mw.drafter")
    for path in ("/login", "/", f"/documents/{doc_id}", "/no-such-page", "/api/v1/docs"):
        r = client.get(path)
        assert r.headers["x-frame-options"] == "SAMEORIGIN", path
        assert "frame-ancestors" in r.headers["content-security-policy"], path
    assert client.get("/api/v1/health").headers["x-content-type-options"] == "nosniff"


def test_the_data_home_is_private(tmp_path: Path, runtime: Runtime) -> None:
    home = tmp_path / "private-home"
    env = {**os.environ, "GONGWEN_HOME": str(home)}
    env.pop("GONGWEN_DATABASE_URL", None)
    subprocess.run(gongwen_command("migrate"), env=env, check=True, capture_output=True, timeout=120)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    database = home / "gongwen.db"
    assert database.is_file() and stat.S_IMODE(database.stat().st_mode) & 0o077 == 0
