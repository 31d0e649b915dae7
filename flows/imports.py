"""The import flow: a folder of files, in batches (a task per batch, not per file — STACK-NOTES), each file in
its own transaction, so a failed file never stops the others and leaves nothing behind."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.naming import given_name
from flows.runtime import get_runtime
from services.domain.models import User
from services.errors import DomainError
from services.imports.service import FileOutcome, ImportService, Prepared, prepare
from services.limits import Upload, check_size

log = logging.getLogger("gongwen.imports")
BATCH = 200  # files per Prefect task
STORE_CHUNK = 20  # files per transaction: short enough that other writers barely wait


def _read(path: Path) -> bytes:
    check_size(Upload.import_file, path.stat().st_size)  # before a byte is read
    return path.read_bytes()


def _failed(name: str, exc: Exception) -> FileOutcome:
    if isinstance(exc, DomainError):
        return FileOutcome(name, "failed", code=exc.code, message_zh=exc.zh, message_en=exc.en)
    return FileOutcome(name, "failed", code="file_unreadable", message_zh="文件无法读取", message_en=str(exc))


def import_paths(actor_id: int, paths: list[Path]) -> list[FileOutcome]:
    """Read and recognise every file first (no transaction open), then store them a chunk per transaction with
    a savepoint per file: a failing file is rolled back alone, its objects removed, and the others go on."""
    prepared: dict[int, Prepared] = {}
    outcomes: dict[int, FileOutcome] = {}
    for k, path in enumerate(paths):
        try:
            prepared[k] = prepare(path.name, _read(path))
        except (DomainError, OSError) as exc:
            outcomes[k] = _failed(path.name, exc)
    items = list(prepared.items())
    for start in range(0, len(items), STORE_CHUNK):
        _store(actor_id, items[start : start + STORE_CHUNK], outcomes)
    return [outcomes[k] for k in range(len(paths))]


def _store(actor_id: int, items: list[tuple[int, Prepared]], outcomes: dict[int, FileOutcome]) -> None:
    with get_runtime().context() as ctx:
        actor = ctx.session.get(User, actor_id)
        assert actor is not None
        service = ImportService(ctx)
        staged: list[str] = ctx.session.info["staged_keys"]
        for k, item in items:
            mark = len(staged)
            savepoint = ctx.session.begin_nested()
            try:
                outcomes[k] = service.store_recognized(actor, item)
                savepoint.commit()
            except DomainError as exc:
                savepoint.rollback()
                for key in staged[mark:]:
                    ctx.store.delete(key)
                del staged[mark:]
                outcomes[k] = _failed(item.name, exc)


def import_path(actor_id: int, path: Path) -> FileOutcome:
    return import_paths(actor_id, [path])[0]


@task(name="import-batch", task_run_name="import-batch-{first}", cache_policy=NO_CACHE)
def import_batch(actor_id: int, paths: list[str], first: int) -> list[dict[str, Any]]:
    return [o.as_dict() for o in import_paths(actor_id, [Path(p) for p in paths])]


@flow(name="import-files", flow_run_name=given_name("import-files"))
def import_files(
    actor_id: int, roots: list[str], progress: Callable[[int, int], None] | None = None
) -> list[dict[str, Any]]:
    """Import the files and folders given; the run's parameters are what the user typed, not every file."""
    paths = [str(p) for p in collect([Path(r) for r in roots])]
    outcomes: list[dict[str, Any]] = []
    for start in range(0, len(paths), BATCH):
        chunk = paths[start : start + BATCH]
        outcomes += import_batch(actor_id, chunk, start)
        if progress:
            progress(len(chunk), len(paths))
    _make_searchable()
    return outcomes


def _make_searchable() -> None:
    """Imported documents are searchable when the import ends, worker or not; an unreachable index only
    leaves them in the outbox for the worker."""
    from flows.search import apply_index_updates

    try:
        while apply_index_updates(5000):
            pass
    except Exception as exc:  # the outbox keeps them; the worker catches up
        log.warning("search index not updated after the import: %s", exc)


def collect(paths: Sequence[Path]) -> list[Path]:
    """Files given, and every file under folders given, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            found.append(path)
    return found
