"""The layout model's pages written as OFD (GB/T 33190-2016), the fixed-layout format electronic 公文 are exchanged
and filed in (DOMAIN.md §4.5): the same pages, text and rules the PDF writer draws, at the same places.

The package is a ZIP: OFD.xml (DocBody: DocInfo with the 文号, 发文机关 and 成文日期 as CustomDatas, DocRoot),
Doc_0/Document.xml (CommonData: MaxUnitID, the A4 PageArea, PublicRes; the page list), Doc_0/PublicRes.xml (the
fonts, each subset to the characters it shows and embedded under Doc_0/Res/), and one Content.xml per page: a
Layer of TextObjects (one per piece of text, X/Y of the baseline inside its Boundary, DeltaX from glyph to glyph)
and PathObjects (the red rules). The fonts are the PDF's subsets (every glyph under its own id); a piece in a
shaped face (traditional Mongolian) carries CGTransforms naming the joined glyphs HarfBuzz chose for its letters.
OFD's unit is the millimetre and its y axis points down from the page's top, which is how the layout model
measures, so positions go across unconverted; font sizes go from pt to mm.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from services.limits import OFD_XML_MAX
from services.rendering import grid
from services.rendering.fonts import FONT_FILES, SHAPED, FontSet, metrics, subset_font
from services.rendering.glyphs import GlyphUse, glyph_run, pieces
from services.rendering.model import DocumentFacts, Layout, Page, Rule, Text

NS = "http://www.ofdspec.org/2016"
CREATOR = "gongwen"
MIME = "application/ofd"
DOC_DIR = "Doc_0"
RES_DIR = "Res"
PADDING = 1.0  # mm around a text's em box in its Boundary, so no renderer clips a glyph's overhang

ET.register_namespace("ofd", NS)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _num(value: float) -> str:
    """A length in mm as OFD writes it: at most three decimals (a micrometre)."""
    return grid.decimal_text(value, 3)


def _rgb(color: str) -> str:
    """'#e60012' → '230 0 18': OFD colours are component values in the default RGB colour space."""
    value = color.lstrip("#")
    return " ".join(str(int(value[i : i + 2], 16)) for i in (0, 2, 4))


def _xml(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data


@dataclass(frozen=True)
class OfdInfo:
    """What OFD.xml's DocInfo says of the document: its title, and the 文号, 发文机关 and 成文日期 as CustomDatas."""

    title: str
    doc_number: str = ""
    issuers: tuple[str, ...] = ()
    written_on: str = ""
    created: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())

    @classmethod
    def of(cls, facts: DocumentFacts) -> OfdInfo:
        return cls(facts.title, facts.doc_number, tuple(facts.issuers), facts.written_on)

    def custom_datas(self) -> list[tuple[str, str]]:
        pairs = [("文号", self.doc_number), ("发文机关", "、".join(self.issuers)), ("成文日期", self.written_on)]
        return [(name, value) for name, value in pairs if value]


class _Ids:
    """Object ids, unique in the document (GB/T 33190's ST_ID); the last one is Document.xml's MaxUnitID."""

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> str:
        self.last += 1
        return str(self.last)


