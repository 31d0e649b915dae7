"""The layout model's pages written straight to PDF (pydyf, fonts subset by HarfBuzz): every glyph where the model
put it, in a few tens of milliseconds, as PDF/A-2b (XMP identification and an sRGB output intent; DOMAIN.md §4.5).
No validator (veraPDF) is packaged here, so conformance is claimed, not proven.

A print run (one copy per 份号, thousands of pages) is written as a stream (:meth:`PdfWriter.stream_all`): each
page leaves as soon as it is drawn, pages whose drawing another page already has share its content, and the fonts,
subset to every character the run used, come last. pydyf holds a whole document until it writes it, so the
stream assembles the file itself from pydyf's objects, keeping only their offsets."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import pydyf

from services.rendering import grid
from services.rendering.fonts import FontSet, metrics, subset_font
from services.rendering.glyphs import GlyphUse, glyph_run, pieces
from services.rendering.model import Layout, Page, Rule, Seal, Text

PT_PER_MM = 1 / grid.MM_PER_PT
PRODUCER = "gongwen"
CHUNK_BYTES = 256 * 1024  # what a print run's stream hands on at a time
SEAL_PX = 480  # the widest a seal's picture is embedded
DEFLATE_LEVEL = 6  # zlib's default (see _deflated)
Add = Callable[[pydyf.Object], object]


@lru_cache(maxsize=64)
def _rgb(color: str) -> str:
    """A colour as PDF operands (``r g b``)."""
    value = color.lstrip("#")
    return " ".join(_num(int(value[i : i + 2], 16) / 255) for i in (0, 2, 4))


def _num(value: float) -> str:
    """A number of a page's drawing (six decimals, as pydyf writes one). The drawing operators are written here as
    text, a line each: through pydyf's operator methods each number went through its type checks."""
    return grid.decimal_text(value, 6)


