"""Who may read what: the one home of the rule, as one SQL statement (Polar's "readable statement").

Access is granted to organs (机关) at one of two levels, and to two roles across organs; 密级 clearance limits
every grant (DOMAIN.md §1.6: a 涉密 document is read only by those cleared for its level):

| grant                                           | level    |
|-------------------------------------------------|----------|
| the lead organ (主办机关) of a document it issued  | internal |
| a co-issuer (会签机关), once signing has opened     | internal |
| a recipient (主送 / 抄送) the document reached     | issued   |
| the sender of a report-back (来文)               | internal |
| every issuing organ of the plan a report answers | internal |
| the organ an imported document belongs to       | internal |
| archivists: every finished document             | internal |
| admins: every document                          | internal |

A 收文 record (the register of what reached an organ) is read by its receiving organ only, within the reader's
密级 clearance, and by admins: :func:`readable_incoming` is that rule, beside the documents' grants.

``issued`` is the issued text and its attachments; ``internal`` adds drafts, versions, diffs, opinions, the
whole audit trail and the distribution status. Every check in the system (get, lists, counts, search, archive,
pages, every act on a document) is derived from :func:`readable`; an id one may not read answers exactly as an
unknown id does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    exists,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session, aliased

from services.domain.enums import CLASSIFICATION_RANK, Classification, DocKind, DocStatus, Role
from services.domain.models import AuditEvent, Document, DocumentIssuer, InboxItem, IncomingRecord, User
from services.domain.sql import one_of
from services.errors import Forbidden, NotFound


class Level(IntEnum):
    issued = 1  # the issued text and its attachments
    internal = 2  # drafts, versions, diffs, opinions, audit trail, distribution status


# What an archivist reads: documents whose life as a record has begun (DA/T 22 files only finished documents).
FINISHED = (
    DocStatus.issued.value,
    DocStatus.distributed.value,
    DocStatus.received.value,
    DocStatus.imported.value,
)
# Events a recipient sees on the timeline of a document it received (besides its own organ's events).
PUBLIC_EVENTS = frozenset({"numbered", "rendered", "distributed"})
INCOMING_EVENT = "incoming"  # a step of the receiving organ's 收文 handling


def cleared_levels(user: User) -> list[str]:
    """The 密级 a user is cleared for, from 非密 up to their clearance."""
    return _levels_up_to(user.clearance)


def _levels_up_to(clearance: str) -> list[str]:
    rank = CLASSIFICATION_RANK[Classification(clearance)]
    return [c.value for c, r in CLASSIFICATION_RANK.items() if r <= rank]


def is_cleared(user: User, classification: str) -> bool:
    return classification in cleared_levels(user)


def organs_without_clearance(session: Session, organ_ids: Iterable[int], classification: str) -> set[int]:
    """The organs among ``organ_ids`` where no active person is cleared for ``classification``: a document of that
    密级 delivered there is read by nobody (DOMAIN.md §1.6), so it must not pass for delivered, or be chased."""
    wanted = set(organ_ids)
    if not wanted or classification == Classification.none.value:
        return set()
    rank = CLASSIFICATION_RANK[Classification(classification)]
    enough = [c.value for c, r in CLASSIFICATION_RANK.items() if r >= rank]
    cleared = select(User.organ_id).where(User.organ_id.in_(wanted), User.active, User.clearance.in_(enough))
    return wanted - set(session.scalars(cleared.distinct()))


@dataclass(frozen=True)
class _Grant:
    """One way an organ comes to read a document: a query over some tables, its document and organ columns."""

    query: Select[Any]
    document: ColumnElement[Any] | QueryableAttribute[Any]
    organ: ColumnElement[Any] | QueryableAttribute[Any]
    level: Level


@lru_cache(maxsize=1)
def _grants() -> tuple[_Grant, ...]:
    """Built once: statements are reused, so SQLAlchemy compiles them once (an access check costs ≈ 1 ms)."""
    plan, reply = aliased(Document), aliased(Document)
    co_issuer = select(DocumentIssuer.document_id).join(Document, Document.id == DocumentIssuer.document_id)
    plan_office = (
        select(reply.id)
        .join(plan, plan.id == reply.reply_to_id)
        .join(DocumentIssuer, DocumentIssuer.document_id == plan.id)
    )
    lead = select(Document.id).where(Document.kind != DocKind.imported.value)  # an import is its owner's record
    return (
        _Grant(lead, Document.id, Document.lead_organ_id, Level.internal),
        _Grant(
            co_issuer.where(Document.signing_round > 0),
            DocumentIssuer.document_id,
            DocumentIssuer.organ_id,
            Level.internal,
        ),
        _Grant(select(InboxItem.document_id), InboxItem.document_id, InboxItem.organ_id, Level.issued),
        _Grant(select(Document.id), Document.id, Document.source_organ_id, Level.internal),
        _Grant(plan_office, reply.id, DocumentIssuer.organ_id, Level.internal),
        _Grant(select(Document.id), Document.id, Document.owner_organ_id, Level.internal),
    )


@lru_cache(maxsize=4096)
def _granted_to_organ(organ_id: int, level: Level, document: Any = None) -> Select[Any]:
    """Ids of the documents an organ holds a grant of at least ``level`` on; with ``document`` (a value or bound
    parameter), each grant is asked about that document only."""
    parts = [
        g.query.where(g.organ == organ_id, *([] if document is None else [g.document == document])).with_only_columns(
            g.document
        )
        for g in _grants()
        if g.level >= level
    ]
    return union_all(*parts).subquery().select()


READS_ONLY = "reads_only"  # in Session.info: this unit of work only reads (services.db sets it), answers are kept


@dataclass(frozen=True)
class Reader:
    """What :func:`readable` depends on of a user."""

    organ_id: int
    clearance: str
    admin: bool
    archivist: bool


def reader_of(user: User) -> Reader:
    return Reader(user.organ_id, user.clearance, user.has_role(Role.admin), user.has_role(Role.archivist))


def _readable(reader: Reader, level: Level, document: Any = None) -> Select[tuple[int]]:
    query = select(Document.id)
    if document is not None:
        query = query.where(Document.id == document)
    by_organ = Document.id.in_(_granted_to_organ(reader.organ_id, level, document))
    return query.where(_may_see(reader, Document.classification, Document.status, by_organ))


def _may_see(
    reader: Reader, classification: ColumnElement[Any] | QueryableAttribute[Any],
    status: ColumnElement[Any] | QueryableAttribute[Any], by_organ: ColumnElement[bool],
) -> ColumnElement[bool]:  # fmt: skip
    """The rule itself, over a document's 密级 and state and whether the reader's organ holds a grant on it."""
    cleared = one_of(classification, _levels_up_to(reader.clearance))
    if reader.admin:
        return cleared
    if reader.archivist:
        return and_(cleared, or_(one_of(status, FINISHED), by_organ))
    return and_(cleared, by_organ)


def readable(user: User, level: Level = Level.issued) -> Select[tuple[int]]:
    """The one statement: ids of every document this user may read at ``level`` or above."""
    return _readable(reader_of(user), level)


def readable_incoming(user: User) -> Select[tuple[int]]:
    """Ids of the 收文 records this user may read: their own organ's, within their clearance (admins: every organ's).
    A linked document is read through :func:`readable` as before (a recipient's grant is its inbox item)."""
    return readable_incoming_of(reader_of(user))


def readable_incoming_of(reader: Reader) -> Select[tuple[int]]:
    """:func:`readable_incoming` for what a user's reading depends on."""
    query = select(IncomingRecord.id).where(one_of(IncomingRecord.classification, _levels_up_to(reader.clearance)))
    if reader.admin:
        return query
    return query.where(IncomingRecord.organ_id == reader.organ_id)


def readable_filter(user: User, level: Level = Level.issued) -> ColumnElement[bool]:
    """A WHERE clause over ``Document`` for lists and counts (applied inside the query, before LIMIT)."""
    return readable_filter_of(reader_of(user), level)


@lru_cache(maxsize=4096)
def readable_filter_of(reader: Reader, level: Level = Level.issued) -> ColumnElement[bool]:
    """:func:`readable_filter` for what a user's reading depends on, built once: the statements that compose it are
    built once per reader too, so SQLAlchemy keys and compiles them once."""
    return Document.id.in_(_readable(reader, level))


def readable_row(reader: Reader, level: Level, row: Any) -> ColumnElement[bool]:
    """:func:`readable` asked of each row of a statement whose rows are already few (the 待办's lists, each of one
    organ), over the row's document columns (``id``, ``classification``, ``status``): each grant an index lookup
    of that row's document, instead of the organ's whole readable set, which grows with every document it issued."""
    grants = (g for g in _grants() if g.level >= level)
    by_organ = or_(*(exists(g.query.where(g.organ == reader.organ_id, g.document == row.id)) for g in grants))
    return _may_see(reader, row.classification, row.status, by_organ)


def may_read(session: Session, user: User, document_id: int, level: Level = Level.issued) -> bool:
    """Asked once per reader, level and document in a read-only unit of work (a page asks it from several parts:
    nothing can change the answer there); asked afresh in a writing one, where a grant may just have changed."""
    reader = reader_of(user)
    if not session.info.get(READS_ONLY):
        return _ask_may_read(session, reader, level, document_id)
    answers: dict[tuple[Reader, Level, int], bool] = session.info.setdefault("may_read", {})
    key = (reader, level, document_id)
    if key not in answers:
        answers[key] = _ask_may_read(session, reader, level, document_id)
    return answers[key]


def _ask_may_read(session: Session, reader: Reader, level: Level, document_id: int) -> bool:
    return bool(session.scalar(_may_read_statement(reader, level), {"document_id": document_id}))


@lru_cache(maxsize=4096)
def _may_read_statement(reader: Reader, level: Level) -> Select[tuple[bool]]:
    """:func:`readable` for one document (bound as ``document_id``), each grant asked about that document only:
    index lookups instead of the organ's whole readable set (a plan's office holds a grant on each of its thousands
    of reports). Built once per reader and level, so SQLAlchemy compiles it once."""
    return select(exists(_readable(reader, level, bindparam("document_id", type_=Integer))))


def may_read_column(reader: Reader, level: Level) -> ColumnElement[bool]:
    """:func:`may_read` as a column of a statement reading the document bound as ``document_id``, so a page reads
    the document and the levels its reader holds in one statement (answers noted with :func:`note_levels`)."""
    return exists(_readable(reader, level, bindparam("document_id", type_=Integer))).correlate(None)


def note_levels(session: Session, user: User, document_id: int, answers: dict[Level, bool]) -> None:
    """Keep answers read with :func:`may_read_column` for the later checks of a read-only unit of work."""
    if session.info.get(READS_ONLY):
        kept: dict[tuple[Reader, Level, int], bool] = session.info.setdefault("may_read", {})
        reader = reader_of(user)
        kept.update({(reader, level, document_id): answer for level, answer in answers.items()})


def require_read(session: Session, user: User, document_id: int, level: Level = Level.issued) -> None:
    """Refuse exactly as for an unknown id, so a caller learns nothing about documents it may not read."""
    if not may_read(session, user, document_id, level):
        raise document_not_found(document_id)


def document_not_found(document_id: int) -> NotFound:
    return NotFound("document_not_found", "公文不存在", "document not found", id=document_id)


def level_of(session: Session, user: User, document_id: int) -> Level | None:
    """The highest level this user reads the document at, or None."""
    for level in (Level.internal, Level.issued):
        if may_read(session, user, document_id, level):
            return level
    return None


def readers_of(session: Session, document_ids: Collection[int]) -> dict[int, set[int]]:
    """Every organ holding a grant on each document (the search index filters by these and by 密级), asked of
    a thousand documents a statement."""
    found: dict[int, set[int]] = {i: set() for i in document_ids}
    ids = list(found)
    for start in range(0, len(ids), READERS_AT_ONCE):
        rows = session.execute(_readers_statement(), {"ids": ids[start : start + READERS_AT_ONCE]})
        for document_id, organ_id in rows:
            if organ_id is not None:
                found[document_id].add(organ_id)
    return found


READERS_AT_ONCE = 1000  # ids a statement asks about: each grant binds them again (SQLite binds 32,766 at most)


@lru_cache(maxsize=1)
def _readers_statement() -> CompoundSelect[tuple[int, int | None]]:
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    return union_all(*(g.query.where(g.document.in_(ids)).with_only_columns(g.document, g.organ) for g in _grants()))


def sees_every_organ(user: User) -> bool:
    """Admins and archivists are not limited by organ (only by 密级) where finished documents are concerned."""
    return user.has_role(Role.admin) or user.has_role(Role.archivist)


def visible_event(user: User, level: Level, event: AuditEvent | Row[Any]) -> bool:
    """A recipient sees the public steps of a document and its own organ's acts, never internal opinions; a 收文's
    handling is seen by the organ that handles it only (the drafter of a 请示 does not see the superior's 批办)."""
    if event.action == INCOMING_EVENT:
        return event.organ_id == user.organ_id or user.has_role(Role.admin)
    if level >= Level.internal:
        return True
    return event.action in PUBLIC_EVENTS or event.organ_id == user.organ_id


def require_role(user: User, role: Role) -> None:
    if not user.has_role(role):
        raise Forbidden(
            "role_required", f"需要“{role.value}”角色", f"this action needs the '{role.value}' role", role=role.value
        )


def require_press_seal(user: User, organ_id: int, lead_organ_id: int) -> None:
    """用印 (GB/T 9704 §7.3.5; DOMAIN.md §1.5): an issuing organ's electronic seal is pressed by a registrar of that
    organ, or of the lead organ (whose 用印 step records every issuer's seal), or by an admin; nobody else."""
    if user.has_role(Role.admin):
        return
    if not user.has_role(Role.registrar) or user.organ_id not in (organ_id, lead_organ_id):
        raise Forbidden(
            "seal_not_yours",
            "只有本机关（或主办机关）的登记人员可以加盖本机关的电子印章",
            "only a registrar of this organ (or of the lead organ) presses its electronic seal",
            organ_id=organ_id,
        )


def archive_fonds_organ(user: User) -> int | None:
    """Whose 全宗 a user keeps (DOMAIN.md §3.7): an archivist their own organ's, an admin every organ's (None).
    Anyone else keeps none and is refused."""
    if user.has_role(Role.admin):
        return None
    require_role(user, Role.archivist)
    return user.organ_id


def may_see_clearance(viewer: User | None, user: User) -> bool:
    """A person's 密级 clearance is shown to themself (``viewer`` None or the same person) and to admins only."""
    return viewer is None or viewer.id == user.id or viewer.has_role(Role.admin)


def may_see_import_job(user: User, owner_id: int) -> bool:
    """An import job, its progress and its per-file report are its uploader's alone (an admin included: the files
    may be above anyone else's clearance until they are read)."""
    return user.id == owner_id
