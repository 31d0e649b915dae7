"""Every query of obligations, submissions, chases and tasks (routes, pages and flows ask the services, never SQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from services import access
from services.access import Level, Reader
from services.domain.enums import DocStatus, SubmissionStatus, TaskState
from services.domain.models import (
    AuditEvent,
    Chase,
    Document,
    DocumentRecipient,
    InboxItem,
    Obligation,
    ObligationOwner,
    Organ,
    Phase,
    PlanTask,
    Submission,
    TaskAssignment,
)
from services.obligations.rules import Tally

Row = TypeVar("Row", Obligation, Submission, TaskAssignment, InboxItem)
Key = tuple[int, int, dt.date]  # obligation, organ, period due


def for_update(session: Session, query: Select[tuple[Row]], entity: type[Row]) -> Select[tuple[Row]]:
    """Row locks on PostgreSQL (SQLite's writers are serialised by BEGIN IMMEDIATE); fresh values after the lock."""
    query = query.execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=entity)
    return query


@dataclass(frozen=True, slots=True)
class ArrivedReport:
    """A report (报送) waiting for the plan's office, as the 待办 and the API list it."""

    id: int
    obligation_id: int
    obligation: str  # its title
    document_id: int  # the plan's
    organ_id: int
    organ: str  # the reporting unit's name
    period_due: dt.date
    reply_document_id: int
    reply_title: str
    submitted_at: dt.datetime
    submitted_on: dt.date
    status: str
    returned_reason: str | None

    @property
    def late(self) -> bool:
        return self.submitted_on > self.period_due


@dataclass(frozen=True, slots=True)
class PlanRef:
    """A plan as the 待办 names it."""

    id: int
    title: str


@dataclass(frozen=True, slots=True)
class OwedObligation:
    """An obligation the reader's organ owes, with what its periods depend on, as the 待办 reads it (no ORM row)."""

    document: PlanRef
    id: int
    document_id: int
    position: int
    title: str
    materials: list[str]
    at_least: int
    cadence: str | None
    due_on: dt.date | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    partial_first: bool
    stopped_on: dt.date | None
    phases_end: dt.date | None  # the last day of the plan's last phase (a cadence without an end runs to it)


@dataclass(frozen=True, slots=True)
class OpenTask:
    """An open task of the reader's organ on a plan, as the 待办 and the API list it."""

    id: int
    task_id: int
    document_id: int  # the plan's
    task_text: str
    plan_title: str
    plan_number: str | None
    organ_id: int
    organ: str  # the organ's name
    role: str
    state: str
    progress: str | None
    updated_at: dt.datetime | None
    done_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ChaseNotice:
    """A 催办 to the reader's organ, as the 待办 and the API list it."""

    id: int
    obligation_id: int
    document_id: int  # the plan's
    organ_id: int
    period_due: dt.date
    chased_on: dt.date
    method: str
    message: str
    at: dt.datetime


_STANDING = Submission.status != SubmissionStatus.returned.value
_REPLY = aliased(Document, name="reply")
_ARRIVED_COLUMNS = (  # in ArrivedReport's order
    Submission.id, Submission.obligation_id, Obligation.title, Obligation.document_id, Submission.organ_id, Organ.name,
    Submission.period_due, Submission.reply_document_id, _REPLY.title, Submission.submitted_at, Submission.submitted_on,
    Submission.status, Submission.returned_reason,
)  # fmt: skip


def _arrived(*where: ColumnElement[bool]) -> Select[Any]:
    """Reports not yet 签收 or returned, with their obligation, unit and reply's title, oldest first; limit bound."""
    return (
        select(*_ARRIVED_COLUMNS)
        .join(Obligation, Obligation.id == Submission.obligation_id)
        .join(Organ, Organ.id == Submission.organ_id)
        .join(_REPLY, _REPLY.id == Submission.reply_document_id)
        .where(Submission.status == SubmissionStatus.arrived.value, *where)
        .order_by(Submission.id)
        .limit(bindparam("limit"))
    )


_ARRIVED_ON = _arrived(Submission.obligation_id.in_(bindparam("ids", expanding=True)))


_PLAN = aliased(Document, name="plan")


@lru_cache(maxsize=4096)
def _arrivals_statement(reader: Reader) -> Select[Any]:
    """Built once per reader: on the plans this organ leads and may read at the internal level (asked of each
    plan with reports waiting, not of every document the organ ever led)."""
    return _arrived(_PLAN.lead_organ_id == reader.organ_id, access.readable_row(reader, Level.internal, _PLAN)).join(
        _PLAN, _PLAN.id == Obligation.document_id
    )


class ObligationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def obligation(self, obligation_id: int, lock: bool = False) -> Obligation | None:
        query = select(Obligation).where(Obligation.id == obligation_id)
        return self.session.scalar(for_update(self.session, query, Obligation) if lock else query)

    def submission(self, submission_id: int, lock: bool = False) -> Submission | None:
        query = select(Submission).where(Submission.id == submission_id)
        return self.session.scalar(for_update(self.session, query, Submission) if lock else query)

    def assignment(self, assignment_id: int, lock: bool = False) -> TaskAssignment | None:
        query = select(TaskAssignment).where(TaskAssignment.id == assignment_id)
        return self.session.scalar(for_update(self.session, query, TaskAssignment) if lock else query)

    def of_document(self, document_id: int) -> Sequence[Obligation]:
        return self.session.scalars(_OF_DOCUMENT, {"document_id": document_id}).all()

    def owed_by(self, reader: Reader) -> tuple[list[OwedObligation], dict[Key, Tally]]:
        """Obligations the reader's organ owes on distributed plans it may read, in plan order, with its reports
        tallied per period in the database (one statement, a row per obligation × period reported). The tallies
        serve the open periods: ``reached_on`` is not read (a period met is not open, whenever it was met)."""
        owed: dict[int, OwedObligation] = {}
        tallies: dict[Key, Tally] = {}
        organ = reader.organ_id
        for row in self.session.connection().execute(_owed_statement(reader)):
            obligation = owed.get(row[0])
            if obligation is None:
                obligation = OwedObligation(PlanRef(row[1], row[13]), *row[:13])
                owed[obligation.id] = obligation
            due, standing, last, last_returned, reason = row[14:]
            if due is not None:
                tallies[(obligation.id, organ, due)] = Tally(int(standing), None, last == last_returned, reason)
        return list(owed.values()), tallies

    def distributed(self) -> Sequence[Obligation]:
        query = (
            select(Obligation)
            .join(Document, Document.id == Obligation.document_id)
            .where(Document.status == DocStatus.distributed.value)
            .order_by(Obligation.id)
        )
        return self.session.scalars(query).all()

    def tallies(
        self,
        obligation_ids: Iterable[int],
        organ_ids: Iterable[int] | None = None,
        dues: Iterable[dt.date] | None = None,
    ) -> dict[Key, Tally]:
        """Per obligation × unit × period: the reports still standing, when the last needed one came, and
        whether the latest was returned. ``at_least`` per obligation decides which report completes a period.
        Read as plain rows, not ORM ones (a year of weekly reports from 200 units is thousands of them)."""
        ids = list(obligation_ids)
        if not ids:
            return {}
        params: dict[str, Any] = {"ids": ids}
        if organ_ids is not None:
            params["organ_ids"] = list(organ_ids)
        if dues is not None:
            params["dues"] = list(dues)
        query = _tallies_statement(organ_ids is not None, dues is not None)
        rows = sorted(self.session.connection().execute(query, params), key=lambda row: row[0])  # arrival order
        return _fold_tallies(rows)

    def chase_counts(self, obligation_ids: Iterable[int], dues: Iterable[dt.date]) -> dict[Key, int]:
        """How often each unit was chased for the given periods (a daily 催办 run adds hundreds a day)."""
        params = {"ids": list(obligation_ids), "dues": list(dues)}
        return {(ob, organ, due): int(n) for ob, organ, due, n in self._rows(_CHASE_COUNTS, params)}

    def chased_on(self, day: dt.date, obligation_ids: Iterable[int] | None = None) -> set[tuple[int, int]]:
        query = select(Chase.obligation_id, Chase.organ_id).where(Chase.chased_on == day)
        if obligation_ids is not None:
            query = query.where(Chase.obligation_id.in_(list(obligation_ids)))
        return {(ob, organ) for ob, organ in self.session.execute(query)}

    def chases(self, obligation_id: int, organ_id: int | None = None) -> Sequence[Chase]:
        query = select(Chase).where(Chase.obligation_id == obligation_id)
        if organ_id is not None:
            query = query.where(Chase.organ_id == organ_id)
        return self.session.scalars(query.order_by(Chase.id)).all()

    def chases_of_organ(self, reader: Reader, limit: int = 50) -> list[ChaseNotice]:
        """The newest 催办 notices to the reader's organ, on plans it may read."""
        rows = self.session.connection().execute(_chases_of_organ_statement(reader), {"limit": limit})
        return [ChaseNotice(*row) for row in rows]

    def late_counts(self, obligations: Iterable[Obligation], today: dt.date) -> dict[tuple[int, int], tuple[int, int]]:
        """Per obligation × unit, over the periods already due: how many are met (enough reports standing) and how
        many wait on a 补报 (every report, or the newest, returned). Aggregated in the database: a row per unit."""
        found: dict[tuple[int, int], tuple[int, int]] = {}
        single = [o.id for o in obligations if o.at_least == 1]
        several = [o.id for o in obligations if o.at_least > 1]
        if single:  # one report meets a period: count the periods with a standing one, and those with any
            for ob, organ, met, reported in self._rows(_LATE_OF_SINGLE, {"ids": single, "today": today}):
                found[(ob, organ)] = (int(met), int(reported) - int(met))
        if several:
            for ob, organ, met, waiting in self._rows(_LATE_OF_SEVERAL, {"ids": several, "today": today}):
                found[(ob, organ)] = (int(met), int(waiting))
        return found

    def task_counts(self, document_id: int) -> dict[int, tuple[int, int]]:
        """Per responsible unit of a plan: tasks done, tasks in all."""
        rows = self._rows(_TASK_COUNTS, {"document_id": document_id})
        return {organ: (int(d), int(n)) for organ, d, n in rows}

    def owners_of(self, obligation_ids: Iterable[int]) -> dict[int, set[int]]:
        found: dict[int, set[int]] = {}
        for ob, organ in self._rows(_OWNERS_OF, {"ids": list(obligation_ids)}):
            found.setdefault(ob, set()).add(organ)
        return found

    def names(self, document_id: int) -> dict[int, str]:
        """The recipients of a document with their names, in order (one query)."""
        return {organ: name for organ, name in self._rows(_NAMES, {"document_id": document_id})}

    def received(self, document_id: int) -> dict[int, dt.datetime | None]:
        return {organ: at for organ, at in self._rows(_RECEIVED, {"document_id": document_id})}

    def latest_submissions(
        self, obligation_ids: Iterable[int], dues: Iterable[dt.date] | None = None
    ) -> dict[Key, int]:
        """The newest report's reply document per obligation × unit × period (the dashboard opens it)."""
        params: dict[str, Any] = {"ids": list(obligation_ids)}
        if dues is not None:
            params["dues"] = list(dues)
        rows = self._rows(_LATEST_IN_PERIODS if dues is not None else _LATEST, params)
        return {(ob, organ, d): reply for ob, organ, d, reply in rows}

    def submissions(
        self, obligation_id: int, organ_id: int | None = None, status: SubmissionStatus | None = None
    ) -> Sequence[Submission]:
        query = select(Submission).where(Submission.obligation_id == obligation_id)
        if organ_id is not None:
            query = query.where(Submission.organ_id == organ_id)
        if status is not None:
            query = query.where(Submission.status == status.value)
        return self.session.scalars(query.order_by(Submission.id)).all()

    def arrived(self, obligation_ids: Iterable[int], limit: int = 200) -> list[ArrivedReport]:
        """Reports on these obligations waiting to be 签收 or returned (the dashboard's list), oldest first."""
        params = {"ids": list(obligation_ids), "limit": limit}
        return [ArrivedReport(*row) for row in self.session.connection().execute(_ARRIVED_ON, params)]

    def arrivals_for(self, reader: Reader, limit: int = 200) -> list[ArrivedReport]:
        """Reports waiting for the issuing office (the plan's lead organ) to 签收 or return them, oldest first."""
        rows = self.session.connection().execute(_arrivals_statement(reader), {"limit": limit})
        return [ArrivedReport(*row) for row in rows]

    def tasks_of(self, document_id: int, organ_id: int | None = None) -> Sequence[PlanTask]:
        query = select(PlanTask).where(PlanTask.document_id == document_id)
        if organ_id is not None:
            mine = select(TaskAssignment.task_id).where(TaskAssignment.organ_id == organ_id)
            query = query.where(PlanTask.id.in_(mine))
        return self.session.scalars(query.order_by(PlanTask.position)).all()

    def assignments_of(self, reader: Reader) -> list[OpenTask]:
        """Open tasks of the reader's organ on distributed plans it may read (its 待办)."""
        return [OpenTask(*row) for row in self.session.connection().execute(_assignments_statement(reader))]

    def chase_summary(self, obligation_ids: Iterable[int]) -> dict[int, tuple[int, dt.date]]:
        """Per unit: how often it was chased on these obligations (every period) and the last day it was."""
        rows = self._rows(_CHASE_SUMMARY, {"ids": list(obligation_ids)})
        return {organ: (int(n), last) for organ, n, last in rows}

    def _rows(self, statement: Select[Any], params: dict[str, Any]) -> Sequence[Any]:
        """A statement built once (module level, every value bound) run on the connection: plain rows."""
        return self.session.connection().execute(statement, params).all()

    def handled_by(
        self, organ_id: int, user_id: int, readable: ColumnElement[bool], limit: int, offset: int = 0
    ) -> list[HandledItem]:
        """已办: what the user or their organ did on a document they may still read, newest first."""
        event, document = AuditEvent, Document
        columns = (event.id, event.at, event.action_zh, event.actor_name, document.id, document.title)
        query = (
            select(*columns, document.doc_number, document.status)
            .join(Document, Document.id == AuditEvent.document_id)
            .where(
                or_(AuditEvent.organ_id == organ_id, AuditEvent.actor_id == user_id),
                AuditEvent.action.in_(HANDLED_ACTIONS),
                readable,
            )
            .order_by(AuditEvent.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [HandledItem(*row) for row in self.session.execute(query)]

    def with_owners(self, document_id: int) -> tuple[list[Obligation], dict[int, set[int]]]:
        """A plan's obligations in order and the units owing each, in one statement (a document's page)."""
        query = (
            select(Obligation, ObligationOwner.organ_id)
            .outerjoin(ObligationOwner, ObligationOwner.obligation_id == Obligation.id)
            .where(Obligation.document_id == document_id)
            .order_by(Obligation.position, ObligationOwner.organ_id)
        )
        obligations: dict[int, Obligation] = {}
        owners: dict[int, set[int]] = {}
        for obligation, organ_id in self.session.execute(query).tuples():
            obligations.setdefault(obligation.id, obligation)
            if organ_id is not None:
                owners.setdefault(obligation.id, set()).add(organ_id)
        return list(obligations.values()), owners


# -- the dashboard's reads, built once (every value bound: SQLAlchemy keys them without walking them again) --

_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_DUES: BindParameter[Any] = bindparam("dues", expanding=True)
_OF_DOCUMENT = (
    select(Obligation).where(Obligation.document_id == bindparam("document_id")).order_by(Obligation.position)
)
_CHASE_COUNTS = (
    select(Chase.obligation_id, Chase.organ_id, Chase.period_due, func.count())
    .where(Chase.obligation_id.in_(_IDS), Chase.period_due.in_(_DUES))
    .group_by(Chase.obligation_id, Chase.organ_id, Chase.period_due)
)
_CHASE_SUMMARY = (
    select(Chase.organ_id, func.count(), func.max(Chase.chased_on))
    .where(Chase.obligation_id.in_(_IDS))
    .group_by(Chase.organ_id)
)
_LATE_OF_SINGLE = (  # per obligation × unit: periods past with a standing report, and with any report
    select(
        Submission.obligation_id,
        Submission.organ_id,
        func.count(func.distinct(case((_STANDING, Submission.period_due)))),
        func.count(func.distinct(Submission.period_due)),
    )
    .where(Submission.obligation_id.in_(_IDS), Submission.period_due < bindparam("today"))
    .group_by(Submission.obligation_id, Submission.organ_id)
)
_PER_PERIOD = (
    select(
        Submission.obligation_id.label("ob"),
        Submission.organ_id.label("organ"),
        func.sum(case((_STANDING, 1), else_=0)).label("standing"),
        func.max(Submission.id).label("last"),
        func.max(case((~_STANDING, Submission.id))).label("last_returned"),
    )
    .where(Submission.obligation_id.in_(_IDS), Submission.period_due < bindparam("today"))
    .group_by(Submission.obligation_id, Submission.organ_id, Submission.period_due)
    .subquery()
)
_LATE_OF_SEVERAL = (  # per obligation × unit: periods past met (enough standing), and waiting on a 补报
    select(
        _PER_PERIOD.c.ob,
        _PER_PERIOD.c.organ,
        func.sum(case((_PER_PERIOD.c.standing >= Obligation.at_least, 1), else_=0)),
        func.sum(
            case(
                (
                    (_PER_PERIOD.c.last == _PER_PERIOD.c.last_returned)
                    & (_PER_PERIOD.c.standing < Obligation.at_least),
                    1,
                ),
                else_=0,
            )
        ),
    )
    .join(Obligation, Obligation.id == _PER_PERIOD.c.ob)
    .group_by(_PER_PERIOD.c.ob, _PER_PERIOD.c.organ)
)
_TASK_COUNTS = (
    select(
        TaskAssignment.organ_id,
        func.sum(case((TaskAssignment.state == TaskState.done.value, 1), else_=0)),
        func.count(),
    )
    .join(PlanTask, PlanTask.id == TaskAssignment.task_id)
    .where(PlanTask.document_id == bindparam("document_id"))
    .group_by(TaskAssignment.organ_id)
)
_OWNERS_OF = select(ObligationOwner.obligation_id, ObligationOwner.organ_id).where(
    ObligationOwner.obligation_id.in_(_IDS)
)
_NAMES = (
    select(DocumentRecipient.organ_id, Organ.name)
    .join(Organ, Organ.id == DocumentRecipient.organ_id)
    .where(DocumentRecipient.document_id == bindparam("document_id"))
    .order_by(DocumentRecipient.position)
)
_RECEIVED = select(InboxItem.organ_id, InboxItem.received_at).where(InboxItem.document_id == bindparam("document_id"))
_LATEST = (
    select(Submission.obligation_id, Submission.organ_id, Submission.period_due, Submission.reply_document_id)
    .where(Submission.obligation_id.in_(_IDS))
    .order_by(Submission.id)
)
_LATEST_IN_PERIODS = _LATEST.where(Submission.period_due.in_(_DUES))


# What a person does on a document in the course of the work (audit actions), as the 已办 list shows it.
HANDLED_ACTIONS = (
    "submit", "review_approved", "review_returned", "countersigned", "signed", "signoff_rejected", "rechecked",
    "registered", "sealed", "released", "received", "reported", "submission_accepted", "reply_returned",
    "task_progress", "task_done",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class HandledItem:
    """One act in the 已办 list: when, what (in Chinese), by whom, on which document."""

    id: int
    at: dt.datetime
    action: str
    actor: str
    document_id: int
    title: str
    doc_number: str | None
    status: str


_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def _fold_tallies(rows: Iterable[Any]) -> dict[Key, Tally]:
    """Reports in arrival order folded per obligation × unit × period: standing, the day the ``at_least``-th came,
    whether the newest was returned, and the reason of the one returned last (退回补报). Plain lists while
    folding: a dashboard folds tens of thousands of reports."""
    acc: dict[Key, list[Any]] = {}  # standing, reached on, newest returned, reason, (decided at, id) of the reason
    for sid, ob, organ, period_due, returned, on, at_least, decided_at, reason in rows:
        entry = acc.setdefault((ob, organ, period_due), [0, None, False, None, None])
        if returned:
            entry[2] = True
            when = (decided_at or _NEVER, sid)
            if reason is not None and (entry[4] is None or when > entry[4]):
                entry[3], entry[4] = reason, when
            continue
        entry[0] += 1
        if entry[0] == at_least:
            entry[1] = on
        entry[2] = False
    return {key: Tally(*entry[:4]) for key, entry in acc.items()}


# -- the 待办's reads, built once per reader (SQLAlchemy keys a statement it has seen without walking it again) --


_OWED_COLUMNS = (  # in OwedObligation's order after its plan, the plan's title last
    Obligation.id, Obligation.document_id, Obligation.position, Obligation.title, Obligation.materials,
    Obligation.at_least, Obligation.cadence, Obligation.due_on, Obligation.starts_on, Obligation.ends_on,
    Obligation.partial_first, Obligation.stopped_on,
    select(func.max(Phase.ends_on)).where(Phase.document_id == Obligation.document_id).scalar_subquery(),
    _PLAN.title,
)  # fmt: skip


@lru_cache(maxsize=4096)
def _owed_statement(reader: Reader) -> Select[Any]:
    """Each obligation the organ owes (on distributed plans it may read), once per period it reported on: how many
    of its reports stand, whether the newest was returned and, then, the reason of the one returned last."""
    per = (
        select(
            Submission.obligation_id.label("ob"),
            Submission.period_due.label("due"),
            func.sum(case((_STANDING, 1), else_=0)).label("standing"),
            func.max(Submission.id).label("last"),
            func.max(case((~_STANDING, Submission.id))).label("last_returned"),
        )
        .where(Submission.organ_id == reader.organ_id)
        .group_by(Submission.obligation_id, Submission.period_due)
        .subquery("per")
    )
    returned = aliased(Submission, name="returned")
    reason = (  # as the fold reads it: of the returned reports with a reason, the one decided last
        select(returned.returned_reason)
        .where(
            returned.obligation_id == per.c.ob,
            returned.organ_id == reader.organ_id,
            returned.period_due == per.c.due,
            returned.status == SubmissionStatus.returned.value,
            returned.returned_reason.is_not(None),
        )
        .order_by(returned.decided_at.is_(None), returned.decided_at.desc(), returned.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    newest_returned = per.c.last == per.c.last_returned
    tally = (per.c.due, per.c.standing, per.c.last, per.c.last_returned, case((newest_returned, reason)))
    return (
        select(*_OWED_COLUMNS, *tally)
        .join(ObligationOwner, ObligationOwner.obligation_id == Obligation.id)
        .join(_PLAN, _PLAN.id == Obligation.document_id)
        .outerjoin(per, per.c.ob == Obligation.id)
        .where(
            ObligationOwner.organ_id == reader.organ_id,
            _PLAN.status == DocStatus.distributed.value,
            access.readable_row(reader, Level.issued, _PLAN),
        )
        .order_by(Obligation.document_id, Obligation.position, Obligation.id, per.c.due)
    )


_CHASE_COLUMNS = (  # in ChaseNotice's order
    Chase.id, Chase.obligation_id, Obligation.document_id, Chase.organ_id, Chase.period_due, Chase.chased_on,
    Chase.method, Chase.message, Chase.at,
)  # fmt: skip
_TASK_COLUMNS = (  # in OpenTask's order
    TaskAssignment.id, TaskAssignment.task_id, PlanTask.document_id, PlanTask.text, _PLAN.title,
    _PLAN.doc_number, TaskAssignment.organ_id, Organ.name, TaskAssignment.role, TaskAssignment.state,
    TaskAssignment.progress, TaskAssignment.updated_at, TaskAssignment.done_at,
)  # fmt: skip


@lru_cache(maxsize=4096)
def _chases_of_organ_statement(reader: Reader) -> Select[Any]:
    return (
        select(*_CHASE_COLUMNS)
        .join(Obligation, Obligation.id == Chase.obligation_id)
        .join(_PLAN, _PLAN.id == Obligation.document_id)
        .where(Chase.organ_id == reader.organ_id, access.readable_row(reader, Level.issued, _PLAN))
        .order_by(Chase.id.desc())
        .limit(bindparam("limit"))
    )


@lru_cache(maxsize=4096)
def _assignments_statement(reader: Reader) -> Select[Any]:
    return (
        select(*_TASK_COLUMNS)
        .join(PlanTask, PlanTask.id == TaskAssignment.task_id)
        .join(_PLAN, _PLAN.id == PlanTask.document_id)
        .join(Organ, Organ.id == TaskAssignment.organ_id)
        .where(
            TaskAssignment.organ_id == reader.organ_id,
            TaskAssignment.state != TaskState.done.value,
            _PLAN.status == DocStatus.distributed.value,
            access.readable_row(reader, Level.issued, _PLAN),
        )
        .order_by(PlanTask.document_id, PlanTask.position)
    )


@lru_cache(maxsize=4)
def _tallies_statement(by_organ: bool, by_due: bool) -> Select[Any]:
    query = (
        select(
            Submission.id,
            Submission.obligation_id,
            Submission.organ_id,
            Submission.period_due,
            Submission.status == SubmissionStatus.returned.value,
            Submission.submitted_on,
            Obligation.at_least,
            Submission.decided_at,
            Submission.returned_reason,
        )
        .join(Obligation, Obligation.id == Submission.obligation_id)
        .where(Submission.obligation_id.in_(bindparam("ids", expanding=True)))
    )
    if by_organ:
        query = query.where(Submission.organ_id.in_(bindparam("organ_ids", expanding=True)))
    if by_due:
        query = query.where(Submission.period_due.in_(bindparam("dues", expanding=True)))
    return query
