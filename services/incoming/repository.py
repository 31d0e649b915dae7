"""Every query of the 收文 register, its departments, parts, readers and steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, exists, func, null, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from services import access
from services.access import Reader
from services.domain.enums import OPEN_INCOMING, IncomingState, NumberFamily, Role
from services.domain.models import (
    Department,
    IncomingPart,
    IncomingReader,
    IncomingRecord,
    Organ,
    User,
    incoming_number,
)
from services.domain.sql import one_of
from services.numbering import allocator

OPEN = [s.value for s in OPEN_INCOMING]
HANDLING = [IncomingState.handling.value, IncomingState.circulating.value]


@dataclass(frozen=True, slots=True)
class OwedRecord:
    """A 收文 record as the 待办 page lists it: plain columns, no ORM row."""

    id: int
    year: int
    seq: int
    title: str
    source_name: str
    deadline: dt.date | None

    @property
    def number(self) -> str:
        return incoming_number(self.year, self.seq)


R = TypeVar("R", IncomingRecord, OwedRecord)
_OWED_RECORD = (
    IncomingRecord.id,
    IncomingRecord.year,
    IncomingRecord.seq,
    IncomingRecord.title,
    IncomingRecord.source_name,
    IncomingRecord.deadline,
)


@dataclass(frozen=True, slots=True)
class OwedRow(Generic[R]):
    """A 收文 record and the handling steps it waits for from one user: the office's 初审, 拟办 and 办结, a head's
    批办, their department's 承办 part (its id), their own 阅 (its id), and a 督办 notice."""

    record: R
    review: bool
    propose: bool
    instruct: bool
    part_id: int | None
    reader_id: int | None
    close: bool
    supervised: bool


@dataclass(frozen=True)
class _OwedShape:
    """What the 待办's 收文 statement depends on of a user besides the bound values."""

    organ_id: int
    clearance: str
    admin: bool
    office: bool
    signer: bool
    department: bool

    @classmethod
    def of(cls, user: User, office: bool) -> _OwedShape:
        return cls(
            user.organ_id,
            user.clearance,
            user.has_role(Role.admin),
            office,
            user.has_role(Role.signer),
            user.department_id is not None,
        )


_OWED: dict[tuple[_OwedShape, bool], Select[Any]] = {}


def _owed_statement(shape: _OwedShape, user: User, plain: bool = False) -> Select[Any]:
    """Built once per shape (the readable-收文 rule composed in, every value bound): a record is selected when any
    step waits on the user, each step a column; the record as an entity, or (``plain``) as OwedRecord's columns."""
    found = _OWED.get((shape, plain))
    if found is None:
        found = _OWED[(shape, plain)] = _build_owed(shape, user, plain)
    return found


def _build_owed(shape: _OwedShape, user: User, plain: bool) -> Select[Any]:
    record = IncomingRecord
    ours = record.organ_id == bindparam("organ_id")
    open_part = exists().where(IncomingPart.record_id == record.id, IncomingPart.done_at.is_(None))
    unread = exists().where(IncomingReader.record_id == record.id, IncomingReader.read_at.is_(None))
    part = select(func.min(IncomingPart.id)).where(
        IncomingPart.record_id == record.id,
        IncomingPart.department_id == bindparam("department_id"),
        IncomingPart.done_at.is_(None),
    )
    reader = select(func.min(IncomingReader.id)).where(
        IncomingReader.record_id == record.id,
        IncomingReader.user_id == bindparam("user_id"),
        IncomingReader.read_at.is_(None),
    )
    late = and_(
        ours, one_of(record.state, OPEN), record.supervised_on.is_not(None), record.deadline < bindparam("today")
    )
    if not shape.office:
        late = and_(late, record.lead_department_id == bindparam("department_id"))
    steps: dict[str, ColumnElement[Any] | None] = {
        "review": and_(ours, record.state == IncomingState.registered.value) if shape.office else None,
        "propose": and_(ours, record.state == IncomingState.accepted.value) if shape.office else None,
        "instruct": and_(ours, record.state == IncomingState.proposed.value) if shape.signer else None,
        "part_id": case((record.state == IncomingState.handling.value, part.scalar_subquery()))
        if shape.department
        else None,
        "reader_id": case((one_of(record.state, OPEN), reader.scalar_subquery())),
        "close": and_(ours, one_of(record.state, HANDLING), ~open_part, ~unread) if shape.office else None,
        "supervised": late if shape.office or shape.department else None,
    }
    waiting = [c.is_not(None) if name.endswith("_id") else c for name, c in steps.items() if c is not None]
    columns = [(null() if c is None else c).label(name) for name, c in steps.items()]
    selected = _OWED_RECORD if plain else (record,)
    return (
        select(*selected, *columns)
        .where(record.id.in_(access.readable_incoming(user)), or_(*waiting))
        .order_by(record.id)
    )


def _owed_params(user: User, today: dt.date) -> dict[str, Any]:
    return {"organ_id": user.organ_id, "department_id": user.department_id, "user_id": user.id, "today": today}


class IncomingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- 收文号 ------------------------------------------------------------------------------------------

    def next_seq(self, organ_id: int, year: int) -> int:
        """The next 收文号 of the organ and year, gap-free (the one allocator, services/numbering/allocator.py)."""
        return allocator.next_seq(self.session, NumberFamily.incoming, str(organ_id), year)

    # -- records -----------------------------------------------------------------------------------------

    def readable(self, user: User, record_id: int, lock: bool = False) -> IncomingRecord | None:
        query = select(IncomingRecord).where(
            IncomingRecord.id == record_id, IncomingRecord.id.in_(access.readable_incoming(user))
        )
        if lock:
            query = query.execution_options(populate_existing=True)
            if self.session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(of=IncomingRecord)
        return self.session.scalar(query)

    def of_document(self, organ_id: int, document_id: int) -> IncomingRecord | None:
        query = select(IncomingRecord).where(
            IncomingRecord.organ_id == organ_id, IncomingRecord.document_id == document_id
        )
        return self.session.scalar(query)

    def organs(self, organ_ids: Sequence[int]) -> list[Organ]:
        return list(self.session.scalars(select(Organ).where(Organ.id.in_(organ_ids)))) if organ_ids else []

    def organs_holding(self, document_id: int) -> set[int]:
        """The organs that have registered this document as 收文."""
        return set(self.session.scalars(_ORGANS_HOLDING, {"document_id": document_id}))

    def for_document(self, user: User, document_id: int) -> Sequence[IncomingRecord]:
        """The 收文 records of a document this user may read (where the paper is now, per receiving organ)."""
        query = (
            select(IncomingRecord)
            .where(IncomingRecord.document_id == document_id, IncomingRecord.id.in_(access.readable_incoming(user)))
            .options(  # where each is now names its open parts' departments and its readers: one statement
                joinedload(IncomingRecord.organ),
                joinedload(IncomingRecord.parts).joinedload(IncomingPart.department),
                joinedload(IncomingRecord.readers).joinedload(IncomingReader.user),
            )
            .order_by(IncomingRecord.id)
        )
        return self.session.scalars(query).unique().all()

    def open_of_document(self, document_id: int) -> Sequence[IncomingRecord]:
        query = select(IncomingRecord).where(IncomingRecord.document_id == document_id, IncomingRecord.state.in_(OPEN))
        return self.session.scalars(query).all()

    def register(
        self,
        user: User,
        today: dt.date,
        open_only: bool = False,
        overdue: bool = False,
        nature: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[Sequence[IncomingRecord], int]:
        """The 收文 register this user may read, newest first, with the filters of the register page."""
        shape = (access.reader_of(user), open_only, overdue, bool(nature))
        params = {"today": today, "nature": nature, "limit": limit, "offset": offset}
        total = self.session.scalar(_register_count(*shape), params)
        rows = self.session.scalars(_register_page(*shape), params).all()
        return rows, int(total or 0)

    def overdue(self, today: dt.date) -> Sequence[IncomingRecord]:
        """Open handling past its 办理时限 not yet 督办'd today (the scheduled run)."""
        query = select(IncomingRecord).where(
            IncomingRecord.state.in_(OPEN),
            IncomingRecord.deadline < today,
            or_(IncomingRecord.supervised_on.is_(None), IncomingRecord.supervised_on < today),
        )
        return self.session.scalars(query.order_by(IncomingRecord.id)).all()

    # -- what a user owes (待办) ---------------------------------------------------------------------------

    def owed(self, user: User, today: dt.date, office: bool) -> list[OwedRow[IncomingRecord]]:
        """Every 收文 with a handling step waiting on this user, in one statement: each record with the steps it
        waits for (see :class:`OwedRow`)."""
        statement = _owed_statement(_OwedShape.of(user, office), user)
        rows = self.session.execute(statement, _owed_params(user, today)).all()
        return [OwedRow(*row) for row in rows]

    def owed_listed(self, user: User, today: dt.date, office: bool) -> list[OwedRow[OwedRecord]]:
        """:meth:`owed` as the 待办 page lists it: the same records and steps, each record as plain columns."""
        statement = _owed_statement(_OwedShape.of(user, office), user, plain=True)
        rows = self.session.connection().execute(statement, _owed_params(user, today))
        width = len(_OWED_RECORD)
        return [OwedRow(OwedRecord(*row[:width]), *row[width:]) for row in rows]

    # -- departments and people ----------------------------------------------------------------------------

    def departments(self, organ_id: int | None = None) -> Sequence[Department]:
        query = select(Department).order_by(Department.organ_id, Department.id)
        if organ_id is not None:
            query = query.where(Department.organ_id == organ_id)
        return self.session.scalars(query).all()

    def department(self, department_id: int) -> Department | None:
        return self.session.get(Department, department_id)

    def people(self, organ_id: int) -> Sequence[User]:
        query = select(User).where(User.organ_id == organ_id, User.active.is_(True)).order_by(User.id)
        return self.session.scalars(query).all()


def _register_filter(reader: Reader, open_only: bool, overdue: bool, by_nature: bool) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [IncomingRecord.id.in_(access.readable_incoming_of(reader))]
    if open_only or overdue:
        where.append(IncomingRecord.state.in_(OPEN))
    if overdue:
        where.append(IncomingRecord.deadline < bindparam("today"))
    if by_nature:
        where.append(IncomingRecord.nature == bindparam("nature"))
    return where


# The register's statements, built once per reader and filter shape (keyed by SQLAlchemy without walking them).
@lru_cache(maxsize=4096)
def _register_count(reader: Reader, open_only: bool, overdue: bool, by_nature: bool) -> Select[tuple[int]]:
    return select(func.count(IncomingRecord.id)).where(*_register_filter(reader, open_only, overdue, by_nature))


@lru_cache(maxsize=4096)
def _register_page(reader: Reader, open_only: bool, overdue: bool, by_nature: bool) -> Select[tuple[IncomingRecord]]:
    return (
        select(IncomingRecord)
        .where(*_register_filter(reader, open_only, overdue, by_nature))
        .options(
            selectinload(IncomingRecord.lead_department),
            selectinload(IncomingRecord.parts).selectinload(IncomingPart.department),
            selectinload(IncomingRecord.readers).selectinload(IncomingReader.user),
        )
        .order_by(IncomingRecord.year.desc(), IncomingRecord.seq.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


_ORGANS_HOLDING = select(IncomingRecord.organ_id).where(IncomingRecord.document_id == bindparam("document_id"))
