"""The free GB/T 9704 fonts (Fandol 仿宋/宋/黑/楷; `scripts/install-fonts.sh` puts them in place): where they are,
how wide each character is, and subsets of them embedded in HTML so any browser shows what the PDF shows.

A character a Fandol face lacks is drawn by a fallback face, the same in the layout, the PDF, the OFD and the
browser: traditional Mongolian by Noto Sans Mongolian (fonts-noto-core; shaped by HarfBuzz, so each letter takes
its initial, medial or final form), rare Han by HanaMinA and Ext-B Han (e.g. 𪚥) by HanaMinB (fonts-hanazono, a
明朝/宋 face). A character no face has is `FontSet.missing`: such a document is refused at 审核, never printed."""

from __future__ import annotations

import base64
import ctypes
import os
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path


class Face(StrEnum):
    """The faces GB/T 9704 asks for, as CSS font families. 小标宋 has no free font: FandolSong Bold is the nearest."""

    fang = "GWFang"  # 仿宋: body
    song = "GWSong"  # 宋体: page numbers
    xbs = "GWSongBold"  # 小标宋: 发文机关标志, 标题
    hei = "GWHei"  # 黑体: 一、 headings, 密级, 紧急程度, 附件 label
    kai = "GWKai"  # 楷体: （一） headings, 签发人 names
    mong = "GWMong"  # 蒙古文 (traditional Mongolian): the 发文机关标志's second line in Inner Mongolia
    hana = "GWHanA"  # rare Han (BMP, Ext-A) a Fandol face lacks, in a 宋-like face
    hanb = "GWHanB"  # Ext-B and later Han (𪚥), in a 宋-like face


FONT_FILES = {
    Face.fang.value: "FandolFang-Regular.otf",
    Face.song.value: "FandolSong-Regular.otf",
    Face.xbs.value: "FandolSong-Bold.otf",
    Face.hei.value: "FandolHei-Regular.otf",
    Face.kai.value: "FandolKai-Regular.otf",
}

# The fallback faces, in the order a missing character is looked up; Debian's packages put them in these folders
# (or copy them into the fonts folder).
FALLBACK_FILES = {
    Face.mong.value: "NotoSansMongolian-Regular.ttf",
    Face.hana.value: "HanaMinA.ttf",
    Face.hanb.value: "HanaMinB.ttf",
}
FALLBACK_DIRS = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/truetype/hanazono")
SHAPED = frozenset({Face.mong.value})  # faces whose glyphs depend on their neighbours (HarfBuzz shapes them)
ALL_FACES = (*FONT_FILES, *FALLBACK_FILES)

# What a browser and WeasyPrint take as ascent and descent (FandolSong Regular declares 0.8/0.2, the others
# 0.88/0.12); pinned in @font-face so every browser puts the baseline where the layout model does.
CSS_METRICS = {Face.song.value: (0.80, 0.20)}
DEFAULT_METRICS = (0.88, 0.12)

CANDIDATES = (
    "~/.local/share/fonts/gongwen",
    "/usr/local/share/fonts/gongwen",
    "/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol",
)


def find_fonts_dir(configured: Path | None = None) -> Path | None:
    """The first folder holding every Fandol face, or None (rendering then falls back to system fonts)."""
    places = [configured] if configured else []
    env = os.environ.get("GONGWEN_FONTS_DIR")
    places += [Path(env)] if env else []
    places += [Path(p).expanduser() for p in CANDIDATES]
    for place in places:
        if place and all((place / name).is_file() for name in FONT_FILES.values()):
            return place
    return None


@lru_cache(maxsize=64)
def font_file(fonts_dir: Path | None, face: str) -> Path | None:
    """The file of a face: a Fandol face in the fonts folder, a fallback face there or where Debian puts it."""
    if fonts_dir is None:
        return None
    if face in FONT_FILES:
        return fonts_dir / FONT_FILES[face]
    name = FALLBACK_FILES[face]
    for place in (fonts_dir, *(Path(p) for p in FALLBACK_DIRS)):
        if (place / name).is_file():
            return place / name
    return None


def css_ascent(face: str) -> float:
    return CSS_METRICS.get(face, DEFAULT_METRICS)[0]


