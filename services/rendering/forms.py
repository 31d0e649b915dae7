"""Forms printed through WeasyPrint (the 发文稿纸, the 收文处理单, the archive's catalogue): HTML to PDF with the
Fandol faces. The faces are read once per thread — a FontConfiguration and the @font-face stylesheet kept and
handed to every render — since loading the font files again cost a third of each form's PDF."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from services.rendering.fonts import font_face_css

_per_thread = threading.local()


def _faces(fonts_dir: Path | None) -> tuple[Any, Any]:
    """This thread's font configuration and @font-face stylesheet for ``fonts_dir``."""
    from weasyprint import CSS  # imported late: loading pango costs time the API start need not pay
    from weasyprint.text.fonts import FontConfiguration

    kept: tuple[Path | None, Any, Any] | None = getattr(_per_thread, "faces", None)
    if kept is None or kept[0] != fonts_dir:
        config = FontConfiguration()
        kept = (fonts_dir, config, CSS(string=font_face_css(fonts_dir), font_config=config))
        _per_thread.faces = kept
    return kept[1], kept[2]


def form_pdf(html: str, fonts_dir: Path | None) -> bytes:
    """A form's HTML (written without its own @font-face rules) as PDF, in the GB/T 9704 faces."""
    from weasyprint import HTML

    config, faces = _faces(fonts_dir)
    return bytes(HTML(string=html).write_pdf(stylesheets=[faces], font_config=config))