class OfdWriter:
    """Writes a Layout as an OFD package; fonts are embedded when the fonts folder is known, else named only."""

    def __init__(self, fonts_dir: Path | None) -> None:
        self.fonts_dir = fonts_dir
        self.fonts = FontSet(fonts_dir)

    def write(self, layout: Layout, info: OfdInfo | None = None) -> bytes:
        info = info or (OfdInfo.of(layout.facts) if layout.facts else OfdInfo(_title(layout)))
        ids = _Ids()
        use = GlyphUse(self.fonts)
        if self.fonts_dir is not None:
            use.add_layout(layout)
        else:
            use.chars = layout.chars_by_face()
        font_ids = {face: ids.next() for face in sorted(use.chars)}
        files: dict[str, bytes] = {}
        files[f"{DOC_DIR}/PublicRes.xml"] = self._public_res(use, font_ids, files)
        pages: list[tuple[str, str]] = []
        for index, page in enumerate(layout.pages):
            location = f"Pages/Page_{index}/Content.xml"
            pages.append((ids.next(), location))
            files[f"{DOC_DIR}/{location}"] = _xml(self._page(page, font_ids, ids))
        files[f"{DOC_DIR}/Document.xml"] = _xml(_document(pages, ids.last))
        files["OFD.xml"] = _xml(_ofd(info))
        return _zip(files)

    # -- resources -----------------------------------------------------------------------------------------

    def _public_res(self, use: GlyphUse, font_ids: dict[str, str], files: dict[str, bytes]) -> bytes:
        root = ET.Element(_q("Res"), {"BaseLoc": RES_DIR})
        fonts = ET.SubElement(root, _q("Fonts"))
        for face, font_id in font_ids.items():
            font = ET.SubElement(fonts, _q("Font"), self._font_names(face, font_id))
            data = self._font_data(face, use)
            if data is not None:
                embedded = f"font_{font_id}{'.otf' if data[:4] == b'OTTO' else '.ttf'}"
                files[f"{DOC_DIR}/{RES_DIR}/{embedded}"] = data
                ET.SubElement(font, _q("FontFile")).text = embedded
        return _xml(root)

    def _font_names(self, face: str, font_id: str) -> dict[str, str]:
        stem = Path(FONT_FILES.get(face, face)).stem  # FandolFang-Regular
        name = metrics(self.fonts.path(face)).name if self.fonts_dir else stem
        return {"ID": font_id, "FontName": name, "FamilyName": name.split("-")[0]}

    def _font_data(self, face: str, use: GlyphUse) -> bytes | None:
        """The face cut down to the characters and glyphs it shows, as the PDF embeds it (each glyph under its
        own id, which a CGTransform names); the whole file when HarfBuzz is missing."""
        if self.fonts_dir is None:
            return None
        path = self.fonts.path(face)
        return subset_font(path, use.chars[face], retain_gids=True, gids=use.glyphs.get(face, {})) or path.read_bytes()

    # -- pages ---------------------------------------------------------------------------------------------

    def _page(self, page: Page, font_ids: dict[str, str], ids: _Ids) -> ET.Element:
        root = ET.Element(_q("Page"))
        area = ET.SubElement(root, _q("Area"))
        ET.SubElement(area, _q("PhysicalBox")).text = f"0 0 {_num(grid.PAGE_W)} {_num(grid.PAGE_H)}"
        content = ET.SubElement(root, _q("Content"))
        layer = ET.SubElement(content, _q("Layer"), {"ID": ids.next(), "Type": "Body"})
        for rule in page.rules:
            layer.append(_path(rule, ids.next()))
        for text in page.texts():
            for piece in pieces(self.fonts, text) if self.fonts_dir and text.text else [text]:
                if piece.text:
                    layer.append(self._text(piece, font_ids[piece.face], ids.next()))
        return root

    def _text(self, text: Text, font_id: str, object_id: str) -> ET.Element:
        """One TextObject: its Boundary the em box (padded), the baseline at Y, DeltaX the advance plus the
        letter-spacing from each glyph to the next — the widths the layout model measured the line with."""
        size = grid.em(text.size)
        box = (text.x - PADDING, text.em_top - PADDING, text.width + 2 * PADDING, size + 2 * PADDING)
        element = ET.Element(
            _q("TextObject"),
            {"ID": object_id, "Boundary": " ".join(_num(v) for v in box), "Font": font_id, "Size": _num(size)},
        )
        ET.SubElement(element, _q("FillColor"), {"Value": _rgb(text.color)})
        attributes = {"X": _num(PADDING), "Y": _num(text.baseline - text.em_top + PADDING)}
        shaped = text.face in SHAPED and self.fonts_dir is not None
        deltas = list(self._shaped_deltas(text, size, element) if shaped else self._deltas(text, size))
        if deltas:
            attributes["DeltaX"] = _repeats(deltas)
        ET.SubElement(element, _q("TextCode"), attributes).text = text.text
        return element

    def _deltas(self, text: Text, size: float) -> Iterator[str]:
        advance = self._advance(text.face)
        for char in text.text[:-1]:
            yield _num(advance(char) * size + text.spacing)

    def _shaped_deltas(self, text: Text, size: float, element: ET.Element) -> list[str]:
        """A shaped piece: one CGTransform per cluster (its characters → the glyphs HarfBuzz chose), and the
        DeltaX of each character: 0 inside a cluster, the cluster's advance on its last character (so every
        character of a cluster sits at the cluster's origin)."""
        advances = [0.0] * len(text.text)
        position = last = 0
        for glyph in glyph_run(self.fonts, text.face, text.text):
            if glyph.chars:
                position = text.text.index(glyph.chars, position)
                last = position + len(glyph.chars) - 1
                transform = {"CodePosition": str(position), "CodeCount": str(len(glyph.chars)), "GlyphCount": "1"}
                ET.SubElement(element, _q("CGTransform"), transform)
                ET.SubElement(element[-1], _q("Glyphs")).text = str(glyph.gid)
            else:  # a second glyph of the same cluster
                element[-1].set("GlyphCount", str(int(element[-1].get("GlyphCount", "1")) + 1))
                glyphs = element[-1].find(_q("Glyphs"))
                assert glyphs is not None
                glyphs.text = f"{glyphs.text} {glyph.gid}"
            advances[last] += glyph.advance * size
        return [_num(advance + text.spacing) for advance in advances[:-1]]

    def _advance(self, face: str) -> Callable[[str], float]:
        """The advance in em of a character of this face, as the layout model measured it."""
        if self.fonts_dir is None:
            return lambda char: self.fonts.advance(face, char)
        return metrics(self.fonts.path(face)).advance


