"""What the API returns. Converters read entities inside the request's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.domain.models import (
    Attachment,
    AuditEvent,
    Chase,
    Department,
    Document,
    DocumentVersion,
    InboxItem,
    Obligation,
    Organ,
    PlanTask,
    RecipientGroup,
    Signoff,
    Submission,
    TaskAssignment,
    User,
)
from services.obligations.service import Dashboard, Expected, cadence_zh


class OrganOut(BaseModel):
    id: int
    code: str
    name: str
    short_name: str
    parent_id: int | None
    prefixes: dict[str, str]
    aliases: list[str]
    registrar_gate: bool
    name_alt: str | None = None  # the name in a second script (traditional Mongolian), printed in the 标志

    @classmethod
    def of(cls, organ: Organ) -> OrganOut:
        return cls(
            id=organ.id,
            code=organ.code,
            name=organ.name,
            short_name=organ.short_name,
            parent_id=organ.parent_id,
            prefixes={p.form: p.prefix for p in organ.prefixes},
            aliases=[a.alias for a in organ.aliases],
            registrar_gate=organ.registrar_gate,
            name_alt=organ.name_alt,
        )


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    organ_id: int
    organ: str
    roles: list[str]
    clearance: str | None = Field(None, description="密级 clearance: shown to the user themself and to admins only")
    person_name: str | None = None
    job_title: str | None = None
    department_id: int | None = None
    active: bool = True
    must_change_password: bool = Field(False, description="an admin reset the password: change it before anything")

    @classmethod
    def of(cls, user: User, viewer: User | None = None) -> UserOut:
        """``viewer`` None means the user looks at themself."""
        shown = viewer is None or viewer.id == user.id or viewer.has_role("admin")
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            organ_id=user.organ_id,
            organ=user.organ.name,
            roles=list(user.roles),
            clearance=user.clearance if shown else None,
            person_name=user.person_name,
            job_title=user.job_title,
            department_id=user.department_id,
            active=user.active,
            must_change_password=user.must_change_password,
        )


class DepartmentOut(BaseModel):
    id: int
    organ_id: int
    name: str

    @classmethod
    def of(cls, d: Department) -> DepartmentOut:
        return cls(id=d.id, organ_id=d.organ_id, name=d.name)


class LoginOut(BaseModel):
    token: str
    user: UserOut


class OrganRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: str | None = None


class DocumentOut(BaseModel):
    """A document as the API shows it: from a listed record (services.documents.repository) by its attributes, or
    from a document being changed by :meth:`of`."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    doc_type: str
    title: str
    doc_number: str | None
    written_on: dt.date | None
    lead_organ: OrganRef | None
    source_name: str | None
    source_position: int | None
    published_at: dt.datetime | None = None  # an imported web page's 发布时间 (not its 成文日期)
    issuers: list[OrganRef]
    issuer_names: list[str]  # issuers known only by the text that named them (责任者 of an imported document)
    recipients: list[OrganRef]
    classification: str
    secrecy_period: str | None
    urgency: str
    issue_form: str
    attachment_notes: list[str]
    remark: str | None
    printing_organ: str | None
    main_recipients_text: str | None = None
    main_groups: list[int]
    printed_copies: int | None = None
    printed_on: dt.date | None = None
    current_version: int
    signing_round: int
    returned_reason: str | None
    reply_to_id: int | None
    forwards: int | None = None
    answers: int | None = None
    page_count: int | None
    issued_at: dt.datetime | None
    distributed_at: dt.datetime | None
    created_at: dt.datetime
    actions: list[str] = Field(
        default_factory=list,
        description="What the caller may do next (GET /documents/{id}): edit, submit, review, sign, issue, recheck, "
        "register, seal, release, receive, report",
    )

    @classmethod
    def of(cls, d: Document, actions: Sequence[str] = ()) -> DocumentOut:
        return cls(
            actions=list(actions),
            id=d.id,
            kind=d.kind,
            status=d.status,
            doc_type=d.doc_type,
            title=d.title,
            doc_number=d.doc_number,
            written_on=d.written_on,
            lead_organ=OrganRef(id=d.lead_organ.id, name=d.lead_organ.name) if d.lead_organ else None,
            source_name=d.source_name,
            source_position=d.source_position,
            published_at=d.published_at,
            issuers=[OrganRef(id=i.organ.id, name=i.name) for i in d.issuers],
            issuer_names=list(d.issuer_names),
            recipients=[OrganRef(id=r.organ.id, name=r.name, role=r.role) for r in d.recipients],
            classification=d.classification,
            secrecy_period=d.secrecy_period,
            urgency=d.urgency,
            issue_form=d.issue_form,
            attachment_notes=list(d.attachment_notes),
            remark=d.remark,
            printing_organ=d.printing_organ,
            main_recipients_text=d.main_recipients_text,
            printed_copies=d.printed_copies,
            printed_on=d.printed_on,
            main_groups=list(d.main_groups),
            current_version=d.current_version,
            signing_round=d.signing_round,
            returned_reason=d.returned_reason,
            reply_to_id=d.reply_to_id,
            forwards=d.linked("forwards"),
            answers=d.linked("answers"),
            page_count=d.page_count,
            issued_at=d.issued_at,
            distributed_at=d.distributed_at,
            created_at=d.created_at,
        )


