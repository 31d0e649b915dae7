"""反馈事项 at work (DOMAIN.md §5): reports that name the obligation and period they answer, the issuing office's
签收 and 退回补报, the obligations × units dashboard, each unit's open obligations, and 催办 by the rules.

An expected submission is one owner × one period of an obligation; its status is computed from today's date
whenever it is read (services/obligations/rules.py), never stored and never waiting for a nightly job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from services import access
from services.access import Level
from services.accounts.groups import GroupService
from services.audit.service import AuditService
from services.context import Context
from services.documents.schemas import AttachmentUpload
from services.documents.service import DocumentService
from services.domain.enums import (
    CADENCE_ZH,
    OPEN_STATUSES,
    Cadence,
    DocKind,
    DocStatus,
    DocType,
    ExpectedStatus,
    Role,
    SubmissionStatus,
)
from services.domain.models import Chase, Document, Obligation, Submission, User
from services.errors import Conflict, Forbidden, Invalid, not_found
from services.incoming.service import IncomingService
from services.indexing.service import IndexingService
from services.limits import Upload, check_size
from services.obligations.materials import describe_missing, missing_materials
from services.obligations.repository import (
    ArrivedReport,
    ChaseNotice,
    Key,
    ObligationRepository,
    OwedObligation,
)
from services.obligations.rules import (
    Period,
    Schedule,
    Tally,
    backlog_message,
    chase_message,
    expected_status,
    first_start,
    period_end,
    period_of,
    periods,
)

RECENT_PERIODS = 4  # the dashboard lists the overdue periods among each cadence's last four; it counts them all


AnyObligation = Obligation | OwedObligation  # an entity, or an obligation as the 待办 reads it


def schedule_of(obligation: AnyObligation) -> Schedule:
    partial = bool(obligation.partial_first)
    return Schedule(obligation.due_on, obligation.cadence, obligation.starts_on, last_day(obligation), partial)


def _phases_end(obligation: AnyObligation) -> dt.date | None:
    if isinstance(obligation, OwedObligation):
        return obligation.phases_end
    return max((p.ends_on for p in obligation.document.phases), default=None)


def last_day(obligation: AnyObligation) -> dt.date | None:
    """A cadence's last day: its end date, else the end of the plan's last phase, else none (open-ended); a stop
    by the issuing office ends it with the period in progress that day (periods already begun stay owed)."""
    if obligation.cadence is None:
        return obligation.ends_on
    end = obligation.ends_on or _phases_end(obligation)
    if obligation.stopped_on is not None:
        last = period_end(obligation.cadence, obligation.stopped_on)
        end = last if end is None else min(end, last)
    return end


def cadence_zh(obligation: Obligation) -> str:
    if obligation.cadence is None:
        return ""
    return f"{CADENCE_ZH[Cadence(obligation.cadence)]}至少 {obligation.at_least} 次"


@dataclass(frozen=True)
class Expected:
    """One expected submission as of today: obligation × unit × period, with its status."""

    obligation: AnyObligation
    organ_id: int
    period: Period
    status: ExpectedStatus
    standing: int
    today: dt.date
    chases: int = 0
    reply_id: int | None = None
    owed: tuple[Period, ...] = ()  # every open period the unit owes on this obligation (待办, 催办), when counted
    returned_reason: str | None = None  # why its report was sent back, when 退回补报 (the unit's 待办)

    @property
    def missing(self) -> int:
        return max(0, self.obligation.at_least - self.standing)

    @property
    def days_left(self) -> int:
        return (self.period.due - self.today).days

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def label(self) -> str:
        return self.period.label(self.obligation.cadence)


@dataclass
class Dashboard:
    """The issuing office's obligations × units matrix for one period of each cadence, and what is overdue."""

    document: Document
    obligations: list[Obligation]
    units: list[tuple[int, str]]
    cells: dict[tuple[int, int], Expected]
    overdue: list[Expected]
    day: dt.date
    today: dt.date
    received: dict[int, dt.datetime | None] = field(default_factory=dict)
    late: dict[tuple[int, int], int] = field(default_factory=dict)  # every overdue period per obligation × unit
    tasks: dict[int, tuple[int, int]] = field(default_factory=dict)  # per unit: tasks done, tasks in all
    recent_periods: int = RECENT_PERIODS  # how many of a cadence's last periods ``overdue`` looks through
    arrivals: Sequence[ArrivedReport] = ()  # reports waiting for the office to 签收 or return
    # Units where nobody is cleared for the plan's 密级: it reached nobody there, so they are shown apart
    # (无相应密级人员), never as 未报 or 逾期, and never chased.
    uncleared: list[tuple[int, str]] = field(default_factory=list)
    # Recipients the plan asks nothing of (a 抄送 organ, say): listed with their 签收 below the units that owe.
    others: list[tuple[int, str]] = field(default_factory=list)
    chased: dict[int, tuple[int, dt.date]] = field(default_factory=dict)  # per unit: 催办 on this plan, the last day

    @property
    def rows(self) -> list[tuple[int, str]]:
        """Every unit the table lists, in order: the header's counts are counted over these."""
        return self.units + self.others

    @property
    def signed_for(self) -> int:
        """How many of the listed units have 签收ed the plan."""
        return sum(1 for u, _ in self.rows if self.received.get(u))


