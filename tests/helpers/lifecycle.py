"""Seed 002 taken through its stages by the same service calls the API and the Prefect tasks make (no Prefect)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from services.distribution.service import DistributionService
from services.documents.service import DocumentService
from services.runtime import Runtime
from services.seed.example import read_seed_002, seed_002_draft, user
from services.workflow.service import WorkflowService

HEADS = ("mw.head", "tzb.head", "xcb.head")


def draft(runtime: Runtime, seeds: Path) -> int:
    """Seed 002 drafted by 市民委 (without its plan attached, so the 附件说明 is left out too)."""
    with runtime.context() as ctx:
        fields = seed_002_draft(ctx, read_seed_002(seeds), ctx.today() + dt.timedelta(days=10))
        fields.attachment_notes = []
        return DocumentService(ctx).create_draft(user(ctx, "mw.drafter"), fields).id


def submitted(runtime: Runtime, seeds: Path) -> int:
    doc_id = draft(runtime, seeds)
    with runtime.context() as ctx:
        WorkflowService(ctx).submit(user(ctx, "mw.drafter"), doc_id)
    return doc_id


def review(runtime: Runtime, doc_id: int) -> None:
    with runtime.context() as ctx:
        WorkflowService(ctx).review(user(ctx, "mw.reviewer"), doc_id, True, "同意")


def to_signing(runtime: Runtime, seeds: Path) -> int:
    doc_id = submitted(runtime, seeds)
    with runtime.context() as ctx:
        WorkflowService(ctx).run_format_checks(doc_id)
    review(runtime, doc_id)
    return doc_id


def sign(runtime: Runtime, doc_id: int, *heads: str) -> None:
    for head in heads:
        with runtime.context() as ctx:
            WorkflowService(ctx).decide_signoff(user(ctx, head), doc_id, True, "同意")


def distributed(runtime: Runtime, seeds: Path) -> int:
    doc_id = to_signing(runtime, seeds)
    sign(runtime, doc_id, *HEADS)
    with runtime.context() as ctx:
        WorkflowService(ctx).register(doc_id)
    with runtime.context() as ctx:
        WorkflowService(ctx).render(doc_id, runtime.renderer)
    with runtime.context() as ctx:
        DistributionService(ctx).distribute(doc_id)
    return doc_id
