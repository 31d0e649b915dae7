"""The flow runner: takes due steps from the database outbox and runs each as a Prefect flow run.

A claimed step carries a lease; if this process dies, the lease runs out and another pass takes the step up
again. The flows are idempotent on the database, so finishing a half-done step does nothing twice.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from contextlib import AbstractContextManager
from typing import Any

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from flows.archive import annual_archive, fixity_audit
from flows.document import STEP_FLOWS
from flows.runtime import set_runtime
from flows.search import reindex, search_index_updates
from search import SearchError
from services.indexing.service import IndexingService
from services.jobs.service import JobService
from services.runtime import Runtime

log = logging.getLogger("gongwen.worker")


def quiet_prefect() -> AbstractContextManager[object]:
    """A sync flow otherwise waits ≈1 s joining its heartbeat thread (STACK-NOTES.md)."""
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def run_step(step: str, document_id: int | None, payload: dict[str, Any]) -> Any:
    """Start the flow of a due step and return its final state."""
    if step == "archive":
        return annual_archive(payload["year"], bool(payload.get("dry_run")), payload.get("run_id"), return_state=True)
    if step == "fixity":
        return fixity_audit(return_state=True)
    return STEP_FLOWS[step](document_id, return_state=True)  # type: ignore[operator]


class Worker:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._index_retry_at = 0.0
        self._index_backoff = 1.0
        set_runtime(runtime)

    def run_once(self, limit: int = 20) -> int:
        """Run every step that is due now, then one batch of search-index updates; return how many ran."""
        with self.runtime.context() as ctx:
            due = JobService(ctx).due_ids(limit)
        ran = 0
        for job_id in due:
            ran += int(self._run_job(job_id))
            ran += self._index_updates()  # between steps too: a busy worker keeps the index fresh
        return ran + self._index_updates()

    def _index_updates(self) -> int:
        """A run per batch, not per update (STACK-NOTES). An unreachable index never blocks the process."""
        with self.runtime.context() as ctx:
            if IndexingService(ctx).pending() == 0:
                return 0
        if time.monotonic() < self._index_retry_at:
            return 0
        with quiet_prefect():
            state = search_index_updates(return_state=True)
        if state.is_completed():
            self._index_backoff = 1.0
            return int(state.result() or 0)
        log.warning("search index update failed; retrying in %.0fs: %s", self._index_backoff, state.message)
        self._index_retry_at = time.monotonic() + self._index_backoff
        self._index_backoff = min(self._index_backoff * 2, 60.0)
        return 0

    def _run_job(self, job_id: int) -> bool:
        with self.runtime.context() as ctx:
            job = JobService(ctx).claim(job_id)
            step, document_id, payload = (job.step, job.document_id, dict(job.payload)) if job else ("", None, {})
        if not job:
            return False
        try:
            with quiet_prefect():
                state = run_step(step, document_id, payload)
            run_id = str(state.state_details.flow_run_id)
            if not state.is_completed():
                raise RuntimeError(f"flow run {run_id} ended {state.type.value}: {state.message}")
        except Exception as exc:  # the step is retried later; the error is kept on the job
            log.warning("step %s of document %s failed: %s", step, document_id, exc)
            with self.runtime.context() as ctx:
                JobService(ctx).fail(job_id, "".join(traceback.format_exception(exc)))
            return True
        with self.runtime.context() as ctx:
            JobService(ctx).finish(job_id, run_id)
        return True

    def drain(self, timeout: float = 120.0) -> None:
        """Run steps until none is due (tests and the example-data loader use this)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.run_once() == 0:
                self._index_retry_at = 0.0
                return
        raise TimeoutError("steps still due after the timeout")

    def rebuild_index_if_outdated(self) -> bool:
        """An index built by an older analysis chain is rebuilt (searches use it meanwhile)."""
        try:
            if self.runtime.search_index.built_with_current_analysis():
                return False
        except SearchError as exc:
            log.warning("search index not reachable to check its analysis version: %s", exc.en)
            return False
        log.info("search index built with an older analysis chain: rebuilding it")
        with quiet_prefect():
            state = reindex(return_state=True)
        if not state.is_completed():
            log.warning("rebuilding the search index failed: %s (run `gongwen reindex`)", state.message)
        return state.is_completed()

    def serve(self, stop: threading.Event) -> None:
        poll = self.runtime.settings.workflow.poll_seconds
        self.rebuild_index_if_outdated()
        log.info("worker polling every %.1fs", poll)
        while not stop.is_set():
            try:
                ran = self.run_once()
            except Exception:
                log.exception("worker pass failed")
                ran = 0
            if ran == 0:
                stop.wait(poll)
