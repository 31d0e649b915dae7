"""A folder import stores its files a batch per transaction: a refused file, a file given twice and a file that
cannot be read are reported alone while the rest of the batch is filed; a batch the database refuses is filed
again file by file; the audit chain stays whole."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from flows import imports
from flows.runtime import set_runtime
from services.audit import chain
from services.domain.models import Document, DocumentLink, DocumentVersion, ImportedFile, User
from services.imports.repository import ImportRepository, Inserted
from services.runtime import Runtime

NOTICE = (
    "扎兰屯市民族事务委员会文件\n扎民委字〔2025〕{n}号\n关于第{n}批民族团结进步创建工作的通知\n"
    "各乡镇：\n请按要求落实第{n}项。\n"
)
CLASSIFIED = "机密★5年\n扎兰屯市民族事务委员会文件\n扎民委字〔2024〕40号\n关于保密事项的通知\n各乡镇：\n细节。\n"
SUMMARY = "关于落实《关于第1批民族团结进步创建工作的通知》的总结\n按照扎民委字〔2025〕2号的要求，已完成。\n"


def _folder(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "inbox"
    folder.mkdir(parents=True)
    texts = {f"{n:02d}.txt": NOTICE.format(n=n) for n in range(1, 6)}
    texts |= {
        "06-classified.txt": CLASSIFIED,
        "07-again.txt": NOTICE.format(n=1),
        "08-empty.txt": "",
        "09.txt": SUMMARY,
    }
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return imports.collect([folder])


def _drafter(runtime: Runtime) -> int:
    with runtime.context() as ctx:
        user = ctx.session.scalar(select(User).where(User.username == "mw.drafter"))
        assert user is not None
        return user.id


def _counts(runtime: Runtime) -> tuple[int, int, int]:
    with runtime.context(write=False) as ctx:
        return tuple(  # type: ignore[return-value]
            ctx.session.scalar(select(func.count()).select_from(t)) or 0
            for t in (Document, DocumentVersion, ImportedFile)
        )


def test_a_batch_files_the_good_files_and_reports_the_others(
    runtime: Runtime, example_users: None, tmp_path: Path
) -> None:
    set_runtime(runtime)
    before = _counts(runtime)
    outcomes = {o.filename: o for o in imports.import_paths(_drafter(runtime), _folder(tmp_path))}
    assert [outcomes[f"{n:02d}.txt"].status for n in range(1, 6)] == ["imported"] * 5
    assert outcomes["06-classified.txt"].code == "import_above_clearance"
    assert outcomes["07-again.txt"].status == "duplicate"
    assert outcomes["07-again.txt"].document_ids == outcomes["01.txt"].document_ids
    assert outcomes["08-empty.txt"].code == "file_empty"
    assert outcomes["09.txt"].status == "imported"
    assert _counts(runtime) == (before[0] + 6, before[1] + 6, before[2] + 6)
    with runtime.context(write=False) as ctx:
        links = {(k.to_id, k.kind, k.how) for k in ctx.session.scalars(select(DocumentLink))}
        numbers = list(ctx.session.scalars(select(Document.doc_number).where(Document.doc_number.is_not(None))))
        assert len(numbers) == len(set(numbers))
        assert not chain.verify(ctx.session).breaks
    assert links >= {
        (outcomes["01.txt"].document_ids[0], "reports_on", "title"),
        (outcomes["02.txt"].document_ids[0], "reports_on", "doc_number"),
    }
    again = imports.import_paths(_drafter(runtime), _folder(tmp_path / "2"))
    assert {o.status for o in again if o.code is None} == {"duplicate"}
    assert _counts(runtime) == (before[0] + 6, before[1] + 6, before[2] + 6)


def test_a_batch_the_database_refuses_is_filed_file_by_file(
    runtime: Runtime, example_users: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_runtime(runtime)
    before = _counts(runtime)
    real = ImportRepository.insert_rows
    calls: list[int] = []

    def refuse_the_batch(self: ImportRepository, table: type[Inserted], rows: Sequence[dict[str, Any]]) -> None:
        if table is ImportedFile:
            calls.append(len(rows))
            if len(rows) > 1:  # after the batch's documents were inserted and its objects written
                raise RuntimeError("the database refused the batch")
        real(self, table, rows)

    monkeypatch.setattr(ImportRepository, "insert_rows", refuse_the_batch)
    outcomes = imports.import_paths(_drafter(runtime), _folder(tmp_path))
    assert calls[0] == 6 and set(calls[1:]) == {1}
    assert sum(o.status == "imported" for o in outcomes) == 6
    assert _counts(runtime) == (before[0] + 6, before[1] + 6, before[2] + 6)
    with runtime.context(write=False) as ctx:
        bodies = set(ctx.session.scalars(select(DocumentVersion.body_key)))
        assert not chain.verify(ctx.session).breaks
    assert set(runtime.store.list("documents/")) <= bodies  # the refused batch's objects went with it


def test_a_batch_of_refused_files_changes_nothing(runtime: Runtime, example_users: None, tmp_path: Path) -> None:
    set_runtime(runtime)
    before = _counts(runtime)
    folder = tmp_path / "refused"
    folder.mkdir()
    (folder / "classified.txt").write_text(CLASSIFIED, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    outcomes = imports.import_paths(_drafter(runtime), imports.collect([folder]))
    assert [o.code for o in outcomes] == ["import_above_clearance", "file_empty"]
    assert _counts(runtime) == before
