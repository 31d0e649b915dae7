"""Runs an operator can find: the Prefect API, asked for runs whose name holds a document's 文号, answers with that
document's checks and issue runs, tagged with its id, organ and step; `gongwen import` and `gongwen reindex` run
as an operator runs them put their runs, named and tagged, on the instance's Prefect server and print no
traceback."""

from __future__ import annotations

import datetime as dt
import json
import socket
import sqlite3
import time
from pathlib import Path
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterName,
    FlowRunFilterStartTime,
    FlowRunFilterTags,
)
from sqlalchemy import func, select

from flows.worker import Worker
from services.config import Settings
from services.domain.models import Document
from services.processes import free_port
from services.runtime import Runtime
from services.seed.texts import DOCUMENTS_DIR, JOINT_NOTICE, PLAN_NOTICE, document_text
from tests.helpers import lifecycle
from tests.helpers.cli import run_gongwen


def _runs(since: dt.datetime, name: str | None = None, tags: list[str] | None = None) -> list[Any]:
    """Runs started since the test began (the session's server holds every test's runs)."""
    wanted = FlowRunFilter(
        start_time=FlowRunFilterStartTime(after_=since),
        name=FlowRunFilterName(like_=name) if name else None,
        tags=FlowRunFilterTags(all_=tags) if tags else None,
    )
    with get_client(sync_client=True) as client:
        return list(client.read_flow_runs(flow_run_filter=wanted))


def _task_runs(flow_run_ids: list[Any], expected: int) -> list[Any]:
    """The task runs of these flow runs, once Prefect's server has recorded them (from events, a moment later)."""
    wanted = FlowRunFilter(id=FlowRunFilterId(any_=flow_run_ids))
    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while True:
            found = list(client.read_task_runs(flow_run_filter=wanted))
            if len(found) >= expected or time.monotonic() > deadline:
                return found
            time.sleep(0.2)


def _document(runtime: Runtime, doc_id: int) -> Document:
    with runtime.context(write=False) as ctx:
        document = ctx.session.get_one(Document, doc_id)
        ctx.session.expunge(document)
        return document


def _issue(runtime: Runtime, worker: Worker, *doc_ids: int) -> None:
    for doc_id in doc_ids:
        lifecycle.review(runtime, doc_id)
        lifecycle.sign(runtime, doc_id, *lifecycle.HEADS)
    worker.drain()


def test_an_issued_documents_runs_are_found_by_its_number_with_its_tags(
    runtime: Runtime, example_users: None, prefect_server: str
) -> None:
    since = dt.datetime.now(dt.UTC)
    worker = Worker(runtime)
    doc_id = lifecycle.submitted(runtime)
    worker.drain()
    title = _document(runtime, doc_id).title
    checks = _runs(since, tags=[f"doc:{doc_id}", "step:check"])
    assert [r.name for r in checks] == [f"{title} · 格式检查"]  # no 文号 yet: its title
    _issue(runtime, worker, doc_id)
    document = _document(runtime, doc_id)
    assert document.status == "distributed" and document.doc_number
    found = _runs(since, name=document.doc_number)
    assert sorted(r.name for r in found) == [f"{document.doc_number} · 核发", f"{document.doc_number} · 格式检查"]
    for run in found:
        assert {f"doc:{doc_id}", "organ:zlt-mw"} <= set(run.tags)
        assert {t for t in run.tags if t.startswith("step:")} == {"step:issue" if "核发" in run.name else "step:check"}
        assert run.state is not None and run.state.is_completed()
    assert _runs(since, name="doc-") == []  # the old names are gone
    tasks = _task_runs([run.id for run in found], expected=4)
    assert sorted(t.name for t in tasks) == [
        f"{step}-doc-{doc_id}" for step in ("distribute", "format-checks", "register", "render")
    ]
    assert all(t.tags == [] for t in tasks)  # else every task asks the server for a slot of each tag


