"""Benchmark: N joint documents (3 co-issuers, 20 recipients) from submit to distributed on the default set-up.

Starts a Prefect server (SQLite), the worker and the API as `gongwen up` does, under a fresh temporary home,
drives every step through HTTP and prints a JSON object on its last line:
documents per minute (submit → all distributed), p50/p95 seconds from the last signature to every inbox, and
the server processes' CPU seconds a document (in all, above what they spend idle, and by process).

    .venv/bin/python bench/lifecycle.py [--docs 100] [--workers 2] [--rate 100] [--checks-only]

`--checks-only` stops once every document has been checked: a burst of submissions (e.g. `--docs 1000`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# bench/search.py would shadow the search package: the project root goes first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import func, select

from services.config import Settings
from services.domain.models import Document, InboxItem, Signoff
from services.processes import STARTUP_SECONDS, Supervisor, free_port, gongwen_command, wait_for_http
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, load_organs_and_users

HEADS = ("tzb.head", "xcb.head", "mw.head")


def _login(http: httpx.Client, user: str) -> dict[str, str]:
    token = http.post("/api/v1/auth/login", json={"username": user, "password": DEMO_PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _wait_status(runtime: Runtime, ids: list[int], status: str, timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.context() as ctx:
            done = ctx.session.scalar(
                select(func.count()).select_from(Document).where(Document.id.in_(ids), Document.status == status)
            )
        if done == len(ids):
            return
        time.sleep(0.2)
    raise TimeoutError(status)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--checks-only", action="store_true", help="submit the burst and time its checks only")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="documents per minute whose last signature arrives paced (0: all at once)",
    )
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="gongwen-bench-"))
    os.environ.update(
        {
            "GONGWEN_HOME": str(home),
            "GONGWEN_API__PORT": str(free_port()),
            "GONGWEN_PREFECT__PORT": str(free_port()),
            "GONGWEN_EXAMPLE_DATA": "false",
        }
    )
    settings = Settings()
    runtime = Runtime(settings)
    with runtime.context() as ctx:
        load_organs_and_users(ctx)
    sup = Supervisor(settings)
    try:
        sup.start_prefect_server()
        for i in range(args.workers):
            sup.start(f"worker-{i}", gongwen_command("worker"), to_log=True)
        sup.start("api", gongwen_command("api"), to_log=True)
        base = f"http://127.0.0.1:{settings.api.port}"
        wait_for_http(base + "/api/v1/health", STARTUP_SECONDS)
        client = httpx.Client(base_url=base, timeout=60)
        result = run(client, runtime, args.docs, args.rate, args.checks_only, lambda: cpu_seconds(sup))
        result.update(
            {
                "cpu_seconds": {name: round(v, 1) for name, v in cpu_seconds(sup).items()},
                "cores": os.cpu_count(),
                "workers": args.workers,
                "signature_rate_per_min": args.rate,
                "database": "sqlite",
                "prefect_server_db": "sqlite",
            }
        )
        print(json.dumps(result, ensure_ascii=False))
    finally:
        sup.stop_all()


def cpu_seconds(sup: Supervisor) -> dict[str, float]:
    """CPU time each part used (user + system, its own threads; API workers counted with their server)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def of(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / ticks

    def children(pid: int) -> list[int]:
        found = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            kids = (task / "children").read_text().split() if (task / "children").exists() else []
            found += [int(k) for k in kids]
        return found

    return {
        name: of(child.proc.pid) + sum(of(k) for k in children(child.proc.pid)) for name, child in sup.children.items()
    }


def run(
    http: httpx.Client,
    runtime: Runtime,
    n: int,
    rate: float,
    checks_only: bool = False,
    meter: Callable[[], dict[str, float]] = dict,
) -> dict[str, object]:
    admin, drafter, reviewer = _login(http, "admin"), _login(http, "mw.drafter"), _login(http, "mw.reviewer")
    heads = {h: _login(http, h) for h in HEADS}
    organs = {o["code"]: o["id"] for o in http.get("/api/v1/organs", headers=admin).json()}
    recipients = [
        http.post(
            "/api/v1/organs",
            json={"code": f"bench-{i}", "name": f"扎兰屯市第{i + 1}基层单位", "short_name": f"基层{i + 1}"},
            headers=admin,
        ).json()["id"]
        for i in range(20)
    ]
    body = "\n".join(["一、活动主题", "讲好民族团结进步故事，构筑中华民族共有精神家园。" * 8] * 12)
    payload = {
        "doc_type": "通知",
        "title": "关于开展民族团结进步活动月工作的通知",
        "issue_form": "字",
        "issuers": [organs["zlt-tzb"], organs["zlt-xcb"], organs["zlt-mw"]],
        "main_recipients": recipients,
        "obligations": [{"title": "总结", "due_on": "2099-09-22"}],
        "body": body,
    }
    ids = [http.post("/api/v1/documents", json=payload, headers=drafter).json()["id"] for _ in range(n)]

    idle = _idle_rate(meter)
    started, cpu_before = time.monotonic(), meter()
    phases: dict[str, float] = {}
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda d: http.post(f"/api/v1/documents/{d}/submit", headers=drafter), ids))
        _wait_status(runtime, ids, "in_review")
        phases["submit_to_checked_s"] = time.monotonic() - started
        if checks_only:
            seconds = phases["submit_to_checked_s"]
            return {"docs": n, "submit_to_checked_s": round(seconds, 1), "checked_per_minute": round(n / seconds * 60)}
        list(
            pool.map(
                lambda d: http.post(f"/api/v1/documents/{d}/review", json={"approve": True}, headers=reviewer), ids
            )
        )
        phases["review_s"] = time.monotonic() - started - sum(phases.values())
        fresh: list[float] = []
        watcher = threading.Thread(target=_watch_freshness, args=(http, runtime, ids, admin, fresh), daemon=True)
        watcher.start()
        for doc_id in ids:
            tick = time.monotonic()
            list(
                pool.map(
                    lambda h, d=doc_id: http.post(
                        f"/api/v1/documents/{d}/signoff", json={"approve": True}, headers=heads[h]
                    ),
                    HEADS,
                )
            )
            if rate:
                time.sleep(max(0.0, 60.0 / rate - (time.monotonic() - tick)))
        phases["sign_s"] = time.monotonic() - started - sum(phases.values())
    _wait_status(runtime, ids, "distributed")
    elapsed = time.monotonic() - started
    cpu_after = meter()
    phases["issue_after_last_signature_s"] = elapsed - sum(phases.values())
    watcher.join(120)
    after_run = _idle_rate(meter)  # the lower of two quiet spells: before, a process may still be warming up
    cpu = _per_document(cpu_before, cpu_after, {k: min(v, after_run.get(k, v)) for k, v in idle.items()}, elapsed, n)

    with runtime.context() as ctx:
        last_sig = dict(
            ctx.session.execute(
                select(Signoff.document_id, func.max(Signoff.decided_at))
                .where(Signoff.document_id.in_(ids))
                .group_by(Signoff.document_id)
            ).all()
        )
        delivered = dict(
            ctx.session.execute(
                select(InboxItem.document_id, func.max(InboxItem.delivered_at))
                .where(InboxItem.document_id.in_(ids))
                .group_by(InboxItem.document_id)
            ).all()
        )
    latency = sorted((delivered[d] - last_sig[d]).total_seconds() for d in ids)
    q = statistics.quantiles(latency, n=100) if len(latency) > 1 else latency * 99
    return {
        "docs": n,
        "recipients_per_doc": 20,
        "co_issuers": 3,
        "seconds": round(elapsed, 1),
        "docs_per_minute": round(n / elapsed * 60, 1),
        "p50_last_signature_to_inbox_s": round(q[49], 2),
        "p95_last_signature_to_inbox_s": round(q[94], 2),
        "phases": {k: round(v, 1) for k, v in phases.items()},
        "distributed_to_searchable_s": _quantiles(fresh),
        **cpu,
    }


