"""create_app(settings): the FastAPI application serving /api/v1 and the web pages."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from http.cookies import SimpleCookie

import anyio.to_thread
from fastapi import FastAPI

from search.recall import load_language_data
from services.accounts.service import UserService
from services.api.errors import install_error_handlers
from services.api.limits import BodyLimitMiddleware, LoginCheck
from services.api.routes import (
    admin,
    archive,
    distribution,
    documents,
    imports,
    incoming,
    obligations,
    registrar,
    search,
    system,
)
from services.config import Settings
from services.errors import Unauthenticated
from services.http.headers import SecurityHeadersMiddleware
from services.http.request import SESSION_COOKIE
from services.http.routing import index_routes, serve
from services.processes import die_with_parent
from services.runtime import Runtime
from services.web import error_page, install_web


def login_checker(runtime: Runtime) -> LoginCheck:
    """A valid bearer token (the API) or login cookie (the pages), looked up without the write lock."""

    def valid(headers: dict[bytes, bytes], path: str) -> bool:
        token = _token_of(headers, api=path.startswith("/api/"))
        if not token:
            return False
        with runtime.context(write=False) as ctx:
            try:
                UserService(ctx).from_token(token)
            except Unauthenticated:
                return False
        return True

    return valid


def _token_of(headers: dict[bytes, bytes], api: bool) -> str | None:
    if api:
        auth = headers.get(b"authorization", b"").decode("latin-1")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None
    cookies = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
    morsel = cookies.get(SESSION_COOKIE)
    return morsel.value if morsel else None


def _bounded_threads(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Sync routes run on at most ``threads`` threads of this process (the rest queue on the event loop)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or Runtime(settings or Settings())
    app = FastAPI(
        lifespan=_bounded_threads(runtime.settings.api.threads),
        title="gongwen",
        version="0.1.0",
        description="公文 drafting, joint sign-off, issuing, distribution and report-back",
        docs_url="/api/v1/docs",
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.add_middleware(BodyLimitMiddleware, has_valid_login=login_checker(runtime))
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app, error_page)
    for module in (system, admin, documents, distribution, obligations, registrar, incoming, search, imports, archive):
        serve(app, module.router)
    install_web(app, str(runtime.settings.templates_dir))
    index_routes(app)
    return app


# A request allocates thousands of short-lived objects (rows, statements' parameters, template output); at Python's
# default (700, 10, 10) the collector ran several times a request. Measured with the mixed load (bench/load.py's
# readers and writers, 40 s, SQLite, two runs each): 6.87 / 6.17 → 5.89 / 5.31 ms of server CPU a request.
GC_THRESHOLDS = (10_000, 20, 20)


def app_from_environment() -> FastAPI:
    """The application as `gongwen api` serves it: settings from the environment (one per server process)."""
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None:  # one of uvicorn's workers: it must not outlive the server
        die_with_parent(parent.pid)
    runtime = Runtime(Settings())
    runtime.db  # noqa: B018 - migrated by `gongwen up` / `gongwen migrate`; a no-op when already current
    app = create_app(runtime.settings, runtime)
    load_language_data()  # ≈ 1 s of CPU a process, once: else paid by its first search, during others' requests
    # What the server process has loaded lives as long as it does: out of the collector's sight, a full collection
    # no longer walks the imported libraries (those walks were the pages' p95 tails, ≈ 2× their median).
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return app
