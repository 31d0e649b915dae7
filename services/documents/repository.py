"""Documents as lists and the 待办 read them: SQL statements built once per reader and shape (the readable statement
of services/access.py composed in), executed on the connection, rows into plain records — no ORM identity map and
no lazy load on these hot read paths. A list of N documents costs one statement, and three more for its parties."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Date,
    DateTime,
    Integer,
    Select,
    String,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import TypeDecorator

from services import access
from services.access import Level, Reader
from services.domain.enums import DocKind, DocStatus, JobStatus, SubmissionStatus
from services.domain.models import (
    Attachment,
    CacheVersion,
    Document,
    DocumentIssuer,
    DocumentLink,
    DocumentRecipient,
    DocumentVersion,
    InboxItem,
    IncomingRecord,
    Obligation,
    ObligationOwner,
    Organ,
    Phase,
    PlanTask,
    ProcessJob,
    Signoff,
    Submission,
    User,
    ofd_key_beside,
    ses_key_beside,
)
from services.domain.sql import one_of


@dataclass(slots=True)  # not frozen: a list builds hundreds, and a frozen one costs twice as much to build
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
class ListedTitle:
    """What the list page shows of a document: a line of the list (its columns only, none of its parties)."""

    id: int
    status: str
    doc_type: str
    title: str
    doc_number: str | None
    written_on: dt.date | None
    lead_organ: OrganRef | None


@dataclass(slots=True)
class ListedInboxItem:
    """A document delivered to the caller's organ, waiting for its 签收."""

    id: int
    role: str
    delivered_at: dt.datetime
    received_at: dt.datetime | None
    document: ListedDocument


@dataclass(frozen=True, slots=True)
class StalledStep:
    """An automated step of one of the organ's documents that failed every attempt (shown in its 待办)."""

    id: int
    step: str
    attempts: int


class _ListJson(TypeDecorator[list[Any]]):
    """A JSON list column read for a list: on SQLite the empty list, which nearly every listed document holds in
    each of them, is not handed to the JSON decoder (thirty documents carry ninety of them)."""

    impl = JSON
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _json_list


def _json_list(value: str | None) -> Any:
    return [] if value == "[]" else None if value is None else json.loads(value)


def _listed_column(name: str) -> ColumnElement[Any]:
    column: ColumnElement[Any] = getattr(Document, name)
    return type_coerce(column, _ListJson).label(name) if isinstance(column.type, JSON) else column


LEAD = aliased(Organ, name="lead")
_COLUMNS = tuple(itertools.takewhile(lambda name: name != "lead_organ", ListedDocument.__dataclass_fields__))
_LISTED = (*(_listed_column(name) for name in _COLUMNS), LEAD.name.label("lead_name"), LEAD.short_name)
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_PARTIES = (  # issuers, recipients (each in its order) and links of the listed documents, in one statement
    union_all(
        select(
            DocumentIssuer.document_id,
            Organ.id,
            func.coalesce(DocumentIssuer.issued_name, Organ.name),
            cast(null(), String).label("role"),
            literal_column("0", Integer).label("kind"),
            DocumentIssuer.position,
        )
        .join(Organ, Organ.id == DocumentIssuer.organ_id)
        .where(DocumentIssuer.document_id.in_(_IDS)),
        select(
            DocumentRecipient.document_id,
            Organ.id,
            func.coalesce(DocumentRecipient.issued_name, Organ.name),
            DocumentRecipient.role,
            literal_column("1", Integer).label("kind"),
            DocumentRecipient.position,
        )
        .join(Organ, Organ.id == DocumentRecipient.organ_id)
        .where(DocumentRecipient.document_id.in_(_IDS)),
        select(  # a link: the linked document, its kind; newest first, so the oldest of a kind is read last
            DocumentLink.from_id,
            DocumentLink.to_id,
            DocumentLink.kind,
            cast(null(), String),
            literal_column("2", Integer),
            -DocumentLink.id,
        ).where(DocumentLink.from_id.in_(_IDS)),
    ).order_by("kind", "document_id", "position")
)
_ISSUER, _RECIPIENT = 0, 1