class ObligationService:
    def __init__(
        self,
        ctx: Context,
        *,
        repo: ObligationRepository | None = None,
        documents: DocumentService | None = None,
        audit: AuditService | None = None,
    ) -> None:
        self.ctx = ctx
        self.repo = repo or ObligationRepository(ctx.session)
        self.documents = documents or DocumentService(ctx)
        self.audit = audit or AuditService(ctx)

    # -- distribution ------------------------------------------------------------------------------------

    def open_on_distribution(self, document: Document) -> None:
        """A cadence starts no earlier than the day the plan goes out: no period is owed before it arrives."""
        today = self.ctx.today()
        for obligation in document.obligations:
            if obligation.cadence and (obligation.starts_on is None or obligation.starts_on < today):
                obligation.starts_on = min(today, obligation.ends_on or today)

    # -- who sees what -----------------------------------------------------------------------------------

    def _issuing_office(self, actor: User, document_id: int) -> bool:
        """The plan's issuing organs read everything about it; acting on reports is its lead organ's office's."""
        return access.may_read(self.ctx.session, actor, document_id, Level.internal)

    def visible(self, actor: User, obligation_id: int) -> Obligation:
        """An obligation for the issuing office or a unit owing it; to anyone else it does not exist."""
        obligation = self.repo.obligation(obligation_id)
        if obligation is None or not self._sees(actor, obligation):
            raise not_found("反馈事项", "obligation", id=obligation_id)
        return obligation

    def _sees(self, actor: User, obligation: Obligation) -> bool:
        if self._issuing_office(actor, obligation.document_id):
            return True
        owes = actor.organ_id in obligation.owner_ids
        return owes and access.may_read(self.ctx.session, actor, obligation.document_id)

    def seen_by(self, actor: User, document_id: int) -> list[Obligation]:
        """The issuing office sees every obligation of the plan; a recipient only those it owes."""
        level = access.level_of(self.ctx.session, actor, document_id)
        if level is None:
            raise access.document_not_found(document_id)
        found = list(self.repo.of_document(document_id))
        return found if level >= Level.internal else [o for o in found if actor.organ_id in o.owner_ids]

    def _require_lead(self, actor: User, document: Document) -> None:
        if actor.organ_id != document.lead_organ_id and not actor.has_role(Role.admin):
            raise Forbidden("not_issuing_office", "只有主办机关可以办理", "only the lead organ may do this")

    # -- stopping an open-ended cadence -------------------------------------------------------------------

    def stop(self, actor: User, obligation_id: int, reason: str) -> Obligation:
        """The issuing office stops a cadence: the period in progress is its last, none begins after (audited)."""
        obligation = self.repo.obligation(obligation_id, lock=True)
        if obligation is None or not self._issuing_office(actor, obligation.document_id):
            raise not_found("反馈事项", "obligation", id=obligation_id)
        self._require_lead(actor, obligation.document)
        if not reason.strip():
            raise Invalid(
                "reason_required", "停止周期报送须说明理由", "stopping a cadence needs a reason", field="reason"
            )
        if obligation.cadence is None:
            raise Conflict("not_a_cadence", "该事项按截止日期报送，不是周期报送", "the obligation has no cadence")
        if obligation.stopped_on is not None:
            raise Conflict(
                "cadence_stopped", f"该周期报送已于{obligation.stopped_on.isoformat()}停止", "the cadence is stopped"
            )
        today, schedule = self.ctx.today(), schedule_of(obligation)
        if obligation.document.status != DocStatus.distributed.value or first_start(schedule) > today:
            raise Conflict(
                "cadence_not_begun", "该周期报送尚未开始，不能停止", "the cadence has not begun: nothing to stop"
            )
        if schedule.ends_on is not None and schedule.ends_on < today:
            raise Conflict("cadence_ended", "该周期报送已经结束", "the cadence has already ended")
        obligation.stopped_on, obligation.stopped_by_id = today, actor.id
        last = period_of(schedule_of(obligation), today)
        self.audit.record(
            "cadence_stopped", document=obligation.document, actor=actor, obligation=obligation.title,
            obligation_id=obligation.id, reason=reason.strip(), last_period=last.label(obligation.cadence),
        )  # fmt: skip
        return obligation

    # -- expected submissions ----------------------------------------------------------------------------

    def expected(
        self, obligation: AnyObligation, organ_ids: Sequence[int], tallies: dict[Key, Tally], period: Period
    ) -> list[Expected]:
        today, ob, at_least, due, empty = self.ctx.today(), obligation.id, obligation.at_least, period.due, Tally()
        found = []
        for organ in organ_ids:
            tally = tallies.get((ob, organ, due), empty)
            status = expected_status(due, tally, at_least, today)
            found.append(Expected(obligation, organ, period, status, tally.standing, today))
        return found

    def _overdue(
        self,
        obligation: Obligation,
        organ_ids: Sequence[int],
        tallies: dict[Key, Tally],
        period: Period,
        today: dt.date,
    ) -> list[Expected]:
        """The units 逾期 for one period (only those become rows: most units have reported)."""
        ob, at_least, due, empty, found = obligation.id, obligation.at_least, period.due, Tally(), []
        for organ in organ_ids:
            tally = tallies.get((ob, organ, due), empty)
            if expected_status(due, tally, at_least, today) == ExpectedStatus.overdue:
                found.append(Expected(obligation, organ, period, ExpectedStatus.overdue, tally.standing, today))
        return found

    def all_expected(
        self, obligation: AnyObligation, organ_ids: Sequence[int], tallies: dict[Key, Tally]
    ) -> list[Expected]:
        """Every begun period of every unit: what the 逾期 filter and the 催办 rules look through."""
        found = []
        for period in periods(schedule_of(obligation), self.ctx.today()):
            found += self.expected(obligation, organ_ids, tallies, period)
        return found

    # -- the issuing office's dashboard ------------------------------------------------------------------

    def dashboard(
        self,
        actor: User,
        document_id: int,
        day: dt.date | None = None,
        obligation_id: int | None = None,
        group_id: int | None = None,
        overdue_only: bool = False,
    ) -> Dashboard:
        """One period of each obligation (the one holding ``day``, today's by default) for every unit, every unit's
        count of overdue periods, and the overdue periods among each cadence's most recent ones."""
        document = self.documents.get_visible(actor, document_id, Level.internal)
        today = self.ctx.today()
        day = day or today
        obligations = [o for o in self.repo.of_document(document_id) if obligation_id in (None, o.id)]
        owned = self.repo.owners_of(o.id for o in obligations)
        names = self.repo.names(document_id)
        tasks = self.repo.task_counts(document_id)
        units, others, apart = self._units_shown(document, obligations, owned, names, tasks, group_id)
        ids = [o.id for o in obligations]
        cells, overdue, late = self._board(obligations, owned, units, day, today)
        if overdue_only:
            units, others = [u for u in units if any(late.get((o, u), 0) for o in ids)], []
            kept = set(units)
            overdue = [e for e in overdue if e.organ_id in kept]
        overdue.sort(key=lambda e: (e.period.due, e.obligation.position, e.organ_id))
        received = self.repo.received(document_id)
        return Dashboard(
            document, obligations, [(u, names[u]) for u in units], cells, overdue, day, today, received, late, tasks,
            arrivals=self.repo.arrived(ids), uncleared=[(u, names[u]) for u in names if u in apart],
            others=[(u, names[u]) for u in others], chased=self.repo.chase_summary(ids),
        )  # fmt: skip

    def _units_shown(
        self,
        document: Document,
        obligations: list[Obligation],
        owned: dict[int, set[int]],
        names: dict[int, str],
        tasks: dict[int, tuple[int, int]],
        group_id: int | None,
    ) -> tuple[list[int], list[int], set[int]]:
        """The dashboard's units (owners of an obligation or a task; every recipient of a plan asking nothing), the
        other recipients, both in the group asked for, and apart from them those where nobody is cleared for the
        密级 (DOMAIN.md §1.6)."""
        owners = set().union(*owned.values()) if owned else set()
        apart = access.organs_without_clearance(self.ctx.session, list(names), document.classification)
        shown = [u for u in names if u not in apart]
        if group_id is not None:
            members: set[int] = set(GroupService(self.ctx).members([group_id]))
            shown = [u for u in shown if u in members]
        units = [u for u in shown if u in owners or u in tasks or not obligations]
        return units, [u for u in shown if u not in units], apart

    def _board(
        self,
        obligations: list[Obligation],
        owned: dict[int, set[int]],
        units: list[int],
        day: dt.date,
        today: dt.date,
    ) -> tuple[dict[tuple[int, int], Expected], list[Expected], dict[tuple[int, int], int]]:
        """The cells of the period holding ``day``, the overdue periods among the recent ones, and each unit's count
        of overdue periods per obligation."""
        ids = [o.id for o in obligations]
        chosen = {o.id: period_of(schedule_of(o), day) for o in obligations}
        recent = {
            o.id: [p for p in periods(schedule_of(o), today) if p.due < today][-RECENT_PERIODS:] for o in obligations
        }
        dues = {p.due for p in chosen.values()} | {p.due for ps in recent.values() for p in ps}
        tallies = self.repo.tallies(ids, units, dues)
        shown = {p.due for p in chosen.values()}
        chases = self.repo.chase_counts(ids, shown)
        replies = self.repo.latest_submissions(ids, shown)
        counts = self.repo.late_counts(obligations, today)
        cells: dict[tuple[int, int], Expected] = {}
        overdue: list[Expected] = []
        late: dict[tuple[int, int], int] = {}
        for o in obligations:
            mine = [u for u in units if u in owned.get(o.id, set())]
            period = chosen[o.id]
            for e in self.expected(o, mine, tallies, period):
                key = (o.id, e.organ_id, period.due)
                cells[(o.id, e.organ_id)] = _with(e, chases.get(key, 0), replies.get(key))
            # expected_status counted over every past period: neither met (已报/迟报) nor waiting on a 补报 is 逾期
            past = sum(1 for p in periods(schedule_of(o), today) if p.due < today)
            for u in mine:
                met, waiting = counts.get((o.id, u), (0, 0))
                late[(o.id, u)] = past - met - waiting
            for p in recent[o.id]:
                overdue += self._overdue(o, mine, tallies, p, today)
        return cells, overdue, late

    # -- a unit's 待办 -----------------------------------------------------------------------------------

    def todo(self, actor: User) -> list[Expected]:
        """Every open obligation of the caller's unit: the current period (or the one date) with days left,
        and every earlier period still 逾期 or 退回补报."""
        owed, tallies = self.repo.owed_by(access.reader_of(actor))
        found: list[Expected] = []
        for o in owed:
            mine = self.open_periods(o, [actor.organ_id], tallies).get(actor.organ_id, [])
            found += [replace(e, owed=tuple(m.period for m in mine), returned_reason=_reason(e, tallies)) for e in mine]
        return sorted(found, key=lambda e: (e.period.due, e.obligation.id))

    def open_periods(
        self, obligation: AnyObligation, organ_ids: Sequence[int], tallies: dict[Key, Tally]
    ) -> dict[int, list[Expected]]:
        """Per unit, every period it still owes, oldest first: each begun one 逾期 or 退回补报, and the current one
        while not yet met."""
        current = period_of(schedule_of(obligation), self.ctx.today())
        found: dict[int, list[Expected]] = {}
        for e in self.all_expected(obligation, organ_ids, tallies):
            if e.is_open and (e.period == current or e.status != ExpectedStatus.pending):
                found.setdefault(e.organ_id, []).append(e)
        return found

    def arrivals(self, actor: User) -> list[ArrivedReport]:
        """Reports waiting for the caller's office to 签收 or return."""
        return self.repo.arrivals_for(access.reader_of(actor))

    def chases_for(self, actor: User) -> list[ChaseNotice]:
        return self.repo.chases_of_organ(access.reader_of(actor))

    def chases_seen_by(self, actor: User, obligation_id: int) -> Sequence[Chase]:
        obligation = self.visible(actor, obligation_id)
        if self._issuing_office(actor, obligation.document_id):
            return self.repo.chases(obligation_id)
        return self.repo.chases(obligation_id, actor.organ_id)

    # -- reporting ---------------------------------------------------------------------------------------

    def report(
        self,
        actor: User,
        obligation_id: int,
        period_due: dt.date | None,
        title: str,
        body: str,
        uploads: list[AttachmentUpload],
    ) -> Submission:
        """A unit reports on one obligation for one period: a reply document of its own, linked to the plan.

        The reply takes the plan's 密级 and 保密期限: a report on a 涉密 plan is at least as secret (DOMAIN.md §1.6).
        """
        obligation = self._owed(actor, obligation_id)
        plan = self.documents.get(obligation.document_id)
        if plan.status != DocStatus.distributed.value:
            raise Conflict("plan_not_distributed", "该方案尚未分发，不能报送", "the plan has not been distributed")
        period = self._period(obligation, period_due)
        if not title.strip() or not body.strip():
            raise Invalid("reply_empty", "报送须有标题和正文", "a report needs a title and a body")
        tally = self.repo.tallies([obligation.id], [actor.organ_id], [period.due]).get(
            (obligation.id, actor.organ_id, period.due), Tally()
        )
        if obligation.cadence is None and tally.standing >= obligation.at_least:
            raise Conflict("already_reported", "本事项已报送，无需重复报送", "already reported for this obligation")
        _require_files(uploads)
        _require_materials(obligation, body, uploads)
        reply = self._reply_document(actor, plan, title.strip(), body, uploads)
        submission = Submission(
            obligation_id=obligation.id,
            organ_id=actor.organ_id,
            period_due=period.due,
            reply_document_id=reply.id,
            submitted_at=self.ctx.now(),
            submitted_on=self.ctx.today(),
        )
        self.ctx.session.add(submission)
        self.ctx.session.flush()
        late = self.ctx.today() > period.due
        self.audit.record(
            "reported", document=plan, actor=actor, reply_id=reply.id, obligation=obligation.title,
            period=period.label(obligation.cadence), late=late,
        )  # fmt: skip
        self.audit.record("reply_received", document=reply, actor=actor, plan_id=plan.id)
        IncomingService(self.ctx).on_report(reply, plan)  # a 收文 of the issuing office
        return submission

    def _owed(self, actor: User, obligation_id: int) -> Obligation:
        """The obligation, locked, if the caller's unit owes it; refused clearly if the unit may read the plan
        but owes nothing; otherwise exactly as an unknown obligation."""
        obligation = self.repo.obligation(obligation_id, lock=True)
        if obligation is None or not access.may_read(self.ctx.session, actor, obligation.document_id):
            raise not_found("反馈事项", "obligation", id=obligation_id)
        if actor.organ_id not in obligation.owner_ids:
            raise Conflict(
                "not_owed",
                f"本单位无需报送“{obligation.title}”",
                f"your unit does not owe '{obligation.title}'",
                obligation_id=obligation_id,
            )
        return obligation

    def _period(self, obligation: Obligation, period_due: dt.date | None) -> Period:
        today = self.ctx.today()
        if period_due is None:
            return period_of(schedule_of(obligation), today)
        begun = {p.due: p for p in periods(schedule_of(obligation), today)}
        if period_due not in begun:
            raise Invalid(
                "period_unknown",
                f"“{obligation.title}”没有截至 {period_due.isoformat()} 的报送期，或该期尚未开始",
                f"'{obligation.title}' has no begun period due {period_due.isoformat()}",
                field="period",
            )
        return begun[period_due]

    def _reply_document(
        self, actor: User, plan: Document, title: str, body: str, uploads: list[AttachmentUpload]
    ) -> Document:
        reply = Document(
            kind=DocKind.reply.value,
            status=DocStatus.received.value,
            doc_type=DocType.报告.value,
            title=title,
            lead_organ_id=actor.organ_id,
            source_organ_id=actor.organ_id,
            issue_form="报",
            drafter_id=actor.id,
            reply_to_id=plan.id,
            current_version=0,
            written_on=self.ctx.today(),
            classification=plan.classification,
            secrecy_period=plan.secrecy_period,
        )
        self.ctx.session.add(reply)
        self.ctx.session.flush()
        version = self.documents.new_version(reply, actor, body, "报送", carried=[])
        for upload in uploads:
            self.documents.store_attachment(reply, version, upload)
        IndexingService(self.ctx).enqueue(reply.id)
        return reply

    # -- the issuing office handles a report -------------------------------------------------------------

    def accept(self, actor: User, submission_id: int) -> Submission:
        """签收: the issuing office has looked at the report and accepts it."""
        submission = self._handled(actor, submission_id)
        submission.move(SubmissionStatus.accepted)
        submission.decided_at, submission.decided_by_id = self.ctx.now(), actor.id
        self.audit.record(
            "submission_accepted", document=submission.obligation.document, actor=actor,
            organ_id=submission.organ_id, reply_id=submission.reply_document_id,
        )  # fmt: skip
        return submission

    def return_(self, actor: User, submission_id: int, reason: str) -> Submission:
        """退回补报, with a reason: the unit owes that period again."""
        if not reason.strip():
            raise Invalid("reason_required", "退回须说明理由", "a return needs a reason", field="reason")
        submission = self._handled(actor, submission_id)
        submission.move(SubmissionStatus.returned)
        submission.decided_at, submission.decided_by_id = self.ctx.now(), actor.id
        submission.returned_reason = reason.strip()
        self.audit.record(
            "reply_returned", document=submission.obligation.document, actor=actor,
            organ_id=submission.organ_id, reason=reason.strip(), reply_id=submission.reply_document_id,
        )  # fmt: skip
        return submission

    def handled(self, actor: User, submission_id: int) -> Submission:
        """A report to decide on, for its plan's issuing office (locked)."""
        return self._handled(actor, submission_id)

    def _handled(self, actor: User, submission_id: int) -> Submission:
        """The report, locked, for its plan's issuing office; to anyone else it does not exist."""
        submission = self.repo.submission(submission_id, lock=True)
        if submission is None or not self._issuing_office(actor, submission.obligation.document_id):
            raise not_found("报送", "submission", id=submission_id)
        self._require_lead(actor, submission.obligation.document)
        return submission

    # -- 催办 --------------------------------------------------------------------------------------------

    def chase_now(
        self, actor: User, obligation_id: int, organ_ids: list[int] | None, period_due: dt.date | None = None
    ) -> int:
        """The issuing office chases the units still open on one obligation (one period, or the most pressing),
        each at most once a day. Reaching nobody is said, and changes nothing."""
        obligation = self.repo.obligation(obligation_id, lock=True)
        if obligation is None or not self._issuing_office(actor, obligation.document_id):
            raise not_found("反馈事项", "obligation", id=obligation_id)
        self._require_lead(actor, obligation.document)
        units = [u for u in self._chaseable(obligation) if organ_ids is None or u in organ_ids]
        period = self._period(obligation, period_due) if period_due else None
        targets = self._pressing(obligation, units, period)
        done_today = self.repo.chased_on(self.ctx.today(), [obligation.id])
        targets = [e for e in targets if (obligation.id, e.organ_id) not in done_today]
        if not targets:
            raise Conflict(
                "nobody_to_chase",
                "没有可催办的单位：所选单位都已报送、今天已催办过，或无相应密级人员",
                "nobody to chase: the units chosen have reported, were chased today or have nobody cleared",
            )
        self._record_chases(targets, "notice", actor)
        return len(targets)

    def _pressing(self, obligation: Obligation, units: Sequence[int], period: Period | None) -> list[Expected]:
        """Per unit, what a chase is about: the given period, else an overdue or returned one, else the current."""
        tallies = self.repo.tallies([obligation.id], units)
        if period is not None:
            return [e for e in self.expected(obligation, units, tallies, period) if e.is_open]
        open_ = self.open_periods(obligation, units, tallies)
        best: dict[int, Expected] = {}
        for unit, owed in open_.items():
            for e in owed:
                if unit not in best or _more_pressing(e, best[unit]):
                    best[unit] = e
        return [replace(best[u], owed=tuple(e.period for e in open_[u])) for u in units if u in best]

    def chase_due(self) -> dict[str, int]:
        """The scheduled run, by the rules of DOMAIN.md §5: a unit is chased when a due date is near
        (``days_before``) or past, and for the current period of a cadence near its end or the one just missed;
        at most once a day per unit and obligation."""
        today = self.ctx.today()
        near = self.ctx.settings.reminders.days_before
        counts = {"chased": 0, "overdue": 0, "obligations": 0}
        obligations = self.repo.distributed()
        done_today = self.repo.chased_on(today)
        tallies = self.repo.tallies([o.id for o in obligations])
        for obligation in obligations:
            targets = self._due_targets(obligation, tallies, today, near)
            targets = [e for e in targets if (obligation.id, e.organ_id) not in done_today]
            if targets:
                counts["obligations"] += 1
                counts["overdue"] += sum(1 for e in targets if e.status == ExpectedStatus.overdue)
                counts["chased"] += self._record_chases(targets, "system", None)
        return counts

    def _due_targets(
        self, obligation: Obligation, tallies: dict[Key, Tally], today: dt.date, near: int
    ) -> list[Expected]:
        """Per unit, one chase naming every period it owes: due when one of them is 逾期 or 退回补报 or ends within
        ``near`` days; about the oldest of those."""
        current = period_of(schedule_of(obligation), today)
        if obligation.cadence and current.start > today:  # a cadence that has not begun asks nothing yet
            return []
        found = []
        for owed in self.open_periods(obligation, self._chaseable(obligation), tallies).values():
            pressing = [
                e for e in owed
                if e.status in (ExpectedStatus.overdue, ExpectedStatus.returned) or e.days_left <= near
            ]  # fmt: skip
            if pressing:
                found.append(replace(pressing[0], owed=tuple(e.period for e in owed)))
        return found

    def _chaseable(self, obligation: Obligation) -> list[int]:
        """The units owing an obligation that can read the plan: where nobody is cleared for its 密级 the plan
        reached nobody, so a chase would be a chase of nobody (and would count as one)."""
        owners = sorted(obligation.owner_ids)
        classification = obligation.document.classification
        apart = access.organs_without_clearance(self.ctx.session, owners, classification)
        return [u for u in owners if u not in apart]

    def _record_chases(self, targets: list[Expected], method: str, actor: User | None) -> int:
        today = self.ctx.today()
        for e in targets:
            o = e.obligation
            if len(e.owed) > 1:
                message = backlog_message(o.document.title, o.title, list(o.materials), e.owed, o.cadence, today)
            else:
                message = chase_message(
                    o.document.title, o.title, list(o.materials), e.period, o.cadence, e.status, e.missing, today
                )
            self.ctx.session.add(
                Chase(
                    obligation_id=o.id, organ_id=e.organ_id, period_due=e.period.due, chased_on=today,
                    method=method, message=message, by_user_id=actor.id if actor else None, at=self.ctx.now(),
                )
            )  # fmt: skip
        first = targets[0].obligation
        assert isinstance(first, Obligation)  # a chase is of the entity (the 待办's reads are not chased)
        self.audit.record(
            "chased", document=first.document, actor=actor, obligation=first.title, method=method,
            target_organ_ids=[e.organ_id for e in targets],
        )  # fmt: skip
        self.ctx.session.flush()
        return len(targets)


