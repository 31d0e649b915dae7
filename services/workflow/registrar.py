"""The registrar's gate before issuing (DOMAIN.md §1.5 发文: 复核 → 登记 → 印制 → 核发; §4.1: each step a
process record). After the last signature a document of an organ with the gate on waits here instead of being
issued at once; each step is a decision of the lead organ's registrar, recorded and audited. 核发 hands the
document to the automatic steps (印制 and distribution through the outbox, flows/document.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services import access
from services.access import Level, require_role
from services.audit.service import AuditService
from services.context import Context
from services.documents.service import DocumentService
from services.domain.enums import REGISTRAR_STEPS, DocStatus, JobStep, Role
from services.domain.models import Document, IssueRecord, Organ, OrganSeal, SealRecord, User
from services.errors import Conflict, Forbidden, Invalid
from services.jobs.service import JobService
from services.registrar.repository import QueuedDocument, RegistrarRepository
from services.registrar.rules import check_copies, needs_copy_numbers, parse_copy_numbers
from services.rendering.model import DocFormat, choose_format
from services.seal.service import SealService
from services.workflow.service import WorkflowService, confirm_delivery, uncleared_detail

MAX_OPINION = 2000
MAX_NAME = 50


@dataclass(frozen=True)
class Registration:
    """What the registrar confirms at 登记."""

    recipient_ids: Sequence[int]  # 分送范围 as the registrar confirmed it: must be the signed text's recipients
    copies: int  # 印制份数
    copy_numbers: str = ""  # 份号 as written (required for 机密/绝密)
    confirm_uncleared: bool = False  # distribute to recipients where nobody is cleared for the 密级, knowingly


class RegistrarService:
    def __init__(
        self,
        ctx: Context,
        *,
        documents: DocumentService | None = None,
        workflow: WorkflowService | None = None,
        audit: AuditService | None = None,
        repository: RegistrarRepository | None = None,
        seals: SealService | None = None,
    ) -> None:
        self.ctx = ctx
        self.documents = documents or DocumentService(ctx)
        self.workflow = workflow or WorkflowService(ctx)
        self.audit = audit or AuditService(ctx)
        self.repository = repository or RegistrarRepository(ctx.session)
        self.seals = seals or SealService(ctx, audit=self.audit)

    # -- reading ---------------------------------------------------------------------------------------------

    def queue(self, actor: User) -> Sequence[Document]:
        """待办 of a registrar: the lead organ's documents waiting for 复核, 登记, 用印 or 核发."""
        if not actor.has_role(Role.registrar):
            return []
        return self.repository.queue(actor.organ_id, access.readable_filter(actor, Level.internal))

    def record(self, actor: User, document_id: int) -> tuple[Document, IssueRecord | None]:
        """A document (as an issuing organ reads it) and what the registrar recorded of it so far."""
        document = self.documents.get_visible(actor, document_id, Level.internal)
        return document, self.repository.record(document.id)

    def queued(self, actor: User) -> list[QueuedDocument]:
        """:meth:`queue` as the 待办 lists it: plain rows from a statement built once per reader."""
        if not actor.has_role(Role.registrar):
            return []
        return self.repository.queued(access.reader_of(actor))

    def step_of(self, document: Document | QueuedDocument) -> str | None:
        """The registrar's step a document waits for, in Chinese, or None."""
        return REGISTRAR_STEPS.get(DocStatus(document.status))

    # -- decisions -------------------------------------------------------------------------------------------

    def recheck(self, actor: User, document_id: int, opinion: str | None, changed_body: str | None = None) -> Document:
        """复核: confirm the signed text, or change it, which sends the new version back to every signer."""
        document = self._take(actor, document_id, DocStatus.rechecking)
        opinion = _text(opinion, "opinion", MAX_OPINION)
        version = self.documents.version(document)
        if changed_body is not None and changed_body.strip() and changed_body != self.documents.body(version):
            if not opinion:
                raise Invalid(
                    "reason_required", "复核修改须说明理由", "a change at 复核 needs a reason", field="opinion"
                )
            self.workflow.require_printable(document, changed_body)
            self.documents.new_version(document, actor, changed_body, f"复核修改：{opinion}", list(version.attachments))
            self.workflow.open_signing_round(document)
            document.written_on = None  # 成文日期 is the date the last signer signs the changed text
            self.audit.record("recheck_changed", document=document, actor=actor, opinion=opinion)
            return document
        self.workflow.verify_signed_version(document)
        record = self.repository.record_for_update(document)
        record.rechecked_by_id, record.rechecked_at, record.recheck_opinion = actor.id, self.ctx.now(), opinion
        document.move(DocStatus.registering)
        self.audit.record("rechecked", document=document, actor=actor, opinion=opinion)
        return document

    def register(self, actor: User, document_id: int, registration: Registration) -> Document:
        """登记: 分送范围 confirmed, 印制份数, 份号 for 机密/绝密 copies, and the 发文字号 (gap-free, allocated
        in this transaction under the sequence's row lock, so a refused 登记 takes no number)."""
        document = self._take(actor, document_id, DocStatus.registering)
        copies = check_copies(registration.copies)
        numbers = self._copy_numbers(document, registration.copy_numbers, copies)
        recipients = self._confirmed_recipients(document, registration.recipient_ids)
        uncleared = confirm_delivery(document, registration.confirm_uncleared)
        self.workflow.verify_signed_version(document)
        self.workflow.require_printable(document)  # an organ renamed since 审核: refused before a number is taken
        number = self.workflow.allocate_number(document)
        document.printed_copies = copies
        record = self.repository.record_for_update(document)
        record.registered_by_id, record.registered_at = actor.id, self.ctx.now()
        record.copies, record.copy_numbers, record.recipients = copies, numbers, recipients
        document.move(DocStatus.sealing)
        self.audit.record(
            "registered",
            document=document,
            actor=actor,
            doc_number=number,
            copies=copies,
            copy_numbers=_span(numbers),
            recipients=len(recipients),
            **uncleared_detail(uncleared),
        )
        return document

    def seal(self, actor: User, document_id: int, applied_by: Mapping[int, str]) -> Document:
        """用印: every issuing organ's seal, in organ order, with the person who pressed it (GB/T 9704 §7.3.5); each
        organ's electronic seal in use (made now when it has none) is recorded, and pressed on the issued files."""
        document = self._take(actor, document_id, DocStatus.sealing)
        issuers = [i.organ for i in document.issuers]
        unsealed = choose_format(document.doc_type, document.issue_form) is DocFormat.minutes  # 纪要: no seal
        names = {organ_id: _text(name, "applied_by", MAX_NAME) for organ_id, name in applied_by.items()}
        unknown = set(names) - {o.id for o in issuers}
        missing = [o.short_name for o in issuers if not names.get(o.id)]
        if unknown or (missing and not unsealed):
            raise Invalid(
                "seals_incomplete",
                f"须逐一记录各发文机关印章的用印人：{'、'.join(missing) or '有不属于本文发文机关的印章'}",
                "record who pressed each issuing organ's seal, and only theirs",
                field="applied_by",
            )
        pressed = [(n, o) for n, o in enumerate(issuers) if names.get(o.id)]
        versions = self._electronic_seals(actor, document, [o for _, o in pressed])
        record = self.repository.record_for_update(document)
        now = self.ctx.now()
        record.seals = [
            SealRecord(organ_id=o.id, position=n, applied_by=names[o.id], recorded_by_id=actor.id, applied_at=now)
            for n, o in pressed
        ]
        for pressed_seal in record.seals:
            pressed_seal.seal_id = versions[pressed_seal.organ_id].id
        record.sealed_at = now
        document.move(DocStatus.releasing)
        seals = [f"{o.name}：{names[o.id]}（电子印章第 {versions[o.id].version} 版）" for _, o in pressed]
        self.audit.record("sealed", document=document, actor=actor, seals=seals, note="；".join(seals) or "不用印")
        return document

    def release(self, actor: User, document_id: int, confirm_uncleared: bool = False) -> Document:
        """核发: the registrar releases the registered, sealed document; 印制 and distribution follow (outbox). A
        recipient where nobody is cleared for the 密级 (now: clearances change) is named and must be confirmed."""
        document = self._take(actor, document_id, DocStatus.releasing)
        uncleared = confirm_delivery(document, confirm_uncleared)
        record = self.repository.record_for_update(document)
        record.released_by_id, record.released_at = actor.id, self.ctx.now()
        document.move(DocStatus.signed)
        JobService(self.ctx).enqueue(JobStep.issue, document.id)
        self.audit.record(
            "released", document=document, actor=actor, doc_number=document.doc_number,
            **uncleared_detail(uncleared),
        )  # fmt: skip
        return document

    # -- helpers ---------------------------------------------------------------------------------------------

    def _electronic_seals(self, actor: User, document: Document, organs: Sequence[Organ]) -> dict[int, OrganSeal]:
        """Each organ's electronic seal in use, if the actor may press it (services/access.py)."""
        for organ in organs:
            access.require_press_seal(actor, organ.id, document.lead_organ_id or organ.id)
        return {o.id: self.seals.for_pressing(actor, o) for o in organs}

    def _take(self, actor: User, document_id: int, step: DocStatus) -> Document:
        """The document, locked, if the actor is its lead organ's registrar and it waits for this step."""
        document = self.documents.lock_visible(actor, document_id, Level.internal)
        require_role(actor, Role.registrar)
        if actor.organ_id != document.lead_organ_id:
            raise Forbidden(
                "not_issuing_office", "只有主办机关的登记人员可以办理", "only the lead organ's registrar handles this"
            )
        if document.status != step.value:
            now = REGISTRAR_STEPS.get(DocStatus(document.status))
            raise Conflict(
                "registrar_step_not_due",
                f"本文当前不在“{REGISTRAR_STEPS[step]}”环节" + (f"（待{now}）" if now else "（可能已由他人办理）"),
                f"the document is not waiting for {step.value} (it is '{document.status}')",
                status_now=document.status,
            )
        return document

    def _copy_numbers(self, document: Document, text: str, copies: int) -> list[str]:
        if len(text) > 20 * 10_000:
            raise Invalid("copy_numbers_too_long", "份号填写过长", "the 份号 list is too long", status=413)
        if needs_copy_numbers(document.classification):
            if not text.strip():
                raise Invalid(
                    "copy_numbers_required",
                    f"{document.classification}公文须逐份编排份号",
                    f"a {document.classification} document needs a 份号 for every copy",
                    field="copy_numbers",
                )
            return parse_copy_numbers(text, copies)
        return parse_copy_numbers(text, copies) if text.strip() else []

    @staticmethod
    def _confirmed_recipients(document: Document, confirmed: Sequence[int]) -> list[dict[str, object]]:
        signed = list(document.recipients)
        if sorted(set(confirmed)) != sorted(r.organ_id for r in signed) or len(set(confirmed)) != len(confirmed):
            raise Invalid(
                "distribution_mismatch",
                "分送范围与签发稿的主送、抄送不一致；改动分送范围须在复核时修改并重新签发",
                "the distribution list differs from the signed 主送/抄送; change it at 复核 and sign again",
                field="recipients",
            )
        return [{"organ_id": r.organ_id, "organ": r.organ.name, "role": r.role} for r in signed]


def _text(value: str | None, field: str, limit: int) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise Invalid("text_too_long", f"填写内容超过 {limit} 字", f"more than {limit} characters", field=field)
    return text or None


def _span(numbers: list[str]) -> str | None:
    """份号 as the audit shows them: the first and last, and how many."""
    if not numbers:
        return None
    return numbers[0] if len(numbers) == 1 else f"{numbers[0]}—{numbers[-1]}（{len(numbers)} 个）"
