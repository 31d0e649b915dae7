"""Render an issued document in the GB/T 9704 layout: the layout model's pages as HTML (fonts embedded, so any
browser shows what the PDF shows) and as PDF through WeasyPrint."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.domain.enums import UPWARD_DOC_TYPES, Classification, RecipientRole, SignoffStatus, Urgency
from services.domain.models import Document, DocumentVersion, Signoff
from services.errors import Conflict, Invalid
from services.rendering import grid
from services.rendering.body import chinese_date, paragraphs
from services.rendering.fonts import (
    ALL_FACES,
    FontSet,
    css_ascent,
    embedded_font_css,
    find_fonts_dir,
    font_face_css,
    unprintable_message,
)
from services.rendering.glyphs import GlyphUse
from services.rendering.layout import LayoutEngine
from services.rendering.model import DocFormat, DocumentFacts, Layout, Signer, TextAttachment, choose_format
from services.rendering.ofd import OfdWriter
from services.rendering.pdf import PdfWriter
from services.rendering.titles import set_cache_dir
from services.storage import ObjectStore

FONTS_OPEN = '<style id="gw-fonts">'
FONTS_SLOT = "/*@font-face*/"
WRAPPED = {"title": "h1", "attachment-title": "h2", "doc-number": "p"}
NO_NAME = "（姓名未登记）"


def copy_numbers(printed_copies: int | None) -> list[str]:
    """份号: six digits, one per printed copy (GB/T 9704 §7.2.1)."""
    return [f"{n:06d}" for n in range(1, (printed_copies or 1) + 1)]


class DocumentRenderer:
    def __init__(
        self, templates_dir: Path, store: ObjectStore, fonts_dir: Path | None = None, cache_dir: Path | None = None
    ) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(templates_dir)),
            autoescape=select_autoescape(["html", "j2"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.store = store
        self.fonts_dir = find_fonts_dir(fonts_dir)
        self.fonts = FontSet(self.fonts_dir)
        self.css = (templates_dir / "documents" / "gbt9704.css").read_text(encoding="utf-8")
        self._font_config: Any = None
        self._recent: dict[str, Layout] = {}
        self._lock = threading.Lock()
        set_cache_dir(cache_dir)

    # -- from the record -----------------------------------------------------------------------------------

    def document_html(
        self,
        doc: Document,
        body: str,
        version: DocumentVersion,
        signoffs: Sequence[Signoff],
        printed_on: dt.date | None = None,
        copy_number: str | None = None,
        stamps: Mapping[str, bytes] | None = None,
    ) -> str:
        """The document as issued: 发文字号 and 成文日期 must be set; 印发日期 is the record's unless given; a 涉密
        document shows the 份号 given (the first registered copy) or 000001; ``stamps`` are the seal pictures
        pressed at 用印, by issuer name, drawn at their organs' seal places."""
        assert doc.written_on is not None and doc.doc_number is not None
        facts = self.facts(doc, body, version, signoffs, copy_number=copy_number, printed_on=printed_on)
        return self.html(self.layout(facts).stamped(stamps or {}))

    def preview_html(self, doc: Document, body: str, version: DocumentVersion, signoffs: Sequence[Signoff]) -> str:
        """The layout a reviewer or signer checks before registration: 文号 and date are shown as placeholders."""
        return self.html(self.layout(self.facts(doc, body, version, signoffs)))

    def facts(
        self,
        doc: Document,
        body: str,
        version: DocumentVersion,
        signoffs: Sequence[Signoff],
        copy_number: str | None = None,
        printed_on: dt.date | None = None,
    ) -> DocumentFacts:
        """What the page shows of this record, in words."""
        printed_on = printed_on or doc.printed_on
        issuers = [i.name for i in doc.issuers] or [doc.lead_organ.name]
        written_on = chinese_date(doc.written_on) if doc.written_on else "（成文日期：最后签发之日）"
        main = [r.name for r in doc.recipients if r.role == RecipientRole.main.value]
        secret = doc.classification != Classification.none.value
        fmt = choose_format(doc.doc_type, doc.issue_form)
        return DocumentFacts(
            format=fmt,
            title=doc.title,
            issuers=issuers,
            issuers_alt=[i.organ.name_alt or "" for i in doc.issuers] if doc.issuers else [],
            doc_number=_header_number(doc, fmt),
            written_on=written_on,
            paragraphs=paragraphs(body),
            upward=doc.doc_type in UPWARD_DOC_TYPES,
            signers=_signers(doc, signoffs),
            copy_number=(copy_number or copy_numbers(None)[0]) if secret else None,
            secrecy=f"{doc.classification}★{doc.secrecy_period}" if secret and doc.secrecy_period else (
                doc.classification if secret else None),
            urgency=doc.urgency if doc.urgency != Urgency.normal.value else None,
            main_recipients=(doc.main_recipients_text or "、".join(main)) or None,
            attachment_notes=list(doc.attachment_notes),
            remark=doc.remark,
            attachments=self._text_attachments(version),
            copy_to=[r.name for r in doc.recipients if r.role == RecipientRole.copy.value],
            printing_organ=doc.printing_organ or f"{doc.lead_organ.name}办公室",
            printed_on=chinese_date(printed_on) if printed_on else "（印发日期）",
            order_number=f"第{doc.doc_seq}号" if doc.doc_seq else None,  # 令号 (DOMAIN.md §2.5)
            sealed=fmt is not DocFormat.minutes,
        )  # fmt: skip

    def _text_attachments(self, version: DocumentVersion) -> list[TextAttachment]:
        """Text attachments (a plan a 通知 印发s) are laid out as 附件 pages; others are listed only."""
        found = []
        for att in version.attachments:
            if att.content_type.startswith("text/plain"):
                text = self.store.get(att.key).decode("utf-8", errors="replace")
                found.append(TextAttachment(att.title, paragraphs(text)))
        return found

    # -- from the facts ------------------------------------------------------------------------------------

    def layout(self, facts: DocumentFacts) -> Layout:
        return LayoutEngine(self.fonts).compose(facts)

    def html(self, layout: Layout, embed_fonts: bool = True) -> str:
        """The pages as HTML; with `embed_fonts` each face is subset to its characters and inlined."""
        page = self._page_html(layout, FONTS_SLOT)
        if not embed_fonts:
            return page.replace(FONTS_SLOT, font_face_css(self.fonts_dir), 1)
        embedded = page.replace(FONTS_SLOT, embedded_font_css(self.fonts_dir, self._chars(layout)), 1)
        with self._lock:  # pdf() is usually asked for right after: it draws the same layout directly
            self._recent[embedded] = layout
            while len(self._recent) > 8:
                self._recent.pop(next(iter(self._recent)))
        return embedded

    def _chars(self, layout: Layout) -> dict[str, set[str]]:
        """The characters each face draws, a fallback face's included."""
        if self.fonts_dir is None:
            return layout.chars_by_face()
        use = GlyphUse(self.fonts)
        use.add_layout(layout)
        return use.chars

    def missing(self, text: str) -> list[str]:
        """The characters of `text` no installed face can draw (a document holding one is refused at 审核)."""
        return self.fonts.missing(text)

    def _page_html(self, layout: Layout, font_faces: str) -> str:
        return self.env.get_template("documents/official.html.j2").render(
            title=_title(layout),
            pages=layout.pages,
            font_faces=font_faces,
            css=self.css,
            format_class=layout.format.name,
            ascents={face: css_ascent(face) for face in ALL_FACES},
            mm_per_pt=grid.MM_PER_PT,
            wrapped=WRAPPED,
            size_classes={grid.SIZE_4: " s14", grid.SIZE_3: " s16", grid.SIZE_2: " s22"},
        )

    def pdf(self, html: str) -> tuple[bytes, int]:
        """The PDF of a page this renderer just made: drawn from its layout directly; any other HTML (or a layout
        holding a character no installed face has) goes through WeasyPrint, claiming PDF/A only when every
        character of the page has a face."""
        with self._lock:
            layout = self._recent.get(html)
        if layout is not None:
            found = self.layout_pdf(layout)
            if found is not None:
                return found
        return self._weasyprint_pdf(html)

    def ofd(self, html: str) -> bytes:
        """The OFD of a page this renderer just made (GB/T 33190), drawn from the same layout as its PDF."""
        with self._lock:
            layout = self._recent.get(html)
        if layout is None:
            raise Conflict("ofd_layout_gone", "版式已失效，请重新排版", "the layout of this page is gone; render again")
        return self.layout_ofd(layout)

    def layout_of(self, html: str) -> Layout | None:
        """The layout a page this renderer just made was drawn from (its seal places), if still known."""
        with self._lock:
            return self._recent.get(html)

    def layout_ofd(self, layout: Layout) -> bytes:
        return OfdWriter(self.fonts_dir).write(layout)

    def print_run(self, facts: DocumentFacts, copies: Sequence[str]) -> Iterator[bytes]:
        """One PDF holding every copy of a print run, each its own 份号 (GB/T 9704 §7.2.1), as the bytes come: the
        document is laid out once, then each copy renumbered and written as it is made, so memory stays flat
        however many copies. Refused before the first byte when the fonts lack a character."""
        engine = LayoutEngine(self.fonts)
        laid_out = engine.compose(replace(facts, copy_number=copies[0]))
        writer = PdfWriter(self.fonts_dir) if self.fonts_dir else None
        every_digit = engine.with_copy_number(laid_out, "0123456789")  # what any other 份号 draws
        if writer is None or not (writer.covers(laid_out) and writer.covers(every_digit)):
            missing = self.fonts.missing("".join(t.text for p in laid_out.pages for t in p.texts()))
            zh, en = unprintable_message(missing) if missing else ("字库缺字", "the fonts lack characters")
            raise Invalid("print_run_fonts", f"{zh}，无法批量印制", f"{en} (print run)")
        numbered = (engine.with_copy_number(laid_out, number) for number in copies)
        return writer.stream_all(numbered, _title(laid_out))

    def layout_pdf(self, layout: Layout) -> tuple[bytes, int] | None:
        """The layout drawn straight to PDF, or None when a character has no glyph in its face."""
        if self.fonts_dir is None:
            return None
        writer = PdfWriter(self.fonts_dir)
        if not writer.covers(layout):
            return None
        return writer.write(layout, _title(layout)), len(layout.pages)

    def _weasyprint_pdf(self, html: str) -> tuple[bytes, int]:
        from weasyprint import HTML  # imported late: loading pango costs time the API start need not pay
        from weasyprint.text.fonts import FontConfiguration

        if self._font_config is None:  # shared: loading the @font-face files again costs ≈20 % of a render
            self._font_config = FontConfiguration()
        html = self._with_font_files(html)
        document = HTML(string=html, base_url=str(self.fonts_dir or ".")).render(font_config=self._font_config)
        out = io.BytesIO()
        # The 正本 is the fixed-layout archival form (DOMAIN.md §4.5): PDF/A-2b identification and output
        # intent cost ≈0.05 s. No validator (veraPDF) is packaged here, so conformance is claimed, not proven;
        # and not claimed at all when a character has no face (PDF/A forbids a missing glyph).
        text = "".join(document_text(html))
        complete = self.fonts_dir is not None and not self.fonts.missing(text)
        document.write_pdf(out, pdf_variant="pdf/a-2b" if complete else None)
        return out.getvalue(), len(document.pages)

    def _with_font_files(self, html: str) -> str:
        """The embedded subsets are for browsers; WeasyPrint reads the font files (and subsets them itself),
        which is faster than parsing a megabyte of inlined fonts."""
        start = html.find(FONTS_OPEN)
        end = html.find("</style>", start)
        if start == -1 or end == -1:
            return html
        return html[: start + len(FONTS_OPEN)] + font_face_css(self.fonts_dir) + html[end:]


