"""Who is looking at a page: the login cookie, and the CSRF token every form carries (double-submit cookie)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from starlette.datastructures import FormData

from services.config import Settings
from services.errors import Forbidden
from services.http.request import SESSION_COOKIE, runtime_of

CSRF_COOKIE = "gongwen_csrf"
CSRF_FIELD = "csrf"


def set_login_cookie(response: Response, token: str, settings: Settings) -> None:
    """The login token as an HttpOnly cookie that lasts as long as the token."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.api.token_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.is_production,
    )


def csrf_nonce(request: Request) -> str:
    """This browser's random nonce (a cookie), made on first use; the response sets it."""
    nonce = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not nonce:
        nonce = secrets.token_urlsafe(24)
        request.state.new_csrf = nonce
    return str(nonce)


def csrf_for(secret: str, binding: str) -> str:
    """A CSRF token: the instance's secret key signing what it is bound to (the login, or before login the
    browser's nonce), so a token works only in the session it was made for and cannot be made without the key."""
    return hmac.new(secret.encode(), f"csrf:{binding}".encode(), hashlib.sha256).hexdigest()


def _binding(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE) or csrf_nonce(request)


def csrf_token(request: Request) -> str:
    return csrf_for(runtime_of(request).settings.secret_key, _binding(request))


def stale_form() -> Forbidden:
    return Forbidden(
        "csrf_failed",
        "表单已过期或来自其他网站：内容已保留，请核对后再次提交",
        "the form is stale or came from another site; check it and submit again",
    )


@dataclass(frozen=True)
class Posted:
    """A posted form and whether it carries this session's token (``fresh``). A stale one (the login changed
    since the page was opened) is never acted on: the page shows it again, as typed, with a fresh token."""

    form: FormData
    fresh: bool


def _is_fresh(request: Request, form: FormData) -> bool:
    sent = form.get(CSRF_FIELD)
    bound = request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE)
    expected = csrf_for(runtime_of(request).settings.secret_key, bound) if bound else None
    return isinstance(sent, str) and expected is not None and hmac.compare_digest(sent, expected)


async def read_form(request: Request) -> FormData:
    """The posted form, refused unless it carries a token signed for this session (another site cannot)."""
    form = await request.form()
    if not _is_fresh(request, form):
        raise stale_form()
    return form


async def read_posted(request: Request) -> Posted:
    """The posted form for a page that shows itself again when refused; acting on it needs ``fresh``."""
    form = await request.form()
    return Posted(form, _is_fresh(request, form))
