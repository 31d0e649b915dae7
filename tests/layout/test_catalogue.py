"""The 归档文件目录 (DA/T 22 §3.5) as an archivist prints it: A4 landscape, a cover naming the fonds, then every 件's
row whole on one page under the header, each page numbered."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from types import SimpleNamespace
from typing import Any

import pdfplumber
import pytest

from services.archive.catalogue import COLUMNS, HEADERS, as_pdf, rows
from services.archive.fonds import FondsRef
from services.config import PROJECT_ROOT, Settings
from services.rendering.fonts import FontSet, find_fonts_dir
from services.rendering.table import A4_LANDSCAPE, TableSetter

FONDS = FondsRef("Z001", "扎赉特旗民族事务委员会", 1, "扎赉特旗民族事务委员会")
pytestmark = [
    pytest.mark.skipif(find_fonts_dir() is None, reason="the Fandol fonts are not installed"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"),
]


def _items(n: int, odd_title: str = "") -> list[Any]:
    return [
        SimpleNamespace(
            archival_code=f"Z001-WS-2024-D30-ZLT-{k:04d}",
            doc_number=f"扎民委字〔2024〕{k}号",
            responsible="扎赉特旗民族事务委员会、扎赉特旗教育局",
            title=(odd_title or f"关于开展第{k}届“民族团结进步活动月”的通知") * (1 + k % 4),  # one to four lines
            date="20240315",
            classification="秘密" if k % 7 == 0 else "非密",
            pages=3 + k % 5,
            remark="含照片" if k % 5 == 0 else None,
            retention="D30" if k % 3 else "Y",
            organ_code="ZLT",
        )
        for k in range(1, n + 1)
    ]


def _pages(pdf: bytes) -> list[tuple[tuple[float, float], str]]:
    """Each page's size (pt) and text as poppler reads it."""
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60).stdout
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        sizes = [(round(float(p.width), 1), round(float(p.height), 1)) for p in doc.pages]
    return list(zip(sizes, text.decode().split("\f"), strict=False))


def _settings(tmp_path: Any) -> Settings:
    return Settings(home=tmp_path, templates_dir=PROJECT_ROOT / "templates")


def test_the_catalogue_lies_on_landscape_pages_with_a_cover_and_a_header_on_each(tmp_path: Any) -> None:
    items = _items(120)
    pages = _pages(as_pdf(items, 2024, _settings(tmp_path), FONDS))
    assert len(pages) > 3
    assert {size for size, _ in pages} == {(841.9, 595.3)}  # A4 landscape
    cover = pages[0][1]
    for expected in (
        "归档文件目录",
        "全宗号：Z001",
        "全宗名称：扎赉特旗民族事务委员会",
        "年度：2024",
        "保管期限：D30、Y",
    ):
        assert expected in cover.replace(" ", "")
    for number, (_, text) in enumerate(pages, 1):
        assert f"—{number}—" in text.replace(" ", "")
        if number > 1:
            assert all(heading in text for heading in HEADERS), number
    codes = re.findall(r"Z001-WS-2024-D30-ZLT-\d{4}", "\n".join(text for _, text in pages[1:]))
    assert codes == [i.archival_code for i in items]  # every 件 once, in order


def test_no_row_is_split_or_runs_past_the_foot() -> None:
    fonts_dir = find_fonts_dir()
    assert fonts_dir is not None
    setter = TableSetter(FontSet(fonts_dir))
    table = rows(_items(80))
    pages = setter.pages(COLUMNS, table, None, first=2)
    row_blocks = [block for page in pages for block in page.blocks if block.role == "row"]
    assert len(row_blocks) == len(table) + len(pages)  # each row once, and the header again on every page
    for page in pages:
        for block in (b for b in page.blocks if b.role == "row"):
            assert all(A4_LANDSCAPE.margin_y <= t.em_top and t.baseline <= A4_LANDSCAPE.bottom for t in block.texts)
    written = ["".join(t.text for t in block.texts) for block in row_blocks if "序号" not in block.texts[0].text]
    assert written == ["".join(cell for cell in row) for row in table]


def test_a_character_no_face_has_still_prints_every_row(tmp_path: Any) -> None:
    items = _items(6, odd_title="关于\ue000专项工作的通知")  # a private-use character: no face draws it
    pages = _pages(as_pdf(items, 2024, _settings(tmp_path), FONDS))
    codes = re.findall(r"Z001-WS-2024-D30-ZLT-\d{4}", "\n".join(text for _, text in pages))
    assert codes == [i.archival_code for i in items]
    assert HEADERS[4] in "\n".join(text for _, text in pages)
