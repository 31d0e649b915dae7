"""What the layout model takes in (the facts of one document) and gives out (pages of positioned text, rules and
seal places, every measure in mm from the page's top-left corner)."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from services.rendering import grid
from services.rendering.body import Paragraph


class DocFormat(StrEnum):
    """The formats of GB/T 9704: the ordinary 文件格式 and the special ones of §10 (DOMAIN.md §2.5)."""

    document = "文件格式"
    letter = "信函格式"
    order = "命令格式"
    minutes = "纪要格式"


def choose_format(doc_type: str, issue_form: str) -> DocFormat:
    """命令/令 → 命令格式, 纪要 → 纪要格式, a 函 or the 函 发文形式 → 信函格式, anything else → 文件格式."""
    if doc_type in ("命令", "令"):
        return DocFormat.order
    if doc_type == "纪要":
        return DocFormat.minutes
    if doc_type == "函" or issue_form.endswith("函"):
        return DocFormat.letter
    return DocFormat.document


@dataclass(frozen=True)
class TextAttachment:
    title: str
    paragraphs: list[Paragraph]


@dataclass(frozen=True)
class Signer:
    """A 签发人 as printed: the person's name (楷体) and, for a 令, their 职务."""

    name: str
    job_title: str = ""


@dataclass(frozen=True)
class DocumentFacts:
    """Everything the page shows, already in words (dates written out, names resolved)."""

    format: DocFormat
    title: str
    issuers: list[str]
    doc_number: str
    written_on: str
    paragraphs: list[Paragraph]
    upward: bool = False
    signers: list[Signer] = field(default_factory=list)
    copy_number: str | None = None  # 份号, 6 digits
    secrecy: str | None = None  # 密级★保密期限
    urgency: str | None = None  # 紧急程度
    main_recipients: str | None = None  # 主送, as written, without the closing “：”
    attachment_notes: list[str] = field(default_factory=list)
    remark: str | None = None  # 附注, without its brackets
    attachments: list[TextAttachment] = field(default_factory=list)
    copy_to: list[str] = field(default_factory=list)  # 抄送
    printing_organ: str = ""
    printed_on: str = ""
    order_number: str | None = None  # 令号 of a 命令
    sealed: bool = True
    issuers_alt: list[str] = field(default_factory=list)  # each issuer's name in its second script ('' if none)
    logo_word_alt: str = ""  # “文件” in that script, under the 标志's 文件


@dataclass(frozen=True)
class Text:
    """A piece of text on one line in one face."""

    x: float
    baseline: float
    text: str
    face: str
    size: float  # pt
    spacing: float  # letter-spacing, mm
    color: str
    role: str
    width: float  # mm covered by the glyph advances (and spacing between them)
    em_top: float  # top of the em box, mm


@dataclass(frozen=True)
class Rule:
    x: float
    y: float  # top edge
    width: float
    height: float
    color: str
    role: str


@dataclass(frozen=True)
class Seal:
    """Where a seal (印章, a circle) or a signature stamp (签名章, a box) will be pressed."""

    cx: float
    cy: float
    width: float
    height: float
    organ: str
    kind: str = "印章"
    image: bytes | None = None  # the electronic seal's picture (PNG) pressed here, once 用印 applied it

    @property
    def image_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.image or b"").decode("ascii")

    @property
    def top(self) -> float:
        return self.cy - self.height / 2

    @property
    def bottom(self) -> float:
        return self.cy + self.height / 2

    def overlaps(self, other: Seal) -> bool:
        """Two round seals touch when their centres are closer than the sum of their radii."""
        distance = math.hypot(self.cx - other.cx, self.cy - other.cy)
        return distance <= (self.width + other.width) / 2


@dataclass
class Block:
    """Texts that belong together (a paragraph, the title): one element of the HTML."""

    role: str
    texts: list[Text] = field(default_factory=list)


@dataclass
class Page:
    number: int  # the physical page, 1-based
    folio: str | None = None  # the page number printed, if any
    kind: str = "content"  # content | blank | colophon
    blocks: list[Block] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    seals: list[Seal] = field(default_factory=list)
    size: tuple[float, float] = (grid.PAGE_W, grid.PAGE_H)  # width × height, mm: A4 upright (a catalogue lies)

    def texts(self) -> Iterator[Text]:
        for block in self.blocks:
            yield from block.texts


@dataclass
class Layout:
    format: DocFormat
    pages: list[Page]
    facts: DocumentFacts | None = None  # what was laid out (the OFD's DocInfo names its 文号 and 发文机关)

    def stamped(self, images: Mapping[str, bytes]) -> Layout:
        """The same pages with each organ's seal picture (by the organ's name as laid out) at its seal places."""
        if not images:
            return self
        pages = [
            replace(page, seals=[replace(s, image=images.get(s.organ)) if s.kind == "印章" else s for s in page.seals])
            for page in self.pages
        ]
        return replace(self, pages=pages)

    def chars_by_face(self) -> dict[str, set[str]]:
        used: dict[str, set[str]] = {}
        for page in self.pages:
            for text in page.texts():
                used.setdefault(text.face, set()).update(text.text)
        return used
