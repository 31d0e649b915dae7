"""The composition root: each service built with its collaborators, the one place that knows how. The API and
the pages get them as dependencies (services.http.deps), the CLI and the flows call these functions."""

from __future__ import annotations

from services.accounts.departments import DepartmentService
from services.audit.service import AuditService
from services.context import Context
from services.incoming.repository import IncomingRepository
from services.incoming.service import IncomingService


def audit(ctx: Context) -> AuditService:
    return AuditService(ctx)


def departments(ctx: Context) -> DepartmentService:
    return DepartmentService(ctx, audit=audit(ctx))


def incoming(ctx: Context) -> IncomingService:
    return IncomingService(ctx, repo=IncomingRepository(ctx.session), audit=audit(ctx))
