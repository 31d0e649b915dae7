"""反馈事项: what a plan asks of each unit, the reports that answer it, 签收 / 退回补报, 催办, the dashboard; the
plan's tasks with their progress; recipient groups."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from pydantic import BaseModel, Field

from services.accounts.schemas import GroupOut
from services.api.errors import ERROR_RESPONSES
from services.documents.service import decode_utf8_text
from services.http.deps import CurrentUser, Groups, Obligations, Tasks
from services.http.params import Id, IdField, IdQuery
from services.http.uploads import attachment_of
from services.obligations.schemas import AssignmentOut, ChaseOut, DashboardOut, ObligationOut, SubmissionOut, TaskOut

router = APIRouter(prefix="/api/v1", tags=["obligations"], responses=ERROR_RESPONSES)


class ReturnIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ChaseIn(BaseModel):
    organ_ids: list[IdField] | None = Field(
        None, max_length=10_000, description="Units to chase; all open ones when absent"
    )
    period_due: dt.date | None = Field(None, description="One period (its due date); the most pressing when absent")


class ProgressIn(BaseModel):
    note: str = Field(min_length=1, max_length=5000)
    done: bool = False


class GroupIn(BaseModel):
    name: str = Field(min_length=2, max_length=100)
    members: list[IdField] = Field(min_length=1, max_length=2000)
    aliases: list[str] = Field(default_factory=list, max_length=20, description="Other names plans use: 各市直部门")


class MembersIn(BaseModel):
    members: list[IdField] = Field(min_length=1, max_length=2000)
    aliases: list[str] | None = Field(None, max_length=20, description="Replace the group's aliases (none: keep)")


@router.get("/documents/{document_id}/obligations")
def obligations(user: CurrentUser, obligations: Obligations, document_id: Id) -> list[ObligationOut]:
    """The issuing office sees every obligation; a recipient those it owes."""
    found = obligations.seen_by(user, document_id)
    names = {r.organ_id: r.organ.name for o in found for r in o.document.recipients}
    return [ObligationOut.of(o, names) for o in found]


@router.get("/documents/{document_id}/obligations/matrix")
def matrix(
    user: CurrentUser,
    obligations: Obligations,
    document_id: Id,
    day: dt.date | None = Query(None, description="Which period of each cadence (default: today's)"),
    obligation: IdQuery | None = None,
    group: IdQuery | None = None,
    overdue: bool = False,
) -> DashboardOut:
    """The issuing office's obligations × units dashboard."""
    board = obligations.dashboard(user, document_id, day, obligation, group, overdue)
    return DashboardOut.of(board)


@router.post("/obligations/{obligation_id}/submissions", status_code=201)
def report(
    user: CurrentUser,
    obligations: Obligations,
    obligation_id: Id,
    title: Annotated[str, Form(min_length=1, max_length=500)],
    period_due: Annotated[dt.date | None, Form()] = None,
    body: Annotated[str | None, Form()] = None,
    body_file: Annotated[UploadFile | None, File()] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> SubmissionOut:
    """报送: a unit's report on one obligation (and period), as text or a UTF-8 file, with photos attached."""
    text = body if body is not None else (decode_utf8_text(body_file.file.read()) if body_file else "")
    uploads = [attachment_of(f, unnamed="附件") for f in files or []]
    return SubmissionOut.of(obligations.report(user, obligation_id, period_due, title, text, uploads))


@router.get("/obligations/{obligation_id}/chases")
def chases(user: CurrentUser, obligations: Obligations, obligation_id: Id) -> list[ChaseOut]:
    return [ChaseOut.model_validate(c) for c in obligations.chases_seen_by(user, obligation_id)]


@router.post("/obligations/{obligation_id}/chase")
def chase(user: CurrentUser, obligations: Obligations, obligation_id: Id, body: ChaseIn) -> dict[str, int]:
    """催办 by the issuing office: the units still open on this obligation, at most once a day each."""
    return {"chased": obligations.chase_now(user, obligation_id, body.organ_ids, body.period_due)}


class StopIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Why the issuing office stops the cadence")


@router.post("/obligations/{obligation_id}/stop")
def stop(user: CurrentUser, service: Obligations, obligation_id: Id, body: StopIn) -> ObligationOut:
    """The issuing office stops a cadence: the period in progress is its last (audited)."""
    obligation = service.stop(user, obligation_id, body.reason)
    return ObligationOut.of(obligation, service.repo.names(obligation.document_id))


@router.post("/submissions/{submission_id}/accept")
def accept(user: CurrentUser, obligations: Obligations, submission_id: Id) -> SubmissionOut:
    """签收 a report (the issuing office has looked at it and accepts it)."""
    return SubmissionOut.of(obligations.accept(user, submission_id))


@router.post("/submissions/{submission_id}/return")
def return_submission(user: CurrentUser, obligations: Obligations, submission_id: Id, body: ReturnIn) -> SubmissionOut:
    """退回补报 with a reason."""
    return SubmissionOut.of(obligations.return_(user, submission_id, body.reason))


@router.get("/documents/{document_id}/tasks")
def tasks(user: CurrentUser, tasks: Tasks, document_id: Id) -> list[TaskOut]:
    """任务分工: every task and unit for the issuing office; a unit sees only its own tasks."""
    return [TaskOut.of(t, a) for t, a in tasks.seen_by(user, document_id)]


@router.post("/task-assignments/{assignment_id}/progress")
def progress(user: CurrentUser, tasks: Tasks, assignment_id: Id, body: ProgressIn) -> AssignmentOut:
    """A responsible unit reports progress on its task, or that it is done."""
    return AssignmentOut.model_validate(tasks.report_progress(user, assignment_id, body.note, body.done))


@router.get("/recipient-groups")
def groups(groups: Groups) -> list[GroupOut]:
    return [GroupOut.model_validate(g) for g in groups.all()]


@router.post("/recipient-groups", status_code=201)
def create_group(user: CurrentUser, groups: Groups, body: GroupIn) -> GroupOut:
    return GroupOut.model_validate(groups.create(user, body.name, body.members, body.aliases))


@router.put("/recipient-groups/{group_id}")
def set_members(user: CurrentUser, service: Groups, group_id: Id, body: MembersIn) -> GroupOut:
    """A group's members, and its aliases when given."""
    group = service.set_members(user, group_id, body.members)
    if body.aliases is not None:
        group = service.set_aliases(user, group_id, body.aliases)
    return GroupOut.model_validate(group)
