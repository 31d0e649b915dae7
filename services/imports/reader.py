"""Turning an uploaded file into text: plain text in UTF-8 (with or without BOM), UTF-16 or GB18030/GBK;
.docx; .pdf with a text layer; .html. The encoding is detected and reported, never guessed silently."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import ClassVar

from services.errors import Invalid

MAX_BYTES = 100 * 1024 * 1024
HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class ReadText:
    text: str
    format: str  # txt | docx | pdf | html
    encoding: str | None


def fail(code: str, zh: str, en: str) -> Invalid:
    return Invalid(code, zh, en, status=422)


def read_file(name: str, data: bytes) -> ReadText:
    if not data:
        raise fail("file_empty", "文件为空", "the file is empty")
    if len(data) > MAX_BYTES:
        raise fail("file_too_large", "文件超过 100 MB", "the file is larger than 100 MB")
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "docx":
        return ReadText(_docx(data), "docx", None)
    if suffix == "pdf":
        return ReadText(_pdf(data), "pdf", None)
    text, encoding = decode_text(data)
    if suffix in {"html", "htm"} or (suffix != "txt" and text.lstrip().lower().startswith(("<!doctype html", "<html"))):
        return ReadText(_html(text), "html", encoding)
    return ReadText(text, "txt", encoding)


def decode_text(data: bytes) -> tuple[str, str]:
    """BOMs decide; otherwise strict UTF-8; otherwise strict GB18030 when it reads as Chinese; else refuse."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return _checked(data.decode(codec), codec), codec
    if b"\x00" in data[:4096]:
        raise fail("not_text", "文件不是文本（含二进制内容）", "the file is not text (binary content)")
    try:
        return _checked(data.decode("utf-8"), "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise fail(
            "encoding_unrecognised",
            "无法识别文件编码（支持 UTF-8、UTF-16、GB18030/GBK）",
            "unrecognised encoding (UTF-8, UTF-16 and GB18030/GBK are supported)",
        ) from None
    non_ascii = [c for c in text if ord(c) > 127]
    if non_ascii and sum(1 for c in non_ascii if HAN.match(c)) / len(non_ascii) < 0.6:
        raise fail("encoding_unrecognised", "文件编码无法可靠识别", "the encoding cannot be told reliably")
    return _checked(text, "gb18030"), "gb18030"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _checked(text: str, codec: str) -> str:
    if len(_CONTROL.findall(text, 0, 20000)) > 8:
        raise fail("not_text", "文件不是文本（含控制字符）", "the file is not text (control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# A .docx is a zip: its parts, unpacked, must stay within what a document needs (a zip bomb unpacks to GBs).
MAX_UNPACKED = 64 * 1024 * 1024
MAX_RATIO = 100
MAX_PARTS = 5000


def check_expansion(data: bytes) -> None:
    """Refuse a zip whose unpacked size or compression ratio is implausible, before anything is unpacked."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        raise fail("docx_unreadable", "Word 文件已损坏或不完整", f"the .docx file is damaged: {exc}") from exc
    unpacked = sum(p.file_size for p in parts)
    if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * max(len(data), 1):
        raise fail(
            "archive_too_expanded",
            f"文件解压后过大（{unpacked // (1024 * 1024)} MB），疑似压缩炸弹，未予处理",
            f"the file unpacks to {unpacked // (1024 * 1024)} MB: refused as a likely zip bomb",
        )


def _docx(data: bytes) -> str:
    check_expansion(data)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise fail(
            "docx_unreadable", "Word 文件已损坏或不完整", f"the .docx file is damaged or truncated: {exc}"
        ) from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _pdf(data: bytes) -> str:
    """Poppler's pdftotext reads the CID fonts of Chinese PDFs correctly (pypdf garbles some, e.g. a font
    subset shared with Mongolian); pypdf is the fallback where poppler-utils is not installed."""
    if not data.startswith(b"%PDF"):
        raise fail("pdf_unreadable", "不是 PDF 文件", "the file is not a PDF")
    text = _pdftotext(data) if shutil.which("pdftotext") else _pypdf_text(data)
    if not text.strip():
        raise fail(
            "pdf_no_text", "PDF 没有文字层（扫描件需先做文字识别）", "the PDF has no text layer (scan: run OCR first)"
        )
    return text


def _pdftotext(data: bytes) -> str:
    try:
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, timeout=120, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise fail("pdf_unreadable", "PDF 文件无法读取（超时）", "the PDF could not be read in time") from exc
    if done.returncode != 0:
        raise fail(
            "pdf_unreadable", "PDF 文件已损坏", f"the PDF is damaged: {done.stderr.decode(errors='replace')[:200]}"
        )
    return done.stdout.decode("utf-8", errors="replace").replace("\f", "\n")


def _pypdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise fail("pdf_unreadable", "PDF 文件已损坏", f"the PDF is damaged: {exc}") from exc


class _TextOfHtml(HTMLParser):
    BLOCKS: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "title",
    }

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def _html(text: str) -> str:
    parser = _TextOfHtml()
    parser.feed(text)
    return re.sub(r"\n\s*\n+", "\n\n", "".join(parser.parts)).strip()
