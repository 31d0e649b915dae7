"""Serves the scheduled deployments (催办 daily by default); started by `gongwen up` beside the worker."""

from __future__ import annotations

from typing import Any, cast

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.archive import annual_archive, fixity_audit
from flows.reminders import reminders
from services.config import Settings


def _scheduled(flow: Any, name: str, cron: str, description: str, settings: Settings) -> RunnerDeployment:
    deployment = flow.to_deployment(
        name=name, schedule=Cron(cron, timezone=settings.timezone), description=description, tags=["gongwen"]
    )
    return cast(RunnerDeployment, deployment)


def serve_schedules(settings: Settings) -> None:
    serve(
        _scheduled(
            reminders,
            "gongwen-reminders",
            settings.reminders.cron,
            "催办: chase units near or past a due date and for the current period of a cadence",
            settings,
        ),
        _scheduled(
            annual_archive,
            "gongwen-annual-archive",
            settings.archive.cron,
            "年度归档: the previous year's finished documents into the archive (DA/T 22)",
            settings,
        ),
        _scheduled(
            fixity_audit,
            "gongwen-fixity-audit",
            settings.archive.fixity_cron,
            "Re-read every archived object and verify its digest",
            settings,
        ),
        print_starting_message=False,
    )
