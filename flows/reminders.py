"""The scheduled 催办 flow (DOMAIN.md §5): chases units near or past a due date and for the current period of a
cadence, at most once a day per unit and obligation."""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.runtime import get_runtime
from services import compose


@task(name="chase-due-obligations", cache_policy=NO_CACHE)
def chase_due_obligations() -> dict[str, int]:
    """All units and obligations in one task: one Prefect run per recipient would cost more than the work."""
    with get_runtime().context() as ctx:
        return compose.obligations(ctx).chase_due()


@flow(name="reminders", flow_run_name="reminders")
def reminders() -> dict[str, int]:
    return chase_due_obligations()
