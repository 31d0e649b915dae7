"""Serves the scheduled deployments (催办 daily by default); started by `gongwen up` beside the worker."""

from __future__ import annotations

from typing import cast

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

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
    serve(deployment, print_starting_message=False)