def _face_rule(family: str, src: str, pinned: bool = False) -> str:
    """An @font-face rule; `pinned` adds the metric overrides browsers honour (WeasyPrint reads the same
    metrics from the files and would only warn about the descriptors)."""
    if not pinned:
        return f'@font-face {{ font-family: "{family}"; src: {src}; }}'
    ascent, descent = CSS_METRICS.get(family, DEFAULT_METRICS)
    return (
        f'@font-face {{ font-family: "{family}"; src: {src}; ascent-override: {ascent:.0%}; '
        f"descent-override: {descent:.0%}; line-gap-override: 0%; }}"
    )


def font_face_css(fonts_dir: Path | None) -> str:
    """@font-face rules pointing at the font files (for WeasyPrint on this machine)."""
    if fonts_dir is None:
        return ""
    files = ((face, font_file(fonts_dir, face)) for face in ALL_FACES)
    return "\n".join(_face_rule(family, f'url("{path.as_uri()}")') for family, path in files if path is not None)


def embedded_font_css(fonts_dir: Path | None, used: dict[str, set[str]]) -> str:
    """@font-face rules with each face cut down to the characters it shows, as data URLs (for any browser)."""
    if fonts_dir is None:
        return ""
    rules = []
    for family, chars in sorted(used.items()):
        path = font_file(fonts_dir, family)
        if path is None:
            continue
        data = subset_font(path, chars)
        if data is None:
            rules.append(_face_rule(family, f'url("{path.as_uri()}")', pinned=True))
            continue
        encoded = base64.b64encode(data).decode("ascii")
        rules.append(_face_rule(family, f'url("data:font/otf;base64,{encoded}") format("opentype")', pinned=True))
    return "\n".join(rules)


PRINTABLE = ("全部字符均可印制（已安装的字库中都有字形）", "every character has a glyph in an installed font")


def unprintable_message(chars: list[str]) -> tuple[str, str]:
    """What a clerk is told of characters no installed font has: each named by its code point and itself."""
    named = "、".join(f"U+{ord(c):04X}“{c}”" for c in chars[:10])
    more = f"等{len(chars)}个字符" if len(chars) > 10 else ""
    zh = f"文中{named}{more}在已安装的字库中没有字形，无法印制；请改用规范汉字或请管理员安装含该字的字库"
    en = f"no installed font has {', '.join(f'U+{ord(c):04X} {c}' for c in chars[:10])}: it cannot be printed"
    return zh, en


# -- metrics -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    """Advance widths in em of one face (from its hmtx table), its glyph ids, and its bounding box."""

    advances: dict[int, float]
    glyphs: dict[int, int]  # code point → glyph id
    bbox: tuple[int, int, int, int]  # in 1/1000 em
    name: str

    def advance(self, char: str) -> float:
        found = self.advances.get(ord(char))
        if found is not None:
            return found
        return 1.0 if unicodedata.east_asian_width(char) in "WF" else 0.5


@lru_cache(maxsize=16)
def metrics(path: Path) -> Metrics:
    from fontTools.ttLib import TTFont  # a WeasyPrint dependency

    font = TTFont(str(path), lazy=True)
    head = font["head"]
    units = head.unitsPerEm
    hmtx = font["hmtx"]
    cmap = font.getBestCmap()
    advances = {code: hmtx[glyph][0] / units for code, glyph in cmap.items()}
    order = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    glyphs = {code: order[glyph] for code, glyph in cmap.items()}
    scale = 1000 / units
    bbox = (round(head.xMin * scale), round(head.yMin * scale), round(head.xMax * scale), round(head.yMax * scale))
    name = str(font["name"].getDebugName(6) or path.stem)
    font.close()
    return Metrics(advances, glyphs, bbox, name)


@lru_cache(maxsize=1 << 16)
def _face_for(fonts_dir: str, face: str, char: str) -> str | None:
    """FontSet.face_for, kept per character: asked for every character drawn, measured or checked (a document's
    印制 asks tens of thousands of times), and the faces do not change while a process runs. The folder is
    given as text: a path object is hashed and compared in Python at every lookup."""
    own = font_file(Path(fonts_dir), face)
    if own is not None and ord(char) in metrics(own).glyphs:
        return face
    for fallback in FALLBACK_FILES:
        path = font_file(Path(fonts_dir), fallback)
        if path is not None and ord(char) in metrics(path).glyphs:
            return fallback
    return None


