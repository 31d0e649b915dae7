"""Seed 002 (the example joint notice of three organs) sealed at 用印 and issued: the PDF and the OFD carry the three
organs' electronic seals; `gongwen seal verify` and the verify page say who sealed it, when and with which version,
and name the broken seals when one character of the body text changes. Nobody but the registrar presses them; a
rotated seal still verifies what it sealed; malformed or huge files are refused in Chinese and change nothing."""

from __future__ import annotations

import io
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services import cli, compose
from services.domain.models import User
from services.errors import Forbidden
from services.runtime import Runtime
from tests.helpers.invariants import changes_nothing
from tests.helpers.joint_notice import ISSUER_NAMES, organ_ids
from tests.helpers.pages import page_login
from tests.integration.test_registrar import A, Login, error, gate_on, recipients, seals, signed, status

CHANGED = ("你们".encode(), "他们".encode())  # 现将…印发给你们: one character of the body text


def sealed(client: TestClient, login: Login, drain: Callable[[], None]) -> int:
    """Seed 002 through 复核, 登记, 用印 (the three organs' seals) and 核发, issued and distributed."""
    gate_on(client, login)
    doc_id = signed(client, login, drain)
    registrar = login("mw.registrar")
    drain()
    assert client.post(f"{A}/{doc_id}/recheck", json={"opinion": "无误"}, headers=registrar).status_code == 200
    body = {"recipients": recipients(client, login, doc_id), "copies": 3}
    assert client.post(f"{A}/{doc_id}/register", json=body, headers=registrar).status_code == 200
    r = client.post(f"{A}/{doc_id}/seal", json={"seals": seals(client, login)}, headers=registrar)
    assert r.status_code == 200, r.text
    assert client.post(f"{A}/{doc_id}/release", headers=registrar).status_code == 202
    drain()
    assert status(client, login, doc_id) == "distributed"
    return doc_id


def files(client: TestClient, login: Login, doc_id: int) -> tuple[bytes, bytes, bytes]:
    reader = login("mw.drafter")
    pdf, ofd, ses = (client.get(f"{A}/{doc_id}/{part}", headers=reader) for part in ("pdf", "ofd", "pdf.ses"))
    assert pdf.status_code == ofd.status_code == ses.status_code == 200, ses.text
    return pdf.content, ofd.content, ses.content


def verify(runtime: Runtime, monkeypatch: pytest.MonkeyPatch, path: Path) -> tuple[int, str]:
    monkeypatch.setattr(cli, "_settings", lambda: runtime.settings)
    result = CliRunner().invoke(cli.app, ["seal", "verify", str(path)], env={"COLUMNS": "200"})
    out = result.output.replace("\n", "")
    if result.exit_code and result.exc_info:
        out += "".join(traceback.format_exception(*result.exc_info))
    return result.exit_code, out


def change_body(ofd: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ofd)) as package, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in package.infolist():
            data = package.read(info)
            if info.filename == "Doc_0/Pages/Page_0/Content.xml":
                assert CHANGED[0] in data
                data = data.replace(*CHANGED, 1)
            copy.writestr(info.filename, data)
    return out.getvalue()


