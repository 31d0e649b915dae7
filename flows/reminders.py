"""The scheduled 催办 flow (DOMAIN.md §5): marks 逾期 and chases units near or past their deadline."""

from __future__ import annotations

from prefect import flow, task

from flows.runtime import get_runtime
from services.distribution.service import DistributionService


@task(name="chase-due-replies")
def chase_due_replies() -> dict[str, int]:
    """All units in one task: one Prefect run per recipient would cost more than the work."""
    with get_runtime().context() as ctx:
        return DistributionService(ctx).chase_due()


@flow(name="reminders", flow_run_name="reminders")
def reminders() -> dict[str, int]:
    return chase_due_replies()