@lru_cache(maxsize=64)
def _face_metrics(fonts_dir: str, face: str) -> Metrics:
    found = font_file(Path(fonts_dir), face)
    assert found is not None, f"no font file for {face}"
    return metrics(found)


@lru_cache(maxsize=64)
def _own_glyphs(fonts_dir: str, face: str) -> frozenset[int] | None:
    own = font_file(Path(fonts_dir), face)
    return frozenset(metrics(own).glyphs) if own is not None else None


@lru_cache(maxsize=8)
def _in_every_face(fonts_dir: str) -> frozenset[int]:
    """The code points each of the five faces has itself (a character outside is looked up in the fallbacks)."""
    if not all((Path(fonts_dir) / name).is_file() for name in FONT_FILES.values()):
        return frozenset()
    return frozenset.intersection(*(_own_glyphs(fonts_dir, face) or frozenset() for face in FONT_FILES))


class FontSet:
    """The five faces of one fonts folder and the fallback faces, with their metrics (loaded once per process)."""

    def __init__(self, fonts_dir: Path | None) -> None:
        self.dir = fonts_dir
        self._key = str(fonts_dir)

    def face_for(self, face: str, char: str) -> str | None:
        """The face that draws `char` in text set in `face`: the face itself, else the first fallback face that
        has it; None when no installed face has it (a space is any face's)."""
        if self.dir is None or char.isspace():
            return face
        return _face_for(self._key, face, char)

    def path(self, face: str) -> Path:
        found = font_file(self.dir, face)
        assert found is not None, f"no font file for {face}"
        return found

    def advance(self, face: str, char: str) -> float:
        if self.dir is None:
            return 1.0 if unicodedata.east_asian_width(char) in "WF" else 0.5
        drawn = self.face_for(face, char) or face
        return _face_metrics(self._key, drawn).advance(char)

    def pieces(self, face: str, text: str) -> list[tuple[str, str]]:
        """`text` cut where the face drawing it changes: (piece, face) in order; spaces go with the piece they
        are in, so a Mongolian phrase is one piece."""
        if self._draws_all(face, text):  # nearly every line of a document: its face has every character
            return [(text, face)] if text else []
        out: list[tuple[str, str]] = []
        for char in text:
            drawn = face if char.isspace() and out else (self.face_for(face, char) or face)
            if out and (out[-1][1] == drawn or char.isspace()):
                out[-1] = (out[-1][0] + char, out[-1][1])
            else:
                out.append((char, drawn))
        return out

    def _draws_all(self, face: str, text: str) -> bool:
        if self.dir is None:
            return True
        own = _own_glyphs(self._key, face)
        return own is not None and all(ord(c) in own or c.isspace() for c in text)

    def width(self, face: str, text: str) -> float:
        """Natural width of `text` in em (a shaped face's as HarfBuzz sets it)."""
        total = 0.0
        for piece, drawn in self.pieces(face, text):
            if drawn in SHAPED and self.dir is not None:
                total += sum(advance for _, _, advance in shape(self.path(drawn), piece))
            else:
                total += sum(self.advance(drawn, c) for c in piece)
        return total

    def advances(self, face: str, text: str) -> list[float]:
        """Each character's advance in em as drawn: in a shaped face (Mongolian) each cluster's shaped advance,
        on the cluster's last character (0 on the others), so a line measured character by character is as
        wide as the joined word."""
        out: list[float] = []
        for piece, drawn in self.pieces(face, text):
            if drawn not in SHAPED or self.dir is None:
                out += [self.advance(drawn, c) for c in piece]
                continue
            shaped = shape(self.path(drawn), piece)
            starts = sorted({cluster for _, cluster, _ in shaped})
            last = {start: end - 1 for start, end in zip(starts, [*starts[1:], len(piece)], strict=True)}
            each = [0.0] * len(piece)
            for _, cluster, advance in shaped:
                each[last[cluster]] += advance
            out += each
        return out

    def missing(self, text: str) -> list[str]:
        """The characters of `text` no installed face can draw, each once, in order (all of them printable when
        the fonts folder is unknown: nothing is drawn from these faces then)."""
        found: list[str] = []
        if self.dir is None:
            return found
        common = _in_every_face(self._key)
        for char in dict.fromkeys(text):  # each distinct character once: a long body repeats most of them
            if ord(char) in common or char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
                continue
            if any(self.face_for(face, char) is None for face in FONT_FILES):
                found.append(char)
        return found


