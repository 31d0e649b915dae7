"""The layout model: places every element of a 公文 on the GB/T 9704 grid (DOMAIN.md §2, GB/T 9704-2012 §7, §10).

The 版头 is placed by measure (the 发文机关标志 35 mm below the 版心's top, the red rule 4 mm below the 发文字号);
everything after it flows line by line on the 22-line grid, with these rules: a heading stays with the first line
of its paragraph; the 附件说明 and the 署名/成文日期 block (with room for every seal) stay with the last two body
lines; each 附件 starts a page; the 版记 sits on the bottom lines of the last even page (a one-page document keeps
it on its only page), with a blank page before it only when the last even page has no room.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

from services.rendering import grid
from services.rendering.body import Paragraph
from services.rendering.fonts import Face, FontSet
from services.rendering.model import (
    Block,
    DocFormat,
    DocumentFacts,
    Layout,
    Page,
    Rule,
    Seal,
    Text,
    TextAttachment,
)
from services.rendering.text import SetLine, Span, Typesetter, clean
from services.rendering.titles import break_title

SEAL_MM = 42.0  # a 县级 organ's seal; seals of one row or column keep SEAL_GAP_MM apart (GB/T 9704 §7.3.5.1)
SEAL_GAP_MM = 3.0
STAGGER_LINES = 3  # names one per line, seals alternating columns: a column's seals 6 lines (61 mm) apart
SEAL_BELOW_NAME_MM = 1.4  # the seal's centre a little below its name: 署名和成文日期居印章中心偏下
TITLE_MAX_MM = grid.BLOCK_W - 2 * grid.em(grid.SIZE_2)  # a title line keeps a character's room each side
RULE_MM = 0.5
COLOPHON_THICK_MM = 0.35
COLOPHON_THIN_MM = 0.25
LETTER_RULE_X = (grid.PAGE_W - 170.0) / 2
_ATTENDANCE = re.compile(r"^(出席|请假|列席)[：:](.*)$")

COPY_NUMBER = "copy-number"  # the role of the 份号 mark
ALT_SIZE = 0.45  # a 标志 line in a second script (traditional Mongolian), in ems of the name above it
ALT_MAX_MM = 5.5
ALT_GAP = 0.3  # from the name's em box to the line under it, in ems of the name


@dataclass
class FlowLine:
    """One line of the grid as it flows; `_place` draws it once its grid line is known."""

    blocks: list[Block] = field(default_factory=list)
    group: int = 0
    blank: bool = False
    page_break: bool = False
    seals: list[tuple[float, float, str]] = field(default_factory=list)  # cx, centre below line top, organ
    stamps: list[tuple[float, float, float]] = field(default_factory=list)  # cx, width, centre below line top
    is_body: bool = False


@dataclass
class _Header:
    blocks: list[Block]
    rules: list[Rule]
    first_slot: int  # the first grid slot free for the flow on page 1
    slots: list[float] | None = None  # page 1's own grid tops (信函格式), else the 版心 grid


class LayoutEngine:
    def __init__(self, fonts: FontSet) -> None:
        self.fonts = fonts
        self.body = Typesetter(fonts, grid.em(grid.SIZE_3), grid.CELL)
        self.small = Typesetter(fonts, grid.em(grid.SIZE_4), grid.em(grid.SIZE_4))
        self._groups = 0
        self._free_slots = 0  # grid lines left free at the foot of the last page, after pagination
        self._last_tops: list[float] = []

    # -- entry ---------------------------------------------------------------------------------------------

    def compose(self, facts: DocumentFacts) -> Layout:
        header = self._header(facts)
        colophon_main = None
        flow = self._flow(facts, recipients_here=True)
        if not self._body_on_first_page(header, flow):
            colophon_main = facts.main_recipients  # GB/T 9704 §7.3.2: too many to show the body on page 1
            flow = self._flow(facts, recipients_here=False)
        pages = self._paginate(header, flow)
        self._add_colophon(facts, pages, colophon_main)
        self._number_pages(facts, pages)
        return Layout(facts.format, pages, facts)

    def with_copy_number(self, layout: Layout, number: str) -> Layout:
        """The same pages under another 份号 (GB/T 9704 §7.2.1): only that mark changes, so a print run lays its
        document out once and numbers each copy (pages without the mark are shared, not copied)."""
        facts = replace(layout.facts, copy_number=number) if layout.facts is not None else None
        return replace(layout, pages=[self._renumbered(page, number) for page in layout.pages], facts=facts)

    def _renumbered(self, page: Page, number: str) -> Page:
        if not any(block.role == COPY_NUMBER for block in page.blocks):
            return page
        blocks = [
            Block(b.role, [self._text(number, t.x, t.em_top, t.face, t.size, t.role) for t in b.texts])
            if b.role == COPY_NUMBER
            else b
            for b in page.blocks
        ]
        return replace(page, blocks=blocks)

    def body_end(self, facts: DocumentFacts) -> tuple[int, int]:
        """(page index, grid line) of the last body line if nothing followed the body."""
        header = self._header(facts)
        flow = self._flow(replace(facts, attachment_notes=[], attachments=[], remark=None), recipients_here=True)
        last = max(i for i, line in enumerate(flow) if line.is_body)
        pages = self._paginate(header, flow[: last + 1])
        tops = [t.em_top for b in pages[-1].blocks if b.role.startswith("p ") for t in b.texts]
        return len(pages) - 1, grid.first_line_below(max(tops)) - 1

    def _new_group(self) -> int:
        self._groups += 1
        return self._groups

    # -- 版头 ------------------------------------------------------------------------------------------------

    def _header(self, facts: DocumentFacts) -> _Header:
        if facts.format is DocFormat.letter:
            return self._letter_header(facts)
        blocks = self._marks(facts, [grid.em_top_on_line(i) for i in range(3)], x=grid.LEFT)
        alts = [*facts.issuers_alt, *[""] * len(facts.issuers)][: len(facts.issuers)]
        if facts.format is DocFormat.order:
            logo = self._single_logo(f"{facts.issuers[0]}令", grid.TOP + 20.0, alts[0])
        elif facts.format is DocFormat.minutes:
            name = facts.title if facts.title.endswith("纪要") else f"{facts.issuers[0]}纪要"
            logo = self._single_logo(name, grid.TOP + 35.0, alts[0])
        elif len(facts.issuers) > 1:
            logo = self._joint_logo(facts.issuers, grid.TOP + 35.0, alts, facts.logo_word_alt)
        else:
            alt = " ".join(a for a in (alts[0], facts.logo_word_alt if alts[0] else "") if a)
            logo = self._single_logo(f"{facts.issuers[0]}文件", grid.TOP + 35.0, alt)
        blocks.append(logo)
        logo_bottom = max(t.em_top + grid.em(t.size) for t in logo.texts)
        slot = _after(logo_bottom, 2)  # 发文字号: 标志下空二行
        rules: list[Rule] = []
        if facts.format is DocFormat.order:
            blocks.append(
                self._centred(facts.order_number or facts.doc_number, slot, Face.fang, grid.SIZE_3, "doc-number")
            )
            return _Header(blocks, rules, slot + 3)  # 令号下空二行编排正文
        if facts.upward and facts.format is DocFormat.document:
            signer_blocks, slot = self._signers(facts, slot)
            blocks += signer_blocks
            left = self._text(facts.doc_number, grid.LEFT + grid.CELL, grid.em_top_on_line(slot), Face.fang)
            blocks.append(Block("doc-number", [left]))
        elif facts.format is DocFormat.minutes:  # 纪要: its number left, its date right, above the rule
            left = self._text(facts.doc_number, grid.LEFT + grid.CELL, grid.em_top_on_line(slot), Face.fang)
            blocks += [Block("doc-number", [left]), self._right(facts.written_on, slot, grid.CELL, "minutes-date")]
        else:
            blocks.append(self._centred(facts.doc_number, slot, Face.fang, grid.SIZE_3, "doc-number"))
        rule_y = grid.em_top_on_line(slot) + grid.em(grid.SIZE_3) + 4.0  # 发文字号之下4mm
        rules.append(Rule(grid.LEFT, rule_y, grid.BLOCK_W, RULE_MM, grid.RED, "red-rule"))
        return _Header(blocks, rules, _after(rule_y + RULE_MM, 2))  # 标题: 分隔线下空二行

    def _marks(self, facts: DocumentFacts, tops: list[float], x: float) -> list[Block]:
        """份号, 密级★保密期限, 紧急程度, one per line in this order, flush left (GB/T 9704 §7.2.1–7.2.3)."""
        marks = [(facts.copy_number, Face.fang, COPY_NUMBER), (facts.secrecy, Face.hei, "secrecy")]
        marks.append((facts.urgency, Face.hei, "urgency"))
        present = [(text, face, role) for text, face, role in marks if text]
        return [Block(role, [self._text(text, x, tops[i], face)]) for i, (text, face, role) in enumerate(present)]

    def _single_logo(self, name: str, top: float, alt: str = "") -> Block:
        """The organ's name centred; its name in a second script (traditional Mongolian), if it has one, as a
        line under it, centred."""
        size_mm = min(15.0, grid.BLOCK_W / self.fonts.width(Face.xbs, name))
        text = self._plain(name, Face.xbs, size_mm, top, grid.RED, "logo")
        texts = [_moved(text, grid.LEFT + (grid.BLOCK_W - text.width) / 2)]
        if alt:
            texts.append(self._alt_line(alt, top + size_mm * (1 + ALT_GAP), size_mm, grid.LEFT, grid.BLOCK_W))
        return Block("logo", texts)

    def _alt_line(self, text: str, top: float, name_size: float, left: float, room: float) -> Text:
        """A 标志 line in traditional Mongolian, as Inner Mongolia's organs print it: under the Chinese name, its
        letters joined (HarfBuzz) and its columns turned to run left to right, centred in `room` mm from `left`,
        smaller than the name (and smaller still when it would not fit)."""
        natural = self.fonts.width(Face.mong, text)
        size = min(name_size * ALT_SIZE, ALT_MAX_MM, room / natural if natural else ALT_MAX_MM)
        line = self._plain(text, Face.mong, size, top, grid.RED, "logo-alt")
        return _moved(line, left + (room - line.width) / 2)

    def _joint_logo(self, names: list[str], top: float, alts: list[str] | None = None, word_alt: str = "") -> Block:
        """主办机关 first, the others beneath, justified to one width; 文件 to their right, centred on them; each
        name's line in a second script (if any) under it, and 文件's under 文件."""
        alts = alts or [""] * len(names)
        longest = max(self.fonts.width(Face.xbs, n) for n in names)
        cap = 10.0 if len(names) <= 3 else 7.5
        size = min(cap, grid.BLOCK_W / (longest + 1 + 2 * 1.6))
        alt_room = min(size * ALT_SIZE, ALT_MAX_MM) + size * ALT_GAP if any(alts) else 0.0
        pitch = size * 1.3 + alt_room
        names_w = longest * size
        word = 1.6 * size  # “文件” larger than the names
        height = pitch * (len(names) - 1) + size
        word_size = min(word, height)
        group_w = names_w + size + 2 * word_size
        x0 = grid.LEFT + (grid.BLOCK_W - group_w) / 2
        texts = []
        for i, name in enumerate(names):
            natural = self.fonts.width(Face.xbs, name) * size
            extra = (names_w - natural) / (len(name) - 1) if len(name) > 1 else 0.0
            line = self._plain(name, Face.xbs, size, top + i * pitch, grid.RED, "logo")
            texts.append(_spaced(_moved(line, x0), extra, names_w))
            if alts[i]:
                texts.append(self._alt_line(alts[i], top + i * pitch + size * (1 + ALT_GAP), size, x0, names_w))
        word_top = top + (height - word_size) / 2
        wenjian = self._plain("文件", Face.xbs, word_size, word_top, grid.RED, "logo")
        texts.append(_moved(wenjian, x0 + names_w + size))
        if word_alt:
            alt_top = word_top + word_size * (1 + ALT_GAP)
            texts.append(self._alt_line(word_alt, alt_top, size, x0 + names_w + size, wenjian.width))
        return Block("logo", texts)

    def _signers(self, facts: DocumentFacts, slot: int) -> tuple[list[Block], int]:
        """签发人：name (楷体), two per line in organ order, right −1 字; returns the 发文字号's line."""
        names = [s.name for s in facts.signers] or ["　　　"]
        label_w = self.fonts.width(Face.fang, "签发人：") * grid.CELL
        name_w = max(self.body.width([Span(n, Face.kai)]) for n in names)
        per_line = min(2, len(names))
        content_w = label_w + per_line * name_w + (per_line - 1) * grid.CELL
        x0 = grid.RIGHT - grid.CELL - content_w
        texts = [self._text("签发人：", x0, grid.em_top_on_line(slot), Face.fang)]
        for i, name in enumerate(names):
            row, column = divmod(i, 2)
            x = x0 + label_w + column * (name_w + grid.CELL)
            texts.append(self._text(name, x, grid.em_top_on_line(slot + row), Face.kai, role="signer"))
        last = slot + (len(names) - 1) // 2
        return [Block("signers", texts)], last

    def _letter_header(self, facts: DocumentFacts) -> _Header:
        """信函格式 (GB/T 9704 §10.1): the organ's name 30 mm from the page top, red double rules 170 mm long."""
        logo = self._single_logo(facts.issuers[0], 30.0)
        logo = Block("logo", [_sized(t, min(t.size, 12.0 / grid.MM_PER_PT), self.fonts) for t in logo.texts])
        alt = facts.issuers_alt[0] if facts.issuers_alt else ""
        if alt:
            name = logo.texts[0]
            logo.texts.append(
                self._alt_line(
                    alt, name.em_top + grid.em(name.size) * (1 + ALT_GAP), grid.em(name.size), grid.LEFT, grid.BLOCK_W
                )
            )
        bottom = max(t.em_top + grid.em(t.size) for t in logo.texts)
        rules = _double_rule(bottom + 4.0, thick_first=True, role="letter-rule-top")
        rules += _double_rule(grid.PAGE_H - 20.0, thick_first=False, role="letter-rule-bottom")
        below = max(r.y + r.height for r in rules if r.role == "letter-rule-top")
        first_top = below + grid.em(grid.SIZE_3) * 7 / 8  # 与该线的距离为3号汉字高度的7/8
        tops = [first_top + i * grid.LINE for i in range(3)]
        blocks = [logo, *self._marks(facts, tops, x=grid.LEFT)]
        number = self._text(facts.doc_number, 0.0, first_top, Face.fang)
        blocks.append(Block("doc-number", [_moved(number, grid.RIGHT - number.width)]))
        marks = len(blocks) - 2
        line_zero = first_top - (grid.LINE - grid.em(grid.SIZE_3)) / 2
        last_bottom = grid.PAGE_H - 20.0 - grid.em(grid.SIZE_3) * 7 / 8 - 1.0
        slots = []
        top = line_zero
        while top + (grid.LINE + grid.em(grid.SIZE_3)) / 2 <= last_bottom:
            slots.append(top)
            top += grid.LINE
        first = max(marks, 1) + 2  # 标题与其上最后一个要素相距二行
        return _Header(blocks, rules, first, slots)

    # -- the flow ------------------------------------------------------------------------------------------

    def _flow(self, facts: DocumentFacts, recipients_here: bool) -> list[FlowLine]:
        flow: list[FlowLine] = []
        if facts.format is not DocFormat.order:
            flow += self._title_lines(facts.title if not _title_in_logo(facts) else "", "title")
            if flow:
                flow.append(FlowLine(blank=True, group=self._new_group()))  # 标题下空一行
            if recipients_here and facts.main_recipients and facts.format is not DocFormat.minutes:
                flow += self._lines(
                    self.body.lines([Span(clean(facts.main_recipients) + "：", Face.fang)], grid.BLOCK_W), "recipients"
                )
        paragraphs = [p for p in facts.paragraphs if not _ATTENDANCE.match(p.text)]
        attendance = [p for p in facts.paragraphs if _ATTENDANCE.match(p.text)]
        body = self._paragraphs(paragraphs)
        tail = self._attachment_notes(facts.attachment_notes)
        tail += self._attendance(attendance)
        tail += self._signature(facts)
        if facts.remark:
            tail += self._lines(
                self.body.lines([Span(f"（{clean(facts.remark)}）", Face.fang)], grid.BLOCK_W, 2 * grid.CELL), "remark"
            )
        _keep_together(_last_body_lines(body, 2), tail)
        flow += body + tail
        for number, attachment in enumerate(facts.attachments, start=1):
            flow += self._attachment(attachment, number if len(facts.attachments) > 1 else None)
        return flow

    def _title_lines(self, title: str, role: str) -> list[FlowLine]:
        if not title:
            return []
        size = grid.em(grid.SIZE_2)
        text = clean(title)
        lines = break_title(text, lambda c: self.fonts.advance(Face.xbs, c) * size, TITLE_MAX_MM)
        group = self._new_group()
        flow = []
        for line in lines:
            piece = self._plain(line, Face.xbs, size, 0.0, grid.BLACK, role)
            flow.append(
                FlowLine([Block(role, [_moved(piece, grid.LEFT + (grid.BLOCK_W - piece.width) / 2)])], group=group)
            )
        return flow

    def _paragraphs(self, paragraphs: list[Paragraph]) -> list[FlowLine]:
        flow: list[FlowLine] = []
        keep_next = False
        for paragraph in paragraphs:
            spans, whole_heading = self._spans(paragraph)
            lines = self._lines(self.body.lines(spans, grid.BLOCK_W, 2 * grid.CELL), f"p h{paragraph.level}")
            for line in lines:
                line.is_body = True
            if keep_next and lines:  # a heading stays with the first line of what follows it
                for line in lines[:1]:
                    line.group = flow[-1].group
            if whole_heading:
                group = flow[-1].group if keep_next and flow else self._new_group()
                for line in lines:
                    line.group = group
            flow += lines
            keep_next = whole_heading
        return flow

    def _spans(self, paragraph: Paragraph) -> tuple[list[Span], bool]:
        """A heading's face covers the heading sentence only (一、 黑体, （一） 楷体; 1. and （1） stay 仿宋)."""
        text = clean(paragraph.text)
        face = {1: Face.hei, 2: Face.kai}.get(paragraph.level)
        if face is None:
            return [Span(text, Face.fang)], False
        end = text.find("。")
        if end == -1 or end == len(text) - 1:
            return [Span(text, face)], True
        return [Span(text[: end + 1], face), Span(text[end + 1 :], Face.fang)], False

    def _attachment_notes(self, notes: list[str]) -> list[FlowLine]:
        """附件说明: 正文下空一行左空二字，“附件：1.××”; a wrapped name aligns with its first character."""
        if not notes:
            return []
        flow = [FlowLine(blank=True, group=self._new_group())]
        label = "附件："
        label_w = self.body.width([Span(label, Face.fang)])
        for i, note in enumerate(notes, start=1):
            name = clean(note).rstrip("。；;，,")
            prefix = f"{i}." if len(notes) > 1 else ""
            prefix_w = self.body.width([Span(prefix, Face.fang)])
            start = 2 * grid.CELL + (0 if i == 1 else label_w)
            spans = [Span(label if i == 1 else "", Face.fang), Span(prefix + name, Face.fang)]
            hang = 2 * grid.CELL + label_w + prefix_w
            lines = self.body.lines([s for s in spans if s.text], grid.BLOCK_W, start, hang)
            flow += self._lines(lines, "attachment-note")
        return flow

    def _attendance(self, paragraphs: list[Paragraph]) -> list[FlowLine]:
        """纪要: “出席：” in 黑体 left +2 字, the names in 仿宋, wrapped lines aligned after the colon."""
        if not paragraphs:
            return []
        flow = [FlowLine(blank=True, group=self._new_group())]
        for paragraph in paragraphs:
            found = _ATTENDANCE.match(clean(paragraph.text))
            assert found is not None
            label, names = f"{found.group(1)}：", found.group(2)
            hang = 2 * grid.CELL + self.body.width([Span(label, Face.hei)])
            spans = [Span(label, Face.hei), Span(names, Face.fang)]
            flow += self._lines(self.body.lines(spans, grid.BLOCK_W, 2 * grid.CELL, hang), "attendance")
        return flow

    def _signature(self, facts: DocumentFacts) -> list[FlowLine]:
        if facts.format is DocFormat.order:
            return self._order_signature(facts)
        if facts.format is DocFormat.minutes:
            return []
        if not facts.sealed:
            return self._unsealed_signature(facts)
        return self._sealed_signature(facts)

    def _date_text(self, written_on: str, right_cells: int) -> Text:
        text = self._text(written_on, 0.0, 0.0, Face.fang, role="date")
        return _moved(text, grid.RIGHT - right_cells * grid.CELL - text.width)

    def _sealed_signature(self, facts: DocumentFacts) -> list[FlowLine]:
        """署名 and 成文日期 with a seal for each organ (GB/T 9704 §7.3.5.1): the date right −4 字; each name
        centred under its seal; seals side by side as far as the 版心 allows, else in rows, never touching; the
        last seal presses its name and the date; the first seal's top within one line of the text above."""
        date = self._date_text(facts.written_on, 4)
        date_centre = date.x + date.width / 2
        names = [self._text(name, 0.0, 0.0, Face.fang, role="issuer") for name in facts.issuers]
        widest = max(max(n.width for n in names), SEAL_MM)
        cell_w = max(SEAL_MM + SEAL_GAP_MM, max(n.width for n in names) + grid.CELL)
        last_centre = min(date_centre, grid.RIGHT - widest / 2)
        per_row = 1
        while per_row < len(names) and last_centre - per_row * cell_w - widest / 2 >= grid.LEFT:
            per_row += 1
        group = self._new_group()
        flow = [FlowLine(blank=True, group=group), FlowLine(blank=True, group=group)]
        if per_row == 1 and len(names) > 1:
            return flow + self._staggered(names, date, date_centre, group)
        rows = [
            names[max(0, len(names) - (r + 1) * per_row) : len(names) - r * per_row]
            for r in range(math.ceil(len(names) / per_row))
        ][::-1]
        row_lines = math.ceil((SEAL_MM + SEAL_GAP_MM) / grid.LINE)
        for r, row in enumerate(rows):
            line = FlowLine(group=group)
            texts = []
            for c, name in enumerate(row):
                centre = last_centre - (len(row) - 1 - c) * cell_w
                centre = min(centre, grid.RIGHT - name.width / 2)
                texts.append(_moved(name, centre - name.width / 2))
                line.seals.append((centre, grid.LINE / 2 + SEAL_BELOW_NAME_MM, name.text))
            line.blocks.append(Block("issuers", texts))
            flow.append(line)
            if r < len(rows) - 1:
                flow += [FlowLine(blank=True, group=group) for _ in range(row_lines - 1)]
        flow.append(FlowLine([Block("date", [date])], group=group))
        return flow

    def _staggered(self, names: list[Text], date: Text, date_centre: float, group: int) -> list[FlowLine]:
        """Names too long to stand side by side: one per line, 3 lines apart, their seals alternating between a
        right column (the last seal's, over the date) and a left one, so that no two seals touch."""
        flow: list[FlowLine] = []
        for i, name in enumerate(names):
            reach = max(name.width, SEAL_MM) / 2
            on_right = (len(names) - 1 - i) % 2 == 0
            centre = min(date_centre, grid.RIGHT - reach) if on_right else grid.LEFT + reach
            line = FlowLine([Block("issuers", [_moved(name, centre - name.width / 2)])], group=group)
            line.seals.append((centre, grid.LINE / 2 + SEAL_BELOW_NAME_MM, name.text))
            flow.append(line)
            if i < len(names) - 1:
                flow += [FlowLine(blank=True, group=group) for _ in range(STAGGER_LINES - 1)]
        flow.append(FlowLine([Block("date", [date])], group=group))
        return flow

    def _unsealed_signature(self, facts: DocumentFacts) -> list[FlowLine]:
        """Without a seal (GB/T 9704 §7.3.5.2): names right −2 字, the date on the next line 2 字 further right."""
        group = self._new_group()
        flow = [FlowLine(blank=True, group=group)]
        names = [self._text(n, 0.0, 0.0, Face.fang, role="issuer") for n in facts.issuers]
        date = self._text(facts.written_on, 0.0, 0.0, Face.fang, role="date")
        widest = max(n.width for n in names)
        name_right = grid.RIGHT - 2 * grid.CELL - max(0.0, date.width - (widest - 2 * grid.CELL))
        for name in names:
            flow.append(FlowLine([Block("issuers", [_moved(name, name_right - name.width)])], group=group))
        date_x = min(name_right - widest + 2 * grid.CELL, grid.RIGHT - 2 * grid.CELL - date.width)
        flow.append(FlowLine([Block("date", [_moved(date, date_x)])], group=group))
        return flow

    def _order_signature(self, facts: DocumentFacts) -> list[FlowLine]:
        """令 (GB/T 9704 §7.3.5.3): 正文下空二行 a 签名章 right −4 字 with the 职务 2 字 to its left; the date one
        line below the stamp, right −4 字."""
        group = self._new_group()
        flow = [FlowLine(blank=True, group=group), FlowLine(blank=True, group=group)]
        stamp_w = 4 * grid.CELL
        stamp_cx = grid.RIGHT - 4 * grid.CELL - stamp_w / 2
        for signer in facts.signers or []:
            title = self._text(signer.job_title or "　", 0.0, 0.0, Face.fang, role="signer-title")
            title = _moved(title, stamp_cx - stamp_w / 2 - 2 * grid.CELL - title.width)
            line = FlowLine([Block("signer-title", [title])], group=group)
            line.stamps.append((stamp_cx, stamp_w, grid.LINE / 2))
            flow.append(line)
        flow.append(FlowLine(blank=True, group=group))
        flow.append(FlowLine([Block("date", [self._date_text(facts.written_on, 4)])], group=group))
        return flow

    def _attachment(self, attachment: TextAttachment, number: int | None) -> list[FlowLine]:
        """附件: a new page, “附件N” 3号黑体 on line 1, the title centred from line 3 (GB/T 9704 §7.3.7)."""
        label = self._text(f"附件{number or ''}", grid.LEFT, 0.0, Face.hei, role="attachment-label")
        group = self._new_group()
        flow = [FlowLine([Block("attachment-label", [label])], group=group, page_break=True)]
        flow.append(FlowLine(blank=True, group=group))
        title = self._title_lines(attachment.title, "attachment-title")
        for line in title:
            line.group = group
        flow += title
        flow.append(FlowLine(blank=True, group=group))
        body = self._paragraphs(attachment.paragraphs)
        if body:
            for line in body[:2]:
                line.group = group
        return flow + body

    def _lines(self, lines: list[SetLine], role: str) -> list[FlowLine]:
        block_role = role
        flow = []
        for line in lines:
            texts = [
                Text(
                    grid.LEFT + line.indent + run.x,
                    0.0,
                    run.text,
                    run.face,
                    grid.SIZE_3,
                    run.spacing,
                    grid.BLACK,
                    role,
                    run.width,
                    0.0,
                )
                for run in line.runs
            ]
            flow.append(FlowLine([Block(block_role, texts)], group=self._new_group()))
        return flow

    # -- pages ---------------------------------------------------------------------------------------------

    def _body_on_first_page(self, header: _Header, flow: list[FlowLine]) -> bool:
        slots = len(header.slots) if header.slots else grid.LINES
        for index, line in enumerate(flow):
            if line.is_body:
                return header.first_slot + index < slots
        return True

    def _paginate(self, header: _Header, flow: list[FlowLine]) -> list[Page]:
        pages = [Page(1, blocks=list(header.blocks), rules=list(header.rules))]
        tops = header.slots or _grid_tops()
        slot = header.first_slot
        body_on_page = False
        i = 0
        while i < len(flow):
            group = [flow[i]]
            while i + len(group) < len(flow) and flow[i + len(group)].group == flow[i].group:
                group.append(flow[i + len(group)])
            if group[0].page_break and (slot > 0 or len(pages) == 1):
                pages.append(Page(len(pages) + 1))
                tops, slot, body_on_page = _grid_tops(), 0, False
            fits = slot + len(group) <= len(tops)
            first_page_bare = len(pages) == 1 and not body_on_page
            if not fits and len(group) <= len(tops) and not first_page_bare:
                pages.append(Page(len(pages) + 1))
                tops, slot, body_on_page = _grid_tops(), 0, False
            # Page 1 must show body text (GB/T 9704 §7.3.3): when the whole body travels with the 署名 and does
            # not fit, page 1 keeps the body but its last line, which goes over with the 署名.
            leading = next((k for k, line in enumerate(group) if not line.is_body), len(group))
            split_at = leading - 1 if not fits and first_page_bare and leading > 1 else -1
            for k, line in enumerate(group):
                if k == split_at:
                    pages.append(Page(len(pages) + 1))
                    tops, slot, body_on_page = _grid_tops(), 0, False
                if slot >= len(tops):
                    pages.append(Page(len(pages) + 1))
                    tops, slot, body_on_page = _grid_tops(), 0, False
                if line.blank and slot == 0 and not line.page_break:
                    continue  # no blank line at the top of a page
                _place(pages[-1], line, tops[slot])
                body_on_page = body_on_page or line.is_body
                slot += 1
            i += len(group)
        pages[-1].kind = "content"
        self._free_slots = len(tops) - slot
        self._last_tops = tops
        return pages

    def _add_colophon(self, facts: DocumentFacts, pages: list[Page], main: str | None) -> None:
        """版记 on the last even page, its last rule on the 版心's bottom edge (GB/T 9704 §7.4)."""
        rows = self._colophon_rows(facts, main)
        if not rows:
            return
        per_page = len(_grid_tops())
        if len(rows) > per_page:
            self._add_long_colophon(facts, pages, rows, per_page)
            return
        last = len(pages)
        if self._colophon_fits(pages[-1], len(rows)) and (last == 1 or last % 2 == 0):
            page, tops = pages[-1], self._last_tops
        elif last % 2 == 1:
            page, tops = Page(last + 1, kind="colophon"), _grid_tops()
            pages.append(page)
        else:
            pages.append(Page(last + 1, kind="blank"))
            page, tops = Page(last + 2, kind="colophon"), _grid_tops()
            pages.append(page)
        self._draw_colophon(facts, page, tops[len(tops) - len(rows) :], rows, first=True, last=True)

    def _add_long_colophon(
        self, facts: DocumentFacts, pages: list[Page], rows: list[tuple[list[Text], bool]], per_page: int
    ) -> None:
        """A 版记 longer than a page (a 主送 of hundreds of units moved here, §7.3.2) starts on a page of its own
        and ends on the bottom edge of the last page, which is even."""
        chunks = [rows[max(0, end - per_page) : end] for end in range(len(rows), 0, -per_page)][::-1]
        if (len(pages) + len(chunks)) % 2:
            pages.append(Page(len(pages) + 1, kind="blank"))
        for k, chunk in enumerate(chunks):
            page, tops = Page(len(pages) + 1, kind="colophon"), _grid_tops()
            pages.append(page)
            last = k == len(chunks) - 1
            placed = tops[len(tops) - len(chunk) :] if last else tops[: len(chunk)]
            self._draw_colophon(facts, page, placed, chunk, first=k == 0, last=last)

    def _draw_colophon(
        self,
        facts: DocumentFacts,
        page: Page,
        tops: list[float],
        rows: list[tuple[list[Text], bool]],
        *,
        first: bool,
        last: bool,
    ) -> None:
        """Rows of the 版记 on these grid lines; its thick first and last rules where it begins and ends."""
        letter = facts.format is DocFormat.letter
        for top, (row, thin_above) in zip(tops, rows, strict=True):
            for text in row:
                page.blocks.append(Block(text.role, [_at_line(text, top)]))
            if not letter and thin_above:
                page.rules.append(
                    Rule(
                        grid.LEFT,
                        top - COLOPHON_THIN_MM / 2,
                        grid.BLOCK_W,
                        COLOPHON_THIN_MM,
                        grid.BLACK,
                        "colophon-thin",
                    )
                )
        if letter:
            return
        if first:
            page.rules.append(
                Rule(
                    grid.LEFT,
                    tops[0] - COLOPHON_THICK_MM,
                    grid.BLOCK_W,
                    COLOPHON_THICK_MM,
                    grid.BLACK,
                    "colophon-first",
                )
            )
        if last:
            bottom = tops[-1] + grid.LINE
            page.rules.append(
                Rule(
                    grid.LEFT, bottom - COLOPHON_THICK_MM, grid.BLOCK_W, COLOPHON_THICK_MM, grid.BLACK, "colophon-last"
                )
            )

    def _colophon_fits(self, page: Page, rows: int) -> bool:
        """Room for the 版记 at the foot of this page: its lines free, and no seal reaching down to its first rule."""
        if self._free_slots < rows:
            return False
        first_rule = self._last_tops[len(self._last_tops) - rows] - COLOPHON_THICK_MM
        return all(seal.bottom < first_rule - 0.5 for seal in page.seals)

    def _colophon_rows(self, facts: DocumentFacts, main: str | None) -> list[tuple[list[Text], bool]]:
        """Rows of the 版记 in 4号仿宋: 主送 (when moved here), 抄送, then 印发机关 and 印发日期."""
        one = grid.em(grid.SIZE_4)
        rows: list[tuple[list[Text], bool]] = []
        for label, names, role in (("主送：", main, "colophon-main"), ("抄送：", "，".join(facts.copy_to), "copy-to")):
            if not names:
                continue
            label_w = self.small.width([Span(label, Face.fang)])
            spans = [Span(label, Face.fang), Span(clean(names).rstrip("。") + "。", Face.fang)]
            for line in self.small.lines(spans, grid.BLOCK_W - 2 * one, 0.0, label_w):
                texts = [
                    Text(
                        grid.LEFT + one + line.indent + r.x,
                        0.0,
                        r.text,
                        r.face,
                        grid.SIZE_4,
                        r.spacing,
                        grid.BLACK,
                        role,
                        r.width,
                        0.0,
                    )
                    for r in line.runs
                ]
                rows.append((texts, False))
        if facts.format is DocFormat.letter:
            return rows
        organ = self._text(facts.printing_organ, grid.LEFT + one, 0.0, Face.fang, grid.SIZE_4, "printing-organ")
        printed = self._text(f"{facts.printed_on}印发", 0.0, 0.0, Face.fang, grid.SIZE_4, "printed-on")
        rows.append(([organ, _moved(printed, grid.RIGHT - one - printed.width)], bool(rows)))
        return rows

    def _number_pages(self, facts: DocumentFacts, pages: list[Page]) -> None:
        """页码 “— N —” in 4号宋体, 7 mm below the 版心, one 字 in on the outside (GB/T 9704 §7.5)."""
        blank_before_colophon = any(p.kind == "blank" for p in pages)
        for page in pages:
            if page.kind == "blank" or (page.kind == "colophon" and blank_before_colophon):
                continue
            if facts.format is DocFormat.letter and page.number == 1:
                continue  # 信函格式: 首页不显示页码
            folio = f"— {page.number} —"
            text = self._text(folio, 0.0, grid.BOTTOM + 7.0, Face.song, grid.SIZE_4, "folio")
            one = grid.em(grid.SIZE_4)
            x = grid.RIGHT - one - text.width if page.number % 2 else grid.LEFT + one
            page.folio = folio
            page.blocks.append(Block("folio", [_moved(text, x)]))

    # -- text helpers --------------------------------------------------------------------------------------

    def _text(self, text: str, x: float, top: float, face: str, size: float = grid.SIZE_3, role: str = "") -> Text:
        """A single line on the grid's character cells (3号) or at its natural pitch (other sizes)."""
        size_mm = grid.em(size)
        spacing = grid.CELL - size_mm if size == grid.SIZE_3 else 0.0
        width = self.fonts.width(face, text) * size_mm + spacing * max(len(text) - 1, 0)
        return Text(x, grid.baseline_for_top(top, size), text, face, size, spacing, grid.BLACK, role, width, top)

    def _plain(self, text: str, face: str, size_mm: float, top: float, color: str, role: str) -> Text:
        size_pt = size_mm / grid.MM_PER_PT
        width = self.fonts.width(face, text) * size_mm
        return Text(0.0, top + grid.EM_ASCENT * size_mm, text, face, size_pt, 0.0, color, role, width, top)

    def _centred(self, text: str, slot: int, face: str, size: float, role: str) -> Block:
        piece = self._text(text, 0.0, grid.em_top_on_line(slot, size), face, size, role)
        return Block(role, [_moved(piece, grid.LEFT + (grid.BLOCK_W - piece.width) / 2)])

    def _right(self, text: str, slot: int, inset: float, role: str) -> Block:
        piece = self._text(text, 0.0, grid.em_top_on_line(slot), Face.fang, grid.SIZE_3, role)
        return Block(role, [_moved(piece, grid.RIGHT - inset - piece.width)])


