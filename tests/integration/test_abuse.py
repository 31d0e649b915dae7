"""What the fuzzer and a careless or hostile client found: huge ids and years, unknown archive codes, empty or
oversized bodies, a zip bomb, uploads without a login. Each gets a 4xx with a stable code and changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.domain.models import Document
from services.runtime import Runtime
from tests.helpers.imports import import_files
from tests.helpers.invariants import changes_nothing
from tests.helpers.joint_notice import create_with_plan

Login = Callable[[str], dict[str, str]]
DEADLINE = dt.date.today() + dt.timedelta(days=10)


def _code(response: object) -> str:
    return str(response.json()["error"]["code"])  # type: ignore[attr-defined]


def test_ids_and_years_out_of_range_are_422(client: TestClient, login: Login, runtime: Runtime) -> None:
    drafter, archivist = login("mw.drafter"), login("archivist")
    with changes_nothing(runtime):
        for path in (
            "/api/v1/documents/99999999999999999999",
            "/api/v1/documents/2147483648/versions",
            "/api/v1/documents/0",
            "/api/v1/obligations/-1/chases",
        ):
            r = client.get(path, headers=drafter)
            assert r.status_code == 422 and _code(r) == "invalid_payload", path
        r = client.get("/api/v1/search", params={"q": "民族", "year": "-17900000000000000000"}, headers=drafter)
        assert r.status_code == 422
        r = client.get("/api/v1/archive/items", params={"year": "99999999999"}, headers=archivist)
        assert r.status_code == 422
        r = client.post("/api/v1/documents", json={"doc_type": "通知", "title": "关于某事的通知", "body": "正文",
                                                  "main_recipients": [2**40]}, headers=drafter)  # fmt: skip
        assert r.status_code == 422


def test_an_unknown_archive_code_is_404(client: TestClient, login: Login) -> None:
    for code in ("0", "Z001-WS·2026-Y-X-9999", "%E4%B8%AD"):
        r = client.get(f"/api/v1/archive/items/{code}", headers=login("archivist"))
        assert r.status_code == 404 and _code(r) == "archive_item_not_found"
        r = client.get(f"/api/v1/archive/items/{code}/files/manifest.json", headers=login("archivist"))
        assert r.status_code == 404


def test_empty_blank_and_oversized_bodies_are_refused(client: TestClient, login: Login, runtime: Runtime) -> None:
    drafter = login("mw.drafter")
    doc_id = create_with_plan(client, drafter, DEADLINE)
    with changes_nothing(runtime):
        for text, status in ((b"", 422), (b"   \n  ", 422), ("字".encode() * 2_000_001, 422), (b"x" * (9 << 20), 413)):
            r = client.put(
                f"/api/v1/documents/{doc_id}/body",
                files={"file": ("b.txt", text, "text/plain")},
                data={"base_version": "2"},
                headers=drafter,
            )
            assert r.status_code == status, (len(text), r.text[:300])
        assert client.get("/api/v1/health").status_code == 200  # the connection and the server are fine


def test_a_body_over_the_route_limit_is_refused_before_it_is_read(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    drafter = login("mw.drafter")
    huge = '{"doc_type": "通知", "title": "'.encode() + b"x" * (9 << 20) + b'"}'
    with changes_nothing(runtime):
        r = client.post("/api/v1/documents", content=huge, headers={**drafter, "Content-Type": "application/json"})
        assert r.status_code == 413 and _code(r) == "body_too_large"
        pulled = []

        def stream() -> Iterator[bytes]:  # no Content-Length: counted as it arrives and stopped at the cap
            for _ in range(40):
                pulled.append(1)
                yield b"x" * (1 << 20)

        admin = {**login("admin"), "Content-Type": "application/json"}
        r = client.post("/api/v1/organs", content=stream(), headers=admin)
        assert r.status_code == 413 and _code(r) == "body_too_large"


def test_an_upload_without_a_valid_login_is_refused_unread(client: TestClient, runtime: Runtime) -> None:
    with changes_nothing(runtime):
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            r = client.post(
                "/api/v1/documents/1/attachments", files={"file": ("a.bin", b"x" * (2 << 20))}, headers=headers
            )
            assert r.status_code == 401 and _code(r) == "login_required"
        r = client.post("/api/v1/imports", files={"files": ("a.txt", "正文".encode())})
        assert r.status_code == 401


def _zip_bomb() -> bytes:
    """A .docx-shaped zip of 150 KB that unpacks to 150 MB of XML."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:t>" + b"0" * (150 << 20) + b"</w:t>")
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(client: TestClient, login: Login, runtime: Runtime) -> None:
    bomb = _zip_bomb()
    assert len(bomb) < 400_000
    before = _documents(runtime)
    (outcome,) = import_files(client, runtime, login("mw.drafter"), [("files", ("方案.docx", bomb, "application/zip"))])
    assert outcome["status"] == "failed" and outcome["code"] == "archive_too_expanded"
    assert runtime.store.list("imports/") == [] and runtime.store.list("import-uploads/") == []
    assert _documents(runtime) == before


def _documents(runtime: Runtime) -> int:
    with runtime.context(write=False) as ctx:
        return int(ctx.session.scalar(select(func.count()).select_from(Document)) or 0)
