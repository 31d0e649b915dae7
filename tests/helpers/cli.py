"""The `gongwen` command run in-process, or as its own process, against a test's runtime (its home and database)
and the session's Prefect server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from services.cli import app
from services.runtime import Runtime


def cli_env(runtime: Runtime) -> dict[str, str]:
    """The instance's settings: its home, its database, and the Prefect server it uses (the session's)."""
    settings = runtime.settings
    return {
        "GONGWEN_HOME": str(settings.home_dir),
        "GONGWEN_DATABASE_URL": settings.effective_database_url,
        "GONGWEN_PREFECT__API_URL": os.environ["PREFECT_API_URL"],
    }


def run_cli(runtime: Runtime, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=cli_env(runtime), input=input)


def run_gongwen(runtime: Runtime, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`gongwen …` as an operator runs it: its own process, which learns the Prefect server from the settings
    only (no PREFECT_* variable; ``settings`` are more GONGWEN_* variables), its output and errors kept apart."""
    gongwen = Path(sys.executable).parent / "gongwen"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGWEN_"))}
    env = {**env, **cli_env(runtime), **settings}
    return subprocess.run([str(gongwen), *args], env=env, capture_output=True, text=True, timeout=300)
