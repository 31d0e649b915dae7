"""Electronic seals on the example joint notice (seed 002's shape: three organs): each organ's seal picture drawn at
its seal place in the PDF, each seal's GB/T 38540 signature embedded in the OFD and detached beside the PDF; both
verify, and one byte changed in the body text breaks every seal that covers it, by name. No database here: the
keys are made in the test (tests/integration/test_seal.py runs the same through 用印)."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from pathlib import Path

import ofdkit
import pytest
from pypdf import PdfReader

from services.archive.package import check_package
from services.errors import Conflict, Invalid
from services.rendering.fonts import find_fonts_dir
from services.rendering.model import DocumentFacts
from services.rendering.renderer import DocumentRenderer
from services.seal.image import checked_png, draw_seal
from services.seal.keys import KeyStore
from services.seal.ses import KeyPair, SealError, SealKey, read_signature
from services.seal.sign import Stamp, places_of, sign_ofd, sign_pdf, verify_ofd, verify_pdf
from tests.layout.cases import MW, TZB, XCB, example_notice, seed_002

ORGANS = (TZB, XCB, MW)
NOW = dt.datetime(2025, 8, 26, 9, 30, tzinfo=dt.UTC)


def seal_key(organ: str, n: int) -> SealKey:
    fonts = find_fonts_dir()
    picture = draw_seal(organ, fonts / "FandolSong-Bold.otf" if fonts else None)
    valid = NOW - dt.timedelta(days=1)
    return SealKey(
        f"organ{n}-v1-0000", organ, 1, picture, 42, KeyPair.generate(), valid, valid, valid.replace(year=2035)
    )


@pytest.fixture(scope="module")
def sealed(renderer: DocumentRenderer) -> tuple[bytes, bytes, bytes, bytes]:
    """The notice's PDF and OFD with the three seals pressed: (pdf, ses, ofd, unsealed ofd)."""
    return seal_all(renderer, example_notice())


def seal_all(renderer: DocumentRenderer, facts: DocumentFacts) -> tuple[bytes, bytes, bytes, bytes]:
    keys = [seal_key(organ, n) for n, organ in enumerate(ORGANS)]
    layout = renderer.layout(facts).stamped({k.organ: k.image_png for k in keys})
    html = renderer.html(layout)
    pdf, _ = renderer.pdf(html)
    ofd = renderer.ofd(html)
    stamps = [Stamp.of(k, places_of(layout, k.organ)) for k in keys]
    assert all(s.places for s in stamps), "every organ has a seal place"
    return pdf, sign_pdf(pdf, stamps, NOW), sign_ofd(ofd, stamps, NOW), ofd


def test_the_three_seals_verify_on_the_pdf_and_the_ofd_naming_organ_time_and_version(
    sealed: tuple[bytes, bytes, bytes, bytes],
) -> None:
    pdf, ses, ofd, _ = sealed
    for found in (verify_pdf(pdf, ses), verify_ofd(ofd)):
        assert found.ok, [c.problems for c in found.checks]
        assert [c.organ for c in found.checks] == list(ORGANS)
        assert {c.version for c in found.checks} == {1} and {c.signed_at for c in found.checks} == {NOW}
    print(f"\nseals: PDF {len(pdf)} B + .ses {len(ses)} B, OFD {len(ofd)} B, 3 seals each")


