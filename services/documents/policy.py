"""Who may see and act on a document: by organ, role and 密级 clearance."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.domain.enums import CLASSIFICATION_RANK, Classification, DocStatus, Role
from services.domain.models import Document, InboxItem, User
from services.errors import Forbidden

DISTRIBUTED = {DocStatus.distributed.value}


def cleared_for(user: User, document: Document) -> bool:
    return (
        CLASSIFICATION_RANK[Classification(user.clearance)]
        >= CLASSIFICATION_RANK[Classification(document.classification)]
    )


def is_issuer_member(user: User, document: Document) -> bool:
    return user.organ_id in {i.organ_id for i in document.issuers}


def can_view(session: Session, user: User, document: Document) -> bool:
    if not cleared_for(user, document):
        return False
    if user.has_role(Role.admin) or user.has_role(Role.archivist):
        return True
    if is_issuer_member(user, document) or user.organ_id in (document.source_organ_id, document.owner_organ_id):
        return True
    if document.reply_to_id is not None:  # a reply is seen by the plan's issuers
        plan = session.get(Document, document.reply_to_id)
        return plan is not None and is_issuer_member(user, plan)
    received = select(InboxItem.id).where(InboxItem.document_id == document.id, InboxItem.organ_id == user.organ_id)
    return session.scalar(received) is not None


def require_view(session: Session, user: User, document: Document) -> None:
    if not can_view(session, user, document):
        # Same answer as an unknown id: an unauthorised caller learns nothing about the document.
        raise Forbidden("document_forbidden", "无权查看该公文", "you may not see this document", id=document.id)


def require_role(user: User, role: Role) -> None:
    if not user.has_role(role):
        raise Forbidden(
            "role_required", f"需要“{role.value}”角色", f"this action needs the '{role.value}' role", role=role.value
        )
