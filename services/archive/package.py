"""The archival package of one 件, and the 四性 checks (DA/T 70, DOMAIN.md §4.4) on it.

Layout under ``archive/<year>/<档号>/`` (see docs/archive-package.md): numbered content files, ``metadata.json``
(DA/T 46 / GB/T 33480 fields and the process events) and, written last, ``manifest.json`` with a SHA-256 per
file and one for the package. Everything is plain PDF, UTF-8 text, JSON and HTML: readable without gongwen."""

from __future__ import annotations

import hashlib
import io
import json
import shlex
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from services.archive.rules import ARCHIVAL_CODE
from services.formats import sniff
from services.rendering.ofd import ofd_pages
from services.seal.ses import SealError
from services.seal.sign import verify_ofd, verify_pdf

MANIFEST = "manifest.json"
METADATA = "metadata.json"
REQUIRED_METADATA = ("档号", "题名", "责任者", "日期", "保管期限", "全宗号", "年度", "件号")


ALLOWED = {"pdf", "ofd", "png", "jpeg", "gif", "text", "json", "html", "docx", "ses"}


@dataclass
class Check:
    passed: bool = True
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.passed = False
        self.problems.append(problem)


@dataclass
class FourChecks:
    """真实性 authenticity, 完整性 integrity, 可用性 usability, 安全性 safety."""

    authenticity: Check = field(default_factory=Check)
    integrity: Check = field(default_factory=Check)
    usability: Check = field(default_factory=Check)
    safety: Check = field(default_factory=Check)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in (self.authenticity, self.integrity, self.usability, self.safety))

    def as_dict(self) -> dict[str, Any]:
        return {
            name: {"passed": c.passed, "problems": c.problems}
            for name, c in (
                ("真实性", self.authenticity),
                ("完整性", self.integrity),
                ("可用性", self.usability),
                ("安全性", self.safety),
            )
        } | {"passed": self.passed}


# SM3 (GB/T 32905), the digest Chinese archival rules prefer, comes with OpenSSL 3's default provider.
HAS_SM3 = "sm3" in hashlib.algorithms_available


