"""The daily anchor of the audit chain's head in the archive store (services/audit/anchors.py); the archive run
takes one too when it ends (flows/archive.py)."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.naming import anchor_label, given_name, untagged
from flows.runtime import get_runtime
from services import compose
from services.audit.anchors import Written


def _report(found: Written | None) -> dict[str, Any]:
    if found is None:
        return {"anchored": False, "written": False, "reason": "审计链尚无事件 / the audit chain has no event yet"}
    anchor = found.anchor
    return {
        "anchored": True,
        "written": found.written,
        "key": found.key,
        "event_id": anchor.event_id,
        "hash": anchor.hash,
        "day": anchor.day.isoformat(),
        "at": anchor.at.isoformat(),
        "reason": anchor.reason,
    }


@task(name="anchor-audit-chain", cache_policy=NO_CACHE)
def anchor_audit_chain(run_id: int | None = None) -> dict[str, Any]:
    """Write the committed chain head once: today's daily anchor, or the archive run ``run_id``'s."""
    with get_runtime().context() as ctx:
        service = compose.anchors(ctx)
        return _report(service.daily() if run_id is None else service.after_archive_run(run_id))


@flow(name="audit-anchor", flow_run_name=given_name(anchor_label().name))
def audit_anchor() -> dict[str, Any]:
    """The daily anchor: one a day, a second run the same day leaves the first in place."""
    with untagged():
        return anchor_audit_chain()
