"""Limits before work: a request body is capped per route before it is read, and an upload to a route that needs
a login is refused unread when the caller has no valid login (no 200 MB body is ever read for a stranger)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.errors import DomainError
from services.limits import MB, Upload, request_cap

# Whether the request's headers carry a login valid now (a cheap read, no write lock); run off the event loop.
LoginCheck = Callable[[dict[bytes, bytes], str], bool]
DEFAULT_LIMIT = 1 * MB  # JSON and ordinary forms


@dataclass(frozen=True)
class Limit:
    method: str
    path: re.Pattern[str]
    max_bytes: int
    upload: bool  # an upload route: the caller's login is checked before the body is read


def _route(method: str, pattern: str, max_bytes: int, upload: bool = True) -> Limit:
    return Limit(method, re.compile(f"^{pattern}$"), max_bytes, upload)


BODY = 8 * MB  # a document's text: ≤ 2 M characters of UTF-8, with the form around it
# Every route that takes more than an ordinary form; the file limits themselves are services/limits.py's.
LIMITS = (
    _route("PUT", r"/api/v1/documents/\d+/body", BODY),
    _route("POST", r"/api/v1/documents/\d+/attachments", request_cap(Upload.attachment)),
    _route("POST", r"/api/v1/obligations/\d+/submissions", request_cap(Upload.report_file)),
    _route("POST", r"/api/v1/imports", request_cap(Upload.import_file)),
    _route("POST", r"/api/v1/incoming", request_cap(Upload.scan)),
    _route("POST", r"/api/v1/documents", BODY, upload=False),
    _route("PUT", r"/api/v1/documents/\d+", BODY, upload=False),
    _route("POST", r"/documents/new", request_cap(Upload.attachment) + BODY),
    _route("POST", r"/documents/\d+/edit", BODY),
    _route("POST", r"/documents/\d+/attachments", request_cap(Upload.attachment)),
    _route("POST", r"/documents/\d+/reply", request_cap(Upload.report_file)),
    _route("POST", r"/incoming/new", request_cap(Upload.scan)),
    _route("POST", r"/imports", request_cap(Upload.import_file)),
    _route("POST", r"/seals/verify", request_cap(Upload.sealed_file)),
)


def limit_for(method: str, path: str) -> Limit | None:
    return next((lim for lim in LIMITS if lim.method == method and lim.path.match(path)), None)


class BodyTooLarge(DomainError):
    status = 413


def too_large(max_bytes: int) -> BodyTooLarge:
    mb = max_bytes // MB or 1
    return BodyTooLarge(
        "body_too_large", f"提交的内容超过 {mb} MB", f"the request body is larger than {mb} MB", max_bytes=max_bytes
    )


class BodyLimitMiddleware:
    """Refuse by Content-Length at once; count the bytes of a body without one and stop at the cap."""

    def __init__(self, app: ASGIApp, has_valid_login: LoginCheck) -> None:
        self.app = app
        self.has_valid_login = has_valid_login

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["method"], scope["path"])
        cap = limit.max_bytes if limit else DEFAULT_LIMIT
        refusal = await self._refusal(scope, cap, limit)
        if refusal is not None:
            await _answer(scope, send, refusal)
            return
        await self.app(scope, _capped(receive, cap), send)

    async def _refusal(self, scope: Scope, cap: int, limit: Limit | None) -> DomainError | None:
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > cap):
            return too_large(cap)
        if limit is not None and limit.upload:
            valid = await anyio.to_thread.run_sync(self.has_valid_login, headers, scope["path"])
            if not valid:
                return unauthenticated(scope["path"])
        return None


def unauthenticated(path: str) -> DomainError:
    from services.errors import Unauthenticated

    return Unauthenticated("login_required", "请先登录", "log in first", path=path)


def _capped(receive: Receive, cap: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                # An HTTPException, not a DomainError: FastAPI turns anything else raised while it reads a
                # body into a bare 400. The one error handler gives it the stable code body_too_large.
                raise HTTPException(413, detail=f"body over {cap} bytes")
        return message

    return counted


async def _answer(scope: Scope, send: Send, error: DomainError) -> None:
    """The refusal in the same shape as every other error: JSON for the API, a page for the pages."""
    import json

    from services.api.errors import error_body

    body = json.dumps(error_body(error.code, error.zh, error.en, **error.details), ensure_ascii=False).encode()
    media = b"application/json"
    if not scope["path"].startswith("/api/"):
        body = _page_body(error)
        media = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", media),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _page_body(error: DomainError) -> bytes:
    import html

    return (
        "<!DOCTYPE html><html lang='zh-CN'><meta charset='utf-8'><title>无法提交</title>"
        f"<main><h1>{html.escape(error.zh)}</h1><p lang='en'>{html.escape(error.en)}</p>"
        f"<p><code>{html.escape(error.code)}</code></p><p><a href='/'>返回</a></p></main></html>"
    ).encode()
