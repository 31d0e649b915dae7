"""Every character printed (issue 29, item 3): seed 002's 发文机关标志 carries each organ's name in traditional
Mongolian, drawn joined (HarfBuzz) by an installed face in the PDF and the OFD; no PDF the suite makes claims PDF/A
while drawing a missing glyph (GID 0, .notdef); subset tags come from the glyphs kept.

Run with `-s` to see the counts."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from xml.etree import ElementTree as ET

from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject

from services.rendering import grid
from services.rendering.body import paragraphs
from services.rendering.fonts import Face, FontSet, metrics
from services.rendering.ofd import NS
from services.rendering.pdf import PdfWriter
from services.rendering.renderer import DocumentRenderer
from tests.layout.conftest import ARTIFACTS, Rendered

MONGOLIAN = re.compile(r"[\u1800-\u18af]")


def _fonts(page: DictionaryObject) -> dict[str, DictionaryObject]:
    resources = page.get("/Resources")
    fonts = resources.get_object().get("/Font") if resources else None
    return {name: ref.get_object() for name, ref in (fonts.get_object().items() if fonts else [])}


def drawn_glyphs(data: bytes) -> dict[str, list[int]]:
    """Every glyph id each Identity-H font draws (by its BaseFont), read from the pages' content streams."""
    reader = PdfReader(io.BytesIO(data))
    found: dict[str, list[int]] = {}
    for page in reader.pages:
        fonts = _fonts(page)
        current = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = fonts.get(str(operands[0]))
            elif operator in (b"Tj", b"TJ") and current is not None and current.get("/Encoding") == "/Identity-H":
                strings = operands[0] if operator == b"TJ" else [operands[0]]
                for piece in strings:
                    if isinstance(piece, bytes | str):
                        raw = piece.original_bytes if hasattr(piece, "original_bytes") else bytes(piece)  # type: ignore[arg-type]
                        ids = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
                        found.setdefault(str(current["/BaseFont"]), []).extend(ids)
    return found


def claims_pdfa(data: bytes) -> bool:
    """The XMP names a PDF/A part."""
    metadata = PdfReader(io.BytesIO(data)).xmp_metadata
    return metadata is not None and b"pdfaid:part" in metadata.stream.get_data()


def test_no_pdf_claims_pdfa_with_a_missing_glyph(rendered: dict[str, Rendered]) -> None:
    """Every PDF the layout tests made (tests/artifacts/layout/): none draws GID 0 while its XMP claims PDF/A;
    and none of them draws GID 0 at all (their characters all have a face)."""
    files = sorted(ARTIFACTS.glob("*.pdf"))
    assert len(files) >= len(rendered)
    problems = []
    glyphs = 0
    for path in files:
        data = path.read_bytes()
        drawn = drawn_glyphs(data)
        glyphs += sum(len(ids) for ids in drawn.values())
        notdef = [font for font, ids in drawn.items() if 0 in ids]
        if notdef:
            problems.append(f"{path.name}: GID 0 in {notdef}, PDF/A claimed: {claims_pdfa(data)}")
        assert claims_pdfa(data) or notdef, f"{path.name} has every glyph but claims no PDF/A"
    assert not problems, problems
    print(f"\n{len(files)} PDFs scanned, {glyphs} glyphs drawn, none of them .notdef")


def test_the_scan_sees_a_missing_glyph(rendered: dict[str, Rendered], renderer: DocumentRenderer) -> None:
    """The scan above is not blind: a layout holding a character no face has, written anyway, draws GID 0, and
    its XMP claims no PDF/A."""
    assert renderer.fonts_dir is not None
    facts = replace(rendered["single"].facts, paragraphs=paragraphs("扎兰屯市\U0010fffd活动月。"))
    data = PdfWriter(renderer.fonts_dir).write(renderer.layout(facts), "缺字")
    assert any(0 in ids for ids in drawn_glyphs(data).values())
    assert not claims_pdfa(data)


def _alt_texts(r: Rendered) -> list[str]:
    return [t.text for b in r.layout.pages[0].blocks for t in b.texts if t.role == "logo-alt"]


