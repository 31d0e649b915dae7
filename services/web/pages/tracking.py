"""The issuing office's distribution dashboard: per recipient received / reported / overdue, 催办, XLSX export."""

from __future__ import annotations

import io
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from openpyxl import Workbook
from starlette.datastructures import FormData

from services.api.params import Id
from services.distribution.service import DistributionService
from services.web.render import page, redirect
from services.web.session import read_form, runtime_of, web_scope

router = APIRouter(include_in_schema=False)
FormDep = Annotated[FormData, Depends(read_form)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = ("单位", "主送/抄送", "送达时间", "签收时间", "截止日期", "反馈状态", "报送时间", "催办次数")


@router.get("/documents/{document_id}/distribution")
def dashboard(request: Request, document_id: Id) -> HTMLResponse:
    with web_scope(request) as (ctx, user):
        service = DistributionService(ctx)
        document = service.documents.get_visible(user, document_id)
        rows = service.distribution_status(user, document_id)
        today = ctx.today()
        return page(request, "distribution.html", user, nav="documents", document=document, rows=rows, today=today)


@router.post("/documents/{document_id}/chase")
def chase(request: Request, document_id: Id, form: FormDep) -> RedirectResponse:
    """Batch 催办 of the units ticked (all open ones when none is ticked)."""
    organ_ids = [int(v) for v in form.getlist("organ_ids") if isinstance(v, str) and v.isdigit()]
    with web_scope(request) as (ctx, user):
        DistributionService(ctx).chase_now(user, document_id, organ_ids or None)
    return redirect(f"/documents/{document_id}/distribution", "chased")


@router.post("/reply-tasks/{task_id}/return")
def return_reply(request: Request, task_id: Id, form: FormDep) -> RedirectResponse:
    """退回补报 with the reason typed in the row's form."""
    with web_scope(request) as (ctx, user):
        service = DistributionService(ctx)
        task = service.return_reply(user, task_id, str(form.get("reason") or "").strip())
        document_id = task.document_id
    return redirect(f"/documents/{document_id}/distribution", "returned_reply")


@router.get("/documents/{document_id}/distribution.xlsx")
def export(request: Request, document_id: Id) -> Response:
    zone = runtime_of(request).settings.timezone
    with web_scope(request) as (ctx, user):
        service = DistributionService(ctx)
        document = service.documents.get_visible(user, document_id)
        rows = service.distribution_status(user, document_id)
        title, number = document.title, document.doc_number or str(document.id)
    data = workbook(title, rows, zone)
    name = f"分发情况-{number}.xlsx"
    return Response(
        data, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    )


def workbook(title: str, rows: list[dict[str, Any]], zone: str) -> bytes:
    tz = ZoneInfo(zone)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "分发情况"
    sheet.append([title])
    sheet.append(list(COLUMNS))
    for r in rows:
        sheet.append(
            [
                r["organ"],
                r["role"],
                _local(r["delivered_at"], tz),
                _local(r["received_at"], tz),
                r["deadline"],
                r["reply_status"] or "",
                _local(r["reported_at"], tz),
                r["chase_count"],
            ]
        )
    for column, width in zip("ABCDEFGH", (34, 10, 18, 18, 12, 10, 18, 10), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _local(value: Any, tz: ZoneInfo) -> Any:
    return value.astimezone(tz).replace(tzinfo=None) if value is not None else None
