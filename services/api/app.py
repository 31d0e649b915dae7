"""create_app(settings): the FastAPI application serving /api/v1 and the web pages."""

from __future__ import annotations

from fastapi import FastAPI

from services.api.errors import install_error_handlers
from services.api.routes import admin, archive, distribution, documents, imports, obligations, search, system
from services.config import Settings
from services.runtime import Runtime
from services.web import install_web


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or Runtime(settings or Settings())
    app = FastAPI(
        title="gongwen",
        version="0.1.0",
        description="公文 drafting, joint sign-off, issuing, distribution and report-back",
        docs_url="/api/v1/docs",
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    for module in (system, admin, documents, distribution, obligations, search, imports, archive):
        app.include_router(module.router)
    install_web(app, str(runtime.settings.templates_dir))
    return app