def test_seed_002_sealed_by_its_three_organs_verifies_and_a_changed_character_names_the_broken_seals(
    client: TestClient,
    login: Login,
    runtime: Runtime,
    drain: Callable[[], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc_id = sealed(client, login, drain)
    pdf, ofd, ses = files(client, login, doc_id)
    (tmp_path / "正本.pdf").write_bytes(pdf)
    (tmp_path / "正本.pdf.ses").write_bytes(ses)
    (tmp_path / "正本.ofd").write_bytes(ofd)
    for name in ("正本.pdf", "正本.ofd"):
        code, out = verify(runtime, monkeypatch, tmp_path / name)
        assert code == 0, out
        for organ in ISSUER_NAMES:
            assert f"有效 {organ}（电子印章第 1 版" in out, out
        assert "3 枚电子印章均验证通过" in out

    (tmp_path / "改.ofd").write_bytes(change_body(ofd))
    code, out = verify(runtime, monkeypatch, tmp_path / "改.ofd")
    assert code == 1
    for organ in ISSUER_NAMES:
        assert f"失效 {organ}（电子印章第 1 版" in out and "Doc_0/Pages/Page_0/Content.xml 被改动" in out
    at = pdf.index(b"stream\n", len(pdf) // 3) + 20
    (tmp_path / "改.pdf").write_bytes(pdf[:at] + bytes([pdf[at] ^ 1]) + pdf[at + 1 :])
    (tmp_path / "改.pdf.ses").write_bytes(ses)
    code, out = verify(runtime, monkeypatch, tmp_path / "改.pdf")
    assert code == 1 and out.count("失效") == 3 and "PDF 文件内容被改动" in out


def test_only_the_registrar_presses_the_seals_and_refusals_change_nothing(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    gate_on(client, login)
    doc_id = signed(client, login, drain)
    registrar = login("mw.registrar")
    drain()
    client.post(f"{A}/{doc_id}/recheck", json={"opinion": "无误"}, headers=registrar)
    body = {"recipients": recipients(client, login, doc_id), "copies": 3}
    assert client.post(f"{A}/{doc_id}/register", json=body, headers=registrar).status_code == 200
    pressing = {"seals": seals(client, login)}
    with changes_nothing(runtime):  # no seal record, no seal made, no key written
        error(client.post(f"{A}/{doc_id}/seal", json=pressing, headers=login("mw.drafter")), 403, "role_required")
        error(client.post(f"{A}/{doc_id}/seal", json=pressing, headers=login("tzb.head")), 403, "role_required")
        other = client.post(f"{A}/{doc_id}/seal", json=pressing, headers=login("jyj.registrar"))
        assert other.status_code in (403, 404) and other.json()["error"]["message_zh"]
    assert not list((runtime.settings.effective_seal_keys_dir).glob("*.key"))
    with runtime.context() as ctx:  # the rule itself: another organ's registrar may not press 市民委's seal
        jyj = ctx.session.query(User).filter_by(username="jyj.registrar").one()
        mw = organ_ids(client, login("admin"))["zlt-mw"]
        from services import access

        with pytest.raises(Forbidden, match="seal_not_yours"):
            access.require_press_seal(jyj, mw, mw)


def test_a_new_seal_version_presses_later_documents_and_the_old_one_still_verifies(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None], tmp_path: Path
) -> None:
    first = sealed(client, login, drain)
    _, ofd, _ = files(client, login, first)
    with runtime.context() as ctx, pytest.raises(Forbidden, match="role_required"):
        compose.seals(ctx).make_named("mw.registrar", "zlt-mw")  # only an admin makes seals
    with runtime.context() as ctx:
        made = compose.seals(ctx).make_named("admin", "zlt-mw")
        assert made.version == 2
        key_file = runtime.settings.effective_seal_keys_dir / f"{made.es_id}.key"
        assert key_file.stat().st_mode & 0o777 == 0o600
    with runtime.context(write=False) as ctx:
        found = compose.seals(ctx).verify(ofd)
    assert found.ok, [(c.organ, c.version, c.signed_at, c.problems) for c in found.checks]
    assert {c.version for c in found.checks} == {1}
    second = sealed(client, login, drain)
    _, ofd2, _ = files(client, login, second)
    with runtime.context(write=False) as ctx:
        versions = {c.organ: c.version for c in compose.seals(ctx).verify(ofd2).checks}
    assert versions == {ISSUER_NAMES[0]: 1, ISSUER_NAMES[1]: 1, ISSUER_NAMES[2]: 2}


def test_the_verify_page_shows_each_seal_and_refuses_bad_files_in_chinese(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    doc_id = sealed(client, login, drain)
    pdf, ofd, ses = files(client, login, doc_id)
    page_login(client, "mw.drafter")
    assert f'href="/api/v1/documents/{doc_id}/pdf.ses"' in client.get(f"/documents/{doc_id}").text
    csrf = page_login(client, "jyj.drafter")  # a recipient checks what it received
    assert "验证电子印章" in client.get("/seals/verify").text
    shown = client.post("/seals/verify", data={"csrf": csrf}, files={"file": ("正本.ofd", ofd)})
    assert shown.status_code == 200 and "3 枚电子印章均有效" in shown.text
    assert all(organ in shown.text for organ in ISSUER_NAMES) and "第 1 版" in shown.text
    broken = client.post("/seals/verify", data={"csrf": csrf}, files={"file": ("正本.ofd", change_body(ofd))})
    assert "3 枚电子印章验证失败" in broken.text and "Page_0/Content.xml 被改动" in broken.text
    both = client.post("/seals/verify", data={"csrf": csrf}, files=[("file", ("a.pdf", pdf)), ("ses", ("a.ses", ses))])
    assert "3 枚电子印章均有效" in both.text
    with changes_nothing(runtime):
        for name, data, expected in (
            ("a.pdf", pdf, "须同时提供其签章文件"),
            ("a.ofd", b"PK\x03\x04" + bytes(200), "不是有效的 OFD 文件"),
            ("a.txt", "一段文字".encode(), "只能验证 OFD 或 PDF"),
            ("huge.ofd", b"PK" + bytes(51 * 1024 * 1024), "超过 50 MB"),
        ):
            r = client.post("/seals/verify", data={"csrf": csrf}, files={"file": (name, data)})
            assert r.status_code in (413, 422) and expected in r.text, (name, r.status_code, r.text[-400:])
