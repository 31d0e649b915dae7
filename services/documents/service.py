"""Drafting: create a draft, save new versions (text and attachments in object storage), diff versions."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from services import access
from services.access import Level, require_role
from services.accounts.groups import GroupService
from services.accounts.service import OrganService
from services.audit.service import AuditService
from services.context import Context
from services.db import stage_object, unique_key
from services.documents.plan import apply_plan, plan_of_old_fields, plan_snapshot
from services.documents.schemas import AttachmentUpload, DraftFields, DraftInput
from services.domain.enums import DRAFT_RELATIONS, DocKind, DocStatus, LinkKind, RecipientRole, Role
from services.domain.models import (
    Attachment,
    Document,
    DocumentIssuer,
    DocumentLink,
    DocumentRecipient,
    DocumentVersion,
    Organ,
    User,
)
from services.errors import Conflict, Forbidden, Invalid, not_found
from services.limits import Upload, check_size

EDITABLE = (DocStatus.draft, DocStatus.returned)
_SAFE_NAME = re.compile(r"[^\w.\-\u3400-\u9fff]+")


def safe_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE_NAME.sub("_", base).strip("._") or "file"
    return cleaned[:120]


def decode_utf8_text(data: bytes, what: str = "正文") -> str:
    """Uploaded text must be UTF-8 (a BOM is dropped); anything else is refused, never guessed."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(
            "encoding_not_utf8",
            f"{what}不是 UTF-8 编码，请转换后再上传",
            f"the {'body' if what == '正文' else 'file'} is not UTF-8 text; convert it and upload again",
            status=415,
        ) from None
    if "\x00" in text:
        raise Invalid("binary_not_text", f"{what}不是文本", "the upload is not text", status=415)
    return text


