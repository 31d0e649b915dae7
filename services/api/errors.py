"""The one error handler: domain errors and malformed requests become a stable JSON error body."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.errors import DomainError
from services.limits import THROTTLED_ANSWER_SECONDS


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable code, e.g. document_not_found")
    message_zh: str
    message_en: str
    details: dict[str, Any]


class ErrorOut(BaseModel):
    """Every error the API answers, whatever its status."""

    error: ErrorDetail


_WHEN = {
    400: "请求错误 / bad request",
    401: "未登录或登录失效 / not logged in",
    403: "无权执行 / not allowed",
    404: "不存在（或无权查看，答复相同） / not found (or not yours to see: the same answer)",
    409: "与当前状态冲突 / conflicts with the current state",
    413: "内容过大 / body too large",
    415: "内容类型或编码不支持 / unsupported content",
    422: "内容不合法 / invalid input",
    429: "请求过于频繁 / too many attempts (see Retry-After)",
    503: "依赖的服务暂不可用 / a service it needs is unavailable",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text} for status, text in _WHEN.items()
}


def error_body(code: str, zh: str, en: str, **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message_zh": zh, "message_en": en, "details": details}}


def _validation_code(errors: list[dict[str, Any]]) -> tuple[str, str, str]:
    for err in errors:
        if err.get("type") == "extra_forbidden" and err.get("loc", [None])[-1] in {"doc_number", "written_on"}:
            return (
                "doc_number_not_allowed",
                "发文字号和成文日期由系统在登记时生成，不能手工填写",
                "the 发文字号 and 成文日期 are assigned at registration and cannot be typed in",
            )
        if err.get("type") == "json_invalid":
            return "malformed_json", "请求体不是合法的 JSON", "the request body is not valid JSON"
    return "invalid_payload", "请求内容不合法", "the request payload is invalid"


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


# The pages answer in HTML, the API in JSON: the app hands in how a page shows an error (services.web.error_page).
PageError = Callable[[Request, int, str, str, str], HTMLResponse]


def _invalid(request: Request, raw: Sequence[Any], page_error: PageError) -> JSONResponse | HTMLResponse:
    errors = [{"loc": list(e.get("loc", [])), "type": e.get("type"), "msg": e.get("msg")} for e in raw]
    code, zh, en = _validation_code(errors)
    if _is_page(request):
        return page_error(request, 422, code, zh, en)
    return JSONResponse(status_code=422, content=error_body(code, zh, en, errors=errors))


def install_error_handlers(app: FastAPI, page_error: PageError) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse | HTMLResponse:
        retry = {"Retry-After": str(exc.details["retry_after"])} if "retry_after" in exc.details else {}
        if exc.status == 429 and "retry_after" in exc.details:
            await anyio.sleep(min(float(exc.details["retry_after"]), THROTTLED_ANSWER_SECONDS))
        if _is_page(request):
            response = page_error(request, exc.status, exc.code, exc.zh, exc.en)
            response.headers.update(retry)
            return response
        return JSONResponse(status_code=exc.status, content={"error": exc.as_dict()}, headers=retry)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse | HTMLResponse:
        return _invalid(request, exc.errors(), page_error)

    @app.exception_handler(ValidationError)
    async def invalid_value(request: Request, exc: ValidationError) -> JSONResponse | HTMLResponse:
        """Input checked inside a use case (e.g. a saved draft carried into a new save) and found wanting."""
        return _invalid(request, exc.errors(), page_error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse | HTMLResponse:
        names = {
            404: ("not_found", "地址不存在", "no such address"),
            405: ("method_not_allowed", "不支持该方法", "method not allowed"),
            413: ("body_too_large", "提交的内容过大", "the request body is too large"),
        }
        code, zh, en = names.get(exc.status_code, ("http_error", "请求错误", str(exc.detail)))
        if _is_page(request):
            return page_error(request, exc.status_code, code, zh, en)
        return JSONResponse(status_code=exc.status_code, content=error_body(code, zh, en))
