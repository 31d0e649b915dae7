"""SIGKILL a folder import half-way (some batches committed, one perhaps mid-write, an update of the search index
perhaps under way in a worker), run the same import again: every file is filed once with its one document, each
with its version and its objects, the audit chain whole, and every document in the index once, none left waiting."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.corpus import Corpus
from services.audit import chain
from services.domain.models import AuditEvent, Document, DocumentVersion, ImportedFile
from services.indexing.service import IndexingService
from services.runtime import Runtime
from tests.helpers.cli import cli_env

pytestmark = pytest.mark.slow
FILES = 240  # several store batches, and enough for the worker pool


def _write_folder(folder: Path) -> None:
    """The benchmark's kind of file: a notice with its header, 文号, title, body, signature and date."""
    for doc in Corpus(7).docs(FILES):
        issuer = doc.issuers[0]
        text = (
            f"{issuer}文件\n{doc.doc_number}\n{doc.title}\n各有关单位：\n{doc.body}\n{issuer}\n"
            f"{doc.date.year}年{doc.date.month}月{doc.date.day}日\n"
            if doc.date
            else doc.body
        )
        (folder / f"{doc.id:06d}.txt").write_text(text, encoding="utf-8")


def _gongwen(runtime: Runtime, folder: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGWEN_"))}
    command = [str(Path(sys.executable).parent / "gongwen"), "import", str(folder), "--json"]
    # its own session, so the kill reaches its pool's workers too
    return subprocess.Popen(
        command, env={**env, **cli_env(runtime)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )


def _files_filed(runtime: Runtime) -> int:
    with runtime.context(write=False) as ctx:
        return ctx.session.scalar(select(func.count()).select_from(ImportedFile)) or 0


def _kill_mid_import(runtime: Runtime, proc: subprocess.Popen[bytes]) -> int:
    """Wait for the first batches to be committed, then SIGKILL the import and its workers; files filed then."""
    deadline = time.monotonic() + 240
    while _files_filed(runtime) < 60:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "the import filed nothing in four minutes"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return _files_filed(runtime)


def test_an_import_killed_half_way_and_run_again_files_every_document_once(
    runtime: Runtime, example_users: None, tmp_path: Path, prefect_server: str
) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    _write_folder(folder)
    killed_at = _kill_mid_import(runtime, _gongwen(runtime, folder))
    assert 60 <= killed_at < FILES, "the kill came after the import had finished: nothing was tested"

    rerun = _gongwen(runtime, folder)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err.decode()[-3000:]
    outcomes = json.loads(out.decode().strip().splitlines()[-1])
    statuses = Counter(o["status"] for o in outcomes)
    assert statuses == {"imported": FILES - killed_at, "duplicate": killed_at}

    with runtime.context(write=False) as ctx:
        session = ctx.session
        files = list(session.scalars(select(ImportedFile)))
        assert len(files) == len({f.sha256 for f in files}) == FILES
        documents = session.scalar(select(func.count()).select_from(Document))
        assert documents == sum(len(f.document_ids) for f in files) >= FILES
        versions = list(session.scalars(select(DocumentVersion)))
        assert sorted(v.document_id for v in versions) == sorted(i for f in files for i in f.document_ids)
        events = Counter(session.scalars(select(AuditEvent.document_id).where(AuditEvent.action == "imported")))
        assert set(events.values()) == {1} and len(events) == documents
        verdict = chain.verify(session)
        assert not verdict.breaks, verdict.breaks
        assert IndexingService(ctx).pending() == 0
    assert runtime.search_index.count() == documents
    for key in [v.body_key for v in versions] + [k for f in files for k in (f.original_key, f.text_key)]:
        assert runtime.store.exists(key), key
