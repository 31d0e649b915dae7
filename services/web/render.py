"""Render a page: one Jinja2 environment over templates/web/, autoescaping everything, with the CSRF cookie."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.domain.models import User
from services.http.request import runtime_of
from services.http.scope import Viewer
from services.web import labels
from services.web.problems import STALE_FORM, by_field
from services.web.session import CSRF_COOKIE, csrf_token

# No inline script anywhere: user text that slipped through escaping still could not run.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


@lru_cache(maxsize=4)
def environment(templates_dir: Path, timezone: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir / "web")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the templates ship with the release: no file is asked for a change on every render
    )
    zone = ZoneInfo(timezone)
    env.filters["local"] = lambda value, seconds=False: _local_time(value, zone, seconds)
    env.filters["zh_date"] = _zh_date
    env.globals.update(labels.GLOBALS)
    return env


def _local_time(value: dt.datetime | None, zone: ZoneInfo, seconds: bool = False) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _zh_date(value: dt.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def page(
    request: Request, template: str, user: User | Viewer | None, http_status: int = 200, **context: Any
) -> HTMLResponse:
    settings = runtime_of(request).settings
    env = environment(settings.templates_dir, settings.timezone)
    message = labels.MESSAGES.get(request.query_params.get("msg", ""))
    context.setdefault("problems", [])
    context.setdefault("errors", by_field(context["problems"]))
    if any(p.code == STALE_FORM for p in context["problems"]):  # shown again to be checked, but refused
        http_status = 403
    html = env.get_template(template).render(
        request=request, user=user, csrf=csrf_token(request), message=message, **context
    )
    response = HTMLResponse(html, status_code=http_status)
    secure_headers(response, PAGE_CSP)
    remember_csrf(request, response)
    return response


def secure_headers(response: HTMLResponse, csp: str) -> None:
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"


def remember_csrf(request: Request, response: HTMLResponse | RedirectResponse) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        secure = runtime_of(request).settings.is_production
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax", secure=secure)


def redirect(url: str, msg: str | None = None) -> RedirectResponse:
    """Post/redirect/get: after a form, show the page it changed, with a message named by a fixed key."""
    if msg:
        url += ("&" if "?" in url else "?") + f"msg={msg}"
    return RedirectResponse(url, status_code=303)
