"""收文 handling (DOMAIN.md §1.5; 《党政机关公文处理工作条例》 Art. 24): every document that reaches an organ is
registered with its 收文号, then 初审 → 拟办 → 批办 → 承办 / 传阅 → 办结, each step a decision by a named user
recorded with opinion and time; 督办 of handling past its 办理时限 runs on a schedule; a 请示 is closed by its 批复.

Who acts: the office (办公室: reviewer or registrar role) registers, 初审s, 拟办s, sends for 传阅 and 办结s; a head
(signer role) of the organ 批办s; each named department's people record its 承办 part; each named reader 阅s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic

from services.access import is_cleared
from services.audit.service import AuditService
from services.context import Context
from services.db import stage_object, unique_key
from services.documents.schemas import AttachmentUpload
from services.documents.service import safe_filename
from services.domain.enums import (
    OPEN_INCOMING,
    URGENT,
    DocType,
    IncomingNature,
    IncomingOrigin,
    IncomingState,
    LinkKind,
    PartRole,
    Role,
    Urgency,
)
from services.domain.models import (
    INCOMING_MOVES,
    Department,
    Document,
    IncomingPart,
    IncomingReader,
    IncomingRecord,
    IncomingStep,
    Organ,
    User,
)
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.incoming.repository import IncomingRepository, OwedRecord, OwedRow, R
from services.incoming.schemas import InstructIn, PaperIn
from services.limits import Upload, check_size

# 文种 read for information rather than handled (阅件); everything else arrives as a 办件 (DOMAIN.md §1.5).
READ_ONLY_TYPES = frozenset({DocType.报告, DocType.通报, DocType.公报, DocType.纪要, DocType.公告, DocType.通告})


def incoming_not_found(record_id: int) -> NotFound:
    """Another organ's 收文, or one above the reader's clearance, answers exactly as an unknown id."""
    return NotFound("incoming_not_found", "收文不存在", "incoming record not found", id=record_id)


@dataclass(frozen=True)
class Owed(Generic[R]):
    """The 收文 handling steps waiting on one user (the 待办): records as entities (the API) or plain rows (the
    待办 page)."""

    review: Sequence[R]  # 初审
    propose: Sequence[R]  # 拟办
    instruct: Sequence[R]  # 批办
    parts: Sequence[OwedRow[R]]  # 承办: the department's part waits (each row's record)
    reads: Sequence[OwedRow[R]]  # 阅: the user's reading waits
    close: Sequence[R]  # 办结
    supervised: Sequence[R]  # 督办 notices

    @property
    def count(self) -> int:
        return sum(len(x) for x in (self.review, self.propose, self.instruct, self.parts, self.reads, self.close))

    @classmethod
    def of(cls, rows: Sequence[OwedRow[R]]) -> Owed[R]:
        """Each record under every step it waits for, 承办 and 阅 in the order their parts and readings came."""
        return cls(
            review=[r.record for r in rows if r.review],
            propose=[r.record for r in rows if r.propose],
            instruct=[r.record for r in rows if r.instruct],
            parts=sorted((r for r in rows if r.part_id is not None), key=lambda r: r.part_id or 0),
            reads=sorted((r for r in rows if r.reader_id is not None), key=lambda r: r.reader_id or 0),
            close=[r.record for r in rows if r.close],
            supervised=[r.record for r in rows if r.supervised],
        )


class IncomingService:
    def __init__(
        self, ctx: Context, *, repo: IncomingRepository | None = None, audit: AuditService | None = None
    ) -> None:
        self.ctx = ctx
        self.repo = repo or IncomingRepository(ctx.session)
        self.audit = audit or AuditService(ctx)

    # -- registration (登记) ----------------------------------------------------------------------------------

    def on_distribution(self, document: Document, organ_ids: Sequence[int]) -> None:
        """A document put in organs' inboxes by distribution is each one's 收文 (a 请示 sent up included), once:
        the records already made are read in one statement, not one a recipient."""
        holding = self.repo.organs_holding(document.id)
        new = [organ_id for organ_id in dict.fromkeys(organ_ids) if organ_id not in holding]
        self.repo.organs(new)  # in one statement: each record's step names its organ
        self._registered([self._delivered(document, organ_id) for organ_id in new], None)  # in one flush

    def _delivered(self, document: Document, organ_id: int) -> IncomingRecord:
        nature = IncomingNature.read if document.doc_type in READ_ONLY_TYPES else IncomingNature.handle
        return self._unsaved(
            organ_id=organ_id,
            origin=IncomingOrigin.distributed,
            source_organ_id=document.lead_organ_id,
            source_name="、".join(i.organ.name for i in document.issuers) or document.lead_organ.name,
            doc_number=document.doc_number,
            title=document.title,
            classification=document.classification,
            urgency=document.urgency,
            copies=1,
            nature=nature,
            document_id=document.id,
        )

    def on_report(self, reply: Document, plan: Document) -> IncomingRecord:
        """A report-back reaching the issuing office is a 收文 there (read, not handled: a 阅件)."""
        assert plan.lead_organ_id is not None and reply.source_organ is not None
        record = self._unsaved(
            organ_id=plan.lead_organ_id,
            origin=IncomingOrigin.report,
            source_organ_id=reply.source_organ_id,
            source_name=reply.source_organ.name,
            doc_number=reply.doc_number,
            title=reply.title,
            classification=reply.classification,
            urgency=reply.urgency,
            copies=1,
            nature=IncomingNature.read,
            document_id=reply.id,
        )
        self._registered([record], None)
        return record

    def register_paper(self, actor: User, data: PaperIn, scan: AttachmentUpload | None) -> IncomingRecord:
        """An external paper document registered by hand by the office, with its scan in object storage."""
        self._require_office(actor)
        if not is_cleared(actor, data.classification.value):
            raise Forbidden(
                "clearance_required",
                f"您的密级权限不足以登记“{data.classification.value}”文件",
                f"your clearance does not cover '{data.classification.value}'",
            )
        if data.received_on is not None and data.received_on > self.ctx.today():
            raise Invalid("received_in_future", "收文日期不能晚于今天", "the date received is in the future")
        if scan is not None and not scan.data:
            raise Invalid("scan_empty", "扫描件为空", "the scan is empty", field="scan")
        if scan is not None:
            check_size(Upload.scan, len(scan.data))
        record = self._unsaved(
            organ_id=actor.organ_id,
            origin=IncomingOrigin.paper,
            source_organ_id=None,
            source_name=data.source_name,
            doc_number=data.doc_number or None,
            title=data.title,
            classification=data.classification.value,
            urgency=data.urgency.value,
            copies=data.copies,
            nature=data.nature,
            document_id=None,
            received_on=data.received_on,
        )
        self._registered([record], actor)
        if scan is not None:
            key = unique_key(f"incoming/{record.organ_id}/{record.year}", safe_filename(scan.filename) or "scan")
            stage_object(self.ctx.session, self.ctx.store, key, scan.data, scan.content_type)
            record.scan_key, record.scan_name = key, scan.filename
        return record

    def _registered(self, records: list[IncomingRecord], actor: User | None) -> None:
        """Records made by `_unsaved`, written together, then each one's 登记 step (which needs its id)."""
        self.ctx.session.flush()
        for record in records:
            self._step(record, "登记", actor, None, number=record.number)

    def _unsaved(
        self,
        *,
        organ_id: int,
        origin: IncomingOrigin,
        source_organ_id: int | None,
        source_name: str,
        doc_number: str | None,
        title: str,
        classification: str,
        urgency: str,
        copies: int,
        nature: IncomingNature,
        document_id: int | None,
        received_on: dt.date | None = None,
    ) -> IncomingRecord:
        """A 收文 record with its 收文号, added to the session, not yet written (its step needs its id)."""
        day = received_on or self.ctx.today()
        record = IncomingRecord(
            organ_id=organ_id,
            year=day.year,
            seq=self.repo.next_seq(organ_id, day.year),
            received_on=day,
            origin=origin.value,
            source_organ_id=source_organ_id,
            source_name=source_name,
            doc_number=doc_number,
            title=title,
            classification=classification,
            urgency=urgency,
            copies=copies,
            nature=nature.value,
            document_id=document_id,
            state=IncomingState.registered.value,
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(record)
        return record

    # -- reading -----------------------------------------------------------------------------------------

    def get(self, actor: User, record_id: int, lock: bool = False) -> IncomingRecord:
        record = self.repo.readable(actor, record_id, lock=lock)
        if record is None:
            raise incoming_not_found(record_id)
        return record

    def scan(self, actor: User, record_id: int) -> tuple[str, bytes]:
        """A paper document's scan: its file name and bytes."""
        record = self.get(actor, record_id)
        if record.scan_key is None:
            raise NotFound("scan_not_found", "本收文没有扫描件", "this record has no scan", id=record_id)
        return record.scan_name or "scan", self.ctx.store.get(record.scan_key)

    def register(
        self,
        actor: User,
        open_only: bool = False,
        overdue: bool = False,
        nature: IncomingNature | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[Sequence[IncomingRecord], int]:
        return self.repo.register(
            actor, self.ctx.today(), open_only, overdue, nature.value if nature else None, limit, offset
        )

    def for_document(self, actor: User, document_id: int) -> Sequence[IncomingRecord]:
        return self.repo.for_document(actor, document_id)

    def is_overdue(self, record: IncomingRecord) -> bool:
        """超时限: open and past its 办理时限."""
        return (
            IncomingState(record.state) in OPEN_INCOMING
            and record.deadline is not None
            and record.deadline < self.ctx.today()
        )

    def where_now(self, record: IncomingRecord) -> str:
        """Where the paper is now, in one line."""
        state = IncomingState(record.state)
        if state == IncomingState.handling:
            open_parts = [p.department.name for p in record.parts if p.done_at is None]
            unread = [r.user.display_name for r in record.readers if r.read_at is None]
            places = ([f"{'、'.join(open_parts)}承办"] if open_parts else []) + (
                [f"{'、'.join(unread)}传阅"] if unread else []
            )
            return "；".join(places) or "承办完毕，待办公室办结"
        if state == IncomingState.circulating:
            if not record.readers:  # a 阅件 just instructed: nobody has it yet
                return "办公室（待安排传阅）"
            unread = [r.user.display_name for r in record.readers if r.read_at is None]
            return f"{'、'.join(unread)}传阅" if unread else "传阅完毕，待办公室办结"
        return {
            IncomingState.registered: "办公室（待初审）",
            IncomingState.accepted: "办公室（待拟办）",
            IncomingState.proposed: "机关负责人（待批办）",
            IncomingState.closed: "已办结",
            IncomingState.returned: "已退回来文机关",
        }[state]

    def status_zh(self, record: IncomingRecord) -> str:
        """The record's status in a word or two, agreeing with :meth:`where_now`: a 阅件 nobody has yet is 待安排传阅,
        and once every part is done and every reader has read it, it waits for the office to close it (待办结)."""
        state = IncomingState(record.state)
        if state == IncomingState.circulating and not record.readers:
            return "待安排传阅"
        if state not in (IncomingState.handling, IncomingState.circulating):
            return state.zh
        unread = any(r.read_at is None for r in record.readers)
        open_parts = any(p.done_at is None for p in record.parts) if state == IncomingState.handling else False
        return state.zh if unread or open_parts else "待办结"

    def owed(self, actor: User) -> Owed[IncomingRecord]:
        """The handling steps waiting on this user, by step (one statement)."""
        return Owed.of(self.repo.owed(actor, self.ctx.today(), self._is_office(actor)))

    def owed_listed(self, actor: User) -> Owed[OwedRecord]:
        """:meth:`owed` as the 待办 page lists it: plain rows, no ORM record (one statement)."""
        return Owed.of(self.repo.owed_listed(actor, self.ctx.today(), self._is_office(actor)))

    def steps_for(self, actor: User, record: IncomingRecord) -> dict[str, bool]:
        """Which handling steps this user may take on the record now, in one place: the API lists them as the
        record's ``actions`` and the handling page shows their forms, and nothing else (the transition table
        decides what may follow the state, the steps below who may take them)."""
        mine = record.organ_id == actor.organ_id
        office = mine and self._is_office(actor)
        head = mine and actor.has_role(Role.signer)
        state = IncomingState(record.state)
        may = partial(INCOMING_MOVES.allows, record.state)
        handling = state in (IncomingState.handling, IncomingState.circulating)
        part = next((p for p in record.parts if p.department_id == actor.department_id and p.done_at is None), None)
        reader = next((r for r in record.readers if r.user_id == actor.id and r.read_at is None), None)
        instructed = IncomingState.circulating if record.nature == IncomingNature.read.value else IncomingState.handling
        return {
            "review": office and may(IncomingState.accepted),
            "propose": office and may(IncomingState.proposed),
            "instruct": head and may(instructed),
            "handle": mine and state == IncomingState.handling and part is not None,
            "circulate": (office or head) and handling,
            "read": mine and reader is not None,
            "close": office and handling and may(IncomingState.closed) and self._closable(record),
        }

    @staticmethod
    def _closable(record: IncomingRecord) -> bool:
        """Every 承办 part done and, for a record in 传阅, everyone has read it."""
        unread = record.state == IncomingState.circulating.value and any(r.read_at is None for r in record.readers)
        return not unread and all(p.done_at is not None for p in record.parts)

    def departments(self, organ_id: int) -> Sequence[Department]:
        return self.repo.departments(organ_id)

    def people(self, organ_id: int) -> Sequence[Any]:
        return self.repo.people(organ_id)

    # -- handling ----------------------------------------------------------------------------------------

    def review(
        self, actor: User, record_id: int, accept: bool, reason: str | None, nature: IncomingNature | None = None
    ) -> IncomingRecord:
        """初审: ours to handle, routed right, format right? Accept, or return to the sender with a reason."""
        record = self._acting(actor, record_id)
        self._require_office(actor)
        if accept:
            record.move(IncomingState.accepted)
            if nature is not None:
                record.nature = nature.value
            self._step(record, "初审", actor, reason or "同意登记办理", nature=record.nature)
        else:
            if not reason or not reason.strip():
                raise Invalid("reason_required", "退回须说明理由", "a return needs a reason", field="reason")
            record.move(IncomingState.returned)
            record.closed_at = self.ctx.now()
            record.result = f"退回来文机关：{reason.strip()}"
            self._step(record, "退回", actor, reason.strip())
        return record

    def propose(self, actor: User, record_id: int, opinion: str) -> IncomingRecord:
        """拟办: the office proposes how it should be handled."""
        record = self._acting(actor, record_id)
        self._require_office(actor)
        record.move(IncomingState.proposed)
        self._step(record, "拟办", actor, _required(opinion, "拟办意见"))
        return record

    def instruct(self, actor: User, record_id: int, data: InstructIn) -> IncomingRecord:
        """批办: a head of the organ instructs — a lead department and 协办 departments with a 办理时限 for a 办件
        (urgent ones must have a 办理时限, DOMAIN.md §1.5); a 阅件 goes straight to 传阅."""
        record = self._acting(actor, record_id)
        if not actor.has_role(Role.signer):
            raise Forbidden("head_required", "批办须由本机关负责人作出", "only a head of the organ instructs")
        opinion = _required(data.opinion, "批办意见")
        if data.deadline is not None and data.deadline < self.ctx.today():
            raise Invalid("deadline_past", "办理时限不能早于今天", "the time limit is in the past", field="deadline")
        if Urgency(record.urgency) in URGENT and data.deadline is None:
            raise Invalid(
                "deadline_required",
                f"{record.urgency}件须确定办理时限",
                "an urgent document needs a time limit",
                field="deadline",
            )
        if record.nature == IncomingNature.read.value:
            if data.lead_department_id or data.support_department_ids:
                raise Invalid("read_item_no_handling", "阅件不需承办，请直接传阅", "a 阅件 is circulated, not handled")
            record.move(IncomingState.circulating)
            record.deadline = data.deadline
            self._step(record, "批办", actor, opinion, deadline=_iso(data.deadline))
            return record
        if data.lead_department_id is None:
            raise Invalid("lead_required", "批办须指定主办科室", "name a lead department", field="lead_department_id")
        if data.lead_department_id in data.support_department_ids:
            raise Invalid("lead_also_support", "主办科室不能同时为协办科室", "the lead is not also a support")
        if len(set(data.support_department_ids)) != len(data.support_department_ids):
            raise Invalid("department_repeated", "协办科室重复", "a department is named twice")
        lead = self._our_department(record, data.lead_department_id)
        supports = [self._our_department(record, d) for d in data.support_department_ids]
        record.move(IncomingState.handling)
        record.deadline = data.deadline
        record.lead_department_id = lead.id
        self.ctx.session.add(IncomingPart(record_id=record.id, department_id=lead.id, role=PartRole.lead.value))
        for d in supports:
            self.ctx.session.add(IncomingPart(record_id=record.id, department_id=d.id, role=PartRole.support.value))
        self._step(
            record, "批办", actor, opinion, lead=lead.name, supports=[d.name for d in supports],
            deadline=_iso(data.deadline),
        )  # fmt: skip
        self.ctx.session.flush()
        self.ctx.session.refresh(record, ["parts"])
        return record

    def handle(self, actor: User, record_id: int, note: str) -> IncomingRecord:
        """承办: the caller's department records its part, once; the lead's part is the result."""
        record = self._acting(actor, record_id)
        if record.state != IncomingState.handling.value:
            raise Conflict(
                "not_handling", "本收文当前不在承办阶段", "this record is not being handled", status_now=record.state
            )
        part = next((p for p in record.parts if p.department_id == actor.department_id), None)
        if part is None:
            raise Forbidden(
                "not_a_handling_department", "您所在科室不是本件的承办科室", "your department does not handle this"
            )
        if part.done_at is not None:
            raise Conflict("part_done", "本科室已办理完毕", "your department's part is already done")
        part.note = _required(note, "办理情况", "note")
        part.done_at, part.done_by_id = self.ctx.now(), actor.id
        if part.role == PartRole.lead.value:
            record.result = part.note
        self._step(record, "承办", actor, part.note, department=part.department.name, role=part.role)
        return record

    def circulate(self, actor: User, record_id: int, user_ids: list[int], opinion: str | None) -> IncomingRecord:
        """传阅 to named people of the organ, each once; the office or a head sends it."""
        record = self._acting(actor, record_id)
        if not (self._is_office(actor) or actor.has_role(Role.signer)):
            raise Forbidden("office_required", "传阅须由办公室或机关负责人安排", "the office or a head circulates")
        if record.state not in (IncomingState.handling.value, IncomingState.circulating.value):
            raise Conflict(
                "not_circulating", "批办后方可传阅", "circulate after the head's instruction", status_now=record.state
            )
        if len(set(user_ids)) != len(user_ids):
            raise Invalid("reader_repeated", "传阅人员重复", "a person is named twice")
        people = {u.id: u for u in self.repo.people(record.organ_id)}
        already = {r.user_id for r in record.readers}
        for uid in user_ids:
            person = people.get(uid)
            if person is None:
                raise Invalid("reader_not_ours", "传阅人员须为本机关人员", "readers are people of this organ", id=uid)
            if not is_cleared(person, record.classification):
                raise Invalid(
                    "reader_not_cleared",
                    f"{person.display_name}的密级权限不足以阅读本件",
                    f"{person.username} is not cleared for this record",
                    id=uid,
                )
            if uid in already:
                raise Conflict("already_circulated", f"已传阅给{person.display_name}", "already sent to this person")
        for uid in user_ids:
            self.ctx.session.add(IncomingReader(record_id=record.id, user_id=uid, sent_at=self.ctx.now()))
        self._step(record, "传阅", actor, opinion, readers=[people[u].display_name for u in user_ids])
        self.ctx.session.flush()
        self.ctx.session.refresh(record, ["readers"])
        return record

    def read(self, actor: User, record_id: int, opinion: str | None) -> IncomingRecord:
        """阅: a named reader records having read it (with an opinion, if any)."""
        record = self._acting(actor, record_id)
        reader = next((r for r in record.readers if r.user_id == actor.id), None)
        if reader is None:
            raise Forbidden("not_a_reader", "本件未传阅给您", "this record was not circulated to you")
        if reader.read_at is not None:
            raise Conflict("already_read", "您已阅过本件", "you have already read this")
        reader.read_at, reader.opinion = self.ctx.now(), (opinion or "").strip() or None
        self._step(record, "阅", actor, reader.opinion or "已阅")
        return record

    def close(self, actor: User, record_id: int, result: str) -> IncomingRecord:
        """办结 with the result: only when every 承办 part is done (and, for a 阅件, everyone has read it)."""
        record = self._acting(actor, record_id)
        self._require_office(actor)
        if record.state not in (IncomingState.handling.value, IncomingState.circulating.value):
            raise Conflict(
                "not_closable", "本收文尚未批办，不能办结", "only handled records are closed", status_now=record.state
            )
        open_parts = [p.department.name for p in record.parts if p.done_at is None]
        if open_parts:
            raise Conflict(
                "parts_open",
                f"尚有承办科室未办理完毕：{'、'.join(open_parts)}",
                "some departments have not finished their part",
                departments=open_parts,
            )
        unread = [r.user.display_name for r in record.readers if r.read_at is None]
        if record.state == IncomingState.circulating.value and unread:
            raise Conflict(
                "reads_open", f"尚有人员未阅：{'、'.join(unread)}", "some readers have not read it", readers=unread
            )
        record.move(IncomingState.closed)
        record.result = _required(result, "办结情况", "result")
        record.closed_at = self.ctx.now()
        self._step(record, "办结", actor, record.result)
        return record

    # -- automated ---------------------------------------------------------------------------------------

    def close_by_reply(self, reply: Document) -> int:
        """A distributed 批复 (复文) closes the 请示's 收文 in the organ that answers it, with the 批复 linked."""
        answered = reply.linked(LinkKind.answers.value)
        if answered is None or reply.lead_organ_id is None:
            return 0
        record = self.repo.of_document(reply.lead_organ_id, answered)
        if record is None or IncomingState(record.state) not in OPEN_INCOMING:
            return 0
        now = self.ctx.now()
        for part in record.parts:
            if part.done_at is None:
                part.done_at, part.note = now, f"已以{reply.doc_number or reply.title}答复"
        record.move(IncomingState.closed)
        record.reply_document_id = reply.id
        record.result = f"已批复：{reply.doc_number or ''}《{reply.title}》"
        record.closed_at = now
        self._step(record, "办结", None, record.result, reply_id=reply.id, doc_number=reply.doc_number)
        return 1

    def supervise_due(self) -> dict[str, int]:
        """督办 (scheduled): each open record past its 办理时限 gets one 督办 entry a day, and the notice appears in
        the 待办 of its lead department and office — as 催办 notices units (DOMAIN.md §5)."""
        today = self.ctx.today()
        records = self.repo.overdue(today)
        for record in records:
            assert record.deadline is not None
            days = (today - record.deadline).days
            record.supervised_on = today
            limit = record.deadline.isoformat()
            message = f"已超过办理时限 {days} 天（时限 {limit}），请{self.where_now(record)}抓紧办理"
            self._step(record, "督办", None, message, days_over=days, deadline=limit)
        return {"supervised": len(records)}

    # -- rules -------------------------------------------------------------------------------------------

    def _acting(self, actor: User, record_id: int) -> IncomingRecord:
        """The record, locked, for a person of its organ cleared for it; to anyone else it does not exist."""
        record = self.get(actor, record_id, lock=True)
        if record.organ_id != actor.organ_id:  # admins read every organ's register but act in none
            raise Forbidden("not_our_incoming", "只能办理本机关的收文", "only the receiving organ handles it")
        return record

    @staticmethod
    def _is_office(actor: User) -> bool:
        return actor.has_role(Role.reviewer) or actor.has_role(Role.registrar)

    def _require_office(self, actor: User) -> None:
        if not self._is_office(actor):
            raise Forbidden("office_required", "此步骤由办公室办理", "this step is the office's")

    def _our_department(self, record: IncomingRecord, department_id: int) -> Department:
        department = self.repo.department(department_id)
        if department is None or department.organ_id != record.organ_id:
            raise Invalid(
                "department_not_ours",
                "承办科室须为本机关的内设机构",
                "a handling department must belong to this organ",
                id=department_id,
            )
        return department

    def _step(
        self, record: IncomingRecord, action: str, actor: User | None, opinion: str | None, **detail: Any
    ) -> None:
        self.ctx.session.add(
            IncomingStep(
                record_id=record.id,
                action=action,
                actor_id=actor.id if actor else None,
                actor_name=actor.display_name if actor else "系统",
                opinion=opinion,
                detail=detail,
                at=self.ctx.now(),
            )
        )
        organ = self.ctx.session.get(Organ, record.organ_id)
        document = self.ctx.session.get(Document, record.document_id) if record.document_id else None
        # The audit trail records who took which step when; the opinion itself stays on the 收文's own timeline
        # (and its 收文处理单), which only the receiving organ reads.
        self.audit.record(
            "incoming", document=document, actor=actor, organ=organ, step=action, record_id=record.id,
            number=record.number,
        )  # fmt: skip


def require_superior_addressee(document: Document, parent_id: int | None) -> None:
    """A 请示 goes up to one superior (DOMAIN.md §1.3): its drafting organ must have one, and it is the 主送."""
    if document.doc_type != DocType.请示.value:
        return
    if parent_id is None:
        raise Invalid(
            "no_superior",
            "本机关没有上级机关，不能报送请示",
            "the drafting organ has no superior to send a 请示 to",
        )
    main = [r.organ_id for r in document.recipients if r.role == "主送"]
    if main != [parent_id]:
        raise Invalid(
            "qingshi_not_to_superior",
            "请示只能主送本机关的上级机关",
            "a 请示 is addressed to the drafting organ's superior only",
        )


def _required(text: str | None, what: str, field: str = "opinion") -> str:
    if not text or not text.strip():
        raise Invalid("opinion_required", f"请填写{what}", f"{what} is required", field=field)
    return text.strip()


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
