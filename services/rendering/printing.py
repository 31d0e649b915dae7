"""印制: the print run of an issued 涉密 document, one copy per 份号 (GB/T 9704 §7.2.1; DOMAIN.md §1.5 发文:
登记 → 印制 → 核发)."""

from __future__ import annotations

from dataclasses import replace

from services.access import Level, require_role
from services.context import Context
from services.documents.service import DocumentService
from services.domain.enums import Classification, DocStatus, Role
from services.domain.models import User
from services.errors import Conflict, Forbidden, Invalid
from services.registrar.repository import registered_copy_numbers
from services.rendering.renderer import DocumentRenderer, copy_numbers
from services.workflow.service import WorkflowService

MAX_COPIES_PER_RUN = 500


class PrintRunService:
    def __init__(self, ctx: Context, renderer: DocumentRenderer) -> None:
        self.ctx = ctx
        self.renderer = renderer
        self.documents = DocumentService(ctx)

    def pdf(self, actor: User, document_id: int, first: int | None = None, last: int | None = None) -> bytes:
        """The printed copies of an issued document, each numbered: the registrar's print file. All of them, or
        the ``first``…``last`` of them (1-based, inclusive) when a run is larger than one print file holds."""
        document = self.documents.get_visible(actor, document_id, Level.internal)
        require_role(actor, Role.registrar)
        if actor.organ_id != document.lead_organ_id and not actor.has_role(Role.admin):
            raise Forbidden("not_issuing_office", "只有主办机关可以印制", "only the lead organ prints the copies")
        document.require_status(DocStatus.issued, DocStatus.distributed)
        if document.classification == Classification.none.value:
            raise Conflict("not_classified", "非涉密公文不编份号", "only a 涉密 document carries 份号")
        # The 份号 registered at 登记 (the registrar's gate), else 000001… for every printed copy.
        registered = registered_copy_numbers(self.ctx.session, document.id) or copy_numbers(document.printed_copies)
        copies = print_range(registered, first, last)
        version = self.documents.version(document)
        signoffs = WorkflowService(self.ctx).signoffs(document)
        facts = self.renderer.facts(document, self.documents.body(version), version, signoffs)
        layouts = [self.renderer.layout(replace(facts, copy_number=number)) for number in copies]
        return self.renderer.print_run_pdf(layouts)


def print_range(registered: list[str], first: int | None, last: int | None) -> list[str]:
    """The copies asked for, at most one print file's worth; a range outside the registered count is refused."""
    total = len(registered)
    start = first or 1
    end = last or (total if first is None else min(total, start + MAX_COPIES_PER_RUN - 1))
    if start > end or end > total:
        raise Invalid(
            "print_range_invalid",
            f"份号范围应在第 1 至第 {total} 份之间，且起始不大于结束",
            f"the range must lie within copies 1–{total}, first not after last",
            total=total,
        )
    if end - start + 1 > MAX_COPIES_PER_RUN:
        raise Invalid(
            "print_run_too_large",
            f"共登记 {total} 份，一次最多印制 {MAX_COPIES_PER_RUN} 份："
            f"请分段印制（如 first=1&last={MAX_COPIES_PER_RUN}）",
            f"{total} copies are registered and a print file holds at most {MAX_COPIES_PER_RUN}: print in ranges "
            f"(e.g. first=1&last={MAX_COPIES_PER_RUN})",
            status=413,
            total=total,
        )
    return registered[start - 1 : end]
