"""The web pages: server-rendered Jinja2 (templates/web/) on the same FastAPI app as the API."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from services.http.routing import serve
from services.http.scope import LoginRequired, PasswordChangeRequired, Viewer, login_url
from services.web.pages import (
    admin,
    archive,
    auth,
    document,
    drafting,
    imports,
    incoming,
    people,
    registrar,
    seals,
    search,
    tracking,
    work,
)
from services.web.render import page


def install_web(app: FastAPI, templates_dir: str) -> None:
    app.mount("/static", StaticFiles(directory=f"{templates_dir}/web/static"), name="static")
    pages = (
        auth,
        work,
        drafting,
        document,
        registrar,
        tracking,
        incoming,
        imports,
        seals,
        search,
        archive,
        admin,
        people,
    )
    for module in pages:
        serve(app, module.router)

    @app.exception_handler(LoginRequired)
    async def to_login(_: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(login_url(exc.next_url), status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def to_account(_: Request, exc: PasswordChangeRequired) -> RedirectResponse:
        return RedirectResponse("/account?must=password", status_code=303)


def error_page(request: Request, status: int, code: str, zh: str, en: str) -> HTMLResponse:
    """A domain error met on a page: the Chinese message, the stable code, a way back, and the navigation of
    whoever was signed in (as the request found them: its transaction is gone)."""
    referer = request.headers.get("referer", "")
    back = referer if referer.startswith(str(request.base_url)) else "/"
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    return page(request, "error.html", viewer, http_status=status, nav="", code=code, zh=zh, en=en, back=back)
