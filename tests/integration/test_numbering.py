"""发文字号 allocation is gap-free, exactly once per document, and safe across processes (DOMAIN.md §2.3)."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from search.analysis import is_canonical_doc_number
from services.config import Settings
from services.domain.enums import DocStatus, SignoffKind, SignoffStatus
from services.domain.models import AuditEvent, Document, DocumentIssuer, NumberCounter, Organ, Signoff
from services.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]


def _signed_documents(runtime: Runtime, count: int) -> list[int]:
    """Documents every head has signed, as the sign-off step leaves them."""
    with runtime.context() as ctx:
        lead = ctx.session.scalar(select(Organ).where(Organ.code == "zlt-mw"))
        assert lead is not None
        docs = []
        for i in range(count):
            doc = Document(
                doc_type="通知",
                title=f"关于第{i}项工作的通知",
                lead_organ_id=lead.id,
                issue_form="字",
                status=DocStatus.signed.value,
                current_version=1,
                signing_round=1,
                written_on=dt.date(2025, 3, 1),
            )
            doc.issuers = [DocumentIssuer(organ_id=lead.id, position=0)]
            ctx.session.add(doc)
            docs.append(doc)
        ctx.session.flush()
        for doc in docs:
            ctx.session.add(
                Signoff(
                    document_id=doc.id,
                    organ_id=lead.id,
                    round=1,
                    kind=SignoffKind.sign.value,
                    status=SignoffStatus.signed.value,
                    version=1,
                )
            )
        return [d.id for d in docs]


def test_numbers_follow_the_lead_sequence(runtime: Runtime, example_users: None) -> None:
    from services.workflow.service import WorkflowService

    ids = _signed_documents(runtime, 3)
    with runtime.context() as ctx:
        numbers = [WorkflowService(ctx).register(i) for i in ids]
    with runtime.context() as ctx:
        again = WorkflowService(ctx).register(ids[0])
    assert numbers == ["扎民委字〔2025〕1号", "扎民委字〔2025〕2号", "扎民委字〔2025〕3号"]
    assert again == numbers[0]
    assert all(is_canonical_doc_number(n) for n in numbers)


@pytest.mark.postgres
def test_200_documents_from_4_processes_get_200_numbers_without_gap(
    pg_database: str, tmp_path: Path, sqlite_template: Path
) -> None:
    from tests.conftest import truncate_all

    truncate_all(pg_database)
    runtime = Runtime(Settings(home=tmp_path / "home", database_url=pg_database, environment="test"), migrated=True)
    from services.seed.example import load_organs_and_users

    with runtime.context() as ctx:
        load_organs_and_users(ctx)
    ids = _signed_documents(runtime, 200)
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
        seqs = list(ctx.session.scalars(select(Document.doc_seq).where(Document.id.in_(ids))))
        numbers = set(ctx.session.scalars(select(Document.doc_number).where(Document.id.in_(ids))))
        last = ctx.session.get(NumberCounter, ("发文字号", "扎民委字", 2025))
        events = ctx.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "numbered"))
    runtime.close()
    assert sorted(seqs) == list(range(1, 201))
    assert len(numbers) == 200
    assert last is not None and last.last_seq == 200
    assert events == 200