class AttachmentOut(BaseModel):
    id: int
    title: str
    filename: str
    content_type: str
    size: int
    sha256: str

    @classmethod
    def of(cls, a: Attachment) -> AttachmentOut:
        return cls(
            id=a.id, title=a.title, filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256
        )


class VersionOut(BaseModel):
    number: int
    note: str | None
    created_at: dt.datetime
    created_by_id: int | None
    body_sha256: str
    body_size: int
    fields: dict[str, Any]
    checks: list[dict[str, Any]]
    attachments: list[AttachmentOut]

    @classmethod
    def of(cls, v: DocumentVersion) -> VersionOut:
        return cls(
            number=v.number,
            note=v.note,
            created_at=v.created_at,
            created_by_id=v.created_by_id,
            body_sha256=v.body_sha256,
            body_size=v.body_size,
            fields=v.fields,
            checks=v.checks,
            attachments=[AttachmentOut.of(a) for a in v.attachments],
        )


class SignoffOut(BaseModel):
    organ_id: int
    organ: str
    round: int
    kind: str
    status: str
    signer: str | None
    opinion: str | None
    version: int | None
    decided_at: dt.datetime | None

    @classmethod
    def of(cls, s: Signoff) -> SignoffOut:
        return cls(
            organ_id=s.organ_id,
            organ=s.organ.name,
            round=s.round,
            kind=s.kind,
            status=s.status,
            signer=s.signer.display_name if s.signer else None,
            opinion=s.opinion,
            version=s.version,
            decided_at=s.decided_at,
        )


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    action: str
    action_zh: str
    actor: str
    organ: str | None
    version: int | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, e: AuditEvent) -> AuditOut:
        return cls(
            id=e.id,
            at=e.at,
            action=e.action,
            action_zh=e.action_zh,
            actor=e.actor_name,
            organ=e.organ_name,
            version=e.version,
            detail=e.detail,
        )


class InboxItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    document: DocumentOut
    role: str
    delivered_at: dt.datetime
    received_at: dt.datetime | None

    @classmethod
    def of(cls, i: InboxItem) -> InboxItemOut:
        return cls(
            id=i.id,
            document=DocumentOut.of(i.document),
            role=i.role,
            delivered_at=i.delivered_at,
            received_at=i.received_at,
        )


class GroupOut(BaseModel):
    id: int
    name: str
    members: list[OrganRef]
    aliases: list[str] = []

    @classmethod
    def of(cls, g: RecipientGroup) -> GroupOut:
        members = [OrganRef(id=m.organ.id, name=m.organ.name) for m in g.members]
        return cls(id=g.id, name=g.name, members=members, aliases=[a.alias for a in g.aliases])