class PdfWriter:
    """Writes a Layout, each character in its face or that face's fallback; it claims PDF/A only when every
    character has a glyph (see `covers`: a layout with one no face has is refused at 审核 before it gets here)."""

    def __init__(self, fonts_dir: Path) -> None:
        self.fonts_dir = fonts_dir
        self.fonts = FontSet(fonts_dir)

    def covers(self, layout: Layout) -> bool:
        """Every character has a glyph in its face or a fallback face."""
        use = GlyphUse(self.fonts)
        use.add_layout(layout)
        return not use.missing

    def write(self, layout: Layout, title: str) -> bytes:
        return self.write_all([layout], title)

    def write_all(self, layouts: list[Layout], title: str) -> bytes:
        """Several layouts one after another in one PDF, fonts shared, held in memory (one document's pages)."""
        return self.write_pages([page for layout in layouts for page in layout.pages], title)

    def write_pages(self, pages: list[Page], title: str) -> bytes:
        """Pages of any size in one PDF, held in memory."""
        pdf = pydyf.PDF()
        use = GlyphUse(self.fonts)
        use.add(text for page in pages for text in page.texts())
        fonts = {}
        for face in sorted(use.chars):
            font = self._font(pdf.add_object, face, use)
            pdf.add_object(font)
            fonts[face] = font.reference
        resources = pydyf.Dictionary({"Font": pydyf.Dictionary({f"F{i}": ref for i, ref in enumerate(fonts.values())})})
        names = {face: f"F{i}" for i, face in enumerate(fonts)}
        images = _seal_images(pdf.add_object, pages, resources)
        pdf.add_object(resources)
        for page in pages:
            content = self._content(page, names, images)
            pdf.add_object(content)
            pdf.add_page(_page(pdf.pages.reference, content.reference, resources.reference, page.size))
        catalog, info = self._pdfa(pdf.add_object, title, claim=not use.missing)
        pdf.catalog.update(catalog)
        pdf.info.update(info)
        out = io.BytesIO()
        pdf.write(out, version=b"1.7", identifier=True, compress=True)
        return out.getvalue()

    def stream_all(self, layouts: Iterable[Layout], title: str) -> Iterator[bytes]:
        """Several layouts one after another in one PDF, written as they come (a print run: one copy per 份号):
        what is kept meanwhile is an offset per object, a digest per distinct page and the characters used."""
        sink = _Sink()
        yield from sink.header()
        run = _Run(pages_tree=sink.reserve(), resources=sink.reserve(), used=GlyphUse(self.fonts))
        for layout in layouts:
            yield from self._stream_layout(sink, layout, run)
        yield from self._stream_fonts(sink, run.fonts, run.used, run.resources)
        catalog, info = self._pdfa(sink.add, title, claim=not run.used.missing)
        yield from sink.drain()
        tree = pydyf.Dictionary({"Type": "/Pages", "Kids": pydyf.Array(_refs(run.kids)), "Count": len(run.kids)})
        yield from sink.emit(tree, run.pages_tree)
        root = pydyf.Dictionary({"Type": "/Catalog", "Pages": _ref(run.pages_tree), **catalog})
        yield from sink.emit(root)
        info_dict = pydyf.Dictionary(info)
        yield from sink.emit(info_dict)
        yield from sink.trailer(root, info_dict)

    def _stream_layout(self, sink: _Sink, layout: Layout, run: _Run) -> Iterator[bytes]:
        """One copy's pages; a page the copy before had too (the same object) keeps its drawing."""
        for page in layout.pages:  # a page the copy before had too adds no glyph
            if run.before.get(id(page), (None, 0))[0] is not page:
                run.used.add(page.texts())
        for face in run.used.chars:
            if face not in run.fonts:
                run.fonts[face] = sink.reserve()
        names = {face: f"F{number}" for face, number in run.fonts.items()}
        now: dict[int, tuple[Page, int]] = {}
        for page in layout.pages:
            known = run.before.get(id(page))
            content = known[1] if known and known[0] is page else None
            if content is None:
                content = yield from self._stream_content(sink, page, names, run.drawn)
            now[id(page)] = (page, content)
            run.kids.append(sink.reserve())
            yield from sink.emit(
                _page(_ref(run.pages_tree), _ref(content), _ref(run.resources), page.size), run.kids[-1]
            )
        run.before = now

    def _stream_content(
        self, sink: _Sink, page: Page, names: dict[str, str], drawn: dict[bytes, int]
    ) -> Generator[bytes, None, int]:
        """The page drawn and written, unless a page drawn alike was: the number of its content either way."""
        content = self._content(page, names)
        data = content.data
        key = hashlib.sha256(data).digest()
        if key not in drawn:
            drawn[key] = sink.reserve()
            yield from sink.emit(content, drawn[key], data)
        return drawn[key]

    def _stream_fonts(self, sink: _Sink, fonts: dict[str, int], used: GlyphUse, resources: int) -> Iterator[bytes]:
        for face, number in fonts.items():
            font = self._font(sink.add, face, used)
            yield from sink.drain()
            yield from sink.emit(font, number)
        names = pydyf.Dictionary({f"F{number}": _ref(number) for number in fonts.values()})
        yield from sink.emit(pydyf.Dictionary({"Font": names}), resources)

    def _content(self, page: Page, names: dict[str, str], images: dict[bytes, str] | None = None) -> pydyf.Stream:
        content = pydyf.Stream()
        height = page.size[1] * PT_PER_MM
        for rule in page.rules:
            self._rule(content, rule, height)
        for text in page.texts():
            for piece in pieces(self.fonts, text):
                self._text(content, piece, names[piece.face], self.fonts, height)
        for seal in page.seals:
            if seal.image and images:
                _draw_seal(content, seal, images[seal.image], height)
        return _deflated(b"\n".join(content.stream), {})

    # -- drawing -------------------------------------------------------------------------------------------

    @staticmethod
    def _rule(content: pydyf.Stream, rule: Rule, height: float) -> None:
        x, y = rule.x * PT_PER_MM, height - (rule.y + rule.height) * PT_PER_MM
        box = (round(x, 3), round(y, 3), round(rule.width * PT_PER_MM, 3), round(rule.height * PT_PER_MM, 3))
        content.stream.append(f"{_rgb(rule.color)} rg\n{' '.join(map(_num, box))} re\nf".encode())

    @staticmethod
    def _text(content: pydyf.Stream, text: Text, font: str, fonts: FontSet, height: float) -> None:
        glyphs = "".join(f"{glyph.gid:04x}" for glyph in glyph_run(fonts, text.face, text.text))
        x, y = text.x * PT_PER_MM, height - text.baseline * PT_PER_MM
        content.stream.append(
            f"{_rgb(text.color)} rg\nBT\n/{font} {_num(round(text.size, 3))} Tf\n{text.spacing * PT_PER_MM:.4f} Tc\n"
            f"1 0 0 1 {_num(round(x, 3))} {_num(round(y, 3))} Tm\n<{glyphs}> Tj\nET".encode()
        )

    # -- fonts ---------------------------------------------------------------------------------------------

    def _font(self, add: Add, face: str, use: GlyphUse) -> pydyf.Dictionary:
        """A Type0 font over a CID font whose glyphs are drawn by id (Identity-H, CIDToGIDMap Identity): a CFF
        face (Fandol) embedded as OpenType, a TrueType one (the fallback faces) as FontFile2; the objects it
        refers to are given to ``add``, the font itself is the caller's to place."""
        path = self.fonts.path(face)
        info = metrics(path)
        used = use.glyphs.get(face, {})
        data = subset_font(path, use.chars[face], retain_gids=True, gids=used) or path.read_bytes()
        cff = data[:4] == b"OTTO"
        file = _deflated(data, {"Subtype": "/OpenType"} if cff else {})
        add(file)
        name = f"/{use.tag(face)}+{info.name.replace(' ', '')}"
        descriptor = _descriptor(name, info.bbox, "FontFile3" if cff else "FontFile2", file.reference)
        add(descriptor)
        widths = ("[" + " ".join(f"{gid} [{round(used[gid].advance * 1000)}]" for gid in sorted(used)) + "]").encode()
        cid_font = pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/CIDFontType0" if cff else "/CIDFontType2",
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
        add(cid_font)
        to_unicode = _deflated(_to_unicode({gid: g.chars for gid, g in used.items() if g.chars}), {})
        add(to_unicode)
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
        return font

    # -- PDF/A-2b ------------------------------------------------------------------------------------------

    @staticmethod
    def _pdfa(add: Add, title: str, claim: bool = True) -> tuple[dict[str, object], dict[str, object]]:
        """The objects PDF/A-2b asks for, given to ``add``; returns the catalog's and the info's entries. Without
        `claim` (a glyph is missing, which PDF/A forbids) the XMP names no PDF/A part."""
        from PIL import ImageCms  # a WeasyPrint dependency

        profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        icc = _deflated(profile, {"N": 3})
        add(icc)
        intent = pydyf.Dictionary(
            {
                "Type": "/OutputIntent",
                "S": "/GTS_PDFA1",
                "OutputConditionIdentifier": pydyf.String("sRGB"),
                "DestOutputProfile": icc.reference,
            }
        )
        add(intent)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        xmp = _xmp(title, now.isoformat().replace("+00:00", "Z"), claim)
        metadata = pydyf.Stream([xmp], pydyf.Dictionary({"Type": "/Metadata", "Subtype": "/XML"}))
        add(metadata)
        catalog = {"OutputIntents": pydyf.Array([intent.reference]), "Metadata": metadata.reference}
        info = {
            "Title": pydyf.String(title),
            "Producer": pydyf.String(PRODUCER),
            "CreationDate": pydyf.String(now.strftime("D:%Y%m%d%H%M%SZ")),
        }
        return catalog, info


