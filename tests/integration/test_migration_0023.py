"""Migration 0023 on a database that numbered with two counter tables: the 发文字号 and 收文号 reached so far carry
over into the one table of counters, so the next numbers follow on; and back again (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import create_engine, text

from tests.integration.test_migration_0013 import _config, empty_url  # noqa: F401 (the fixture)

NOW = dt.datetime(2025, 3, 1, 2, 0, tzinfo=dt.UTC)


def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(text(query))]
    engine.dispose()
    return found


def test_the_numbers_reached_carry_over_and_back(empty_url: str) -> None:  # noqa: F811
    cfg = _config(empty_url)
    command.upgrade(cfg, "0022")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organs (id, code, name, short_name, created_at) VALUES (7, 'zf', '扎兰屯市人民政府', "
                 "'市政府', :t)"), {"t": NOW},
        )  # fmt: skip
        conn.execute(text("INSERT INTO number_sequences VALUES ('扎政发', 2025, 31), ('扎政函', 2025, 4)"))
        conn.execute(text("INSERT INTO incoming_sequences VALUES (7, 2025, 120)"))
    engine.dispose()

    command.upgrade(cfg, "0023")
    counters = "SELECT family, scope, year, last_seq FROM number_counters"
    assert sorted(_rows(empty_url, counters)) == sorted([
        ("发文字号", "扎政发", 2025, 31), ("发文字号", "扎政函", 2025, 4), ("收文号", "7", 2025, 120),
    ])  # fmt: skip
    assert _rows(empty_url, "SELECT count(*) FROM number_series") == [(0,)]

    command.downgrade(cfg, "0022")
    assert sorted(_rows(empty_url, "SELECT prefix, year, last_seq FROM number_sequences")) == sorted([
        ("扎政发", 2025, 31), ("扎政函", 2025, 4),
    ])  # fmt: skip
    assert _rows(empty_url, "SELECT organ_id, year, last_seq FROM incoming_sequences") == [(7, 2025, 120)]
