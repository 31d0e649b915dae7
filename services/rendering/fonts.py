"""Where the free GB/T 9704 fonts (Fandol 仿宋/宋/黑/楷) are; `scripts/install-fonts.sh` puts them there."""

from __future__ import annotations

import os
from pathlib import Path

FONT_FILES = {
    "GWFang": "FandolFang-Regular.otf",
    "GWSong": "FandolSong-Regular.otf",
    "GWSongBold": "FandolSong-Bold.otf",
    "GWHei": "FandolHei-Regular.otf",
    "GWKai": "FandolKai-Regular.otf",
}

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


def font_face_css(fonts_dir: Path | None) -> str:
    if fonts_dir is None:
        return ""
    rules = [
        f'@font-face {{ font-family: "{family}"; src: url("{(fonts_dir / file).as_uri()}"); }}'
        for family, file in FONT_FILES.items()
    ]
    return "\n".join(rules)
