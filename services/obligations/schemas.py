"""What the API answers about a plan's 反馈事项, the expected and arrived reports, 催办 and 任务分工; answers read
entities by their attributes inside the request's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, Field, field_validator

from services.accounts.schemas import Name, OrganRef
from services.domain.models import Obligation, PlanTask, Submission, TaskAssignment
from services.obligations.service import Dashboard, cadence_zh


class ObligationOut(BaseModel):
    id: int
    document_id: int
    position: int
    title: str
    materials: list[str]
    optional_materials: list[str]
    phase: str | None
    due_on: dt.date | None
    cadence: str | None
    cadence_zh: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    partial_first: bool
    stopped_on: dt.date | None
    at_least: int
    owners: list[OrganRef]
    method: str | None
    contact: str | None

    @classmethod
    def of(cls, o: Obligation, names: dict[int, str]) -> ObligationOut:
        """``names``: the owners' names by organ id, as the plan's service reads them in one query."""
        return cls(
            id=o.id, document_id=o.document_id, position=o.position, title=o.title, materials=list(o.materials),
            optional_materials=list(o.optional_materials or []), phase=o.phase, due_on=o.due_on, cadence=o.cadence,
            cadence_zh=cadence_zh(o), starts_on=o.starts_on, ends_on=o.ends_on, partial_first=bool(o.partial_first),
            stopped_on=o.stopped_on, at_least=o.at_least, method=o.method, contact=o.contact,
            owners=[OrganRef(id=w, name=names.get(w, "")) for w in sorted(o.owner_ids)],
        )  # fmt: skip


class ExpectedOut(BaseModel):
    """One expected submission (obligation × unit × period) with its status as of today."""

    model_config = ConfigDict(from_attributes=True)  # an Expected (services.obligations.service) is read

    obligation_id: int = Field(validation_alias=AliasPath("obligation", "id"))
    obligation: str = Field(validation_alias=AliasPath("obligation", "title"))
    materials: list[str] = Field(validation_alias=AliasPath("obligation", "materials"))
    document_id: int = Field(validation_alias=AliasPath("obligation", "document_id"))
    document_title: str = Field(validation_alias=AliasPath("obligation", "document", "title"))
    organ_id: int
    period_start: dt.date = Field(validation_alias=AliasPath("period", "start"))
    period_due: dt.date = Field(validation_alias=AliasPath("period", "due"))
    period_label: str = Field(validation_alias="label")
    status: str
    standing: int
    at_least: int = Field(validation_alias=AliasPath("obligation", "at_least"))
    missing: int
    days_left: int
    chases: int
    reply_document_id: int | None = Field(validation_alias="reply_id")
    owed: int = Field(0, description="How many periods the unit owes on this obligation, this one included")

    @field_validator("owed", mode="before")
    @classmethod
    def _periods_owed(cls, owed: Any) -> Any:
        return owed if isinstance(owed, int) else len(owed)


class SubmissionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # an ArrivedReport is read by its attributes

    id: int
    obligation_id: int
    obligation: str
    document_id: int
    organ_id: int
    organ: str
    period_due: dt.date
    reply_document_id: int
    reply_title: str
    submitted_at: dt.datetime
    submitted_on: dt.date
    late: bool
    status: str
    returned_reason: str | None

    @classmethod
    def of(cls, s: Submission) -> SubmissionOut:
        return cls(
            id=s.id, obligation_id=s.obligation_id, obligation=s.obligation.title,
            document_id=s.obligation.document_id, organ_id=s.organ_id, organ=s.organ.name, period_due=s.period_due,
            reply_document_id=s.reply_document_id, reply_title=s.reply.title, submitted_at=s.submitted_at,
            submitted_on=s.submitted_on, late=s.submitted_on > s.period_due, status=s.status,
            returned_reason=s.returned_reason,
        )  # fmt: skip


class ChaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # a Chase, or a ChaseNotice (the 待办's)

    id: int
    obligation_id: int
    document_id: int = Field(validation_alias=AliasChoices("document_id", AliasPath("obligation", "document_id")))
    organ_id: int
    period_due: dt.date
    chased_on: dt.date
    method: str
    message: str
    at: dt.datetime


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # a TaskAssignment, or an OpenTask (the 待办's)

    id: int
    task_id: int
    document_id: int = Field(validation_alias=AliasChoices("document_id", AliasPath("task", "document_id")))
    task: str = Field(validation_alias=AliasChoices("task_text", AliasPath("task", "text")))
    organ_id: int
    organ: Name
    role: str
    state: str
    progress: str | None
    updated_at: dt.datetime | None
    done_at: dt.datetime | None


class TaskOut(BaseModel):
    id: int
    document_id: int
    position: int
    text: str
    units_text: str | None
    assignments: list[AssignmentOut]

    @classmethod
    def of(cls, t: PlanTask, assignments: list[TaskAssignment]) -> TaskOut:
        return cls(
            id=t.id, document_id=t.document_id, position=t.position, text=t.text, units_text=t.units_text,
            assignments=[AssignmentOut.model_validate(a) for a in assignments],
        )  # fmt: skip


class UnitRow(BaseModel):
    organ_id: int
    organ: str
    received_at: dt.datetime | None
    cells: dict[int, ExpectedOut]
    late: dict[int, int] = Field(description="Per obligation: how many of its periods are overdue, all told")
    tasks_done: int = 0
    tasks: int = Field(0, description="Tasks this unit is responsible for (牵头 or 配合)")


class DashboardOut(BaseModel):
    """The obligations × units matrix for one period of each cadence (``day``), and every overdue period."""

    document_id: int
    day: dt.date
    today: dt.date
    obligations: list[ObligationOut]
    units: list[UnitRow]
    overdue: list[ExpectedOut]
    units_without_clearance: list[OrganRef] = Field(
        default_factory=list,
        description="无相应密级人员: units where nobody is cleared for the 密级 (the plan reached nobody there); "
        "not in ``units``, never overdue, never chased",
    )

    @classmethod
    def of(cls, d: Dashboard) -> DashboardOut:
        names = dict(d.units)
        return cls(
            document_id=d.document.id, day=d.day, today=d.today,
            obligations=[ObligationOut.of(o, names) for o in d.obligations],
            units=[
                UnitRow(
                    organ_id=u, organ=name, received_at=d.received.get(u),
                    cells={
                        o.id: ExpectedOut.model_validate(d.cells[(o.id, u)])
                        for o in d.obligations if (o.id, u) in d.cells
                    },
                    late={o.id: d.late[(o.id, u)] for o in d.obligations if (o.id, u) in d.late},
                    tasks_done=d.tasks.get(u, (0, 0))[0], tasks=d.tasks.get(u, (0, 0))[1],
                )
                for u, name in d.units
            ],
            overdue=[ExpectedOut.model_validate(e) for e in d.overdue],
            units_without_clearance=[OrganRef(id=u, name=name) for u, name in d.uncleared],
        )  # fmt: skip
