"""What the annual run files, where, and what it holds back and why (DA/T 22 §3.1, 国家档案局令第8号 DOMAIN.md §3.7).

A finished document of the year becomes a 件 (grouped with the documents it forwards or answers) and is filed in
the fonds of every organ that must keep it: a 发文 in its lead organ's (the original) and, when joint, a copy in
each co-issuer's; a 请示 answered by a 批复 as one 件 in both the answering and the asking organ's; a report-back
in its sender's and in the fonds of the office it reports to; a 收文 that the receiving organ had to handle (办件),
with its 处理单, in the receiving organ's. A document already filed in a fonds is not filed there again.

Held back, each with its reason: a plan whose 反馈事项 are still open, a report sent back for 补报 or not yet 签收,
a 收文 not yet 办结, a 件 whose organ has no fonds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.archive.fonds import FondsRef, FondsService
from services.archive.repository import ArchiveRepository
from services.archive.rules import Group
from services.context import Context
from services.domain.enums import DRAFT_RELATIONS, DocKind, DocStatus, IncomingState, LinkKind, SubmissionStatus
from services.domain.models import Document

FINISHED = (DocStatus.distributed.value, DocStatus.received.value)


@dataclass
class Filing:
    """One 件 to be filed in one fonds."""

    fonds: FondsRef
    group: Group
    remark: str | None = None
    is_copy: bool = False


@dataclass
class Selection:
    filings: list[Filing] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    planned: set[tuple[str, int]] = field(default_factory=set)  # (fonds, document) of the filings

    def explanation(self) -> str | None:
        """Why nothing is eligible, in the archivist's words; None when something is."""
        if self.filings:
            return None
        c = self.counts
        return (
            f"本年度没有可归档的件：共有公文 {c['documents']} 份，其中未办结 {c['unfinished']} 份、"
            f"导入的 {c['imported']} 份（导入件不经年度归档）、已归档 {c['already_filed']} 份、"
            f"暂缓归档 {c['held']} 份。"
        )


