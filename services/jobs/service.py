"""The durable outbox of automated steps. A decision and the step it makes due commit together, so a crash
between them is impossible; the worker turns each due step into a Prefect flow run and retries on failure.

A claimed step carries a lease the worker renews while it runs; a worker that dies stops renewing, and the step
is taken up again when the lease runs out (its old flow run is then marked crashed). A step that fails for want
of a service (Prefect, object storage) is put back by itself once the service answers again; one that fails on
its own after every attempt waits for the operator (`gongwen jobs retry`) and shows in the issuing office's 待办.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.context import Context
from services.domain.enums import JobStatus, JobStep
from services.domain.models import ProcessJob, WorkerBeat
from services.errors import Invalid, not_found
from services.jobs.repository import JobRepository

DEPENDENCY, STEP = "dependency", "step"
MAX_REQUEUES = 20  # a dependency that keeps failing the same step is left to the operator after this
_LISTED = (JobStatus.failed, JobStatus.running, JobStatus.pending)


@dataclass(frozen=True)
class Claimed:
    id: int
    step: JobStep
    document_id: int | None
    payload: dict[str, Any]
    previous_run_id: str | None  # the flow run of an attempt whose worker died, to be marked crashed


@dataclass(frozen=True)
class RunSubject:
    """What an operator knows a document by: its 文号 once registered, else its title, and its lead organ."""

    document_id: int
    doc_number: str | None
    title: str
    organ_code: str | None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobService:
    def __init__(self, ctx: Context, repo: JobRepository | None = None) -> None:
        self.ctx = ctx
        self.repo = repo or JobRepository(ctx.session)

    def enqueue(
        self,
        step: JobStep,
        document_id: int | None,
        dedupe_key: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> ProcessJob:
        job = ProcessJob(
            step=JobStep(step).value,
            document_id=document_id,
            payload=payload or {},
            dedupe_key=dedupe_key or f"{step}:{document_id}:{uuid.uuid4().hex}",
            run_after=self.ctx.now(),
        )
        self.repo.add(job)
        return job

    def due(self, limit: int) -> list[tuple[int, JobStep]]:
        """(id, step) of the due jobs, oldest first."""
        return [(job_id, JobStep(step)) for job_id, step in self.repo.due(self.ctx.now(), limit)]

    def claim(self, job_id: int, worker: str | None = None) -> Claimed | None:
        """Take a due job with a conditional update, so two workers never both run it."""
        claimed = self.claim_many([job_id], worker)
        return claimed[0] if claimed else None

    def claim_many(self, job_ids: Sequence[int], worker: str | None = None) -> list[Claimed]:
        """Take those of these jobs that are still due, in one conditional update (another worker gets the rest)."""
        now = self.ctx.now()
        previous = self.repo.previous_runs(job_ids)
        taken = self.repo.claim(job_ids, now, now + self._lease(), worker or worker_name())
        jobs = self.repo.fresh(taken)
        return [Claimed(j.id, JobStep(j.step), j.document_id, dict(j.payload), previous.get(j.id)) for j in jobs]

    def subjects(self, document_ids: Sequence[int]) -> list[RunSubject]:
        """The documents the runs of these steps work on, in the order given (unknown ids left out)."""
        found = {row[0]: RunSubject(*row) for row in self.repo.subjects(document_ids)}
        return [found[i] for i in document_ids if i in found]

    def _lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.ctx.settings.workflow.lease_seconds)

    def live_run_ids(self) -> set[str]:
        """The flow runs that steps being run now (lease not yet expired) are carried by."""
        return self.repo.live_run_ids(self.ctx.now())

    def record_run(self, job_ids: Sequence[int], flow_run_id: str) -> None:
        """The flow run now carrying these jobs (so a crash can be marked on it later)."""
        self.repo.record_run(job_ids, flow_run_id)

    def renew(self, job_ids: Sequence[int]) -> None:
        """The worker is alive: push the leases out again."""
        self.repo.renew(job_ids, self.ctx.now() + self._lease())

    def finish(self, job_id: int, flow_run_id: str | None) -> None:
        job = self._get(job_id)
        job.move(JobStatus.done)
        job.finished_at = self.ctx.now()
        job.flow_run_id = flow_run_id or job.flow_run_id
        job.lease_until = None
        job.failure_kind = None

    def fail(self, job_id: int, error: str, kind: str = STEP) -> ProcessJob:
        job = self._get(job_id)
        job.last_error = error[-4000:]
        job.lease_until = None
        job.failure_kind = kind
        if job.attempts >= self.ctx.settings.workflow.max_attempts:
            job.move(JobStatus.failed)
            job.finished_at = self.ctx.now()
        else:
            job.move(JobStatus.pending)
            job.run_after = self.ctx.now() + dt.timedelta(seconds=min(2**job.attempts, 300))
        return job

    def release(self, job_id: int, why: str, seconds: float) -> None:
        """Give a claimed job back untried (a service it needs is down): the attempt does not count."""
        job = self._get(job_id)
        job.move(JobStatus.pending)
        job.attempts = max(0, job.attempts - 1)
        job.lease_until = None
        job.last_error = why[-4000:]
        job.failure_kind = DEPENDENCY
        job.run_after = self.ctx.now() + dt.timedelta(seconds=seconds)

    def requeue_recovered(self) -> int:
        """Failed for want of a service that answers again: put back by itself (bounded)."""
        rows = self.repo.recoverable(MAX_REQUEUES, DEPENDENCY)
        count = 0
        for job in rows:
            self._requeue(job)
            job.requeues += 1
            count += 1
        return count

    def retry(self, job_ids: Sequence[int] | None) -> list[int]:
        """The operator's one command: put failed jobs (these, or all) back to run now."""
        if job_ids is not None:
            found = {j.id for j in self.repo.failed(job_ids)}
            missing = [i for i in job_ids if i not in found]
            if missing:
                raise Invalid(
                    "job_not_failed",
                    f"这些环节不存在或不是失败状态：{missing}",
                    f"no failed step with these ids: {missing}",
                    ids=missing,
                )
        jobs = list(self.repo.failed(job_ids))
        for job in jobs:
            self._requeue(job)
        return [j.id for j in jobs]

    def _requeue(self, job: ProcessJob) -> None:
        job.move(JobStatus.pending)
        job.attempts = 0
        job.run_after = self.ctx.now()
        job.finished_at = None

    def _get(self, job_id: int) -> ProcessJob:
        job = self.repo.get(job_id)
        if job is None:
            raise not_found("自动环节", "job", id=job_id)
        return job

    def pending_count(self) -> int:
        return self.repo.open_count()

    # -- what the operator and the issuing office see ---------------------------------------------------------

    def listing(self, limit: int = 200) -> dict[str, list[ProcessJob]]:
        """Failed, running and waiting steps, newest first."""
        return {status.value: self.repo.in_status(status, limit) for status in _LISTED}

    def beat(self, name: str, prefect_ok: bool, note: str | None) -> None:
        row = self.repo.beat(name)
        if row is None:
            row = WorkerBeat(name=name, pid=os.getpid(), seen_at=self.ctx.now())
            self.repo.add_beat(row)
        row.pid, row.seen_at, row.prefect_ok, row.note = os.getpid(), self.ctx.now(), prefect_ok, note

    def beats(self) -> list[WorkerBeat]:
        return self.repo.beats()
