"""Benchmark: what one request to each hot page costs inside the process — CPU ms (this process's CPU time over
N requests, the app called in-process) and SQL statements — beside a floor (the health check asked the same way),
each page as the person who works on it. Builds a home with the example organs and users and N documents at every
stage (bench/pages.py's seeding). Prints a line per page and a JSON object last.

    .venv/bin/python bench/hot_reads.py [--docs 200] [--requests 40]

Not a throughput figure (bench/load.py serves over HTTP with its own client): this one shows where a page's own
work goes, without a client or a second process in the measure.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from bench.api import bench_settings
from bench.pages import seed_documents, seed_incoming
from services.app import create_app
from services.domain.models import Document
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, GATED, load_organs_and_users


def cases(distributed: int) -> list[tuple[str, str, str]]:
    return [
        ("floor", "mw.drafter", "/api/v1/health"),
        ("api-me", "mw.drafter", "/api/v1/me"),  # the cheapest authenticated route: the fixed cost of a request
        ("inbox", "mw.drafter", "/"),
        ("inbox-registrar", "mw.registrar", "/"),
        ("inbox-unit", "jyj.drafter", "/"),
        ("document", "mw.drafter", f"/documents/{distributed}"),
        ("document-unit", "jyj.drafter", f"/documents/{distributed}"),
        ("list", "mw.drafter", "/documents"),
        ("api-inbox", "mw.drafter", "/api/v1/inbox"),
        ("api-list", "mw.drafter", "/api/v1/documents?limit=30"),
        ("dashboard", "mw.drafter", f"/documents/{distributed}/distribution"),
        ("incoming", "zf.registrar", "/incoming"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    runtime = Runtime(bench_settings(Path(tempfile.mkdtemp(prefix="gongwen-bench-hot-"))))
    with runtime.context() as ctx:
        load_organs_and_users(ctx, gated=GATED)
    seed_documents(runtime, args.docs)
    seed_incoming(runtime, args.docs)
    with runtime.context(write=False) as ctx:
        distributed = ctx.session.scalar(select(Document.id).where(Document.status == "distributed").limit(1))
    assert distributed is not None
    sent = [0]
    event.listen(runtime.db.engine, "before_cursor_execute", lambda *_: sent.__setitem__(0, sent[0] + 1))
    figures: dict[str, dict[str, float]] = {}
    with TestClient(create_app(runtime.settings, runtime)) as client:
        for name, persona, url in cases(distributed):
            r = client.post("/api/v1/auth/login", json={"username": persona, "password": DEMO_PASSWORD})
            token = r.json()["token"]
            headers = {"Authorization": f"Bearer {token}", "Cookie": f"gongwen_token={token}"}
            assert client.get(url, headers=headers).status_code == 200, url  # warm
            sent[0] = 0
            started = time.process_time()
            for _ in range(args.requests):
                client.get(url, headers=headers)
            cpu_ms = (time.process_time() - started) / args.requests * 1000
            figures[name] = {"cpu_ms": round(cpu_ms, 2), "statements": sent[0] / args.requests}
            print(f"{name:16} {cpu_ms:7.2f} ms CPU  {sent[0] / args.requests:5.1f} statements", flush=True)
    runtime.close()
    print(json.dumps({"docs": args.docs, "requests": args.requests, "pages": figures}))


if __name__ == "__main__":
    main()
