"""How large an upload may be: one table, read by the use cases that check what they are given and by the API,
which refuses a larger request body before reading it (services/api/limits.py)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.errors import Invalid

MB = 1024 * 1024


class Upload(StrEnum):
    attachment = "attachment"  # a file attached to a draft
    report_file = "report_file"  # a photo or document sent with a report-back
    scan = "scan"  # the scan of a paper 收文
    import_file = "import_file"  # a past document to import
    seal_image = "seal_image"  # the picture of an organ's electronic seal (a PNG)
    sealed_file = "sealed_file"  # an issued 正本 (PDF, OFD or its .ses) someone asks to have verified


@dataclass(frozen=True)
class FileLimit:
    max_bytes: int
    code: str
    what_zh: str
    what_en: str


FILE_LIMITS = {
    Upload.attachment: FileLimit(50 * MB, "attachment_too_large", "附件", "the attachment"),
    Upload.report_file: FileLimit(50 * MB, "attachment_too_large", "附件", "an attachment"),
    Upload.scan: FileLimit(50 * MB, "scan_too_large", "扫描件", "the scan"),
    Upload.import_file: FileLimit(100 * MB, "file_too_large", "文件", "the file"),
    Upload.seal_image: FileLimit(2 * MB, "seal_image_too_large", "印章图像", "the seal picture"),
    Upload.sealed_file: FileLimit(50 * MB, "sealed_file_too_large", "待验证文件", "the file to verify"),
}
# A request may carry several files of a kind (a report with its photos, an import of a folder) and the form around
# them: the body's cap for a route is the most it may need, checked before anything is read.
PER_REQUEST = {
    Upload.attachment: 1, Upload.report_file: 2, Upload.scan: 1, Upload.import_file: 1, Upload.seal_image: 1,
    Upload.sealed_file: 2,  # a PDF and its detached .ses
}  # fmt: skip
FORM_ROOM = 1 * MB
# An OFD's XML parts (OFD.xml, Document.xml, a page) are opened only up to this size when an OFD is checked (the
# archive's 四性 check): a page of ours is tens of KB; a ZIP declaring more is not read, it is refused.
OFD_XML_MAX = 16 * MB
# A seal picture is drawn at 42 mm: 4 million pixels is more than any printer resolves there.
SEAL_IMAGE_MAX_PIXELS = 4_000_000


def request_cap(kind: Upload) -> int:
    return FILE_LIMITS[kind].max_bytes * PER_REQUEST[kind] + FORM_ROOM


def check_size(kind: Upload, size: int) -> None:
    """Refuse a file larger than its kind allows (413, nothing stored)."""
    limit = FILE_LIMITS[kind]
    if size > limit.max_bytes:
        mb = limit.max_bytes // MB
        raise Invalid(
            limit.code, f"{limit.what_zh}超过 {mb} MB", f"{limit.what_en} is larger than {mb} MB", status=413,
            max_bytes=limit.max_bytes,
        )  # fmt: skip


# A throttled login is answered this long after it came (at most: never later than its Retry-After), waiting on the
# event loop, not on a thread: a guessing loop slows to one try per wait and costs the server next to nothing.
THROTTLED_ANSWER_SECONDS = 0.5
