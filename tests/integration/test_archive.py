"""The annual archival run: catalogue rows equal the 件, 档号 well-formed and gap-free, packages verify; killed
four times (once while its workers store packages) it ends with the catalogue of an uninterrupted run; fixity names
exactly the altered 件; a 件 that fails the 四性 checks is not stored and the report says why."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from flows.archive import annual_archive, fixity_audit
from flows.runtime import set_runtime
from flows.worker import quiet_prefect
from services.archive.rules import ARCHIVAL_CODE
from services.config import Settings
from services.domain.models import ArchiveItem, Attachment, DocumentVersion
from services.processes import gongwen_command
from services.runtime import Runtime
from tests.helpers.archive_data import make_year

YEAR = 2025


@pytest.fixture
def year_home(tmp_path: Path, sqlite_users_template: Path, prefect_server: str) -> Iterator[Runtime]:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(sqlite_users_template, home / "gongwen.db")  # migrated, with the example organs and users
    runtime = Runtime(Settings(home=home, environment="test"), migrated=True)
    set_runtime(runtime)
    yield runtime
    runtime.close()


def _catalogue(runtime: Runtime) -> list[list[str]]:
    """The header, then the rows of every fonds' catalogue of the year, fonds by fonds."""
    keys = sorted(k for k in runtime.store.list("catalogues/") if k.endswith(f"/{YEAR}/归档文件目录.csv"))
    tables = [list(csv.reader(io.StringIO(runtime.store.get(k).decode("utf-8-sig")))) for k in keys]
    return tables[0][:1] + [row for table in tables for row in table[1:]]


def _archive(runtime: Runtime) -> dict[str, object]:
    with quiet_prefect():
        return annual_archive(YEAR)


def test_a_year_of_the_example_documents_and_1000_generated_ones(year_home: Runtime) -> None:
    ids = make_year(year_home, YEAR, 1000)
    result = _archive(year_home)
    report = result["report"]
    assert report["selected"] == len(ids) == 1003 and report["stored"] == 1003  # type: ignore[index]
    rows = _catalogue(year_home)
    assert rows[0] == ["序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注"]
    assert len(rows) - 1 == 1003
    codes = [r[1] for r in rows[1:]]
    assert len(set(codes)) == 1003 and all(ARCHIVAL_CODE.match(c) for c in codes)
    assert report["gaps"] == []  # type: ignore[index]
    assert {c["fonds"] for c in report["catalogues"]} == {"Z001", "Z002", "Z003", "G001"}  # type: ignore[index]
    for fmt in ("xlsx", "pdf"):
        assert year_home.store.exists(f"catalogues/Z002/{YEAR}/归档文件目录.{fmt}")
    with quiet_prefect():
        assert fixity_audit()["failures"] == []
    package = year_home.store.list(f"archive/{YEAR}/{codes[0]}/")
    assert {p.rsplit("/", 1)[-1] for p in package} >= {"manifest.json", "metadata.json", "01-正本.pdf", "01-定稿.txt"}
    metadata = json.loads(year_home.store.get(f"archive/{YEAR}/{codes[0]}/metadata.json"))
    assert metadata["档号"] == codes[0] and metadata["归档章"]["件号"] == int(codes[0][-4:])
    assert set(result["stage_seconds"]) >= {"select", "number", "package", "check", "store", "catalogue"}  # type: ignore[arg-type]
    assert _archive(year_home)["report"]["selected"] == 0  # type: ignore[index]  # nothing is filed twice


def test_fixity_names_exactly_the_altered_item(year_home: Runtime) -> None:
    make_year(year_home, YEAR, 20)
    _archive(year_home)
    with year_home.context() as ctx:
        victim = ctx.session.scalars(select(ArchiveItem).order_by(ArchiveItem.id)).all()[7]
        code, prefix = victim.archival_code, victim.package_prefix
    path = year_home.settings.home_dir / "objects" / f"{prefix}01-定稿.txt"
    path.chmod(0o644)
    path.write_bytes(path.read_bytes() + "被篡改".encode())
    with quiet_prefect():
        failures = fixity_audit()["failures"]
    assert [f["档号"] for f in failures] == [code]
    assert failures[0]["problems"] == ["01-定稿.txt 摘要不符"]


