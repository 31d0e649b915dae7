"""What a file made from a record is called when it is saved: no path separators or reserved characters, the
发文字号 and title of a 公文 (services/http/downloads.py puts it in a ``Content-Disposition``)."""

from __future__ import annotations

import re
import unicodedata

from services.domain.models import Document

MAX_NAME = 120  # characters before the extension: most file systems allow 255 bytes, a CJK character takes 3
# What no file system or download dialog takes in a name: path separators, Windows' reserved characters, controls.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_SPACES = re.compile(r"\s+")


def safe_file_name(name: str, fallback: str = "file") -> str:
    """``name`` as a file name: no separators or reserved characters, one space between words, no leading dot,
    at most ``MAX_NAME`` characters before its extension; ``fallback`` when nothing is left."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not (ext.isascii() and ext.isalnum()) or len(ext) > 8:
        stem, ext = name, ""
    stem = unicodedata.normalize("NFC", stem)
    stem = _SPACES.sub(" ", _UNSAFE.sub(" ", stem)).strip(" .")[:MAX_NAME].rstrip(" .")
    return f"{stem or fallback}.{ext}" if ext else (stem or fallback)


def document_file_name(document: Document, extension: str, what: str = "") -> str:
    """'扎民委发〔2024〕3号 关于开展X的通知.pdf' (``what`` before it: '发文稿纸 …'); a document without a 文号 is
    named by its title."""
    parts = [what, document.doc_number or "", document.title or ""]
    return safe_file_name(" ".join(p for p in parts if p.strip()) + f".{extension}", f"gongwen-{document.id}")
