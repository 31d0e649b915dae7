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
from services.rendering.fonts import find_fonts_dir
from services.rendering.forms import form_pdf

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


def as_pdf(items: list[ArchiveItem], year: int, settings: Settings, fonds: FondsRef) -> bytes:
    env = Environment(loader=FileSystemLoader(str(settings.templates_dir)), autoescape=select_autoescape(["j2"]))
    page = env.get_template("documents/catalogue.html.j2").render(
        year=year,
        headers=HEADERS,
        rows=rows(items),
        fonds_code=fonds.code,
        fonds_name=fonds.name,
        retentions="、".join(sorted({i.retention for i in items})) or "—",
        organs="、".join(sorted({i.organ_code or "" for i in items})) or "—",
    )
    return form_pdf(page, find_fonts_dir(settings.fonts_dir))


def catalogue_bytes(items: list[ArchiveItem], year: int, fmt: str, settings: Settings, fonds: FondsRef) -> bytes:
    """The catalogue of these 件 of one fonds in one of the three formats archivists download."""
    if fmt == "csv":
        return as_csv(items)
    if fmt == "xlsx":
        return as_xlsx(items, year)
    return as_pdf(items, year, settings, fonds)
