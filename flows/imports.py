"""The import flows. A folder of files (the CLI): a task per thousand files (not per file — STACK-NOTES), read and
recognised on every core, stored a batch of files per transaction. An upload's import job (the API and the pages:
the request only stores the files), each file in its own transaction. A failed file never stops the others and
leaves nothing behind. Both report their progress as they go: the stage (读取, 识别, 入库) of the file at hand,
files done of total."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.naming import given_name, untagged
from flows.runtime import get_runtime, set_runtime
from services import compose
from services.config import Settings
from services.context import Context
from services.domain.enums import ImportJobStatus, ImportStage
from services.domain.models import User
from services.errors import DomainError
from services.imports.service import (
    FileOutcome,
    JobFile,
    Prepared,
    failed_outcome,
    job_files,
    prepare,
    prepare_file,
)
from services.indexing.service import write_batch
from services.runtime import Runtime

log = logging.getLogger("gongwen.imports")
BATCH = 1000  # files per Prefect task (its bookkeeping costs 0.15–0.4 s a run — STACK-NOTES)
STORE_BATCH = 50  # files per transaction: one statement a table, short enough that other writers barely wait
POOL_FROM = 40  # files from which reading and recognising run in worker processes
FINISHED = frozenset({ImportJobStatus.done, ImportJobStatus.failed})
# (stage, files done, files in all, the file at hand): what the CLI prints and the job records.
Progress = Callable[[ImportStage, int, int, str], None]
_pool: ProcessPoolExecutor | None = None  # the running folder import's workers (see _workers)
_pool_settings: Settings | None = None  # in a worker of the pool: the settings of the runtime its updates use
_indexer: _Indexer | None = None  # the running folder import's index updates in the pool
INDEX_EVERY = 100  # files stored before an index update during an import (each commits the index once)
INDEX_AT_MOST = 5000  # documents one update indexes


def import_paths(
    actor_id: int, paths: list[Path], progress: Progress | None = None, first: int = 0, total: int | None = None
) -> list[FileOutcome]:
    """Read and recognise the files (in the pool's workers when the import has one, no transaction open), and
    store them a batch per transaction as they come: a failing file is reported alone and the others go on."""
    total = len(paths) if total is None else total
    outcomes: dict[int, FileOutcome] = {}
    waiting: list[tuple[int, Prepared]] = []
    results = _pool.map(prepare_file, paths, chunksize=8) if _pool else map(prepare_file, paths)
    for k, result in enumerate(results):
        if progress:
            progress(ImportStage.recognizing, first + k, total, paths[k].name)
        if isinstance(result, FileOutcome):
            outcomes[k] = result
        else:
            waiting.append((k, result))
        if len(waiting) == STORE_BATCH or (k == len(paths) - 1 and waiting):
            if progress:
                progress(ImportStage.storing, first + k, total, waiting[0][1].name)
            _store(actor_id, waiting, outcomes)
            if _indexer:
                _indexer.after_storing(len(waiting))
            waiting = []
    return [outcomes[k] for k in range(len(paths))]


def _store(actor_id: int, items: list[tuple[int, Prepared]], outcomes: dict[int, FileOutcome]) -> None:
    """One transaction for the batch; when the database refuses it, each file again alone, so one file's fault
    never loses the others."""
    try:
        with get_runtime().context() as ctx:
            actor = compose.users(ctx).get(actor_id)
            stored = compose.imports(ctx).store_batch(actor, [item for _, item in items])
    except Exception as exc:  # a database refusal of the batch: nothing of it was kept
        log.warning("import batch of %d files refused, storing them one by one: %s", len(items), exc)
        _store_each(actor_id, items, outcomes)
        return
    outcomes.update(zip((k for k, _ in items), stored, strict=True))


def _store_each(actor_id: int, items: list[tuple[int, Prepared]], outcomes: dict[int, FileOutcome]) -> None:
    for k, item in items:
        try:
            with get_runtime().context() as ctx:
                outcomes[k] = compose.imports(ctx).store_recognized(compose.users(ctx).get(actor_id), item)
        except DomainError as exc:
            outcomes[k] = failed_outcome(item.name, exc)


@contextmanager
def _workers(files: int) -> Iterator[None]:
    """A bounded pool of processes (one a core) that reads and recognises while this process stores; not worth
    its start for a few files."""
    global _pool, _indexer
    if files < POOL_FROM or (os.cpu_count() or 1) < 2:
        yield
        return
    # spawned, not forked: this process runs Prefect's threads, and a fork copies their locks mid-use
    with ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=get_context("spawn")) as pool:
        _pool, _indexer = pool, _Indexer(pool)
        try:
            yield
            _indexer.finish()
        finally:
            _pool, _indexer = None, None


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
    with _workers(len(paths)), untagged():
        for start in range(0, len(paths), BATCH):
            outcomes += import_batch(actor_id, paths[start : start + BATCH], start, len(paths), progress)
    if progress:
        progress(ImportStage.finished, len(paths), len(paths), "")
    _make_searchable()
    return outcomes


Indexed = tuple[list[tuple[int, int]], dict[int, str]]  # outbox rows (row id, document id) indexed, refusals


class _Indexer:
    """Makes what the import has stored searchable while this process stores on: a worker of the pool reads the
    outbox and writes the index each INDEX_EVERY files stored (one update at a time: the index takes one
    writer), then this process, the one writer of the import's database, takes the rows out of the outbox. The
    outbox keeps whatever an update does not reach, for the update that ends the import."""

    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self.pool = pool
        self.running: Future[Indexed | None] | None = None
        self.stored = 0

    def after_storing(self, files: int) -> None:
        self.stored += files
        if self.stored >= INDEX_EVERY and (self.running is None or self.running.done()):
            self.finish()
            self.running = self.pool.submit(index_waiting, get_runtime().settings)
            self.stored = 0

    def finish(self) -> None:
        try:
            indexed = self.running.result() if self.running else None
            if indexed is not None:
                with get_runtime().context() as ctx:
                    compose.indexing(ctx).settle(*indexed)
        except Exception as exc:  # the rows stay in the outbox
            log.warning("search index not updated during the import: %s", exc)
        self.running = None


def index_waiting(settings: Settings) -> Indexed | None:
    """In a worker of the pool, reading the database only: the documents waiting in the outbox into the index."""
    global _pool_settings
    if _pool_settings != settings:  # this worker's first update: the import's database, store and index
        set_runtime(Runtime(settings, migrated=True))
        _pool_settings = settings
    runtime = get_runtime()
    with runtime.context(write=False) as ctx:
        batch = compose.indexing(ctx).next_batch(INDEX_AT_MOST)
    return None if batch is None else (batch.rows, write_batch(runtime.search_index, batch))


# -- an upload's import job ------------------------------------------------------------------------------------------


def run_import_job(job_id: int) -> dict[str, int]:
    """The worker's half of an upload's import: file by file, read and recognise with no transaction open, then
    store the file and record its outcome in one transaction (a retried job goes on after the last file stored).
    The job's stage is written as it changes, so its owner's page shows where it is."""
    runtime = get_runtime()
    with runtime.context() as ctx:
        job = compose.import_jobs(ctx).begin(job_id)
        owner_id, files, done, status = job.owner_id, job_files(job), job.done, ImportJobStatus(job.status)
    if status in FINISHED:
        return {"files": len(files)}
    for item in files[done:]:
        _import_job_file(job_id, owner_id, item)
    with runtime.context() as ctx:
        keys = compose.import_jobs(ctx).finish(job_id)
    for key in keys:
        runtime.store.delete(key)
    return {"files": len(files)}


def _import_job_file(job_id: int, owner_id: int, item: JobFile) -> None:
    runtime = get_runtime()

    def at_stage(stage: ImportStage) -> None:
        with runtime.context() as ctx:
            compose.import_jobs(ctx).at_stage(job_id, stage)

    try:
        data = runtime.store.get(item.key)
        with runtime.context(write=False) as ctx:
            duplicate = compose.imports(ctx).duplicate_of(_user(ctx, owner_id), item.name, data)
        if duplicate is not None:
            return _record(job_id, duplicate)
        prepared = prepare(item.name, data, at_stage)
    except Exception as exc:  # the file's own fault (bad name, unreadable, too much text, nothing recognised)
        return _record(job_id, failed_outcome(item.name, exc))
    del data
    at_stage(ImportStage.storing)
    try:
        with runtime.context() as ctx:
            outcome = compose.imports(ctx).store_recognized(_user(ctx, owner_id), prepared)
            compose.import_jobs(ctx).record(job_id, outcome)
    except DomainError as exc:  # refused as a whole (above the owner's clearance): nothing of it was kept
        _record(job_id, failed_outcome(item.name, exc))


def _user(ctx: Context, user_id: int) -> User:
    return compose.users(ctx).get(user_id)


def _record(job_id: int, outcome: FileOutcome) -> None:
    with get_runtime().context() as ctx:
        compose.import_jobs(ctx).record(job_id, outcome)


@flow(name="import-upload", flow_run_name=given_name("import-upload"))
def import_upload(import_job_id: int) -> dict[str, int]:
    """An upload's import job, as the worker runs it."""
    return run_import_job(import_job_id)


def _make_searchable() -> None:
    """Imported documents are searchable when the import ends, worker or not; an unreachable index only
    leaves them in the outbox for the worker."""
    from flows.search import apply_index_updates

    try:
        while apply_index_updates(INDEX_AT_MOST):
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
