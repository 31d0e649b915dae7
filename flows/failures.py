"""Telling a failure of a service a step needs (Prefect, object storage) from a failure of the step itself."""

from __future__ import annotations

import traceback
from typing import Any

import httpx

from services.errors import DomainError
from services.jobs.service import DEPENDENCY, STEP


def is_dependency_failure(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, DomainError) and exc.status == 503:
        return True
    status = getattr(getattr(exc, "response", None), "status_code", 0)
    return isinstance(status, int) and status >= 500


def failure_of(state: Any, summary: str) -> tuple[str, str]:
    """(kind, error) of a state that did not complete, from the exception it carries."""
    try:
        state.result()
    except BaseException as exc:  # the run's own exception
        return failure_of_exception(exc, summary)
    return STEP, summary


def failure_of_exception(exc: BaseException, summary: str) -> tuple[str, str]:
    kind = DEPENDENCY if is_dependency_failure(exc) else STEP
    return kind, f"{summary}: {''.join(traceback.format_exception(exc))}"
