"""Tamper evidence for the audit trail: every event carries the digest of its predecessor over every column.

Events are sealed when their transaction commits: under a lock on the one chain-head row, each new event takes
the next id, the head's digest as ``prev_hash`` and its own digest; the head moves on. An event edited, deleted
or inserted behind the application's back no longer chains, and :func:`verify` names every such event. The
head at filing time is written into every archival package (DA/T 70 真实性), and the head is anchored daily and at
every archive run as a write-once record in the archive store (services/audit/anchors.py): someone who rewrites
the table and recomputes every digest after it is named back to the last anchor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from services.audit.repository import AuditRepository
from services.domain.models import AuditChain, AuditEvent

ALGORITHM = "sha256"
GENESIS = "0" * 64
PENDING = "audit_pending"


def digest(event: AuditEvent, prev_hash: str) -> str:
    """SHA-256 over every column of the event and the digest before it, in a canonical JSON form."""
    payload = {
        "id": event.id,
        "document_id": event.document_id,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "organ_id": event.organ_id,
        "organ_name": event.organ_name,
        "action": event.action,
        "action_zh": event.action_zh,
        "version": event.version,
        "detail": json.loads(json.dumps(event.detail or {}, ensure_ascii=False)),
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.new(ALGORITHM, canonical.encode("utf-8")).hexdigest()


def add_pending(session: Session, event: AuditEvent) -> None:
    """Hold a new event until its transaction commits, when it is sealed into the chain."""
    session.info.setdefault(PENDING, []).append(event)


def pending(session: Session) -> list[AuditEvent]:
    events: list[AuditEvent] = session.info.get(PENDING, [])
    return events


def seal_pending(session: Session) -> None:
    """``before_commit``: chain this transaction's events under the head row's lock, in the order recorded."""
    events = session.info.pop(PENDING, [])
    if not events:
        return
    repo = AuditRepository(session)
    head = _locked_head(repo)
    for event in events:
        event.id = head.last_id + 1
        event.prev_hash = head.last_hash
        event.hash = digest(event, head.last_hash)
        repo.add(event)
        head.last_id, head.last_hash = event.id, event.hash
    repo.flush()


def discard_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


def _locked_head(repo: AuditRepository) -> AuditChain:
    head = repo.locked_head()
    if head is None:  # created by the migration; a database made without it starts a chain here
        head = AuditChain(id=1, last_id=0, last_hash=GENESIS, algorithm=ALGORITHM)
        repo.add(head)
    return head


def head(session: Session) -> tuple[int, str]:
    """The committed chain head: the last sealed event's id and digest."""
    row = AuditRepository(session).head()
    return (row.last_id, row.last_hash) if row else (0, GENESIS)


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold, in words for the operator."""

    event_id: int
    code: str
    zh: str
    en: str

    def as_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "code": self.code, "message_zh": self.zh, "message_en": self.en}


@dataclass(frozen=True)
class Anchor:
    """The chain head as it stood at a moment, kept where the database's users cannot change it."""

    event_id: int
    hash: str
    at: dt.datetime
    day: dt.date  # the local date it was taken on, as the operator names it
    reason: str


@dataclass(frozen=True)
class Verdict:
    checked: int
    head_id: int
    breaks: tuple[Break, ...] = ()
    anchors: tuple[Anchor, ...] = ()  # what the chain was checked against

    @property
    def last_anchor(self) -> Anchor | None:
        """The latest anchor: events after its event are what a consistent rewrite could still reach."""
        return max(self.anchors, key=lambda a: (a.event_id, a.at)) if self.anchors else None

    @property
    def broken(self) -> Break | None:
        """The first place the chain does not hold."""
        return self.breaks[0] if self.breaks else None

    @property
    def whole(self) -> bool:
        return not self.breaks


