"""Append-only audit events (DOMAIN.md §4.1 process metadata: 业务行为、行为时间、机构人员名称)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services import access
from services.audit import chain
from services.audit.repository import AuditRepository, TimelineEvent
from services.context import Context
from services.domain.models import AuditEvent, Document, Organ, User

ACTIONS_ZH = {
    "incoming": "收文办理",
    "create": "起草",
    "save": "修改",
    "attach": "添加附件",
    "attachment_retitled": "修改附件标题",
    "attachment_removed": "删除附件",
    "attachment_replaced": "替换附件",
    "submit": "提交",
    "checks_passed": "格式检查通过",
    "checks_failed": "格式检查未通过",
    "review_approved": "审核通过",
    "review_returned": "审核退回",
    "countersigned": "会签",
    "signed": "签发",
    "signoff_rejected": "会签退回",
    "all_signed": "会签完成",
    "numbered": "复核登记",
    "rendered": "排版印制",
    "distributed": "核发分送",
    "reissue_requested": "重新发起登记",
    "rechecked": "复核",
    "recheck_changed": "复核修改，退回签发",
    "registered": "登记",
    "sealed": "用印",
    "released": "核发",
    "received": "签收",
    "reported": "报送总结",
    "reply_received": "收到反馈",
    "reply_returned": "退回补报",
    "overdue": "逾期未报",
    "chased": "催办",
    "cadence_stopped": "停止周期报送",
    "submission_accepted": "签收报送",
    "task_progress": "报告任务进展",
    "task_done": "任务完成",
    "imported": "导入",
    "archived": "归档",
    "retention_changed": "修改保管期限表",
    "fonds_set": "设置全宗",
    # Keeping people and organs (no document): who changed which account or organ, and how.
    "admin_created": "创建管理员",
    "user_created": "新建用户",
    "user_changed": "修改用户",
    "user_disabled": "停用用户",
    "user_enabled": "启用用户",
    "password_reset": "重置密码",
    "organ_created": "新建机关",
    "organ_changed": "修改机关",
    "department_created": "新建科室",
    "department_renamed": "科室更名",
    "department_removed": "撤销科室",
    "numbering_set": "设置起始编号",
    "series_saved": "设置编号序列",
    "seal_made": "制作电子印章",
}
ADMINISTRATIVE = (
    "admin_created", "user_created", "user_changed", "user_disabled", "user_enabled", "password_reset",
    "organ_created", "organ_changed", "department_created", "department_renamed", "department_removed",
    "numbering_set", "series_saved", "seal_made",
)  # fmt: skip


class AuditService:
    def __init__(self, ctx: Context, repo: AuditRepository | None = None) -> None:
        self.ctx = ctx
        self.repo = repo or AuditRepository(ctx.session)

    def record(
        self,
        action: str,
        *,
        document: Document | None,
        actor: User | None,
        organ: Organ | None = None,
        version: int | None = None,
        **detail: Any,
    ) -> AuditEvent:
        organ = organ or (actor.organ if actor else None)
        event = AuditEvent(
            document_id=document.id if document else None,
            actor_id=actor.id if actor else None,
            actor_name=actor.display_name if actor else "系统",
            organ_id=organ.id if organ else None,
            organ_name=organ.name if organ else None,
            action=action,
            action_zh=ACTIONS_ZH[action],
            version=version if version is not None else (document.current_version if document else None),
            detail=detail,
            at=self.ctx.now(),
        )
        chain.add_pending(self.ctx.session, event)  # sealed into the hash chain when the transaction commits
        return event

    def administrative(self, limit: int = 50) -> list[AuditEvent]:
        """The latest changes to people, organs and departments, newest first (admins read them)."""
        return self.repo.latest_of(ADMINISTRATIVE, limit)

    def for_document(self, user: User, document_id: int) -> list[TimelineEvent]:
        """The timeline of a document as this user may see it: internal readers see every event."""
        level = access.level_of(self.ctx.session, user, document_id)
        if level is None:
            raise access.document_not_found(document_id)
        return [e for e in self.repo.of_document(document_id) if access.visible_event(user, level, e)]

    def timeline(self, document_id: int) -> Sequence[TimelineEvent]:
        """Every event of a document in order, unfiltered: the process metadata filed with it (DOMAIN.md §4.1)."""
        return self.repo.of_document(document_id)

    def head(self) -> tuple[int, str]:
        """The committed chain head: the last sealed event's id and digest."""
        return chain.head(self.ctx.session)

    def event_matches(self, event_id: int, recorded_hash: str) -> str | None:
        """None when the event still holds the digest recorded elsewhere (an archival package), else why not."""
        return chain.event_matches(self.ctx.session, event_id, recorded_hash)
