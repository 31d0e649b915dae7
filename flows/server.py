"""Which Prefect server a process's flow runs go to: the instance's, never a temporary one.

Prefect left to itself starts a temporary ("ephemeral") server when no API URL is set: the runs of `gongwen
import` or `gongwen reindex` then vanish with it, and its telemetry service, which writes to the same SQLite
file as the runs, logs "database is locked" tracebacks. The instance's server is the one `gongwen up` starts on
the settings' port under the home (analytics off), or the one `settings.prefect.api_url` names.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from services.config import Settings
from services.errors import DomainError
from services.processes import Supervisor

log = logging.getLogger("gongwen.prefect")


def answers(api_url: str) -> bool:
    try:
        return httpx.get(api_url.rstrip("/") + "/health", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def instance_prefect(settings: Settings, start: bool = True) -> Iterator[str]:
    """Flow runs started inside go to the instance's Prefect server (its API URL is yielded). When `gongwen up` is
    not running, the instance's own server is started for the duration (``start``): the same database under the
    home, so `gongwen up` shows these runs later. A configured remote server that does not answer is an error.
    Sync flows do not wait for their heartbeat thread (≈1 s a run, STACK-NOTES.md)."""
    url = settings.prefect_api_url
    with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        if not start or answers(url):
            yield url
            return
        if settings.prefect.api_url:
            raise DomainError(
                "prefect_unreachable",
                f"Prefect 服务器无应答：{url}",
                f"the Prefect server configured does not answer: {url}",
                status=503,
            )
        supervisor = Supervisor(settings, say=log.warning)
        log.warning("the instance's Prefect server is not running: starting it on %s for this command", url)
        try:
            supervisor.start_prefect_server()
            yield url
            _deliver_logs_and_events()
        finally:
            supervisor.stop_all()


def _deliver_logs_and_events() -> None:
    """What the runs logged is sent before the server stops (else Prefect prints "Error logging to API")."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=5)
    EventsWorker.drain_all(timeout=5)
