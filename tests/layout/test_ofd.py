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

from services.archive.package import check_package
from services.limits import OFD_XML_MAX
from services.rendering.model import DocumentFacts
from services.rendering.ofd import NS, OfdInfo, OfdWriter
from services.rendering.renderer import DocumentRenderer
from tests.layout.conftest import ARTIFACTS, Rendered
from tests.layout.measure import Char, PdfPage
from tests.layout.test_layout import ALL

TOLERANCE = 0.5  # mm
COUNTS: dict[str, tuple[int, int, int]] = {}  # case → (pages, text pieces, positions compared)
CHARACTERS: dict[str, int] = {}  # case → characters compared one by one


@pytest.fixture(scope="module", autouse=True)
def _print_counts() -> Iterator[None]:
    """With `-s`, how much the reader compared, after the module's tests."""
    yield
    if COUNTS:
        pages, pieces, positions = (sum(c[i] for c in COUNTS.values()) for i in range(3))
        print(f"\nOFD read back: {len(COUNTS)} documents, {pages} pages, {pieces} text pieces, {positions} positions")
    if CHARACTERS:
        print(f"OFD characters placed as in the PDF: {sum(CHARACTERS.values())} in {len(CHARACTERS)} documents")


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
    by_index = [c for c in on_line for _ in c.text]  # a joined glyph (Mongolian) may stand for two characters
    first = by_index[found.index(text)]
    last = by_index[found.index(text) + len(text) - 1]
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
            in_pdf = sorted(x for c in chars for x in c.text)
            assert drawn == in_pdf, f"p{page.number}: the OFD and PDF draw other characters"
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


def _expand(delta_x: str | None) -> list[float]:
    """A DeltaX list with its “g count value” runs written out."""
    tokens, values = (delta_x or "").split(), []
    while tokens:
        token = tokens.pop(0)
        if token == "g":
            count, value = int(tokens.pop(0)), float(tokens.pop(0))
            values += [value] * count
        else:
            values.append(float(token))
    return values


def _glyph_origins(content: ET.Element) -> list[tuple[str, float, float]]:
    """Every character of a page's TextObjects at its own origin: Boundary + X/Y + the DeltaX before it."""
    found = []
    for text in content.iter(f"{{{NS}}}TextObject"):
        left, top = (float(v) for v in text.get("Boundary", "").split()[:2])
        for code in text.iterfind(f"{{{NS}}}TextCode"):
            x, y = left + float(code.get("X", "0")), top + float(code.get("Y", "0"))
            deltas = _expand(code.get("DeltaX"))
            for index, char in enumerate(code.text or ""):
                if not char.isspace():
                    found.append((char, x + sum(deltas[:index]), y))
    return found


@pytest.mark.parametrize("case", ALL)
def test_every_character_sits_where_the_pdf_draws_it(
    rendered: dict[str, Rendered], ofds: dict[str, bytes], case: str
) -> None:
    """A second reading path, character by character (the reader above sees pieces of text): each character's
    origin from the OFD's own numbers, against the PDF character with the same text nearest to it."""
    compared = 0
    with zipfile.ZipFile(io.BytesIO(ofds[case])) as archive:
        for number, pdf_page in enumerate(rendered[case].pages):
            content = _xml(archive, f"Doc_0/Pages/Page_{number}/Content.xml")
            chars = _pdf_chars(pdf_page)
            for char, x, y in _glyph_origins(content):
                same = [c for c in chars if char in c.text and abs(c.baseline - y) <= TOLERANCE]
                nearest = min((abs(c.x0 - x) for c in same), default=None)
                assert nearest is not None and nearest <= TOLERANCE, (
                    f"p{number + 1}: {char!r} at ({x:.2f}, {y:.2f}) is {nearest} mm from the PDF's"
                )
                compared += 1
            assert compared or not chars
    CHARACTERS[case] = compared
    print(f"{case}: {compared} characters within ±{TOLERANCE} mm")


def _xml(archive: zipfile.ZipFile, name: str) -> ET.Element:
    return ET.fromstring(archive.read(name))


@pytest.mark.parametrize("case", ALL)
def test_every_character_has_its_glyph_in_the_embedded_font(ofds: dict[str, bytes], case: str) -> None:
    """What the reader does not check: each TextObject's font is embedded, and the subset has every character it
    draws; ids are unique and MaxUnitID is the largest."""
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


def test_the_four_checks_open_the_ofd_and_hold_it_to_its_pdf(
    rendered: dict[str, Rendered], ofds: dict[str, bytes]
) -> None:
    """The archive's 四性 check: an OFD that opens, beside a PDF of as many pages, passes; a ZIP named .ofd, an OFD
    whose page is missing or inflates past the limit, and an OFD of another document (other page count) or without
    its PDF do not."""
    metadata = {"文种": "通知"}
    good = {"01-正本.pdf": rendered["single"].pdf, "01-正本.ofd": ofds["single"]}
    result, formats = check_package(good, metadata, 0, scanner=None)
    assert formats["01-正本.ofd"] == "ofd" and result.usability.passed and not _ofd_problems(result.integrity.problems)

    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("readme.txt", "不是 OFD")
    result, _ = check_package(dict(good, **{"01-正本.ofd": plain_zip.getvalue()}), metadata, 0, scanner=None)
    assert any("01-正本.ofd：声明为 ofd，实为 zip" in p for p in result.usability.problems)

    torn = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ofds["single"])) as source, zipfile.ZipFile(torn, "w") as archive:
        for name in source.namelist():
            if name != "Doc_0/Pages/Page_1/Content.xml":
                archive.writestr(name, source.read(name))
    result, _ = check_package(dict(good, **{"01-正本.ofd": torn.getvalue()}), metadata, 0, scanner=None)
    assert any(p.startswith("01-正本.ofd：OFD 无法打开") for p in result.usability.problems)

    inflating = io.BytesIO()  # a page that inflates past the limit is refused unread
    with zipfile.ZipFile(io.BytesIO(ofds["single"])) as source, zipfile.ZipFile(inflating, "w") as archive:
        for name in source.namelist():
            page = name == "Doc_0/Pages/Page_0/Content.xml"
            archive.writestr(name, source.read(name) + b" " * (OFD_XML_MAX if page else 0), zipfile.ZIP_DEFLATED)
    assert len(inflating.getvalue()) < OFD_XML_MAX // 100
    result, _ = check_package(dict(good, **{"01-正本.ofd": inflating.getvalue()}), metadata, 0, scanner=None)
    assert any("Page_0/Content.xml is larger than" in p for p in result.usability.problems)

    other = dict(good, **{"01-正本.ofd": ofds["joint-5"]})  # 4 pages beside a PDF of 2
    result, _ = check_package(other, metadata, 0, scanner=None)
    assert _ofd_problems(result.integrity.problems) == ["01-正本.ofd：OFD 与 PDF 正本页数不一致（4 与 2）"]

    result, _ = check_package({"01-正本.ofd": ofds["single"]}, metadata, 0, scanner=None)
    assert "01-正本.ofd：缺少同名 PDF 正本" in result.integrity.problems


def _ofd_problems(problems: list[str]) -> list[str]:
    return [p for p in problems if ".ofd" in p]
