"""Pressing seals on an issued 正本 and checking them, without the database.

OFD (GB/T 33190-2016 §18, GB/T 38540-2020): each seal is a package part ``Doc_0/Signs/Sign_N/`` holding
``Signature.xml`` (SignedInfo: the SM3 digest of every part of the package as it was when the seal was pressed —
OFD.xml, Document.xml, every page, every font, and the seals pressed before it — the StampAnnot where the seal's
picture shows, the seal) and ``SignedValue.dat`` (an SES_Signature whose data hash is the SM3 of Signature.xml).
``Doc_0/Signs/Signatures.xml`` lists them; OFD.xml's DocBody points to it. A reader draws the seal's picture from the
SESeal at the StampAnnot's Boundary.

PDF: a detached signature, ``正本.pdf.ses`` (a DER SEQUENCE OF SES_Signature, one per seal, each over the SM3 of the
whole PDF file), stored beside the PDF and filed in the archive package; the seal pictures are drawn on the page.
Common PDF readers do not understand SM2 in PDF's own signature dictionaries, so none is embedded (docs/seal.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from services.limits import FILE_LIMITS, OFD_XML_MAX, Upload
from services.rendering.model import Layout
from services.seal.ses import (
    SM2_WITH_SM3,
    SM3_OID,
    SealError,
    SealKey,
    SesSignature,
    SesSignatures,
    SignatureFacts,
    read_signature,
    sm3_digest,
)

NS = "http://www.ofdspec.org/2016"
SIGNS = "Doc_0/Signs"
SIGNATURES = f"{SIGNS}/Signatures.xml"
PROVIDER = "gongwen"
SES_MIME = "application/octet-stream"  # a DER SEQUENCE OF SES_Signature
MAX_SEALS = 20  # more than any joint document has issuers
PACKAGE_MAX = 4 * FILE_LIMITS[Upload.sealed_file].max_bytes  # what a package may declare, inflated, in all

ET.register_namespace("ofd", NS)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


@dataclass(frozen=True)
class Place:
    """Where a seal's picture shows: the page (0-based) and its box in mm from the page's top-left corner."""

    page: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Stamp:
    """One organ's seal to press, where its picture goes, and its SESeal (made once for the OFD and the PDF)."""

    key: SealKey
    places: Sequence[Place]
    eseal: bytes

    @classmethod
    def of(cls, key: SealKey, places: Sequence[Place]) -> Stamp:
        return cls(key, places, key.seal())


def places_of(layout: Layout, organ: str) -> list[Place]:
    """The seal places of an organ (by its name as laid out) on the pages."""
    return [
        Place(n, s.cx - s.width / 2, s.cy - s.height / 2, s.width, s.height)
        for n, page in enumerate(layout.pages)
        for s in page.seals
        if s.kind == "印章" and s.organ == organ
    ]


@dataclass(frozen=True)
class SealCheck:
    """One seal found on a file and what checking it showed."""

    organ: str
    es_id: str = ""
    version: int = 0
    signed_at: dt.datetime | None = None
    public_hex: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Verification:
    """Every seal of a file: it verifies when it carries at least one seal and none is broken."""

    kind: str  # "OFD" | "PDF"
    checks: list[SealCheck]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def broken(self) -> list[SealCheck]:
        return [c for c in self.checks if not c.ok]


# -- OFD -----------------------------------------------------------------------------------------------------------


def sign_ofd(ofd: bytes, stamps: Sequence[Stamp], when: dt.datetime) -> bytes:
    """The OFD with every stamp's seal pressed, in order (each seal covers the ones before it)."""
    if not stamps:
        return ofd
    files = _read_package(ofd)
    files["OFD.xml"] = _point_to_signatures(files["OFD.xml"])
    page_ids = _page_ids(files)
    digests: dict[str, bytes] = {}
    entries: list[tuple[str, str]] = []
    for n, stamp in enumerate(stamps):
        folder = f"{SIGNS}/Sign_{n}"
        covered = sorted(name for name in files if name != SIGNATURES)
        for name in covered:
            digests.setdefault(name, sm3_digest(files[name]))
        eseal = stamp.eseal
        signature = _signature_xml(folder, covered, digests, stamp.places, page_ids, when, n)
        files[f"{folder}/Seal.esl"] = eseal
        files[f"{folder}/Signature.xml"] = signature
        files[f"{folder}/SignedValue.dat"] = stamp.key.sign(
            sm3_digest(signature), when, f"/{folder}/Signature.xml", eseal
        )
        entries.append((str(n + 1), f"/{folder}/Signature.xml"))
        files[SIGNATURES] = _signatures_xml(entries)
    return _write_package(files)