def _require_files(uploads: list[AttachmentUpload]) -> None:
    """Every file of a report holds something and stays within the report file limit (services/limits.py)."""
    for upload in uploads:
        if not upload.data:
            raise Invalid("attachment_empty", f"附件为空：{upload.filename}", f"empty attachment: {upload.filename}")
        check_size(Upload.report_file, len(upload.data))


def _require_materials(obligation: Obligation, body: str, uploads: list[AttachmentUpload]) -> None:
    """Every material the obligation asks for, unless marked optional, is part of the report."""
    missing = missing_materials(list(obligation.materials), list(obligation.optional_materials or []), body, uploads)
    if missing:
        names = [m for m, _ in missing]
        raise Invalid(
            "report_material_missing",
            f"报送材料不全，缺少：{describe_missing(missing)}",
            f"the report lacks required materials: {', '.join(names)}",
            field="files",
            missing=names,
        )


def _more_pressing(a: Expected, b: Expected) -> bool:
    """Overdue before returned before pending; then the earlier due date."""
    rank = {ExpectedStatus.overdue: 0, ExpectedStatus.returned: 1, ExpectedStatus.pending: 2}
    return (rank.get(a.status, 3), a.period.due) < (rank.get(b.status, 3), b.period.due)


def _reason(e: Expected, tallies: dict[Key, Tally]) -> str | None:
    """The 退回补报 reason the unit is to read, while the period stands returned."""
    if e.status != ExpectedStatus.returned:
        return None
    tally = tallies.get((e.obligation.id, e.organ_id, e.period.due))
    return tally.returned_reason if tally else None


def _with(e: Expected, chases: int, reply_id: int | None) -> Expected:
    return replace(e, chases=chases, reply_id=reply_id)