class ObligationOut(BaseModel):
    id: int
    document_id: int
    position: int
    title: str
    materials: list[str]
    optional_materials: list[str]
    phase: str | None
    due_on: dt.date | None
    cadence: str | None
    cadence_zh: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    partial_first: bool
    stopped_on: dt.date | None
    at_least: int
    owners: list[OrganRef]
    method: str | None
    contact: str | None

    @classmethod
    def of(cls, o: Obligation, names: dict[int, str]) -> ObligationOut:
        return cls(
            id=o.id, document_id=o.document_id, position=o.position, title=o.title, materials=list(o.materials),
            optional_materials=list(o.optional_materials or []), phase=o.phase, due_on=o.due_on, cadence=o.cadence,
            cadence_zh=cadence_zh(o), starts_on=o.starts_on, ends_on=o.ends_on, partial_first=bool(o.partial_first),
            stopped_on=o.stopped_on, at_least=o.at_least, method=o.method, contact=o.contact,
            owners=[OrganRef(id=w, name=names.get(w, "")) for w in sorted(o.owner_ids)],
        )  # fmt: skip


class ExpectedOut(BaseModel):
    """One expected submission (obligation × unit × period) with its status as of today."""

    obligation_id: int
    obligation: str
    materials: list[str]
    document_id: int
    document_title: str
    organ_id: int
    period_start: dt.date
    period_due: dt.date
    period_label: str
    status: str
    standing: int
    at_least: int
    missing: int
    days_left: int
    chases: int
    reply_document_id: int | None
    owed: int = Field(0, description="How many periods the unit owes on this obligation, this one included")

    @classmethod
    def of(cls, e: Expected) -> ExpectedOut:
        o = e.obligation
        return cls(
            obligation_id=o.id, obligation=o.title, materials=list(o.materials), document_id=o.document_id,
            document_title=o.document.title, organ_id=e.organ_id, period_start=e.period.start,
            period_due=e.period.due, period_label=e.label, status=e.status.value, standing=e.standing,
            at_least=o.at_least, missing=e.missing, days_left=e.days_left, chases=e.chases,
            reply_document_id=e.reply_id, owed=len(e.owed),
        )  # fmt: skip


class SubmissionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # an ArrivedReport is read by its attributes

    id: int
    obligation_id: int
    obligation: str
    document_id: int
    organ_id: int
    organ: str
    period_due: dt.date
    reply_document_id: int
    reply_title: str
    submitted_at: dt.datetime
    submitted_on: dt.date
    late: bool
    status: str
    returned_reason: str | None

    @classmethod
    def of(cls, s: Submission) -> SubmissionOut:
        return cls(
            id=s.id, obligation_id=s.obligation_id, obligation=s.obligation.title,
            document_id=s.obligation.document_id, organ_id=s.organ_id, organ=s.organ.name, period_due=s.period_due,
            reply_document_id=s.reply_document_id, reply_title=s.reply.title, submitted_at=s.submitted_at,
            submitted_on=s.submitted_on, late=s.submitted_on > s.period_due, status=s.status,
            returned_reason=s.returned_reason,
        )  # fmt: skip


class ChaseOut(BaseModel):
    id: int
    obligation_id: int
    document_id: int
    organ_id: int
    period_due: dt.date
    chased_on: dt.date
    method: str
    message: str
    at: dt.datetime

    @classmethod
    def of(cls, c: Chase) -> ChaseOut:
        return cls(
            id=c.id, obligation_id=c.obligation_id, document_id=c.obligation.document_id, organ_id=c.organ_id,
            period_due=c.period_due, chased_on=c.chased_on, method=c.method, message=c.message, at=c.at,
        )  # fmt: skip


class AssignmentOut(BaseModel):
    id: int
    task_id: int
    document_id: int
    task: str
    organ_id: int
    organ: str
    role: str
    state: str
    progress: str | None
    updated_at: dt.datetime | None
    done_at: dt.datetime | None

    @classmethod
    def of(cls, a: TaskAssignment) -> AssignmentOut:
        return cls(
            id=a.id, task_id=a.task_id, document_id=a.task.document_id, task=a.task.text, organ_id=a.organ_id,
            organ=a.organ.name, role=a.role, state=a.state, progress=a.progress, updated_at=a.updated_at,
            done_at=a.done_at,
        )  # fmt: skip