def _signature_xml(
    folder: str,
    covered: list[str],
    digests: dict[str, bytes],
    places: Sequence[Place],
    page_ids: list[str],
    when: dt.datetime,
    n: int,
) -> bytes:
    root = ET.Element(_q("Signature"))
    info = ET.SubElement(root, _q("SignedInfo"))
    ET.SubElement(info, _q("Provider"), {"ProviderName": PROVIDER, "Version": "1.0", "Company": PROVIDER})
    ET.SubElement(info, _q("SignatureMethod")).text = SM2_WITH_SM3
    ET.SubElement(info, _q("SignatureDateTime")).text = when.astimezone(dt.UTC).strftime("%Y%m%d%H%M%SZ")
    references = ET.SubElement(info, _q("References"), {"CheckMethod": SM3_OID})
    for name in covered:
        reference = ET.SubElement(references, _q("Reference"), {"FileRef": f"/{name}"})
        ET.SubElement(reference, _q("CheckValue")).text = base64.b64encode(digests[name]).decode()
    for m, place in enumerate(places):
        box = " ".join(f"{v:.3f}".rstrip("0").rstrip(".") for v in (place.x, place.y, place.width, place.height))
        ET.SubElement(
            info, _q("StampAnnot"), {"ID": f"{n + 1}_{m + 1}", "PageRef": page_ids[place.page], "Boundary": box}
        )
    seal = ET.SubElement(info, _q("Seal"))
    ET.SubElement(seal, _q("BaseLoc")).text = f"/{folder}/Seal.esl"
    ET.SubElement(root, _q("SignedValue")).text = f"/{folder}/SignedValue.dat"
    data: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data


def _signatures_xml(entries: list[tuple[str, str]]) -> bytes:
    root = ET.Element(_q("Signatures"))
    ET.SubElement(root, _q("MaxSignId")).text = entries[-1][0]
    for sign_id, location in entries:
        ET.SubElement(root, _q("Signature"), {"ID": sign_id, "Type": "Seal", "BaseLoc": location})
    data: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data


def _point_to_signatures(ofd_xml: bytes) -> bytes:
    root = ET.fromstring(ofd_xml)
    body = root.find(_q("DocBody"))
    if body is None:
        raise SealError("OFD.xml 缺少 DocBody")
    if body.find(_q("Signatures")) is None:
        ET.SubElement(body, _q("Signatures")).text = f"/{SIGNATURES}"
    data: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data


def _page_ids(files: dict[str, bytes]) -> list[str]:
    document = ET.fromstring(files["Doc_0/Document.xml"])
    return [page.get("ID", "") for page in document.iter(_q("Page"))]


def verify_ofd(ofd: bytes) -> Verification:
    """Every seal of an OFD package: its SES_Signature, the digest of its Signature.xml, and the digest of each part
    it covers; a part changed, added or removed since the seal was pressed breaks it, naming the part."""
    files = _read_package(ofd)
    if SIGNATURES not in files:
        return Verification("OFD", [])
    listing = _xml(files[SIGNATURES])
    locations = [s.get("BaseLoc", "").lstrip("/") for s in listing.findall(_q("Signature"))][:MAX_SEALS]
    later = {loc.rpartition("/")[0] for loc in locations}
    checks = []
    for location in locations:
        folder = location.rpartition("/")[0]
        later.discard(folder)
        checks.append(_check_ofd_seal(files, location, later))
    return Verification("OFD", checks)