# -- module helpers ----------------------------------------------------------------------------------------


def _after(y: float, blank_lines: int) -> int:
    """The grid line of an element placed “下空N行” below something ending at `y`: N lines of room, the element
    then taking the next grid line (a line less half a line's slack, so that snapping never adds a third)."""
    return grid.first_line_below(y + (blank_lines - 0.5) * grid.LINE)


def _grid_tops() -> list[float]:
    return [grid.line_top(i) for i in range(grid.LINES)]


def _title_in_logo(facts: DocumentFacts) -> bool:
    return facts.format is DocFormat.minutes and facts.title.endswith("纪要")


def _moved(text: Text, x: float) -> Text:
    return Text(
        x, text.baseline, text.text, text.face, text.size, text.spacing, text.color, text.role, text.width, text.em_top
    )


def _spaced(text: Text, extra: float, width: float) -> Text:
    return Text(
        text.x,
        text.baseline,
        text.text,
        text.face,
        text.size,
        text.spacing + extra,
        text.color,
        text.role,
        width,
        text.em_top,
    )


def _sized(text: Text, size_pt: float, fonts: FontSet) -> Text:
    size_mm = size_pt * grid.MM_PER_PT
    width = fonts.width(text.face, text.text) * size_mm
    x = grid.LEFT + (grid.BLOCK_W - width) / 2
    return Text(
        x,
        text.em_top + grid.EM_ASCENT * size_mm,
        text.text,
        text.face,
        size_pt,
        0.0,
        text.color,
        text.role,
        width,
        text.em_top,
    )


