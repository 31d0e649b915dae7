"""What a file really is, read from its bytes (magic numbers), whatever its name or the sender says: the archive's
四性 check reads every packaged file this way, and every upload is refused when its bytes are not what its name
claims (an HTML page named .pdf, a program named .png)."""

from __future__ import annotations

import codecs
import io
import zipfile

from services.errors import Invalid

TEXT_PROBE = 64 * 1024  # text is told by its first 64 KB (a character cut at the end is no error)


def sniff(name: str, data: bytes) -> str:
    """The format the bytes really are, whatever the name says."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith((b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe")):
        return "executable"
    if name.endswith(".ses") and data.startswith(b"\x30"):
        return "ses"  # GB/T 38540 signatures (DER) detached from a PDF 正本
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "unknown"
        if any(n.endswith("vbaProject.bin") for n in names):
            return "macro"
        if "OFD.xml" in names:
            return "ofd"  # GB/T 33190: a ZIP whose entry point is OFD.xml
        return "docx" if "word/document.xml" in names else "zip"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data[:TEXT_PROBE], final=len(data) <= TEXT_PROBE)
    except UnicodeDecodeError:
        return "unknown"
    if name.endswith(".json"):
        return "json"
    return "html" if name.endswith(".html") else "text"


ISO_IMAGE_BRANDS = (b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif")


def is_image(data: bytes) -> bool:
    """JPEG, PNG, GIF, WebP, BMP, TIFF or HEIF/AVIF, by their opening bytes."""
    heads = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
    if data.startswith(heads):
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return data[4:8] == b"ftyp" and data[8:12] in ISO_IMAGE_BRANDS


def is_video(data: bytes) -> bool:
    """MP4/MOV/3GP (an ISO media file not of an image brand), AVI, Matroska/WebM, ASF/WMV, MPEG, FLV."""
    if data[4:8] == b"ftyp":
        return data[8:12] not in ISO_IMAGE_BRANDS
    if data[:4] == b"RIFF" and data[8:12] == b"AVI ":
        return True
    heads = (b"\x1a\x45\xdf\xa3", b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3", b"FLV")
    return data.startswith(heads)


# What a file name's suffix promises, as the formats sniff() tells apart.
PROMISED = {
    "pdf": "pdf", "png": "png", "jpg": "jpeg", "jpeg": "jpeg", "gif": "gif", "docx": "docx", "txt": "text",
    "json": "json", "html": "html", "htm": "html",
}  # fmt: skip
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text": "text/plain; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
}
NEVER = {"executable": "可执行程序", "macro": "含宏的 Office 文件"}
OPAQUE = "application/octet-stream"


def upload_media_type(name: str, data: bytes) -> str:
    """The media type an uploaded file is stored and served with, from its bytes. Refused: a program or a macro
    document whatever its name, and a file whose bytes are not the format its suffix names."""
    found = sniff(name.lower(), data)
    if found in NEVER:
        raise Invalid(
            "file_type_refused", f"不接受{NEVER[found]}：{name}", f"{found} files are not accepted: {name}",
            field="file",
        )  # fmt: skip
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    promised = PROMISED.get(suffix)
    if promised is not None and promised != found and not (promised == "html" and found == "text"):
        raise Invalid(
            "file_type_mismatch",
            f"文件内容与扩展名不符：{name} 不是 .{suffix} 文件",
            f"the file's content does not match its name: {name} is not a .{suffix} file",
            field="file",
        )
    if promised is not None:
        return MEDIA_TYPES[promised]
    return MEDIA_TYPES[found] if found in ("pdf", "png", "jpeg", "gif") else OPAQUE
