"""验证电子印章: anyone logged in uploads an issued 正本 (an OFD, or a PDF with its .ses) and sees each seal on it —
which organ pressed it, when, its version — or which seal is broken and why. Nothing is stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData, UploadFile

from services.errors import Invalid
from services.http.deps import CurrentUser, Seals
from services.limits import FILE_LIMITS, MB, Upload, check_size
from services.web.render import page
from services.web.session import read_form

router = APIRouter(include_in_schema=False)
FormDep = Annotated[FormData, Depends(read_form)]


@router.get("/seals/verify")
def verify_form(request: Request, user: CurrentUser) -> HTMLResponse:
    return page(request, "seal_verify.html", user, nav="seals", limit_mb=_limit_mb(), result=None, name="")


@router.post("/seals/verify")
def verify(form: FormDep, request: Request, user: CurrentUser, seals: Seals) -> HTMLResponse:
    """The file's seals checked against what this office registered; a file that is not a sealed 正本 is refused."""
    data, name = _read(form, "file")
    if not data:
        raise Invalid("sealed_file_missing", "请选择要验证的 OFD 或 PDF 文件", "choose an OFD or PDF file to verify")
    extra, _ = _read(form, "ses")
    result = seals.verify(data, extra or None)
    return page(request, "seal_verify.html", user, nav="seals", limit_mb=_limit_mb(), result=result, name=name)


def _read(form: FormData, field: str) -> tuple[bytes, str]:
    upload = form.get(field)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return b"", ""
    data = upload.file.read(FILE_LIMITS[Upload.sealed_file].max_bytes + 1)
    check_size(Upload.sealed_file, len(data))
    return data, upload.filename


def _limit_mb() -> int:
    return FILE_LIMITS[Upload.sealed_file].max_bytes // MB
