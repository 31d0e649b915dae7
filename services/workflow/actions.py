"""What a user may do next on a document, in one place: the API lists it as the document's ``actions`` and the
pages show a button for each and for nothing else. An action is offered when the document's state is one it acts
in and the transition table lets the document move from there (services/domain/models.py:DOCUMENT_TRANSITIONS),
and the user is who the use case accepts (their organ's part in the document, their role, what they may read:
services/access.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from services import access
from services.access import Level
from services.context import Context
from services.distribution.service import DistributionService
from services.documents.service import EDITABLE
from services.domain.enums import DocStatus, Role, SignoffStatus
from services.domain.models import DOCUMENT_MOVES, Document, User
from services.workflow.service import WorkflowService


class DocAction(StrEnum):
    edit = "edit"  # 修改草稿
    submit = "submit"  # 提交
    review = "review"  # 审核 (通过 or 退回)
    sign = "sign"  # 会签 / 签发 (or 退回)
    issue = "issue"  # 登记印发 again (a signed document whose automatic issuing stalled)
    recheck = "recheck"  # 复核
    register = "register"  # 登记
    seal = "seal"  # 用印
    release = "release"  # 核发
    receive = "receive"  # 签收
    report = "report"  # 报送


# The states each action acts in, and the state it moves the document to (None: it changes no state of the
# document itself). The table must allow that move from the state, or the action is not offered.
ACTS_IN: dict[DocAction, tuple[frozenset[DocStatus], DocStatus | None]] = {
    DocAction.edit: (frozenset(EDITABLE), None),
    DocAction.submit: (frozenset(EDITABLE), DocStatus.submitted),
    DocAction.review: (frozenset({DocStatus.in_review}), DocStatus.returned),
    DocAction.sign: (frozenset({DocStatus.signing}), DocStatus.returned),
    DocAction.issue: (frozenset({DocStatus.signed}), None),
    DocAction.recheck: (frozenset({DocStatus.rechecking}), DocStatus.registering),
    DocAction.register: (frozenset({DocStatus.registering}), DocStatus.sealing),
    DocAction.seal: (frozenset({DocStatus.sealing}), DocStatus.releasing),
    DocAction.release: (frozenset({DocStatus.releasing}), DocStatus.signed),
    DocAction.receive: (frozenset({DocStatus.distributed}), None),
    DocAction.report: (frozenset({DocStatus.distributed}), None),
}
REGISTRAR_ACTIONS = (DocAction.issue, DocAction.recheck, DocAction.register, DocAction.seal, DocAction.release)


def in_state(action: DocAction, status: DocStatus) -> bool:
    states, to = ACTS_IN[action]
    return status in states and (to is None or to in DOCUMENT_MOVES.table[status])


class ActedOn(Protocol):
    """What the actions depend on of a document (an ORM row or a page's plain record)."""

    @property
    def status(self) -> str: ...

    @property
    def lead_organ_id(self) -> int | None: ...


class Delivered(Protocol):
    @property
    def received_at(self) -> dt.datetime | None: ...


class Slot(Protocol):
    @property
    def organ_id(self) -> int: ...

    @property
    def status(self) -> str: ...


def document_actions(
    user: User,
    document: ActedOn,
    level: Level | None,
    item: Delivered | None,
    signoffs: Sequence[Slot],
    owes_reports: bool,
) -> list[DocAction]:
    """What ``user`` may do next on ``document``: ``level`` what they read it at, ``item`` their organ's inbox
    item on it, ``signoffs`` the current signing round, ``owes_reports`` whether their organ owes one of its
    obligations."""
    status = DocStatus(document.status)
    internal = level is not None and level >= Level.internal
    lead = internal and user.organ_id == document.lead_organ_id
    registrar = lead and user.has_role(Role.registrar)
    pending = any(s.organ_id == user.organ_id and s.status == SignoffStatus.pending.value for s in signoffs)
    who = {
        DocAction.edit: lead and user.has_role(Role.drafter),
        DocAction.submit: lead and user.has_role(Role.drafter),
        DocAction.review: lead and user.has_role(Role.reviewer),
        DocAction.sign: internal and user.has_role(Role.signer) and pending,
        DocAction.receive: level is not None and item is not None and item.received_at is None,
        DocAction.report: level is not None and owes_reports,
    } | dict.fromkeys(REGISTRAR_ACTIONS, registrar)
    return [action for action, allowed in who.items() if allowed and in_state(action, status)]


class DocumentActions:
    """The actions of the current user on a document, looked up in the request's unit of work."""

    def __init__(self, ctx: Context, *, workflow: WorkflowService, distribution: DistributionService) -> None:
        self.ctx = ctx
        self.workflow = workflow
        self.distribution = distribution

    def of(self, user: User, document: Document) -> list[DocAction]:
        level = access.level_of(self.ctx.session, user, document.id)
        item = self.distribution.item_of_organ(user.organ_id, document.id)
        signoffs = self.workflow.signoffs(document) if document.status == DocStatus.signing.value else []
        owes = any(user.organ_id in o.owner_ids for o in document.obligations)
        return document_actions(user, document, level, item, signoffs, owes)
