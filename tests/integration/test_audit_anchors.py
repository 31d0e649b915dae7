"""A chain rewritten with every digest recomputed verifies on its own; the heads anchored in the archive store (daily
and at every archive run, write-once) name it back to the last anchor before the rewrite."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.audit import chain
from services.audit.anchors import PREFIX, AnchorRecords, AnchorService
from services.domain.enums import JobStep
from services.jobs.service import JobService
from services.runtime import Runtime
from services.storage import ObjectLocked
from tests.helpers.cli import run_cli
from tests.helpers.joint_notice import issue
from tests.helpers.pages import page_login
from tests.helpers.tamper import behind_the_back, event_id, rewrite_consistently

Login = Callable[[str], dict[str, str]]


def _verify(runtime: Runtime) -> tuple[int, dict[str, Any]]:
    result = run_cli(runtime, "audit", "verify", "--json")
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def _anchor_now(runtime: Runtime) -> chain.Anchor:
    with runtime.context() as ctx:
        written = AnchorService(ctx).daily()
    assert written is not None
    return written.anchor


def _on_day(runtime: Runtime, day: dt.date) -> None:
    """The instance's clock stands at noon of ``day`` (its own zone)."""
    from zoneinfo import ZoneInfo

    noon = dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(runtime.settings.timezone))
    runtime.clock = lambda: noon.astimezone(dt.UTC)


def _record_more(client: TestClient, login: Login, document_id: int) -> None:
    """Events after an anchor: the recipient units 签收 the document."""
    for user in ("jyj.drafter", "wjw.drafter"):
        r = client.post(f"/api/v1/documents/{document_id}/receive", headers=login(user))
        assert r.status_code == 200, r.text


def _today(runtime: Runtime) -> dt.date:
    with runtime.context(write=False) as ctx:
        return ctx.today()


@pytest.fixture
def issued(client: TestClient, login: Login, drain: Callable[[], None]) -> int:
    return issue(client, login, drain, dt.date.today() + dt.timedelta(days=10))


def test_a_consistent_rewrite_before_the_last_anchor_is_named(
    runtime: Runtime, client: TestClient, login: Login, issued: int
) -> None:
    anchor = _anchor_now(runtime)
    signed = event_id(runtime, "signed")
    rewrite_consistently(runtime, signed, "他人")
    with runtime.context(write=False) as ctx:
        assert chain.verify(ctx.session).whole  # the chain alone no longer tells
    code, verdict = _verify(runtime)
    assert code == 1 and [(b["event_id"], b["code"]) for b in verdict["breaks"]] == [
        (anchor.event_id, "audit_anchor_mismatch")
    ]
    message = verdict["breaks"][0]["message_zh"]
    assert f"事件 {anchor.event_id} 与 {anchor.day.isoformat()} 的锚点不符" in message
    assert f"事件 1–{anchor.event_id} 中有事件被改写" in message
    text_report = run_cli(runtime, "audit", "verify")
    assert text_report.exit_code == 1 and f"{anchor.day.isoformat()} 的锚点不符" in text_report.output


def test_the_rewrite_is_placed_between_the_anchor_that_holds_and_the_one_that_does_not(
    runtime: Runtime, client: TestClient, login: Login, issued: int
) -> None:
    today = _today(runtime)
    _on_day(runtime, today - dt.timedelta(days=1))
    first = _anchor_now(runtime)
    _record_more(client, login, issued)
    _on_day(runtime, today)
    second = _anchor_now(runtime)
    assert second.event_id > first.event_id + 1
    rewrite_consistently(runtime, first.event_id + 1, "他人")  # after the first anchor, before the second
    code, verdict = _verify(runtime)
    assert code == 1 and [b["event_id"] for b in verdict["breaks"]] == [second.event_id]
    assert f"事件 {first.event_id + 1}–{second.event_id} 中有事件被改写" in verdict["breaks"][0]["message_zh"]
    assert verdict["anchors"] == 2 and verdict["last_anchor"]["event_id"] == second.event_id


def test_events_cut_off_below_an_anchor_are_named(runtime: Runtime, issued: int) -> None:
    anchor = _anchor_now(runtime)
    with behind_the_back(runtime) as conn:  # the tail removed and the head moved back, as if it never was
        from sqlalchemy import text

        conn.execute(text("DELETE FROM audit_events WHERE id > :keep"), {"keep": anchor.event_id - 3})
        kept = conn.execute(text("SELECT hash FROM audit_events WHERE id = :id"), {"id": anchor.event_id - 3})
        conn.execute(
            text("UPDATE audit_chain SET last_id = :id, last_hash = :hash WHERE id = 1"),
            {"id": anchor.event_id - 3, "hash": kept.scalar_one()},
        )
    code, verdict = _verify(runtime)
    assert code == 1 and verdict["breaks"][0]["code"] == "audit_anchor_mismatch"
    assert "该事件已不存在" in verdict["breaks"][0]["message_zh"]


