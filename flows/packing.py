"""The 件 of an archive run packaged, 四性-checked and stored on every core: a pool of processes, each with its own
Runtime, reading in read-only units of work and writing only write-once objects. What each finds is handed back
and recorded by the run in its own write transaction, in 件 order (flows.archive)."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import select
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import forkserver
from typing import Any

from flows.runtime import get_runtime, set_runtime
from services import compose
from services.archive.catalogue import catalogue_bytes
from services.archive.service import Packaged
from services.config import Settings
from services.errors import not_found
from services.runtime import Runtime


def pack(item_ids: list[int]) -> list[Packaged]:
    """Package, check and store these 件 (those not stored yet) reading the committed state only."""
    with get_runtime().context(write=False) as ctx:
        return compose.archive(ctx).package_check_store(item_ids)


CATALOGUE_FORMATS = ("csv", "xlsx", "pdf")


def write_catalogue(fonds: str, year: int, fmt: str) -> int:
    """A fonds' 归档文件目录 of the year, in one format, stored; returns its rows."""
    with get_runtime().context(write=False) as ctx:
        service = compose.archive(ctx)
        ref = service.fonds.by_code(fonds)
        if ref is None:
            raise not_found("全宗", "fonds", code=fonds)
        items = service.stored_items(fonds, year)
        data = catalogue_bytes(items, year, fmt, ctx.settings, ref)
        ctx.store.put(service.catalogue_key(fonds, year, fmt), data, "application/octet-stream")
    return len(items)


def write_catalogues(catalogues: list[tuple[str, int, str]]) -> dict[str, int]:
    """Each (fonds, year, format) written (on the pool when one runs); the rows of each fonds' catalogue."""
    futures = [(fonds, _pool.submit(write_catalogue, fonds, year, fmt)) for fonds, year, fmt in catalogues]
    return {fonds: future.result() for fonds, future in futures}


class _InProcess(Executor):
    """Packaging in this process, one 件 after another (a run too small to be worth starting processes)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to whoever asks for the result, as a pool would
            future.set_exception(exc)
        return future


def _start_worker(settings: Settings, run: int) -> None:
    """A worker dies the moment the run's process ends (a fork server outlives it): a run killed and started
    again never meets the last one's workers still writing its packages."""
    if hasattr(os, "pidfd_open"):
        try:
            ended = os.pidfd_open(run)  # readable once the process has ended
        except ProcessLookupError:
            os._exit(1)
        threading.Thread(target=_exit_when_readable, args=(ended,), name="ends-with-run", daemon=True).start()
    set_runtime(Runtime(settings, migrated=True))


def _exit_when_readable(fd: int) -> None:
    select.select([fd], [], [])
    os._exit(1)


# Below this many 件 starting the worker processes (an import of the services each) costs more than it saves.
POOL_FROM_ITEMS = 100

_pool: Executor = _InProcess()


def _context(settings: Settings, items: int) -> multiprocessing.context.ForkServerContext | None:
    """Where the workers come from when a run of this many 件 has them: a fork server that imported this module
    (and what the catalogues need) once, never this process (Prefect's threads run in it). It lasts as long as
    this process, so a later run starts its workers in milliseconds."""
    workers = settings.archive.workers or os.cpu_count() or 1
    if workers < 2 or items < POOL_FROM_ITEMS:
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, "openpyxl"])
    return context


def warm_packers(settings: Settings, items: int) -> None:
    """Start the fork server's imports now (on the other core) when a run of about this many 件 will want it."""
    if _context(settings, items) is not None:
        forkserver.ensure_running()


@contextmanager
def packers(settings: Settings, items: int) -> Iterator[None]:
    """Package (and write the catalogues) with one process per core (``archive.workers`` of them when set) while
    the block runs."""
    global _pool
    context = _context(settings, items)
    if context is None:
        yield
        return
    workers = settings.archive.workers or os.cpu_count() or 1
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(settings, os.getpid()))
    try:
        _pool = pool
        yield
    finally:
        _pool = _InProcess()
        pool.shutdown(cancel_futures=True)


# 件 packed by one call: statements read for several at once, few enough that both workers get a share of a block.
ITEMS_PER_CALL = 5


def pack_all(item_ids: list[int]) -> Iterator[Packaged]:
    """Each 件 packed (on the pool when one runs), in the order given, skipping those stored already; a 件 that
    raised raises here, after the calls before its own."""
    calls = [item_ids[k : k + ITEMS_PER_CALL] for k in range(0, len(item_ids), ITEMS_PER_CALL)]
    futures = [_pool.submit(pack, call) for call in calls]
    for future in futures:
        yield from future.result()
