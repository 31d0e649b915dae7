"""The process-wide Runtime the tasks use, built from the environment the first time a task needs it."""

from __future__ import annotations

from services.config import Settings
from services.runtime import Runtime

_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = Runtime(Settings())
    return _runtime


def set_runtime(runtime: Runtime | None) -> None:
    """Let the worker (or a test) hand its own Runtime to the tasks it runs in this process."""
    global _runtime
    _runtime = runtime
