"""The OFD (GB/T 33190) of every layout case, opened by an independent reader (ofdkit, from PyPI): the same pages
and text as the layout model, every piece of text where the PDF has it within ±0.5 mm, the document's metadata in
DocInfo, and each embedded font holding every character drawn with it.

Run with `-s` to see the counts. Positions are in mm from the page's top-left corner, on both sides: ofdkit gives
each TextCode's baseline origin and its advance (from DeltaX, plus an em for a last CJK character); pdfplumber gives
each PDF character's box (tests/layout/measure.py)."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import ofdkit
import pytest
from fontTools.ttLib import TTFont

from services.rendering.model import DocumentFacts
from services.rendering.ofd import NS, OfdInfo, OfdWriter
from services.rendering.renderer import DocumentRenderer
from tests.layout.conftest import ARTIFACTS, Rendered
from tests.layout.measure import Char, PdfPage
from tests.layout.test_layout import ALL

TOLERANCE = 0.5  # mm
COUNTS: dict[str, tuple[int, int, int]] = {}  # case → (pages, text pieces, positions compared)


@pytest.fixture(scope="module", autouse=True)
def _print_counts() -> Iterator[None]:
    """With `-s`, how much the reader compared, after the module's tests."""
    yield
    if COUNTS:
        pages, pieces, positions = (sum(c[i] for c in COUNTS.values()) for i in range(3))
        print(f"\nOFD read back: {len(COUNTS)} documents, {pages} pages, {pieces} text pieces, {positions} positions")


@pytest.fixture(scope="module")
def ofds(rendered: dict[str, Rendered], renderer: DocumentRenderer) -> dict[str, bytes]:
    """Each case's layout written as OFD, kept beside its PDF under tests/artifacts/layout/."""
    out = {}
    for name in ALL:
        data = renderer.layout_ofd(rendered[name].layout)
        (ARTIFACTS / f"{name}.ofd").write_bytes(data)
        out[name] = data
    return out


def _pdf_chars(page: PdfPage) -> list[Char]:
    return [c for line in page.lines for c in line.chars if not c.text.isspace()]


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


@dataclass
class Match:
    ok: bool
    positions: int
    problem: str = ""


def _match(run: ofdkit.TextRun, chars: list[Char]) -> Match:
    """The PDF characters on the run's baseline within its extent spell the run's text; its first character
    starts, and a last CJK character ends, where the PDF's do."""
    text = "".join(run.text.split())
    on_line = sorted(
        (
            c
            for c in chars
            if abs(c.baseline - run.y) <= TOLERANCE and run.x - TOLERANCE <= c.x0 <= run.x + run.width + TOLERANCE
        ),
        key=lambda c: c.x0,
    )
    found = "".join(c.text for c in on_line)
    if text not in found:
        return Match(False, 0, f"{run.text!r} at ({run.x:.2f}, {run.y:.2f}): the PDF has {found!r} there")
    first = on_line[found.index(text)]
    last = on_line[found.index(text) + len(text) - 1]
    if abs(first.x0 - run.x) > TOLERANCE:
        return Match(False, 0, f"{run.text!r} starts at x {run.x:.2f}, the PDF's at {first.x0:.2f}")
    positions = 2  # the first character's x and baseline
    if _wide(text[-1]):
        if abs(last.x1 - (run.x + run.width)) > TOLERANCE:
            return Match(False, 0, f"{run.text!r} ends at x {run.x + run.width:.2f}, the PDF's at {last.x1:.2f}")
        positions += 1
    return Match(True, positions)


