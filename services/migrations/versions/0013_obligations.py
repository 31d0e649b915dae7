"""obligations (反馈事项) with phases, cadences and owners; reports as submissions; tasks with their units;
recipient groups. Each document's one report requirement becomes one obligation, its reply tasks become the
obligation's owners and the reports they hold become submissions; chases follow their obligation.

Revision ID: 0013
Revises: 0015
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from alembic import op

import services.domain.models

revision = "0013"
down_revision = "0015"
branch_labels = None
depends_on = None

# Old status names of a reply task → the status of the report it held.
_SUBMISSION_OF = {"已报": "待签收", "退回补报": "已退回"}


def upgrade() -> None:
    op.create_table(
        "recipient_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", services.domain.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_recipient_groups_name")),
    )
    op.create_table(
        "recipient_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["recipient_groups.id"], name=op.f("fk_recipient_group_members_group_id_recipient_groups")
        ),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_recipient_group_members_organ_id_organs")),
        sa.PrimaryKeyConstraint("group_id", "organ_id", name=op.f("pk_recipient_group_members")),
    )
    op.create_table(
        "obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("phase", sa.String(length=40), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("cadence", sa.String(length=12), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("at_least", sa.Integer(), nullable=False),
        sa.Column("owner_groups", sa.JSON(), nullable=False),
        sa.Column("owner_organs", sa.JSON(), nullable=False),
        sa.Column("method", sa.Text(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_obligations_document_id_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
    )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_obligations_document_id"), ["document_id"], unique=False)

    op.create_table(
        "plan_phases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_plan_phases_document_id_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_phases")),
    )
    with op.batch_alter_table("plan_phases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_phases_document_id"), ["document_id"], unique=False)

    op.create_table(
        "plan_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("units_text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_plan_tasks_document_id_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_tasks")),
    )
    with op.batch_alter_table("plan_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_tasks_document_id"), ["document_id"], unique=False)

    op.create_table(
        "obligation_owners",
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["obligation_id"], ["obligations.id"], name=op.f("fk_obligation_owners_obligation_id_obligations")
        ),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_obligation_owners_organ_id_organs")),
        sa.PrimaryKeyConstraint("obligation_id", "organ_id", name=op.f("pk_obligation_owners")),
    )
    with op.batch_alter_table("obligation_owners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_obligation_owners_organ_id"), ["organ_id"], unique=False)

    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.Column("period_due", sa.Date(), nullable=False),
        sa.Column("reply_document_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", services.domain.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("decided_at", services.domain.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("returned_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_submissions_decided_by_id_users")),
        sa.ForeignKeyConstraint(
            ["obligation_id"], ["obligations.id"], name=op.f("fk_submissions_obligation_id_obligations")
        ),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_submissions_organ_id_organs")),
        sa.ForeignKeyConstraint(
            ["reply_document_id"], ["documents.id"], name=op.f("fk_submissions_reply_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("reply_document_id", name=op.f("uq_submissions_reply_document_id")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_submissions_expected", ["obligation_id", "organ_id", "period_due", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_submissions_organ_id"), ["organ_id"], unique=False)

    op.create_table(
        "task_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=4), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("progress", sa.Text(), nullable=True),
        sa.Column("updated_at", services.domain.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", services.domain.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_task_assignments_organ_id_organs")),
        sa.ForeignKeyConstraint(["task_id"], ["plan_tasks.id"], name=op.f("fk_task_assignments_task_id_plan_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_assignments")),
        sa.UniqueConstraint("task_id", "organ_id", name=op.f("uq_task_assignments_task_id")),
    )
    with op.batch_alter_table("task_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_assignments_organ_id"), ["organ_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_assignments_task_id"), ["task_id"], unique=False)

    op.create_table(
        "task_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("at", services.domain.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["task_assignments.id"], name=op.f("fk_task_reports_assignment_id_task_assignments")
        ),
        sa.ForeignKeyConstraint(["by_user_id"], ["users.id"], name=op.f("fk_task_reports_by_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_reports")),
    )
    with op.batch_alter_table("task_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_reports_assignment_id"), ["assignment_id"], unique=False)

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("main_groups", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("chases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("obligation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("organ_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("period_due", sa.Date(), nullable=True))

    _move_report_requirements(op.get_bind())

    with op.batch_alter_table("chases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chases_reply_task_id"))
        batch_op.drop_constraint(batch_op.f("uq_chases_reply_task_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_chases_reply_task_id_reply_tasks"), type_="foreignkey")
        batch_op.drop_column("reply_task_id")
        batch_op.alter_column("obligation_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("organ_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("period_due", existing_type=sa.Date(), nullable=False)
        batch_op.create_index(batch_op.f("ix_chases_obligation_id"), ["obligation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chases_organ_id"), ["organ_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_chases_obligation_id"), ["obligation_id", "organ_id", "chased_on"]
        )
        batch_op.create_foreign_key(batch_op.f("fk_chases_organ_id_organs"), "organs", ["organ_id"], ["id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_chases_obligation_id_obligations"), "obligations", ["obligation_id"], ["id"]
        )
    with op.batch_alter_table("reply_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_tasks_document_id"))
        batch_op.drop_index(batch_op.f("ix_reply_tasks_organ_id"))
    op.drop_table("reply_tasks")
    # Who may read what (services/access.py) asks by these columns; with thousands of reports they need indexes.
    for column in ("lead_organ_id", "reply_to_id", "source_organ_id", "owner_organ_id"):
        op.create_index(f"ix_documents_{column}", "documents", [column], unique=False)
    op.create_index("ix_document_issuers_organ_id", "document_issuers", ["organ_id"], unique=False)
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("report_method")
        batch_op.drop_column("report_deadline")
        batch_op.drop_column("report_materials")
        batch_op.drop_column("report_contact")


def _move_report_requirements(conn: sa.Connection) -> None:
    """One obligation per document that had a report deadline; its reply tasks become owners and submissions."""
    meta = sa.MetaData()
    documents = sa.Table("documents", meta, autoload_with=conn)
    tasks = sa.Table("reply_tasks", meta, autoload_with=conn)
    chases = sa.Table("chases", meta, autoload_with=conn)
    obligations = sa.Table("obligations", meta, autoload_with=conn)
    owners = sa.Table("obligation_owners", meta, autoload_with=conn)
    submissions = sa.Table("submissions", meta, autoload_with=conn)
    required = conn.execute(
        sa.select(
            documents.c.id,
            documents.c.report_deadline,
            documents.c.report_materials,
            documents.c.report_method,
            documents.c.report_contact,
        ).where(documents.c.report_deadline.is_not(None))
    ).all()
    for doc in required:
        materials = [str(m) for m in (doc.report_materials or [])] or ["总结"]
        obligation_id = conn.execute(
            obligations.insert()
            .values(
                document_id=doc.id, position=0, title=materials[0], materials=materials, due_on=doc.report_deadline,
                at_least=1, owner_groups=[], owner_organs=[], method=doc.report_method, contact=doc.report_contact,
            )
            .returning(obligations.c.id)
        ).scalar_one()  # fmt: skip
        for task in conn.execute(sa.select(tasks).where(tasks.c.document_id == doc.id)).all():
            conn.execute(owners.insert().values(obligation_id=obligation_id, organ_id=task.organ_id))
            _move_task(conn, task, obligation_id, submissions)
            conn.execute(
                chases.update()
                .where(chases.c.reply_task_id == task.id)
                .values(obligation_id=obligation_id, organ_id=task.organ_id, period_due=task.deadline)
            )
    conn.execute(chases.delete().where(chases.c.obligation_id.is_(None)))
    # Two chases of one unit on one day (a notice and the system's) become one: at most one a day now.
    first = sa.select(sa.func.min(chases.c.id)).group_by(chases.c.obligation_id, chases.c.organ_id, chases.c.chased_on)
    conn.execute(chases.delete().where(chases.c.id.not_in(first)))


def _move_task(conn: sa.Connection, task: Any, obligation_id: int, submissions: sa.Table) -> None:
    if task.reply_document_id is None:
        return
    at = task.reported_at or dt.datetime.now(dt.UTC)
    conn.execute(
        submissions.insert().values(
            obligation_id=obligation_id,
            organ_id=task.organ_id,
            period_due=task.deadline,
            reply_document_id=task.reply_document_id,
            submitted_at=at,
            submitted_on=at.date() if isinstance(at, dt.datetime) else task.deadline,
            status=_SUBMISSION_OF.get(task.status, "待签收"),
            returned_reason=task.returned_reason,
        )
    )


def downgrade() -> None:
    """The old shape comes back empty: obligations, cadences, tasks and chases do not fit one deadline."""
    op.execute("DELETE FROM chases")
    op.drop_index("ix_document_issuers_organ_id", table_name="document_issuers")
    for column in ("lead_organ_id", "reply_to_id", "source_organ_id", "owner_organ_id"):
        op.drop_index(f"ix_documents_{column}", table_name="documents")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_contact", sa.TEXT(), nullable=True))
        batch_op.add_column(sa.Column("report_materials", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("report_deadline", sa.DATE(), nullable=True))
        batch_op.add_column(sa.Column("report_method", sa.TEXT(), nullable=True))
        batch_op.drop_column("main_groups")

    op.create_table(
        "reply_tasks",
        sa.Column("id", sa.INTEGER(), nullable=False),
        sa.Column("document_id", sa.INTEGER(), nullable=False),
        sa.Column("organ_id", sa.INTEGER(), nullable=False),
        sa.Column("deadline", sa.DATE(), nullable=False),
        sa.Column("status", sa.VARCHAR(length=8), nullable=False),
        sa.Column("reply_document_id", sa.INTEGER(), nullable=True),
        sa.Column("reported_at", services.domain.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("returned_reason", sa.TEXT(), nullable=True),
        sa.Column("chase_count", sa.INTEGER(), nullable=False),
        sa.Column("last_chased_on", sa.DATE(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_reply_tasks_document_id_documents")),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_reply_tasks_organ_id_organs")),
        sa.ForeignKeyConstraint(
            ["reply_document_id"], ["documents.id"], name=op.f("fk_reply_tasks_reply_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_tasks")),
        sa.UniqueConstraint("document_id", "organ_id", name=op.f("uq_reply_tasks_document_id")),
    )
    with op.batch_alter_table("reply_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reply_tasks_organ_id"), ["organ_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reply_tasks_document_id"), ["document_id"], unique=False)

    with op.batch_alter_table("chases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_task_id", sa.INTEGER(), nullable=True))
        batch_op.drop_constraint(batch_op.f("fk_chases_obligation_id_obligations"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_chases_organ_id_organs"), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_chases_reply_task_id_reply_tasks"), "reply_tasks", ["reply_task_id"], ["id"]
        )
        batch_op.drop_constraint(batch_op.f("uq_chases_obligation_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_chases_organ_id"))
        batch_op.drop_index(batch_op.f("ix_chases_obligation_id"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_chases_reply_task_id"), ["reply_task_id", "chased_on", "method"]
        )
        batch_op.create_index(batch_op.f("ix_chases_reply_task_id"), ["reply_task_id"], unique=False)
        batch_op.drop_column("period_due")
        batch_op.drop_column("organ_id")
        batch_op.drop_column("obligation_id")

    with op.batch_alter_table("task_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_reports_assignment_id"))

    op.drop_table("task_reports")
    with op.batch_alter_table("task_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_assignments_task_id"))
        batch_op.drop_index(batch_op.f("ix_task_assignments_organ_id"))

    op.drop_table("task_assignments")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_organ_id"))
        batch_op.drop_index("ix_submissions_expected")

    op.drop_table("submissions")
    with op.batch_alter_table("obligation_owners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligation_owners_organ_id"))

    op.drop_table("obligation_owners")
    with op.batch_alter_table("plan_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_tasks_document_id"))

    op.drop_table("plan_tasks")
    with op.batch_alter_table("plan_phases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_phases_document_id"))

    op.drop_table("plan_phases")
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligations_document_id"))

    op.drop_table("obligations")
    op.drop_table("recipient_group_members")
    op.drop_table("recipient_groups")
