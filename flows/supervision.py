"""The scheduled 督办 flow (DOMAIN.md §1.5): 收文 handling past its 办理时限 gets a 督办 entry, once a day, and a
notice in the 待办 of its lead department and office — the way 催办 (flows/reminders.py) chases units."""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.runtime import get_runtime
from services import compose


@task(name="supervise-overdue-incoming", cache_policy=NO_CACHE)
def supervise_overdue_incoming() -> dict[str, int]:
    """Every overdue record in one task: a Prefect run per record would cost more than the work."""
    with get_runtime().context() as ctx:
        return compose.incoming(ctx).supervise_due()


@flow(name="supervision", flow_run_name="supervision")
def supervision() -> dict[str, int]:
    return supervise_overdue_incoming()
