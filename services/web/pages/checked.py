"""A posted form checked for this session's token before the page runs (a stale one is the error page), to be
tried with ``services.web.attempt``, and its text fields as typed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends
from starlette.datastructures import FormData

from services.web.session import Posted, read_form

FormDep = Annotated[FormData, Depends(read_form)]


async def _checked_form(form: FormDep) -> Posted:
    """A form ``read_form`` let through carries this session's token: a stale one never reaches the page."""
    return Posted(form, fresh=True)


CheckedForm = Annotated[Posted, Depends(_checked_form)]


def form_values(form: FormData, keys: Iterable[str]) -> dict[str, str]:
    """The form's text fields as typed, trimmed (a missing one empty)."""
    return {k: str(form.get(k) or "").strip() for k in keys}
