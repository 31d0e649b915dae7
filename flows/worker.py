"""The flow runner: takes due steps from the database outbox and runs them as Prefect flow runs.

Several workers may run at once (on SQLite as on PostgreSQL): each claims a few due steps with a conditional
update and a lease, which it renews while they run. Steps of one kind due together run as one flow run (one
task per document, named after it) — Prefect's bookkeeping costs ≈0.15 s a run, so a burst of submissions is
checked at tens a second instead of a few. Before a pass the worker asks Prefect whether it answers: when it
does not, nothing is attempted (and nothing counts as failed) until it does. A step whose worker died is taken
up again when its lease runs out, and the flow run it left behind is marked crashed.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import logging
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from typing import Any
from uuid import UUID

import httpx
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from flows.archive import annual_archive, archive_run_label, fixity_audit
from flows.audit import audit_anchor
from flows.document import BATCH_FLOWS, STEP_FLOWS
from flows.failures import failure_of, is_dependency_failure
from flows.imports import import_upload
from flows.naming import anchor_label, document_run_label, fixity_label, import_label, reindex_label, run_labelled
from flows.runtime import get_runtime, set_runtime
from flows.search import reindex, search_index_updates
from search import SearchError
from services import compose
from services.domain.enums import JobStep
from services.jobs.service import DEPENDENCY, STEP, Claimed, worker_name
from services.runtime import Runtime

log = logging.getLogger("gongwen.worker")
CHECKS_PER_STEP = 6  # a worker takes up to 6 × batch_size due checks at once (a few ms each), other steps batch_size
STALE_AFTER_SECONDS = 60.0  # a lost run is settled once this old (and at least four leases)
BEAT_SECONDS = 5.0  # how often a worker records that it is alive (and puts back steps a recovered service failed)
CURRENT_JOBS: contextvars.ContextVar[tuple[int, ...]] = contextvars.ContextVar("gongwen_jobs", default=())


def _in_state(state_type: Any) -> Any:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType

    return FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[state_type])))


def _began(run: Any, default: dt.datetime) -> dt.datetime:
    began: dt.datetime = run.start_time or run.expected_start_time or run.created or default
    return began


def quiet_prefect() -> AbstractContextManager[object]:
    """A sync flow otherwise waits ≈1 s joining its heartbeat thread (STACK-NOTES.md). Already quiet (the worker
    command runs under instance_prefect), nothing is changed: new settings cost ≈ 10 ms of CPU each time."""
    if PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value() is None:
        return nullcontext()
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def remember_run(flow: Any, flow_run: Any, state: Any) -> None:
    """`on_running` hook of every step flow: the jobs it carries learn its run id (to mark a crash later)."""
    jobs = CURRENT_JOBS.get()
    if jobs:
        with get_runtime().context() as ctx:
            compose.jobs(ctx).record_run(jobs, str(flow_run.id))


def _with_hook(flow: Any) -> Any:
    return flow.with_options(on_running=[remember_run])


STEPS = {name: _with_hook(f) for name, f in STEP_FLOWS.items()}
# The flows the worker runs whose runs it settles when they were lost (a reindex runs long and alone: not swept).
_SWEPT: list[Any] = [
    *STEP_FLOWS.values(),
    *BATCH_FLOWS.values(),
    annual_archive,
    fixity_audit,
    import_upload,
    audit_anchor,
]
SWEPT_FLOWS = {str(f.name) for f in _SWEPT} | {"search-index-updates"}
BATCHES = {name: _with_hook(f) for name, f in BATCH_FLOWS.items()}
ARCHIVE, FIXITY = _with_hook(annual_archive), _with_hook(fixity_audit)
IMPORT, ANCHOR = _with_hook(import_upload), _with_hook(audit_anchor)


def run_step(step: JobStep, document_id: int | None, payload: dict[str, Any]) -> Any:
    """Start the flow of one due step, named and tagged for what it works on, and return its final state."""
    if step == JobStep.archive:
        year, dry_run = payload["year"], bool(payload.get("dry_run"))
        label = archive_run_label(year, dry_run, payload.get("fonds"))
        return run_labelled(ARCHIVE, label, year, dry_run, payload.get("run_id"), return_state=True)
    if step == JobStep.fixity:
        return run_labelled(FIXITY, fixity_label(), return_state=True)
    if step == JobStep.import_files:
        label = import_label(int(payload["files"]), list(payload["names"]))
        return run_labelled(IMPORT, label, payload["import_job_id"], return_state=True)
    if step == JobStep.anchor:
        return run_labelled(ANCHOR, anchor_label(), return_state=True)
    assert document_id is not None, step
    return run_labelled(STEPS[step], document_run_label(step, [document_id]), document_id, return_state=True)


def run_batch(step: JobStep, document_ids: list[int]) -> Any:
    """One flow run for the documents due for the same step (named after as many as fit)."""
    label = document_run_label(step, document_ids)
    return run_labelled(BATCHES[step], label, document_ids, len(document_ids), return_state=True)


class Worker:
    def __init__(self, runtime: Runtime, batch_size: int | None = None) -> None:
        self.runtime = runtime
        self.name = worker_name()
        self.batch_size = batch_size or runtime.settings.workflow.batch_size
        self._index_retry_at = 0.0
        self._index_backoff = 1.0
        self._prefect_down_since: float | None = None
        self._next_beat = 0.0
        self._client: ExitStack | None = None
        set_runtime(runtime)

    # -- one pass ----------------------------------------------------------------------------------------------

    def run_once(self, limit: int | None = None) -> int:
        """Run the steps due now (a few, so other workers get theirs), then a batch of index updates."""
        if not self._prefect_answers():
            return 0
        self._keep_client()
        claimed = self._claim(limit or self.batch_size)
        ran = sum(self._run_group(group) for group in _groups(claimed))
        return ran + self._index_updates()  # once a pass: one index-update run per batch of changes

    def _claim(self, limit: int) -> list[Claimed]:
        """A few due steps (checks, being cheap, many more), taken in one conditional update."""
        with self.runtime.context(write=False) as ctx:
            due = compose.jobs(ctx).due(limit * CHECKS_PER_STEP)
        heavy = [job_id for job_id, step in due if step != JobStep.check][:limit]
        wanted = heavy or [job_id for job_id, step in due if step == JobStep.check]
        if not wanted:
            return []
        with self.runtime.context() as ctx:
            claimed = compose.jobs(ctx).claim_many(wanted, self.name)
        for job in claimed:
            if job.previous_run_id:
                self._mark_crashed(job.previous_run_id, job.id)
        return claimed

    def _run_group(self, jobs: list[Claimed]) -> int:
        token = CURRENT_JOBS.set(tuple(j.id for j in jobs))
        renewing = _LeaseKeeper(self.runtime, [j.id for j in jobs])
        try:
            with quiet_prefect():
                outcomes = self._outcomes(jobs)
        except Exception as exc:  # the whole run failed to start or finish: every job in it is retried
            kind = DEPENDENCY if is_dependency_failure(exc) else STEP
            outcomes = {j.id: (kind, "".join(traceback.format_exception(exc))) for j in jobs}
        finally:
            renewing.stop()
            CURRENT_JOBS.reset(token)
        self._settle(outcomes)
        return len(jobs)

    def _outcomes(self, jobs: list[Claimed]) -> dict[int, tuple[str, str] | str]:
        """Per job: the flow run id when it went well, else (failure kind, error)."""
        if len(jobs) == 1 or jobs[0].step not in BATCHES:
            job = jobs[0]
            state = run_step(job.step, job.document_id, job.payload)
            run_id = str(state.state_details.flow_run_id)
            if state.is_completed():
                return {job.id: run_id}
            return {job.id: failure_of(state, f"flow run {run_id} ended {state.type.value}")}
        ids = [j.document_id for j in jobs if j.document_id is not None]
        state = run_batch(jobs[0].step, ids)
        run_id = str(state.state_details.flow_run_id)
        if not state.is_completed():
            failure = failure_of(state, f"flow run {run_id} ended {state.type.value}")
            return {j.id: failure for j in jobs}
        errors: dict[str, tuple[str, str]] = state.result()
        return {j.id: tuple(errors[str(j.document_id)]) if str(j.document_id) in errors else run_id for j in jobs}  # type: ignore[misc]

    def _settle(self, outcomes: dict[int, tuple[str, str] | str]) -> None:
        for job_id, outcome in outcomes.items():
            with self.runtime.context() as ctx:
                jobs = compose.jobs(ctx)
                if isinstance(outcome, str):
                    jobs.finish(job_id, outcome)
                else:
                    kind, error = outcome
                    log.warning("step %s failed (%s): %s", job_id, kind, error.strip().splitlines()[-1:])
                    jobs.fail(job_id, error, kind)

    # -- services it needs -------------------------------------------------------------------------------------

    def _prefect_answers(self) -> bool:
        """Ask Prefect's health endpoint (2 s); while it does not answer, nothing is attempted."""
        ok, note = _prefect_health()
        recovered = ok and self._prefect_down_since is not None
        if recovered or time.monotonic() >= self._next_beat or not ok:
            self._next_beat = time.monotonic() + BEAT_SECONDS
            with self.runtime.context() as ctx:
                jobs = compose.jobs(ctx)
                jobs.beat(self.name, ok, note)
                back = jobs.requeue_recovered() if ok else 0
            if ok:
                self._crash_stale_runs()
            if recovered or back:
                log.warning("Prefect answers (down %.0fs); %d failed steps put back", self._down(), back)
        if ok:
            self._prefect_down_since = None
        elif self._prefect_down_since is None:
            self._prefect_down_since = time.monotonic()
            log.warning("Prefect does not answer (%s): automated steps wait until it does", note)
        return ok

    @contextmanager
    def one_prefect_client(self) -> Iterator[None]:
        """While inside, the flow runs (and the worker's own calls to Prefect) share one client, taken up once
        Prefect answers, and Prefect's settings are made quiet once: each run otherwise made its own client, and
        each new client builds a TLS context (loads the CA bundle, ≈ 30 ms of CPU) whatever the URL. Flows find
        it as Prefect's SyncClientContext of this thread."""
        self._client = ExitStack()
        try:
            self._client.enter_context(quiet_prefect())
            yield
        finally:
            self._client.close()
            self._client = None

    def _keep_client(self) -> None:
        from prefect.context import SyncClientContext

        if self._client is None or SyncClientContext.get() is not None:
            return
        try:
            self._client.enter_context(SyncClientContext())
        except Exception as exc:  # each flow run makes its own client, as without one kept
            log.warning("could not keep a Prefect client: %s", exc)

    def _down(self) -> float:
        return time.monotonic() - (self._prefect_down_since or time.monotonic())

    def _mark_crashed(self, flow_run_id: str, job_id: int) -> None:
        """The run an earlier attempt left behind (its worker died, or Prefect lost it): crashed, not Running."""
        from prefect.client.orchestration import get_client
        from prefect.states import Crashed

        try:
            with get_client(sync_client=True) as client:
                run = client.read_flow_run(UUID(flow_run_id))
                if run.state is not None and not run.state.is_final():
                    message = (
                        f"步骤 {job_id} 的工作进程中断，已由 {self.name} 重新执行 / worker lost; step taken up again"
                    )
                    client.set_flow_run_state(flow_run_id, Crashed(message=message), force=True)
                    log.warning("flow run %s of step %s marked crashed", flow_run_id, job_id)
        except Exception as exc:  # the step still runs; the stale run is settled on a later claim
            log.warning("could not mark flow run %s crashed: %s", flow_run_id, exc)

    def _crash_stale_runs(self) -> None:
        """Runs lost when a worker died or Prefect went away mid-run (before a step could record its run): any run
        still Pending long after it was due, and any run of our steps still Running that no live step holds, are
        marked crashed, so nothing stays Running for ever. Live steps renew their leases and hold their run."""
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import FlowFilter, FlowFilterName
        from prefect.client.schemas.objects import StateType
        from prefect.states import Crashed

        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(
            seconds=max(STALE_AFTER_SECONDS, 4 * self.runtime.settings.workflow.lease_seconds)
        )
        try:
            with get_client(sync_client=True) as client:
                pending = client.read_flow_runs(flow_run_filter=_in_state(StateType.PENDING))
                running = client.read_flow_runs(
                    flow_filter=FlowFilter(name=FlowFilterName(any_=sorted(SWEPT_FLOWS))),
                    flow_run_filter=_in_state(StateType.RUNNING),
                )
                # Pending is a moment's state: one this old was lost, whoever made it. Running runs of the
                # scheduler's deployments are its own to settle (it does at start); of our steps, those no live
                # step holds.
                old = [r for r in pending if _began(r, cutoff) < cutoff]
                old += [r for r in running if r.deployment_id is None and _began(r, cutoff) < cutoff]
                if not old:
                    return
                with self.runtime.context(write=False) as ctx:
                    held = compose.jobs(ctx).live_run_ids()
                for run in old:
                    if str(run.id) not in held:
                        message = "工作进程或 Prefect 中断，该步骤已另行完成或重试 / run lost; its step is retried"
                        client.set_flow_run_state(run.id, Crashed(message=message), force=True)
                        log.warning("stale flow run %s (%s) marked crashed", run.id, run.name)
        except Exception as exc:  # only bookkeeping: the steps themselves are in the outbox
            log.warning("could not settle stale flow runs: %s", exc)

    def _index_updates(self) -> int:
        """A run per batch, not per update (STACK-NOTES). An unreachable index never blocks the process."""
        with self.runtime.context(write=False) as ctx:
            if compose.indexing(ctx).pending() == 0:
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

    # -- running ---------------------------------------------------------------------------------------------

    def drain(self, timeout: float = 120.0) -> None:
        """Run steps until none is due (tests and the example-data loader use this)."""
        deadline = time.monotonic() + timeout
        with self.one_prefect_client():
            while time.monotonic() < deadline:
                if self.run_once() == 0 and self._nothing_due():
                    self._index_retry_at = 0.0
                    return
        raise TimeoutError("steps still due after the timeout")

    def _nothing_due(self) -> bool:
        """No step due now (index updates that found the index unreachable wait for their backoff)."""
        with self.runtime.context(write=False) as ctx:
            return not compose.jobs(ctx).due(1)

    def rebuild_index_if_outdated(self) -> bool:
        """An index built by an older analysis chain is rebuilt (searches use it meanwhile)."""
        try:
            if self.runtime.search_index.built_with_current_analysis():
                return False
        except SearchError as exc:
            log.warning("search index not reachable to check its analysis version: %s", exc.en)
            return False
        log.info("search index built with an older analysis chain: rebuilding it")
        with self.runtime.context(write=False) as ctx:
            label = reindex_label(compose.indexing(ctx).searchable_count())
        with quiet_prefect():
            state = run_labelled(reindex, label, return_state=True)
        done: bool = state.is_completed()
        if not done:
            log.warning("rebuilding the search index failed: %s (run `gongwen reindex`)", state.message)
        return done

    def serve(self, stop: threading.Event) -> None:
        poll = self.runtime.settings.workflow.poll_seconds
        self.rebuild_index_if_outdated()
        log.info("worker %s polling every %.1fs", self.name, poll)
        with self.one_prefect_client():
            while not stop.is_set():
                try:
                    ran = self.run_once()
                except Exception:
                    log.exception("worker pass failed")
                    ran = 0
                if ran == 0:
                    stop.wait(poll if self._prefect_down_since is None else min(5.0, 1.0 + self._down() / 10))


