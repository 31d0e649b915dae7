"""Two people at once: nothing lost, nothing half-done, each loser told why (SQLite and PostgreSQL).

Each race starts both transactions together; a pause inside the first one's critical section makes sure the
second arrives while the first still holds what it locked."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select

from services.accounts.login import Throttle
from services.context import Context
from services.distribution.service import DistributionService
from services.documents.schemas import AttachmentUpload
from services.documents.service import DocumentService
from services.domain.models import (
    AuditEvent,
    Chase,
    Document,
    DocumentVersion,
    InboxItem,
    LoginThrottle,
    ProcessJob,
    Submission,
)
from services.errors import DomainError
from services.obligations.repository import ObligationRepository
from services.obligations.service import ObligationService
from services.runtime import Runtime
from services.seed.example import joint_notice_draft, tiny_png, user
from services.seed.texts import joint_notice
from services.workflow.service import WorkflowService
from tests.helpers import lifecycle

PAUSE = 0.3


def race(runtime: Runtime, *actions: Callable[[Context], object]) -> list[object]:
    """Run each action in its own thread and transaction, started together; results or domain errors."""
    start = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(n: int) -> None:
        start.wait()
        time.sleep(n * PAUSE / 3)  # the first one in takes the lock; the others come while it holds it
        try:
            with runtime.context() as ctx:
                results[n] = actions[n](ctx)
        except DomainError as exc:
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@contextmanager
def slow(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> Iterator[None]:
    """Hold the transaction open a while inside ``owner.name`` (after its locks are taken)."""
    original = getattr(owner, name)

    def paused(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        time.sleep(PAUSE)
        return result

    monkeypatch.setattr(owner, name, paused)
    yield
    monkeypatch.setattr(owner, name, original)


def _codes(results: list[object]) -> list[str]:
    return sorted(r.code if isinstance(r, DomainError) else "ok" for r in results)


def _count(runtime: Runtime, model: Any, *where: Any) -> int:
    with runtime.context() as ctx:
        return int(ctx.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _sign(head: str, doc_id: int, approve: bool = True) -> Callable[[Context], object]:
    opinion = "同意" if approve else "请修改"
    return lambda ctx: WorkflowService(ctx).decide_signoff(user(ctx, head), doc_id, approve, opinion)


def test_two_saves_of_one_draft_lose_nothing(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = lifecycle.draft(runtime)

    def save(text: str) -> Callable[[Context], object]:
        def act(ctx: Context) -> object:
            draft = joint_notice_draft(ctx, joint_notice(), ctx.today() + dt.timedelta(days=10))
            draft.attachment_notes, draft.body, draft.base_version = [], text, 1
            return DocumentService(ctx).save(user(ctx, "mw.drafter"), doc_id, draft).current_version

        return act

    with slow(monkeypatch, DocumentService, "new_version"):
        results = race(runtime, save("甲改的正文。"), save("乙改的正文。"))
    assert _codes(results) == ["ok", "version_conflict"]
    winner = "甲改的正文。" if results[0] == 2 else "乙改的正文。"
    with runtime.context() as ctx:
        service = DocumentService(ctx)
        document = service.get(doc_id)
        assert document.current_version == 2
        assert service.body(service.version(document, 2)) == winner  # the saved text is whole and readable
        keys = set(ctx.session.scalars(select(DocumentVersion.body_key).where(DocumentVersion.document_id == doc_id)))
    assert keys == set(runtime.store.list(f"documents/{doc_id}/"))  # and no orphan object either


def test_two_signings_of_one_round_complete_it_once(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = lifecycle.to_signing(runtime)
    with runtime.context() as ctx:
        _sign("mw.head", doc_id)(ctx)
    with slow(monkeypatch, WorkflowService, "_slot_for"):
        results = race(runtime, _sign("tzb.head", doc_id), _sign("xcb.head", doc_id))
    assert _codes(results) == ["ok", "ok"]
    with runtime.context() as ctx:
        assert ctx.session.get(Document, doc_id).status == "signed"  # type: ignore[union-attr]
    assert _count(runtime, AuditEvent, AuditEvent.document_id == doc_id, AuditEvent.action == "all_signed") == 1
    assert _count(runtime, ProcessJob, ProcessJob.document_id == doc_id, ProcessJob.step == "issue") == 1


def test_one_head_twice_at_once_signs_once(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = lifecycle.to_signing(runtime)
    with slow(monkeypatch, WorkflowService, "_slot_for"):
        results = race(runtime, _sign("tzb.head", doc_id), _sign("tzb.head", doc_id))
    assert _codes(results) == ["already_decided", "ok"]
    assert _count(runtime, AuditEvent, AuditEvent.document_id == doc_id, AuditEvent.action == "countersigned") == 1


def test_a_signing_against_a_rejection_never_issues(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = lifecycle.to_signing(runtime)
    with runtime.context() as ctx:
        _sign("mw.head", doc_id)(ctx)
    with slow(monkeypatch, WorkflowService, "_slot_for"):
        results = race(runtime, _sign("tzb.head", doc_id), _sign("xcb.head", doc_id, approve=False))
    assert set(_codes(results)) <= {"ok", "illegal_state"} and "ok" in _codes(results)
    with runtime.context() as ctx:
        assert ctx.session.get(Document, doc_id).status == "returned"  # type: ignore[union-attr]
    assert _count(runtime, AuditEvent, AuditEvent.document_id == doc_id, AuditEvent.action == "all_signed") == 0
    assert _count(runtime, ProcessJob, ProcessJob.document_id == doc_id, ProcessJob.step == "issue") == 0


def test_two_clerks_receive_at_once_one_receipt(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = lifecycle.distributed(runtime)

    def receive(username: str) -> Callable[[Context], object]:
        return lambda ctx: DistributionService(ctx).receive(user(ctx, username), doc_id).id

    with slow(monkeypatch, DistributionService, "_item_for"):
        results = race(runtime, receive("jyj.drafter"), receive("jyj.head"))
    assert _codes(results) == ["already_received", "ok"]
    with runtime.context() as ctx:
        jyj = user(ctx, "jyj.drafter").organ_id
        item = ctx.session.scalar(select(InboxItem).where(InboxItem.document_id == doc_id, InboxItem.organ_id == jyj))
        assert item is not None and item.received_at is not None
    assert _count(runtime, AuditEvent, AuditEvent.document_id == doc_id, AuditEvent.action == "received") == 1


def _obligation(runtime: Runtime, doc_id: int) -> int:
    with runtime.context() as ctx:
        return DocumentService(ctx).get(doc_id).obligations[0].id


def test_two_chases_at_once_chase_each_unit_once_a_day(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = lifecycle.distributed(runtime)
    obligation = _obligation(runtime, doc_id)

    def chase(ctx: Context) -> object:
        return ObligationService(ctx).chase_now(user(ctx, "mw.registrar"), obligation, None)

    with slow(monkeypatch, ObligationRepository, "obligation"):
        results = race(runtime, chase, chase)
    # The second waits on the obligation's lock and finds today's chases made: it is told nobody is left.
    assert sorted(str(r) if not isinstance(r, DomainError) else r.code for r in results) in (
        ["8", "nobody_to_chase"],
        ["8", "conflict_integrity"],
    )
    assert _count(runtime, Chase) == 8


def _photo() -> list[AttachmentUpload]:
    """The example notice asks for its 总结 with pictures."""
    return [AttachmentUpload(title="活动照片", filename="photo.png", content_type="image/png", data=tiny_png())]


def _reported(runtime: Runtime) -> int:
    """Seed 002 distributed and 市教育局's summary in: the id of its submission."""
    doc_id = lifecycle.distributed(runtime)
    obligation = _obligation(runtime, doc_id)
    with runtime.context() as ctx:
        jyj = user(ctx, "jyj.drafter")
        return ObligationService(ctx).report(jyj, obligation, None, "教育局总结", "总结正文。", _photo()).id


