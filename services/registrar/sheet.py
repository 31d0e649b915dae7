"""发文稿纸: the issuing sheet an office prints and carries with a 发文 (DOMAIN.md §1.4–1.5: 拟稿, 核稿, 会签, 签发,
复核, 登记, 用印; §3.1: the 处理单 / 发文稿纸 stays with its document in the archive), as HTML with print CSS
for A4 and as PDF. Every box is filled from the record: the draft, the audit events and the signatures of the
round that was signed, and the registrar's record."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.access import Level
from services.config import Settings
from services.context import Context
from services.documents.service import DocumentService
from services.domain.enums import DocKind, RecipientRole, SignoffKind, SignoffStatus
from services.domain.models import AuditEvent, Document, IssueRecord, Signoff, User
from services.errors import Conflict
from services.registrar.repository import RegistrarRepository
from services.registrar.sheet_page import Box, IssuingSheet, sheet_page
from services.rendering.body import chinese_date
from services.rendering.fonts import find_fonts_dir
from services.rendering.forms import form_pdf
from services.rendering.model import DocFormat, Layout
from services.rendering.pdf import PdfWriter

TEMPLATE = "documents/issuing_sheet.html.j2"


def person(user: User | None) -> str:
    if user is None:
        return ""
    return user.person_name or user.display_name


class IssuingSheetService:
    def __init__(
        self, ctx: Context, *, documents: DocumentService | None = None, repository: RegistrarRepository | None = None
    ) -> None:
        self.ctx = ctx
        self.documents = documents or DocumentService(ctx)
        self.repository = repository or RegistrarRepository(ctx.session)
        self.zone = ZoneInfo(ctx.settings.timezone)

    def for_reader(self, actor: User, document_id: int) -> IssuingSheet:
        """The sheet as an issuing organ reads it (its opinions are internal material)."""
        return self.of(self.documents.get_visible(actor, document_id, Level.internal))

    def of(self, document: Document) -> IssuingSheet:
        if document.kind != DocKind.outgoing.value:
            raise Conflict(
                "no_issuing_sheet",
                "只有本系统拟制的发文才有发文稿纸",
                "only a document drafted here has an issuing sheet",
            )
        record = self.repository.record(document.id)
        review = self.repository.last_event(document.id, "review_approved")
        signoffs = [
            s
            for s in self.repository.signoffs(document)
            if s.status == SignoffStatus.signed.value and s.signer is not None
        ]
        main = [r.organ.name for r in document.recipients if r.role == RecipientRole.main.value]
        numbers = list(record.copy_numbers) if record else []
        copies = record.copies if record and record.copies else document.printed_copies
        return IssuingSheet(
            lead=document.lead_organ.name,
            title=document.title,
            issuers=tuple(i.organ.name for i in document.issuers),
            doc_number=document.doc_number or "",
            classification=document.classification,
            secrecy_period=document.secrecy_period or "",
            urgency=document.urgency,
            copies=str(copies) if copies else "",
            copy_numbers=_numbers(numbers),
            main=document.main_recipients_text or "、".join(main),
            copy_to="、".join(r.organ.name for r in document.recipients if r.role == RecipientRole.copy.value),
            drafted=Box(
                organ=document.drafter.organ.name if document.drafter else document.lead_organ.name,
                person=person(document.drafter),
                date=self._date(document.created_at),
            ),
            reviewed=self._reviewed(review),
            countersigned=tuple(self._signoff(s) for s in signoffs if s.kind == SignoffKind.countersign.value),
            signed=next((self._signoff(s) for s in signoffs if s.kind == SignoffKind.sign.value), None),
            **self._registrar_boxes(document, record),
        )  # fmt: skip

    def _reviewed(self, review: AuditEvent | None) -> Box | None:
        if review is None:
            return None
        return Box(
            organ=review.organ_name or "",
            opinion=str(review.detail.get("opinion") or ""),
            person=review.actor_name,
            date=self._date(review.at),
        )

    def _registrar_boxes(self, document: Document, record: IssueRecord | None) -> dict[str, Any]:
        """复核, 登记 and 用印 as the registrar recorded them (empty until each is done)."""
        if record is None:
            return {"rechecked": None, "registered": None, "sealed": ()}
        rechecked = Box(
            opinion=record.recheck_opinion or "无实质性修改", person=person(record.rechecked_by),
            date=self._date(record.rechecked_at),
        )  # fmt: skip
        registered = Box(
            opinion=document.doc_number or "",
            person=person(record.registered_by),
            date=self._date(record.registered_at),
        )
        return {
            "rechecked": rechecked if record.rechecked_at else None,
            "registered": registered if record.registered_at else None,
            "sealed": tuple(
                Box(organ=s.organ.name, person=s.applied_by, date=self._date(s.applied_at)) for s in record.seals
            ),
        }

    def _signoff(self, signoff: Signoff) -> Box:
        return Box(
            organ=signoff.organ.name,
            opinion=signoff.opinion or "同意",
            person=person(signoff.signer),
            date=self._date(signoff.decided_at),
        )

    def _date(self, value: dt.datetime | None) -> str:
        return chinese_date(value.astimezone(self.zone).date()) if value else ""


def _numbers(numbers: list[str]) -> str:
    """份号 as the sheet prints them: every number, runs shortened to their ends (000001—000030)."""
    runs: list[list[int]] = []
    for n in (int(x) for x in numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return "、".join(f"{r[0]:06d}" if len(r) == 1 else f"{r[0]:06d}—{r[-1]:06d}" for r in runs)


@lru_cache(maxsize=4)
def _environment(templates_dir: str) -> Environment:
    """One environment per templates folder: the template is compiled once (the archive fills thousands)."""
    return Environment(loader=FileSystemLoader(templates_dir), autoescape=select_autoescape(["j2"]))


def sheet_html(sheet: IssuingSheet, settings: Settings, links: dict[str, str] | None = None) -> str:
    """The sheet as a page (with links back and to the PDF), or, without links, as a file (the archive's, and
    the PDF's source)."""
    env = _environment(str(settings.templates_dir))
    return env.get_template(TEMPLATE).render(sheet=sheet, for_pdf=not links, **(links or {}))


def sheet_pdf(sheet: IssuingSheet, settings: Settings) -> bytes:
    """The 发文稿纸 as PDF, in the GB/T 9704 faces: drawn by our PDF writer, through its HTML form only when a
    character has no face or the sheet needs more than a page."""
    fonts_dir = find_fonts_dir(settings.fonts_dir)
    drawn = _drawn(sheet, fonts_dir) if fonts_dir is not None else None
    return drawn if drawn is not None else form_pdf(sheet_html(sheet, settings), fonts_dir)


@lru_cache(maxsize=64)
def _drawn(sheet: IssuingSheet, fonts_dir: Path) -> bytes | None:
    """The same sheet gives the same PDF: the last few are kept (a 发文稿纸 read again is a lookup)."""
    writer = _writer(fonts_dir)
    page = sheet_page(sheet, writer.fonts)
    if page is None or not writer.covers(Layout(DocFormat.document, [page])):
        return None
    return writer.write_pages([page], f"发文稿纸 {sheet.doc_number} {sheet.title}".strip())


@lru_cache(maxsize=4)
def _writer(fonts_dir: Path) -> PdfWriter:
    return PdfWriter(fonts_dir)