def test_documents_checked_and_issued_together_are_each_named_and_tagged_in_their_run(
    runtime: Runtime, example_users: None, prefect_server: str
) -> None:
    since = dt.datetime.now(dt.UTC)
    worker = Worker(runtime)
    first, second = lifecycle.submitted(runtime), lifecycle.submitted(runtime)
    worker.drain()
    _issue(runtime, worker, first, second)
    numbers = [_document(runtime, i).doc_number for i in (first, second)]
    assert all(numbers) and numbers[0] != numbers[1]
    for number in numbers:
        names = sorted(r.name for r in _runs(since, name=number))
        assert names == [f"{numbers[0]}、{numbers[1]} · 核发", f"{numbers[0]}、{numbers[1]} · 格式检查"]
    for run in _runs(since, tags=[f"doc:{first}"]):
        assert {f"doc:{first}", f"doc:{second}", "organ:zlt-mw"} <= set(run.tags)
    other = _runs(since, name=numbers[0].replace("号", "9号"))  # a number nobody has: nothing
    assert other == []


def _quiet(result: Any) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Error" not in result.stderr, result.stderr


def test_import_and_reindex_run_on_the_instances_server_named_and_tagged_without_a_traceback(
    runtime: Runtime, example_users: None, tmp_path: Path, prefect_server: str
) -> None:
    since = dt.datetime.now(dt.UTC)
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in (JOINT_NOTICE, PLAN_NOTICE, "notice.txt"):  # three single documents of our own
        text = document_text(JOINT_NOTICE if name == "notice.txt" else name)
        (folder / name).write_text(text.replace("27号", "28号") if name == "notice.txt" else text, encoding="utf-8")
    imported = run_gongwen(runtime, "import", str(folder))
    _quiet(imported)
    assert "imported 3" in imported.stdout
    reindexed = run_gongwen(runtime, "reindex")
    _quiet(reindexed)
    assert "indexed 3 documents" in reindexed.stdout
    [import_run] = _runs(since, tags=["step:import"])
    assert import_run.name == "导入 3 个文件 · inbox" and "files:3" in import_run.tags
    [reindex_run] = _runs(since, tags=["step:reindex"])
    assert reindex_run.name == "重建检索索引 · 3 件" and "documents:3" in reindex_run.tags
    assert import_run.state.is_completed() and reindex_run.state.is_completed()


def test_a_command_run_while_the_instance_is_down_starts_the_instances_own_server_not_a_temporary_one(
    tmp_path: Path, prefect_server: str
) -> None:
    runtime = Runtime(Settings(home=tmp_path / "home", environment="test", example_data=False))  # a fresh home
    port = free_port()
    result = run_gongwen(runtime, "reindex", GONGWEN_PREFECT__API_URL="", GONGWEN_PREFECT__PORT=str(port))
    _quiet(result)
    database = runtime.settings.prefect_home / "prefect.db"  # where `gongwen up` keeps its server's runs
    with sqlite3.connect(database) as db:
        runs = [(name, set(json.loads(tags))) for name, tags in db.execute("SELECT name, tags FROM flow_run")]
    assert runs == [("重建检索索引 · 0 件", {"step:reindex", "documents:0"})]
    with socket.socket() as s:  # and it was stopped when the command ended
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_a_configured_server_that_does_not_answer_is_an_error_and_nothing_is_imported(
    runtime: Runtime, example_users: None, prefect_server: str
) -> None:
    down = f"http://127.0.0.1:{free_port()}/api"
    result = run_gongwen(runtime, "import", str(DOCUMENTS_DIR), GONGWEN_PREFECT__API_URL=down)
    assert result.returncode == 2 and "prefect_unreachable" in result.stdout and "Traceback" not in result.stderr
    assert not (runtime.settings.prefect_home / "prefect.db").exists()  # no server of its own started either
    with runtime.context(write=False) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Document)) == 0