class DocumentService:
    def __init__(self, ctx: Context, *, audit: AuditService | None = None, organs: OrganService | None = None) -> None:
        self.ctx = ctx
        self.audit = audit or AuditService(ctx)
        self.organs = organs or OrganService(ctx)

    # -- reading -------------------------------------------------------------------------------------------

    def get(self, document_id: int) -> Document:
        document = self.ctx.session.get(Document, document_id)
        if document is None:
            raise not_found("公文", "document", id=document_id)
        return document

    def lock(self, document_id: int) -> Document:
        """The document row, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite locks at BEGIN)."""
        query = select(Document).where(Document.id == document_id).execution_options(populate_existing=True)
        if self.ctx.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=Document)
        document = self.ctx.session.scalar(query)
        if document is None:
            return self.get(document_id)
        return document

    def get_visible(self, user: User, document_id: int, level: Level = Level.issued) -> Document:
        """The document if this user may read it at ``level``; otherwise exactly as if it did not exist."""
        access.require_read(self.ctx.session, user, document_id, level)
        return self.get(document_id)

    def lock_visible(self, user: User, document_id: int, level: Level = Level.issued) -> Document:
        """As :meth:`get_visible`, with the row locked for this transaction (every write path starts here)."""
        access.require_read(self.ctx.session, user, document_id, level)
        return self.lock(document_id)

    def version(self, document: Document, number: int | None = None) -> DocumentVersion:
        number = number or document.current_version
        version = self.ctx.session.scalar(
            select(DocumentVersion).where(DocumentVersion.document_id == document.id, DocumentVersion.number == number)
        )
        if version is None:
            raise not_found("版本", "version", document=document.id, version=number)
        return version

    def attachment_for(self, user: User, document_id: int, attachment_id: int) -> Attachment:
        """Internal readers reach every version's attachments; recipients only those of the issued version."""
        level = access.level_of(self.ctx.session, user, document_id)
        if level is None:
            raise access.document_not_found(document_id)
        document = self.get(document_id)
        versions = self.versions(document) if level >= Level.internal else [self.version(document)]
        for version in versions:
            for att in version.attachments:
                if att.id == attachment_id:
                    return att
        raise not_found("附件", "attachment", id=attachment_id)

    def versions(self, document: Document) -> Sequence[DocumentVersion]:
        query = select(DocumentVersion).where(DocumentVersion.document_id == document.id)
        return self.ctx.session.scalars(query.order_by(DocumentVersion.number)).all()

    def body(self, version: DocumentVersion) -> str:
        return self.ctx.store.get(version.body_key).decode("utf-8")

    def diff(self, document: Document, old: int, new: int) -> dict[str, Any]:
        """What changed between two versions: the fields that differ and a unified diff of the body."""
        before, after = self.version(document, old), self.version(document, new)
        fields = {
            key: {"from": before.fields.get(key), "to": after.fields.get(key)}
            for key in sorted(set(before.fields) | set(after.fields))
            if before.fields.get(key) != after.fields.get(key)
        }
        old_atts = [a.title for a in before.attachments]
        new_atts = [a.title for a in after.attachments]
        if old_atts != new_atts:
            fields["attachments"] = {"from": old_atts, "to": new_atts}
        lines = list(
            difflib.unified_diff(
                self.body(before).splitlines(),
                self.body(after).splitlines(),
                fromfile=f"v{old}",
                tofile=f"v{new}",
                lineterm="",
            )
        )
        return {"from": old, "to": new, "fields": fields, "body_diff": lines, "changed": bool(fields or lines)}

    # -- writing -------------------------------------------------------------------------------------------

    def create_draft(self, actor: User, data: DraftInput) -> Document:
        require_role(actor, Role.drafter)
        document = Document(
            kind=DocKind.outgoing.value,
            status=DocStatus.draft.value,
            lead_organ_id=actor.organ_id,
            drafter_id=actor.id,
            current_version=0,
            doc_type=data.doc_type.value,
            title=data.title,
            issue_form=data.issue_form,
        )
        self._apply_fields(document, actor, data)
        self.ctx.session.add(document)
        self.ctx.session.flush()
        self.new_version(document, actor, data.body, data.note, carried=[])
        self.audit.record("create", document=document, actor=actor)
        return document

    def save(self, actor: User, document_id: int, data: DraftInput) -> Document:
        """A new version, only on top of the version the editor started from (no lost update)."""
        document = self.editable(actor, document_id)
        self._require_base(document, data.base_version)
        self._apply_fields(document, actor, data)
        previous = self.version(document)
        self.new_version(document, actor, data.body, data.note, carried=list(previous.attachments))
        self.audit.record("save", document=document, actor=actor, note=data.note)
        return document

    @staticmethod
    def _require_base(document: Document, base_version: int | None) -> None:
        if base_version is None:
            raise Invalid(
                "base_version_required",
                "保存时须注明所依据的版本（base_version）",
                "a save must name the version it was based on (base_version)",
                field="base_version",
            )
        if base_version != document.current_version:
            raise Conflict(
                "version_conflict",
                f"草稿已被他人修改：当前为第 {document.current_version} 版，您是在第 {base_version} 版上修改的",
                f"the draft changed meanwhile: it is now version {document.current_version}, "
                f"your edit was based on version {base_version}",
                current_version=document.current_version,
                base_version=base_version,
            )

    def add_attachment(self, actor: User, document_id: int, upload: AttachmentUpload) -> Document:
        document = self.editable(actor, document_id)
        if not upload.data:
            raise Invalid("attachment_empty", "附件为空", "the attachment is empty")
        check_size(Upload.attachment, len(upload.data))
        previous = self.version(document)
        version = self.new_version(
            document, actor, self.body(previous), f"添加附件：{upload.title}", carried=list(previous.attachments)
        )
        self.store_attachment(document, version, upload)
        self.audit.record("attach", document=document, actor=actor, title=upload.title)
        return document

    def retitle_attachment(self, actor: User, document_id: int, attachment_id: int, title: str) -> Document:
        """A new title for one attachment (what the 附件说明 and the printed 附件 page call it), as a new version."""
        title = _attachment_title(title)
        document, previous, old = self._attachment_to_change(actor, document_id, attachment_id)
        note = f"修改附件标题：{old.title} → {title}"
        version = self.new_version(document, actor, self.body(previous), note, carried=list(previous.attachments))
        version.attachments[old.position].title = title
        self.audit.record("attachment_retitled", document=document, actor=actor, was=old.title, title=title)
        return document

    def remove_attachment(self, actor: User, document_id: int, attachment_id: int) -> Document:
        """One attachment taken out, as a new version (the earlier versions keep it)."""
        document, previous, old = self._attachment_to_change(actor, document_id, attachment_id)
        kept = [a for a in previous.attachments if a.id != old.id]
        self.new_version(document, actor, self.body(previous), f"删除附件：{old.title}", carried=kept)
        self.audit.record("attachment_removed", document=document, actor=actor, title=old.title)
        return document

    def replace_attachment(
        self, actor: User, document_id: int, attachment_id: int, upload: AttachmentUpload
    ) -> Document:
        """One attachment's file replaced, keeping its title and place, as a new version."""
        if not upload.data:
            raise Invalid("attachment_empty", "附件为空", "the attachment is empty", field="file")
        check_size(Upload.attachment, len(upload.data))
        document, previous, old = self._attachment_to_change(actor, document_id, attachment_id)
        kept = [a for a in previous.attachments if a.id != old.id]
        version = self.new_version(document, actor, self.body(previous), f"替换附件：{old.title}", carried=kept)
        self.store_attachment(document, version, upload.model_copy(update={"title": old.title}))
        new = version.attachments.pop()
        version.attachments.insert(old.position, new)
        for position, attachment in enumerate(version.attachments):
            attachment.position = position
        self.ctx.session.flush()
        self.audit.record("attachment_replaced", document=document, actor=actor, title=old.title)
        return document

    def _attachment_to_change(
        self, actor: User, document_id: int, attachment_id: int
    ) -> tuple[Document, DocumentVersion, Attachment]:
        """The draft (while it may still change: before signing), its current version and one of its attachments."""
        document = self.editable(actor, document_id)
        version = self.version(document)
        found = next((a for a in version.attachments if a.id == attachment_id), None)
        if found is None:
            raise not_found("附件", "attachment", id=attachment_id)
        return document, version, found

    def editable(self, actor: User, document_id: int, lock: bool = True) -> Document:
        """The draft (locked, unless only shown) if the actor drafts for its lead organ and it may still change."""
        read = self.lock_visible if lock else self.get_visible
        document = read(actor, document_id, Level.internal)
        require_role(actor, Role.drafter)
        if actor.organ_id != document.lead_organ_id:
            raise Forbidden("not_drafting_organ", "只有主办机关可以修改草稿", "only the lead organ may edit the draft")
        document.require_status(*EDITABLE)
        return document

    def _apply_fields(self, document: Document, actor: User, data: DraftFields) -> None:
        if not access.is_cleared(actor, data.classification.value):
            raise Invalid(
                "classification_above_clearance",
                f"您的涉密级别不能拟制“{data.classification.value}”公文",
                f"your clearance does not allow drafting a '{data.classification.value}' document",
                field="classification",
            )
        issuer_ids = list(data.issuers)
        if actor.organ_id not in issuer_ids:
            issuer_ids.insert(0, actor.organ_id)
        main = list(dict.fromkeys(data.main_recipients + GroupService(self.ctx).members(data.main_groups)))
        organs = {o.id: o for o in self.organs.get_many(issuer_ids + main + data.copy_recipients)}
        overlap = set(main) & set(data.copy_recipients)
        if overlap:
            raise Invalid("recipient_twice", "同一机关不能既主送又抄送", "an organ is both 主送 and 抄送")
        if not any(p.form == data.issue_form for p in self.organs.get(actor.organ_id).prefixes):
            raise Invalid(
                "issue_form_unknown",
                f"主办机关没有“{data.issue_form}”发文形式的机关代字",
                f"the lead organ has no 机关代字 for the form '{data.issue_form}'",
            )
        for key in ("doc_type", "classification", "urgency"):
            setattr(document, key, getattr(data, key).value)
        for key in ("title", "issue_form", "secrecy_period", "remark", "printing_organ", "release_scope"):
            setattr(document, key, getattr(data, key))
        for key in ("main_recipients_text", "printed_copies"):
            setattr(document, key, getattr(data, key))
        document.attachment_notes = list(data.attachment_notes)
        document.main_groups = list(data.main_groups)
        document.main_recipients_text = data.main_recipients_text or None
        self._sync_relations(document, actor, data)
        _sync_issuers(document, issuer_ids, organs)
        recipients = [(o, RecipientRole.main) for o in main] + [(o, RecipientRole.copy) for o in data.copy_recipients]
        _sync_recipients(document, recipients, organs)
        apply_plan(self.ctx, document, data)

    def _sync_relations(self, document: Document, actor: User, data: DraftFields) -> None:
        """转发 / 答复 links, kept where unchanged (a link re-added in the same flush would collide)."""
        wanted = {kind.value: getattr(data, kind.value) for kind in DRAFT_RELATIONS}
        for kind, target in wanted.items():
            if target is not None and (target == document.id or not self._may_link(actor, target)):
                raise Invalid(
                    "relation_invalid",
                    f"{DRAFT_RELATIONS[LinkKind(kind)]}不存在或无权查看：{target}",
                    f"no such document to refer to, or not visible to you: {target}",
                    field=kind,
                )
        kept = [link for link in document.outgoing_links if wanted.get(link.kind, link.to_id) == link.to_id]
        have = {(link.kind, link.to_id) for link in kept}
        added = [
            DocumentLink(to_id=target, kind=kind, how="manual")
            for kind, target in wanted.items()
            if target is not None and (kind, target) not in have
        ]
        document.outgoing_links = kept + added

    def _may_link(self, actor: User, target_id: int) -> bool:
        return access.may_read(self.ctx.session, actor, target_id)

    def new_version(
        self, document: Document, actor: User, body: str, note: str | None, carried: list[Attachment]
    ) -> DocumentVersion:
        number = document.current_version + 1
        key = version_body_key(document.id, number)
        data = body.encode("utf-8")
        digest = stage_object(self.ctx.session, self.ctx.store, key, data, "text/plain; charset=utf-8")
        version = DocumentVersion(
            document_id=document.id,
            number=number,
            fields=snapshot_fields(document),
            body_key=key,
            body_sha256=digest,
            body_size=len(data),
            note=note,
            created_by_id=actor.id,
            created_at=self.ctx.now(),
        )
        for position, old in enumerate(carried):
            version.attachments.append(
                Attachment(
                    position=position,
                    title=old.title,
                    filename=old.filename,
                    content_type=old.content_type,
                    key=old.key,
                    size=old.size,
                    sha256=old.sha256,
                )
            )
        self.ctx.session.add(version)
        document.current_version = number
        self.ctx.session.flush()
        return version

    def store_attachment(self, document: Document, version: DocumentVersion, upload: AttachmentUpload) -> None:
        position = len(version.attachments)
        name = safe_filename(upload.filename)
        key = unique_key(f"documents/{document.id}/v{version.number}", f"att-{position + 1}-{name}")
        digest = stage_object(self.ctx.session, self.ctx.store, key, upload.data, upload.content_type)
        version.attachments.append(
            Attachment(
                position=position,
                title=upload.title.strip() or name,
                filename=name,
                content_type=upload.content_type,
                key=key,
                size=len(upload.data),
                sha256=digest,
            )
        )
        self.ctx.session.flush()


