"""待办 and 已办: what waits on a user across every kind of work, and what they or their organ have done."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from services import access
from services.context import Context
from services.distribution.service import DistributionService
from services.documents.repository import DRAFTS, STALLED, WAITING, ListedDocument, Shown, StalledStep
from services.domain.models import User
from services.incoming.repository import OwedRecord
from services.incoming.service import IncomingService, Owed
from services.obligations.repository import HandledItem, ObligationRepository
from services.registrar.repository import QueuedDocument
from services.workflow.registrar import RegistrarService


@dataclass(frozen=True)
class Todo:
    """Everything waiting on one user, by kind, as the 待办 page shows it."""

    mine: dict[str, list[Any]]  # DistributionService.inbox: to review, sign, 签收, report, tasks, 催办
    totals: dict[str, int]  # how many each list of documents holds, of which ``mine`` shows the longest waiting
    whole: str  # the list shown whole, if one was asked for
    drafts: list[ListedDocument]
    stalled: list[tuple[StalledStep, ListedDocument]]  # automated steps of the organ's documents that keep failing
    incoming: Owed[OwedRecord]
    to_register: list[tuple[QueuedDocument, str | None]]  # with the registrar's step each waits for
    today: dt.date

    def shown(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Done:
    """One page of the 已办 list."""

    items: list[HandledItem]
    page_no: int
    has_next: bool


class WorkList:
    def __init__(
        self,
        ctx: Context,
        *,
        distribution: DistributionService,
        registrar: RegistrarService,
        incoming: IncomingService,
        repo: ObligationRepository,
    ) -> None:
        self.ctx = ctx
        self.distribution = distribution
        self.registrar = registrar
        self.incoming = incoming
        self.repo = repo

    def todo(self, user: User, whole: str = "") -> Todo:
        """The 待办 of ``user``: only what they may read and act on; of each list of documents the longest waiting,
        the one named ``whole`` (of :data:`WAITING`) whole."""
        whole = whole if whole in WAITING else ""
        mine, totals = self.distribution.inbox(user, with_parties=False, on_page=True, shown=Shown(whole=whole))
        return Todo(
            drafts=mine.pop(DRAFTS, []),
            stalled=mine.pop(STALLED),
            mine=mine,
            totals=totals,
            whole=whole,
            incoming=self.incoming.owed_listed(user),
            to_register=[(d, self.registrar.step_of(d)) for d in self.registrar.queued(user)],
            today=self.ctx.today(),
        )

    def done(self, user: User, page_no: int, size: int) -> Done:
        """已办: what the user or their organ did (审核, 签批, 登记, 签收, 报送 …) on documents they may still read,
        newest first, ``size`` a page."""
        found = self.repo.handled_by(
            user.organ_id, user.id, access.readable_filter(user), size + 1, (page_no - 1) * size
        )
        return Done(found[:size], page_no, len(found) > size)
