"""The issuing office's dashboard: obligations × units (a period of each cadence), receipts, 逾期, reports to
签收 or return, 催办 per obligation, XLSX export; and the plan's tasks with their progress."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from starlette.datastructures import FormData

from services.accounts.groups import GroupService
from services.documents.service import DocumentService
from services.domain.models import PlanTask, TaskAssignment, User
from services.http.deps import CurrentUser, Documents, Groups, Obligations, Tasks, UnitOfWork
from services.http.downloads import content_disposition
from services.http.params import Id
from services.http.request import runtime_of
from services.obligations.service import Dashboard, Expected, ObligationService, cadence_zh
from services.obligations.tasks import TaskService
from services.web.attempt import PostedForm, attempt
from services.web.problems import FormProblem
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
    filters = {"day": day or "", "obligation": _int(obligation), "group": _int(group), "overdue": overdue == "1"}
    return _dashboard(request, user, service, groups, document_id, filters)


def _dashboard(
    request: Request, user: User, service: ObligationService, groups: GroupService, document_id: int,
    filters: dict[str, Any], problems: list[FormProblem] | None = None, typed: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    """The dashboard; after a refused 催办, 停止 or 退回: the problem at that form, the text typed kept."""
    board = service.dashboard(
        user, document_id, _day(filters["day"]), filters["obligation"], filters["group"], filters["overdue"]
    )
    return page(
        request, "distribution.html", user, http_status=422 if problems else 200, nav="documents", board=board,
        document=board.document, arrivals=board.arrivals, groups=groups.all(), cadence_zh=cadence_zh,
        filters=filters, problems=problems or [], typed=typed or {},
    )  # fmt: skip


NO_FILTERS: dict[str, Any] = {"day": "", "obligation": None, "group": None, "overdue": False}


def _at(problems: list[FormProblem], field: str) -> list[FormProblem]:
    """A form among several on the page: every problem shown at that form's field."""
    return [p.model_copy(update={"field": field}) for p in problems]


