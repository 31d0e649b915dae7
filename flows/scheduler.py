"""Serves the scheduled deployments (催办 daily by default); started by `gongwen up` beside the worker."""

from __future__ import annotations

import logging
from typing import Any, cast

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.archive import EVERY_FONDS, annual_archive, fixity_audit
from flows.audit import audit_anchor
from flows.naming import anchor_label, archive_tags, fixity_label
from flows.reminders import reminders
from flows.supervision import supervision
from services.config import Settings

log = logging.getLogger("gongwen.scheduler")


def _scheduled(
    flow: Any, name: str, cron: str, description: str, settings: Settings, tags: tuple[str, ...] = ()
) -> RunnerDeployment:
    deployment = flow.to_deployment(
        name=name,
        schedule=Cron(cron, timezone=settings.timezone),
        description=description,
        tags=["gongwen", *tags],
    )
    return cast(RunnerDeployment, deployment)


DEPLOYMENTS = (
    "gongwen-reminders",
    "gongwen-supervision",
    "gongwen-annual-archive",
    "gongwen-fixity-audit",
    "gongwen-audit-anchor",
)


def crash_orphaned_runs() -> int:
    """Runs of the schedules still Running or Pending when a scheduler starts were left by one that died (an
    instance has one scheduler): mark them crashed so no run stays Running for ever."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=list(DEPLOYMENTS))),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING, StateType.PENDING]))
            ),
        )
        for run in runs:
            message = "调度进程中断，本次运行未完成 / the scheduler stopped while this run was in progress"
            client.set_flow_run_state(run.id, Crashed(message=message), force=True)
    return len(runs)


def serve_schedules(settings: Settings) -> None:
    try:
        crashed = crash_orphaned_runs()
        if crashed:
            log.warning("%d scheduled runs left by a stopped scheduler marked crashed", crashed)
    except Exception as exc:  # Prefect not up yet: serve() below waits for it, and the next start retries
        log.warning("could not look for runs a stopped scheduler left: %s", exc)
    serve(
        _scheduled(
            reminders,
            "gongwen-reminders",
            settings.reminders.cron,
            "催办: chase units near or past a due date and for the current period of a cadence",
            settings,
        ),
        _scheduled(
            supervision,
            "gongwen-supervision",
            settings.reminders.supervise_cron,
            "督办: 收文 handling past its 办理时限 gets a 督办 entry and a notice in the 待办",
            settings,
        ),
        _scheduled(
            annual_archive,
            "gongwen-annual-archive",
            settings.archive.cron,
            "年度归档: the previous year's finished documents into every organ's fonds (DA/T 22)",
            settings,
            archive_tags(EVERY_FONDS),
        ),
        _scheduled(
            fixity_audit,
            "gongwen-fixity-audit",
            settings.archive.fixity_cron,
            "Re-read every archived object and verify its digest",
            settings,
            fixity_label().tags,
        ),
        _scheduled(
            audit_anchor,
            "gongwen-audit-anchor",
            settings.archive.anchor_cron,
            "审计链锚定: the audit chain's head written once a day into the archive store (object lock)",
            settings,
            anchor_label().tags,
        ),
        print_starting_message=False,
    )
