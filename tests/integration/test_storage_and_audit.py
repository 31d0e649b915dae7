"""Rolled-back transactions leave no orphan object; audit events can be added but never changed."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.audit.service import AuditService
from services.db import stage_object
from services.errors import Conflict
from services.runtime import Runtime


def test_a_failed_unit_of_work_removes_the_objects_it_wrote(runtime: Runtime) -> None:
    with pytest.raises(RuntimeError), runtime.context() as ctx:
        stage_object(ctx.session, ctx.store, "documents/9/v1/body.txt", b"draft", "text/plain")
        assert ctx.store.exists("documents/9/v1/body.txt")
        raise RuntimeError("boom")
    assert not runtime.store.exists("documents/9/v1/body.txt")


def test_audit_events_are_append_only(runtime: Runtime) -> None:
    with runtime.context() as ctx:
        AuditService(ctx).record("numbered", document=None, actor=None)
    for statement in ("UPDATE audit_events SET actor_name = 'x'", "DELETE FROM audit_events"):
        with pytest.raises((DBAPIError, Conflict)), runtime.context() as ctx:
            ctx.session.execute(text(statement))
    with runtime.context() as ctx:
        assert ctx.session.execute(text("SELECT actor_name FROM audit_events")).scalars().all() == ["系统"]
