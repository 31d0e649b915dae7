"""What the API returns. Converters read entities inside the request's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from services.domain.models import (
    Attachment,
    AuditEvent,
    Chase,
    Document,
    DocumentVersion,
    InboxItem,
    Organ,
    ReplyTask,
    Signoff,
    User,
)


class OrganOut(BaseModel):
    id: int
    code: str
    name: str
    short_name: str
    parent_id: int | None
    prefixes: dict[str, str]
    aliases: list[str]

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
        )


class LoginOut(BaseModel):
    token: str
    user: UserOut


class OrganRef(BaseModel):
    id: int
    name: str
    role: str | None = None


class DocumentOut(BaseModel):
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
    printed_copies: int | None = None
    printed_on: dt.date | None = None
    report_deadline: dt.date | None
    report_materials: list[str]
    report_contact: str | None
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

    @classmethod
    def of(cls, d: Document) -> DocumentOut:
        return cls(
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
            issuers=[OrganRef(id=i.organ.id, name=i.organ.name) for i in d.issuers],
            issuer_names=list(d.issuer_names),
            recipients=[OrganRef(id=r.organ.id, name=r.organ.name, role=r.role) for r in d.recipients],
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
            report_deadline=d.report_deadline,
            report_materials=list(d.report_materials),
            report_contact=d.report_contact,
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


class ReplyTaskOut(BaseModel):
    id: int
    document_id: int
    document_title: str
    organ_id: int
    organ: str
    deadline: dt.date
    status: str
    reported_at: dt.datetime | None
    reply_document_id: int | None
    returned_reason: str | None
    chase_count: int

    @classmethod
    def of(cls, t: ReplyTask) -> ReplyTaskOut:
        return cls(
            id=t.id,
            document_id=t.document_id,
            document_title=t.document.title,
            organ_id=t.organ_id,
            organ=t.organ.name,
            deadline=t.deadline,
            status=t.status,
            reported_at=t.reported_at,
            reply_document_id=t.reply_document_id,
            returned_reason=t.returned_reason,
            chase_count=t.chase_count,
        )


class ChaseOut(BaseModel):
    id: int
    reply_task_id: int
    chased_on: dt.date
    method: str
    message: str
    at: dt.datetime

    @classmethod
    def of(cls, c: Chase) -> ChaseOut:
        return cls(
            id=c.id, reply_task_id=c.reply_task_id, chased_on=c.chased_on, method=c.method, message=c.message, at=c.at
        )


class InboxOut(BaseModel):
    returned: list[DocumentOut]
    to_review: list[DocumentOut]
    to_sign: list[DocumentOut]
    to_receive: list[InboxItemOut]
    replies_due: list[ReplyTaskOut]
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
    reply_task_id: int | None
    reply_status: str | None
    deadline: dt.date | None
    reported_at: dt.datetime | None
    reply_document_id: int | None
    chase_count: int
