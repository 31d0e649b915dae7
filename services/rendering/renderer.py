"""Render an issued document in the GB/T 9704 layout: HTML with print CSS, and PDF through WeasyPrint."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.domain.enums import UPWARD_DOC_TYPES, RecipientRole
from services.domain.models import Document, DocumentVersion, Signoff
from services.rendering.body import Paragraph, chinese_date, paragraphs
from services.rendering.fonts import find_fonts_dir, font_face_css
from services.storage import ObjectStore


@dataclass(frozen=True)
class TextAttachment:
    title: str
    paragraphs: list[Paragraph]


def header_font_pt(names: list[str]) -> float:
    """Size the red 发文机关标志 so the longest name fits one line beside 文件 (≈ 116 mm of the 版心)."""
    longest = max((len(n) for n in names), default=1)
    limit = 26.0 if len(names) > 1 else 32.0
    return round(min(limit, 318.0 / longest), 1)


class DocumentRenderer:
    def __init__(self, templates_dir: Path, store: ObjectStore, fonts_dir: Path | None = None) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(templates_dir)),
            autoescape=select_autoescape(["html", "j2"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.store = store
        self.fonts_dir = find_fonts_dir(fonts_dir)
        self.css = (templates_dir / "documents" / "gbt9704.css").read_text(encoding="utf-8")
        self._font_config: Any = None

    def document_html(self, doc: Document, body: str, version: DocumentVersion, signoffs: Sequence[Signoff]) -> str:
        """The document as issued: 发文字号 and 成文日期 must be set."""
        assert doc.written_on is not None and doc.doc_number is not None
        return self._html(doc, body, version, signoffs)

    def preview_html(self, doc: Document, body: str, version: DocumentVersion, signoffs: Sequence[Signoff]) -> str:
        """The layout a reviewer or signer checks before registration: 文号 and date are shown as placeholders."""
        return self._html(doc, body, version, signoffs)

    def _html(self, doc: Document, body: str, version: DocumentVersion, signoffs: Sequence[Signoff]) -> str:
        recipients = doc.recipients
        written_on = chinese_date(doc.written_on) if doc.written_on else "（成文日期：最后签发之日）"
        context: dict[str, Any] = {
            "doc": doc,
            "doc_number": doc.doc_number or "（发文字号：登记时编号）",
            "issuers": [i.organ for i in doc.issuers],
            "header_pt": header_font_pt([i.organ.name for i in doc.issuers]),
            "upward": doc.doc_type in UPWARD_DOC_TYPES,
            "signer_names": [s.signer.display_name for s in signoffs if s.signer],
            "main_recipients": [doc.main_recipients_text.rstrip("：:")]
            if doc.main_recipients_text
            else [r.organ.name for r in recipients if r.role == RecipientRole.main.value],
            "copy_recipients": [r.organ.name for r in recipients if r.role == RecipientRole.copy.value],
            "paragraphs": paragraphs(body),
            "attachment_notes": doc.attachment_notes,
            "text_attachments": self._text_attachments(version),
            "written_on": written_on,
            "printing_organ": doc.printing_organ or f"{doc.lead_organ.name}办公室",
            "printed_on": written_on,
            "copy_number": None,
            "font_faces": font_face_css(self.fonts_dir),
            "css": self.css,
        }
        return self.env.get_template("documents/official.html.j2").render(**context)

    def _text_attachments(self, version: DocumentVersion) -> list[TextAttachment]:
        """Text attachments (a plan a 通知 印发s) are laid out as 附件 pages; others are listed only."""
        found = []
        for att in version.attachments:
            if att.content_type.startswith("text/plain"):
                text = self.store.get(att.key).decode("utf-8", errors="replace")
                found.append(TextAttachment(att.title, paragraphs(text)))
        return found

    def pdf(self, html: str) -> tuple[bytes, int]:
        from weasyprint import HTML  # imported late: loading pango costs time the API start need not pay
        from weasyprint.text.fonts import FontConfiguration

        if self._font_config is None:  # shared: loading the @font-face files again costs ≈20 % of a render
            self._font_config = FontConfiguration()
        document = HTML(string=html, base_url=str(self.fonts_dir or ".")).render(font_config=self._font_config)
        out = io.BytesIO()
        # The 正本 is the fixed-layout archival form (DOMAIN.md §4.5): PDF/A-2b identification and output
        # intent cost ≈0.05 s. No validator (veraPDF) is packaged here, so conformance is claimed, not proven.
        document.write_pdf(out, pdf_variant="pdf/a-2b")
        return out.getvalue(), len(document.pages)
