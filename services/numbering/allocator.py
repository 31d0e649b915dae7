"""The one gap-free sequence allocator (DOMAIN.md §2.3: sequences are gap-free and concurrency-safe): 发文字号,
收文号, 令号 and 纪要期号 all take their numbers here.

A counter row is made by its first move; every move is one statement (INSERT … ON CONFLICT DO UPDATE …
RETURNING) that takes the row lock until the transaction ends (PostgreSQL row lock; SQLite serialises writers): a
concurrent allocation waits, and a rolled-back transaction gives its number back, so a sequence never skips and
never repeats."""

from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, Executable, Integer, Table, bindparam, literal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.domain.enums import NumberFamily
from services.domain.models import NumberCounter

RUNS_ON = 0  # the year of a counter that does not restart each January


def next_seq(session: Session, family: NumberFamily, scope: str, year: int) -> int:
    """The next number of the sequence, taken under its row lock (held until the caller's transaction ends)."""
    return _move(session, "next", family, scope, year)


def lock_last(session: Session, family: NumberFamily, scope: str, year: int) -> int:
    """The last number given, with the counter locked so nobody takes one before the caller's transaction ends."""
    return _move(session, "lock", family, scope, year)


def set_last(session: Session, family: NumberFamily, scope: str, year: int, last: int) -> None:
    """Make ``last + 1`` the next number (the caller has locked the counter and checked what was issued)."""
    _move(session, "set", family, scope, year, last)


_COUNTERS: Table = NumberCounter.__table__  # type: ignore[assignment]

# What each move makes of the counter: (a new counter's value, the existing one's new value).
_MOVES: dict[str, tuple[ColumnElement[int], ColumnElement[int]]] = {
    "next": (literal(1), _COUNTERS.c.last_seq + 1),
    "lock": (literal(0), _COUNTERS.c.last_seq),
    "set": (bindparam("last", type_=Integer), bindparam("last", type_=Integer)),
}


@cache
def _statement(dialect: str, move: str) -> Executable:
    """One upsert a move: the counter is made if new, else changed under its row lock, and its value returned."""
    table = _COUNTERS
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    fresh, moved = _MOVES[move]
    return (
        insert(table)
        .values(family=bindparam("family"), scope=bindparam("scope"), year=bindparam("year"), last_seq=fresh)
        .on_conflict_do_update(index_elements=[table.c.family, table.c.scope, table.c.year], set_={"last_seq": moved})
        .returning(table.c.last_seq)
    )


def _move(session: Session, move: str, family: NumberFamily, scope: str, year: int, last: int = 0) -> int:
    connection = session.connection()
    values = {"family": family.value, "scope": scope, "year": year, "last": last}
    return int(connection.execute(_statement(connection.dialect.name, move), values).scalar_one())