@pytest.mark.parametrize("case", ALL)
def test_the_reader_finds_the_layout_text_where_the_pdf_has_it(
    rendered: dict[str, Rendered], ofds: dict[str, bytes], case: str
) -> None:
    r = rendered[case]
    with ofdkit.open(ofds[case]) as doc:
        assert not doc.warnings, doc.warnings
        assert len(doc.pages) == len(r.layout.pages) == len(r.pages), "pages: OFD, layout and PDF differ"
        pieces = positions = 0
        for page, ofd_page, pdf_page in zip(r.layout.pages, doc.pages, r.pages, strict=True):
            assert ofd_page.box == (0.0, 0.0, 210.0, 297.0), f"p{page.number} is not A4 in mm"
            runs = ofd_page.runs
            assert [run.text for run in runs] == [t.text for t in page.texts() if t.text], f"p{page.number} text"
            chars = _pdf_chars(pdf_page)
            problems = [m.problem for m in (_match(run, chars) for run in runs) if not m.ok]
            assert not problems, f"p{page.number}: " + "; ".join(problems[:5])
            pieces += len(runs)
            positions += sum(_match(run, chars).positions for run in runs)
            drawn = sorted(c for run in runs for c in run.text if not c.isspace())
            assert drawn == sorted(c.text for c in chars), f"p{page.number}: the OFD and PDF draw other characters"
    COUNTS[case] = (len(r.layout.pages), pieces, positions)
    print(f"{case}: {len(r.layout.pages)} pages, {pieces} text pieces, {positions} positions within ±{TOLERANCE} mm")


@pytest.mark.parametrize("case", ALL)
def test_docinfo_names_the_document(ofds: dict[str, bytes], rendered: dict[str, Rendered], case: str) -> None:
    facts: DocumentFacts = rendered[case].facts
    with ofdkit.open(ofds[case]) as doc:
        info = doc.info
    assert info.title == facts.title
    assert info.creator == "gongwen"
    assert info.doc_id and len(info.doc_id) == 32
    assert info.custom_data["文号"] == facts.doc_number
    assert info.custom_data["发文机关"] == "、".join(facts.issuers)
    assert info.custom_data["成文日期"] == facts.written_on


def _xml(archive: zipfile.ZipFile, name: str) -> ET.Element:
    return ET.fromstring(archive.read(name))


@pytest.mark.parametrize("case", ALL)
def test_every_character_has_its_glyph_in_the_embedded_font(ofds: dict[str, bytes], case: str) -> None:
    """What the reader does not check: each TextObject's font is embedded, and the subset has every character it
    draws; ids are unique and MaxUnitID is the largest (GB/T 33190 §7.5)."""
    ns = {"ofd": NS}
    with zipfile.ZipFile(io.BytesIO(ofds[case])) as archive:
        res = _xml(archive, "Doc_0/PublicRes.xml")
        cmaps = {}
        for font in res.iterfind("ofd:Fonts/ofd:Font", ns):
            location = font.findtext("ofd:FontFile", namespaces=ns)
            assert location, f"font {font.get('FontName')} is not embedded"
            data = archive.read(f"Doc_0/{res.get('BaseLoc')}/{location}")
            cmaps[font.get("ID")] = TTFont(io.BytesIO(data)).getBestCmap()
        document = _xml(archive, "Doc_0/Document.xml")
        ids = [int(font_id) for font_id in cmaps if font_id]
        missing: list[str] = []
        for page in document.iterfind("ofd:Pages/ofd:Page", ns):
            ids.append(int(page.get("ID", "0")))
            content = _xml(archive, f"Doc_0/{page.get('BaseLoc')}")
            ids += [int(e.get("ID", "0")) for e in content.iter() if e.get("ID")]
            for text in content.iter(f"{{{NS}}}TextObject"):
                cmap = cmaps[text.get("Font")]
                code = "".join(c.text or "" for c in text.iterfind("ofd:TextCode", ns))
                missing += [c for c in code if not c.isspace() and ord(c) not in cmap]
        max_id = int(document.findtext("ofd:CommonData/ofd:MaxUnitID", namespaces=ns) or 0)
    assert not missing, f"characters without a glyph in their embedded font: {''.join(sorted(set(missing)))}"
    assert len(ids) == len(set(ids)), "object ids repeat"
    assert max(ids) == max_id


def test_without_fonts_the_ofd_names_them_and_still_reads(rendered: dict[str, Rendered]) -> None:
    """A machine without the Fandol files still writes a readable OFD: fonts named, none embedded."""
    layout = rendered["single"].layout
    data = OfdWriter(None).write(layout, OfdInfo("无字库", "某字〔2026〕1号"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert not [n for n in archive.namelist() if n.startswith("Doc_0/Res/")]
    with ofdkit.open(data) as doc:
        assert doc.info.title == "无字库"
        assert [r.text for r in doc.pages[0].runs] == [t.text for t in layout.pages[0].texts() if t.text]
