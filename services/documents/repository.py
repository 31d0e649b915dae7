"""Documents as lists and the 待办 read them: SQL statements built once per reader and shape (the readable statement
of services/access.py composed in), executed on the connection, rows into plain records — no ORM identity map and
no lazy load on these hot read paths. A list of N documents costs one statement, and three more for its parties."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from services import access
from services.access import Level, Reader
from services.domain.enums import DocKind, DocStatus
from services.domain.models import (
    Document,
    DocumentIssuer,
    DocumentLink,
    DocumentRecipient,
    InboxItem,
    Organ,
    Signoff,
    User,
)


@dataclass(frozen=True, slots=True)
class OrganRef:
    """An organ as a document names it: the name it was issued under (while a draft, its name now)."""

    id: int
    name: str
    short_name: str = ""
    role: str | None = None


@dataclass(slots=True)
class ListedDocument:
    """What a list, the 待办 and the API's document answer show of a document."""

    id: int
    kind: str
    status: str
    doc_type: str
    title: str
    doc_number: str | None
    written_on: dt.date | None
    lead_organ_id: int | None
    source_name: str | None
    source_position: int | None
    published_at: dt.datetime | None
    issuer_names: list[str]
    classification: str
    secrecy_period: str | None
    urgency: str
    issue_form: str
    attachment_notes: list[str]
    remark: str | None
    printing_organ: str | None
    main_recipients_text: str | None
    main_groups: list[int]
    printed_copies: int | None
    printed_on: dt.date | None
    current_version: int
    signing_round: int
    returned_reason: str | None
    reply_to_id: int | None
    page_count: int | None
    issued_at: dt.datetime | None
    distributed_at: dt.datetime | None
    created_at: dt.datetime
    lead_organ: OrganRef | None = None
    issuers: list[OrganRef] = field(default_factory=list)
    recipients: list[OrganRef] = field(default_factory=list)
    forwards: int | None = None  # the document this one 转发s
    answers: int | None = None  # the document this one answers


@dataclass(slots=True)
class ListedInboxItem:
    """A document delivered to the caller's organ, waiting for its 签收."""

    id: int
    role: str
    delivered_at: dt.datetime
    received_at: dt.datetime | None
    document: ListedDocument


LEAD = aliased(Organ, name="lead")
_COLUMNS = tuple(itertools.takewhile(lambda name: name != "lead_organ", ListedDocument.__dataclass_fields__))
_LISTED = (*(getattr(Document, name) for name in _COLUMNS), LEAD.name.label("lead_name"), LEAD.short_name)
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_ISSUERS = (
    select(DocumentIssuer.document_id, Organ.id, func.coalesce(DocumentIssuer.issued_name, Organ.name))
    .join(Organ, Organ.id == DocumentIssuer.organ_id)
    .where(DocumentIssuer.document_id.in_(_IDS))
    .order_by(DocumentIssuer.document_id, DocumentIssuer.position)
)
_RECIPIENTS = (
    select(
        DocumentRecipient.document_id,
        Organ.id,
        func.coalesce(DocumentRecipient.issued_name, Organ.name),
        DocumentRecipient.role,
    )
    .join(Organ, Organ.id == DocumentRecipient.organ_id)
    .where(DocumentRecipient.document_id.in_(_IDS))
    .order_by(DocumentRecipient.document_id, DocumentRecipient.position)
)
_LINKS = (
    select(DocumentLink.from_id, DocumentLink.kind, DocumentLink.to_id)
    .where(DocumentLink.from_id.in_(_IDS))
    .order_by(DocumentLink.id.desc())  # the first link of a kind wins, as Document.linked reads them
)


def _listed(*where: ColumnElement[bool]) -> Select[Any]:
    return select(*_LISTED).outerjoin(LEAD, LEAD.id == Document.lead_organ_id).where(*where)


@lru_cache(maxsize=4096)
def _page_statement(reader: Reader, with_status: bool) -> Select[Any]:
    """Newest first, the access filter inside the query, before LIMIT; status, limit and offset bound."""
    query = _listed(access.readable_filter_of(reader, Level.issued))
    if with_status:
        query = query.where(Document.status == bindparam("status"))
    return query.order_by(Document.id.desc()).limit(bindparam("limit")).offset(bindparam("offset"))


@lru_cache(maxsize=4096)
def _drafts_statement(reader: Reader) -> Select[Any]:
    """The organ's drafts not yet in review (a drafter's 待办), newest first."""
    return (
        _listed(
            access.readable_filter_of(reader, Level.issued),
            Document.lead_organ_id == reader.organ_id,
            Document.kind == DocKind.outgoing.value,
            Document.status.in_([DocStatus.draft.value, DocStatus.submitted.value]),
        )
        .order_by(Document.id.desc())
        .limit(bindparam("limit"))
    )


