"""The drafting process (DOMAIN.md §1.4–1.5): submit → checks → 审核 → 会签/签发 → 复核/登记 → render → 核发.

Human decisions are methods called with the acting user; automated steps are methods called by Prefect tasks
with ids. Each automated step reads the database to decide what to do, so running it twice does nothing twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, object_session

from services import access
from services.access import Level, require_role
from services.accounts.service import OrganService
from services.audit.service import AuditService
from services.context import Context
from services.db import stage_object, unique_key
from services.documents.service import DocumentService, safe_filename
from services.domain.enums import (
    UPWARD_DOC_TYPES,
    DocStatus,
    JobStep,
    NumberFamily,
    RecipientRole,
    Role,
    SignoffKind,
    SignoffStatus,
    number_family,
)
from services.domain.models import (
    Document,
    DocumentVersion,
    DocumentView,
    Organ,
    Signoff,
    User,
    ofd_key_beside,
    ses_key_beside,
)
from services.errors import Conflict, Forbidden, Invalid
from services.incoming.service import require_superior_addressee
from services.jobs.service import JobService
from services.numbering.service import NumberingService
from services.registrar.repository import registered_copy_numbers
from services.registrar.sheet import IssuingSheetService, sheet_pdf
from services.rendering.fonts import FontSet, find_fonts_dir, unprintable_message
from services.rendering.ofd import MIME as OFD_MIME
from services.rendering.renderer import DocumentRenderer
from services.seal.service import SealService
from services.seal.ses import SealKey
from services.seal.sign import SES_MIME, Stamp, places_of, sign_ofd, sign_pdf
from services.workflow.checks import DraftView, blocking_failures, run_checks

# Every signature is in from here on (the registrar's gate, then issuing).
SIGNED_STATES = frozenset(
    s.value
    for s in (
        DocStatus.rechecking,
        DocStatus.registering,
        DocStatus.sealing,
        DocStatus.releasing,
        DocStatus.signed,
        DocStatus.issued,
        DocStatus.distributed,
    )
)


class WorkflowService:
    def __init__(
        self,
        ctx: Context,
        *,
        documents: DocumentService | None = None,
        audit: AuditService | None = None,
        jobs: JobService | None = None,
        seals: SealService | None = None,
    ) -> None:
        self.ctx = ctx
        self.documents = documents or DocumentService(ctx)
        self.audit = audit or AuditService(ctx)
        self.jobs = jobs or JobService(ctx)
        self.seals = seals or SealService(ctx, audit=self.audit)

    # -- drafter -------------------------------------------------------------------------------------------

    def submit(self, actor: User, document_id: int, confirm_uncleared: bool = False) -> Document:
        """Submit for the format checks; an organ without the registrar's gate issues at the last signature, so a
        recipient where nobody may read the document is named here and must be confirmed."""
        document = self.documents.editable(actor, document_id)
        require_superior_addressee(document, document.lead_organ.parent_id)
        uncleared = [] if document.lead_organ.registrar_gate else confirm_delivery(document, confirm_uncleared)
        document.move(DocStatus.submitted)
        document.returned_reason = None
        self.audit.record("submit", document=document, actor=actor, **uncleared_detail(uncleared))
        self.jobs.enqueue(JobStep.check, document.id)
        return document

    # -- automated: format checks --------------------------------------------------------------------------

    def run_format_checks(self, document_id: int) -> list[dict[str, Any]]:
        document = self.documents.lock(document_id)
        if document.status != DocStatus.submitted.value:
            return []  # already decided by an earlier run
        version = self.documents.version(document)
        results = run_checks(self._draft_view(document, version))
        version.checks = [r.as_dict() for r in results]
        failures = blocking_failures(results)
        if failures:
            document.move(DocStatus.returned)
            document.returned_reason = "；".join(f.zh for f in failures)
            self.audit.record("checks_failed", document=document, actor=None, failed=[f.code for f in failures])
        else:
            document.move(DocStatus.in_review)
            self.audit.record("checks_passed", document=document, actor=None)
        return version.checks

    def _draft_view(self, document: Document, version: DocumentVersion) -> DraftView:
        assert document.lead_organ_id is not None  # drafts always have their lead organ
        organs = OrganService(self.ctx)
        body = self.documents.body(version)
        return DraftView(
            doc_type=document.doc_type,
            title=document.title,
            body=body,
            issuer_ids=[i.organ_id for i in document.issuers],
            lead_organ_id=document.lead_organ_id,
            main_recipient_ids=[r.organ_id for r in document.recipients if r.role == RecipientRole.main.value],
            copy_recipient_ids=[r.organ_id for r in document.recipients if r.role == RecipientRole.copy.value],
            attachment_notes=list(document.attachment_notes),
            attachment_titles=[a.title for a in version.attachments],
            classification=document.classification,
            secrecy_period=document.secrecy_period,
            lead_subordinate_ids=organs.subordinates(document.lead_organ_id),
            lead_prefixes=[p.prefix for p in document.lead_organ.prefixes],
            organ_names={r.organ_id: r.organ.name for r in document.recipients},
            unprintable=self.unprintable(document, body),
        )

    def unprintable(self, document: Document, body: str | None = None) -> list[str]:
        """The characters of what the document prints (title, body — `body` when given —, 附件说明, 附注, the
        organs' names in both scripts, 主送, 印发机关) that no installed face can draw."""
        body = self.documents.body(self.documents.version(document)) if body is None else body
        organs = [i.organ for i in document.issuers] + [r.organ for r in document.recipients]
        printed = [document.title, body, *document.attachment_notes, document.remark or ""]
        printed += [document.main_recipients_text or "", document.printing_organ or ""]
        printed += [name for organ in organs for name in (organ.name, organ.name_alt or "")]
        return FontSet(find_fonts_dir(self.ctx.settings.fonts_dir)).missing("\n".join(printed))

    def require_printable(self, document: Document, body: str | None = None) -> None:
        """Refused, the characters named, when an installed face lacks one (never printed as a box)."""
        unprintable = self.unprintable(document, body)
        if unprintable:
            raise Invalid("unprintable_character", *unprintable_message(unprintable))

    # -- reviewer ------------------------------------------------------------------------------------------

    def review(self, actor: User, document_id: int, approve: bool, opinion: str | None) -> Document:
        document = self.documents.lock_visible(actor, document_id, Level.internal)
        require_role(actor, Role.reviewer)
        if actor.organ_id != document.lead_organ_id:
            raise Forbidden("not_reviewing_organ", "只有主办机关办公室可以审核", "only the lead organ reviews")
        document.require_status(DocStatus.in_review)
        if approve:
            self.require_printable(document)  # fonts removed, or an organ renamed, since the format checks
            self.open_signing_round(document)
            self.audit.record("review_approved", document=document, actor=actor, opinion=opinion)
        else:
            if not opinion or not opinion.strip():
                raise Invalid("reason_required", "退回须说明理由", "a return needs a reason", field="opinion")
            document.move(DocStatus.returned)
            document.returned_reason = opinion.strip()
            self.audit.record("review_returned", document=document, actor=actor, opinion=opinion)
        return document

    def open_signing_round(self, document: Document) -> None:
        """Every issuing organ's head signs in parallel: co-issuers 会签, the lead 签发 (条例 Art. 22); also after
        a substantive change at 复核, which goes back to the signers (DOMAIN.md §1.5)."""
        document.move(DocStatus.signing)
        document.signing_round += 1
        for issuer in document.issuers:
            kind = SignoffKind.sign if issuer.organ_id == document.lead_organ_id else SignoffKind.countersign
            self.ctx.session.add(
                Signoff(
                    document_id=document.id,
                    organ_id=issuer.organ_id,
                    round=document.signing_round,
                    kind=kind.value,
                )
            )

    # -- signers -------------------------------------------------------------------------------------------

    def signoffs(self, document: Document, current_round_only: bool = True) -> list[Signoff]:
        query = select(Signoff).where(Signoff.document_id == document.id).options(joinedload(Signoff.signer))
        if current_round_only:
            query = query.where(Signoff.round == document.signing_round)
        return list(self.ctx.session.scalars(query.order_by(Signoff.round, Signoff.id)))

    def _slot_for(self, actor: User, slots: list[Signoff]) -> Signoff:
        require_role(actor, Role.signer)
        slot = next((s for s in slots if s.organ_id == actor.organ_id), None)
        if slot is None:
            raise Forbidden(
                "not_a_signer", "您所在机关不是本文的联署机关", "your organ is not an issuer of this document"
            )
        return slot

    def signing_view(self, actor: User, document_id: int) -> dict[str, Any]:
        """What a head sees before signing: the version, and exactly what changed since they last looked."""
        document = self.documents.get_visible(actor, document_id, Level.internal)
        last_seen = self._last_seen_version(actor, document)
        current = document.current_version
        diff = self.documents.diff(document, last_seen, current) if last_seen and last_seen != current else None
        self._record_view(actor, document)
        return {"document": document, "last_seen_version": last_seen, "diff": diff}

    def _last_seen_version(self, actor: User, document: Document) -> int | None:
        view = self.ctx.session.get(DocumentView, (actor.id, document.id))
        signed = [s.version for s in self.signoffs(document, False) if s.signer_id == actor.id and s.version]
        seen = [v for v in [view.version if view else None, *signed] if v]
        return max(seen) if seen else None

    def _record_view(self, actor: User, document: Document) -> None:
        view = self.ctx.session.get(DocumentView, (actor.id, document.id))
        if view is None:
            self.ctx.session.add(
                DocumentView(user_id=actor.id, document_id=document.id, version=document.current_version)
            )
        else:
            view.version = document.current_version
            view.seen_at = self.ctx.now()

    def decide_signoff(self, actor: User, document_id: int, approve: bool, opinion: str | None) -> Document:
        document = self.documents.lock_visible(actor, document_id, Level.internal)
        if document.status != DocStatus.signing.value:
            if document.status in SIGNED_STATES:
                raise Conflict("already_signed", "本文已完成签发", "the document is already signed off")
            document.require_status(DocStatus.signing)
        slots = self.signoffs(document)  # the round's: the caller's slot among them, each decided as it stands
        slot = self._slot_for(actor, slots)
        if approve:
            require_signer_name(actor, document)
        slot.signer_id = actor.id
        slot.opinion = (opinion or "").strip() or None
        slot.version = document.current_version
        slot.decided_at = self.ctx.now()
        self._record_view(actor, document)
        if approve:
            slot.decide(SignoffStatus.signed)
            action = "signed" if slot.kind == SignoffKind.sign.value else "countersigned"
            self.audit.record(action, document=document, actor=actor, opinion=slot.opinion, kind=slot.kind)
            self._complete_round_if_signed(document, slots)
        else:
            if not slot.opinion:
                raise Invalid("reason_required", "退回须说明理由", "a rejection needs a reason", field="opinion")
            slot.decide(SignoffStatus.rejected)
            document.move(DocStatus.returned)
            document.returned_reason = f"{actor.organ.short_name}：{slot.opinion}"
            self.audit.record("signoff_rejected", document=document, actor=actor, opinion=slot.opinion)
        return document

    def _complete_round_if_signed(self, document: Document, slots: list[Signoff]) -> None:
        if not all(s.status == SignoffStatus.signed.value for s in slots):
            return
        document.written_on = self.ctx.today()  # 成文日期: the last co-issuer's signing date (Art. 9)
        self.audit.record("all_signed", document=document, actor=None, written_on=document.written_on.isoformat())
        if document.lead_organ.registrar_gate:
            document.move(DocStatus.rechecking)  # waits for the lead organ's registrar (services/registrar)
        else:
            document.move(DocStatus.signed)
            self.jobs.enqueue(JobStep.issue, document.id)

    # -- registrar -----------------------------------------------------------------------------------------

    def request_issue(self, actor: User, document_id: int) -> Document:
        """登记 by hand: queue issuing again for a signed document (e.g. after a failed run)."""
        document = self.documents.lock_visible(actor, document_id, Level.internal)
        require_role(actor, Role.registrar)
        if actor.organ_id != document.lead_organ_id:
            raise Forbidden(
                "not_issuing_office", "只有主办机关的登记人员可以办理", "only the lead organ's registrar handles this"
            )
        if document.status in {DocStatus.issued.value, DocStatus.distributed.value}:
            raise Conflict("already_issued", "本文已印发", "the document is already issued")
        if document.status != DocStatus.signed.value:
            raise Conflict("not_signed", "公文尚未完成签发，不能登记印发", "the document is not signed off yet")
        self.jobs.enqueue(JobStep.issue, document.id)
        self.audit.record("reissue_requested", document=document, actor=actor)
        return document

    # -- automated: 复核, 登记, render, 核发 ------------------------------------------------------------------

    def register(self, document_id: int) -> str:
        """复核 then 登记: allocate the next 发文字号 of the lead's sequence, gap-free and exactly once."""
        document = self.documents.lock(document_id)
        if document.doc_number:
            return document.doc_number
        document.require_status(DocStatus.signed)
        self.verify_signed_version(document)
        self.allocate_number(document)
        self.audit.record("numbered", document=document, actor=None, doc_number=document.doc_number)
        assert document.doc_number is not None
        return document.doc_number

    def allocate_number(self, document: Document) -> str:
        """The next number of the document's family (the caller holds the row lock): the 发文字号 of the lead's
        机关代字 for the 成文日期's year, or the lead organ's 令号 / 纪要期号 (DOMAIN.md §2.3, §2.5)."""
        prefix = self._prefix(document) if number_family(document.doc_type) is NumberFamily.document else None
        number = NumberingService(self.ctx, self.audit).number(document, prefix)
        for issuer in document.issuers:  # a later rename does not change what was issued
            issuer.issued_name = issuer.organ.name
        for recipient in document.recipients:
            recipient.issued_name = recipient.organ.name
        return number

    def verify_signed_version(self, document: Document) -> None:
        """复核: every signature of the last round was given to the version about to be issued."""
        versions = {s.version for s in self.signoffs(document)}
        if versions != {document.current_version}:
            raise Conflict(
                "signature_version_mismatch", "签署版本与待印发版本不一致", "signatures are not on the current version"
            )

    def _prefix(self, document: Document) -> str:
        for row in document.lead_organ.prefixes:
            if row.form == document.issue_form:
                return row.prefix
        raise Invalid("issue_form_unknown", "主办机关缺少机关代字", "the lead organ has no 机关代字 for this form")

    def render(self, document_id: int, renderer: DocumentRenderer) -> str:
        """Render and store in this one transaction (tools and tests; the issue flow splits the two)."""
        rendered = self.render_issued(document_id, renderer)
        return self.store_rendered(document_id, rendered) if rendered else self.rendered_key(document_id)

    def render_issued(self, document_id: int, renderer: DocumentRenderer) -> Rendered | None:
        """The GB/T 9704 layout as HTML and PDF, made without holding a lock (the CPU-heavy half of 印制):
        None when an earlier run already stored it."""
        document = self.documents.get(document_id)
        if document.rendered_pdf_key and document.status != DocStatus.signed.value:
            return None
        document.require_status(DocStatus.signed)
        if not document.doc_number:
            raise Conflict("not_numbered", "尚未登记发文字号", "the document has no 发文字号 yet")
        version = self.documents.version(document)
        printed_on = self.ctx.today()  # 印发日期: the day it is printed and issued, not the 成文日期
        body = self.documents.body(version)
        signoffs = self.signoffs(document)
        first_copy = next(iter(registered_copy_numbers(self.ctx.session, document.id)), None)
        pressed = self.seals.pressed(document)  # the electronic seals recorded at 用印
        names = [i.name for i in document.issuers]
        images = {names[n]: key.image_png for n, key in pressed if n < len(names)}
        html = renderer.document_html(
            document, body, version, signoffs, printed_on=printed_on, copy_number=first_copy, stamps=images
        )
        pdf, pages = renderer.pdf(html)
        ofd = renderer.ofd(html)  # the same layout as OFD (GB/T 33190), stored beside the PDF
        ofd, ses = self._press_seals(
            renderer, html, pdf, ofd, [(names[n], key) for n, key in pressed if n < len(names)]
        )
        # 发文稿纸: every box is filled by now (复核 and 登记 done, seals recorded); filed as its 处理单
        sheet = sheet_pdf(IssuingSheetService(self.ctx).of(document), self.ctx.settings)
        return Rendered(version.number, html, pdf, pages, printed_on, sheet, ofd, ses)

    def _press_seals(
        self, renderer: DocumentRenderer, html: str, pdf: bytes, ofd: bytes, pressed: list[tuple[str, SealKey]]
    ) -> tuple[bytes, bytes | None]:
        """The OFD with each seal's signature embedded, and the PDF's detached signature file (docs/seal.md)."""
        layout = renderer.layout_of(html)
        if not pressed or layout is None:
            return ofd, None
        stamps = [Stamp.of(key, places_of(layout, name)) for name, key in pressed]
        when = self.ctx.now()
        return sign_ofd(ofd, stamps, when), sign_pdf(pdf, stamps, when)

    def store_rendered(self, document_id: int, rendered: Rendered) -> str:
        """Store what `render_issued` made and issue the document, under its row lock (a short write)."""
        document = self.documents.lock(document_id)
        if document.rendered_pdf_key and document.status != DocStatus.signed.value:
            return document.rendered_pdf_key  # another run stored it meanwhile
        document.require_status(DocStatus.signed)
        if document.current_version != rendered.version or not document.doc_number:
            raise Conflict(
                "render_stale", "排版期间公文已变化，请重新排版", "the document changed while it was laid out"
            )
        name = safe_filename(document.doc_number)
        html_key = unique_key(f"documents/{document.id}/issued", f"{name}.html")
        pdf_key = unique_key(f"documents/{document.id}/issued", f"{name}.pdf")
        sheet_key = unique_key(f"documents/{document.id}/issued", f"{name}-发文稿纸.pdf")
        stage_object(self.ctx.session, self.ctx.store, html_key, rendered.html.encode(), "text/html; charset=utf-8")
        stage_object(self.ctx.session, self.ctx.store, pdf_key, rendered.pdf, "application/pdf")
        stage_object(self.ctx.session, self.ctx.store, ofd_key_beside(pdf_key), rendered.ofd, OFD_MIME)
        if rendered.ses is not None:  # the PDF's seals: a detached SES signature file beside it
            stage_object(self.ctx.session, self.ctx.store, ses_key_beside(pdf_key), rendered.ses, SES_MIME)
        stage_object(self.ctx.session, self.ctx.store, sheet_key, rendered.issuing_sheet, "application/pdf")
        document.rendered_html_key, document.rendered_pdf_key = html_key, pdf_key
        document.issuing_sheet_key = sheet_key
        document.page_count = rendered.pages
        document.printed_on = rendered.printed_on
        document.move(DocStatus.issued)
        document.issued_at = self.ctx.now()
        self.audit.record("rendered", document=document, actor=None, pages=rendered.pages)
        return pdf_key

    def rendered_key(self, document_id: int) -> str:
        key = self.documents.get(document_id).rendered_pdf_key
        assert key is not None
        return key


@dataclass(frozen=True)
class Rendered:
    """The issued layout of one version, ready to store."""

    version: int
    html: str
    pdf: bytes
    pages: int
    printed_on: dt.date
    issuing_sheet: bytes  # 发文稿纸 PDF
    ofd: bytes  # the 正本 as OFD (with its seals' signatures when sealed)
    ses: bytes | None = None  # the PDF's detached seal signatures (正本.pdf.ses), when sealed


def require_signer_name(actor: User, document: Document) -> None:
    """A 上行文 prints every signer's name as 签发人 (DOMAIN.md §1.2; GB/T 9704 §7.2.6): whoever signs one must have a
    registered name, or the page would print a placeholder where the name belongs."""
    if document.doc_type in UPWARD_DOC_TYPES and not (actor.person_name or "").strip():
        raise Conflict(
            "signer_name_missing",
            f"上行文须标注签发人姓名：{actor.display_name}的姓名尚未登记，请管理员在用户管理中登记姓名后再签发",
            f"an upward document prints its signer's name: {actor.username} has no registered name; "
            "the admin registers it before signing",
        )


def recipients_without_clearance(document: Document) -> list[Organ]:
    """The recipient organs where nobody is cleared for the document's 密级 (the rule: services/access.py)."""
    session = object_session(document)
    assert session is not None
    found = access.organs_without_clearance(session, [r.organ_id for r in document.recipients], document.classification)
    organs = {r.organ_id: r.organ for r in document.recipients if r.organ_id in found}  # loaded only when named
    return list(organs.values())


def confirm_delivery(document: Document, confirmed: bool) -> list[str]:
    """A 涉密 document distributed where nobody may read it reaches nobody (DOMAIN.md §1.6): at 登记, at 核发, and at
    submission when the organ has no registrar, such recipients are named and the sender must confirm. Returns the
    names confirmed (kept in the audit event)."""
    uncleared = recipients_without_clearance(document)
    names = [o.name for o in uncleared]
    if names and not confirmed:
        level, listed = document.classification, "、".join(names)
        raise Conflict(
            "recipients_without_clearance",
            f"以下收文机关无人具有“{level}”及以上密级权限，分送后无人能够阅读：{listed}。确需照此分送，请勾选确认后再提交",
            f"nobody at these recipient organs is cleared for {level}: {listed}; confirm to distribute anyway",
            field="confirm_uncleared",
            organs=[{"id": o.id, "name": o.name} for o in uncleared],
        )
    return names


def uncleared_detail(names: list[str]) -> dict[str, Any]:
    if not names:
        return {}
    return {"uncleared_recipients": names, "note": "已确认分送至无相应密级人员的机关：" + "、".join(names)}
