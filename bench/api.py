"""The API as `gongwen up` starts it, in its own process, for benchmarks that measure through HTTP: a client in
the server's interpreter would hold the GIL against it and add milliseconds to every request."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.config import Settings
from services.processes import STARTUP_SECONDS, Supervisor, free_port, gongwen_command, wait_for_http


def bench_settings(home: Path) -> Settings:
    """Settings for a benchmark's own data home, exported so that the API process reads the same."""
    os.environ.update(
        {"GONGWEN_HOME": str(home), "GONGWEN_API__PORT": str(free_port()), "GONGWEN_EXAMPLE_DATA": "false"}
    )
    return Settings()


@contextmanager
def api_process(settings: Settings) -> Iterator[str]:
    """The API's base URL while it runs."""
    sup = Supervisor(settings)
    try:
        sup.start("api", gongwen_command("api"), to_log=True)
        base = f"http://127.0.0.1:{settings.api.port}"
        wait_for_http(base + "/api/v1/health", STARTUP_SECONDS)
        yield base
    finally:
        sup.stop_all()