# -- subsetting through HarfBuzz (libharfbuzz-subset0, installed for WeasyPrint) -------------------------------

_HB_LOCK = threading.Lock()
HB_SUBSET_FLAGS_RETAIN_GIDS = 0x2


class _GlyphInfo(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in ("codepoint", "mask", "cluster", "var1", "var2")]


class _GlyphPosition(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int32) for n in ("x_advance", "y_advance", "x_offset", "y_offset", "var")]


class _HarfBuzz:
    def __init__(self) -> None:
        void = ctypes.c_void_p
        self.hb = ctypes.CDLL("libharfbuzz.so.0")
        self.sub = ctypes.CDLL("libharfbuzz-subset.so.0")
        signatures: list[tuple[ctypes.CDLL, str, type | None, list[type]]] = [
            (self.hb, "hb_blob_create_from_file", void, [ctypes.c_char_p]),
            (self.hb, "hb_face_create", void, [void, ctypes.c_uint]),
            (self.hb, "hb_set_add", None, [void, ctypes.c_uint32]),
            (self.hb, "hb_face_reference_blob", void, [void]),
            (self.hb, "hb_blob_get_data", ctypes.POINTER(ctypes.c_char), [void, ctypes.POINTER(ctypes.c_uint)]),
            (self.hb, "hb_blob_destroy", None, [void]),
            (self.hb, "hb_face_destroy", None, [void]),
            (self.sub, "hb_subset_input_create_or_fail", void, []),
            (self.sub, "hb_subset_input_unicode_set", void, [void]),
            (self.sub, "hb_subset_or_fail", void, [void, void]),
            (self.sub, "hb_subset_input_destroy", None, [void]),
            (self.sub, "hb_subset_input_set_flags", None, [void, ctypes.c_uint]),
            (self.sub, "hb_subset_input_glyph_set", void, [void]),
            (self.hb, "hb_face_get_upem", ctypes.c_uint, [void]),
            (self.hb, "hb_font_create", void, [void]),
            (self.hb, "hb_font_set_scale", None, [void, ctypes.c_int, ctypes.c_int]),
            (self.hb, "hb_font_destroy", None, [void]),
            (self.hb, "hb_buffer_create", void, []),
            (self.hb, "hb_buffer_destroy", None, [void]),
            (
                self.hb,
                "hb_buffer_add_utf32",
                None,
                [void, ctypes.POINTER(ctypes.c_uint32), ctypes.c_int, ctypes.c_uint, ctypes.c_int],
            ),
            (self.hb, "hb_buffer_guess_segment_properties", None, [void]),
            (self.hb, "hb_shape", None, [void, void, void, ctypes.c_uint]),
            (self.hb, "hb_buffer_get_glyph_infos", ctypes.POINTER(_GlyphInfo), [void, ctypes.POINTER(ctypes.c_uint)]),
            (
                self.hb,
                "hb_buffer_get_glyph_positions",
                ctypes.POINTER(_GlyphPosition),
                [void, ctypes.POINTER(ctypes.c_uint)],
            ),
        ]
        for lib, name, restype, argtypes in signatures:
            function = getattr(lib, name)
            function.restype = restype
            function.argtypes = argtypes
        self.faces: dict[Path, int] = {}

    def face(self, path: Path) -> int:
        if path not in self.faces:
            blob = self.hb.hb_blob_create_from_file(str(path).encode())
            self.faces[path] = self.hb.hb_face_create(blob, 0)
        return self.faces[path]

    def shape(self, path: Path, text: str) -> list[tuple[int, int, float]]:
        """(glyph id, index of the first character of its cluster, advance in em) of each glyph, in order."""
        face = self.face(path)
        upem = self.hb.hb_face_get_upem(face)
        font = self.hb.hb_font_create(face)
        self.hb.hb_font_set_scale(font, upem, upem)
        buffer = self.hb.hb_buffer_create()
        try:
            codes = (ctypes.c_uint32 * len(text))(*(ord(c) for c in text))
            self.hb.hb_buffer_add_utf32(buffer, codes, len(text), 0, len(text))
            self.hb.hb_buffer_guess_segment_properties(buffer)
            self.hb.hb_shape(font, buffer, None, 0)
            count = ctypes.c_uint()
            infos = self.hb.hb_buffer_get_glyph_infos(buffer, ctypes.byref(count))
            positions = self.hb.hb_buffer_get_glyph_positions(buffer, ctypes.byref(count))
            return [(infos[i].codepoint, infos[i].cluster, positions[i].x_advance / upem) for i in range(count.value)]
        finally:
            self.hb.hb_buffer_destroy(buffer)
            self.hb.hb_font_destroy(font)

    def subset(self, path: Path, chars: Iterable[str], retain_gids: bool, gids: Iterable[int] = ()) -> bytes | None:
        wanted = self.sub.hb_subset_input_create_or_fail()
        if not wanted:
            return None
        try:
            if retain_gids:
                self.sub.hb_subset_input_set_flags(wanted, HB_SUBSET_FLAGS_RETAIN_GIDS)
            glyph_set = self.sub.hb_subset_input_glyph_set(wanted)
            for gid in gids:
                self.hb.hb_set_add(glyph_set, gid)
            codes = self.sub.hb_subset_input_unicode_set(wanted)
            for char in chars:
                self.hb.hb_set_add(codes, ord(char))
            result = self.sub.hb_subset_or_fail(self.face(path), wanted)
            if not result:
                return None
            blob = self.hb.hb_face_reference_blob(result)
            length = ctypes.c_uint()
            data = self.hb.hb_blob_get_data(blob, ctypes.byref(length))
            out = ctypes.string_at(data, length.value)
            self.hb.hb_blob_destroy(blob)
            self.hb.hb_face_destroy(result)
            return out
        finally:
            self.sub.hb_subset_input_destroy(wanted)