def _deflated(data: bytes, extra: dict[str, object]) -> pydyf.Stream:
    """A stream compressed once, here: pydyf compresses a stream each time its data is asked for, and a file with
    an identifier asks twice (the fonts' half of a document PDF's CPU, twice over). At zlib's default level, not
    pydyf's 9: a font subset comes out 0.2–0.3 % larger for 35–45 % less CPU."""
    return pydyf.Stream([zlib.compress(data, DEFLATE_LEVEL)], pydyf.Dictionary({**extra, "Filter": "/FlateDecode"}))


def _seal_images(add: Add, pages: list[Page], resources: pydyf.Dictionary) -> dict[bytes, str]:
    """Each distinct seal picture pressed on the pages (用印) as an image XObject, named in the shared resources;
    picture → its name."""
    names: dict[bytes, str] = {}
    objects = pydyf.Dictionary()
    for seal in (s for page in pages for s in page.seals):
        if seal.image and seal.image not in names:
            names[seal.image] = f"Seal{len(names)}"
            objects[names[seal.image]] = _image(add, seal.image)
    if names:
        resources["XObject"] = objects
    return names


def _image(add: Add, png: bytes) -> bytes:
    """A PNG as an RGB image with its alpha as a soft mask (PDF/A-2 allows one); the reference to it."""
    from PIL import Image  # a WeasyPrint dependency

    with Image.open(io.BytesIO(png)) as picture:
        rgba = picture.convert("RGBA")
    if rgba.width > SEAL_PX:  # 42 mm at ≈ 290 dpi is as sharp as a printer shows it
        rgba = rgba.resize((SEAL_PX, round(rgba.height * SEAL_PX / rgba.width)), Image.Resampling.LANCZOS)
    common = {
        "Type": "/XObject", "Subtype": "/Image", "Width": rgba.width, "Height": rgba.height, "BitsPerComponent": 8,
        "Filter": "/FlateDecode",  # compressed here, fast (level 1): pydyf compresses at level 9, seconds on pixels
    }  # fmt: skip
    alpha = zlib.compress(rgba.getchannel("A").tobytes(), 1)
    mask = pydyf.Stream([alpha], pydyf.Dictionary({**common, "ColorSpace": "/DeviceGray"}))
    add(mask)
    extra = pydyf.Dictionary({**common, "ColorSpace": "/DeviceRGB", "SMask": mask.reference})
    image = pydyf.Stream([zlib.compress(rgba.convert("RGB").tobytes(), 1)], extra)
    add(image)
    reference: bytes = image.reference
    return reference


