"""The 件 of an archive run packaged, 四性-checked and stored on every core: a pool of processes, each with its own
Runtime, reading in read-only units of work and writing only write-once objects. What each finds is handed back
and recorded by the run in its own write transaction, in 件 order (flows.archive)."""

from __future__ import annotations

import multiprocessing
import os
import select
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from flows.runtime import get_runtime, set_runtime
from services import compose
from services.archive.service import Packaged
from services.config import Settings
from services.runtime import Runtime


def pack(item_ids: list[int]) -> list[Packaged]:
    """Package, check and store these 件 (those not stored yet) reading the committed state only."""
    with get_runtime().context(write=False) as ctx:
        return compose.archive(ctx).package_check_store(item_ids)


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


@contextmanager
def packers(settings: Settings, items: int) -> Iterator[None]:
    """Package with one process per core (``archive.workers`` of them when set) while the block runs."""
    global _pool
    workers = settings.archive.workers or os.cpu_count() or 1
    if workers < 2 or items < POOL_FROM_ITEMS:
        yield
        return
    # Forked from a fork server that imported this module once, never from this process (Prefect's threads run
    # in it); the server lasts as long as this process, so a later run starts its workers in milliseconds.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
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