@router.post("/obligations/{obligation_id}/chase", response_model=None)
def chase(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, service: Obligations, groups: Groups,
    obligation_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    """催办 of one obligation: the units ticked (every open one when none is), for the period shown."""
    form = posted.form
    organ_ids = [int(v) for v in form.getlist("organ_ids") if isinstance(v, str) and v.isdigit()]
    period = _day(str(form.get("period_due") or ""))
    document_id = service.visible(user, obligation_id).document_id
    done, problems = attempt(ctx, posted, lambda: service.chase_now(user, obligation_id, organ_ids or None, period))
    if done is None:
        field = f"urge-{obligation_id}"
        return _dashboard(request, user, service, groups, document_id, NO_FILTERS, _at(problems, field))
    return redirect(f"/documents/{document_id}/distribution", "chased")


@router.post("/obligations/{obligation_id}/stop", response_model=None)
def stop(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, obligations: Obligations,
    groups: Groups, obligation_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    """The issuing office stops a cadence, with the reason typed beside it: the period in progress is its last."""
    reason = str(posted.form.get("reason") or "")
    document_id = obligations.visible(user, obligation_id).document_id
    done, problems = attempt(ctx, posted, lambda: obligations.stop(user, obligation_id, reason))
    if done is None:
        field = f"stop-{obligation_id}"
        return _dashboard(request, user, obligations, groups, document_id, NO_FILTERS, _at(problems, field),
                          {field: reason})  # fmt: skip
    return redirect(f"/documents/{document_id}/distribution", "stopped")


@router.post("/submissions/{submission_id}/accept")
def accept(form: FormDep, user: CurrentUser, obligations: Obligations, submission_id: Id) -> RedirectResponse:
    submission = obligations.accept(user, submission_id)
    document_id = submission.obligation.document_id
    return redirect(f"/documents/{document_id}/distribution", "accepted")


@router.post("/submissions/{submission_id}/return", response_model=None)
def return_submission(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, obligations: Obligations,
    groups: Groups, submission_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    """退回补报 with the reason typed in the report's form."""
    reason = str(posted.form.get("reason") or "")
    document_id = obligations.handled(user, submission_id).obligation.document_id
    done, problems = attempt(ctx, posted, lambda: obligations.return_(user, submission_id, reason))
    if done is None:
        field = f"reason-{submission_id}"
        return _dashboard(request, user, obligations, groups, document_id, NO_FILTERS, _at(problems, field),
                          {field: reason})  # fmt: skip
    return redirect(f"/documents/{document_id}/distribution", "returned_reply")


@router.get("/documents/{document_id}/distribution.xlsx")
def export(
    request: Request, user: CurrentUser, obligations: Obligations, tasks: Tasks, document_id: Id,
    day: str | None = None,
) -> Response:  # fmt: skip
    board = obligations.dashboard(user, document_id, _day(day))
    data = workbook(board, runtime_of(request).settings.timezone, tasks.seen_by(user, document_id))
    name = f"反馈情况-{board.document.doc_number or board.document.id}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": content_disposition(name)})


TaskRows = Sequence[tuple[PlanTask, list[TaskAssignment]]]


def workbook(board: Dashboard, zone: str, tasks: TaskRows = ()) -> bytes:
    """The matrix (every unit listed with its 签收, tasks, each obligation for the period shown and its 催办), every
    overdue period, and every task with each unit's progress: one sheet each."""
    tz = ZoneInfo(zone)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    _matrix(sheet, board, tz)
    late = book.create_sheet("逾期明细")
    late.append(["单位", "反馈事项", "报送期", "截止日期", "逾期天数"])
    names = dict(board.units)
    for e in board.overdue:
        late.append([names.get(e.organ_id, ""), e.obligation.title, e.label, e.period.due, -e.days_left])
    if tasks:
        _tasks(book.create_sheet("任务分工"), tasks, tz)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _matrix(sheet: Worksheet, board: Dashboard, tz: ZoneInfo) -> None:
    sheet.title = "反馈情况"
    sheet.append([board.document.title])
    tasks = ["任务（完成/分工）"] if board.tasks else []
    obligations = [f"{o.title}（{_period_of(board, o.id)}）" for o in board.obligations]
    sheet.append(["单位", "签收时间", *tasks, *obligations, "催办次数", "最近催办"])
    for organ_id, name in board.rows:
        received = _local(board.received.get(organ_id), tz) or "未签收"
        done = board.tasks.get(organ_id)
        row: list[Any] = [name, received, *([f"{done[0]}/{done[1]}" if done else "—"] if tasks else [])]
        row += [_cell(board.cells.get((o.id, organ_id))) for o in board.obligations]
        chased = board.chased.get(organ_id)
        sheet.append([*row, chased[0] if chased else 0, chased[1] if chased else None])
    for _, name in board.uncleared:  # the plan reached nobody there: neither 未报 nor 逾期
        sheet.append([name, "无相应密级人员"])
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 18


def _cell(c: Expected | None) -> str:
    return f"{c.status.value}（{c.standing}/{c.obligation.at_least}）" if c else "无需报送"


def _tasks(sheet: Worksheet, tasks: TaskRows, tz: ZoneInfo) -> None:
    sheet.append(["任务", "责任单位", "分工", "进展", "最新情况", "报告时间"])
    for task, assignments in tasks:
        for a in assignments:
            sheet.append([task.text, a.organ.name, a.role, a.state, a.progress or "", _local(a.updated_at, tz)])
    sheet.column_dimensions["A"].width = 60
    sheet.column_dimensions["B"].width = 34


def _period_of(board: Dashboard, obligation_id: int) -> str:
    return next((e.label for (o, _), e in board.cells.items() if o == obligation_id), "")


def _local(value: Any, tz: ZoneInfo) -> Any:
    return value.astimezone(tz).replace(tzinfo=None) if value is not None else None


@router.get("/documents/{document_id}/tasks")
def tasks_page(
    request: Request, user: CurrentUser, documents: Documents, tasks: Tasks, document_id: Id
) -> HTMLResponse:
    """任务分工: the issuing office sees every task and unit; a unit its own tasks, with a form to report."""
    return _tasks_page(request, user, documents, tasks, document_id)


def _tasks_page(
    request: Request, user: User, documents: DocumentService, tasks: TaskService, document_id: int,
    problems: list[FormProblem] | None = None, typed: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    """The tasks page; after a refused progress report: the problem at its form, the text typed kept."""
    document = documents.get_visible(user, document_id)
    return page(
        request, "tasks.html", user, http_status=422 if problems else 200, nav="documents", document=document,
        tasks=tasks.seen_by(user, document_id), problems=problems or [], typed=typed or {},
    )  # fmt: skip


@router.post("/task-assignments/{assignment_id}/progress", response_model=None)
def progress(
    request: Request, posted: PostedForm, user: CurrentUser, ctx: UnitOfWork, documents: Documents, tasks: Tasks,
    assignment_id: Id,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    note, finished = str(posted.form.get("note") or ""), posted.form.get("done") == "1"
    document_id = tasks.own(user, assignment_id).task.document_id
    done, problems = attempt(ctx, posted, lambda: tasks.report_progress(user, assignment_id, note, finished))
    if done is None:
        field = f"note-{assignment_id}"
        return _tasks_page(request, user, documents, tasks, document_id, _at(problems, field), {field: note})
    return redirect(f"/documents/{document_id}/tasks", "progress")
