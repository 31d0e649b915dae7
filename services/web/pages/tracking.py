"""The issuing office's dashboard: obligations × units (a period of each cadence), receipts, 逾期, reports to
签收 or return, 催办 per obligation, XLSX export; and the plan's tasks with their progress."""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from openpyxl import Workbook
from starlette.datastructures import FormData

from services.http.deps import CurrentUser, Documents, Groups, Obligations, Tasks
from services.http.downloads import content_disposition
from services.http.params import Id
from services.http.request import runtime_of
from services.obligations.service import Dashboard, cadence_zh
from services.web.render import page, redirect
from services.web.session import read_form

router = APIRouter(include_in_schema=False)
FormDep = Annotated[FormData, Depends(read_form)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


@router.get("/documents/{document_id}/distribution")
def dashboard(
    request: Request,
    user: CurrentUser,
    service: Obligations,
    groups: Groups,
    document_id: Id,
    day: str | None = None,
    obligation: str | None = None,
    group: str | None = None,
    overdue: str | None = None,
) -> HTMLResponse:
    board = service.dashboard(user, document_id, _day(day), _int(obligation), _int(group), overdue == "1")
    return page(
        request, "distribution.html", user, nav="documents", board=board, document=board.document,
        arrivals=board.arrivals, groups=groups.all(), cadence_zh=cadence_zh,
        filters={"day": day or "", "obligation": _int(obligation), "group": _int(group), "overdue": overdue == "1"},
    )  # fmt: skip


@router.post("/obligations/{obligation_id}/chase")
def chase(form: FormDep, user: CurrentUser, service: Obligations, obligation_id: Id) -> RedirectResponse:
    """催办 of one obligation: the units ticked (every open one when none is), for the period shown."""
    organ_ids = [int(v) for v in form.getlist("organ_ids") if isinstance(v, str) and v.isdigit()]
    period = _day(str(form.get("period_due") or ""))
    service.chase_now(user, obligation_id, organ_ids or None, period)
    document_id = service.visible(user, obligation_id).document_id
    return redirect(f"/documents/{document_id}/distribution", "chased")


@router.post("/obligations/{obligation_id}/stop")
def stop(form: FormDep, user: CurrentUser, obligations: Obligations, obligation_id: Id) -> RedirectResponse:
    """The issuing office stops a cadence, with the reason typed beside it: the period in progress is its last."""
    obligation = obligations.stop(user, obligation_id, str(form.get("reason") or ""))
    document_id = obligation.document_id
    return redirect(f"/documents/{document_id}/distribution", "stopped")


@router.post("/submissions/{submission_id}/accept")
def accept(form: FormDep, user: CurrentUser, obligations: Obligations, submission_id: Id) -> RedirectResponse:
    submission = obligations.accept(user, submission_id)
    document_id = submission.obligation.document_id
    return redirect(f"/documents/{document_id}/distribution", "accepted")


@router.post("/submissions/{submission_id}/return")
def return_submission(
    form: FormDep, user: CurrentUser, obligations: Obligations, submission_id: Id
) -> RedirectResponse:
    """退回补报 with the reason typed in the report's form."""
    submission = obligations.return_(user, submission_id, str(form.get("reason") or ""))
    document_id = submission.obligation.document_id
    return redirect(f"/documents/{document_id}/distribution", "returned_reply")


@router.get("/documents/{document_id}/distribution.xlsx")
def export(
    request: Request, user: CurrentUser, obligations: Obligations, document_id: Id, day: str | None = None
) -> Response:
    zone = runtime_of(request).settings.timezone
    board = obligations.dashboard(user, document_id, _day(day))
    data = workbook(board, zone)
    number = board.document.doc_number or str(board.document.id)
    name = f"反馈情况-{number}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": content_disposition(name)})


def workbook(board: Dashboard, zone: str) -> bytes:
    """One sheet of the matrix (units × obligations for the period shown) and one of every overdue period."""
    tz = ZoneInfo(zone)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "反馈情况"
    sheet.append([board.document.title])
    sheet.append(["单位", "签收时间", *[f"{o.title}（{_period_of(board, o.id)}）" for o in board.obligations]])
    for organ_id, name in board.units:
        cells = [board.cells.get((o.id, organ_id)) for o in board.obligations]
        row: list[Any] = [name, _local(board.received.get(organ_id), tz)]
        row += [f"{c.status.value}（{c.standing}/{c.obligation.at_least}）" if c else "" for c in cells]
        sheet.append(row)
    for _, name in board.uncleared:  # the plan reached nobody there: neither 未报 nor 逾期
        sheet.append([name, "无相应密级人员"])
    late = book.create_sheet("逾期明细")
    late.append(["单位", "反馈事项", "报送期", "截止日期", "逾期天数"])
    names = dict(board.units)
    for e in board.overdue:
        late.append([names.get(e.organ_id, ""), e.obligation.title, e.label, e.period.due, -e.days_left])
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _period_of(board: Dashboard, obligation_id: int) -> str:
    return next((e.label for (o, _), e in board.cells.items() if o == obligation_id), "")


def _local(value: Any, tz: ZoneInfo) -> Any:
    return value.astimezone(tz).replace(tzinfo=None) if value is not None else None


@router.get("/documents/{document_id}/tasks")
def tasks_page(
    request: Request, user: CurrentUser, documents: Documents, tasks: Tasks, document_id: Id
) -> HTMLResponse:
    """任务分工: the issuing office sees every task and unit; a unit its own tasks, with a form to report."""
    document = documents.get_visible(user, document_id)
    seen = tasks.seen_by(user, document_id)
    return page(request, "tasks.html", user, nav="documents", document=document, tasks=seen)


@router.post("/task-assignments/{assignment_id}/progress")
def progress(form: FormDep, user: CurrentUser, tasks: Tasks, assignment_id: Id) -> RedirectResponse:
    assignment = tasks.report_progress(user, assignment_id, str(form.get("note") or ""), form.get("done") == "1")
    document_id = assignment.task.document_id
    return redirect(f"/documents/{document_id}/tasks", "progress")