def sm3_hex(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def manifest_for(files: dict[str, bytes], formats: dict[str, str]) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    for path, data in sorted(files.items()):
        entry: dict[str, Any] = {
            "path": path,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "format": formats[path],
        }
        if HAS_SM3:
            entry["sm3"] = sm3_hex(data)
        entries.append(entry)
    manifest: dict[str, Any] = {
        "algorithm": "SHA-256" + (" + SM3" if HAS_SM3 else ""),
        "files": entries,
        "package_sha256": hashlib.sha256(_lines(entries, "sha256")).hexdigest(),
        "file_count": len(entries),
        "total_bytes": sum(int(e["size"]) for e in entries),
    }
    if HAS_SM3:
        manifest["package_sm3"] = sm3_hex(_lines(entries, "sm3"))
    return manifest


def _lines(entries: list[dict[str, Any]], digest: str) -> bytes:
    return "".join(f"{e['path']}\t{e['size']}\t{e[digest]}\n" for e in entries).encode()


def digests_match(entry: dict[str, Any], data: bytes) -> bool:
    """The file against its manifest entry: size, SHA-256, and SM3 where the manifest has it."""
    if len(data) != entry["size"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
        return False
    return "sm3" not in entry or not HAS_SM3 or sm3_hex(data) == entry["sm3"]


def check_package(
    files: dict[str, bytes], metadata: dict[str, Any], expected_attachments: int, scanner: str | None
) -> tuple[FourChecks, dict[str, str]]:
    """The 四性 checks before storing. Returns the result and each file's sniffed format."""
    result = FourChecks()
    formats = {path: sniff(path, data) for path, data in files.items()}
    for key in REQUIRED_METADATA:
        if metadata.get(key) in (None, ""):
            result.integrity.fail(f"缺少必备元数据：{key}")
    if not ARCHIVAL_CODE.match(str(metadata.get("档号", ""))):
        result.authenticity.fail(f"档号格式不正确：{metadata.get('档号')}")
    if not any(p.endswith(".pdf") for p in files) and metadata.get("文种") not in (None, "报告"):
        result.integrity.fail("缺少正本（版式文件）")
    _same_pages(files, formats, result.integrity)
    _seals_hold(files, formats, result.authenticity)
    attachments = [p for p in files if "附件" in p]
    if len(attachments) < expected_attachments:
        result.integrity.fail(f"附件不全：应有 {expected_attachments} 件，实有 {len(attachments)} 件")
    for path, data in files.items():
        _usable(path, data, formats[path], result.usability)
        if formats[path] not in ALLOWED:
            result.safety.fail(f"{path}：不允许的内容类型 {formats[path]}")
        elif scanner and not _clean(scanner, data):
            result.safety.fail(f"{path}：恶意代码扫描未通过")
    if not result.integrity.problems:
        json.dumps(metadata, ensure_ascii=False)  # well-formed metadata
    return result, formats


def _seals_hold(files: dict[str, bytes], formats: dict[str, str], check: Check) -> None:
    """真实性: every electronic seal of a 正本 still verifies (OFD: its embedded signatures; PDF: its .ses)."""
    for path, data in files.items():
        try:
            if formats[path] == "ofd" and path.endswith("正本.ofd"):
                found = verify_ofd(data)
            elif formats[path] == "ses" and path.removesuffix(".ses") in files:
                found = verify_pdf(files[path.removesuffix(".ses")], data)
            else:
                continue
        except SealError as exc:
            check.fail(f"{path}：{exc}")
            continue
        for broken in found.broken:
            check.fail(f"{path}：“{broken.organ}”的电子印章验证失败（{'；'.join(broken.problems)}）")


def _usable(path: str, data: bytes, fmt: str, check: Check) -> None:
    declared = path.rsplit(".", 1)[-1].lower()
    expected = {
        "pdf": "pdf",
        "ofd": "ofd",
        "png": "png",
        "jpg": "jpeg",
        "jpeg": "jpeg",
        "gif": "gif",
        "txt": "text",
        "json": "json",
        "html": "html",
        "docx": "docx",
    }.get(declared)
    if expected and expected != fmt:
        check.fail(f"{path}：声明为 {declared}，实为 {fmt}")
        return
    if fmt == "pdf":
        try:
            if pdf_pages(data, strict=True) < 1:
                check.fail(f"{path}：PDF 没有页面")
        except Exception as exc:  # any parser error means the file does not open
            check.fail(f"{path}：PDF 无法打开（{type(exc).__name__}）")
    elif fmt == "ofd":
        try:
            if ofd_pages(data) < 1:
                check.fail(f"{path}：OFD 没有页面")
        except ValueError as exc:
            check.fail(f"{path}：OFD 无法打开（{exc}）")
    elif fmt == "json":
        try:
            json.loads(data)
        except ValueError:
            check.fail(f"{path}：JSON 无法解析")


def _same_pages(files: dict[str, bytes], formats: dict[str, str], check: Check) -> None:
    """A 正本's OFD is the same document as its PDF: both are there, with as many pages."""
    for path, data in files.items():
        if not path.endswith("正本.ofd") or formats[path] != "ofd":
            continue
        pdf = files.get(path.removesuffix(".ofd") + ".pdf")
        if pdf is None:
            check.fail(f"{path}：缺少同名 PDF 正本")
            continue
        try:
            pages = ofd_pages(data)
        except ValueError:
            continue  # the usability check names it
        if pages != pdf_pages(pdf):
            check.fail(f"{path}：OFD 与 PDF 正本页数不一致（{pages} 与 {pdf_pages(pdf)}）")


def _clean(scanner: str, data: bytes) -> bool:
    try:
        return subprocess.run(shlex.split(scanner), input=data, capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@lru_cache(maxsize=32)
def _page_count(digest: str, data: bytes) -> int:
    from pypdf import PdfReader

    # The page tree's /Count: reading the cross-reference table and three objects, not every page.
    root: Any = PdfReader(io.BytesIO(data)).trailer["/Root"]
    return int(root["/Pages"]["/Count"])


def pdf_pages(data: bytes, strict: bool = False) -> int:
    try:
        return _page_count(hashlib.sha256(data).hexdigest(), data)
    except Exception:
        if strict:
            raise
        return 0
