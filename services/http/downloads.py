"""How a file leaves the site: a ``Content-Disposition`` (RFC 6266, the name in RFC 5987's ``filename*``), for a
公文's rendered files named from its 发文字号 and title (services/domain/filenames.py)."""

from __future__ import annotations

import re
from urllib.parse import quote

from services.domain.filenames import document_file_name, safe_file_name
from services.domain.models import Document

_NOT_ASCII_WORD = re.compile(r"[^A-Za-z0-9_-]+")


def content_disposition(name: str, inline: bool = False, ascii_stem: str = "") -> str:
    """``inline`` (shown by the browser, saved under this name) or ``attachment``, with an ASCII ``filename`` for
    old clients (``ascii_stem`` and the extension, or the name's ASCII words) and the real name as
    ``filename*=UTF-8''…``."""
    name = safe_file_name(name)
    stem, dot, ext = name.rpartition(".")
    ascii_stem = _NOT_ASCII_WORD.sub("_", ascii_stem or (stem if dot else name)).strip("_")
    ascii_name = (ascii_stem or "download") + (f".{_NOT_ASCII_WORD.sub('', ext)}" if dot else "")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def document_disposition(document: Document, extension: str, inline: bool = True, what: str = "") -> str:
    """The ``Content-Disposition`` of one of a document's files, named from its 文号 and title."""
    name = document_file_name(document, extension, what)
    return content_disposition(name, inline, ascii_stem=f"gongwen-{document.id}")
