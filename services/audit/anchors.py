"""Anchors of the audit chain: its head (the last event's id and digest, and when) written once into the archive
store, locked as the archival packages are (COMPLIANCE retention on S3/MinIO object lock, which nobody can lift
or shorten; a write-once record the embedded store refuses to overwrite or delete), daily and at every archive
run.

Someone with the database password can rewrite an event and recompute every digest after it, and the chain
alone still verifies; an anchor taken before the rewrite cannot be changed with the database, so
:func:`services.audit.chain.verify` names the rewrite at the first anchor after it. What remains open is the
window after the last anchor, until the next one (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace

from services.audit import chain
from services.context import Context
from services.storage import ObjectLocked, ObjectNotFound, ObjectStore

PREFIX = "archive/audit-anchors/"
DAILY = "daily"
KIND = "审计链锚点"
KEPT_YEARS = 30  # as long as the longest fixed 保管期限 (D30); every later anchor covers the events before it too


def archive_run_reason(run_id: int) -> str:
    return f"archive-run-{run_id}"


@dataclass(frozen=True)
class Written:
    """The anchor a call left in the store, and whether this call wrote it (False: it was there already)."""

    anchor: chain.Anchor
    key: str
    written: bool


@dataclass(frozen=True)
class Unreadable:
    """An object under the anchors' prefix that is not an anchor: named, never skipped in silence."""

    key: str
    why: str


class AnchorRecords:
    """The anchors kept in an object store: one key per day and reason, written once, never replaced."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    @staticmethod
    def key(day: dt.date, reason: str) -> str:
        return f"{PREFIX}{day.isoformat()}/{reason}.json"

    def write(self, anchor: chain.Anchor) -> Written:
        """Keep ``anchor`` unless the day already has one for its reason (then that one stands)."""
        key = self.key(anchor.day, anchor.reason)
        if self.store.exists(key):
            return Written(self.read(key), key, written=False)
        until = dt.date(anchor.day.year + KEPT_YEARS, 12, 31)
        try:
            self.store.put_locked(key, encode(anchor), "application/json", until)
        except ObjectLocked:  # written a moment ago by another run of the same day
            return Written(self.read(key), key, written=False)
        return Written(anchor, key, written=True)

    def read(self, key: str) -> chain.Anchor:
        return decode(self.store.get(key))

    def all(self) -> tuple[list[chain.Anchor], list[Unreadable]]:
        anchors, unreadable = [], []
        for key in self.store.list(PREFIX):
            try:
                anchors.append(self.read(key))
            except ObjectNotFound:
                continue  # removed between listing and reading: an expired anchor of a store with retention
            except (ValueError, KeyError, TypeError) as exc:
                unreadable.append(Unreadable(key, str(exc)))
        return sorted(anchors, key=lambda a: (a.event_id, a.at)), unreadable


def encode(anchor: chain.Anchor) -> bytes:
    record = {
        "类型": KIND,
        "算法": chain.ALGORITHM,
        "链头事件": anchor.event_id,
        "链头摘要": anchor.hash,
        "时间": anchor.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "日期": anchor.day.isoformat(),
        "缘由": anchor.reason,
    }
    return json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")


def decode(data: bytes) -> chain.Anchor:
    record = json.loads(data)
    if not isinstance(record, dict) or record.get("类型") != KIND or record.get("算法") != chain.ALGORITHM:
        raise ValueError("not an audit-chain anchor")
    event_id, digest = record["链头事件"], record["链头摘要"]
    if not isinstance(event_id, int) or not isinstance(digest, str) or len(digest) != 64:
        raise ValueError("an anchor names an event id and a SHA-256 digest")
    return chain.Anchor(
        event_id=event_id,
        hash=digest,
        at=dt.datetime.fromisoformat(record["时间"]),
        day=dt.date.fromisoformat(record["日期"]),
        reason=str(record["缘由"]),
    )


class AnchorService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.records = AnchorRecords(ctx.store)

    def anchor_head(self, reason: str) -> Written | None:
        """Anchor the committed chain head for ``reason`` today (None while the chain has no event yet)."""
        event_id, digest = chain.head(self.ctx.session)
        if event_id == 0:
            return None
        today = self.ctx.today()
        return self.records.write(chain.Anchor(event_id, digest, self.ctx.now(), today, reason))

    def daily(self) -> Written | None:
        """One anchor a day: a second run the same day leaves the first in place."""
        return self.anchor_head(DAILY)

    def after_archive_run(self, run_id: int) -> Written | None:
        return self.anchor_head(archive_run_reason(run_id))

    def verify(self) -> chain.Verdict:
        """The chain walked against every anchor in the store; an object there that is no anchor is named too."""
        anchors, unreadable = self.records.all()
        verdict = chain.verify(self.ctx.session, anchors)
        return replace(verdict, breaks=(*verdict.breaks, *(_unreadable(u) for u in unreadable)))


def _unreadable(found: Unreadable) -> chain.Break:
    return chain.Break(
        0,
        "audit_anchor_unreadable",
        f"锚点记录无法读取：{found.key}（{found.why}）",
        f"an anchor record cannot be read: {found.key} ({found.why})",
    )
