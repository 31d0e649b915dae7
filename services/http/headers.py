"""Security headers on every response: nothing of this site is framed by another, and every HTML answer —
pages, rendered documents, error pages, the API docs — carries a Content-Security-Policy (a route may set a
stricter one of its own)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# For HTML that set no policy of its own: no script at all.
DEFAULT_HTML_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
)
# FastAPI's interactive docs load Swagger UI from its CDN (where the machine can reach it).
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = ("/api/v1/docs", "/docs/oauth2-redirect")
# A rendered 公文 shown in a frame of the document page: its text and fonts, never a script.
FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; font-src 'self' data:; img-src data:; frame-ancestors 'self'"
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add(MutableHeaders(scope=message), scope["path"])
            await send(message)

        await self.app(scope, receive, with_headers)


def _add(headers: MutableHeaders, path: str) -> None:
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if headers.get("content-type", "").startswith("text/html") and "content-security-policy" not in headers:
        headers["Content-Security-Policy"] = DOCS_CSP if path in DOCS_PATHS else DEFAULT_HTML_CSP