def test_the_seal_pictures_are_drawn_on_the_pdf_page_and_stamped_in_the_ofd(
    sealed: tuple[bytes, bytes, bytes, bytes],
) -> None:
    pdf, _, ofd, unsealed = sealed
    drawn = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        content = page.get_contents()
        data = content.get_data() if content is not None else b""
        drawn += [(number, name) for name in ("Seal0", "Seal1", "Seal2") if f"/{name} Do".encode() in data]
    assert drawn == [(2, "Seal0"), (2, "Seal1"), (2, "Seal2")]  # the 署名 page: one picture per organ
    with zipfile.ZipFile(io.BytesIO(ofd)) as package:
        names = package.namelist()
        assert "Doc_0/Signs/Signatures.xml" in names
        for n in range(3):
            assert f"Doc_0/Signs/Sign_{n}/Signature.xml" in names and f"Doc_0/Signs/Sign_{n}/SignedValue.dat" in names
            signature = package.read(f"Doc_0/Signs/Sign_{n}/Signature.xml").decode()
            assert "StampAnnot" in signature and 'CheckMethod="1.2.156.10197.1.401"' in signature
            facts = read_signature(package.read(f"Doc_0/Signs/Sign_{n}/SignedValue.dat"))
            assert facts.image_png.startswith(b"\x89PNG") and facts.organ == ORGANS[n]
    with ofdkit.open(ofd) as signed, ofdkit.open(unsealed) as plain:  # an independent reader still reads the text
        assert [[r.text for r in p.runs] for p in signed.pages] == [[r.text for r in p.runs] for p in plain.pages]


def _changed_body_byte(ofd: bytes, text: tuple[str, str] = ("你们", "他们")) -> bytes:
    """The OFD with one character of the body text (on page 1) changed, the package otherwise as it was."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ofd)) as package, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in package.infolist():
            data = package.read(info)
            if info.filename == "Doc_0/Pages/Page_0/Content.xml":
                assert text[0].encode() in data, "the text to change is on page 1"
                data = data.replace(text[0].encode(), text[1].encode(), 1)  # 现将…印发给你们 → 他们: one character
            copy.writestr(info.filename, data)
    return out.getvalue()


def test_seed_002_itself_sealed_by_its_three_organs_verifies_and_one_changed_byte_names_every_broken_seal(
    renderer: DocumentRenderer, seeds_dir: Path
) -> None:
    """The seed's own text (its Mongolian 标志 lines and the plan as 附件 included), not only its shape."""
    pdf, ses, ofd, _ = seal_all(renderer, seed_002(seeds_dir))
    for found in (verify_pdf(pdf, ses), verify_ofd(ofd)):
        assert found.ok and [c.organ for c in found.checks] == list(ORGANS), [c.problems for c in found.checks]
    broken = verify_ofd(_changed_body_byte(ofd, ("民族", "名族")))
    assert not broken.ok and [c.organ for c in broken.broken] == list(ORGANS)
    at = pdf.index(b"stream\n", len(pdf) // 3) + 20
    assert [c.organ for c in verify_pdf(pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :], ses).broken] == list(ORGANS)


def test_one_changed_character_breaks_every_seal_naming_it_and_the_part(
    sealed: tuple[bytes, bytes, bytes, bytes],
) -> None:
    pdf, ses, ofd, _ = sealed
    found = verify_ofd(_changed_body_byte(ofd))
    assert not found.ok and [c.organ for c in found.broken] == list(ORGANS)
    assert all("Doc_0/Pages/Page_0/Content.xml 被改动" in c.problems for c in found.broken)
    at = pdf.index(b"stream\n", len(pdf) // 3) + 20  # one byte inside a stream of the file
    changed = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    broken = verify_pdf(changed, ses)
    assert not broken.ok and [c.organ for c in broken.broken] == list(ORGANS)
    assert all("PDF 文件内容被改动" in c.problems[0] for c in broken.broken)


def test_a_seal_added_removed_or_forged_is_seen(sealed: tuple[bytes, bytes, bytes, bytes]) -> None:
    _, _, ofd, _ = sealed
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ofd)) as package, zipfile.ZipFile(out, "w") as copy:
        for info in package.infolist():
            data = package.read(info)
            if info.filename == "Doc_0/Signs/Sign_1/SignedValue.dat":
                data = data[:-70] + bytes(70)  # the signature value of 宣传部's seal zeroed
            if info.filename != "Doc_0/Res/font_1.otf":
                copy.writestr(info.filename, data)
        copy.writestr("Doc_0/Pages/Page_9/Content.xml", b"<x/>")
    found = verify_ofd(out.getvalue())
    problems = {c.organ: c.problems for c in found.checks}
    assert not found.ok and len(found.checks) == 3
    assert any("签名不符" in p or "无法解析" in p for p in problems.get(XCB, problems.get("（无法识别）", [])))
    assert (
        "Doc_0/Res/font_1.otf 被删除" in problems[TZB]
        and "Doc_0/Pages/Page_9/Content.xml 是加章后添加的" in problems[MW]
    )


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.7 not really", b"PK\x03\x04broken zip", b"\x30\x82\xff\xff" + bytes(50), os.urandom(2000)],
    ids=["empty", "pdf-head", "broken-zip", "der-head", "noise"],
)
def test_malformed_files_are_refused_in_chinese(data: bytes) -> None:
    with pytest.raises(SealError) as raised:
        if data.startswith(b"PK"):
            verify_ofd(data)
        else:
            verify_pdf(b"%PDF-1.7", data)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(raised.value))