@lru_cache(maxsize=4096)
def _lead_statement(reader: Reader, status: DocStatus) -> Select[Any]:
    """The lead organ's documents in one state (退回修改 for its drafters, 待审核 for its reviewers)."""
    query = _listed(
        access.readable_filter_of(reader, Level.issued),
        Document.lead_organ_id == reader.organ_id,
        Document.status == status.value,
    )
    if status is DocStatus.returned:
        query = query.where(Document.kind == DocKind.outgoing.value)
    return query.order_by(Document.id)


@lru_cache(maxsize=4096)
def _to_sign_statement(reader: Reader) -> Select[Any]:
    """Documents waiting for this organ's signature in their current round (会签 or 签发)."""
    return (
        _listed(
            access.readable_filter_of(reader, Level.issued),
            Document.status == DocStatus.signing.value,
            Signoff.organ_id == reader.organ_id,
            Signoff.status == "pending",
        )
        .join(Signoff, (Signoff.document_id == Document.id) & (Signoff.round == Document.signing_round))
        .order_by(Document.id)
    )


@lru_cache(maxsize=4096)
def _to_receive_statement(reader: Reader) -> Select[Any]:
    """Documents delivered to this organ and not yet 签收ed, in the order they arrived."""
    item = (
        InboxItem.id.label("item_id"),
        InboxItem.role.label("item_role"),
        InboxItem.delivered_at,
        InboxItem.received_at,
    )
    return (
        _listed(
            access.readable_filter_of(reader, Level.issued),
            InboxItem.organ_id == reader.organ_id,
            InboxItem.received_at.is_(None),
        )
        .join(InboxItem, InboxItem.document_id == Document.id)
        .add_columns(*item)
        .order_by(InboxItem.id)
    )


class DocumentRepository:
    """Reads of documents for lists and the 待办 (what the API and the pages show of each)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def page(
        self, user: User, status: str | None, limit: int, offset: int, *, with_parties: bool = True
    ) -> list[ListedDocument]:
        """Documents the user may read, newest first (``status`` one of DocStatus or None for all)."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if status:
            params["status"] = status
        return self._records(_page_statement(access.reader_of(user), bool(status)), params, with_parties)

    def open_drafts(self, user: User, limit: int = 50) -> list[ListedDocument]:
        return self._records(_drafts_statement(access.reader_of(user)), {"limit": limit}, False)

    def of_lead_in(self, user: User, status: DocStatus, with_parties: bool) -> list[ListedDocument]:
        return self._records(_lead_statement(access.reader_of(user), status), {}, with_parties)

    def to_sign(self, user: User, with_parties: bool) -> list[ListedDocument]:
        return self._records(_to_sign_statement(access.reader_of(user)), {}, with_parties)

    def to_receive(self, user: User, with_parties: bool) -> list[ListedInboxItem]:
        rows = self._rows(_to_receive_statement(access.reader_of(user)), {})
        records = [_record(row) for row in rows]
        if with_parties:
            self._add_parties(records)
        return [
            ListedInboxItem(row.item_id, row.item_role, row.delivered_at, row.received_at, record)
            for row, record in zip(rows, records, strict=True)
        ]

    def _records(self, statement: Select[Any], params: dict[str, Any], with_parties: bool) -> list[ListedDocument]:
        records = [_record(row) for row in self._rows(statement, params)]
        if with_parties:
            self._add_parties(records)
        return records

    def _rows(self, statement: Select[Any], params: dict[str, Any]) -> Sequence[Any]:
        return self.session.connection().execute(statement, params).all()

    def _add_parties(self, records: Iterable[ListedDocument]) -> None:
        by_id = {r.id: r for r in records}
        if not by_id:
            return
        ids = {"ids": list(by_id)}
        for document_id, organ_id, name in self._rows(_ISSUERS, ids):
            by_id[document_id].issuers.append(OrganRef(organ_id, name))
        for document_id, organ_id, name, role in self._rows(_RECIPIENTS, ids):
            by_id[document_id].recipients.append(OrganRef(organ_id, name, role=role))
        links: dict[int, dict[str, int]] = defaultdict(dict)
        for from_id, kind, to_id in self._rows(_LINKS, ids):
            links[from_id][kind] = to_id
        for document_id, kinds in links.items():
            by_id[document_id].forwards = kinds.get("forwards")
            by_id[document_id].answers = kinds.get("answers")


def _record(row: Any) -> ListedDocument:
    record = ListedDocument(*row[: len(_COLUMNS)])
    if record.lead_organ_id is not None:
        record.lead_organ = OrganRef(record.lead_organ_id, row.lead_name, row.short_name)
    return record
