"""归档文件目录 (DA/T 22 §3.5) as CSV, XLSX and PDF: 序号、档号、文号、责任者、题名、日期、密级、页数、备注."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.config import Settings
from services.domain.models import ArchiveItem

if TYPE_CHECKING:
    from services.archive.fonds import FondsRef
from services.rendering import grid
from services.rendering.fonts import Face, find_fonts_dir
from services.rendering.forms import form_pdf
from services.rendering.model import Block, DocFormat, Layout, Page, Rule
from services.rendering.pdf import PdfWriter
from services.rendering.table import A4_LANDSCAPE, Column, TableSetter

HEADERS = ["序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注"]


def rows(items: list[ArchiveItem]) -> list[list[str]]:
    return [
        [
            str(n),
            i.archival_code,
            i.doc_number or "",
            i.responsible,
            i.title,
            i.date,
            "" if i.classification == "非密" else i.classification,
            str(i.pages),
            i.remark or "",
        ]
        for n, i in enumerate(items, 1)
    ]


def as_csv(items: list[ArchiveItem]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows(items))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read it as UTF-8


def as_xlsx(items: list[ArchiveItem], year: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{year}年度"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(items):
        sheet.append(row)
    for column, width in zip("ABCDEFGHI", (6, 26, 20, 30, 50, 10, 8, 6, 12), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# The columns' shares of the width as the template's <colgroup> has them; 序号, 日期, 密级 and 页数 centred.
COLUMNS = [
    Column(heading, share, centred=n in (0, 5, 6, 7), size=9 if n == 1 else 10.5)
    for n, (heading, share) in enumerate(zip(HEADERS, (4, 21, 14, 15, 27, 7, 4, 4, 4), strict=True))
]


def as_pdf(items: list[ArchiveItem], year: int, settings: Settings, fonds: FondsRef) -> bytes:
    """A4 landscape: a cover (全宗, 年度, 保管期限, 机构), then the rows under their header on every page. Drawn
    straight to PDF in the GB/T 9704 faces; through the HTML form only when the faces lack a character."""
    cover = {
        "全宗号": fonds.code,
        "全宗名称": fonds.name,
        "年度": str(year),
        "保管期限": "、".join(sorted({i.retention for i in items})) or "—",
        "机构": "、".join(sorted({i.organ_code or "" for i in items})) or "—",
    }
    fonts_dir = find_fonts_dir(settings.fonts_dir)
    if fonts_dir is not None:
        writer = PdfWriter(fonts_dir)
        setter = TableSetter(writer.fonts)
        heading = Block("heading", [setter.centred(f"{year} 年度归档文件目录", Face.hei, 14, A4_LANDSCAPE.margin_y)])
        pages = [_cover(setter, cover), *setter.pages(COLUMNS, rows(items), heading, first=2)]
        if writer.covers(Layout(DocFormat.document, pages)):
            return writer.write_pages(pages, f"归档文件目录 {year}")
    env = Environment(loader=FileSystemLoader(str(settings.templates_dir)), autoescape=select_autoescape(["j2"]))
    page = env.get_template("documents/catalogue.html.j2").render(
        year=year, headers=HEADERS, rows=rows(items), cover=cover
    )
    return form_pdf(page, fonts_dir)


def _cover(setter: TableSetter, cover: dict[str, str]) -> Page:
    """The title 40 mm down, then each entry on its own ruled line, the lines centred as one block."""
    sheet = setter.sheet
    page = setter.page(1)
    top = sheet.margin_y + 40.0
    page.blocks.append(Block("title", [setter.centred("归档文件目录", Face.xbs, 28, top, spacing=grid.em(28) * 0.3)]))
    lines = [setter.text(f"{name}：{value}", Face.song, 16, 0.0, 0.0) for name, value in cover.items()]
    width = max(60.0, *(t.width for t in lines)) + 12.0
    left = sheet.margin_x + (sheet.inner_width - width) / 2
    y = top + grid.em(28) + 20.0
    for line in lines:
        page.blocks.append(Block("cover", [setter.text(line.text, Face.song, 16, left + 6.0, y + 4.0)]))
        y += grid.em(16) + 8.0
        page.rules.append(Rule(left, y, width, 0.3, grid.BLACK, "cover-rule"))
    return page


def catalogue_bytes(items: list[ArchiveItem], year: int, fmt: str, settings: Settings, fonds: FondsRef) -> bytes:
    """The catalogue of these 件 of one fonds in one of the three formats archivists download."""
    if fmt == "csv":
        return as_csv(items)
    if fmt == "xlsx":
        return as_xlsx(items, year)
    return as_pdf(items, year, settings, fonds)
