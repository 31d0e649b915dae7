"""Pieces of SQL the repositories share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, literal
from sqlalchemy.orm import QueryableAttribute


def one_of(column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (?, ?, …)`` over a list fixed when the statement is built (a reader's 密级 levels, a set of
    states): one bound parameter per value, so the compiled statement is used as it is. ``in_`` of a plain list
    is an expanding parameter, whose SQL is rewritten on every execution."""
    return column.in_([literal(value, column.type) for value in values])