def _listed(*where: ColumnElement[bool]) -> Select[Any]:
    return select(*_LISTED).outerjoin(LEAD, LEAD.id == Document.lead_organ_id).where(*where)


# A 待办 list's own columns (an inbox item's, a failed step's), NULL in the lists that have none.
_ITEM_NONE = (
    cast(null(), Integer).label("item_id"),
    cast(null(), String).label("item_role"),
    cast(null(), DateTime).label("delivered_at"),
    cast(null(), DateTime).label("received_at"),
    cast(null(), Integer).label("item_count"),
)


@lru_cache(maxsize=4096)
def _page_statement(reader: Reader, with_status: bool) -> Select[Any]:
    """Newest first, the access filter inside the query, before LIMIT; status, limit and offset bound."""
    query = _listed(access.readable_filter_of(reader, Level.issued))
    if with_status:
        query = query.where(Document.status == bindparam("status"))
    return query.order_by(Document.id.desc()).limit(bindparam("limit")).offset(bindparam("offset"))


@lru_cache(maxsize=4096)
def _titles_statement(reader: Reader, with_status: bool) -> Select[Any]:
    """The page statement with only the columns a line of the list page shows."""
    shown = (Document.id, Document.status, Document.doc_type, Document.title, Document.doc_number)
    query = (
        select(*shown, Document.written_on, Document.lead_organ_id, LEAD.name, LEAD.short_name)
        .outerjoin(LEAD, LEAD.id == Document.lead_organ_id)
        .where(access.readable_filter_of(reader, Level.issued))
    )
    if with_status:
        query = query.where(Document.status == bindparam("status"))
    return query.order_by(Document.id.desc()).limit(bindparam("limit")).offset(bindparam("offset"))


# A 待办 list is read narrow first (the document's id, 密级 and state, the list's own columns, its order), so that
# ranking and counting a long list (a reviewer's hundreds of drafts in 审核) never carries whole rows; only the rows
# shown are joined to their documents.
_NARROW = (Document.id, Document.classification, Document.status)


def _lead_part(reader: Reader, *where: ColumnElement[bool]) -> Select[Any]:
    """The lead organ's documents (退回修改 for its drafters, 待审核 for its reviewers, its drafts), oldest first."""
    return select(*_NARROW, *_ITEM_NONE).where(Document.lead_organ_id == reader.organ_id, *where)


def _to_sign_part(reader: Reader) -> Select[Any]:
    """Documents waiting for this organ's signature in their current round (会签 or 签发)."""
    return (
        select(*_NARROW, *_ITEM_NONE)
        .join(Signoff, (Signoff.document_id == Document.id) & (Signoff.round == Document.signing_round))
        .where(
            Document.status == DocStatus.signing.value,
            Signoff.organ_id == reader.organ_id,
            Signoff.status == "pending",
        )
    )


def _to_receive_part(reader: Reader) -> Select[Any]:
    """Documents delivered to this organ and not yet 签收ed, with their inbox items."""
    item = (
        InboxItem.id.label("item_id"),
        InboxItem.role.label("item_role"),
        InboxItem.delivered_at,
        InboxItem.received_at,
        _ITEM_NONE[4],
    )
    return (
        select(*_NARROW, *item)
        .join(InboxItem, InboxItem.document_id == Document.id)
        .where(InboxItem.organ_id == reader.organ_id, InboxItem.received_at.is_(None))
    )


def _stalled_part(reader: Reader) -> Select[Any]:
    """The automated steps of the organ's own documents that failed every attempt."""
    job = (
        ProcessJob.id.label("item_id"),
        ProcessJob.step.label("item_role"),
        *_ITEM_NONE[2:4],
        ProcessJob.attempts.label("item_count"),
    )
    return (
        select(*_NARROW, *job)
        .join(ProcessJob, ProcessJob.document_id == Document.id)
        .where(Document.lead_organ_id == reader.organ_id, ProcessJob.status == JobStatus.failed.value)
    )


