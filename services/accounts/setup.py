"""The one-time setup of a new install: while no active administrator exists, a random token kept under
GONGWEN_HOME (and printed to the API's log at start) opens the setup page that creates the first one. The token
is claimed by renaming its file, so two people who both hold it cannot both make an administrator; it is gone once
an administrator exists."""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.config import Settings
from services.errors import Forbidden

TOKEN_FILE = "setup-token"


def token_path(settings: Settings) -> Path:
    return settings.home_dir / TOKEN_FILE


def issue_token(settings: Settings) -> str:
    """The setup token, made on first call (readable by the owner only)."""
    path = token_path(settings)
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(token)
    return token


def forget_token(settings: Settings) -> None:
    token_path(settings).unlink(missing_ok=True)


@contextmanager
def claimed(settings: Settings, given: str) -> Iterator[None]:
    """Hold the setup token while the first administrator is made: refused unless ``given`` is the token and
    nobody else holds it; given back if making the administrator fails, spent if it succeeds."""
    path = token_path(settings)
    held = path.with_name(f"{TOKEN_FILE}.{secrets.token_hex(4)}")
    try:
        expected = path.read_text().strip()
        if not hmac.compare_digest(given.strip().encode(), expected.encode()):
            raise _refused()
        path.rename(held)
    except FileNotFoundError:
        raise _refused() from None
    try:
        yield
    except BaseException:
        held.rename(path)
        raise
    held.unlink(missing_ok=True)


def _refused() -> Forbidden:
    return Forbidden(
        "setup_token_invalid",
        "设置口令不正确或已使用（见服务启动日志中的“首次设置”一行）",
        "the setup token is wrong or already used (see the 'first setup' line of the API's log)",
        field="token",
    )
