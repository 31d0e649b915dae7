"""The `gongwen` command run in-process against a test's runtime (its home and database)."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from services.cli import app
from services.runtime import Runtime


def run_cli(runtime: Runtime, *args: str, input: str | None = None) -> Result:
    settings = runtime.settings
    env = {"GONGWEN_HOME": str(settings.home_dir), "GONGWEN_DATABASE_URL": settings.effective_database_url}
    return CliRunner().invoke(app, list(args), env=env, input=input)
