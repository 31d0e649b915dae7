"""核发 and what follows (DOMAIN.md §1.5, §5): inboxes, 签收 and each user's 待办 (reports and 催办 live in
services/obligations)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services import access
from services.access import Level
from services.audit.service import AuditService
from services.context import Context
from services.distribution.repository import InboxRepository
from services.documents.repository import DRAFTS, STALLED, WAITING, DocumentRepository, Shown
from services.documents.service import DocumentService
from services.domain.enums import DocStatus, Role
from services.domain.models import InboxItem, User
from services.errors import Conflict, Forbidden
from services.incoming.service import IncomingService
from services.indexing.service import IndexingService
from services.obligations.service import ObligationService
from services.obligations.tasks import TaskService


class DistributionService:
    def __init__(
        self,
        ctx: Context,
        *,
        documents: DocumentService | None = None,
        listed: DocumentRepository | None = None,
        audit: AuditService | None = None,
        inboxes: InboxRepository | None = None,
        indexing: IndexingService | None = None,
    ) -> None:
        self.ctx = ctx
        self.documents = documents or DocumentService(ctx)
        self.listed = listed or DocumentRepository(ctx.session)
        self.audit = audit or AuditService(ctx)
        self.inboxes = inboxes or InboxRepository(ctx.session)
        self.indexing = indexing or IndexingService(ctx)

    # -- automated: 核发 -------------------------------------------------------------------------------------

    def distribute(self, document_id: int) -> int:
        """Put the issued document in every 主送 and 抄送 inbox, once; its obligations' cadences start today."""
        document = self.documents.lock(document_id)
        if document.status == DocStatus.distributed.value:
            return 0
        document.require_status(DocStatus.issued)
        present = {i.organ_id for i in self.inbox_items(document.id)}
        created = 0
        for recipient in document.recipients:
            if recipient.organ_id not in present:
                self.inboxes.add(
                    InboxItem(
                        document_id=document.id,
                        organ_id=recipient.organ_id,
                        role=recipient.role,
                        delivered_at=self.ctx.now(),
                    )
                )
                created += 1
        incoming = IncomingService(self.ctx)  # every organ it reaches registers it as 收文 (DOMAIN.md §1.5)
        incoming.on_distribution(document, [recipient.organ_id for recipient in document.recipients])
        incoming.close_by_reply(document)  # a 批复 closes the 请示 it answers
        ObligationService(self.ctx).open_on_distribution(document)
        document.move(DocStatus.distributed)
        document.distributed_at = self.ctx.now()
        self.indexing.enqueue(document.id)
        self.audit.record("distributed", document=document, actor=None, recipients=len(document.recipients))
        return created

    # -- recipients ----------------------------------------------------------------------------------------

    def inbox_items(self, document_id: int) -> Sequence[InboxItem]:
        return self.inboxes.of_document(document_id)

    def item_of_organ(self, organ_id: int, document_id: int) -> InboxItem | None:
        """An organ's inbox item on a document, if it is a recipient (read only; the caller has read the document)."""
        return self.inboxes.of_organ(organ_id, document_id)

    def _item_for(self, actor: User, document_id: int) -> InboxItem:
        """The caller's organ's inbox item, locked; reading the document comes first (密级 included)."""
        access.require_read(self.ctx.session, actor, document_id)
        item = self.inboxes.of_organ(actor.organ_id, document_id, lock=True)
        if item is None:
            raise Forbidden("not_a_recipient", "您所在机关不是本文的收文单位", "your organ is not a recipient")
        return item

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

    def distribution_status(self, actor: User, document_id: int) -> list[dict[str, Any]]:
        """Per recipient, delivered and received: for the issuing organs only."""
        document = self.documents.get_visible(actor, document_id, Level.internal)
        return self.inboxes.recipients_status(document.id)

    def inbox(
        self, actor: User, with_parties: bool = True, on_page: bool = False, shown: Shown = Shown()
    ) -> tuple[dict[str, list[Any]], dict[str, int]]:
        """待办: everything that waits on this user, by kind, limited to what the user may read, and the totals of
        its lists of documents (of which ``shown`` says how much to read); documents with their issuers and
        recipients when ``with_parties`` (the API shows them; a plan may have 200 recipients); ``on_page``, as the
        待办 page shows it, also the organ's drafts (``drafts``, to its drafters) and the steps of its documents
        that keep failing (``stalled``)."""
        roles = {"returned": Role.drafter, "to_review": Role.reviewer, "to_sign": Role.signer, DRAFTS: Role.drafter}
        asked = (*WAITING, DRAFTS, STALLED) if on_page else WAITING
        buckets = tuple(b for b in asked if b not in roles or actor.has_role(roles[b]))
        mine, totals = self.listed.waiting(actor, buckets, with_parties, shown)
        obligations = ObligationService(self.ctx)
        mine["obligations_due"] = obligations.todo(actor)
        mine["arrivals"] = list(obligations.arrivals(actor))
        mine["tasks"] = list(TaskService(self.ctx).open_for(actor))
        mine["chases"] = list(obligations.chases_for(actor))
        return mine, totals
