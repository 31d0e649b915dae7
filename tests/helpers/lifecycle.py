"""The example joint notice taken through its stages by the service calls the API and the Prefect tasks make."""

from __future__ import annotations

import datetime as dt

from services.distribution.service import DistributionService
from services.documents.service import DocumentService
from services.runtime import Runtime
from services.seed.example import joint_notice_draft, user
from services.seed.texts import joint_notice
from services.workflow.service import WorkflowService

HEADS = ("mw.head", "tzb.head", "xcb.head")


def draft(runtime: Runtime) -> int:
    """The joint notice drafted by 市民委 (without its plan attached, so the 附件说明 is left out too)."""
    with runtime.context() as ctx:
        fields = joint_notice_draft(ctx, joint_notice(), ctx.today() + dt.timedelta(days=10))
        fields.attachment_notes = []
        return DocumentService(ctx).create_draft(user(ctx, "mw.drafter"), fields).id


def submitted(runtime: Runtime) -> int:
    doc_id = draft(runtime)
    with runtime.context() as ctx:
        WorkflowService(ctx).submit(user(ctx, "mw.drafter"), doc_id)
    return doc_id


def review(runtime: Runtime, doc_id: int) -> None:
    with runtime.context() as ctx:
        WorkflowService(ctx).review(user(ctx, "mw.reviewer"), doc_id, True, "同意")


def to_signing(runtime: Runtime) -> int:
    doc_id = submitted(runtime)
    with runtime.context() as ctx:
        WorkflowService(ctx).run_format_checks(doc_id)
    review(runtime, doc_id)
    return doc_id


def sign(runtime: Runtime, doc_id: int, *heads: str) -> None:
    for head in heads:
        with runtime.context() as ctx:
            WorkflowService(ctx).decide_signoff(user(ctx, head), doc_id, True, "同意")


def distributed(runtime: Runtime) -> int:
    doc_id = to_signing(runtime)
    sign(runtime, doc_id, *HEADS)
    with runtime.context() as ctx:
        WorkflowService(ctx).register(doc_id)
    with runtime.context() as ctx:
        WorkflowService(ctx).render(doc_id, runtime.renderer)
    with runtime.context() as ctx:
        DistributionService(ctx).distribute(doc_id)
    return doc_id