def _events(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    repo, last = AuditRepository(session), 0
    while True:
        rows = repo.events_after(last, batch)
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        repo.forget_loaded()


def verify(session: Session, anchors: Sequence[Anchor] = ()) -> Verdict:
    """Walk the whole chain and name every event edited, missing or inserted: after a break the walk takes up
    the chain again from the event that broke it, so one forgery does not hide the next. Each anchored event must
    still hold the digest its anchor recorded: a chain rewritten with every digest recomputed is named there."""
    expected_prev, expected_id, checked = GENESIS, 1, 0
    breaks: list[Break] = []
    anchored = {anchor.event_id for anchor in anchors}
    seen: dict[int, str] = {}
    for event in _events(session):
        breaks.extend(_check(event, expected_id, expected_prev))
        if event.id in anchored:
            seen[event.id] = event.hash or ""
        expected_prev, expected_id, checked = event.hash or "", event.id + 1, checked + 1
    head_id, head_hash = head(session)
    past_head = any(b.event_id > head_id for b in breaks)  # events appended behind the system's back: named
    if (head_id, head_hash) != (expected_id - 1, expected_prev) and not past_head:
        breaks.append(
            Break(
                head_id,
                "audit_tail_missing",
                f"链头记录为事件 {head_id}，但最后一条事件为 {expected_id - 1}：末尾事件被删除或链头被改动",
                f"the chain head names event {head_id} but the last event is {expected_id - 1}: "
                "events were deleted from the end or the head was altered",
            )
        )
    breaks.extend(_anchor_breaks(anchors, seen))
    return Verdict(checked, head_id, tuple(breaks), tuple(anchors))


def _anchor_breaks(anchors: Sequence[Anchor], seen: dict[int, str]) -> list[Break]:
    """Every anchor whose event no longer holds the recorded digest, with the events it was rewritten among:
    those after the last anchor before it that still holds."""
    breaks: list[Break] = []
    held = 0  # the last anchored event that still holds: no rewrite reaches back past it
    for anchor in sorted(anchors, key=lambda a: (a.event_id, a.at)):
        if anchor.event_id < 1:
            continue
        if seen.get(anchor.event_id) == anchor.hash:
            held = max(held, anchor.event_id)
            continue
        breaks.append(_anchor_break(anchor, held + 1, anchor.event_id in seen))
    return breaks


def _anchor_break(anchor: Anchor, since: int, present: bool) -> Break:
    day = anchor.day.isoformat()
    span = f"{since}" if since == anchor.event_id else f"{since}–{anchor.event_id}"
    why_zh = f"事件 {span} 中有事件被改写并重算了摘要" if present else "该事件已不存在"
    why_en = f"an event among {span} was rewritten and the digests recomputed" if present else "the event is gone"
    return Break(
        anchor.event_id,
        "audit_anchor_mismatch",
        f"事件 {anchor.event_id} 与 {day} 的锚点不符：{why_zh}",
        f"event {anchor.event_id} does not match the anchor of {day}: {why_en}",
    )


def _check(event: AuditEvent, expected_id: int, expected_prev: str) -> list[Break]:
    """What is wrong at this event: events missing before it, or it does not follow its predecessor, and (on its
    own) its content does not match its digest."""
    missing = _missing_before(event, expected_id)
    unlinked = None if missing else _not_following(event, expected_prev)
    altered = None if unlinked else _altered(event)  # an inserted event's own digest says nothing more
    return [b for b in (missing, unlinked, altered) if b is not None]


def _missing_before(event: AuditEvent, expected_id: int) -> Break | None:
    if event.id > expected_id:
        gone = f"{expected_id}" if event.id == expected_id + 1 else f"{expected_id}–{event.id - 1}"
        return Break(
            expected_id,
            "audit_event_deleted",
            f"事件 {gone} 缺失：已被删除",
            f"event {gone} is missing: it was deleted",
        )
    return None


def _not_following(event: AuditEvent, expected_prev: str) -> Break | None:
    if event.prev_hash != expected_prev:
        return Break(
            event.id,
            "audit_event_inserted",
            f"事件 {event.id} 与前一事件不相接：它是在系统之外插入的，或前一事件被替换",
            f"event {event.id} does not follow its predecessor: it was inserted outside the system, "
            "or the one before it was replaced",
        )
    return None


def _altered(event: AuditEvent) -> Break | None:
    if event.hash != digest(event, event.prev_hash or ""):
        return Break(
            event.id,
            "audit_event_altered",
            f"事件 {event.id} 的内容与其摘要不符：事件被改动",
            f"event {event.id} does not match its digest: it was altered",
        )
    return None


def event_matches(session: Session, event_id: int, recorded_hash: str) -> str | None:
    """For the fixity audit: None when the event still holds the digest a package recorded, else why not."""
    event = AuditRepository(session).event(event_id)
    if event is None:
        return f"审计事件 {event_id} 已不存在"
    if event.hash != recorded_hash or digest(event, event.prev_hash or "") != recorded_hash:
        return f"审计事件 {event_id} 与归档时不符"
    return None
