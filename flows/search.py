"""Prefect flows that keep the search index in step: batched outbox updates, and the full rebuild."""

from __future__ import annotations

from collections.abc import Callable

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.naming import given_name, untagged
from flows.runtime import get_runtime
from search import DocumentsRejected
from services import compose
from services.indexing.service import write_batch


@task(name="apply-index-updates", retries=0, cache_policy=NO_CACHE)
def apply_index_updates(limit: int = 500) -> int:
    """One batch of the outbox into the index; on failure the rows stay and the error is recorded."""
    runtime = get_runtime()
    try:  # read with no write lock held while the index is written: the import's transactions go on meanwhile
        with runtime.context(write=False) as ctx:
            batch = compose.indexing(ctx).next_batch(limit)
        if batch is None:
            return 0
        refused = write_batch(runtime.search_index, batch)
        with runtime.context() as ctx:
            compose.indexing(ctx).settle(batch.rows, refused)
        return len(batch.document_ids)
    except Exception as exc:
        with runtime.context() as ctx:
            compose.indexing(ctx).record_failure(f"{type(exc).__name__}: {exc}")
        raise


@flow(name="search-index-updates", flow_run_name="search-index-updates")
def search_index_updates() -> int:
    return apply_index_updates()


@task(name="rebuild-index", cache_policy=NO_CACHE)
def rebuild_index(progress: Callable[[int], None] | None = None) -> int:
    runtime = get_runtime()
    with runtime.context() as ctx:
        service = compose.indexing(ctx)
        start = ctx.now()

        def counted() -> object:
            for n, doc in enumerate(service.all_search_docs(), 1):
                if progress and n % 100 == 0:
                    progress(100)
                yield doc

        try:
            total = runtime.search_index.rebuild(counted())  # type: ignore[arg-type]
        except DocumentsRejected as exc:  # the rebuild went live without them: set aside, for the operator
            service.set_aside_refused(exc.rejected)
            total = service.searchable_count() - len(exc.rejected)
        if progress:
            progress(total % 100)
    _catch_up_changes_since(start)
    return total


def _catch_up_changes_since(start: object) -> None:
    """Documents changed while the rebuild read the database go through the outbox again."""
    with get_runtime().context() as ctx:
        compose.indexing(ctx).enqueue_changed_since(start)


@flow(name="reindex", flow_run_name=given_name("reindex"))
def reindex(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database and object storage, then swap it in."""
    with untagged():
        return rebuild_index(progress)
