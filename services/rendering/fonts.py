"""The free GB/T 9704 fonts (Fandol 仿宋/宋/黑/楷; `scripts/install-fonts.sh` puts them in place): where they are,
how wide each character is, and subsets of them embedded in HTML so any browser shows what the PDF shows."""

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


FONT_FILES = {
    Face.fang.value: "FandolFang-Regular.otf",
    Face.song.value: "FandolSong-Regular.otf",
    Face.xbs.value: "FandolSong-Bold.otf",
    Face.hei.value: "FandolHei-Regular.otf",
    Face.kai.value: "FandolKai-Regular.otf",
}

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
    return "\n".join(_face_rule(family, f'url("{(fonts_dir / file).as_uri()}")') for family, file in FONT_FILES.items())


def embedded_font_css(fonts_dir: Path | None, used: dict[str, set[str]]) -> str:
    """@font-face rules with each face cut down to the characters it shows, as data URLs (for any browser)."""
    if fonts_dir is None:
        return ""
    rules = []
    for family, chars in sorted(used.items()):
        data = subset_font(fonts_dir / FONT_FILES[family], chars)
        if data is None:
            rules.append(_face_rule(family, f'url("{(fonts_dir / FONT_FILES[family]).as_uri()}")', pinned=True))
            continue
        encoded = base64.b64encode(data).decode("ascii")
        rules.append(_face_rule(family, f'url("data:font/otf;base64,{encoded}") format("opentype")', pinned=True))
    return "\n".join(rules)


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
def metrics(font_file: Path) -> Metrics:
    from fontTools.ttLib import TTFont  # a WeasyPrint dependency

    font = TTFont(str(font_file), lazy=True)
    head = font["head"]
    units = head.unitsPerEm
    hmtx = font["hmtx"]
    cmap = font.getBestCmap()
    advances = {code: hmtx[glyph][0] / units for code, glyph in cmap.items()}
    order = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    glyphs = {code: order[glyph] for code, glyph in cmap.items()}
    scale = 1000 / units
    bbox = (round(head.xMin * scale), round(head.yMin * scale), round(head.xMax * scale), round(head.yMax * scale))
    name = str(font["name"].getDebugName(6) or font_file.stem)
    font.close()
    return Metrics(advances, glyphs, bbox, name)


class FontSet:
    """The five faces of one fonts folder, with their metrics (loaded once per process)."""

    def __init__(self, fonts_dir: Path | None) -> None:
        self.dir = fonts_dir

    def advance(self, face: str, char: str) -> float:
        if self.dir is None:
            return 1.0 if unicodedata.east_asian_width(char) in "WF" else 0.5
        return metrics(self.dir / FONT_FILES[face]).advance(char)

    def width(self, face: str, text: str) -> float:
        """Natural width of `text` in em."""
        return sum(self.advance(face, c) for c in text)


# -- subsetting through HarfBuzz (libharfbuzz-subset0, installed for WeasyPrint) -------------------------------

_HB_LOCK = threading.Lock()
HB_SUBSET_FLAGS_RETAIN_GIDS = 0x2


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

    def subset(self, path: Path, chars: Iterable[str], retain_gids: bool) -> bytes | None:
        wanted = self.sub.hb_subset_input_create_or_fail()
        if not wanted:
            return None
        try:
            if retain_gids:
                self.sub.hb_subset_input_set_flags(wanted, HB_SUBSET_FLAGS_RETAIN_GIDS)
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


def subset_font(path: Path, chars: Iterable[str], retain_gids: bool = False) -> bytes | None:
    """The font cut down to `chars` (≈10 ms for a 13-page document), or None when HarfBuzz is missing; with
    `retain_gids` every kept glyph keeps its id (for a PDF that draws glyphs by id)."""
    global _harfbuzz
    with _HB_LOCK:
        if _harfbuzz is None:
            try:
                _harfbuzz = _HarfBuzz()
            except OSError:
                return None
        return _harfbuzz.subset(path, chars, retain_gids)
