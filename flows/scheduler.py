"""Serves the scheduled deployments (催办 daily by default); started by `gongwen up` beside the worker."""

from __future__ import annotations

from typing import cast

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.archive import annual_archive, fixity_audit
from flows.reminders import reminders
from services.config import Settings


def serve_schedules(settings: Settings) -> None:
    deployment = cast(
        RunnerDeployment,
        reminders.to_deployment(
            name="gongwen-reminders",
            schedule=Cron(settings.reminders.cron, timezone=settings.timezone),
            description="催办: mark 逾期 and chase units near or past their report-back deadline",
            tags=["gongwen"],
        ),
    )
    archive = cast(
        RunnerDeployment,
        annual_archive.to_deployment(
            name="gongwen-annual-archive",
            schedule=Cron(settings.archive.cron, timezone=settings.timezone),
            description="年度归档: the previous year's finished documents into the archive (DA/T 22)",
            tags=["gongwen"],
        ),
    )
    fixity = cast(
        RunnerDeployment,
        fixity_audit.to_deployment(
            name="gongwen-fixity-audit",
            schedule=Cron(settings.archive.fixity_cron, timezone=settings.timezone),
            description="Re-read every archived object and verify its digest",
            tags=["gongwen"],
        ),
    )
    serve(deployment, archive, fixity, print_starting_message=False)