def test_a_receipt_against_a_return_one_wins(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issuing office 签收s a report while another clerk 退回s it: exactly one wins, the other is told why."""
    submission_id = _reported(runtime)

    def accept(ctx: Context) -> object:
        return ObligationService(ctx).accept(user(ctx, "mw.registrar"), submission_id).status

    def give_back(ctx: Context) -> object:
        return ObligationService(ctx).return_(user(ctx, "mw.drafter"), submission_id, "缺少照片").status

    with slow(monkeypatch, ObligationRepository, "submission"):
        results = race(runtime, accept, give_back)
    codes = _codes(results)
    assert codes == ["ok", "submission_decided"], results
    loser = next(r for r in results if isinstance(r, DomainError))
    assert loser.status == 409 and "已处理" in loser.zh
    winner = next(r for r in results if not isinstance(r, DomainError))
    with runtime.context() as ctx:
        row = ctx.session.get(Submission, submission_id)
        assert row is not None and row.status == winner
        assert (row.returned_reason is not None) == (winner == "已退回")  # nothing half-done
    done = _count(runtime, AuditEvent, AuditEvent.action.in_(["submission_accepted", "reply_returned"]))
    assert done == 1


def test_two_reports_of_one_dated_obligation_at_once_one_stands(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two clerks of one unit send its 总结 at once: the obligation row is locked, one report stands and the other
    is told it is already reported; no half-made reply document is left behind."""
    doc_id = lifecycle.distributed(runtime)
    obligation = _obligation(runtime, doc_id)

    def send(username: str) -> Callable[[Context], object]:
        return lambda ctx: (
            ObligationService(ctx).report(user(ctx, username), obligation, None, "总结", "正文。", _photo()).id
        )

    with slow(monkeypatch, ObligationRepository, "obligation"):
        results = race(runtime, send("jyj.drafter"), send("jyj.head"))
    assert _codes(results) == ["already_reported", "ok"]
    assert _count(runtime, Submission) == 1
    assert _count(runtime, Document, Document.kind == "reply") == 1


def test_two_registrars_registering_one_document_at_once_take_one_number(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The registrar's gate (docs/registrar.md): the second registrar is told the step was taken; the 发文字号
    sequence moves once."""
    from services.accounts.service import SYSTEM, OrganService, UserService
    from services.domain.models import NumberCounter
    from services.seed.example import DEMO_PASSWORD
    from services.workflow.registrar import RegistrarService, Registration

    with runtime.context() as ctx:
        mw = user(ctx, "mw.registrar").organ_id
        OrganService(ctx).set_registrar_gate(SYSTEM, mw, True)
        UserService(ctx).create("mw.registrar2", "市民委第二登记员", mw, ["registrar"], DEMO_PASSWORD)
    doc_id = lifecycle.to_signing(runtime)
    lifecycle.sign(runtime, doc_id, *lifecycle.HEADS)

    def recheck(name: str) -> Callable[[Context], object]:
        return lambda ctx: RegistrarService(ctx).recheck(user(ctx, name), doc_id, "无误")

    def register(name: str) -> Callable[[Context], object]:
        def act(ctx: Context) -> object:
            to = [r.organ_id for r in DocumentService(ctx).get(doc_id).recipients]
            return RegistrarService(ctx).register(user(ctx, name), doc_id, Registration(to, 5)).doc_number

        return act

    with slow(monkeypatch, WorkflowService, "verify_signed_version"):
        results = race(runtime, recheck("mw.registrar"), recheck("mw.registrar2"))
    assert _codes(results) == ["ok", "registrar_step_not_due"]
    with slow(monkeypatch, WorkflowService, "allocate_number"):
        results = race(runtime, register("mw.registrar"), register("mw.registrar2"))
    assert _codes(results) == ["ok", "registrar_step_not_due"]
    with runtime.context() as ctx:
        assert [s.last_seq for s in ctx.session.scalars(select(NumberCounter))] == [1]
    assert _count(runtime, AuditEvent, AuditEvent.document_id == doc_id, AuditEvent.action == "registered") == 1
    assert _count(runtime, AuditEvent, AuditEvent.document_id == doc_id, AuditEvent.action == "rechecked") == 1


def test_two_orders_registered_at_once_take_consecutive_linghao(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two 令 of one organ registered at the same moment (DOMAIN.md §2.5): the 令号 counter's row lock makes the
    second wait; they take 第1号 and 第2号, never one number twice, and the organ's 发文字号 does not move."""
    from services.domain.models import NumberCounter
    from tests.helpers.signed import signed_documents

    first, second = signed_documents(runtime, 2, ("命令",))
    with slow(monkeypatch, WorkflowService, "allocate_number"):
        results = race(runtime, lambda ctx: WorkflowService(ctx).register(first),
                       lambda ctx: WorkflowService(ctx).register(second))  # fmt: skip
    assert sorted(str(r) for r in results) == ["扎兰屯市民族事务委员会令第1号", "扎兰屯市民族事务委员会令第2号"]
    with runtime.context() as ctx:
        counters = [(c.family, c.last_seq) for c in ctx.session.scalars(select(NumberCounter))]
    assert counters == [("令号", 2)]


def test_the_admin_setting_the_next_number_while_a_clerk_registers(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The admin sets 扎民委字's next number to 5 while a document is being numbered: the setting waits for the
    number just taken (1), is checked against it, and the next document takes 5 — no collision, no number lost."""
    from services.numbering.service import NumberingService
    from tests.helpers.signed import signed_documents

    first, second = signed_documents(runtime, 2)
    with runtime.context() as ctx:
        prefix = next(p.id for p in user(ctx, "mw.drafter").organ.prefixes if p.prefix == "扎民委字")
        organ = user(ctx, "mw.drafter").organ_id

    def set_next(ctx: Context) -> object:
        return NumberingService(ctx).set_next_in_prefix(user(ctx, "admin"), organ, prefix, 2025, 5)

    with slow(monkeypatch, WorkflowService, "allocate_number"):
        results = race(runtime, lambda ctx: WorkflowService(ctx).register(first), set_next)
    assert results == ["扎民委字〔2025〕1号", 5]
    with runtime.context() as ctx:
        assert WorkflowService(ctx).register(second) == "扎民委字〔2025〕5号"
    with runtime.context() as ctx, pytest.raises(DomainError) as refused:  # 5 is issued now: not again
        NumberingService(ctx).set_next_in_prefix(user(ctx, "admin"), organ, prefix, 2025, 5)
    assert refused.value.code == "next_number_below_issued"


def test_two_wrong_passwords_at_once_both_count(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first two failures of a pair at once (a double click): each answered as a failure, neither as a
    conflict over the new throttle row, and both counted."""
    with slow(monkeypatch, Throttle, "failed"):
        results = race(runtime, *[lambda ctx: Throttle(ctx).failed("mw.drafter", "10.0.0.9")] * 2)
    assert _codes(results) == ["ok", "ok"]
    with runtime.context() as ctx:
        counted = ctx.session.scalars(select(LoginThrottle.failures).where(LoginThrottle.key.startswith("pair:")))
        assert list(counted) == [2]
