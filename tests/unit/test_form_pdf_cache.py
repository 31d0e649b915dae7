"""A form read again is not rendered again, and a form that changed is."""

from __future__ import annotations

from services.rendering.fonts import find_fonts_dir
from services.rendering.forms import form_pdf


def test_the_same_form_is_kept_and_a_changed_one_is_drawn_anew() -> None:
    fonts = find_fonts_dir()
    sheet = "<html><body><h1>发文稿纸</h1><p>核稿：同意。张三 2024年3月15日</p></body></html>"
    first = form_pdf(sheet, fonts)
    assert form_pdf(sheet, fonts) is first  # kept, not rendered again
    signed = sheet.replace("</p>", "</p><p>签发：同意印发。李四</p>")
    assert form_pdf(signed, fonts) != first and form_pdf(signed, fonts).startswith(b"%PDF")
