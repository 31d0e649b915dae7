"""The 保管期限表 (DOMAIN.md §3.6) kept in the database and edited by archivists: every change is a new version of
the whole table and an audit event; the annual run files with the version in force and names it in its report.
Until the first change the table in force is the configured default (``GONGWEN_ARCHIVE__RETENTION``), version 0."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from services.access import require_role
from services.archive.repository import ArchiveRepository
from services.audit.service import AuditService
from services.context import Context
from services.domain.enums import DocKind, DocType, Role
from services.domain.models import RetentionSchedule, User
from services.errors import Invalid

PERIODS = {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}
# Kinds the table may name besides the 15 文种: a unit's report-back and an imported document.
KINDS = {DocKind.reply.value: "报送的总结（来文）", DocKind.imported.value: "导入的文件"}
KEYS = [t.value for t in DocType] + list(KINDS)


@dataclass(frozen=True)
class Schedule:
    """The table in force: its version (0 = the configured default), since when, who changed it last."""

    version: int
    rules: dict[str, str]
    since: dt.datetime | None
    changed_by: str | None

    def as_report(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "since": self.since.isoformat() if self.since else None,
            "changed_by": self.changed_by,
            "name": self.name,
        }

    @property
    def name(self) -> str:
        if self.version == 0:
            return "保管期限表 默认版（配置）"
        assert self.since is not None
        return f"保管期限表 第{self.version}版（{self.since.date().isoformat()} 起施行）"


class RetentionService:
    def __init__(self, ctx: Context, repo: ArchiveRepository | None = None, audit: AuditService | None = None) -> None:
        self.ctx = ctx
        self.repo = repo or ArchiveRepository(ctx.session)
        self.audit = audit or AuditService(ctx)

    def in_force(self) -> Schedule:
        latest = self.repo.latest_schedule()
        if latest is None:
            return Schedule(0, dict(self.ctx.settings.archive.retention), None, None)
        return Schedule(latest.id, dict(latest.rules), latest.created_at, latest.changed_by_name)

    def history(self, user: User) -> list[RetentionSchedule]:
        require_role(user, Role.archivist)
        return self.repo.schedules(200)

    def change(self, actor: User, key: str, period: str, reason: str | None = None) -> RetentionSchedule:
        """Set the 保管期限 of one 文种 or kind: a new version of the whole table, audited with who and when."""
        require_role(actor, Role.archivist)
        key, period = key.strip(), period.strip().upper()
        if key not in KEYS:
            raise Invalid(
                "retention_key_unknown",
                f"不是文种或类别：{key}（可选：{'、'.join(KEYS)}）",
                f"not a 文种 or kind: {key}",
                field="key",
            )
        if period not in PERIODS:
            raise Invalid(
                "retention_period_invalid",
                f"保管期限只能是 Y（永久）、D30 或 D10：{period}",
                f"the retention period must be Y, D30 or D10: {period}",
                field="period",
            )
        current = self.in_force()
        previous = current.rules.get(key)
        version = RetentionSchedule(
            rules={**current.rules, key: period},
            changed_key=key,
            previous=previous,
            period=period,
            reason=(reason or "").strip()[:500] or None,
            changed_by_id=actor.id,
            changed_by_name=actor.display_name,
            created_at=self.ctx.now(),
        )
        self.repo.add(version)
        self.repo.flush()
        self.audit.record(
            "retention_changed",
            document=None,
            actor=actor,
            key=key,
            previous=previous,
            period=period,
            schedule_version=version.id,
            reason=version.reason,
        )
        return version
