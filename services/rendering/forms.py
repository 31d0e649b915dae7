"""Forms printed through WeasyPrint (the 发文稿纸, the 收文处理单, the archive's catalogue): HTML to PDF with the
Fandol faces. The faces are read once per process — a FontConfiguration and the @font-face stylesheet kept and
handed to every render — since loading the font files again cost three quarters of each form's PDF. One render
at a time uses them, and they are let go before the interpreter exits (torn down with it, pango's objects crashed
the process)."""

from __future__ import annotations

import atexit
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from services.rendering.fonts import font_face_css

_lock = threading.Lock()
_kept: dict[Path | None, tuple[Any, Any]] = {}


def _faces(fonts_dir: Path | None) -> tuple[Any, Any]:
    """The font configuration and @font-face stylesheet for ``fonts_dir`` (the caller holds the lock)."""
    from weasyprint import CSS  # imported late: loading pango costs time the API start need not pay
    from weasyprint.text.fonts import FontConfiguration

    if fonts_dir not in _kept:
        config = FontConfiguration()
        _kept[fonts_dir] = (config, CSS(string=font_face_css(fonts_dir), font_config=config))
    return _kept[fonts_dir]


@lru_cache(maxsize=64)
def form_pdf(html: str, fonts_dir: Path | None) -> bytes:
    """A form's HTML (written without its own @font-face rules) as PDF, in the GB/T 9704 faces. The same HTML
    gives the same PDF: the last few are kept (a 发文稿纸 read again costs 70 ms of CPU to render, not a lookup)."""
    from weasyprint import HTML

    with _lock:
        config, faces = _faces(fonts_dir)
        return bytes(HTML(string=html).write_pdf(stylesheets=[faces], font_config=config))


@atexit.register
def _let_go() -> None:
    with _lock:
        _kept.clear()
