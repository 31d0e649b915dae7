"""Benchmark: a plan that asks 200 units for 3 weekly reports over a year, a year on.

Builds a fresh home, issues one plan to 200 units with 3 obligations on a weekly cadence that began a year ago
(the plan is drafted and issued on a clock set back a year), and fills the year's reports: each unit reports most
weeks, some late, some not at all (report rows are inserted in bulk: the dashboard reads those rows, not the
texts). Then, with the API in its own process as `gongwen up` starts it, requests the issuing office's dashboard
(the matrix, the 逾期 filter, the API matrix) and a unit's 待办 (page and API), and times the 催办 run (the task the
scheduled flow runs) on three successive days. Prints a JSON object on its last line: p50/p95 ms per page, and
seconds per 催办 run.

    .venv/bin/python bench/obligations.py [--units 200] [--obligations 3] [--requests 40]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/search.py would shadow the search package

from sqlalchemy import insert, select

from bench.api import api_process, bench_settings
from bench.pages import browser_session
from services.accounts.service import SYSTEM, OrganService, UserService
from services.distribution.service import DistributionService
from services.documents.schemas import DraftInput
from services.documents.service import DocumentService
from services.domain.models import Document, Submission, utcnow
from services.obligations.rules import periods
from services.obligations.service import ObligationService, schedule_of
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, load_organs_and_users, user
from services.workflow.service import WorkflowService

REPORTED, LATE = 0.85, 0.05  # of the unit-weeks: on time, late; the rest are never reported


def make_units(runtime: Runtime, n: int) -> list[int]:
    with runtime.context() as ctx:
        organs = OrganService(ctx)
        ids = [organs.create(SYSTEM, f"bench-u{i:03d}", f"基准测试单位{i:03d}", f"单位{i:03d}").id for i in range(n)]
        UserService(ctx).create("bench-u000.drafter", "单位000拟稿人", ids[0], ["drafter"], DEMO_PASSWORD)
    return ids


def issue_plan(runtime: Runtime, units: list[int], obligations: int, start: dt.date, end: dt.date) -> int:
    with runtime.context() as ctx:
        draft = DraftInput.model_validate(
            {
                "doc_type": "通知", "title": "关于每周报送民族团结进步创建工作动态的通知", "issue_form": "字",
                "main_recipients": units, "body": "各单位每周至少报送1条工作动态信息。",
                "obligations": [
                    {"title": f"工作动态信息{k + 1}", "cadence": "weekly", "starts_on": start.isoformat(),
                     "ends_on": end.isoformat(), "at_least": 1}
                    for k in range(obligations)
                ],
            }
        )  # fmt: skip
        doc_id = DocumentService(ctx).create_draft(user(ctx, "mw.drafter"), draft).id
    steps = [
        lambda c: WorkflowService(c).submit(user(c, "mw.drafter"), doc_id),
        lambda c: WorkflowService(c).run_format_checks(doc_id),
        lambda c: WorkflowService(c).review(user(c, "mw.reviewer"), doc_id, True, "同意"),
        lambda c: WorkflowService(c).decide_signoff(user(c, "mw.head"), doc_id, True, "同意"),
        lambda c: WorkflowService(c).register(doc_id),
        lambda c: WorkflowService(c).render(doc_id, runtime.renderer),
        lambda c: DistributionService(c).distribute(doc_id),
    ]
    for step in steps:
        with runtime.context() as ctx:
            step(ctx)
    return doc_id


def fill_reports(runtime: Runtime, doc_id: int, until: dt.date, seed: int = 7) -> int:
    """The year's reports, in bulk: a reply document row and a submission row for each."""
    rng = random.Random(seed)
    with runtime.context() as ctx:
        plan = DocumentService(ctx).get(doc_id)
        obligations = list(plan.obligations)
        now = utcnow()
        rows = []
        for o in obligations:
            for period in periods(schedule_of(o), until):
                if period.due >= until:
                    continue  # the current week: left open
                for organ in sorted(o.owner_ids):
                    roll = rng.random()
                    if roll < REPORTED + LATE:
                        on = period.due - dt.timedelta(days=rng.randint(0, 4))
                        if roll >= REPORTED:
                            on = period.due + dt.timedelta(days=rng.randint(1, 6))
                        rows.append((o.id, organ, period.due, on))
        docs = [
            {"kind": "reply", "status": "received", "doc_type": "报告", "title": f"工作动态{n}", "lead_organ_id": organ,
             "source_organ_id": organ, "issue_form": "报", "reply_to_id": doc_id, "current_version": 0,
             "written_on": on, "classification": plan.classification, "created_at": now, "updated_at": now,
             "attachment_notes": [], "main_groups": [], "signing_round": 0, "urgency": "普通"}
            for n, (_, organ, _, on) in enumerate(rows)
        ]  # fmt: skip
        ctx.session.execute(insert(Document), docs)
        reply_ids = list(
            ctx.session.scalars(select(Document.id).where(Document.reply_to_id == doc_id).order_by(Document.id))
        )
        ctx.session.execute(
            insert(Submission),
            [
                {"obligation_id": ob, "organ_id": organ, "period_due": due, "reply_document_id": reply,
                 "submitted_at": now, "submitted_on": on, "status": "已签收"}
                for (ob, organ, due, on), reply in zip(rows, reply_ids, strict=True)
            ],
        )  # fmt: skip
    return len(rows)


