"""Benchmark: how many times a request waits for a worker thread (anyio.to_thread.run_sync calls, which is what
FastAPI's run_in_threadpool and its threaded dependencies use), per endpoint of bench/load.py's read mix and for
a write. Each wait is a queue behind the pool's other work under load.

    .venv/bin/python bench/hops.py [--requests 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import anyio.to_thread
from fastapi.testclient import TestClient

from bench.api import bench_settings
from bench.pages import seed_documents
from services.app import create_app
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, GATED, load_organs_and_users

HOPS = {"n": 0}
_run_sync = anyio.to_thread.run_sync


async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    HOPS["n"] += 1
    return await _run_sync(func, *args, **kwargs)


ENDPOINTS = {
    "search": ("GET", "/search?q=民族团结"),
    "inbox": ("GET", "/"),
    "document": ("GET", "/documents/1"),
    "list": ("GET", "/documents"),
    "api-inbox": ("GET", "/api/v1/inbox"),
    "api-list": ("GET", "/api/v1/documents?limit=30"),
    "api-document": ("GET", "/api/v1/documents/1"),
    "api-me": ("GET", "/api/v1/me"),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongwen-hops-") as tmp:
        settings = bench_settings(Path(tmp))
        runtime = Runtime(settings)
        with runtime.context() as ctx:
            load_organs_and_users(ctx, gated=GATED)
        seed_documents(runtime, 3)
        anyio.to_thread.run_sync = counted  # type: ignore[assignment]
        hops: dict[str, float] = {}
        with TestClient(create_app(settings, runtime)) as client:
            login = {"username": "mw.drafter", "password": DEMO_PASSWORD}
            token = client.post("/api/v1/auth/login", json=login).json()["token"]
            head = {"Authorization": f"Bearer {token}", "Cookie": f"gongwen_token={token}"}
            for kind, (method, url) in ENDPOINTS.items():
                HOPS["n"] = 0
                for _ in range(args.requests):
                    r = client.request(method, url, headers=head)
                    assert r.status_code == 200, (url, r.status_code, r.text[:200])
                hops[kind] = HOPS["n"] / args.requests
            draft = {"doc_type": "通知", "title": "关于测试的通知", "issue_form": "字", "main_recipients": [5],
                     "body": "正文。"}  # fmt: skip
            HOPS["n"] = 0
            for _ in range(args.requests):
                assert client.post("/api/v1/documents", json=draft, headers=head).status_code == 201
            hops["api-create-draft"] = HOPS["n"] / args.requests
        runtime.close()
    for kind, n in hops.items():
        print(f"{kind:18} {n:.2f} thread hops a request")
    print(json.dumps({"thread_hops_per_request": hops}))


if __name__ == "__main__":
    main()
