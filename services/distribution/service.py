"""核发 and what follows (DOMAIN.md §1.5, §5): inboxes, 签收, report-backs, 逾期 and 催办."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, select

from services import access
from services.access import Level
from services.audit.service import AuditService
from services.context import Context
from services.documents.schemas import AttachmentUpload
from services.documents.service import DocumentService
from services.domain.enums import DocKind, DocStatus, DocType, RecipientRole, ReplyStatus, Role
from services.domain.models import Chase, Document, InboxItem, ReplyTask, Signoff, User
from services.errors import Conflict, Forbidden, Invalid, not_found
from services.indexing.service import IndexingService

Row = TypeVar("Row", InboxItem, ReplyTask)
OPEN_REPLY = (ReplyStatus.pending.value, ReplyStatus.overdue.value, ReplyStatus.returned.value)


class DistributionService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.documents = DocumentService(ctx)
        self.audit = AuditService(ctx)

    # -- automated: 核发 -------------------------------------------------------------------------------------

    def distribute(self, document_id: int) -> int:
        """Put the issued document in every 主送 and 抄送 inbox, once; open the expected replies."""
        document = self.documents.lock(document_id)
        if document.status == DocStatus.distributed.value:
            return 0
        document.require_status(DocStatus.issued)
        present = {i.organ_id for i in self._inbox_items(document.id)}
        tasks = {t.organ_id for t in self.reply_tasks(document.id)}
        created = 0
        for recipient in document.recipients:
            if recipient.organ_id not in present:
                self.ctx.session.add(
                    InboxItem(
                        document_id=document.id,
                        organ_id=recipient.organ_id,
                        role=recipient.role,
                        delivered_at=self.ctx.now(),
                    )
                )
                created += 1
            wants_reply = document.report_deadline and recipient.role == RecipientRole.main.value
            if wants_reply and recipient.organ_id not in tasks:
                assert document.report_deadline is not None
                self.ctx.session.add(
                    ReplyTask(document_id=document.id, organ_id=recipient.organ_id, deadline=document.report_deadline)
                )
        document.move(DocStatus.distributed)
        document.distributed_at = self.ctx.now()
        IndexingService(self.ctx).enqueue(document.id)
        self.audit.record("distributed", document=document, actor=None, recipients=len(document.recipients))
        return created

    # -- recipients ----------------------------------------------------------------------------------------

    def _inbox_items(self, document_id: int) -> Sequence[InboxItem]:
        return self.ctx.session.scalars(select(InboxItem).where(InboxItem.document_id == document_id)).all()

    def _item_for(self, actor: User, document_id: int) -> InboxItem:
        """The caller's organ's inbox item, locked; reading the document comes first (密级 included)."""
        access.require_read(self.ctx.session, actor, document_id)
        query = select(InboxItem).where(InboxItem.document_id == document_id, InboxItem.organ_id == actor.organ_id)
        item = self.ctx.session.scalar(self._for_update(query, InboxItem))
        if item is None:
            raise Forbidden("not_a_recipient", "您所在机关不是本文的收文单位", "your organ is not a recipient")
        return item

    def _for_update(self, query: Select[tuple[Row]], entity: type[Row]) -> Select[tuple[Row]]:
        """Row locks on PostgreSQL (SQLite's writers are serialised by BEGIN IMMEDIATE)."""
        query = query.execution_options(populate_existing=True)
        if self.ctx.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=entity)
        return query

    def receive(self, actor: User, document_id: int) -> InboxItem:
        """签收: record who confirmed receipt and when (DOMAIN.md §1.5)."""
        item = self._item_for(actor, document_id)
        if item.received_at is not None:
            raise Conflict(
                "already_received", "本文已签收", "already received", received_at=item.received_at.isoformat()
            )
        item.received_at, item.received_by_id = self.ctx.now(), actor.id
        self.audit.record("received", document=item.document, actor=actor)
        return item

    def report_back(
        self, actor: User, document_id: int, title: str, body: str, uploads: list[AttachmentUpload]
    ) -> Document:
        """A unit sends its summary (总结) and photos: a reply document of its own, linked to the plan.

        The reply takes the plan's 密级 and 保密期限: a report on a 涉密 plan is at least as secret (DOMAIN.md §1.6).
        """
        self._item_for(actor, document_id)
        task = self._task_for(actor.organ_id, document_id)
        if task.status == ReplyStatus.reported.value:
            raise Conflict("already_reported", "已报送，无需重复报送", "already reported")
        if not title.strip() or not body.strip():
            raise Invalid("reply_empty", "反馈须有标题和正文", "a reply needs a title and a body")
        plan = self.documents.get(document_id)
        reply = Document(
            kind=DocKind.reply.value,
            status=DocStatus.received.value,
            doc_type=DocType.报告.value,
            title=title.strip(),
            lead_organ_id=actor.organ_id,
            source_organ_id=actor.organ_id,
            issue_form="报",
            drafter_id=actor.id,
            reply_to_id=plan.id,
            current_version=0,
            written_on=self.ctx.today(),
            classification=plan.classification,
            secrecy_period=plan.secrecy_period,
        )
        self.ctx.session.add(reply)
        self.ctx.session.flush()
        version = self.documents.new_version(reply, actor, body, "报送", carried=[])
        for upload in uploads:
            if not upload.data:
                raise Invalid(
                    "attachment_empty", f"附件为空：{upload.filename}", f"empty attachment: {upload.filename}"
                )
            self.documents.store_attachment(reply, version, upload)
        task.move(ReplyStatus.reported)
        task.reported_at = self.ctx.now()
        task.reply_document_id = reply.id
        task.returned_reason = None
        IndexingService(self.ctx).enqueue(reply.id)
        late = self.ctx.today() > task.deadline
        self.audit.record("reported", document=plan, actor=actor, reply_id=reply.id, late=late)
        self.audit.record("reply_received", document=reply, actor=actor, plan_id=plan.id)
        return reply

    def return_reply(self, actor: User, task_id: int, reason: str) -> ReplyTask:
        """退回补报: the issuing office sends a report back for completion, with a reason."""
        task = self._locked_task(actor, task_id)
        self._require_issuing_office(actor, task.document)
        if task.status != ReplyStatus.reported.value:
            raise Conflict("reply_not_reported", "该单位尚未报送", "this unit has not reported yet")
        if not reason.strip():
            raise Invalid("reason_required", "退回须说明理由", "a return needs a reason")
        task.move(ReplyStatus.returned)
        task.returned_reason = reason.strip()
        self.audit.record("reply_returned", document=task.document, actor=actor, organ_id=task.organ_id, reason=reason)
        return task

    # -- 催办 ----------------------------------------------------------------------------------------------

    def chase_due(self) -> dict[str, int]:
        """The scheduled run: mark 逾期 and chase every open reply near or past its deadline, once a day."""
        today = self.ctx.today()
        horizon = today + dt.timedelta(days=self.ctx.settings.reminders.days_before)
        query = select(ReplyTask).where(ReplyTask.status.in_(OPEN_REPLY), ReplyTask.deadline <= horizon)
        counts = {"chased": 0, "overdue": 0}
        for task in self.ctx.session.scalars(query.order_by(ReplyTask.id)):
            if task.deadline < today and task.status == ReplyStatus.pending.value:
                task.move(ReplyStatus.overdue)
                counts["overdue"] += 1
                self.audit.record("overdue", document=task.document, actor=None, organ=task.organ)
            if self._chase(task, "system", None):
                counts["chased"] += 1
        return counts

    def chase_now(self, actor: User, document_id: int, organ_ids: list[int] | None) -> int:
        """Batch 催办 by the issuing office, for the given units or every unit still open."""
        document = self.documents.get_visible(actor, document_id, Level.internal)
        self._require_issuing_office(actor, document)
        chased = 0
        for task in self.reply_tasks(document_id):
            if task.status in OPEN_REPLY and (organ_ids is None or task.organ_id in organ_ids):
                chased += int(self._chase(task, "notice", actor))
        return chased

    def _chase(self, task: ReplyTask, method: str, actor: User | None) -> bool:
        today = self.ctx.today()
        exists = self.ctx.session.scalar(
            select(Chase.id).where(Chase.reply_task_id == task.id, Chase.chased_on == today, Chase.method == method)
        )
        if exists:
            return False
        days = (task.deadline - today).days
        when = f"已逾期 {-days} 天" if days < 0 else ("今日截止" if days == 0 else f"还有 {days} 天截止")
        message = (
            f"请于{task.deadline.month}月{task.deadline.day}日前报送《{task.document.title}》要求的材料（{when}）。"
        )
        self.ctx.session.add(
            Chase(
                reply_task_id=task.id,
                chased_on=today,
                method=method,
                message=message,
                by_user_id=actor.id if actor else None,
                at=self.ctx.now(),
            )
        )
        task.chase_count += 1
        task.last_chased_on = today
        self.audit.record(
            "chased",
            document=task.document,
            actor=actor,
            organ=task.organ if not actor else None,
            target_organ_id=task.organ_id,
            method=method,
            message=message,
        )
        return True

    # -- reading -------------------------------------------------------------------------------------------

    def reply_tasks(self, document_id: int) -> Sequence[ReplyTask]:
        query = select(ReplyTask).where(ReplyTask.document_id == document_id).order_by(ReplyTask.id)
        return self.ctx.session.scalars(query).all()

    def reply_tasks_seen_by(self, actor: User, document_id: int) -> Sequence[ReplyTask]:
        """The issuing organs see every unit's task; a recipient sees only its own."""
        level = access.level_of(self.ctx.session, actor, document_id)
        if level is None:
            raise access.document_not_found(document_id)
        tasks = self.reply_tasks(document_id)
        return tasks if level >= Level.internal else [t for t in tasks if t.organ_id == actor.organ_id]

    def chases(self, task_id: int) -> Sequence[Chase]:
        return self.ctx.session.scalars(select(Chase).where(Chase.reply_task_id == task_id).order_by(Chase.id)).all()

    def chases_seen_by(self, actor: User, task_id: int) -> Sequence[Chase]:
        """A task's chases, for the issuing organs and for the unit chased; anyone else is told it does not exist."""
        task = self.ctx.session.get(ReplyTask, task_id)
        level = access.level_of(self.ctx.session, actor, task.document_id) if task else None
        if task is None or level is None or (level < Level.internal and task.organ_id != actor.organ_id):
            raise not_found("反馈任务", "reply task", id=task_id)
        return self.chases(task_id)

    def _locked_task(self, actor: User, task_id: int) -> ReplyTask:
        """A task, locked, for someone who reads its plan's internal material; to anyone else it does not exist."""
        task = self.ctx.session.scalar(self._for_update(select(ReplyTask).where(ReplyTask.id == task_id), ReplyTask))
        if task is None or not access.may_read(self.ctx.session, actor, task.document_id, Level.internal):
            raise not_found("反馈任务", "reply task", id=task_id)
        return task

    def _task_for(self, organ_id: int, document_id: int) -> ReplyTask:
        task = self.ctx.session.scalar(
            select(ReplyTask).where(ReplyTask.document_id == document_id, ReplyTask.organ_id == organ_id)
        )
        if task is None:
            raise Conflict(
                "no_report_required", "本文未要求贵单位报送材料", "this document asks your organ for no report"
            )
        return task

    def _require_issuing_office(self, actor: User, document: Document) -> None:
        """Acting on the report-backs (催办, 退回补报) is the lead organ's (主办机关) office's; reading comes first."""
        access.require_read(self.ctx.session, actor, document.id, Level.internal)
        if actor.organ_id != document.lead_organ_id and not actor.has_role(Role.admin):
            raise Forbidden("not_issuing_office", "只有主办机关可以办理", "only the lead organ may do this")

    def distribution_status(self, actor: User, document_id: int) -> list[dict[str, Any]]:
        """Per recipient: for the issuing organs only (a recipient does not see how the other units answer)."""
        document = self.documents.get_visible(actor, document_id, Level.internal)
        tasks = {t.organ_id: t for t in self.reply_tasks(document_id)}
        rows = []
        for item in self._inbox_items(document.id):
            task = tasks.get(item.organ_id)
            rows.append(
                {
                    "organ_id": item.organ_id,
                    "organ": item.organ.name,
                    "role": item.role,
                    "delivered_at": item.delivered_at,
                    "received_at": item.received_at,
                    "reply_task_id": task.id if task else None,
                    "reply_status": task.status if task else None,
                    "deadline": task.deadline if task else None,
                    "reported_at": task.reported_at if task else None,
                    "reply_document_id": task.reply_document_id if task else None,
                    "chase_count": task.chase_count if task else 0,
                }
            )
        return rows

    def inbox(self, actor: User) -> dict[str, list[Any]]:
        """待办: everything that waits on this user, by kind, limited to what the user may read."""
        session = self.ctx.session
        readable = access.readable_filter(actor)
        mine: dict[str, list[Any]] = {
            k: [] for k in ("returned", "to_review", "to_sign", "to_receive", "replies_due", "chases")
        }
        if actor.has_role(Role.drafter):
            mine["returned"] = list(
                session.scalars(
                    select(Document).where(
                        readable,
                        Document.lead_organ_id == actor.organ_id,
                        Document.status == DocStatus.returned.value,
                        Document.kind == DocKind.outgoing.value,
                    )
                )
            )
        if actor.has_role(Role.reviewer):
            mine["to_review"] = list(
                session.scalars(
                    select(Document).where(
                        readable, Document.lead_organ_id == actor.organ_id, Document.status == DocStatus.in_review.value
                    )
                )
            )
        if actor.has_role(Role.signer):
            mine["to_sign"] = list(
                session.scalars(
                    select(Document)
                    .join(Signoff, (Signoff.document_id == Document.id) & (Signoff.round == Document.signing_round))
                    .where(
                        readable,
                        Document.status == DocStatus.signing.value,
                        Signoff.organ_id == actor.organ_id,
                        Signoff.status == "pending",
                    )
                )
            )
        mine["to_receive"] = list(
            session.scalars(
                select(InboxItem)
                .join(Document, Document.id == InboxItem.document_id)
                .where(readable, InboxItem.organ_id == actor.organ_id, InboxItem.received_at.is_(None))
                .order_by(InboxItem.id)
            )
        )
        mine["replies_due"] = list(
            session.scalars(
                select(ReplyTask)
                .join(Document, Document.id == ReplyTask.document_id)
                .where(readable, ReplyTask.organ_id == actor.organ_id, ReplyTask.status.in_(OPEN_REPLY))
                .order_by(ReplyTask.deadline)
            )
        )
        mine["chases"] = list(
            session.scalars(
                select(Chase)
                .join(ReplyTask)
                .join(Document, Document.id == ReplyTask.document_id)
                .where(readable, ReplyTask.organ_id == actor.organ_id, ReplyTask.status.in_(OPEN_REPLY))
                .order_by(Chase.id.desc())
            )
        )
        return mine
