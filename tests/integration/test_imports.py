"""Importing past documents: folders with a per-file report, idempotence, search by content, issuer and 文号,
links between summaries, notices and plans, and broken input that leaves nothing behind."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.domain.models import Document, ImportedFile, Organ
from services.indexing.service import IndexingService
from services.runtime import Runtime
from services.seed.texts import DOCUMENTS_DIR as EXAMPLES
from services.seed.texts import JOINT_NOTICE, PLAN_NOTICE
from tests.helpers.cli import run_cli
from tests.helpers.imports import import_files
from tests.helpers.seeds import seed_subject

Login = Callable[[str], dict[str, str]]


def _cli(runtime: Runtime, *args: str) -> object:
    result = run_cli(runtime, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def _state(runtime: Runtime) -> tuple[int, int, list[str]]:
    with runtime.context() as ctx:
        docs = ctx.session.scalar(select(func.count()).select_from(Document)) or 0
        files = ctx.session.scalar(select(func.count()).select_from(ImportedFile)) or 0
    return docs, files, runtime.store.list("imports/")


@seed_subject
def test_folder_import_reports_per_file_and_is_idempotent(
    runtime: Runtime, example_users: None, seeds_dir: Path, tmp_path: Path, prefect_server: str
) -> None:
    folder = tmp_path / "inbox"
    shutil.copytree(seeds_dir, folder)
    (folder / "002-gbk.txt").write_bytes(next(seeds_dir.glob("002_*")).read_text("utf-8").encode("gb18030"))
    (folder / "empty.txt").write_bytes(b"")
    outcomes = _cli(runtime, "import", str(folder), "--json")
    by_name = {o["filename"]: o for o in outcomes}  # type: ignore[attr-defined]
    assert by_name["empty.txt"]["status"] == "failed" and by_name["empty.txt"]["code"] == "file_empty"
    assert by_name["002-gbk.txt"]["status"] == "imported" and by_name["002-gbk.txt"]["encoding"] == "gb18030"
    counts = {name[:3]: len(o["document_ids"]) for name, o in by_name.items() if o["status"] == "imported"}
    assert counts == {"000": 1, "001": 1, "002": 1, "003": 10, "004": 8}
    # Per document, what the plan asks: obligations (title, date or cadence with count, units) and tasks.
    plans = {name[:3]: o["plans"] for name, o in by_name.items() if o["status"] == "imported"}
    assert [len(p) for p in plans["003"]] and all(not p["obligations"] and not p["tasks"] for p in plans["003"])
    seed_001 = plans["001"][0]["obligations"]
    assert [(o["title"], o["due_on"], o["cadence"], o["at_least"]) for o in seed_001] == [
        ("创建工作方案", "2022-05-30", None, 1), ("创建工作推进情况", "2022-06-20", None, 1),
        ("工作总结", "2022-12-20", None, 1), ("工作动态信息", None, "weekly", 1), ("工作动态信息", None, "monthly", 1),
    ]  # fmt: skip
    assert seed_001[3]["units"][0] == "市中心医院" and len(seed_001[3]["units"]) == 6
    assert [p["name"] for p in plans["001"][0]["phases"]] == ["部署阶段", "推进阶段", "评估阶段"]
    tasks = plans["002"][0]["tasks"]
    assert len(tasks) == 18 and (tasks[6]["lead"], tasks[6]["others"]) == ("市教育局", ["扎兰屯职业学院"])
    before = _state(runtime)
    again = _cli(runtime, "import", str(folder), "--json")
    assert {o["status"] for o in again if o["filename"] != "empty.txt"} == {"duplicate"}  # type: ignore[attr-defined]
    assert next(o for o in again if o["filename"].startswith("001"))["plans"][0]["obligations"] == seed_001  # type: ignore[attr-defined]
    assert _state(runtime) == before


@seed_subject
def test_imported_documents_are_searchable_by_content_issuer_and_number(
    client: TestClient, login: Login, runtime: Runtime, seeds_dir: Path, drain: Callable[[], None]
) -> None:
    files = [("files", (p.name, p.read_bytes(), "text/plain")) for p in sorted(seeds_dir.glob("*.txt"))]
    report = import_files(client, runtime, login("archivist"), files)
    assert [f["status"] for f in report] == ["imported"] * 5
    drain()
    hits = _cli(runtime, "search", "扎民委字（2024）32号", "--json")["hits"]  # type: ignore[index]
    assert [h["source"] for h in hits] == [next(seeds_dir.glob("002_*")).name]
    assert hits[0]["issuers"] == [
        "中共扎兰屯市委员会统一战线工作部",
        "中共扎兰屯市委员会宣传部",
        "扎兰屯市民族事务委员会",
    ]
    by_issuer = _cli(runtime, "search", "民族团结", "--issuer", "广元市卫生健康委员会", "--json")
    assert [h["doc_number"] for h in by_issuer["hits"]] == ["广卫发〔2022〕17号"]  # type: ignore[index]
    summaries = _cli(runtime, "search", "宣传月活动总结", "--json", "--limit", "50")
    assert summaries["total"] == 10  # type: ignore[index]
    found = client.get("/api/v1/search", params={"q": "石榴籽"}, headers=login("archivist")).json()
    assert found["total"] >= 1 and all(h["source"] for h in found["hits"])
    doc = client.get(f"/api/v1/documents/{report[2]['document_ids'][0]}", headers=login("archivist")).json()
    assert doc["status"] == "imported" and doc["kind"] == "imported" and doc["doc_number"] == "扎民委字〔2024〕32号"
    versions = client.get(f"/api/v1/documents/{doc['id']}/versions", headers=login("archivist")).json()
    recognized = versions[0]["fields"]["recognized"]
    assert recognized["report_deadline"]["value"] == "2024-09-22"
    plan = versions[0]["fields"]["plan"]
    assert [(o["title"], o["due_on"]) for o in plan["obligations"]] == [("活动月工作总结", "2024-09-22")]
    assert 0 < recognized["doc_number"]["confidence"] <= 1


def test_summaries_and_notices_link_to_their_plans(client: TestClient, login: Login, runtime: Runtime) -> None:
    headers = login("archivist")
    plan = "扎兰屯市2025年民族团结进步示范单位创建工作实施方案\n一、创建目标\n年内在全市培育市级民族团结进步示范单位。"
    summary = "关于民族团结进步活动月工作的总结\n根据扎民委字[2025]27号文件要求，我局开展了活动。"
    files = [
        ("files", ("plan.txt", plan.encode(), "text/plain")),
        ("files", ("joint.txt", (EXAMPLES / JOINT_NOTICE).read_bytes(), "text/plain")),
        ("files", ("notice.txt", (EXAMPLES / PLAN_NOTICE).read_bytes(), "text/plain")),
        ("files", ("summary.txt", summary.encode(), "text/plain")),
    ]
    ids = [f["document_ids"][0] for f in import_files(client, runtime, headers, files)]
    plan_id, joint_id, notice_id, summary_id = ids
    assert {"from_id": summary_id, "to_id": joint_id, "kind": "reports_on", "how": "doc_number"} in client.get(
        f"/api/v1/documents/{summary_id}/links", headers=headers
    ).json()
    assert {"from_id": notice_id, "to_id": plan_id, "kind": "issues_plan", "how": "title"} in client.get(
        f"/api/v1/documents/{notice_id}/links", headers=headers
    ).json()
    manual = client.post(
        f"/api/v1/documents/{summary_id}/links", json={"to_id": plan_id, "kind": "reports_on"}, headers=headers
    )
    assert manual.status_code == 201 and manual.json()["how"] == "manual"


def _truncated_docx() -> bytes:
    import docx

    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("关于开展义诊活动的通知")
    document.save(out)
    return out.getvalue()[: len(out.getvalue()) // 2]


def test_broken_input_gets_a_clear_error_per_file_and_leaves_nothing(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    good = EXAMPLES / PLAN_NOTICE
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    files = [
        ("files", ("empty.txt", b"", "text/plain")),
        ("files", ("photo.txt", png, "text/plain")),
        ("files", ("broken.docx", _truncated_docx(), "application/octet-stream")),
        ("files", ("../../etc/passwd.txt", good.read_bytes(), "text/plain")),
        ("files", ("fake.pdf", b"%PDF-1.7\n" + b"garbage" * 100, "application/pdf")),
        ("files", ("latin1.txt", "café naïve résumé déjà".encode("latin-1") * 20, "text/plain")),
    ]
    before = _state(runtime)
    report = import_files(client, runtime, login("archivist"), files)
    codes = {f["filename"]: f["code"] for f in report}
    assert codes == {
        "empty.txt": "file_empty",
        "photo.txt": "not_text",
        "broken.docx": "docx_unreadable",
        "../../etc/passwd.txt": "file_name_invalid",
        "fake.pdf": "pdf_unreadable",
        "latin1.txt": "encoding_unrecognised",
    }
    assert all(f["status"] == "failed" and f["message_zh"] and f["message_en"] for f in report)
    assert _state(runtime) == before


def test_a_200_mb_file_is_refused_without_being_read(
    runtime: Runtime, example_users: None, tmp_path: Path, prefect_server: str
) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: costs no disk
    before = _state(runtime)
    outcome = _cli(runtime, "import", str(big), "--json")
    assert outcome == [
        {
            "filename": "huge.txt",
            "status": "failed",
            "document_ids": [],
            "code": "file_too_large",  # type: ignore[comparison-overlap]
            "message_zh": "文件超过 100 MB",
            "message_en": "the file is larger than 100 MB",
            "format": None,
            "encoding": None,
            "plans": [],
        }
    ]
    assert _state(runtime) == before


def test_zip_bombs_are_not_docx(client: TestClient, login: Login, runtime: Runtime) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "不是 Word 文件")
    files = [("files", ("x.docx", out.getvalue(), "application/zip"))]
    report = import_files(client, runtime, login("archivist"), files)
    assert report[0]["code"] == "docx_unreadable"


def test_a_cli_import_is_searchable_when_it_ends(
    runtime: Runtime, example_users: None, tmp_path: Path, prefect_server: str
) -> None:
    _cli(runtime, "import", str(EXAMPLES / PLAN_NOTICE), "--json")
    hits = _cli(runtime, "search", "扎民委字[2025]11号", "--json")["hits"]  # type: ignore[index]
    assert [h["source"] for h in hits] == [PLAN_NOTICE]


CLASSIFIED = (
    "000123\n机密★5年\n特急\n扎兰屯市民族事务委员会文件\n扎民委字〔2024〕40号\n"
    "关于石榴籽工程保密事项的通知\n各乡镇：\n石榴籽工程的实施细节。\n"
)


def _import(client: TestClient, headers: dict[str, str], name: str, text: str) -> dict[str, Any]:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return import_files(client, runtime, headers, [("files", (name, text.encode(), "text/plain"))])[0]


def test_an_import_keeps_the_classification_its_header_states(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    outcome = _import(client, login("archivist"), "classified.txt", CLASSIFIED)
    with runtime.context() as ctx:
        IndexingService(ctx).apply_batch(runtime.search_index)
        document = ctx.session.get(Document, outcome["document_ids"][0])
        assert document is not None
        assert (document.classification, document.secrecy_period, document.urgency) == ("机密", "5年", "特急")
    search = {"q": "石榴籽工程"}
    cleared = client.get("/api/v1/search", params=search, headers=login("archivist")).json()
    assert [h["id"] for h in cleared["hits"]] == outcome["document_ids"]  # cleared for 机密: found
    uncleared = client.get("/api/v1/search", params=search, headers=login("mw.drafter")).json()
    assert uncleared["total"] == 0 and uncleared["hits"] == []  # the owning organ's drafter, not cleared


def test_nobody_imports_a_document_above_their_clearance(client: TestClient, login: Login, runtime: Runtime) -> None:
    before = _state(runtime)
    outcome = _import(client, login("mw.drafter"), "classified.txt", CLASSIFIED)
    assert outcome["status"] == "failed" and outcome["code"] == "import_above_clearance"
    assert "超出您的密级权限" in outcome["message_zh"] and outcome["document_ids"] == []
    assert _state(runtime) == before


def _organ_count(runtime: Runtime) -> int:
    with runtime.context() as ctx:
        return int(ctx.session.scalar(select(func.count()).select_from(Organ)) or 0)


def test_the_importer_makes_no_organ_of_a_line_it_cannot_read_and_only_an_admin_makes_any(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    header = "机密★5年\n第一部分\n某某县民族事务联络处\n"
    before = _organ_count(runtime)
    uncleared = header.replace("机密★5年", "特急")  # a drafter imports nothing above their clearance
    drafted = _import(client, login("mw.drafter"), "a.txt", f"{uncleared}关于开展联络工作的通知\n各乡镇：\n请配合。\n")
    assert _organ_count(runtime) == before  # a drafter's import creates no organ at all
    with runtime.context() as ctx:
        document = ctx.session.get(Document, drafted["document_ids"][0])
        assert document is not None and document.issuers == []
        assert document.issuer_names == ["某某县民族事务联络处"]  # kept as text: 责任者
    admin = _import(client, login("admin"), "b.txt", f"{header}关于开展联络工作的函\n各乡镇：\n请配合。\n")
    with runtime.context() as ctx:
        names = set(ctx.session.scalars(select(Organ.name)))
        document = ctx.session.get(Document, admin["document_ids"][0])
        assert document is not None and [i.organ.name for i in document.issuers] == ["某某县民族事务联络处"]
    assert _organ_count(runtime) == before + 1  # the line that reads as an organ, and only it
    assert not names & {"机密★5年", "第一部分"}


def test_an_imported_issuer_known_by_an_alias_is_that_organ(client: TestClient, login: Login, runtime: Runtime) -> None:
    outcome = _import(client, login("mw.drafter"), "c.txt", "市民委\n关于召开座谈会的通知\n各单位：\n定于下周召开。\n")
    with runtime.context() as ctx:
        document = ctx.session.get(Document, outcome["document_ids"][0])
        assert document is not None and [i.organ.code for i in document.issuers] == ["zlt-mw"]


def test_the_same_file_imported_by_two_organs_gives_each_its_own_record(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    files = [("files", (PLAN_NOTICE, (EXAMPLES / PLAN_NOTICE).read_bytes(), "text/plain"))]
    ours = import_files(client, runtime, login("mw.drafter"), files)[0]
    theirs = import_files(client, runtime, login("jyj.drafter"), files)[0]
    assert ours["status"] == theirs["status"] == "imported"
    assert set(ours["document_ids"]).isdisjoint(theirs["document_ids"])
    for user, outcome in (("mw.drafter", ours), ("jyj.drafter", theirs)):
        doc_id = outcome["document_ids"][0]
        assert client.get(f"/api/v1/documents/{doc_id}", headers=login(user)).status_code == 200
    again = import_files(client, runtime, login("jyj.drafter"), files)[0]
    assert again["status"] == "duplicate" and again["document_ids"] == theirs["document_ids"]
    with runtime.context() as ctx:
        IndexingService(ctx).apply_batch(runtime.search_index)
    for user in ("mw.drafter", "jyj.drafter"):  # each finds its own copy by its 文号
        found = client.get("/api/v1/search", params={"q": "扎民委字〔2025〕11号"}, headers=login(user)).json()
        assert found["total"] == 1


def test_a_cli_import_into_a_fresh_home_is_recorded_for_the_system(runtime: Runtime, prefect_server: str) -> None:
    outcome = _cli(runtime, "import", str(EXAMPLES / JOINT_NOTICE), "--json")
    assert [o["status"] for o in outcome] == ["imported"]  # type: ignore[attr-defined]
    with runtime.context() as ctx:
        document = ctx.session.scalar(select(Document))
        assert document is not None and document.drafter is not None
        assert document.drafter.username == "system" and not document.drafter.active
        assert document.owner_organ is not None and document.owner_organ.name == runtime.settings.archive.fonds_name
    refused = run_cli(runtime, "import", str(EXAMPLES), "--as", "nobody")
    assert refused.exit_code == 2 and "user_not_found" in refused.output and "nobody" in refused.output