WAITING = ("returned", "to_review", "to_sign", "to_receive")  # the 待办's lists of documents
DRAFTS = "drafts"  # the organ's drafts: the 待办 page lists them too, in the same statement
STALLED = "stalled"  # and the steps of its documents that keep failing
DRAFTS_SHOWN = 50
WAITING_SHOWN = 50  # of each 待办 list, the longest-waiting first; its total beside them
WAITING_SHOWN_MAX = 1000  # a list asked for whole


@dataclass(frozen=True)
class Shown:
    """How much of the 待办's lists to read: ``per_list`` rows of each, of the one named ``whole`` all (up to
    :data:`WAITING_SHOWN_MAX`)."""

    per_list: int = WAITING_SHOWN
    whole: str = ""


def _waiting_part(reader: Reader, bucket: str) -> Select[Any]:
    """One list of the 待办, narrow, tagged with its name (of WAITING, DRAFTS, STALLED) and its order."""
    tag = literal_column(f"'{bucket}'", String).label("bucket")
    if bucket == "to_receive":  # in the order they arrived
        return _to_receive_part(reader).add_columns(tag, InboxItem.id.label("sort"))
    if bucket == STALLED:  # newest first
        return _stalled_part(reader).add_columns(tag, (-ProcessJob.id).label("sort"))
    if bucket == DRAFTS:  # newest first
        drafts = _lead_part(
            reader,
            Document.kind == DocKind.outgoing.value,
            one_of(Document.status, [DocStatus.draft.value, DocStatus.submitted.value]),
        )
        return drafts.add_columns(tag, (-Document.id).label("sort"))
    if bucket == "to_sign":
        return _to_sign_part(reader).add_columns(tag, Document.id.label("sort"))
    lead = _lead_part(reader, Document.status == _LEAD_STATES[bucket].value)
    if bucket == "returned":
        lead = lead.where(Document.kind == DocKind.outgoing.value)
    return lead.add_columns(tag, Document.id.label("sort"))


_LEAD_STATES = {"returned": DocStatus.returned, "to_review": DocStatus.in_review}


_SHOWN = bindparam("shown", type_=Integer)
_WHOLE = bindparam("whole", type_=String)
_WHOLE_SHOWN = bindparam("whole_shown", type_=Integer)


def _waiting_list(reader: Reader, bucket: str) -> Select[Any]:
    """One list of the 待办: of the rows the reader may read, its total and the first it shows, in its order (an
    index walk that stops there, however long the list)."""
    part = _waiting_part(reader, bucket).subquery(bucket)
    readable = access.readable_row(reader, Level.issued, part.c)
    total = select(func.count()).select_from(part).where(readable).correlate(None).scalar_subquery().label("total")
    shown: Any = DRAFTS_SHOWN if bucket == DRAFTS else case((literal(bucket) == _WHOLE, _WHOLE_SHOWN), else_=_SHOWN)
    return select(select(part, total).where(readable).order_by(part.c.sort).limit(shown).subquery())