def _draw_seal(content: pydyf.Stream, seal: Seal, name: str, height: float) -> None:
    """The seal's picture over its place: the box's size, its lower-left corner (PDF's y axis points up)."""
    x, y = (seal.cx - seal.width / 2) * PT_PER_MM, height - (seal.cy + seal.height / 2) * PT_PER_MM
    content.push_state()
    content.set_matrix(
        round(seal.width * PT_PER_MM, 3), 0, 0, round(seal.height * PT_PER_MM, 3), round(x, 3), round(y, 3)
    )
    content.draw_x_object(name)
    content.pop_state()


def _page(parent: bytes, contents: bytes, resources: bytes, size: tuple[float, float]) -> pydyf.Dictionary:
    return pydyf.Dictionary(
        {
            "Type": "/Page",
            "Parent": parent,
            "MediaBox": pydyf.Array([0, 0, round(size[0] * PT_PER_MM, 3), round(size[1] * PT_PER_MM, 3)]),
            "Contents": contents,
            "Resources": resources,
        }
    )


def _ref(number: int) -> bytes:
    return f"{number} 0 R".encode()


def _refs(numbers: list[int]) -> list[bytes]:
    return [_ref(n) for n in numbers]


@dataclass
class _Run:
    """What a streamed print run remembers between its copies."""

    pages_tree: int
    resources: int
    used: GlyphUse  # the characters and glyphs drawn in each face
    fonts: dict[str, int] = field(default_factory=dict)  # face → the number its font will be written under
    drawn: dict[bytes, int] = field(default_factory=dict)  # a page's drawing → its content object
    kids: list[int] = field(default_factory=list)  # every page, in order
    before: dict[int, tuple[Page, int]] = field(default_factory=dict)  # the last copy's pages and their content