_harfbuzz: _HarfBuzz | None = None


def _loaded() -> _HarfBuzz | None:
    global _harfbuzz
    if _harfbuzz is None:
        try:
            _harfbuzz = _HarfBuzz()
        except OSError:
            return None
    return _harfbuzz


def subset_font(path: Path, chars: Iterable[str], retain_gids: bool = False, gids: Iterable[int] = ()) -> bytes | None:
    """The font cut down to `chars` and the glyphs `gids` (≈10 ms for a 13-page document), or None when HarfBuzz
    is missing; with `retain_gids` every kept glyph keeps its id (for a PDF or an OFD that draws glyphs by id)."""
    return _subset(path, frozenset(chars), retain_gids, frozenset(gids))


@lru_cache(maxsize=16)
def _subset(path: Path, chars: frozenset[str], retain_gids: bool, gids: frozenset[int]) -> bytes | None:
    """The last few subsets kept: a document's PDF and OFD (and a sheet read again) cut the same faces alike."""
    with _HB_LOCK:
        harfbuzz = _loaded()
        return None if harfbuzz is None else harfbuzz.subset(path, chars, retain_gids, gids)


@lru_cache(maxsize=1024)
def shape(path: Path, text: str) -> tuple[tuple[int, int, float], ...]:
    """`text` shaped by HarfBuzz in the font at `path` (direction and script guessed: Mongolian is set left to
    right, its letters joined): (glyph id, first character's index, advance in em) per glyph. Without HarfBuzz,
    each character's nominal glyph."""
    with _HB_LOCK:
        harfbuzz = _loaded()
        if harfbuzz is not None:
            return tuple(harfbuzz.shape(path, text))
    found = metrics(path)
    return tuple((found.glyphs.get(ord(c), 0), i, found.advance(c)) for i, c in enumerate(text))
