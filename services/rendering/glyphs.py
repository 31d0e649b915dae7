"""What the PDF and OFD writers draw of a text: the text cut where the face drawing it changes (a Fandol face, or the
fallback face of a character it lacks), each piece as glyph ids — looked up one per character, or, for a shaped
face (traditional Mongolian), as HarfBuzz joins them — and, over a document, every glyph each face draws, which
its embedded subset keeps (under their own ids) and its subset tag is derived from."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from services.rendering import grid
from services.rendering.fonts import SHAPED, FontSet, metrics, shape
from services.rendering.model import Layout, Text


@dataclass(frozen=True)
class Drawn:
    """One glyph as drawn: its id (0 when no face has the character), the characters it stands for (its
    cluster's, on its first glyph; '' on the others) and its advance in em."""

    gid: int
    chars: str
    advance: float


def pieces(fonts: FontSet, text: Text) -> list[Text]:
    """`text` as the pieces each face draws, each moved right by what comes before it."""
    parts = fonts.pieces(text.face, text.text)
    if len(parts) == 1:
        return [text if parts[0][1] == text.face else _with(text, text.text, parts[0][1], text.x, text.width)]
    out = []
    x = text.x
    size = grid.em(text.size)
    for part, face in parts:
        width = fonts.width(face, part) * size + text.spacing * max(len(part) - 1, 0)
        out.append(_with(text, part, face, x, width))
        x += width + text.spacing
    return out


def glyph_run(fonts: FontSet, face: str, text: str) -> list[Drawn]:
    """The glyphs drawing `text` in `face` (a face that draws every character of it)."""
    path = fonts.path(face)
    if face in SHAPED:
        shaped = shape(path, text)
        starts = {cluster for _, cluster, _ in shaped}
        bounds = [*sorted(starts), len(text)]
        ends = {start: bounds[i + 1] for i, start in enumerate(bounds[:-1])}
        seen: set[int] = set()
        out = []
        for gid, cluster, advance in shaped:
            chars = "" if cluster in seen else text[cluster : ends[cluster]]
            seen.add(cluster)
            out.append(Drawn(gid, chars, advance))
        return out
    drawn = str(path)
    return [_drawn(drawn, c) for c in text]


@lru_cache(maxsize=1 << 16)
def _drawn(path: str, char: str) -> Drawn:
    """One character's glyph in the face of this file (kept: a document draws each of its characters many times,
    and its writers look the same ones up again)."""
    found = metrics(Path(path))
    return Drawn(found.glyphs.get(ord(char), 0), char, found.advance(char))


@dataclass
class GlyphUse:
    """Every character and glyph each face draws over one or more layouts."""

    fonts: FontSet
    chars: dict[str, set[str]] = field(default_factory=dict)
    glyphs: dict[str, dict[int, Drawn]] = field(default_factory=dict)  # face → glyph id → the glyph
    missing: list[str] = field(default_factory=list)  # characters drawn as glyph 0: no face has them

    def add_layout(self, layout: Layout) -> None:
        for page in layout.pages:
            self.add(page.texts())

    def add(self, texts: Iterable[Text]) -> None:
        for text in texts:
            for piece in pieces(self.fonts, text):
                self.chars.setdefault(piece.face, set()).update(piece.text)
                known = self.glyphs.setdefault(piece.face, {})
                for glyph in glyph_run(self.fonts, piece.face, piece.text):
                    if glyph.gid == 0:
                        self.missing += [c for c in glyph.chars if not c.isspace() and c not in self.missing]
                    elif glyph.gid not in known or (glyph.chars and not known[glyph.gid].chars):
                        known[glyph.gid] = glyph  # the characters a glyph stands for, once seen (ToUnicode)

    def tag(self, face: str) -> str:
        """The six uppercase letters a subset font's name starts with (PDF 32000-1 §9.6.4), drawn from a digest
        of the face and the glyphs kept: two documents drawing different glyphs carry different tags."""
        digest = hashlib.sha256(face.encode())
        digest.update(",".join(str(gid) for gid in sorted(self.glyphs.get(face, {}))).encode())
        return "".join(chr(65 + b % 26) for b in digest.digest()[:6])


def _with(text: Text, part: str, face: str, x: float, width: float) -> Text:
    return Text(x, text.baseline, part, face, text.size, text.spacing, text.color, text.role, width, text.em_top)
