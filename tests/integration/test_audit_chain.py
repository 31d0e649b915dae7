"""The record proves itself: an audit event edited, deleted or inserted behind the application's back is named by
`gongwen audit verify`, and a fixity run reports the archived package whose history no longer matches."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from services.runtime import Runtime
from tests.helpers.cli import run_cli
from tests.helpers.joint_notice import issue
from tests.helpers.tamper import behind_the_back, event_id

Login = Callable[[str], dict[str, str]]


def _verify(runtime: Runtime) -> tuple[int, dict[str, Any]]:
    result = run_cli(runtime, "audit", "verify", "--json")
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


@pytest.fixture
def issued(client: TestClient, login: Login, drain: Callable[[], None]) -> int:
    return issue(client, login, drain, dt.date.today() + dt.timedelta(days=10))


def test_a_whole_history_verifies(runtime: Runtime, issued: int) -> None:
    code, verdict = _verify(runtime)
    assert code == 0 and verdict["whole"] and verdict["checked"] >= 10 and verdict["broken"] is None


def test_an_edited_signature_is_named(runtime: Runtime, issued: int) -> None:
    signed = event_id(runtime, "signed")
    with behind_the_back(runtime) as conn:
        conn.execute(
            text("UPDATE audit_events SET actor_name = '他人', detail = :d WHERE id = :id"),
            {"d": json.dumps({"opinion": "不同意"}), "id": signed},
        )
    code, verdict = _verify(runtime)
    assert code == 1 and verdict["broken"]["code"] == "audit_event_altered"
    assert verdict["broken"]["event_id"] == signed and str(signed) in verdict["broken"]["message_zh"]


def test_a_deleted_review_is_named(runtime: Runtime, issued: int) -> None:
    review = event_id(runtime, "review_approved")
    with behind_the_back(runtime) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": review})
    code, verdict = _verify(runtime)
    assert code == 1 and verdict["broken"]["code"] == "audit_event_deleted"
    assert verdict["broken"]["event_id"] == review


def test_a_backdated_insertion_needs_no_trigger_bypass_and_is_still_named(runtime: Runtime, issued: int) -> None:
    with runtime.db.engine.begin() as conn:
        last = int(conn.execute(text("SELECT max(id) FROM audit_events")).scalar_one())
        conn.execute(
            text(
                "INSERT INTO audit_events (id, document_id, actor_name, action, action_zh, detail, at) "
                "VALUES (:id, :doc, '办公室', 'review_approved', '审核通过', '{}', :at)"
            ),
            {"id": last + 1, "doc": issued, "at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
        )
    code, verdict = _verify(runtime)
    assert code == 1 and verdict["broken"]["code"] == "audit_event_inserted"
    assert verdict["broken"]["event_id"] == last + 1


def test_deleting_the_last_events_is_seen_at_the_head(runtime: Runtime, issued: int) -> None:
    with behind_the_back(runtime) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)"))
    code, verdict = _verify(runtime)
    assert code == 1 and verdict["broken"]["code"] == "audit_tail_missing"


def test_a_fixity_run_reports_the_package_whose_history_changed(runtime: Runtime, issued: int) -> None:
    from flows.archive import annual_archive, fixity_audit
    from flows.runtime import set_runtime
    from flows.worker import quiet_prefect
    from tests.helpers.archive_data import give_fonds, reporting_over

    give_fonds(runtime)
    reporting_over(runtime)  # the plan is filed once its reporting is over
    set_runtime(runtime)
    year = dt.date.today().year
    with quiet_prefect():
        annual_archive(year)
        clean = fixity_audit()
    assert clean["failures"] == [] and clean["items_checked"] >= 1
    signed = event_id(runtime, "signed")
    with behind_the_back(runtime) as conn:
        conn.execute(text("UPDATE audit_events SET actor_name = '他人' WHERE id = :id"), {"id": signed})
    with quiet_prefect():
        report = fixity_audit()
    problems = [p for f in report["failures"] for p in f["problems"]]
    assert f"审计事件 {signed} 与归档时不符" in problems, report


def test_three_forgeries_at_once_are_each_named(runtime: Runtime, issued: int) -> None:
    signed, review = event_id(runtime, "signed"), event_id(runtime, "review_approved")
    with behind_the_back(runtime) as conn:
        conn.execute(text("UPDATE audit_events SET actor_name = '他人' WHERE id = :id"), {"id": signed})
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": review})
        last = int(conn.execute(text("SELECT max(id) FROM audit_events")).scalar_one())
        conn.execute(
            text(
                "INSERT INTO audit_events (id, document_id, actor_name, action, action_zh, detail, at) "
                "VALUES (:id, :doc, '办公室', 'signed', '签发', '{}', :at)"
            ),
            {"id": last + 1, "doc": issued, "at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
        )
    code, verdict = _verify(runtime)
    named = sorted((b["event_id"], b["code"]) for b in verdict["breaks"])
    assert code == 1 and named == sorted(
        [(signed, "audit_event_altered"), (review, "audit_event_deleted"), (last + 1, "audit_event_inserted")]
    )
    text_report = run_cli(runtime, "audit", "verify")
    assert text_report.exit_code == 1 and "3 处不符" in text_report.output


def test_fixity_exits_non_zero_on_a_mismatch(runtime: Runtime, issued: int) -> None:
    from flows.archive import annual_archive
    from flows.runtime import set_runtime
    from flows.worker import quiet_prefect
    from tests.helpers.archive_data import reporting_over

    reporting_over(runtime)  # the plan is filed once its reporting is over
    set_runtime(runtime)
    with quiet_prefect():
        annual_archive(dt.date.today().year)
    assert run_cli(runtime, "fixity").exit_code == 0
    objects = runtime.settings.home_dir / "objects"
    stored = next(p for p in objects.rglob("metadata.json") if ".locks" not in p.parts)
    stored.chmod(0o644)  # someone with the disk in hand, past the write-once lock
    stored.write_bytes(b"{}")
    result = run_cli(runtime, "fixity")
    assert result.exit_code == 1 and "1 failed" in result.output