def _check_ofd_seal(files: dict[str, bytes], location: str, later: set[str]) -> SealCheck:
    folder = location.rpartition("/")[0]
    if location not in files or f"{folder}/SignedValue.dat" not in files:
        return SealCheck(organ="（未知）", problems=[f"签章部件缺失：{location}"])
    try:
        facts = read_signature(files[f"{folder}/SignedValue.dat"])
    except SealError as exc:
        return SealCheck(organ="（无法识别）", problems=[str(exc)])
    problems = []
    if facts.data_hash != sm3_digest(files[location]):
        problems.append(f"签章信息 {location} 被改动")
    covered = {}
    for reference in _xml(files[location]).iter(_q("Reference")):
        name = reference.get("FileRef", "").lstrip("/")
        covered[name] = base64.b64decode(reference.findtext(_q("CheckValue")) or "")
    own = {location, f"{folder}/SignedValue.dat", f"{folder}/Seal.esl", SIGNATURES}
    present = {n for n in files if n not in own and n.rpartition("/")[0] not in later}
    for name in sorted(set(covered) | present):
        if name not in files:
            problems.append(f"{name} 被删除")
        elif name not in covered:
            problems.append(f"{name} 是加章后添加的")
        elif sm3_digest(files[name]) != covered[name]:
            problems.append(f"{name} 被改动")
    return _check(facts.organ, facts, problems)


# -- PDF -------------------------------------------------------------------------------------------------------


def sign_pdf(pdf: bytes, stamps: Sequence[Stamp], when: dt.datetime) -> bytes:
    """The detached signature file of a PDF: one SES_Signature per seal over the SM3 of the whole file."""
    digest = sm3_digest(pdf)
    signatures = [s.key.sign(digest, when, f"application/pdf;length={len(pdf)}", s.eseal) for s in stamps]
    data: bytes = SesSignatures([_load(s) for s in signatures]).dump()
    return data


def verify_pdf(pdf: bytes, ses: bytes) -> Verification:
    """Every seal in a PDF's detached signature file, each checked against the SM3 of the PDF as given."""
    try:
        signatures = SesSignatures.load(ses, strict=True)
        items = [s.dump() for s in signatures][:MAX_SEALS]
    except (ValueError, TypeError) as exc:
        raise SealError(f"签章文件无法解析（不是 GB/T 38540 电子签章）：{exc}") from exc
    digest = sm3_digest(pdf)
    checks = []
    for der in items:
        try:
            facts = read_signature(der)
        except SealError as exc:
            checks.append(SealCheck(organ="（无法识别）", problems=[str(exc)]))
            continue
        problems = [] if facts.data_hash == digest else ["PDF 文件内容被改动（与签章时的杂凑值不符）"]
        checks.append(_check(facts.organ, facts, problems))
    return Verification("PDF", checks)


def _load(der: bytes) -> SesSignature:
    loaded: SesSignature = SesSignature.load(der)
    return loaded


def _check(organ: str, facts: SignatureFacts, problems: list[str]) -> SealCheck:
    return SealCheck(organ, facts.es_id, facts.version, facts.signed_at, facts.public_hex, problems)


# -- the package -----------------------------------------------------------------------------------------------


def _read_package(data: bytes) -> dict[str, bytes]:
    """Every part of an OFD package, refused unread when a part or the whole declares more than the limits."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(i.file_size for i in infos) > PACKAGE_MAX or len(infos) > 10_000:
                raise SealError("OFD 文件解压后过大")
            for info in infos:
                if info.filename.endswith(".xml") and info.file_size > OFD_XML_MAX:
                    raise SealError(f"OFD 部件 {info.filename} 过大")
            files = {i.filename: archive.read(i) for i in infos if not i.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, ValueError) as exc:
        if isinstance(exc, SealError):
            raise
        raise SealError(f"不是有效的 OFD 文件（ZIP 包无法打开）：{exc}") from exc
    if "OFD.xml" not in files or "Doc_0/Document.xml" not in files:
        raise SealError("不是本系统生成的 OFD 文件（缺少 OFD.xml 或 Doc_0/Document.xml）")
    return files


def _xml(data: bytes) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise SealError(f"OFD 签章部件无法解析：{exc}") from exc


def _write_package(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("OFD.xml", *sorted(n for n in files if n != "OFD.xml")):
            archive.writestr(name, files[name])
    return out.getvalue()