def test_a_whole_chain_verifies_against_its_anchors(
    runtime: Runtime, client: TestClient, login: Login, issued: int
) -> None:
    anchor = _anchor_now(runtime)
    _record_more(client, login, issued)  # events after the last anchor do not disturb it
    code, verdict = _verify(runtime)
    assert code == 0 and verdict["whole"] and verdict["anchors"] == 1
    assert verdict["last_anchor"] == {
        "event_id": anchor.event_id,
        "day": anchor.day.isoformat(),
        "at": anchor.at.astimezone(dt.UTC).isoformat(),
    }


def test_an_object_among_the_anchors_that_is_no_anchor_is_named(runtime: Runtime, issued: int) -> None:
    runtime.store.put_locked(f"{PREFIX}2026-01-01/daily.json", b"{not json", "application/json", None)
    code, verdict = _verify(runtime)
    assert code == 1 and [b["code"] for b in verdict["breaks"]] == ["audit_anchor_unreadable"]


def test_an_anchor_cannot_be_deleted_or_replaced_through_the_store(runtime: Runtime, issued: int) -> None:
    anchor = _anchor_now(runtime)
    key = AnchorRecords.key(anchor.day, anchor.reason)
    forged = chain.Anchor(anchor.event_id, "0" * 64, anchor.at, anchor.day, anchor.reason)
    with pytest.raises(ObjectLocked):
        runtime.store.delete(key)
    with pytest.raises(ObjectLocked):
        runtime.store.put(key, b"{}", "application/json")
    assert AnchorRecords(runtime.store).write(forged).written is False
    assert AnchorRecords(runtime.store).read(key) == anchor


def test_the_daily_flow_writes_one_anchor_a_day(runtime: Runtime, issued: int, prefect_server: str) -> None:
    from flows.audit import audit_anchor
    from flows.runtime import set_runtime
    from flows.worker import quiet_prefect

    set_runtime(runtime)
    today = _today(runtime)
    _on_day(runtime, today)
    with quiet_prefect():
        first, again = audit_anchor(), audit_anchor()
    assert first["written"] and not again["written"] and again["event_id"] == first["event_id"]
    assert runtime.store.list(PREFIX) == [f"{PREFIX}{today.isoformat()}/daily.json"]
    _on_day(runtime, today + dt.timedelta(days=1))
    with quiet_prefect():
        tomorrow = audit_anchor()
    assert tomorrow["written"] and len(runtime.store.list(PREFIX)) == 2


def test_an_anchor_step_handed_to_the_worker_anchors(runtime: Runtime, issued: int, drain: Callable[[], None]) -> None:
    with runtime.context() as ctx:
        JobService(ctx).enqueue(JobStep.anchor, None)
    drain()
    assert runtime.store.list(PREFIX) == [f"{PREFIX}{_today(runtime).isoformat()}/daily.json"]


def test_an_archive_run_anchors_the_head_it_leaves(runtime: Runtime, client: TestClient, issued: int) -> None:
    from flows.archive import annual_archive
    from flows.runtime import set_runtime
    from flows.worker import quiet_prefect
    from tests.helpers.archive_data import give_fonds, reporting_over

    give_fonds(runtime)
    reporting_over(runtime)
    set_runtime(runtime)
    with quiet_prefect():
        result = annual_archive(dt.date.today().year)
    with runtime.context(write=False) as ctx:
        head_id, head_hash = chain.head(ctx.session)
    key = f"{PREFIX}{_today(runtime).isoformat()}/archive-run-{result['run_id']}.json"
    assert runtime.store.list(PREFIX) == [key]
    anchor = AnchorRecords(runtime.store).read(key)
    assert (anchor.event_id, anchor.hash) == (head_id, head_hash)  # after the run's own 归档 events
    assert result["report"]["anchor"]["key"] == key
    with pytest.raises(ObjectLocked):
        runtime.store.delete(key)
    page_login(client, "admin")  # the run's page names the anchor it left
    assert f"事件 {head_id}（{_today(runtime).isoformat()}" in client.get(f"/archive/runs/{result['run_id']}").text