class _Sink:
    """A PDF file assembled object by object: each object's bytes are handed on as soon as it is written (in
    chunks of about CHUNK_BYTES); what stays is its offset, for the cross-reference table at the end."""

    def __init__(self) -> None:
        self.offsets: list[int | None] = [None]  # object 0 is the free list's head
        self.position = 0
        self.buffer = bytearray()
        self.pending: list[pydyf.Object] = []  # objects given by ``add``, written at the next drain
        self.digest = hashlib.md5(usedforsecurity=False)

    def reserve(self) -> int:
        """A number for an object written later (something written earlier may already refer to it)."""
        self.offsets.append(None)
        return len(self.offsets) - 1

    def add(self, obj: pydyf.Object) -> None:
        obj.number = self.reserve()
        self.pending.append(obj)

    def header(self) -> Iterator[bytes]:
        self._write(b"%PDF-1.7\n%\xf0\x9f\x96\xa4\n")
        return self._flush(force=False)

    def emit(self, obj: pydyf.Object, number: int | None = None, data: bytes | None = None) -> Iterator[bytes]:
        obj.number = number if number is not None else self.reserve()
        self.offsets[obj.number] = self.position
        body = obj.data if data is None else data
        self.digest.update(body)
        self._write(f"{obj.number} 0 obj\n".encode() + body + b"\nendobj\n")
        return self._flush(force=False)

    def drain(self) -> Iterator[bytes]:
        """Write what ``add`` was given."""
        pending, self.pending = self.pending, []
        for obj in pending:
            yield from self.emit(obj, obj.number)

    def trailer(self, root: pydyf.Dictionary, info: pydyf.Dictionary) -> Iterator[bytes]:
        """The cross-reference table (20 bytes an object, handed on as it is written) and the trailer."""
        missing = [n for n, offset in enumerate(self.offsets) if offset is None and n]
        assert not missing, f"objects reserved but never written: {missing}"
        xref = self.position
        self._write(f"xref\n0 {len(self.offsets)}\n0000000000 65535 f \n".encode())
        for offset in self.offsets[1:]:
            self._write(f"{offset:010} 00000 n \n".encode())
            yield from self._flush(force=False)
        identifier = pydyf.String(self.digest.hexdigest().encode()).data  # PDF/A asks for an ID
        trailer = pydyf.Dictionary(
            {
                "Size": len(self.offsets),
                "Root": root.reference,
                "Info": info.reference,
                "ID": pydyf.Array([identifier, identifier]),
            }
        )
        self._write(b"trailer\n" + trailer.data + f"\nstartxref\n{xref}\n%%EOF\n".encode())
        yield from self._flush(force=True)

    def _write(self, data: bytes) -> None:
        self.buffer += data
        self.position += len(data)

    def _flush(self, force: bool) -> Iterator[bytes]:
        if self.buffer and (force or len(self.buffer) >= CHUNK_BYTES):
            chunk, self.buffer = bytes(self.buffer), bytearray()
            yield chunk


def _descriptor(name: str, bbox: tuple[int, ...], file_key: str, file: pydyf.Object) -> pydyf.Dictionary:
    """A CID font's descriptor: the face's box, the grid's ascent (GB/T 9704 character cell) and its embedded file."""
    return pydyf.Dictionary(
        {
            "Type": "/FontDescriptor",
            "FontName": name,
            "Flags": 4,
            "FontBBox": pydyf.Array(bbox),
            "ItalicAngle": 0,
            "Ascent": round(grid.EM_ASCENT * 1000),
            "Descent": round((grid.EM_ASCENT - 1) * 1000),
            "CapHeight": round(grid.EM_ASCENT * 1000),
            "StemV": 80,
            file_key: file,
        }
    )


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


def _xmp(title: str, when: str, claim: bool = True) -> bytes:
    pdfa = 'pdfaid:part="2" pdfaid:conformance="B"' if claim else ""
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" {pdfa}/>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" pdf:Producer="{PRODUCER}"/>
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreateDate="{when}"/>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>""".encode()
