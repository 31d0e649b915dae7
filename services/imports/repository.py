"""The import's queries: files already imported by their digest, 发文字号 already taken, and a batch of imported
documents written with one statement per table (Core inserts with RETURNING where the ids are needed — SQLite
≥ 3.35 and PostgreSQL), not one ORM object at a time."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import insert, select, tuple_

from services.domain.models import (
    Document,
    DocumentIssuer,
    DocumentLink,
    DocumentVersion,
    ImportedFile,
)
from services.domain.repository import SessionRepository

Row = dict[str, Any]
Inserted = DocumentVersion | DocumentIssuer | ImportedFile | DocumentLink


class ImportRepository(SessionRepository):
    def imported_by_digest(self, organ_id: int | None, digests: Collection[str]) -> dict[str, ImportedFile]:
        """The files of these digests already in this organ's records."""
        if not digests:
            return {}
        query = select(ImportedFile).where(
            ImportedFile.sha256.in_(list(digests)), ImportedFile.owner_organ_id == organ_id
        )
        return {row.sha256: row for row in self.session.scalars(query)}

    def numbers_taken(self, numbers: Collection[str]) -> set[str]:
        """Which of these 发文字号 a document already bears."""
        if not numbers:
            return set()
        query = select(Document.doc_number).where(Document.doc_number.in_(list(numbers)))
        return {n for n in self.session.scalars(query) if n is not None}

    def documents_numbered(self, pairs: Collection[tuple[int, int]]) -> dict[tuple[int, int], list[tuple[int, str]]]:
        """Documents by the year and number of their 发文字号: (id, 机关代字) of each."""
        found: dict[tuple[int, int], list[tuple[int, str]]] = {}
        if pairs:
            query = select(Document.id, Document.doc_prefix, Document.doc_year, Document.doc_seq).where(
                tuple_(Document.doc_year, Document.doc_seq).in_(list(pairs))
            )
            for doc_id, prefix, year, seq in self.session.execute(query.order_by(Document.id)):
                found.setdefault((year, seq), []).append((doc_id, prefix or ""))
        return found

    def documents_titled(self, titles: Collection[str]) -> dict[str, list[int]]:
        """Documents by their exact title, oldest first."""
        found: dict[str, list[int]] = {}
        if titles:
            query = select(Document.id, Document.title).where(Document.title.in_(list(titles)))
            for doc_id, title in self.session.execute(query.order_by(Document.id)):
                found.setdefault(title, []).append(doc_id)
        return found

    def insert_documents(self, rows: Sequence[Row]) -> list[int]:
        """The documents' ids, in the order of ``rows``."""
        statement = insert(Document).returning(Document.id, sort_by_parameter_order=True)
        return list(self.session.scalars(statement, list(rows)))

    def insert_rows(self, table: type[Inserted], rows: Sequence[Row]) -> None:
        """Rows of one table in one statement (executemany)."""
        if rows:
            self.session.execute(insert(table), list(rows))
