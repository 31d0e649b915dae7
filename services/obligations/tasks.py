"""任务分工 at work: each responsible unit reports progress on its tasks and marks them done; the issuing office
sees every task's state, a unit only its own tasks."""

from __future__ import annotations

from services import access
from services.access import Level
from services.audit.service import AuditService
from services.context import Context
from services.domain.enums import DocStatus, TaskState
from services.domain.models import Document, PlanTask, TaskAssignment, TaskReport, User
from services.errors import Conflict, Invalid, not_found
from services.obligations.repository import ObligationRepository, OpenTask


class TaskService:
    def __init__(
        self, ctx: Context, *, repo: ObligationRepository | None = None, audit: AuditService | None = None
    ) -> None:
        self.ctx = ctx
        self.repo = repo or ObligationRepository(ctx.session)
        self.audit = audit or AuditService(ctx)

    def seen_by(self, actor: User, document_id: int) -> list[tuple[PlanTask, list[TaskAssignment]]]:
        """Each task with the assignments the caller may see: all for the issuing office, its own for a unit."""
        level = access.level_of(self.ctx.session, actor, document_id)
        if level is None:
            raise access.document_not_found(document_id)
        if level >= Level.internal:
            return [(t, list(t.assignments)) for t in self.repo.tasks_of(document_id)]
        tasks = self.repo.tasks_of(document_id, actor.organ_id)
        return [(t, [a for a in t.assignments if a.organ_id == actor.organ_id]) for t in tasks]

    def open_for(self, actor: User) -> list[OpenTask]:
        return self.repo.assignments_of(access.reader_of(actor))

    def own(self, actor: User, assignment_id: int) -> TaskAssignment:
        """One task assignment of the actor's organ; to anyone else it does not exist."""
        assignment = self.repo.assignment(assignment_id)
        if assignment is None or not self._own(actor, assignment):
            raise not_found("任务", "task assignment", id=assignment_id)
        return assignment

    def report_progress(self, actor: User, assignment_id: int, note: str, done: bool) -> TaskAssignment:
        """A responsible unit says how far it has got, or that it is done (a done task stays done)."""
        assignment = self.repo.assignment(assignment_id, lock=True)
        if assignment is None or not self._own(actor, assignment):
            raise not_found("任务", "task assignment", id=assignment_id)
        if not note.strip():
            raise Invalid("progress_empty", "请填写进展情况", "a progress report needs some words", field="note")
        if len(note) > 5000:
            raise Invalid("progress_too_long", "进展情况不能超过 5000 字", "at most 5000 characters", field="note")
        plan = self._plan(assignment)
        if plan.status != DocStatus.distributed.value:
            raise Conflict("plan_not_distributed", "该方案尚未分发", "the plan has not been distributed")
        assignment.move(TaskState.done if done else TaskState.doing)
        now = self.ctx.now()
        assignment.progress, assignment.updated_at = note.strip(), now
        if done:
            assignment.done_at = now
        self.ctx.session.add(
            TaskReport(assignment_id=assignment.id, note=note.strip(), done=done, by_user_id=actor.id, at=now)
        )
        self.audit.record(
            "task_done" if done else "task_progress", document=plan, actor=actor,
            task=assignment.task.text[:80], note=note.strip()[:500],
        )  # fmt: skip
        return assignment

    def _own(self, actor: User, assignment: TaskAssignment) -> bool:
        document_id = assignment.task.document_id
        return actor.organ_id == assignment.organ_id and access.may_read(self.ctx.session, actor, document_id)

    def _plan(self, assignment: TaskAssignment) -> Document:
        plan = self.ctx.session.get(Document, assignment.task.document_id)
        assert plan is not None
        return plan
