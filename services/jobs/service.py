"""The durable outbox of automated steps. A decision and the step it makes due commit together, so a crash
between them is impossible; the worker turns each due step into a Prefect flow run and retries on failure."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import or_, select, update

from services.context import Context
from services.domain.enums import JobStatus
from services.domain.models import ProcessJob

STEPS = ("check", "issue", "archive", "fixity")


class JobService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def enqueue(
        self, step: str, document_id: int | None, dedupe_key: str | None = None, payload: dict[str, Any] | None = None
    ) -> ProcessJob:
        assert step in STEPS, step
        job = ProcessJob(
            step=step,
            document_id=document_id,
            payload=payload or {},
            dedupe_key=dedupe_key or f"{step}:{document_id}:{uuid.uuid4().hex}",
            run_after=self.ctx.now(),
        )
        self.ctx.session.add(job)
        return job

    def due_ids(self, limit: int) -> list[int]:
        now = self.ctx.now()
        query = (
            select(ProcessJob.id)
            .where(
                or_(
                    (ProcessJob.status == JobStatus.pending.value) & (ProcessJob.run_after <= now),
                    (ProcessJob.status == JobStatus.running.value) & (ProcessJob.lease_until < now),
                )
            )
            .order_by(ProcessJob.id)
            .limit(limit)
        )
        return list(self.ctx.session.scalars(query))

    def claim(self, job_id: int) -> ProcessJob | None:
        """Take a due job with a conditional update, so two workers never both run it."""
        now = self.ctx.now()
        lease = now + dt.timedelta(seconds=self.ctx.settings.workflow.lease_seconds)
        result = self.ctx.session.execute(
            update(ProcessJob)
            .where(ProcessJob.id == job_id)
            .where(
                or_(
                    (ProcessJob.status == JobStatus.pending.value) & (ProcessJob.run_after <= now),
                    (ProcessJob.status == JobStatus.running.value) & (ProcessJob.lease_until < now),
                )
            )
            .values(status=JobStatus.running.value, lease_until=lease, attempts=ProcessJob.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return self.ctx.session.get(ProcessJob, job_id)

    def finish(self, job_id: int, flow_run_id: str | None) -> None:
        job = self.ctx.session.get(ProcessJob, job_id)
        assert job is not None
        job.status = JobStatus.done.value
        job.finished_at = self.ctx.now()
        job.flow_run_id = flow_run_id
        job.lease_until = None

    def fail(self, job_id: int, error: str) -> ProcessJob:
        job = self.ctx.session.get(ProcessJob, job_id)
        assert job is not None
        job.last_error = error[-4000:]
        job.lease_until = None
        if job.attempts >= self.ctx.settings.workflow.max_attempts:
            job.status = JobStatus.failed.value
            job.finished_at = self.ctx.now()
        else:
            job.status = JobStatus.pending.value
            job.run_after = self.ctx.now() + dt.timedelta(seconds=2**job.attempts)
        return job

    def pending_count(self) -> int:
        query = select(ProcessJob.id).where(ProcessJob.status.in_([JobStatus.pending.value, JobStatus.running.value]))
        return len(list(self.ctx.session.scalars(query)))