def test_an_ofd_declaring_more_than_the_limits_is_not_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    import services.seal.sign as sign

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("OFD.xml", b"<OFD/>")
        package.writestr("Doc_0/Document.xml", b"<Document/>")
        package.writestr("Doc_0/Res/big.otf", bytes(2_000_000))  # inflates 2000 times its size
    monkeypatch.setattr(sign, "PACKAGE_MAX", 1_000_000)
    with pytest.raises(SealError, match="解压后过大"):
        verify_ofd(out.getvalue())


def test_the_key_store_keeps_keys_private_and_never_replaces_one(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    key = KeyPair.generate()
    store.save("mw-v1-abcd", key)
    path = tmp_path / "keys" / "mw-v1-abcd.key"
    assert path.stat().st_mode & 0o777 == 0o600 and (tmp_path / "keys").stat().st_mode & 0o777 == 0o700
    assert store.load("mw-v1-abcd", key.public_hex) == key
    with pytest.raises(FileExistsError):
        store.save("mw-v1-abcd", KeyPair.generate())
    with pytest.raises(Conflict, match="seal_key_mismatch"):
        store.load("mw-v1-abcd", KeyPair.generate().public_hex)
    path.chmod(0o644)
    with pytest.raises(Conflict, match="seal_key_exposed"):
        store.load("mw-v1-abcd", key.public_hex)
    with pytest.raises(Conflict, match="seal_key_missing"):
        store.load("mw-v2-ffff", key.public_hex)
    with pytest.raises(ValueError):
        store.load("../../etc/passwd", key.public_hex)


def test_an_uploaded_seal_picture_must_be_a_modest_square_png() -> None:
    good = draw_seal(MW, None)
    assert checked_png(good) == good
    with pytest.raises(Invalid, match="seal_image_invalid"):
        checked_png(b"GIF89a" + bytes(100))
    with pytest.raises(Invalid, match="seal_image_too_large"):
        checked_png(good + bytes(3 * 1024 * 1024))


def test_the_archive_check_files_the_pdfs_seals_and_fails_a_package_whose_seal_is_broken(
    sealed: tuple[bytes, bytes, bytes, bytes],
) -> None:
    pdf, ses, ofd, _ = sealed
    good = {"01-正本.pdf": pdf, "01-正本.pdf.ses": ses, "01-正本.ofd": ofd}
    result, formats = check_package(good, {"文种": "通知"}, 0, scanner=None)
    assert formats["01-正本.pdf.ses"] == "ses" and result.safety.passed
    assert not [p for p in result.authenticity.problems if "电子印章" in p]
    result, _ = check_package(dict(good, **{"01-正本.ofd": _changed_body_byte(ofd)}), {"文种": "通知"}, 0, None)
    broken = [p for p in result.authenticity.problems if "电子印章验证失败" in p]
    assert len(broken) == 3 and all(p.startswith("01-正本.ofd：") for p in broken) and MW in broken[-1]
