"""A page's form tried inside the request's unit of work: refused, its writes are rolled back to a savepoint and
the page shows the form again with what was typed and each problem at its field (never a dead-end page)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from pydantic import ValidationError

from services.context import Context
from services.errors import DomainError
from services.web.problems import FormErrors, FormProblem, problems_of, top_level
from services.web.session import Posted, read_posted, stale_form

T = TypeVar("T")
PostedForm = Annotated[Posted, Depends(read_posted)]
# Refusals a clerk can act on in the form itself; others (not found, not allowed, too many tries) are the error page.
FORM_STATUSES = frozenset({400, 409, 413, 415, 422})


def attempt(
    ctx: Context,
    posted: Posted,
    action: Callable[[], T],
    labels: Mapping[str, str] | None = None,
    name_of: Callable[[Sequence[Any]], str] = top_level,
    default_field: str = "form",
) -> tuple[T | None, list[FormProblem]]:
    """Run ``action`` if the form is fresh; its result, or (nothing changed) the problems to show at the fields."""
    if not posted.fresh:
        error = stale_form()
        return None, [FormProblem(field="form", zh=error.zh, en=error.en, code=error.code, status=error.status)]
    try:
        with ctx.savepoint():
            return action(), []
    except (FormErrors, ValidationError) as exc:
        return None, problems_of(exc, labels or {}, name_of, default_field)
    except DomainError as exc:
        if exc.status not in FORM_STATUSES:
            raise
        return None, problems_of(exc, labels or {}, name_of, default_field)
