"""Every query of the archive: runs, 件 and what they hold, the fonds, the 保管期限表 versions, the fixity checks,
and what the annual selection reads (the year's documents, what is filed, what still waits)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import ColumnElement, func, or_, select, tuple_
from sqlalchemy.orm import selectinload

from services.domain.enums import (
    DRAFT_RELATIONS,
    ArchiveItemStatus,
    IncomingNature,
    IncomingState,
    LinkKind,
    SubmissionStatus,
)
from services.domain.models import (
    ArchivedDocument,
    ArchiveItem,
    ArchiveRun,
    AuditEvent,
    Document,
    DocumentLink,
    DocumentVersion,
    FixityCheck,
    Fonds,
    IncomingRecord,
    Obligation,
    Organ,
    RetentionSchedule,
    Signoff,
    Submission,
)
from services.domain.repository import SessionRepository

_STORED = ArchiveItem.status == ArchiveItemStatus.stored
_LATEST_SCHEDULE = select(RetentionSchedule).order_by(RetentionSchedule.id.desc()).limit(1)
_FONDS = select(Fonds, Organ).join(Organ, Organ.id == Fonds.organ_id)


def _of_year(year: int) -> ColumnElement[bool]:
    """A document of the year: its 成文日期 in it, else the year it is known by."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return or_(
        Document.written_on.between(first, last), Document.written_on.is_(None) & (Document.written_year == year)
    )