def test_seed_002_prints_the_mongolian_lines_joined(rendered: dict[str, Rendered], renderer: DocumentRenderer) -> None:
    """Seed 002's 标志: under each organ's name (and under 文件) its traditional Mongolian line, every letter in
    the installed Mongolian face, drawn in the PDF by glyphs that are not .notdef and not all the letters'
    isolated forms (HarfBuzz joined them), and read back from the PDF as the same text."""
    r = rendered["seed-002"]
    lines = _alt_texts(r)
    assert len(lines) == 4 and all(MONGOLIAN.search(line) for line in lines)
    mongolian = metrics(FontSet(renderer.fonts_dir).path(Face.mong))
    letters = {c for line in lines for c in line if not c.isspace()}
    assert all(ord(c) in mongolian.glyphs for c in letters), "a letter the Mongolian face lacks"
    drawn = next(ids for font, ids in drawn_glyphs(r.pdf).items() if font.endswith("+NotoSansMongolian-Regular"))
    assert 0 not in drawn
    nominal = {mongolian.glyphs[ord(c)] for c in letters}
    assert set(drawn) - nominal, "every letter drawn in its isolated form: not shaped"
    text = "".join(x.text for page in r.pages[:1] for x in page.lines)
    assert all(line.replace(" ", "") in text.replace(" ", "") for line in lines)
    print(f"\nseed-002: {len(lines)} Mongolian lines, {len(drawn)} glyphs, {len(set(drawn) - nominal)} joined forms")


def test_seed_002_ofd_names_the_joined_glyphs(rendered: dict[str, Rendered], renderer: DocumentRenderer) -> None:
    """In the OFD the Mongolian lines are TextObjects in the embedded Mongolian subset, each letter's glyph named
    by a CGTransform; every glyph named is in the subset (not .notdef)."""
    from fontTools.ttLib import TTFont

    data = renderer.layout_ofd(rendered["seed-002"].layout)
    (ARTIFACTS / "seed-002.ofd").write_bytes(data)
    ns = {"ofd": NS}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        res = ET.fromstring(archive.read("Doc_0/PublicRes.xml"))
        font = next(f for f in res.iterfind("ofd:Fonts/ofd:Font", ns) if "Mongolian" in f.get("FontName", ""))
        subset = TTFont(io.BytesIO(archive.read(f"Doc_0/Res/{font.findtext('ofd:FontFile', namespaces=ns)}")))
        content = ET.fromstring(archive.read("Doc_0/Pages/Page_0/Content.xml"))
    texts = [t for t in content.iter(f"{{{NS}}}TextObject") if t.get("Font") == font.get("ID")]
    assert len(texts) == 4
    glyph_order = subset.getGlyphOrder()
    glyf = subset["glyf"]
    for text in texts:
        code = "".join(c.text or "" for c in text.iterfind("ofd:TextCode", ns))
        transforms = text.findall("ofd:CGTransform", ns)
        assert sum(int(t.get("CodeCount", "0")) for t in transforms) == len(code)
        for transform in transforms:
            for gid in (int(g) for g in (transform.findtext("ofd:Glyphs", namespaces=ns) or "").split()):
                assert 0 < gid < len(glyph_order)
                char = code[int(transform.get("CodePosition", "0"))]
                assert char.isspace() or glyf[glyph_order[gid]].numberOfContours != 0, f"{char!r}: empty glyph"


def test_subset_tags_come_from_the_glyphs(rendered: dict[str, Rendered], renderer: DocumentRenderer) -> None:
    """Two documents drawing other characters carry other tags for the same face; the same document the same tag;
    every tag is six uppercase letters (PDF 32000-1 §9.6.4)."""
    tags = {}
    for case in ("single", "letter", "joint-2"):
        names = [name for name in drawn_glyphs(rendered[case].pdf) if name.endswith("FandolFang-Regular")]
        assert len(names) == 1 and re.fullmatch(r"/[A-Z]{6}\+FandolFang-Regular", names[0])
        tags[case] = names[0]
    assert len(set(tags.values())) == len(tags), tags
    again = renderer.layout_pdf(rendered["single"].layout)
    assert again is not None and tags["single"] in drawn_glyphs(again[0])


def test_mongolian_in_the_body_is_measured_as_drawn(rendered: dict[str, Rendered], renderer: DocumentRenderer) -> None:
    """A justified body line holding Mongolian words ends at the 版心's right edge in the PDF: the line was
    measured with the joined words’ widths the PDF draws, not the isolated letters’."""
    from tests.layout.measure import read_pdf

    words = "ᠵᠠᠯᠠᠨᠲᠤ ᠰᠢ ᠪᠣᠯᠠᠭ"
    text = f"扎兰屯市（{words}）开展民族团结进步活动月，各乡镇街道结合实际组织宣讲、座谈和文艺演出等活动。"
    facts = replace(rendered["single"].facts, paragraphs=paragraphs(text))
    layout = renderer.layout(facts)
    drawn = renderer.layout_pdf(layout)
    assert drawn is not None
    line = next(x for x in read_pdf(drawn[0])[0].lines if "扎兰屯市" in x.text and not x.chars[0].red)
    assert abs(line.x1 - grid.RIGHT) <= 0.5, f"the line ends at {line.x1:.2f} mm, the 版心 at {grid.RIGHT:.2f}"
