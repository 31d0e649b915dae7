"""印制: the print run of an issued 涉密 document, one copy per 份号 (GB/T 9704 §7.2.1; DOMAIN.md §1.5 发文:
登记 → 印制 → 核发): every registered copy, or a range of them, streamed as it is written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from services.access import Level, require_role
from services.context import Context
from services.documents.service import DocumentService
from services.domain.enums import Classification, DocStatus, Role
from services.domain.filenames import document_file_name
from services.domain.models import User, require_status_of
from services.errors import Conflict, DomainError, Forbidden, Invalid
from services.registrar.repository import RegistrarRepository, registered_copy_numbers
from services.rendering.renderer import DocumentRenderer, copy_numbers


@dataclass(frozen=True)
class PrintFile:
    """A print run ready to be written: its name and its bytes as they are made (read once)."""

    filename: str
    chunks: Iterator[bytes]


class PrintRunService:
    def __init__(self, ctx: Context, renderer: DocumentRenderer) -> None:
        self.ctx = ctx
        self.renderer = renderer
        self.documents = DocumentService(ctx)

    def print_file(self, actor: User, document_id: int, first: int | None = None, last: int | None = None) -> PrintFile:
        """The printed copies of an issued document, each numbered: the registrar's print file. All of them, or
        the ``first``…``last`` of them (1-based, inclusive). Everything is read and checked here; the bytes are
        made only as ``chunks`` is read, and need neither the database nor the transaction."""
        document = self.documents.get_visible(actor, document_id, Level.internal)
        require_may_print(actor, document)
        # The 份号 registered at 登记 (the registrar's gate), else 000001… for every printed copy.
        registered = registered_copy_numbers(self.ctx.session, document.id) or copy_numbers(document.printed_copies)
        copies = print_range(registered, first, last)
        version = self.documents.version(document)
        signoffs = RegistrarRepository(self.ctx.session).signoffs(document)
        facts = self.renderer.facts(document, self.documents.body(version), version, signoffs)
        chunks = self.renderer.print_run(facts, copies)
        return PrintFile(document_file_name(document, "pdf", f"印制 份号{copies[0]}-{copies[-1]}"), chunks)


class Printable(Protocol):
    """What printing depends on of a document (an ORM row or a page's plain record)."""

    @property
    def status(self) -> str: ...

    @property
    def lead_organ_id(self) -> int | None: ...

    @property
    def classification(self) -> str: ...


def require_may_print(actor: User, document: Printable) -> None:
    """The lead organ's registrar (or an admin) prints an issued 涉密 document's copies; anyone else is refused."""
    require_role(actor, Role.registrar)
    if actor.organ_id != document.lead_organ_id and not actor.has_role(Role.admin):
        raise Forbidden("not_issuing_office", "只有主办机关可以印制", "only the lead organ prints the copies")
    require_status_of(document.status, DocStatus.issued, DocStatus.distributed)
    if document.classification == Classification.none.value:
        raise Conflict("not_classified", "非涉密公文不编份号", "only a 涉密 document carries 份号")


def may_print(actor: User, document: Printable) -> bool:
    try:
        require_may_print(actor, document)
    except DomainError:
        return False
    return True


def print_range(registered: list[str], first: int | None, last: int | None) -> list[str]:
    """The copies asked for: every registered one, or ``first``…``last``; a range outside them is refused."""
    total = len(registered)
    start, end = first or 1, last or total
    if start > end or end > total:
        raise Invalid(
            "print_range_invalid",
            f"份号范围应在第 1 至第 {total} 份之间，且起始不大于结束",
            f"the range must lie within copies 1–{total}, first not after last",
            total=total,
        )
    return registered[start - 1 : end]