def _groups(claimed: Sequence[Claimed]) -> list[list[Claimed]]:
    """Steps of one kind together (archive and fixity runs stay one to a flow run)."""
    groups: dict[str, list[Claimed]] = {}
    for job in claimed:
        key = job.step if job.step in BATCHES else f"{job.step}:{job.id}"
        groups.setdefault(key, []).append(job)
    return list(groups.values())


@functools.cache
def _health_client() -> httpx.Client:
    """One client, kept: a new one per poll built its TLS context each time (15 ms of CPU, three times a second)."""
    return httpx.Client(timeout=2.0)


def _prefect_health() -> tuple[bool, str | None]:
    url = str(PREFECT_API_URL.value() or "").rstrip("/")
    if not url:
        return True, None  # an ephemeral Prefect (tests without a server) starts with the first flow
    try:
        r = _health_client().get(f"{url}/health")
        return r.status_code == 200, None if r.status_code == 200 else f"HTTP {r.status_code}"
    except httpx.HTTPError as exc:
        return False, type(exc).__name__


class _LeaseKeeper:
    """Renews the leases of running jobs every third of the lease, until stopped."""

    def __init__(self, runtime: Runtime, job_ids: list[int]) -> None:
        self._stop = threading.Event()
        self._every = max(0.5, runtime.settings.workflow.lease_seconds / 3)
        self._thread = threading.Thread(target=self._run, args=(runtime, job_ids), daemon=True)
        self._thread.start()

    def _run(self, runtime: Runtime, job_ids: list[int]) -> None:
        while not self._stop.wait(self._every):
            try:
                with runtime.context() as ctx:
                    compose.jobs(ctx).renew(job_ids)
            except Exception as exc:  # a missed renewal only risks a second (idempotent) run
                log.warning("could not renew the lease of steps %s: %s", job_ids, exc)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
