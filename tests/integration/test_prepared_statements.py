"""On PostgreSQL a connection keeps the statements psycopg prepared on it, and plans each once: a refused read (a
404, a 403 — common on the pages) must not throw them away, which a ROLLBACK does (psycopg forgets every prepared
statement of a connection at each one). A failing write still rolls back and leaves nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from services.domain.models import Organ
from services.errors import Invalid, NotFound
from services.runtime import Runtime

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

ASKED = select(Organ.id).where(Organ.id == 1)


def prepared(runtime: Runtime) -> list[str]:
    with runtime.db.unit_of_work(write=False) as session:
        return list(session.scalars(text("SELECT statement FROM pg_prepared_statements")))


def ask_often(runtime: Runtime, times: int = 8) -> None:
    for _ in range(times):
        with runtime.db.unit_of_work(write=False) as session:
            session.execute(ASKED)


def test_a_refused_read_keeps_the_connections_prepared_statements(runtime: Runtime) -> None:
    ask_often(runtime)
    before = prepared(runtime)
    assert any("FROM organs" in s for s in before), before
    with pytest.raises(NotFound), runtime.db.unit_of_work(write=False) as session:
        session.execute(ASKED)
        raise NotFound("document_not_found", "公文不存在", "no such document")
    assert prepared(runtime) == before


def test_a_read_whose_statement_fails_leaves_a_usable_connection(runtime: Runtime) -> None:
    ask_often(runtime)
    with pytest.raises(Invalid), runtime.db.unit_of_work(write=False) as session:
        session.execute(text("SELECT 1 / 0"))
    with runtime.db.unit_of_work(write=False) as session:
        assert session.scalar(text("SELECT 2")) == 2


def test_a_failing_write_still_leaves_nothing(runtime: Runtime) -> None:
    with pytest.raises(RuntimeError), runtime.db.unit_of_work() as session:
        session.add(Organ(code="TEMP", name="临时机关", short_name="临时"))
        session.flush()
        raise RuntimeError("killed half-way")
    with runtime.db.unit_of_work(write=False) as session:
        assert session.scalar(select(Organ.id).where(Organ.code == "TEMP")) is None


def test_statements_are_planned_once_for_every_value(runtime: Runtime) -> None:
    with runtime.db.unit_of_work(write=False) as session:
        assert session.scalar(text("SHOW plan_cache_mode")) == "force_generic_plan"


def test_a_reader_that_changed_an_object_then_failed_rolls_back_and_keeps_its_error(
    runtime: Runtime, example_users: None
) -> None:
    """A programming error (a change in a reading unit of work) is not committed, nor hidden by the refusal."""
    with pytest.raises(NotFound), runtime.db.unit_of_work(write=False) as session:
        organ = session.get(Organ, 1)
        assert organ is not None
        organ.short_name = "改过"
        raise NotFound("document_not_found", "公文不存在", "no such document")
    with runtime.db.unit_of_work(write=False) as session:
        assert session.scalar(select(Organ.short_name).where(Organ.id == 1)) != "改过"


def test_a_long_statement_is_converted_once(runtime: Runtime) -> None:
    """psycopg keeps the conversion of short statements only; ours (the 待办's, over 4 KB) are kept too."""
    from psycopg import _queries

    columns = ", ".join(f"organs.name AS name_{n}" for n in range(200))  # ≈ 5 KB of SQL, one parameter
    long = text(f"SELECT {columns} FROM organs WHERE organs.id = :id")
    with runtime.db.unit_of_work(write=False) as session:
        session.execute(long, {"id": 1})
        hits = _queries._query2pg.cache_info().hits
        session.execute(long, {"id": 2})
        assert _queries._query2pg.cache_info().hits == hits + 1