class Selector:
    def __init__(
        self,
        ctx: Context,
        group_replies_with_plan: bool,
        repo: ArchiveRepository | None = None,
        fonds: FondsService | None = None,
    ) -> None:
        self.ctx = ctx
        self.repo = repo or ArchiveRepository(ctx.session)
        self.group_replies_with_plan = group_replies_with_plan
        self.fonds = (fonds or FondsService(ctx, self.repo)).by_organ()
        self.organ_names = self.repo.organ_names()

    def of_year(self, year: int, only: str | None) -> Selection:
        """The 件 of ``year`` to file (in fonds ``only``, or in every fonds), what is held back and the counts."""
        docs = self.repo.documents_of_year(year)  # DA/T 22 §3.2: the 签发 year
        finished = [d for d in docs if d.status in FINISHED]
        filed = self._filed({d.id for d in finished})
        reasons = self._hold_reasons(finished)
        selection = Selection()
        for group in self._groups(finished):
            for filing in self._filings(group):
                if filing.group.main.id in filed.get(filing.fonds.code, set()):
                    continue
                filing.group.members = [
                    (d, role) for d, role in filing.group.members if d.id not in filed.get(filing.fonds.code, set())
                ]
                self._place(selection, filing, reasons)
        for filing in self._incoming(finished, filed, selection):
            self._place(selection, filing, reasons)
        self._held_without_fonds(selection, finished, filed)
        if only is not None:
            selection.filings = [f for f in selection.filings if f.fonds.code == only]
            selection.held = [h for h in selection.held if h["fonds"] in (only, None)]
            selection.planned = {(f.fonds.code, d.id) for f in selection.filings for d in f.group.documents}
        selection.counts = self._counts(year, docs, finished, selection, filed)
        return selection

    # -- the documents ------------------------------------------------------------------------------------------

    def _filed(self, ids: set[int]) -> dict[str, set[int]]:
        """Per fonds, the documents of these already filed there."""
        found: dict[str, set[int]] = {}
        for code, doc_id in self.repo.filed(ids):
            found.setdefault(code, set()).add(doc_id)
        return found

    def _groups(self, docs: list[Document]) -> list[Group]:
        """转发文 + 被转发文 and 复文 + 来文 (请示 + 批复) are one 件, the 转发文 / 复文 first (DA/T 22 §3.1); a
        report-back joins its plan when so configured; everything else is a 件 of its own."""
        by_id = {d.id: Group(d) for d in docs if d.kind == DocKind.outgoing.value}
        joined = self._join_related(by_id)
        groups = [g for g in by_id.values() if g.main.id not in joined]
        for doc in docs:
            if doc.kind == DocKind.outgoing.value or doc.id in joined:
                continue
            plan = by_id.get(doc.reply_to_id or 0)
            if self.group_replies_with_plan and plan is not None:
                plan.members.append((doc, "来文"))
            else:
                groups.append(Group(doc))
        return groups

    def _join_related(self, by_id: dict[int, Group]) -> set[int]:
        joined: set[int] = set()
        for from_id, kind, target in self.repo.related(by_id):
            if target.id in joined or from_id in joined or target.id == from_id:
                continue
            by_id[from_id].members.append((target, DRAFT_RELATIONS[LinkKind(kind)]))
            joined.add(target.id)
            if target.id in by_id:  # the 来文's own members (what it 转发s) follow it
                by_id[from_id].members.extend(by_id[target.id].members)
        return joined

    # -- where each 件 goes -------------------------------------------------------------------------------------

    def _filings(self, group: Group) -> list[Filing]:
        """The fonds that keep this 件 (DOMAIN.md §3.7), the original's first; an organ without a fonds is skipped
        here and reported by :meth:`_held_without_fonds`."""
        main = group.main
        keepers: list[tuple[int | None, str | None, bool]] = [(self._producer(main), None, False)]
        asked = [d for d, role in group.members if role == DRAFT_RELATIONS[LinkKind.answers]]
        for request in asked:  # Art. 7 (iv)/(viii): the asking organ keeps the 请示 with the 批复 too
            keepers.append((self._producer(request), None, False))
        if main.kind == DocKind.outgoing.value and main.is_joint:  # Art. 11: each co-issuer files a copy
            lead = self.fonds.get(main.lead_organ_id or 0)
            where = f"原件存 {lead.code} 全宗" if lead else "原件存主办机关"
            for issuer in main.issuers:
                keepers.append((issuer.organ_id, f"复制件（{where}）", True))
        if main.kind == DocKind.reply.value and main.reply_to_id:  # Art. 3: the office it reports to keeps it
            plan = self.repo.document(main.reply_to_id)
            if plan is not None:
                sender = self.organ_names.get(main.source_organ_id or 0, "")
                keepers.append((plan.lead_organ_id, f"来文（{sender}报送）", False))
        filings: list[Filing] = []
        for organ_id, remark, is_copy in keepers:
            fonds = self.fonds.get(organ_id or 0)
            if fonds is None or any(f.fonds.code == fonds.code for f in filings):
                continue
            filings.append(Filing(fonds, Group(main, list(group.members)), remark, is_copy))
        return filings

    @staticmethod
    def _producer(doc: Document) -> int | None:
        """The organ whose record a document is: its lead organ; a report-back's sender; an import's holder."""
        return doc.lead_organ_id or doc.source_organ_id or doc.owner_organ_id

    def _incoming(self, docs: list[Document], filed: dict[str, set[int]], selection: Selection) -> list[Filing]:
        """收文 the receiving organ had to handle (办件), with its 收文处理单, in its fonds (Art. 3); 阅件 are not
        filed there (Art. 4). One still being handled waits in that fonds only."""
        by_id = {d.id: d for d in docs}
        filings = []
        for record in self.repo.incoming_to_handle(by_id):
            fonds = self.fonds.get(record.organ_id)
            doc = by_id[record.document_id or 0]
            if fonds is None or doc.id in filed.get(fonds.code, set()):
                continue
            if record.state != IncomingState.closed.value:
                organ = self.organ_names.get(record.organ_id, "")
                selection.held.append(self._held(doc, fonds.code, [f"{organ}收文 {record.number} 尚未办结"]))
                continue
            filings.append(Filing(fonds, Group(doc), f"收文 {record.number}"))
        return filings

    def _place(self, selection: Selection, filing: Filing, reasons: dict[int, list[str]]) -> None:
        """A filing joins the 件 to file unless it is already planned in that fonds or one of its documents waits."""
        if (filing.fonds.code, filing.group.main.id) in selection.planned:
            return
        waiting = [r for d in filing.group.documents for r in reasons.get(d.id, [])]
        if waiting:
            selection.held.append(self._held(filing.group.main, filing.fonds.code, waiting))
        else:
            selection.filings.append(filing)
            selection.planned |= {(filing.fonds.code, d.id) for d in filing.group.documents}

    @staticmethod
    def _held(doc: Document, fonds: str | None, reasons: list[str]) -> dict[str, Any]:
        return {
            "document_id": doc.id,
            "title": doc.title,
            "doc_number": doc.doc_number,
            "fonds": fonds,
            "reasons": list(dict.fromkeys(reasons)),
        }

    # -- what waits -------------------------------------------------------------------------------------------

    def _hold_reasons(self, docs: list[Document]) -> dict[int, list[str]]:
        """Per document, why it may not be filed yet: 反馈事项 still open, reports not yet 签收 or sent back for
        补报 (DOMAIN.md §5)."""
        today = self.ctx.today()
        ids = [d.id for d in docs]
        reasons: dict[int, list[str]] = {}
        for doc_id, title, until in self.repo.open_obligations(ids, today):
            reasons.setdefault(doc_id, []).append(f"反馈事项“{title}”尚未结束（至 {until.isoformat()}）")
        for doc_id, _, count in self.repo.reports_to_accept(ids):
            reasons.setdefault(doc_id, []).append(f"{count} 份报送待签收")
        for doc_id, status, why in self.repo.reports_not_accepted(ids):
            if status == SubmissionStatus.returned.value:
                reasons.setdefault(doc_id, []).append(f"已退回补报（{why or '未说明理由'}），待重新报送")
            else:
                reasons.setdefault(doc_id, []).append("报送尚未签收")
        return reasons

    def _held_without_fonds(self, selection: Selection, docs: list[Document], filed: dict[str, set[int]]) -> None:
        """A finished document whose own organ keeps no fonds here is reported, never filed in another's."""
        planned = {doc_id for _, doc_id in selection.planned} | {h["document_id"] for h in selection.held}
        planned |= set().union(*filed.values()) if filed else set()
        for doc in docs:
            producer = self._producer(doc)
            if doc.id in planned or producer is None or producer in self.fonds:
                continue
            name = self.organ_names.get(producer, "")
            selection.held.append(self._held(doc, None, [f"{name}未设全宗号（由管理员在“全宗”页设置）"]))

    def _counts(
        self,
        year: int,
        docs: list[Document],
        finished: list[Document],
        selection: Selection,
        filed: dict[str, set[int]],
    ) -> dict[str, int]:
        in_any = set().union(*filed.values()) if filed else set()
        planned = {doc_id for _, doc_id in selection.planned}
        held = {h["document_id"] for h in selection.held}
        return {
            "documents": len(docs),
            "unfinished": sum(1 for d in docs if d.status not in FINISHED and d.status != DocStatus.imported.value),
            "imported": sum(1 for d in docs if d.status == DocStatus.imported.value),
            "already_filed": sum(1 for d in finished if d.id in in_any and d.id not in planned and d.id not in held),
            "held": len(held),
            "eligible": len(planned),
        }
