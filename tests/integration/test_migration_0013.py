"""Migration 0013 on a database that holds the one-deadline model: each document's report requirement becomes
one obligation, its reply tasks become the obligation's owners, the reports they hold become submissions, and
chases follow their obligation (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from services.db import MIGRATIONS_DIR
from tests.conftest import PG_ADMIN_URL, pg_available


def _config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    name = f"gongwen_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


NOW = dt.datetime(2024, 9, 20, 2, 0, tzinfo=dt.UTC)


def _old_world(url: str) -> None:
    """Two units owe a 总结 by 9月22日: one reported (and was chased twice that day), one was returned."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for n, name in ((1, "扎兰屯市民族事务委员会"), (2, "扎兰屯市教育局"), (3, "扎兰屯市卫生健康委员会")):
            conn.execute(
                text("INSERT INTO organs (id, code, name, short_name, created_at) VALUES (:i, :c, :n, :n, :t)"),
                {"i": n, "c": f"o{n}", "n": name, "t": NOW},
            )
        doc = (
            "INSERT INTO documents (id, kind, status, doc_type, title, lead_organ_id, issue_form, classification,"
            " urgency, attachment_notes, current_version, signing_round, report_deadline, report_materials,"
            " report_method, report_contact, created_at, updated_at, reply_to_id, source_organ_id)"
            " VALUES (:id, :kind, :status, '通知', :title, :lead, '字', '非密', '普通', '[]', 1, 1, :due,"
            " :materials, :method, :contact, :t, :t, :reply_to, :source)"
        )
        conn.execute(text(doc), {
            "id": 1, "kind": "outgoing", "status": "distributed", "title": "关于印发方案的通知", "lead": 1,
            "due": dt.date(2024, 9, 22), "materials": '["活动月工作总结", "图片影像资料"]', "method": "3010室",
            "contact": "联系人", "t": NOW, "reply_to": None, "source": None,
        })  # fmt: skip
        for reply_id, organ in ((2, 2), (3, 3)):
            conn.execute(text(doc), {
                "id": reply_id, "kind": "reply", "status": "received", "title": f"总结{reply_id}", "lead": organ,
                "due": None, "materials": "[]", "method": None, "contact": None, "t": NOW, "reply_to": 1,
                "source": organ,
            })  # fmt: skip
        task = (
            "INSERT INTO reply_tasks (id, document_id, organ_id, deadline, status, reply_document_id, reported_at,"
            " returned_reason, chase_count) VALUES (:id, 1, :organ, :due, :status, :reply, :at, :reason, 0)"
        )
        conn.execute(text(task), {"id": 1, "organ": 2, "due": dt.date(2024, 9, 22), "status": "已报", "reply": 2,
                                  "at": NOW, "reason": None})  # fmt: skip
        conn.execute(text(task), {"id": 2, "organ": 3, "due": dt.date(2024, 9, 22), "status": "退回补报",
                                  "reply": 3, "at": NOW, "reason": "缺照片"})  # fmt: skip
        chase = (
            "INSERT INTO chases (reply_task_id, chased_on, method, message, at)"
            " VALUES (:task, :day, :method, '请报送', :t)"
        )
        for method in ("system", "notice"):
            conn.execute(text(chase), {"task": 1, "day": dt.date(2024, 9, 19), "method": method, "t": NOW})
        conn.execute(text(chase), {"task": 2, "day": dt.date(2024, 9, 18), "method": "system", "t": NOW})
    engine.dispose()


def test_the_one_deadline_model_moves_over(empty_url: str) -> None:
    cfg = _config(empty_url)
    command.upgrade(cfg, "0011")
    _old_world(empty_url)
    command.upgrade(cfg, "head")
    engine = create_engine(empty_url)
    with engine.connect() as conn:
        obligations = conn.execute(
            text("SELECT id, document_id, title, materials, due_on, method, contact FROM obligations")
        ).all()
        assert len(obligations) == 1
        ob = obligations[0]
        assert (ob.document_id, ob.title, ob.method, ob.contact) == (1, "活动月工作总结", "3010室", "联系人")
        assert str(ob.due_on)[:10] == "2024-09-22"
        owners = conn.execute(text("SELECT organ_id FROM obligation_owners ORDER BY organ_id")).scalars().all()
        assert owners == [2, 3]
        subs = conn.execute(
            text("SELECT organ_id, reply_document_id, status, returned_reason FROM submissions ORDER BY organ_id")
        ).all()
        assert [tuple(s) for s in subs] == [(2, 2, "待签收", None), (3, 3, "已退回", "缺照片")]
        chases = conn.execute(text("SELECT obligation_id, organ_id, chased_on FROM chases ORDER BY id")).all()
        assert [(c.obligation_id, c.organ_id, str(c.chased_on)[:10]) for c in chases] == [
            (ob.id, 2, "2024-09-19"), (ob.id, 3, "2024-09-18"),
        ]  # fmt: skip
        columns = conn.execute(text("SELECT * FROM documents WHERE id = 1")).keys()
        assert "report_deadline" not in columns and "main_recipients_text" in columns
    engine.dispose()


def test_downgrade_restores_the_old_shape(empty_url: str) -> None:
    cfg = _config(empty_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "0011")
    engine = create_engine(empty_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reply_tasks")).scalar() == 0
    engine.dispose()
    command.upgrade(cfg, "head")