def measure(base: str, targets: list[tuple[str, str]], requests: int) -> dict[str, dict[str, float]]:
    sessions = {name: browser_session(base, name) for name in {u for u, _ in targets}}
    figures = {}
    for username, path in targets:
        client, times = sessions[username], []
        api = path.startswith("/api/")
        headers = {"Authorization": f"Bearer {client.cookies.get('gongwen_token')}"} if api else {}
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
        times.sort()
        figures[f"{path} ({username})"] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        }
    return figures


def chase_runs(runtime: Runtime, today: dt.date, days: int = 3) -> list[dict[str, float]]:
    """The 催办 run on successive days (at most once a day per unit and obligation, so each day is a full run)."""
    runs = []
    for k in range(days):
        moment = dt.datetime.combine(today + dt.timedelta(days=k), dt.time(2, 0), tzinfo=dt.UTC)
        runtime.clock = lambda m=moment: m  # type: ignore[misc]
        started = time.perf_counter()
        with runtime.context() as ctx:
            counts = ObligationService(ctx).chase_due()
        runs.append({"day": str(moment.date()), "seconds": round(time.perf_counter() - started, 2), **counts})
    return runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--obligations", type=int, default=3)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="gongwen-bench-obligations-"))
    settings = bench_settings(home)
    runtime = Runtime(settings)
    today = dt.datetime.now(dt.UTC).date()
    year_ago = today - dt.timedelta(days=364)
    start = year_ago - dt.timedelta(days=year_ago.weekday())  # a Monday a year ago
    runtime.clock = lambda: dt.datetime.combine(start, dt.time(1, 0), tzinfo=dt.UTC)
    with runtime.context() as ctx:
        load_organs_and_users(ctx)
    started = time.perf_counter()
    units = make_units(runtime, args.units)
    doc_id = issue_plan(runtime, units, args.obligations, start, today + dt.timedelta(days=27))
    reports = fill_reports(runtime, doc_id, today)
    seeded = time.perf_counter() - started
    runtime.clock = utcnow
    targets = [
        ("mw.registrar", f"/documents/{doc_id}/distribution"),
        ("mw.registrar", f"/documents/{doc_id}/distribution?overdue=1"),
        ("mw.registrar", f"/api/v1/documents/{doc_id}/obligations/matrix"),
        ("bench-u000.drafter", "/"),
        ("bench-u000.drafter", "/api/v1/inbox"),
    ]
    with api_process(settings) as base:
        figures = measure(base, targets, args.requests)
    runs = chase_runs(runtime, today)
    runtime.close()
    for page, f in figures.items():
        print(f"{page:70s} p50 {f['p50_ms']:7.1f} ms   p95 {f['p95_ms']:7.1f} ms", file=sys.stderr)
    for run in runs:
        print(f"催办 run {run}", file=sys.stderr)
    seconds = [r["seconds"] for r in runs]
    result = {
        "units": args.units, "obligations": args.obligations, "cadence": "weekly", "weeks": (today - start).days // 7,
        "reports": reports, "seed_s": round(seeded, 1), "cores": os.cpu_count(), "requests_per_page": args.requests,
        "worst_page_p95_ms": max(f["p95_ms"] for f in figures.values()), "pages": figures,
        "chase_run_s": {"p50": statistics.median(seconds), "max": max(seconds)}, "chase_runs": runs,
    }  # fmt: skip
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