class ArchiveRepository(SessionRepository):
    # -- runs --------------------------------------------------------------------------------------------------

    def run(self, run_id: int) -> ArchiveRun | None:
        return self.session.get(ArchiveRun, run_id)

    def runs(self, limit: int, fonds_codes: Sequence[str] | None) -> list[ArchiveRun]:
        """The latest runs, newest first (of these fonds, when given)."""
        query = select(ArchiveRun).order_by(ArchiveRun.id.desc()).limit(limit)
        if fonds_codes is not None:
            query = query.where(ArchiveRun.fonds_code.in_(fonds_codes))
        return list(self.session.scalars(query))

    # -- 件 ------------------------------------------------------------------------------------------------------

    def item(self, item_id: int) -> ArchiveItem | None:
        return self.session.get(ArchiveItem, item_id)

    def overview(self, levels: Sequence[str], codes: Sequence[str]) -> list[tuple[str, int, str, str | None, int, int]]:
        """(fonds, year, 保管期限, 机构, 件, bytes) of the stored 件 of these fonds at these 密级."""
        query = (
            select(
                ArchiveItem.fonds_code,
                ArchiveItem.year,
                ArchiveItem.retention,
                ArchiveItem.organ_code,
                func.count(),
                func.sum(ArchiveItem.package_bytes),
            )
            .where(_STORED, ArchiveItem.classification.in_(levels), ArchiveItem.fonds_code.in_(codes))
            .group_by(ArchiveItem.fonds_code, ArchiveItem.year, ArchiveItem.retention, ArchiveItem.organ_code)
            .order_by(ArchiveItem.fonds_code, ArchiveItem.year.desc(), ArchiveItem.retention, ArchiveItem.organ_code)
        )
        return list(self.session.execute(query).tuples())

    def last_item_no(self, fonds: str, year: int, retention: str, organ: str | None) -> int:
        """The highest 件号 of a lowest category (0 when it has none)."""
        query = select(func.max(ArchiveItem.item_no)).where(
            ArchiveItem.fonds_code == fonds,
            ArchiveItem.year == year,
            ArchiveItem.retention == retention,
            (ArchiveItem.organ_code == organ) if organ else ArchiveItem.organ_code.is_(None),
        )
        return int(self.session.scalar(query) or 0)

    def unstored_item_ids(self, year: int, fonds: str | None) -> list[int]:
        query = select(ArchiveItem.id).where(ArchiveItem.year == year, ArchiveItem.status != ArchiveItemStatus.stored)
        if fonds is not None:
            query = query.where(ArchiveItem.fonds_code == fonds)
        return list(self.session.scalars(query.order_by(ArchiveItem.id)))

    def items(self, item_ids: Sequence[int]) -> dict[int, ArchiveItem]:
        """These 件 by id, in one statement."""
        return {i.id: i for i in self.session.scalars(select(ArchiveItem).where(ArchiveItem.id.in_(item_ids)))}

    def documents(self, document_ids: Iterable[int]) -> dict[int, Document]:
        """These documents by id, in one statement (while the caller holds them, ``Session.get`` reads none)."""
        return {d.id: d for d in self.session.scalars(select(Document).where(Document.id.in_(set(document_ids))))}

    def current_versions(self, documents: Iterable[Document]) -> dict[int, DocumentVersion]:
        """Each document's current version with its attachments, by document, in two statements."""
        pairs = [(d.id, d.current_version) for d in documents]
        query = (
            select(DocumentVersion)
            .where(tuple_(DocumentVersion.document_id, DocumentVersion.number).in_(pairs))
            .options(selectinload(DocumentVersion.attachments))
        )
        return {v.document_id: v for v in self.session.scalars(query)} if pairs else {}

    def timelines(self, document_ids: Iterable[int]) -> dict[int, list[AuditEvent]]:
        """Every event of these documents in order, by document (AuditService.timeline of each, in one statement)."""
        found: dict[int, list[AuditEvent]] = {}
        query = select(AuditEvent).where(AuditEvent.document_id.in_(set(document_ids))).order_by(AuditEvent.id)
        for event in self.session.scalars(query):
            found.setdefault(event.document_id or 0, []).append(event)
        return found

    def roles_in_item(self, item_id: int) -> dict[int, str]:
        """Each document's role in the 件 (正本, 来文 …)."""
        query = select(ArchivedDocument.document_id, ArchivedDocument.role).where(ArchivedDocument.item_id == item_id)
        return {document_id: role for document_id, role in self.session.execute(query).tuples()}

    def roles_in_items(self, item_ids: Sequence[int]) -> dict[int, dict[int, str]]:
        """:meth:`roles_in_item` of each of these 件, in one statement."""
        query = select(ArchivedDocument.item_id, ArchivedDocument.document_id, ArchivedDocument.role)
        found: dict[int, dict[int, str]] = {i: {} for i in item_ids}
        for item_id, document_id, role in self.session.execute(query.where(ArchivedDocument.item_id.in_(item_ids))):
            found[item_id][document_id] = role
        return found

    def code_held_elsewhere(self, archival_code: str, item_id: int) -> bool:
        """Whether another 件 bears this 档号."""
        query = select(ArchiveItem.id).where(ArchiveItem.archival_code == archival_code, ArchiveItem.id != item_id)
        return self.session.scalar(query) is not None

    def items_with_doc_number(self, doc_number: str, fonds: str) -> int:
        query = select(func.count()).select_from(ArchiveItem)
        return int(
            self.session.scalar(query.where(ArchiveItem.doc_number == doc_number, ArchiveItem.fonds_code == fonds)) or 0
        )

    def stored_items(self, fonds: str, year: int, retention: str | None, organ: str | None) -> list[ArchiveItem]:
        """The stored 件 of a fonds and year, in catalogue order (保管期限, 机构, 件号)."""
        query = select(ArchiveItem).where(ArchiveItem.fonds_code == fonds, ArchiveItem.year == year, _STORED)
        if retention:
            query = query.where(ArchiveItem.retention == retention)
        if organ:
            query = query.where(ArchiveItem.organ_code == organ)
        order = (ArchiveItem.retention, ArchiveItem.organ_code, ArchiveItem.item_no)
        return list(self.session.scalars(query.order_by(*order)))

    def stored_item(self, archival_code: str, levels: Sequence[str], codes: Sequence[str]) -> ArchiveItem | None:
        """The stored 件 of this 档号 when it is of these fonds and at one of these 密级."""
        query = select(ArchiveItem).where(ArchiveItem.archival_code == archival_code, _STORED)
        query = query.where(ArchiveItem.classification.in_(levels), ArchiveItem.fonds_code.in_(codes))
        return self.session.scalar(query)

    def stored_fonds_codes(self, year: int) -> set[str]:
        return set(self.session.scalars(select(ArchiveItem.fonds_code).where(ArchiveItem.year == year, _STORED)))

    def stored_in_run(self, run_id: int) -> int:
        query = select(func.count()).where(ArchiveItem.run_id == run_id, _STORED)
        return int(self.session.scalar(query) or 0)

    def every_stored_item(self) -> Iterator[ArchiveItem]:
        return iter(self.session.scalars(select(ArchiveItem).where(_STORED).order_by(ArchiveItem.id)))

    def fonds_has_items(self, code: str) -> bool:
        return self.session.scalar(select(ArchiveItem.id).where(ArchiveItem.fonds_code == code).limit(1)) is not None

    def fixity_checks(self, limit: int) -> list[FixityCheck]:
        return list(self.session.scalars(select(FixityCheck).order_by(FixityCheck.id.desc()).limit(limit)))

    # -- what a package holds besides the documents --------------------------------------------------------------

    def incoming_records(self, document_id: int, organ_id: int | None) -> Sequence[IncomingRecord]:
        query = select(IncomingRecord).where(
            IncomingRecord.document_id == document_id, IncomingRecord.organ_id == organ_id
        )
        return self.session.scalars(query.order_by(IncomingRecord.id)).all()

    def signoffs(self, document_id: int) -> Sequence[Signoff]:
        return self.session.scalars(
            select(Signoff).where(Signoff.document_id == document_id).order_by(Signoff.id)
        ).all()

    # -- fonds and organs ------------------------------------------------------------------------------------------

    def fonds_and_organs(self) -> list[tuple[Fonds, Organ]]:
        return list(self.session.execute(_FONDS).tuples())

    def fonds_of_organ(self, organ_id: int) -> Fonds | None:
        return self.session.scalar(select(Fonds).where(Fonds.organ_id == organ_id))

    def organ(self, organ_id: int) -> Organ | None:
        return self.session.get(Organ, organ_id)

    def organ_named(self, name: str) -> Organ | None:
        return self.session.scalar(select(Organ).where(Organ.name == name))

    def organ_names(self) -> dict[int, str]:
        return {organ_id: name for organ_id, name in self.session.execute(select(Organ.id, Organ.name)).tuples()}

    # -- the 保管期限表 ---------------------------------------------------------------------------------------------

    def latest_schedule(self) -> RetentionSchedule | None:
        return self.session.scalar(_LATEST_SCHEDULE)

    def schedules(self, limit: int) -> list[RetentionSchedule]:
        return list(self.session.scalars(select(RetentionSchedule).order_by(RetentionSchedule.id.desc()).limit(limit)))

    # -- what the annual selection reads ---------------------------------------------------------------------------

    def documents_of_year(self, year: int) -> list[Document]:
        """Every document dated in the year (its 成文日期, else the year it is known by), of any state."""
        query = select(Document).where(_of_year(year))
        return list(self.session.scalars(query.order_by(Document.written_on, Document.id)))

    def finished_of_year(self, year: int, finished: Sequence[str]) -> int:
        """How many documents of the year (as :meth:`documents_of_year` dates them) are in these states."""
        query = select(func.count()).where(_of_year(year), Document.status.in_(finished))
        return int(self.session.scalar(query) or 0)

    def document(self, document_id: int) -> Document | None:
        return self.session.get(Document, document_id)

    def filed(self, document_ids: Iterable[int]) -> list[tuple[str, int]]:
        """(fonds, document) of these documents already filed."""
        query = select(ArchivedDocument.fonds_code, ArchivedDocument.document_id)
        return list(self.session.execute(query.where(ArchivedDocument.document_id.in_(set(document_ids)))).tuples())

    def related(self, outgoing_ids: Iterable[int]) -> list[tuple[int, str, Document]]:
        """(from, link kind, target) of the drafting relations of these 发文 (转发, 答复 …) in link order: to a
        document outside them, or an answered 请示 of any kind."""
        ids = list(outgoing_ids)
        query = (
            select(DocumentLink.from_id, DocumentLink.kind, Document)
            .join(Document, Document.id == DocumentLink.to_id)
            .where(DocumentLink.from_id.in_(ids), DocumentLink.kind.in_([k.value for k in DRAFT_RELATIONS]))
            .where(or_(Document.id.not_in(ids), DocumentLink.kind == LinkKind.answers.value))
            .order_by(DocumentLink.id)
        )
        return list(self.session.execute(query).tuples())

    def incoming_to_handle(self, document_ids: Iterable[int]) -> Sequence[IncomingRecord]:
        """The 办件 收文 records of these documents not sent back, in register order."""
        query = select(IncomingRecord).where(
            IncomingRecord.document_id.in_(list(document_ids)),
            IncomingRecord.nature == IncomingNature.handle.value,
            IncomingRecord.state != IncomingState.returned.value,
        )
        return self.session.scalars(query.order_by(IncomingRecord.id)).all()

    def open_obligations(self, document_ids: Sequence[int], today: dt.date) -> list[tuple[int, str, dt.date]]:
        """(document, title, last due date) of 反馈事项 not over by ``today``."""
        last_due = func.coalesce(Obligation.ends_on, Obligation.due_on)
        query = select(Obligation.document_id, Obligation.title, last_due).where(
            Obligation.document_id.in_(document_ids), last_due >= today
        )
        return list(self.session.execute(query).tuples())

    def reports_to_accept(self, document_ids: Sequence[int]) -> list[tuple[int, str, int]]:
        """(plan, status, count) of the reports that arrived for these plans and wait to be 签收."""
        query = select(Obligation.document_id, Submission.status, func.count()).join(
            Obligation, Obligation.id == Submission.obligation_id
        )
        query = query.where(
            Obligation.document_id.in_(document_ids), Submission.status == SubmissionStatus.arrived.value
        )
        return list(self.session.execute(query.group_by(Obligation.document_id, Submission.status)).tuples())

    def reports_not_accepted(self, document_ids: Sequence[int]) -> list[tuple[int, str, str | None]]:
        """(report, status, reason sent back) of these report-backs not yet accepted."""
        query = select(Submission.reply_document_id, Submission.status, Submission.returned_reason).where(
            Submission.reply_document_id.in_(document_ids), Submission.status != SubmissionStatus.accepted.value
        )
        return list(self.session.execute(query).tuples())
