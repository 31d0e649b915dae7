"""Files built to tie the importer up or to pass for what they are not: each is refused with a stable code,
fast, without unpacking or reading more than the caps allow."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

from services.errors import Invalid
from services.formats import upload_media_type
from services.imports.reader import MAX_TEXT_CHARS, read_file
from services.imports.recognize import join_broken_lines
from services.seed.example import tiny_png

MB = 1 << 20


def _docx(document_xml: bytes, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", document_xml, compress_type=method)
    return out.getvalue()


def _declare(data: bytes, name: bytes, size: int) -> bytes:
    """The zip with the unpacked size of one part rewritten in both its headers: a lie about what it holds."""
    patched = bytearray(data)
    for magic, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        pos = patched.find(magic)
        while pos >= 0:
            length = struct.unpack_from("<H", patched, pos + name_len_at)[0]
            if patched[pos + name_at : pos + name_at + length] == name:
                struct.pack_into("<I", patched, pos + size_at, size)
            pos = patched.find(magic, pos + 4)
    return bytes(patched)


def _code(name: str, data: bytes) -> str:
    with pytest.raises(Invalid) as refused:
        read_file(name, data)
    return refused.value.code


def test_a_docx_that_lies_about_its_sizes_is_refused() -> None:
    lying = _declare(_docx(b"<w:t>" + b"0" * (96 * MB) + b"</w:t>"), b"word/document.xml", 4096)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("word/document.xml").file_size == 4096
    assert _code("方案.docx", lying) in ("docx_unreadable", "archive_too_expanded")


def test_a_docx_that_unpacks_past_the_cap_is_refused_by_counting() -> None:
    honest = _docx(b"<w:t>" + b"0" * (80 * MB) + b"</w:t>")
    assert _code("方案.docx", honest) == "archive_too_expanded"


def test_a_docx_packed_with_bzip2_is_refused_before_anything_is_unpacked() -> None:
    bomb = _declare(_docx(b"0" * (32 * MB), zipfile.ZIP_BZIP2), b"word/document.xml", 4096)
    assert len(bomb) < 10_000
    assert _code("方案.docx", bomb) == "docx_unreadable"


def test_a_text_far_beyond_any_document_is_refused() -> None:
    assert _code("长文.txt", "字".encode() * (MAX_TEXT_CHARS + 1)) == "text_too_large"


def _pdf(objects: list[bytes], free: int) -> bytes:
    """A PDF of these objects, its cross-reference table padded with ``free`` unused entries (poppler refuses a
    page count above the number of objects)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref, size = out.tell(), len(objects) + 1 + free
    out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets) + b"0000000000 65535 f \n" * free)
    out.write(f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_a_small_pdf_yielding_huge_text_is_cut_off(tmp_path: Path) -> None:
    """Pages that are all one page drawing one content stream: 45 KB of PDF, 7 MB of text."""
    lines = b"".join(b"(" + b"Text without end %d " % i * 4 + b") Tj T* " for i in range(60))
    content = b"BT /F1 10 Tf 12 TL 20 760 Td " + lines + b"ET"
    pages = 1500
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
    pdf = _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join([b"5 0 R"] * pages) + b"] /Count %d >>" % pages,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            page + b"/Contents 4 0 R >>",
        ],
        free=pages,
    )
    (tmp_path / "x.pdf").write_bytes(pdf)
    full = subprocess.run(["pdftotext", str(tmp_path / "x.pdf"), "-"], capture_output=True, check=True).stdout
    assert len(full) > 100 * len(pdf)  # what it would have yielded
    assert _code("汇编.pdf", pdf) == "text_too_large"


def test_joining_a_long_text_without_sentence_ends_keeps_every_character() -> None:
    lines = ["这一行没有句末标点"] * 200_000
    joined = join_broken_lines(lines)
    assert joined == ["这一行没有句末标点" * 200_000]
    assert join_broken_lines(["一、总体要求", "（一）指导思想", "坚持", "问题导向。", "二、重点任务"]) == [
        "一、总体要求", "（一）指导思想", "坚持问题导向。", "二、重点任务",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("通知.pdf", b"<!doctype html><html><script>alert(1)</script></html>", "file_type_mismatch"),
        ("照片.png", b"\xff\xd8\xff\xe0 a jpeg", "file_type_mismatch"),
        ("照片.jpg", b"MZ\x90\x00 a program", "file_type_refused"),
        ("工具.txt", b"\x7fELF\x02\x01", "file_type_refused"),
        ("方案.docx", b"%PDF-1.7 not a word file", "file_type_mismatch"),
    ],
)
def test_uploads_are_what_their_names_say(name: str, data: bytes, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        upload_media_type(name, data)
    assert refused.value.code == code


def test_an_upload_is_served_as_what_its_bytes_are() -> None:
    assert upload_media_type("照片.png", tiny_png()) == "image/png"
    assert upload_media_type("方案.txt", "正文".encode()) == "text/plain; charset=utf-8"
    assert upload_media_type("报表.xlsx", b"PK\x03\x04 not a docx") == "application/octet-stream"
    assert upload_media_type("扫描件", b"%PDF-1.4") == "application/pdf"
