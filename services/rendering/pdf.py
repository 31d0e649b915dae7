"""The layout model's pages written straight to PDF (pydyf, fonts subset by HarfBuzz): every glyph where the model
put it, in a few tens of milliseconds, as PDF/A-2b (XMP identification and an sRGB output intent; DOMAIN.md §4.5).
No validator (veraPDF) is packaged here, so conformance is claimed, not proven."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from xml.sax.saxutils import escape

import pydyf

from services.rendering import grid
from services.rendering.fonts import FONT_FILES, Metrics, metrics, subset_font
from services.rendering.model import Layout, Rule, Text

PT_PER_MM = 1 / grid.MM_PER_PT
PAGE_W_PT = grid.PAGE_W * PT_PER_MM
PAGE_H_PT = grid.PAGE_H * PT_PER_MM
PRODUCER = "gongwen"


def _rgb(color: str) -> tuple[float, float, float]:
    value = color.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


class PdfWriter:
    """Writes a Layout whose characters all exist in the Fandol faces (see `covers`)."""

    def __init__(self, fonts_dir: Path) -> None:
        self.fonts_dir = fonts_dir

    def metrics(self, face: str) -> Metrics:
        return metrics(self.fonts_dir / FONT_FILES[face])

    def covers(self, layout: Layout) -> bool:
        """Every character has a glyph in its face (else WeasyPrint's font fallback is needed)."""
        return all(
            ord(char) in self.metrics(face).glyphs or char.isspace()
            for face, chars in layout.chars_by_face().items()
            for char in chars
        )

    def write(self, layout: Layout, title: str) -> bytes:
        return self.write_all([layout], title)

    def write_all(self, layouts: list[Layout], title: str) -> bytes:
        """Several layouts one after another in one PDF (a print run: one copy per 份号), fonts shared."""
        pdf = pydyf.PDF()
        used: dict[str, set[str]] = {}
        for layout in layouts:
            for face, chars in layout.chars_by_face().items():
                used.setdefault(face, set()).update(chars)
        fonts = {face: self._font(pdf, face, chars) for face, chars in sorted(used.items())}
        resources = pydyf.Dictionary({"Font": pydyf.Dictionary({f"F{i}": ref for i, ref in enumerate(fonts.values())})})
        names = {face: f"F{i}" for i, face in enumerate(fonts)}
        pdf.add_object(resources)
        for page in (page for layout in layouts for page in layout.pages):
            content = pydyf.Stream(compress=True)
            for rule in page.rules:
                self._rule(content, rule)
            for text in page.texts():
                self._text(content, text, names[text.face], self.metrics(text.face))
            pdf.add_object(content)
            pdf.add_page(
                pydyf.Dictionary(
                    {
                        "Type": "/Page",
                        "Parent": pdf.pages.reference,
                        "MediaBox": pydyf.Array([0, 0, round(PAGE_W_PT, 3), round(PAGE_H_PT, 3)]),
                        "Contents": content.reference,
                        "Resources": resources.reference,
                    }
                )
            )
        self._pdfa(pdf, title)
        out = io.BytesIO()
        pdf.write(out, version=b"1.7", identifier=True, compress=True)
        return out.getvalue()

    # -- drawing -------------------------------------------------------------------------------------------

    @staticmethod
    def _rule(content: pydyf.Stream, rule: Rule) -> None:
        content.set_color_rgb(*_rgb(rule.color))
        x, y = rule.x * PT_PER_MM, PAGE_H_PT - (rule.y + rule.height) * PT_PER_MM
        content.rectangle(round(x, 3), round(y, 3), round(rule.width * PT_PER_MM, 3), round(rule.height * PT_PER_MM, 3))
        content.fill()

    @staticmethod
    def _text(content: pydyf.Stream, text: Text, font: str, face: Metrics) -> None:
        glyphs = "".join(f"{face.glyphs.get(ord(c), 0):04x}" for c in text.text)
        content.set_color_rgb(*_rgb(text.color))
        content.begin_text()
        content.set_font_size(font, round(text.size, 3))
        content.stream.append(f"{text.spacing * PT_PER_MM:.4f} Tc".encode())
        x, y = text.x * PT_PER_MM, PAGE_H_PT - text.baseline * PT_PER_MM
        content.set_text_matrix(1, 0, 0, 1, round(x, 3), round(y, 3))
        content.stream.append(f"<{glyphs}> Tj".encode())
        content.end_text()

    # -- fonts ---------------------------------------------------------------------------------------------

    def _font(self, pdf: pydyf.PDF, face: str, chars: set[str]) -> bytes:
        """A Type0 font over a CID font whose glyphs are drawn by id (Identity-H, CIDToGIDMap Identity)."""
        path = self.fonts_dir / FONT_FILES[face]
        info = self.metrics(face)
        data = subset_font(path, chars, retain_gids=True) or path.read_bytes()
        file = pydyf.Stream([data], pydyf.Dictionary({"Subtype": "/OpenType"}), compress=True)
        pdf.add_object(file)
        used = {info.glyphs[ord(c)]: c for c in sorted(chars) if ord(c) in info.glyphs}
        name = f"/{_tag(face)}+{info.name.replace(' ', '')}"
        descriptor = pydyf.Dictionary(
            {
                "Type": "/FontDescriptor",
                "FontName": name,
                "Flags": 4,
                "FontBBox": pydyf.Array(info.bbox),
                "ItalicAngle": 0,
                "Ascent": round(grid.EM_ASCENT * 1000),
                "Descent": round((grid.EM_ASCENT - 1) * 1000),
                "CapHeight": round(grid.EM_ASCENT * 1000),
                "StemV": 80,
                "FontFile3": file.reference,
            }
        )
        pdf.add_object(descriptor)
        widths = pydyf.Array()
        for gid in sorted(used):
            widths.extend([gid, pydyf.Array([round(info.advance(used[gid]) * 1000)])])
        cid_font = pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/CIDFontType0",
                "BaseFont": name,
                "CIDSystemInfo": pydyf.Dictionary(
                    {"Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"), "Supplement": 0}
                ),
                "CIDToGIDMap": "/Identity",
                "DW": 1000,
                "W": widths,
                "FontDescriptor": descriptor.reference,
            }
        )
        pdf.add_object(cid_font)
        to_unicode = pydyf.Stream([_to_unicode(used)], compress=True)
        pdf.add_object(to_unicode)
        font = pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/Type0",
                "BaseFont": name,
                "Encoding": "/Identity-H",
                "DescendantFonts": pydyf.Array([cid_font.reference]),
                "ToUnicode": to_unicode.reference,
            }
        )
        pdf.add_object(font)
        reference: bytes = font.reference
        return reference

    # -- PDF/A-2b ------------------------------------------------------------------------------------------

    @staticmethod
    def _pdfa(pdf: pydyf.PDF, title: str) -> None:
        from PIL import ImageCms  # a WeasyPrint dependency

        profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        icc = pydyf.Stream([profile], pydyf.Dictionary({"N": 3}), compress=True)
        pdf.add_object(icc)
        intent = pydyf.Dictionary(
            {
                "Type": "/OutputIntent",
                "S": "/GTS_PDFA1",
                "OutputConditionIdentifier": pydyf.String("sRGB"),
                "DestOutputProfile": icc.reference,
            }
        )
        pdf.add_object(intent)
        pdf.catalog["OutputIntents"] = pydyf.Array([intent.reference])
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        pdf.info["Title"] = pydyf.String(title)
        pdf.info["Producer"] = pydyf.String(PRODUCER)
        pdf.info["CreationDate"] = pydyf.String(now.strftime("D:%Y%m%d%H%M%SZ"))
        xmp = _xmp(title, now.isoformat().replace("+00:00", "Z"))
        metadata = pydyf.Stream([xmp], pydyf.Dictionary({"Type": "/Metadata", "Subtype": "/XML"}))
        pdf.add_object(metadata)
        pdf.catalog["Metadata"] = metadata.reference


def _tag(face: str) -> str:
    """The six-letter subset tag a subset font's name carries (PDF 9.6.4), distinct per face."""
    digest = hashlib.sha256(face.encode()).digest()
    return "".join(chr(65 + b % 26) for b in digest[:6])


def _to_unicode(used: dict[int, str]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <ffff>",
        "endcodespacerange",
    ]
    items = sorted(used.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar")
        lines += [f"<{gid:04x}> <{char.encode('utf-16-be').hex()}>" for gid, char in batch]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def _xmp(title: str, when: str) -> bytes:
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="2" pdfaid:conformance="B"/>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" pdf:Producer="{PRODUCER}"/>
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreateDate="{when}"/>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>""".encode()