class TaskOut(BaseModel):
    id: int
    document_id: int
    position: int
    text: str
    units_text: str | None
    assignments: list[AssignmentOut]

    @classmethod
    def of(cls, t: PlanTask, assignments: list[TaskAssignment]) -> TaskOut:
        return cls(
            id=t.id, document_id=t.document_id, position=t.position, text=t.text, units_text=t.units_text,
            assignments=[AssignmentOut.of(a) for a in assignments],
        )  # fmt: skip


class UnitRow(BaseModel):
    organ_id: int
    organ: str
    received_at: dt.datetime | None
    cells: dict[int, ExpectedOut]
    late: dict[int, int] = Field(description="Per obligation: how many of its periods are overdue, all told")
    tasks_done: int = 0
    tasks: int = Field(0, description="Tasks this unit is responsible for (牵头 or 配合)")


class ConfirmDeliveryIn(BaseModel):
    confirm_recipients_without_clearance: bool = Field(
        False,
        description="distribute even to recipient organs where nobody is cleared for the 密级 (refused otherwise "
        "with recipients_without_clearance naming them)",
    )


class DashboardOut(BaseModel):
    """The obligations × units matrix for one period of each cadence (``day``), and every overdue period."""

    document_id: int
    day: dt.date
    today: dt.date
    obligations: list[ObligationOut]
    units: list[UnitRow]
    overdue: list[ExpectedOut]
    units_without_clearance: list[OrganRef] = Field(
        default_factory=list,
        description="无相应密级人员: units where nobody is cleared for the 密级 (the plan reached nobody there); "
        "not in ``units``, never overdue, never chased",
    )

    @classmethod
    def of(cls, d: Dashboard) -> DashboardOut:
        names = dict(d.units)
        return cls(
            document_id=d.document.id, day=d.day, today=d.today,
            obligations=[ObligationOut.of(o, names) for o in d.obligations],
            units=[
                UnitRow(
                    organ_id=u, organ=name, received_at=d.received.get(u),
                    cells={o.id: ExpectedOut.of(d.cells[(o.id, u)]) for o in d.obligations if (o.id, u) in d.cells},
                    late={o.id: d.late[(o.id, u)] for o in d.obligations if (o.id, u) in d.late},
                    tasks_done=d.tasks.get(u, (0, 0))[0], tasks=d.tasks.get(u, (0, 0))[1],
                )
                for u, name in d.units
            ],
            overdue=[ExpectedOut.of(e) for e in d.overdue],
            units_without_clearance=[OrganRef(id=u, name=name) for u, name in d.uncleared],
        )  # fmt: skip


class InboxOut(BaseModel):
    returned: list[DocumentOut]
    to_review: list[DocumentOut]
    to_sign: list[DocumentOut]
    to_receive: list[InboxItemOut]
    obligations_due: list[ExpectedOut]
    arrivals: list[SubmissionOut]
    tasks: list[AssignmentOut]
    chases: list[ChaseOut]


class DiffOut(BaseModel):
    from_version: int
    to_version: int
    changed: bool
    fields: dict[str, Any]
    body_diff: list[str]

    @classmethod
    def of(cls, diff: dict[str, Any]) -> DiffOut:
        return cls(
            from_version=diff["from"],
            to_version=diff["to"],
            changed=diff["changed"],
            fields=diff["fields"],
            body_diff=diff["body_diff"],
        )


class SigningViewOut(BaseModel):
    document: DocumentOut
    body: str
    last_seen_version: int | None
    diff_since_last_seen: DiffOut | None
    signoffs: list[SignoffOut]


class DistributionRow(BaseModel):
    organ_id: int
    organ: str
    role: str
    delivered_at: dt.datetime
    received_at: dt.datetime | None
