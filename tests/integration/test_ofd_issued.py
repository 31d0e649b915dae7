"""Every issued document gets its OFD (GB/T 33190) beside its PDF: the API serves it to whoever may read the
document, the document page links it, and the archive package carries both, each with its digests, checked alike."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from urllib.parse import quote

import ofdkit
import pdfplumber
from fastapi.testclient import TestClient

from services.archive.package import check_package, manifest_for
from services.archive.service import ArchiveService
from services.domain.models import ArchiveItem
from services.runtime import Runtime
from tests.helpers.archive_data import give_fonds
from tests.helpers.lifecycle import distributed, draft
from tests.helpers.pages import page_login

Login = Callable[[str], dict[str, str]]


def _pdf_pages(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return ["".join(c["text"] for c in page.chars if not c["text"].isspace()) for page in pdf.pages]


def _ofd_pages(data: bytes) -> list[str]:
    with ofdkit.open(data) as doc:
        return ["".join("".join(r.text.split()) for r in page.runs) for page in doc.pages]


def test_the_issued_document_has_its_ofd_with_the_pdfs_text(runtime: Runtime, client: TestClient, login: Login) -> None:
    doc_id = distributed(runtime)
    drafter = login("mw.drafter")
    doc = client.get(f"/api/v1/documents/{doc_id}", headers=drafter).json()
    shown = client.get(f"/api/v1/documents/{doc_id}/pdf", headers=drafter)
    pdf = shown.content
    # The PDF opens in the browser and saves under its 文号 and title, not as "pdf".
    name = quote(f"{doc['doc_number']} {doc['title']}")
    assert shown.headers["content-disposition"] == (
        f"inline; filename=\"gongwen-{doc_id}.pdf\"; filename*=UTF-8''{name}.pdf"
    )
    r = client.get(f"/api/v1/documents/{doc_id}/ofd", headers=drafter)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/ofd"
    saved = r.headers["content-disposition"]
    assert saved.startswith("attachment; ") and f"{name}.ofd" in saved
    with ofdkit.open(r.content) as ofd:
        assert ofd.info.title == doc["title"]
        assert ofd.info.custom_data["文号"] == doc["doc_number"]
        issuers = ofd.info.custom_data["发文机关"].split("、")
        assert len(issuers) == 3 and "扎兰屯市民族事务委员会" in issuers  # the joint notice's three organs
        assert ofd.info.custom_data["成文日期"].endswith("日")
    pdf_text, ofd_text = _pdf_pages(pdf), _ofd_pages(r.content)
    assert len(ofd_text) == len(pdf_text) == doc["page_count"]
    for number, (a, b) in enumerate(zip(pdf_text, ofd_text, strict=True), start=1):
        assert sorted(a) == sorted(b), f"page {number}: the OFD shows other characters than the PDF"
    page_login(client, "mw.drafter")
    page = client.get(f"/documents/{doc_id}")
    assert f'href="/api/v1/documents/{doc_id}/ofd">下载 OFD' in page.text


def test_no_ofd_before_issue_and_none_for_a_document_issued_without(
    runtime: Runtime, client: TestClient, login: Login
) -> None:
    drafter = login("mw.drafter")
    unissued = draft(runtime)
    r = client.get(f"/api/v1/documents/{unissued}/ofd", headers=drafter)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_rendered"
    page_login(client, "mw.drafter")
    assert "下载 PDF" not in client.get(f"/documents/{unissued}").text
    assert "下载 OFD" not in client.get(f"/documents/{unissued}").text

    doc_id = distributed(runtime)
    with runtime.context() as ctx:  # as if issued before OFD was written: the PDF alone is stored
        from services.documents.service import DocumentService

        key = DocumentService(ctx).get(doc_id).rendered_ofd_key
        assert key is not None and ctx.store.exists(key)
        ctx.store.delete(key)
    r = client.get(f"/api/v1/documents/{doc_id}/ofd", headers=drafter)
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_ofd"
    shown = client.get(f"/documents/{doc_id}").text
    assert "下载 PDF" in shown and "下载 OFD" not in shown
    assert client.get(f"/api/v1/documents/{doc_id}/pdf", headers=drafter).status_code == 200


def test_the_archive_package_carries_both_with_digests_and_checks_both(runtime: Runtime, example_users: None) -> None:
    doc_id = distributed(runtime)
    give_fonds(runtime)
    with runtime.context() as ctx:
        archive = ArchiveService(ctx)
        document = archive.documents.get(doc_id)
        item = ArchiveItem(
            year=2026, retention="D30", item_no=1, archival_code="Z001-2026-D30-0001", title=document.title,
            doc_number=document.doc_number, responsible="扎兰屯市民族事务委员会", date="20260101",
            classification="", document_ids=[doc_id], package_prefix="archive/test", fonds_code="Z001",
        )  # fmt: skip
        files, metadata, expected = archive.package(item)
    assert {"01-正本.pdf", "01-正本.ofd"} <= set(files)
    assert "OFD（GB/T 33190）" in metadata["格式信息"]
    result, formats = check_package(files, metadata, expected, scanner=None)
    assert formats["01-正本.ofd"] == "ofd"
    assert result.usability.passed and result.integrity.passed, result.as_dict()
    manifest = manifest_for(files, formats)
    entries = {e["path"]: e for e in manifest["files"]}
    assert entries["01-正本.ofd"]["format"] == "ofd" and len(entries["01-正本.ofd"]["sha256"]) == 64
    assert entries["01-正本.pdf"]["sha256"] != entries["01-正本.ofd"]["sha256"]
    json.dumps(manifest)

    broken = dict(files, **{"01-正本.ofd": files["01-正本.ofd"][:2000]})
    result, _ = check_package(broken, metadata, expected, scanner=None)
    assert not result.usability.passed
    assert any("01-正本.ofd" in p for p in result.usability.problems)