def document_text(html: str) -> list[str]:
    """The text of a page of HTML (what WeasyPrint will draw), without its tags, styles and scripts."""
    from html.parser import HTMLParser

    found: list[str] = []

    class _Text(HTMLParser):
        skip = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.skip += tag in ("style", "script")

        def handle_endtag(self, tag: str) -> None:
            self.skip -= tag in ("style", "script") and self.skip > 0

        def handle_data(self, data: str) -> None:
            if not self.skip:
                found.append(data)

    _Text().feed(html)
    return found


def _title(layout: Layout) -> str:
    return "".join(t.text for p in layout.pages[:1] for b in p.blocks if b.role == "title" for t in b.texts)


def _signers(doc: Document, signoffs: Sequence[Signoff]) -> list[Signer]:
    """签发人 in organ order: each issuer's head as a person (姓名), never an account's display name."""
    order = {i.organ_id: i.position for i in doc.issuers}
    signed = sorted(
        (s for s in signoffs if s.status == SignoffStatus.signed.value and s.signer is not None),
        key=lambda s: order.get(s.organ_id, 99),
    )
    return [Signer(s.signer.person_name or NO_NAME, s.signer.job_title or "") for s in signed if s.signer is not None]


def _header_number(doc: Document, fmt: DocFormat) -> str:
    """The number the header prints: a 纪要 of a meeting series its 期号 “第N期” (DOMAIN.md §2.5), anything else its
    发文字号 (a 令 prints its 令号 from ``order_number``)."""
    if fmt is DocFormat.minutes and doc.series_id is not None and doc.doc_seq:
        return f"第{doc.doc_seq}期"
    unnumbered = {DocFormat.order: "令号", DocFormat.minutes: "期号"}.get(fmt, "发文字号")
    return doc.doc_number or f"（{unnumbered}：登记时编号）"
