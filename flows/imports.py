"""The import flows. A folder of files (the CLI), in batches (a task per batch, not per file — STACK-NOTES), and an
upload's import job (the API and the pages: the request only stores the files), each file in its own transaction,
so a failed file never stops the others and leaves nothing behind. Both report their progress as they go: the
stage (读取, 识别, 入库) of the file at hand, files done of total."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.naming import given_name
from flows.runtime import get_runtime
from services.accounts.service import UserService
from services.context import Context
from services.domain.enums import ImportJobStatus, ImportStage
from services.domain.models import User
from services.errors import DomainError
from services.imports.service import (
    FileOutcome,
    ImportJobService,
    ImportService,
    JobFile,
    Prepared,
    failed_outcome,
    job_files,
    prepare,
)
from services.limits import Upload, check_size

log = logging.getLogger("gongwen.imports")
BATCH = 200  # files per Prefect task
STORE_CHUNK = 20  # files per transaction: short enough that other writers barely wait
FINISHED = frozenset({ImportJobStatus.done, ImportJobStatus.failed})
# (stage, files done, files in all, the file at hand): what the CLI prints and the job records.
Progress = Callable[[ImportStage, int, int, str], None]


def _read(path: Path) -> bytes:
    check_size(Upload.import_file, path.stat().st_size)  # before a byte is read
    return path.read_bytes()


def import_paths(
    actor_id: int, paths: list[Path], progress: Progress | None = None, first: int = 0, total: int | None = None
) -> list[FileOutcome]:
    """Read and recognise every file first (no transaction open), then store them a chunk per transaction with
    a savepoint per file: a failing file is rolled back alone, its objects removed, and the others go on."""
    total = len(paths) if total is None else total
    prepared: dict[int, Prepared] = {}
    outcomes: dict[int, FileOutcome] = {}
    for k, path in enumerate(paths):
        tell = _teller(progress, first + k, total, path.name)
        try:
            prepared[k] = prepare(path.name, _read(path), tell)
        except (DomainError, OSError) as exc:
            outcomes[k] = failed_outcome(path.name, exc)
    items = list(prepared.items())
    for start in range(0, len(items), STORE_CHUNK):
        chunk = items[start : start + STORE_CHUNK]
        if progress:
            progress(ImportStage.storing, first + start, total, chunk[0][1].name)
        _store(actor_id, chunk, outcomes)
    return [outcomes[k] for k in range(len(paths))]


def _teller(progress: Progress | None, done: int, total: int, name: str) -> Callable[[ImportStage], None] | None:
    if progress is None:
        return None
    return lambda stage: progress(stage, done, total, name)


def _store(actor_id: int, items: list[tuple[int, Prepared]], outcomes: dict[int, FileOutcome]) -> None:
    with get_runtime().context() as ctx:
        actor = UserService(ctx).get(actor_id)
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
                outcomes[k] = failed_outcome(item.name, exc)


@task(name="import-batch", task_run_name="import-batch-{first}", cache_policy=NO_CACHE)
def import_batch(
    actor_id: int, paths: list[str], first: int, total: int, progress: Progress | None = None
) -> list[dict[str, Any]]:
    outcomes = import_paths(actor_id, [Path(p) for p in paths], progress, first, total)
    return [o.as_dict() for o in outcomes]


@flow(name="import-files", flow_run_name=given_name("import-files"))
def import_files(actor_id: int, roots: list[str], progress: Progress | None = None) -> list[dict[str, Any]]:
    """Import the files and folders given; the run's parameters are what the user typed, not every file."""
    paths = [str(p) for p in collect([Path(r) for r in roots])]
    outcomes: list[dict[str, Any]] = []
    for start in range(0, len(paths), BATCH):
        outcomes += import_batch(actor_id, paths[start : start + BATCH], start, len(paths), progress)
    if progress:
        progress(ImportStage.finished, len(paths), len(paths), "")
    _make_searchable()
    return outcomes


# -- an upload's import job ------------------------------------------------------------------------------------------


def run_import_job(job_id: int) -> dict[str, int]:
    """The worker's half of an upload's import: file by file, read and recognise with no transaction open, then
    store the file and record its outcome in one transaction (a retried job goes on after the last file stored).
    The job's stage is written as it changes, so its owner's page shows where it is."""
    runtime = get_runtime()
    with runtime.context() as ctx:
        job = ImportJobService(ctx).begin(job_id)
        owner_id, files, done, status = job.owner_id, job_files(job), job.done, ImportJobStatus(job.status)
    if status in FINISHED:
        return {"files": len(files)}
    for item in files[done:]:
        _import_job_file(job_id, owner_id, item)
    with runtime.context() as ctx:
        keys = ImportJobService(ctx).finish(job_id)
    for key in keys:
        runtime.store.delete(key)
    return {"files": len(files)}


def _import_job_file(job_id: int, owner_id: int, item: JobFile) -> None:
    runtime = get_runtime()

    def at_stage(stage: ImportStage) -> None:
        with runtime.context() as ctx:
            ImportJobService(ctx).at_stage(job_id, stage)

    try:
        data = runtime.store.get(item.key)
        with runtime.context(write=False) as ctx:
            duplicate = ImportService(ctx).duplicate_of(_user(ctx, owner_id), item.name, data)
        if duplicate is not None:
            return _record(job_id, duplicate)
        prepared = prepare(item.name, data, at_stage)
    except Exception as exc:  # the file's own fault (bad name, unreadable, too much text, nothing recognised)
        return _record(job_id, failed_outcome(item.name, exc))
    del data
    at_stage(ImportStage.storing)
    try:
        with runtime.context() as ctx:
            outcome = ImportService(ctx).store_recognized(_user(ctx, owner_id), prepared)
            ImportJobService(ctx).record(job_id, outcome)
    except DomainError as exc:  # refused as a whole (above the owner's clearance): nothing of it was kept
        _record(job_id, failed_outcome(item.name, exc))


def _user(ctx: Context, user_id: int) -> User:
    return UserService(ctx).get(user_id)


def _record(job_id: int, outcome: FileOutcome) -> None:
    with get_runtime().context() as ctx:
        ImportJobService(ctx).record(job_id, outcome)


@flow(name="import-upload", flow_run_name=given_name("import-upload"))
def import_upload(import_job_id: int) -> dict[str, int]:
    """An upload's import job, as the worker runs it."""
    return run_import_job(import_job_id)


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
