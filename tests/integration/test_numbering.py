"""发文字号 allocation is gap-free, exactly once per document, and safe across processes (DOMAIN.md §2.3)."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from search.analysis import is_canonical_doc_number
from services.config import Settings
from services.domain.models import AuditEvent, Document, NumberCounter
from services.runtime import Runtime
from tests.helpers.signed import signed_documents

ROOT = Path(__file__).resolve().parents[2]


def test_numbers_follow_the_lead_sequence(runtime: Runtime, example_users: None) -> None:
    from services.workflow.service import WorkflowService

    ids = signed_documents(runtime, 3)
    with runtime.context() as ctx:
        numbers = [WorkflowService(ctx).register(i) for i in ids]
    with runtime.context() as ctx:
        again = WorkflowService(ctx).register(ids[0])
    assert numbers == ["扎民委字〔2025〕1号", "扎民委字〔2025〕2号", "扎民委字〔2025〕3号"]
    assert again == numbers[0]
    assert all(is_canonical_doc_number(n) for n in numbers)


@pytest.mark.postgres
def test_200_documents_from_4_processes_get_150_wenhao_and_50_linghao_without_gap(
    pg_database: str, tmp_path: Path, sqlite_template: Path
) -> None:
    from tests.conftest import truncate_all

    truncate_all(pg_database)
    runtime = Runtime(Settings(home=tmp_path / "home", database_url=pg_database, environment="test"), migrated=True)
    from services.seed.example import load_organs_and_users

    with runtime.context() as ctx:
        load_organs_and_users(ctx)
    ids = signed_documents(runtime, 200, ("通知", "通知", "通知", "命令"))  # every fourth a 令: its own 令号
    # Each process issues its own 50 and races the next process over that one's 50, in random order.
    shares = [ids[i * 50 : (i + 1) * 50] + ids[((i + 1) % 4) * 50 : ((i + 2) % 4 or 4) * 50] for i in range(4)]
    for share in shares:
        random.shuffle(share)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.helpers.register_many",
                pg_database,
                str(tmp_path / "home"),
                ",".join(map(str, share)),
            ],
            cwd=ROOT,
        )
        for share in shares
    ]
    assert [p.wait(300) for p in procs] == [0, 0, 0, 0]

    with runtime.context() as ctx:
        rows = list(ctx.session.execute(select(Document.doc_type, Document.doc_seq).where(Document.id.in_(ids))))
        numbers = set(ctx.session.scalars(select(Document.doc_number).where(Document.id.in_(ids))))
        last = ctx.session.get(NumberCounter, ("发文字号", "扎民委字", 2025))
        orders = list(ctx.session.scalars(select(NumberCounter).where(NumberCounter.family == "令号")))
        events = ctx.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "numbered"))
    runtime.close()
    assert sorted(seq for doc_type, seq in rows if doc_type == "通知") == list(range(1, 151))
    assert sorted(seq for doc_type, seq in rows if doc_type == "命令") == list(range(1, 51))
    assert len(numbers) == 200 and "扎兰屯市民族事务委员会令第50号" in numbers
    assert last is not None and last.last_seq == 150
    assert [(c.year, c.last_seq) for c in orders] == [(0, 50)]
    assert events == 200
