"""Keeping the search index in step with the database through a durable outbox (the index is derived)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from search import DocumentsRejected, SearchDoc, SearchError, SearchIndex, SearchQuery, SearchResult, Visibility
from services import access
from services.context import Context
from services.domain.enums import CLASSIFICATION_RANK, Classification, DocKind
from services.domain.models import Document, DocumentVersion, SearchOutbox, User
from services.errors import DomainError, not_found
from services.indexing.repository import OutboxRepository

SEARCHABLE = access.FINISHED


@dataclass(frozen=True)
class IndexBatch:
    """Outbox rows (row id, document id) taken together, their documents' ids and what the index is to hold of
    those still searchable (the others are to leave it)."""

    rows: list[tuple[int, int]]
    document_ids: list[int]
    docs: list[SearchDoc]


def write_batch(index: SearchIndex, batch: IndexBatch) -> dict[int, str]:
    """The batch into the index; returns the documents it refused for good, with its reasons."""
    refused: dict[int, str] = {}
    try:
        index.upsert(batch.docs)
    except DocumentsRejected as exc:
        refused = exc.rejected
    kept = {d.id for d in batch.docs}
    index.delete([i for i in batch.document_ids if i not in kept])
    return refused


class IndexingService:
    def __init__(self, ctx: Context, repo: OutboxRepository | None = None) -> None:
        self.ctx = ctx
        self.repo = repo or OutboxRepository(ctx.session)

    def enqueue_changed_since(self, start: object) -> None:
        """Documents changed since ``start`` go through the outbox again (a rebuild's catch-up)."""
        for doc_id in self.repo.changed_since(start):
            self.enqueue(doc_id)

    def enqueue(self, document_id: int) -> None:
        """Called in the transaction that made the document searchable or changed it."""
        self.repo.add(SearchOutbox(document_id=document_id, created_at=self.ctx.now()))

    def pending(self) -> int:
        return self.repo.pending()

    def set_aside(self) -> list[SearchOutbox]:
        """Documents the index refused for good, with its reason: for the operator to look at."""
        return self.repo.set_aside()

    def apply_batch(self, index: SearchIndex, limit: int = 500) -> int:
        """Index the next batch of changed documents in this unit of work (see :meth:`next_batch`)."""
        batch = self.next_batch(limit)
        if batch is None:
            return 0
        self.settle(batch.rows, write_batch(index, batch))
        return len(batch.document_ids)

    def next_batch(self, limit: int) -> IndexBatch | None:
        """The next outbox rows and what the index is to hold of their documents; only reads, so a reading unit
        of work can take it while other transactions write, and the index is written before :meth:`settle`."""
        rows = self.repo.due(limit)
        if not rows:
            return None
        ids = sorted({r.document_id for r in rows})
        docs = [d for d in self.search_docs(self.repo.documents(ids)) if d is not None]
        return IndexBatch([(r.id, r.document_id) for r in rows], ids, docs)

    def settle(self, rows: Sequence[tuple[int, int]], refused: dict[int, str]) -> None:
        """A batch's rows (row id, document id) leave the outbox once the index has their documents (rows added
        since stay for the next batch); a document the index refuses for good is set aside with the reason, and
        never holds up the others."""
        now = self.ctx.now()
        for row_id, document_id in rows:
            if document_id in refused:
                self.repo.put_aside(row_id, now, refused[document_id][-2000:])
        self.repo.remove([row_id for row_id, document_id in rows if document_id not in refused])

    def set_aside_refused(self, rejected: dict[int, str]) -> None:
        """Documents a rebuild could not index, set aside with the reasons as apply_batch does."""
        now = self.ctx.now()
        for document_id, reason in rejected.items():
            row = SearchOutbox(document_id=document_id, created_at=now, set_aside_at=now, last_error=reason[-2000:])
            self.repo.add(row)

    def record_failure(self, error: str) -> None:
        """The index could not be reached or refused the whole batch for now: the rows stay, with the error."""
        for row in self.repo.due(500):
            row.attempts += 1
            row.last_error = error[-2000:]

    def all_search_docs(self, batch: int = 500) -> Iterator[SearchDoc]:
        """Every searchable document, built from the database and object storage (for a rebuild)."""
        last = 0
        while True:
            chunk = self.repo.in_states_after(SEARCHABLE, last, batch)
            if not chunk:
                return
            yield from (doc for doc in self.search_docs(chunk) if doc is not None)
            last = chunk[-1].id
            self.repo.forget_loaded()

    def searchable_count(self) -> int:
        return self.repo.count_in_states(SEARCHABLE)

    def search_docs(self, documents: Sequence[Document]) -> list[SearchDoc | None]:
        """What the index holds of each document (None for one not searchable), read for the lot together: their
        current versions, their readers and their bodies."""
        searchable = [d for d in documents if d.status in SEARCHABLE]
        versions = self.repo.current_versions([d.id for d in searchable])
        readers = access.readers_of(self.ctx.session, [d.id for d in searchable])
        docs = {d.id: self._search_doc(d, _version_of(d, versions), readers[d.id]) for d in searchable}
        return [docs.get(d.id) for d in documents]

    def _search_doc(self, document: Document, version: DocumentVersion, readers: set[int]) -> SearchDoc:
        from services.documents.service import DocumentService

        # The whole text: an imported document's header lines (发文机关标志, 文号 as written) and 主送 first.
        texts = ["\n".join(version.fields.get("preamble") or []), DocumentService(self.ctx).body(version)]
        texts += [
            self.ctx.store.get(a.key).decode("utf-8", errors="replace")
            for a in version.attachments
            if a.content_type.startswith("text/plain")
        ]
        return SearchDoc(
            id=document.id,
            title=document.title,
            body="\n".join(t for t in texts if t),
            doc_number=document.doc_number or _recognized_number(version.fields),
            issuers=tuple(document.responsible),
            doc_type=document.doc_type,
            status=document.status,
            kind=document.kind,
            date=_date_of(document),
            year=document.year,
            organs=tuple(sorted(readers)),
            rank=CLASSIFICATION_RANK[Classification(document.classification)],
            source=document.source_name,
            issuer_names=_issuer_names(document),
            collection_title=document.collection_title,
        )


def _version_of(document: Document, versions: dict[int, DocumentVersion]) -> DocumentVersion:
    if document.id not in versions:
        raise not_found("版本", "version", document=document.id, version=document.current_version)
    return versions[document.id]


def _date_of(document: Document) -> dt.date | None:
    """成文日期; a reply (来文) made here is dated the day it was sent. An imported document without one has no
    date at all (its year may be known): never the day it was imported."""
    if document.written_on or document.kind == DocKind.imported.value:
        return document.written_on
    return document.created_at.date()


def _recognized_number(fields: dict[str, Any]) -> str | None:
    """The 文号 an imported text carries, when the document row could not take it (another organ's copy holds
    that unique 文号): still searchable by it."""
    found = (fields.get("recognized") or {}).get("doc_number") or {}
    value = found.get("value")
    return str(value) if value else None


def _issuer_names(document: Document) -> tuple[str, ...]:
    """Every name of every issuer (full, short, aliases), then issuers known by text only: what 机关: matches."""
    names = [name for issuer in document.issuers for name in issuer.organ.names]
    return tuple(dict.fromkeys([*names, *document.issuer_names]))


def visibility_of(user: User) -> Visibility:
    """The index's side of services.access: organs holding a grant, and 密级 rank (only finished documents are
    indexed, which archivists and admins read in every organ)."""
    rank = CLASSIFICATION_RANK[Classification(user.clearance)]
    if access.sees_every_organ(user):
        return Visibility(None, rank)
    return Visibility(frozenset({user.organ_id}), rank)


@contextmanager
def search_refusals() -> Iterator[None]:
    """The one place a search engine's refusal (a malformed query, an index that does not answer) becomes the
    domain's error, with its stable code and both languages, for the API, the pages and the CLI alike."""
    try:
        yield
    except SearchError as exc:
        raise DomainError(exc.code, exc.zh, exc.en, status=exc.status) from None


def search_as(index: SearchIndex, user: User, query: SearchQuery) -> SearchResult:
    from dataclasses import replace

    return index.search(replace(query, visibility=visibility_of(user)))
