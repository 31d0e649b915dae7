"""Every query of the 收文 register, its departments, parts, readers and steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from services import access
from services.domain.enums import OPEN_INCOMING, IncomingState, NumberFamily
from services.domain.models import (
    Department,
    IncomingPart,
    IncomingReader,
    IncomingRecord,
    User,
)
from services.numbering import allocator

OPEN = [s.value for s in OPEN_INCOMING]


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

    def for_document(self, user: User, document_id: int) -> Sequence[IncomingRecord]:
        """The 收文 records of a document this user may read (where the paper is now, per receiving organ)."""
        query = (
            select(IncomingRecord)
            .where(IncomingRecord.document_id == document_id, IncomingRecord.id.in_(access.readable_incoming(user)))
            .options(selectinload(IncomingRecord.parts), selectinload(IncomingRecord.readers))
            .order_by(IncomingRecord.id)
        )
        return self.session.scalars(query).all()

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
        query = self._filtered(select(IncomingRecord), user, today, open_only, overdue, nature)
        total = self.session.scalar(
            self._filtered(select(func.count(IncomingRecord.id)), user, today, open_only, overdue, nature)
        )
        rows = self.session.scalars(
            query.options(
                selectinload(IncomingRecord.lead_department),
                selectinload(IncomingRecord.parts).selectinload(IncomingPart.department),
                selectinload(IncomingRecord.readers).selectinload(IncomingReader.user),
            )
            .order_by(IncomingRecord.year.desc(), IncomingRecord.seq.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return rows, int(total or 0)

    def _filtered(
        self, query: Select[Any], user: User, today: dt.date, open_only: bool, overdue: bool, nature: str | None
    ) -> Select[Any]:
        query = query.where(IncomingRecord.id.in_(access.readable_incoming(user)))
        if open_only or overdue:
            query = query.where(IncomingRecord.state.in_(OPEN))
        if overdue:
            query = query.where(IncomingRecord.deadline < today)
        if nature:
            query = query.where(IncomingRecord.nature == nature)
        return query

    def overdue(self, today: dt.date) -> Sequence[IncomingRecord]:
        """Open handling past its 办理时限 not yet 督办'd today (the scheduled run)."""
        query = select(IncomingRecord).where(
            IncomingRecord.state.in_(OPEN),
            IncomingRecord.deadline < today,
            or_(IncomingRecord.supervised_on.is_(None), IncomingRecord.supervised_on < today),
        )
        return self.session.scalars(query.order_by(IncomingRecord.id)).all()

    # -- what a user owes (待办) ---------------------------------------------------------------------------

    def in_states(self, user: User, states: Sequence[IncomingState]) -> Sequence[IncomingRecord]:
        query = select(IncomingRecord).where(
            IncomingRecord.id.in_(access.readable_incoming(user)),
            IncomingRecord.organ_id == user.organ_id,
            IncomingRecord.state.in_([s.value for s in states]),
        )
        return self.session.scalars(query.order_by(IncomingRecord.id)).all()

    def closable(self, user: User) -> Sequence[IncomingRecord]:
        """Open records of the user's organ whose every 承办 part and 阅 is done: 办结 is owed."""
        open_part = exists().where(IncomingPart.record_id == IncomingRecord.id, IncomingPart.done_at.is_(None))
        unread = exists().where(IncomingReader.record_id == IncomingRecord.id, IncomingReader.read_at.is_(None))
        query = select(IncomingRecord).where(
            IncomingRecord.id.in_(access.readable_incoming(user)),
            IncomingRecord.organ_id == user.organ_id,
            IncomingRecord.state.in_([IncomingState.handling.value, IncomingState.circulating.value]),
            ~open_part,
            ~unread,
        )
        return self.session.scalars(query.order_by(IncomingRecord.id)).all()

    def parts_owed(self, user: User) -> Sequence[IncomingPart]:
        if user.department_id is None:
            return []
        query = (
            select(IncomingPart)
            .join(IncomingRecord, IncomingRecord.id == IncomingPart.record_id)
            .where(
                IncomingRecord.id.in_(access.readable_incoming(user)),
                IncomingPart.department_id == user.department_id,
                IncomingPart.done_at.is_(None),
                IncomingRecord.state == IncomingState.handling.value,
            )
            .options(contains_eager(IncomingPart.record))  # the 待办 lists each part's record: one query
        )
        return self.session.scalars(query.order_by(IncomingPart.id)).all()

    def reads_owed(self, user: User) -> Sequence[IncomingReader]:
        query = (
            select(IncomingReader)
            .join(IncomingRecord, IncomingRecord.id == IncomingReader.record_id)
            .where(
                IncomingRecord.id.in_(access.readable_incoming(user)),
                IncomingReader.user_id == user.id,
                IncomingReader.read_at.is_(None),
                IncomingRecord.state.in_(OPEN),
            )
            .options(contains_eager(IncomingReader.record))
        )
        return self.session.scalars(query.order_by(IncomingReader.id)).all()

    def supervised(self, user: User, today: dt.date, office: bool) -> Sequence[IncomingRecord]:
        """督办 notices: open records past their 办理时限 — all of them for the office, else those the user's
        department leads."""
        query = select(IncomingRecord).where(
            IncomingRecord.id.in_(access.readable_incoming(user)),
            IncomingRecord.organ_id == user.organ_id,
            IncomingRecord.state.in_(OPEN),
            IncomingRecord.supervised_on.is_not(None),
            IncomingRecord.deadline < today,
        )
        if not office:
            query = query.where(IncomingRecord.lead_department_id == user.department_id)
        return self.session.scalars(query.order_by(IncomingRecord.id)).all()

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