def test_a_failing_item_is_not_stored_and_the_report_says_why(year_home: Runtime) -> None:
    ids = make_year(year_home, YEAR, 10)
    with year_home.context() as ctx:  # one document carries an executable as its attachment
        version = ctx.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == ids[6]))
        assert version is not None
        ctx.store.put(f"documents/{ids[6]}/v1/att-1-tool.png", b"MZ\x90\x00binary", "image/png")
        version.attachments.append(
            Attachment(
                position=0,
                title="工具",
                filename="tool.png",
                content_type="image/png",
                key=f"documents/{ids[6]}/v1/att-1-tool.png",
                size=8,
                sha256="-",
            )
        )
        ctx.store.delete(f"documents/{ids[8]}/issued/{ids[8]}.pdf")  # and one lost its 正本
    report = _archive(year_home)["report"]
    assert report["stored"] == 11  # type: ignore[index]  # 13 documents, one without its 正本, one unsafe
    assert [f["document_id"] for f in report["precheck_failed"]] == [ids[8]]  # type: ignore[index]
    assert report["precheck_failed"][0]["problems"] == ["正本（版式文件）缺失"]  # type: ignore[index]
    failed = report["failed"][0]  # type: ignore[index]
    assert not failed["checks"]["安全性"]["passed"] and not failed["checks"]["可用性"]["passed"]
    assert not year_home.store.list(f"archive/{YEAR}/{failed['档号']}/")


