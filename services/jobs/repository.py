"""Every query of the outbox of automated steps and of the workers' heartbeats. The statements the worker runs on
every pass (what is due, the conditional claim, the lease renewal) are built once, with the time as a parameter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import BindParameter, bindparam, or_, select, update
from sqlalchemy.orm import Session

from services.domain.enums import JobStatus
from services.domain.models import Document, Organ, ProcessJob, WorkerBeat

_NOW: BindParameter[dt.datetime] = bindparam("now")
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_DUE = or_(
    (ProcessJob.status == JobStatus.pending.value) & (ProcessJob.run_after <= _NOW),
    (ProcessJob.status == JobStatus.running.value) & (ProcessJob.lease_until < _NOW),
)
_DUE_IDS = select(ProcessJob.id, ProcessJob.step).where(_DUE).order_by(ProcessJob.id).limit(bindparam("limit"))
_PREVIOUS_RUNS = select(ProcessJob.id, ProcessJob.flow_run_id).where(ProcessJob.id.in_(_IDS))
_CLAIM = (
    update(ProcessJob)
    .where(ProcessJob.id.in_(_IDS))
    .where(_DUE)
    .values(
        status=JobStatus.running.value,
        lease_until=bindparam("lease"),
        attempts=ProcessJob.attempts + 1,
        started_at=_NOW,
        worker=bindparam("claimant"),
        flow_run_id=None,
    )
    .returning(ProcessJob.id)
    .execution_options(synchronize_session=False)
)
_CLAIMED = (
    select(ProcessJob).where(ProcessJob.id.in_(_IDS)).order_by(ProcessJob.id).execution_options(populate_existing=True)
)
_RENEW = (
    update(ProcessJob)
    .where(ProcessJob.id.in_(_IDS), ProcessJob.status == JobStatus.running.value)
    .values(lease_until=bindparam("lease"))
)
_LIVE_RUNS = select(ProcessJob.flow_run_id).where(
    ProcessJob.status == JobStatus.running.value,
    ProcessJob.lease_until >= _NOW,
    ProcessJob.flow_run_id.is_not(None),
)
_OPEN = select(ProcessJob.id).where(ProcessJob.status.in_([JobStatus.pending.value, JobStatus.running.value]))


class JobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, job: ProcessJob) -> None:
        self.session.add(job)

    def get(self, job_id: int) -> ProcessJob | None:
        return self.session.get(ProcessJob, job_id)

    def due(self, now: dt.datetime, limit: int) -> list[tuple[int, str]]:
        """(id, step) of the jobs due at ``now``, oldest first."""
        return list(self.session.execute(_DUE_IDS, {"now": now, "limit": limit}).tuples())

    def previous_runs(self, job_ids: Sequence[int]) -> dict[int, str | None]:
        """The flow run each job was last carried by."""
        rows = self.session.execute(_PREVIOUS_RUNS, {"ids": list(job_ids)}).tuples()
        return {job_id: run_id for job_id, run_id in rows}

    def claim(self, job_ids: Sequence[int], now: dt.datetime, lease_until: dt.datetime, worker: str) -> set[int]:
        """Take those of these jobs still due at ``now`` in one conditional update; the ids taken."""
        params = {"ids": list(job_ids), "now": now, "lease": lease_until, "claimant": worker}
        return set(self.session.scalars(_CLAIM, params))

    def fresh(self, job_ids: set[int]) -> Sequence[ProcessJob]:
        """The jobs as the database has them now, in id order."""
        return self.session.scalars(_CLAIMED, {"ids": list(job_ids)}).all()

    def live_run_ids(self, now: dt.datetime) -> set[str]:
        return {str(run_id) for run_id in self.session.scalars(_LIVE_RUNS, {"now": now})}

    def record_run(self, job_ids: Sequence[int], flow_run_id: str) -> None:
        self.session.execute(update(ProcessJob).where(ProcessJob.id.in_(job_ids)).values(flow_run_id=flow_run_id))

    def renew(self, job_ids: Sequence[int], lease_until: dt.datetime) -> None:
        self.session.execute(_RENEW, {"ids": list(job_ids), "lease": lease_until})

    def subjects(self, document_ids: Sequence[int]) -> list[tuple[int, str | None, str, str | None]]:
        """(id, 文号, title, lead organ's code) of the documents."""
        query = (
            select(Document.id, Document.doc_number, Document.title, Organ.code)
            .outerjoin(Organ, Organ.id == Document.lead_organ_id)
            .where(Document.id.in_(document_ids))
        )
        return list(self.session.execute(query).tuples())

    def recoverable(self, max_requeues: int, kind: str) -> Sequence[ProcessJob]:
        """Failed jobs of this failure kind put back fewer than ``max_requeues`` times."""
        query = select(ProcessJob).where(
            ProcessJob.status == JobStatus.failed.value,
            ProcessJob.failure_kind == kind,
            ProcessJob.requeues < max_requeues,
        )
        return self.session.scalars(query).all()

    def failed(self, job_ids: Sequence[int] | None = None) -> Sequence[ProcessJob]:
        """The failed jobs (of these ids, when given)."""
        query = select(ProcessJob).where(ProcessJob.status == JobStatus.failed.value)
        if job_ids is not None:
            query = query.where(ProcessJob.id.in_(job_ids))
        return self.session.scalars(query).all()

    def open_count(self) -> int:
        return len(list(self.session.scalars(_OPEN)))

    def in_status(self, status: JobStatus, limit: int) -> list[ProcessJob]:
        query = select(ProcessJob).where(ProcessJob.status == status.value)
        return list(self.session.scalars(query.order_by(ProcessJob.id.desc()).limit(limit)))

    def beat(self, name: str) -> WorkerBeat | None:
        return self.session.get(WorkerBeat, name)

    def add_beat(self, beat: WorkerBeat) -> None:
        self.session.add(beat)

    def beats(self) -> list[WorkerBeat]:
        return list(self.session.scalars(select(WorkerBeat).order_by(WorkerBeat.seen_at.desc())))
