"""Bad input changes nothing: rows, statuses and stored objects compared before and after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from services.domain.models import AuditEvent, Document, DocumentVersion, ProcessJob, Signoff
from services.runtime import Runtime


def _snapshot(runtime: Runtime) -> tuple[object, ...]:
    with runtime.context() as ctx:
        counts = tuple(
            ctx.session.scalar(select(func.count()).select_from(m))
            for m in (Document, DocumentVersion, AuditEvent, ProcessJob, Signoff)
        )
        statuses = tuple(ctx.session.scalars(select(Document.status).order_by(Document.id)))
    return counts, statuses, tuple(runtime.store.list(""))


@contextmanager
def changes_nothing(runtime: Runtime) -> Iterator[None]:
    before = _snapshot(runtime)
    yield
    assert _snapshot(runtime) == before
