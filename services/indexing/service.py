"""Keeping the search index in step with the database through a durable outbox (the index is derived)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import delete, func, select

from search import SearchDoc, SearchIndex, SearchQuery, SearchResult, Visibility
from services import access
from services.context import Context
from services.domain.enums import CLASSIFICATION_RANK, Classification
from services.domain.models import Document, SearchOutbox, User

SEARCHABLE = access.FINISHED


class IndexingService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def enqueue(self, document_id: int) -> None:
        """Called in the transaction that made the document searchable or changed it."""
        self.ctx.session.add(SearchOutbox(document_id=document_id, created_at=self.ctx.now()))

    def pending(self) -> int:
        return int(self.ctx.session.scalar(select(func.count()).select_from(SearchOutbox)) or 0)

    def apply_batch(self, index: SearchIndex, limit: int = 500) -> int:
        """Index the next batch of changed documents; rows leave the outbox only once the index has them."""
        rows = list(self.ctx.session.scalars(select(SearchOutbox).order_by(SearchOutbox.id).limit(limit)))
        if not rows:
            return 0
        ids = sorted({r.document_id for r in rows})
        docs = [self.search_doc(d) for d in self.ctx.session.scalars(select(Document).where(Document.id.in_(ids)))]
        index.upsert([d for d in docs if d is not None])
        gone = [i for i in ids if i not in {d.id for d in docs if d is not None}]
        index.delete(gone)
        self.ctx.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
        return len(ids)

    def record_failure(self, error: str) -> None:
        for row in self.ctx.session.scalars(select(SearchOutbox).order_by(SearchOutbox.id).limit(500)):
            row.attempts += 1
            row.last_error = error[-2000:]

    def all_search_docs(self, batch: int = 500) -> Iterator[SearchDoc]:
        """Every searchable document, built from the database and object storage (for a rebuild)."""
        last = 0
        while True:
            query = (
                select(Document)
                .where(Document.status.in_(SEARCHABLE), Document.id > last)
                .order_by(Document.id)
                .limit(batch)
            )
            chunk = list(self.ctx.session.scalars(query))
            if not chunk:
                return
            for document in chunk:
                doc = self.search_doc(document)
                if doc is not None:
                    yield doc
            last = chunk[-1].id
            self.ctx.session.expunge_all()

    def searchable_count(self) -> int:
        query = select(func.count()).select_from(Document).where(Document.status.in_(SEARCHABLE))
        return int(self.ctx.session.scalar(query) or 0)

    def search_doc(self, document: Document) -> SearchDoc | None:
        if document.status not in SEARCHABLE:
            return None
        from services.documents.service import DocumentService

        documents = DocumentService(self.ctx)
        version = documents.version(document)
        texts = [documents.body(version)]
        texts += [
            self.ctx.store.get(a.key).decode("utf-8", errors="replace")
            for a in version.attachments
            if a.content_type.startswith("text/plain")
        ]
        return SearchDoc(
            id=document.id,
            title=document.title,
            body="\n".join(texts),
            doc_number=document.doc_number,
            issuers=tuple(i.organ.name for i in document.issuers),
            doc_type=document.doc_type,
            status=document.status,
            kind=document.kind,
            date=document.written_on or document.created_at.date(),
            organs=tuple(sorted(access.reader_organs(self.ctx.session, document.id))),
            rank=CLASSIFICATION_RANK[Classification(document.classification)],
            source=document.source_name,
        )


def visibility_of(user: User) -> Visibility:
    """The index's side of services.access: organs holding a grant, and 密级 rank (only finished documents are
    indexed, which archivists and admins read in every organ)."""
    rank = CLASSIFICATION_RANK[Classification(user.clearance)]
    if access.sees_every_organ(user):
        return Visibility(None, rank)
    return Visibility(frozenset({user.organ_id}), rank)


def search_as(index: SearchIndex, user: User, query: SearchQuery) -> SearchResult:
    from dataclasses import replace

    return index.search(replace(query, visibility=visibility_of(user)))