def _at_line(text: Text, line_top: float) -> Text:
    """The text with its em box centred in the grid line starting at `line_top`."""
    top = line_top + (grid.LINE - grid.em(text.size)) / 2
    return Text(
        text.x,
        grid.baseline_for_top(top, text.size),
        text.text,
        text.face,
        text.size,
        text.spacing,
        text.color,
        text.role,
        text.width,
        top,
    )


JOINED_ROLES = ("title", "attachment-title")  # one element however many lines (the page's h1 reads whole)


def _place(page: Page, line: FlowLine, top: float) -> None:
    for block in line.blocks:
        texts = [_at_line(t, top) for t in block.texts]
        if block.role in JOINED_ROLES and page.blocks and page.blocks[-1].role == block.role:
            page.blocks[-1].texts.extend(texts)
        else:
            page.blocks.append(Block(block.role, texts))
    for cx, below, organ in line.seals:
        page.seals.append(Seal(cx, top + below, SEAL_MM, SEAL_MM, organ))
    for cx, width, below in line.stamps:
        page.seals.append(Seal(cx, top + below, width, grid.LINE * 0.9, "", kind="签名章"))


def _double_rule(y: float, thick_first: bool, role: str) -> list[Rule]:
    """A red 武文线: a thick and a thin rule 170 mm long, centred on the page."""
    thick, thin, gap = 0.8, 0.3, 0.6
    first, second = (thick, thin) if thick_first else (thin, thick)
    return [
        Rule(LETTER_RULE_X, y, 170.0, first, grid.RED, role),
        Rule(LETTER_RULE_X, y + first + gap, 170.0, second, grid.RED, role),
    ]


def _last_body_lines(body: list[FlowLine], count: int) -> list[FlowLine]:
    return body[-count:] if body else []


def _keep_together(lines: list[FlowLine], tail: list[FlowLine]) -> None:
    """The 附件说明 and the signature block go with the last body lines: one group, one page."""
    if not tail:
        return
    group = tail[-1].group
    for line in lines:
        line.group = group
    for line in tail:
        line.group = group