def _idle_rate(meter: Callable[[], dict[str, float]], seconds: float = 5.0) -> dict[str, float]:
    """CPU seconds a second each process spends with nothing to do (polling, heartbeats), measured before the run."""
    before = meter()
    time.sleep(seconds)
    after = meter()
    return {name: (after[name] - before.get(name, 0.0)) / seconds for name in after}


def _per_document(
    before: dict[str, float], after: dict[str, float], idle: dict[str, float], elapsed: float, n: int
) -> dict[str, object]:
    """The server processes' CPU from the first submit to the last document distributed, a document: in all, and
    with what they spend idle over the same time taken off (what the documents themselves cost), by process."""
    spent = {name: after[name] - before.get(name, 0.0) for name in after}
    net = {name: max(0.0, used - idle.get(name, 0.0) * elapsed) for name, used in spent.items()}
    return {
        "cpu_seconds_per_document": round(sum(spent.values()) / n, 3),
        "cpu_seconds_per_document_above_idle": round(sum(net.values()) / n, 3),
        "cpu_seconds_per_document_by_process": {name: round(v / n, 3) for name, v in sorted(net.items())},
    }


def _watch_freshness(
    http: httpx.Client, runtime: Runtime, ids: list[int], headers: dict[str, str], out: list[float]
) -> None:
    """Seconds from a document reaching every inbox to its 文号 finding it through the search API."""
    import datetime as dt

    for doc_id in ids:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with runtime.context() as ctx:
                doc = ctx.session.get(Document, doc_id)
                number, at = (doc.doc_number, doc.distributed_at) if doc else (None, None)
            if number and at:
                break
            time.sleep(0.05)
        pause = 0.2
        while time.monotonic() < deadline:
            found = http.get("/api/v1/search", params={"doc_number": number, "q": ""}, headers=headers).json()
            if found.get("total"):
                out.append((dt.datetime.now(dt.UTC) - at).total_seconds())
                break
            time.sleep(pause)  # a person refreshing, more patiently as it takes longer: polls are the API's CPU too
            pause = min(pause * 1.5, 2.0)


def _quantiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {}
    q = statistics.quantiles(values, n=100)
    return {"p50": round(q[49], 2), "p95": round(q[94], 2), "max": round(max(values), 2)}


if __name__ == "__main__":
    main()
