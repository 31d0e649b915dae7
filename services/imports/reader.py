"""Turning an uploaded file into text: plain text in UTF-8 (with or without BOM), UTF-16 or GB18030/GBK;
.docx; .pdf with a text layer; .html. The encoding is detected and reported, never guessed silently."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import ClassVar

from services.errors import Invalid
from services.limits import Upload, check_size

HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class ReadText:
    text: str
    format: str  # txt | docx | pdf | html
    encoding: str | None


def fail(code: str, zh: str, en: str) -> Invalid:
    return Invalid(code, zh, en, status=422)


# The text a file may yield: far beyond any 公文 or compilation of them (a year's summaries of 200 units is a few
# MB), and never many times the file itself (a small PDF whose pages share one content stream yields 121 MB).
MAX_TEXT_CHARS = 8 * 1024 * 1024
MAX_TEXT_RATIO = 40


def read_file(name: str, data: bytes) -> ReadText:
    if not data:
        raise fail("file_empty", "文件为空", "the file is empty")
    check_size(Upload.import_file, len(data))
    read = _read(name, data)
    return ReadText(within_text_limit(read.text, len(data)), read.format, read.encoding)


def _read(name: str, data: bytes) -> ReadText:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "docx":
        return ReadText(_docx(data), "docx", None)
    if suffix == "pdf":
        return ReadText(_pdf(data), "pdf", None)
    text, encoding = decode_text(data)
    if suffix in {"html", "htm"} or (suffix != "txt" and text.lstrip().lower().startswith(("<!doctype html", "<html"))):
        return ReadText(_html(text), "html", encoding)
    return ReadText(text, "txt", encoding)


def text_cap(file_size: int) -> int:
    """The most characters a file of this size may yield."""
    return min(MAX_TEXT_CHARS, max(MAX_TEXT_RATIO * file_size, 1024 * 1024))


def within_text_limit(text: str, file_size: int) -> str:
    if len(text) > text_cap(file_size):
        raise _text_too_large()
    return text


def _text_too_large() -> Invalid:
    return fail(
        "text_too_large",
        f"文件的文字超过 {MAX_TEXT_CHARS // (1024 * 1024)} 百万字或远多于文件本身，"
        "疑似异常文件，未予导入；请拆分后再导入",
        f"the file yields more than {MAX_TEXT_CHARS // (1024 * 1024)} M characters or far more text than its size: "
        "refused; split it and import the parts",
    )


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


CHUNK = 1 << 20
PACKING = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def check_expansion(data: bytes) -> None:
    """Refuse a zip that unpacks to an implausible size or ratio. The sizes a zip declares are not believed: each
    part is unpacked as a stream, counting the bytes it really yields, and the count stops at the cap (a part
    declaring 4 KB unpacked to 1 GiB)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise _too_expanded(f"{len(parts)} 个部件", f"{len(parts)} parts")
        cap = min(MAX_UNPACKED, MAX_RATIO * max(len(data), 1))
        unpacked = 0
        if any(p.compress_type not in PACKING for p in parts):
            # OPC (ISO/IEC 29500-2) packs parts stored or deflated only; Python unpacks a bzip2 or LZMA part in one
            # call however little is asked of it, so such a part could take gigabytes before any count saw it.
            raise fail(
                "docx_unreadable", "Word 文件的压缩方式不合规范", "the .docx uses a compression Word never writes"
            )
        for part in parts:
            with archive.open(part) as stream:
                while chunk := stream.read(CHUNK):
                    unpacked += len(chunk)
                    if unpacked > cap:
                        raise _too_expanded(f"超过 {cap // (1024 * 1024)} MB", f"over {cap // (1024 * 1024)} MB")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise fail("docx_unreadable", "Word 文件已损坏或不完整", f"the .docx file is damaged: {exc}") from exc


def _too_expanded(zh: str, en: str) -> Invalid:
    return fail(
        "archive_too_expanded",
        f"文件解压后过大（{zh}），疑似压缩炸弹，未予处理",
        f"the file unpacks to {en}: refused as a likely zip bomb",
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


PDF_SECONDS = 60


def _pdftotext(data: bytes) -> str:
    """pdftotext's output read as it comes and cut off at the text cap (3 bytes a Chinese character): a PDF that
    would yield gigabytes of text is stopped, not read to the end."""
    limit = 3 * text_cap(len(data))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as source, tempfile.TemporaryFile() as errors:
        source.write(data)
        source.flush()
        proc = subprocess.Popen(["pdftotext", "-enc", "UTF-8", source.name, "-"], stdout=subprocess.PIPE, stderr=errors)
        timer = threading.Timer(PDF_SECONDS, proc.kill)
        timer.start()
        try:
            out = _read_capped(proc, limit)
            returncode = proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        errors.seek(0)
        stderr = errors.read(2000)
    if returncode < 0 and len(out) <= limit:
        raise fail("pdf_unreadable", "PDF 文件无法读取（超时）", "the PDF could not be read in time")
    if returncode != 0:
        raise fail("pdf_unreadable", "PDF 文件已损坏", f"the PDF is damaged: {stderr.decode(errors='replace')[:200]}")
    return out.decode("utf-8", errors="replace").replace("\f", "\n")


def _read_capped(proc: subprocess.Popen[bytes], limit: int) -> bytes:
    assert proc.stdout is not None
    chunks: list[bytes] = []
    size = 0
    while chunk := proc.stdout.read(CHUNK):
        size += len(chunk)
        if size > limit:
            proc.kill()
            raise _text_too_large()
        chunks.append(chunk)
    return b"".join(chunks)


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
