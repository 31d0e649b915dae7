"""The one gap-free sequence allocator (DOMAIN.md §2.3: sequences are gap-free and concurrency-safe): 发文字号,
收文号, 令号 and 纪要期号 all take their numbers here.

A counter row is created once (INSERT … ON CONFLICT DO NOTHING), then its UPDATE takes the row lock until the
transaction ends (PostgreSQL row lock; SQLite serialises writers): a concurrent allocation waits, and a rolled-back
transaction gives its number back, so a sequence never skips and never repeats."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.domain.enums import NumberFamily
from services.domain.models import NumberCounter

RUNS_ON = 0  # the year of a counter that does not restart each January


def next_seq(session: Session, family: NumberFamily, scope: str, year: int) -> int:
    """The next number of the sequence, taken under its row lock (held until the caller's transaction ends)."""
    return _move(session, family, scope, year, NumberCounter.last_seq + 1)


def lock_last(session: Session, family: NumberFamily, scope: str, year: int) -> int:
    """The last number given, with the counter locked so nobody takes one before the caller's transaction ends."""
    return _move(session, family, scope, year, NumberCounter.last_seq)


def set_last(session: Session, family: NumberFamily, scope: str, year: int, last: int) -> None:
    """Make ``last + 1`` the next number (the caller has locked the counter and checked what was issued)."""
    _move(session, family, scope, year, last)


def _move(session: Session, family: NumberFamily, scope: str, year: int, value: object) -> int:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(NumberCounter).values(family=family.value, scope=scope, year=year, last_seq=0).on_conflict_do_nothing()
    )
    seq = session.execute(
        update(NumberCounter)
        .where(NumberCounter.family == family.value, NumberCounter.scope == scope, NumberCounter.year == year)
        .values(last_seq=value)
        .returning(NumberCounter.last_seq)
    ).scalar_one()
    return int(seq)