def _descendants(pid: int) -> set[int]:
    """The processes below ``pid`` (Linux /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_killed_four_times_ends_with_the_catalogue_of_an_uninterrupted_run(
    year_home: Runtime, tmp_path: Path, prefect_server: str
) -> None:
    make_year(year_home, YEAR, 300)
    twin_home = tmp_path / "twin"
    year_home.db.dispose()  # closing the last connection checkpoints the WAL: the file copies whole
    shutil.copytree(year_home.settings.home_dir, twin_home, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    twin = Runtime(Settings(home=twin_home, environment="test"), migrated=True)
    set_runtime(twin)
    _archive(twin)
    expected = _catalogue(twin)
    twin.close()

    env = {**os.environ, "GONGWEN_HOME": str(year_home.settings.home_dir), "GONGWEN_PREFECT__API_URL": prefect_server}
    run = gongwen_command("archive", "run", "--year", str(YEAR), "--json")
    # first while its worker processes package and store: they die with it, none writes on after the kill
    proc = subprocess.Popen(run, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    packages = year_home.settings.home_dir / "objects" / "archive" / str(YEAR)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not (packages.is_dir() and len(_descendants(proc.pid)) >= 3):
        time.sleep(0.2)
    workers = _descendants(proc.pid)  # the fork server and the workers it forked
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(workers) >= 3
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]
    rng = random.Random(11)
    for _ in range(3):
        proc = subprocess.Popen(run, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(3.0, 7.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = subprocess.run(run, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-4000:]
    assert json.loads(done.stdout.decode().strip().splitlines()[-1])["status"] == "done"
    set_runtime(year_home)
    assert _catalogue(year_home) == expected
    with year_home.context() as ctx:
        codes = list(ctx.session.scalars(select(ArchiveItem.archival_code)))
    assert len(codes) == len(set(codes)) == len(expected) - 1
    with quiet_prefect():
        assert fixity_audit()["failures"] == []


def test_report_backs_join_their_plan_when_configured(year_home: Runtime) -> None:
    from services.domain.models import Document, DocumentVersion

    ids = make_year(year_home, YEAR, 3)
    with year_home.context() as ctx:
        plan = ctx.session.get(Document, ids[0])  # the joint notice
        assert plan is not None
        reply = Document(
            kind="reply",
            status="received",
            doc_type="报告",
            title="活动月工作总结",
            lead_organ_id=plan.lead_organ_id,
            issue_form="报",
            reply_to_id=plan.id,
            written_on=plan.written_on,
            current_version=1,
        )
        ctx.session.add(reply)
        ctx.session.flush()
        ctx.store.put(f"documents/{reply.id}/v1/body.txt", "一、主要做法".encode(), "text/plain")
        ctx.session.add(
            DocumentVersion(
                document_id=reply.id,
                number=1,
                body_key=f"documents/{reply.id}/v1/body.txt",
                body_sha256="-",
                body_size=18,
                fields={},
            )
        )
        reply_id = reply.id
    twin_settings = year_home.settings.model_copy(deep=True)
    twin_settings.archive.group_replies_with_plan = True
    year_home.settings = twin_settings
    report = _archive(year_home)["report"]
    assert report["stored"] == 6  # type: ignore[index]  # the reply joined its plan
    with year_home.context() as ctx:
        item = next(i for i in ctx.session.scalars(select(ArchiveItem)) if reply_id in i.document_ids)
        assert item.document_ids == [ids[0], reply_id]  # 复文 before 来文: the plan leads
        files = year_home.store.list(item.package_prefix)
    assert any(f.endswith("11-定稿.txt") for f in files)


def _incoming(runtime: Runtime, title: str, doc_type: str, lead_code: str) -> int:
    """A document that came in from another organ (imported), with its text."""
    import datetime as dt

    from services.domain.models import Document, DocumentVersion, Organ

    with runtime.context() as ctx:
        organ = ctx.session.scalar(select(Organ).where(Organ.code == lead_code))
        assert organ is not None
        doc = Document(kind="imported", status="imported", doc_type=doc_type, title=title, lead_organ_id=organ.id,
                       issue_form="发", written_on=dt.date(YEAR - 1, 12, 20), current_version=1)  # fmt: skip
        ctx.session.add(doc)
        ctx.session.flush()
        ctx.store.put(f"documents/{doc.id}/v1/body.txt", title.encode(), "text/plain")
        ctx.session.add(DocumentVersion(document_id=doc.id, number=1, body_key=f"documents/{doc.id}/v1/body.txt",
                                        body_sha256="-", body_size=len(title.encode()), fields={}))  # fmt: skip
        return doc.id


def test_forwarded_and_answered_documents_are_filed_with_the_forwarding_and_answering_one(year_home: Runtime) -> None:
    from services.domain.models import DocumentLink

    ids = make_year(year_home, YEAR, 3)
    request = _incoming(year_home, "扎兰屯市教育局关于举办民族团结进步主题展览的请示", "请示", "zlt-jyj")
    forwarded = _incoming(year_home, "关于开展第41个民族团结进步活动月的通知", "通知", "zlt-sw")
    with year_home.context() as ctx:
        ctx.session.add(DocumentLink(from_id=ids[0], to_id=request, kind="answers", how="manual"))
        ctx.session.add(DocumentLink(from_id=ids[1], to_id=forwarded, kind="forwards", how="manual"))
    report = _archive(year_home)["report"]
    # the two incoming documents are not 件 of their own; the 请示 + 批复 件 is kept by both organs (§3.7)
    assert report["stored"] == 7  # type: ignore[index]
    with year_home.context() as ctx:
        pair = [i for i in ctx.session.scalars(select(ArchiveItem)) if i.document_ids[0] == ids[0]]
        assert sorted(i.fonds_code for i in pair) == ["Z001", "Z011"]  # 市民委 answered, 市教育局 asked
        items = {i.document_ids[0]: i for i in ctx.session.scalars(select(ArchiveItem))}
        assert items[ids[0]].document_ids == [ids[0], request]  # 复文 first, 来文 after
        assert items[ids[1]].document_ids == [ids[1], forwarded]  # 转发文 first, 被转发文 after
        metadata = json.loads(year_home.store.get(items[ids[0]].package_prefix + "metadata.json"))
        files = year_home.store.list(items[ids[1]].package_prefix)
    assert [c["角色"] for c in metadata["组件"]] == ["正本", "来文"]
    assert any(f.endswith("11-定稿.txt") for f in files) and any(f.endswith("11-处理单.html") for f in files)