def _sync_issuers(document: Document, organ_ids: list[int], organs: dict[int, Organ]) -> None:
    """Update the issuer rows in place (replacing them would insert before deleting the same keys)."""
    existing = {i.organ_id: i for i in document.issuers}
    document.issuers = [existing.get(o) or DocumentIssuer(organ_id=o, organ=organs[o]) for o in organ_ids]
    for position, issuer in enumerate(document.issuers):
        issuer.position = position


def _sync_recipients(document: Document, recipients: list[tuple[int, RecipientRole]], organs: dict[int, Organ]) -> None:
    existing = {r.organ_id: r for r in document.recipients}
    document.recipients = [existing.get(o) or DocumentRecipient(organ_id=o, organ=organs[o]) for o, _ in recipients]
    for position, (row, (_, role)) in enumerate(zip(document.recipients, recipients, strict=True)):
        row.position = position
        row.role = role.value


def version_body_key(document_id: int, number: int) -> str:
    """Where a version's body text is stored: a key no other write uses."""
    return unique_key(f"documents/{document_id}/v{number}", "body.txt")


def snapshot_fields(document: Document) -> dict[str, Any]:
    """The metadata of a version, as it was saved (for history and diffs)."""
    return {
        "doc_type": document.doc_type,
        "title": document.title,
        "issue_form": document.issue_form,
        "issuers": [i.organ_id for i in document.issuers],
        "main_recipients": [r.organ_id for r in document.recipients if r.role == RecipientRole.main.value],
        "main_groups": list(document.main_groups),
        "main_recipients_text": document.main_recipients_text,
        "copy_recipients": [r.organ_id for r in document.recipients if r.role == RecipientRole.copy.value],
        "classification": document.classification,
        "secrecy_period": document.secrecy_period,
        "urgency": document.urgency,
        "attachment_notes": list(document.attachment_notes),
        "remark": document.remark,
        "printed_copies": document.printed_copies,
        "printing_organ": document.printing_organ,
        "release_scope": document.release_scope,
        **plan_snapshot(document),
        **{kind.value: document.linked(kind.value) for kind in DRAFT_RELATIONS},
    }


def draft_input_of(fields: dict[str, Any], body: str, note: str | None, base_version: int) -> DraftInput:
    """A saved version's fields as the input of the next save: every field survives (only the body changes)."""
    data = {k: v for k, v in fields.items() if not k.startswith("report_")} | plan_of_old_fields(fields)
    return DraftInput.model_validate({**data, "body": body, "note": note, "base_version": base_version})


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


MAX_ATTACHMENT_TITLE = 200


def _attachment_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise Invalid("attachment_title_required", "请填写附件标题", "an attachment needs a title", field="title")
    if len(title) > MAX_ATTACHMENT_TITLE:
        raise Invalid(
            "attachment_title_too_long", f"附件标题不能超过 {MAX_ATTACHMENT_TITLE} 个字", "the title is too long",
            field="title",
        )  # fmt: skip
    return title