def _repeats(values: list[str]) -> str:
    """A DeltaX list, each run of equal values written “g count value” (GB/T 33190's shorthand)."""
    parts = []
    for value, run in itertools.groupby(values):
        count = len(list(run))
        parts.append(f"g {count} {value}" if count > 2 else " ".join([value] * count))
    return " ".join(parts)


def _path(rule: Rule, object_id: str) -> ET.Element:
    """A filled rectangle (a red rule of the 版头 or the 信函格式, a 版记 line) as a PathObject."""
    box = " ".join(_num(v) for v in (rule.x, rule.y, rule.width, rule.height))
    element = ET.Element(_q("PathObject"), {"ID": object_id, "Boundary": box, "Stroke": "false", "Fill": "true"})
    ET.SubElement(element, _q("FillColor"), {"Value": _rgb(rule.color)})
    w, h = _num(rule.width), _num(rule.height)
    ET.SubElement(element, _q("AbbreviatedData")).text = f"M 0 0 L {w} 0 L {w} {h} L 0 {h} C"
    return element


def _document(pages: list[tuple[str, str]], max_id: int) -> ET.Element:
    root = ET.Element(_q("Document"))
    common = ET.SubElement(root, _q("CommonData"))
    ET.SubElement(common, _q("MaxUnitID")).text = str(max_id)
    area = ET.SubElement(common, _q("PageArea"))
    ET.SubElement(area, _q("PhysicalBox")).text = f"0 0 {_num(grid.PAGE_W)} {_num(grid.PAGE_H)}"
    ET.SubElement(common, _q("PublicRes")).text = "PublicRes.xml"
    listing = ET.SubElement(root, _q("Pages"))
    for page_id, location in pages:
        ET.SubElement(listing, _q("Page"), {"ID": page_id, "BaseLoc": location})
    return root


def _ofd(info: OfdInfo) -> ET.Element:
    root = ET.Element(_q("OFD"), {"Version": "1.0", "DocType": "OFD"})
    body = ET.SubElement(root, _q("DocBody"))
    doc_info = ET.SubElement(body, _q("DocInfo"))
    ET.SubElement(doc_info, _q("DocID")).text = uuid.uuid4().hex  # 32 characters, as CT_DocInfo asks
    ET.SubElement(doc_info, _q("Title")).text = info.title
    ET.SubElement(doc_info, _q("CreationDate")).text = info.created.isoformat()
    ET.SubElement(doc_info, _q("Creator")).text = CREATOR
    datas = info.custom_datas()
    if datas:
        custom = ET.SubElement(doc_info, _q("CustomDatas"))
        for name, value in datas:
            ET.SubElement(custom, _q("CustomData"), {"Name": name}).text = value
    ET.SubElement(body, _q("DocRoot")).text = f"{DOC_DIR}/Document.xml"
    return root


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("OFD.xml", *sorted(n for n in files if n != "OFD.xml")):
            archive.writestr(name, files[name])
    return out.getvalue()


def ofd_pages(data: bytes) -> int:
    """The pages of an OFD package, found the way a reader finds them (OFD.xml → DocRoot → Pages, each page's
    Content.xml parsed); ValueError saying what is wrong when it does not open."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = _part(archive, "OFD.xml")
            if root.tag != _q("OFD"):
                raise ValueError(f"OFD.xml's root is {root.tag}")
            doc_root = root.findtext(f"{_q('DocBody')}/{_q('DocRoot')}") or ""
            document = _part(archive, doc_root.lstrip("/"))
            folder = doc_root.lstrip("/").rpartition("/")[0]
            pages = document.findall(f"{_q('Pages')}/{_q('Page')}")
            for page in pages:
                location = page.get("BaseLoc", "")
                absolute = location.startswith("/")
                _part(archive, location.lstrip("/") if absolute else f"{folder}/{location}")
            return len(pages)
    except (zipfile.BadZipFile, KeyError, ET.ParseError) as exc:
        raise ValueError(str(exc)) from exc


def _part(archive: zipfile.ZipFile, name: str) -> ET.Element:
    """One XML part, refused unread when it declares more than OFD_XML_MAX (a ZIP cannot inflate past what it
    declares: zipfile stops there)."""
    if archive.getinfo(name).file_size > OFD_XML_MAX:
        raise ValueError(f"{name} is larger than {OFD_XML_MAX} bytes")
    return ET.fromstring(archive.read(name))


def _title(layout: Layout) -> str:
    return "".join(t.text for p in layout.pages[:1] for b in p.blocks if b.role == "title" for t in b.texts)
