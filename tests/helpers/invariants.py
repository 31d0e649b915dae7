"""Bad input changes nothing: rows, statuses and stored objects compared before and after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from services.domain.models import (
    AuditEvent,
    Chase,
    Document,
    DocumentLink,
    DocumentVersion,
    DocumentView,
    InboxItem,
    IncomingPart,
    IncomingReader,
    IncomingRecord,
    IncomingStep,
    IssueRecord,
    NumberCounter,
    NumberSeries,
    Obligation,
    ObligationOwner,
    Organ,
    Phase,
    PlanTask,
    ProcessJob,
    RecipientGroupAlias,
    RecipientGroupMember,
    SealRecord,
    Signoff,
    Submission,
    TaskAssignment,
    TaskReport,
)
from services.runtime import Runtime


def _snapshot(runtime: Runtime) -> tuple[object, ...]:
    with runtime.context() as ctx:
        counts = tuple(
            ctx.session.scalar(select(func.count()).select_from(m))
            for m in (
                Document,
                DocumentVersion,
                AuditEvent,
                ProcessJob,
                Signoff,
                Chase,
                DocumentLink,
                DocumentView,
                Obligation,
                ObligationOwner,
                Phase,
                PlanTask,
                Submission,
                TaskReport,
                RecipientGroupMember,
                IncomingRecord,
                IncomingStep,
                IncomingPart,
                IncomingReader,
                IssueRecord,
                SealRecord,
            )
        )
        statuses = (
            tuple(ctx.session.scalars(select(Document.status).order_by(Document.id))),
            tuple(ctx.session.scalars(select(RecipientGroupAlias.alias).order_by(RecipientGroupAlias.id))),
            tuple(ctx.session.execute(select(Document.doc_number, Document.printed_copies).order_by(Document.id))),
            tuple(ctx.session.execute(select(Organ.id, Organ.registrar_gate).order_by(Organ.id))),
            tuple(
                ctx.session.execute(
                    select(
                        NumberCounter.family, NumberCounter.scope, NumberCounter.year, NumberCounter.last_seq
                    ).order_by(NumberCounter.family, NumberCounter.scope)
                )
            ),
            tuple(ctx.session.execute(select(NumberSeries.id, NumberSeries.name, NumberSeries.restart_yearly))),
            tuple(
                ctx.session.execute(
                    select(
                        IssueRecord.document_id,
                        IssueRecord.rechecked_at,
                        IssueRecord.registered_at,
                        IssueRecord.copies,
                        IssueRecord.copy_numbers,
                        IssueRecord.sealed_at,
                        IssueRecord.released_at,
                    ).order_by(IssueRecord.document_id)
                )
            ),
            tuple(ctx.session.execute(select(InboxItem.id, InboxItem.received_at).order_by(InboxItem.id))),
            tuple(ctx.session.execute(select(Submission.id, Submission.status).order_by(Submission.id))),
            tuple(ctx.session.execute(select(TaskAssignment.id, TaskAssignment.state).order_by(TaskAssignment.id))),
            tuple(ctx.session.execute(select(Obligation.id, Obligation.starts_on, Obligation.ends_on))),
            tuple(ctx.session.execute(select(Signoff.id, Signoff.status).order_by(Signoff.id))),
            tuple(
                ctx.session.execute(
                    select(IncomingRecord.id, IncomingRecord.state, IncomingRecord.deadline).order_by(IncomingRecord.id)
                )
            ),
            tuple(ctx.session.execute(select(IncomingPart.id, IncomingPart.done_at).order_by(IncomingPart.id))),
            tuple(ctx.session.execute(select(IncomingReader.id, IncomingReader.read_at).order_by(IncomingReader.id))),
        )
    return counts, statuses, tuple(runtime.store.list(""))


@contextmanager
def changes_nothing(runtime: Runtime) -> Iterator[None]:
    before = _snapshot(runtime)
    yield
    assert _snapshot(runtime) == before