@lru_cache(maxsize=4096)
def _waiting_statement(reader: Reader, buckets: tuple[str, ...]) -> Select[Any]:
    """The 待办's lists of documents in one statement: each list a part of a UNION ALL, read narrow and tagged with
    its name, what the reader may read asked of each row; of each list its total and the first ``shown`` rows (the
    drafts: :data:`DRAFTS_SHOWN`; the list named ``whole``: up to ``whole_shown``), then joined to their documents."""
    lists = union_all(*(_waiting_list(reader, bucket) for bucket in buckets)).subquery()
    own = (lists.c.item_id, lists.c.item_role, lists.c.delivered_at, lists.c.received_at, lists.c.item_count)
    return (
        select(*_LISTED, *own, lists.c.bucket, lists.c.sort, lists.c.total)
        .select_from(lists)
        .join(Document, Document.id == lists.c.id)
        .outerjoin(LEAD, LEAD.id == Document.lead_organ_id)
        .order_by(lists.c.bucket, lists.c.sort)
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

    def titles(self, user: User, status: str | None, limit: int, offset: int) -> list[ListedTitle]:
        """The lines of the list page: documents the user may read, newest first, as :meth:`page` finds them."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if status:
            params["status"] = status
        rows = self._rows(_titles_statement(access.reader_of(user), bool(status)), params)
        return [
            ListedTitle(id_, status_, kind, title, number, written_on, OrganRef(lead, name, short) if lead else None)
            for id_, status_, kind, title, number, written_on, lead, name, short in rows
        ]

    def seen(self, user: User, document_id: int) -> SeenDocument | None:
        """The document with what ``user`` holds on it, or None when it does not exist."""
        params = {"document_id": document_id, "organ_id": user.organ_id}
        row = self.session.connection().execute(_seen_statement(access.reader_of(user)), params).first()
        return None if row is None else SeenDocument(*row)

    def parts(self, document_id: int) -> Parts:
        found = Parts()
        rows = self.session.connection().execute(_PARTS_IN_ORDER, {"document_id": document_id})
        for part, _position, number, name, role, starts_on, ends_on, content_type, size in rows:
            if part == "issuer":
                found.issuers.append((number, name))
            elif part == "recipient":
                found.recipients.append((number, name, role))
            elif part == "phase":
                found.phases.append(SeenPhase(name, starts_on, ends_on))
            else:
                found.attachments.append(SeenAttachment(number, name, role, content_type, size))
        return found

    def signoffs(self, document_id: int) -> list[SeenSignoff]:
        rows = self.session.connection().execute(_SIGNOFFS, {"document_id": document_id})
        return [SeenSignoff(*row) for row in rows]

    def waiting(
        self, user: User, buckets: tuple[str, ...], with_parties: bool, shown: Shown
    ) -> tuple[dict[str, list[Any]], dict[str, int]]:
        """The 待办's lists named in ``buckets`` (of :data:`WAITING`, :data:`DRAFTS` and :data:`STALLED`), each in its
        order and as far as ``shown`` says, in one statement: documents (``to_receive``: inbox items with their
        documents; ``stalled``: a failed step and its document); and each list's total."""
        found: dict[str, list[Any]] = {bucket: [] for bucket in (*WAITING, *buckets)}
        totals = dict.fromkeys(found, 0)
        if not buckets:
            return found, totals
        params = {"shown": shown.per_list, "whole": shown.whole, "whole_shown": WAITING_SHOWN_MAX}
        rows = self._rows(_waiting_statement(access.reader_of(user), buckets), params)
        records = [_record(row) for row in rows]
        if with_parties:
            self._add_parties(records)
        for row, record in zip(rows, records, strict=True):
            totals[row.bucket] = row.total
            if row.bucket == "to_receive":
                item = ListedInboxItem(row.item_id, row.item_role, row.delivered_at, row.received_at, record)
                found[row.bucket].append(item)
            elif row.bucket == STALLED:
                found[row.bucket].append((StalledStep(row.item_id, row.item_role, row.item_count), record))
            else:
                found[row.bucket].append(record)
        return found, totals

    def _records(self, statement: Select[Any], params: dict[str, Any], with_parties: bool) -> list[ListedDocument]:
        records = [_record(row) for row in self._rows(statement, params)]
        if with_parties:
            self._add_parties(records)
        return records

    def _rows(self, statement: Select[Any] | CompoundSelect[Any], params: dict[str, Any]) -> Sequence[Any]:
        return self.session.connection().execute(statement, params).all()

    def _add_parties(self, records: Iterable[ListedDocument]) -> None:
        by_id = {r.id: r for r in records}
        if not by_id:
            return
        for document_id, organ_id, name, role, kind, _position in self._rows(_PARTIES, {"ids": list(by_id)}):
            record = by_id[document_id]
            if kind == _ISSUER:
                record.issuers.append(OrganRef(organ_id, name))
            elif kind == _RECIPIENT:
                record.recipients.append(OrganRef(organ_id, name, role=role))
            elif name == "forwards":  # the first link of a kind wins, as Document.linked reads them
                record.forwards = organ_id
            elif name == "answers":
                record.answers = organ_id


def _record(row: Any) -> ListedDocument:
    record = ListedDocument(*row[: len(_COLUMNS)])
    if record.lead_organ_id is not None:
        record.lead_organ = OrganRef(record.lead_organ_id, row.lead_name, row.short_name)
    return record


# -- one document as its page shows it ----------------------------------------------------------------------


@dataclass(slots=True)
class SeenDocument:
    """A document as its page shows it, with what the reader holds on it: the levels they read it at, their
    organ's inbox item, whether their organ reports on it or has a 收文 record of it, and its delivery counts."""

    id: int
    kind: str
    status: str
    doc_type: str
    title: str
    lead_organ_id: int | None
    classification: str
    secrecy_period: str | None
    urgency: str
    doc_number: str | None
    written_on: dt.date | None
    main_recipients_text: str | None
    page_count: int | None
    source_name: str | None
    published_at: dt.datetime | None
    rendered_pdf_key: str | None
    rendered_html_key: str | None
    current_version: int
    signing_round: int
    returned_reason: str | None
    reply_to_id: int | None
    source_organ_id: int | None
    owner_organ_id: int | None
    issuer_names: list[str]
    registrar_gate: bool
    reply_title: str | None
    reply_number: str | None
    internal: bool
    issued: bool
    item_id: int | None
    item_received_at: dt.datetime | None
    reports: bool
    has_tasks: bool
    has_incoming: bool
    recipient_count: int
    received_count: int
    organs_version: int | None
    body_key: str | None  # the current version's
    report_returned_reason: str | None  # a report sent back for more (退回补报): why
    lead_organ: OrganRef | None = None  # the names below: from the organ directory
    responsible: list[str] = field(default_factory=list)
    recipients: list[OrganRef] = field(default_factory=list)
    phases: list[SeenPhase] = field(default_factory=list)

    @property
    def item(self) -> SeenItem | None:
        """The reader's organ's inbox item on the document, if it is a recipient."""
        return SeenItem(self.item_received_at) if self.item_id is not None else None

    @property
    def rendered_ofd_key(self) -> str | None:
        return ofd_key_beside(self.rendered_pdf_key) if self.rendered_pdf_key else None

    @property
    def rendered_ses_key(self) -> str | None:
        return ses_key_beside(self.rendered_pdf_key) if self.rendered_pdf_key else None


@dataclass(frozen=True, slots=True)
class SeenItem:
    received_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class SeenAttachment:
    id: int
    title: str
    filename: str
    content_type: str
    size: int


@dataclass(slots=True)
class SeenVersion:
    """A version of a document: its number, where its body is stored, its attachments in order."""

    number: int
    body_key: str
    attachments: list[SeenAttachment] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SeenPhase:
    name: str
    starts_on: dt.date | None
    ends_on: dt.date | None


@dataclass(slots=True)
class Parts:
    """What a document lists, each in its order: issuers and recipients as (organ, name issued under or None,
    role), the plan's 阶段, the current version's attachments."""

    issuers: list[tuple[int, str | None]] = field(default_factory=list)
    recipients: list[tuple[int, str | None, str]] = field(default_factory=list)
    phases: list[SeenPhase] = field(default_factory=list)
    attachments: list[SeenAttachment] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SeenSignoff:
    round: int
    organ_id: int
    kind: str
    status: str
    opinion: str | None
    signer_name: str | None


_SEEN_COLUMNS = tuple(itertools.takewhile(lambda name: name != "registrar_gate", SeenDocument.__dataclass_fields__))
_DOCUMENT_ID: BindParameter[Any] = bindparam("document_id", type_=Integer)
_REPLY = aliased(Document, name="reply")
_ORGAN_ID: BindParameter[Any] = bindparam("organ_id", type_=Integer)


_CURRENT = (DocumentVersion.document_id == Document.id) & (DocumentVersion.number == Document.current_version)


# A report sent back for more (退回补报): why, for the report's own page (DOMAIN.md §5).
_returned_report = select(Submission.returned_reason).where(
    Submission.reply_document_id == _DOCUMENT_ID, Submission.status == SubmissionStatus.returned.value
)


@lru_cache(maxsize=4096)
def _seen_statement(reader: Reader) -> Select[Any]:
    """The document, the levels the reader holds on it (the readable statement, asked about this document) and
    their organ's part in it, in one statement; organ names come from the organ directory (its version read here)."""
    item = select(InboxItem.id).where(InboxItem.document_id == _DOCUMENT_ID, InboxItem.organ_id == _ORGAN_ID)
    received = select(InboxItem.received_at).where(
        InboxItem.document_id == _DOCUMENT_ID, InboxItem.organ_id == _ORGAN_ID
    )
    reports = exists().where(
        ObligationOwner.obligation_id == Obligation.id,
        Obligation.document_id == _DOCUMENT_ID,
        ObligationOwner.organ_id == _ORGAN_ID,
    )
    delivered = select(func.count(InboxItem.id), func.count(InboxItem.received_at)).where(
        InboxItem.document_id == _DOCUMENT_ID
    )
    incoming = access.readable_incoming_of(reader).where(IncomingRecord.document_id == _DOCUMENT_ID)
    return (
        select(
            *(getattr(Document, name) for name in _SEEN_COLUMNS),
            func.coalesce(LEAD.registrar_gate, False),
            _REPLY.title,
            _REPLY.doc_number,
            access.may_read_column(reader, Level.internal),
            access.may_read_column(reader, Level.issued),
            item.scalar_subquery(),
            received.scalar_subquery(),
            reports,
            exists().where(PlanTask.document_id == _DOCUMENT_ID),
            exists(incoming),
            delivered.with_only_columns(func.count(InboxItem.id)).scalar_subquery(),
            delivered.with_only_columns(func.count(InboxItem.received_at)).scalar_subquery(),
            select(CacheVersion.version).where(CacheVersion.name == "organs").scalar_subquery(),
            DocumentVersion.body_key,
            _returned_report.scalar_subquery(),
        )
        .outerjoin(LEAD, LEAD.id == Document.lead_organ_id)
        .outerjoin(DocumentVersion, _CURRENT)
        .outerjoin(_REPLY, _REPLY.id == Document.reply_to_id)
        .where(Document.id == _DOCUMENT_ID)
    )


_NO_DATE, _NO_TEXT, _NO_NUMBER = cast(null(), Date), cast(null(), String), cast(null(), Integer)
_PARTS: CompoundSelect[Any] = union_all(
    select(
        literal_column("'issuer'", String).label("part"),
        DocumentIssuer.position,
        DocumentIssuer.organ_id,
        DocumentIssuer.issued_name,
        _NO_TEXT.label("role"),
        _NO_DATE.label("starts_on"),
        _NO_DATE.label("ends_on"),
        _NO_TEXT.label("content_type"),
        _NO_NUMBER.label("size"),
    ).where(DocumentIssuer.document_id == _DOCUMENT_ID),
    select(
        literal_column("'recipient'", String),
        DocumentRecipient.position,
        DocumentRecipient.organ_id,
        DocumentRecipient.issued_name,
        DocumentRecipient.role,
        _NO_DATE,
        _NO_DATE,
        _NO_TEXT,
        _NO_NUMBER,
    ).where(DocumentRecipient.document_id == _DOCUMENT_ID),
    select(
        literal_column("'phase'", String),
        Phase.position,
        _NO_NUMBER,
        Phase.name,
        _NO_TEXT,
        Phase.starts_on,
        Phase.ends_on,
        _NO_TEXT,
        _NO_NUMBER,
    ).where(Phase.document_id == _DOCUMENT_ID),
    select(
        literal_column("'version'", String),
        Attachment.position,
        Attachment.id,
        Attachment.title,
        Attachment.filename,
        _NO_DATE,
        _NO_DATE,
        Attachment.content_type,
        Attachment.size,
    )
    .join(DocumentVersion, DocumentVersion.id == Attachment.version_id)
    .join(Document, _CURRENT)
    .where(Document.id == _DOCUMENT_ID),
)
_PARTS_IN_ORDER = select(_PARTS.subquery()).order_by(text("part"), text("position"))
_SIGNOFFS = (
    select(Signoff.round, Signoff.organ_id, Signoff.kind, Signoff.status, Signoff.opinion, User.display_name)
    .outerjoin(User, User.id == Signoff.signer_id)
    .where(Signoff.document_id == _DOCUMENT_ID)
    .order_by(Signoff.round, Signoff.id)
)
