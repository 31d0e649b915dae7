"""Benchmark: many people at once. 50 readers (search, 待办, document pages, the list) and 10 writers (a draft
saved and submitted, as a clerk does) against the API as `gongwen up` starts it, for 60 s, on loopback; then the
same readers while 8 loops guess passwords. Prints requests/s, p50/p95/p99 and errors, and a JSON line last.

    .venv/bin/python bench/load.py [--database sqlite|postgresql] [--seconds 60] [--users 50] [--writers 10]

Bounded: one data home under a temporary folder, loopback only, everything stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.api import bench_settings
from bench.pages import seed_documents
from services.processes import Supervisor, gongwen_command, wait_for_http
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, GATED, load_organs_and_users

READERS = ("mw.drafter", "mw.reviewer", "mw.head", "mw.registrar", "jyj.drafter", "wjw.drafter", "archivist")
PG_ADMIN = os.environ.get("GONGWEN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    first_error: dict[str, str] = field(default_factory=dict)  # what went wrong, once per kind

    def add(self, kind: str, seconds: float, ok: bool, why: str = "") -> None:
        self.times.setdefault(kind, []).append(seconds)
        if not ok:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            self.first_error.setdefault(kind, why)

    def all(self, prefix: str = "") -> list[float]:
        return [t for k, v in self.times.items() if k.startswith(prefix) for t in v]


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


async def login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}", "Cookie": f"gongwen_token={r.json()['token']}"}


async def reader(client: httpx.AsyncClient, heads: dict[str, dict[str, str]], ids: list[int], tally: Tally,
                 until: float) -> None:  # fmt: skip
    words = ("民族团结", "活动月", "宣传教育", "总结", "扎民委字")
    while time.monotonic() < until:
        who = random.choice(READERS)
        kind, url = random.choice(
            [
                ("search", f"/search?q={random.choice(words)}"),
                ("inbox", "/"),
                ("document", f"/documents/{random.choice(ids)}"),
                ("list", "/documents"),
                ("api-inbox", "/api/v1/inbox"),
                ("api-list", "/api/v1/documents?limit=30"),
            ]
        )
        started = time.perf_counter()
        try:
            r = await client.get(url, headers=heads[who])
            ok = r.status_code in (200, 404)  # a document another organ may not read answers 404 by design
            why = f"{url} → {r.status_code} {r.text[:200]}"
        except httpx.HTTPError as exc:
            ok, why = False, f"{url} → {exc!r}"
        tally.add(f"read:{kind}", time.perf_counter() - started, ok, why)


async def writer(client: httpx.AsyncClient, head: dict[str, str], tally: Tally, until: float) -> None:
    while time.monotonic() < until:
        payload = {"doc_type": "通知", "title": f"关于负载测试{uuid.uuid4().hex[:6]}的通知", "issue_form": "字",
                   "main_recipients": [5], "body": "各单位：负载测试正文。请认真组织实施。"}  # fmt: skip
        started = time.perf_counter()
        try:
            r = await client.post("/api/v1/documents", json=payload, headers=head)
            ok = r.status_code == 201
            if ok:
                r = await client.post(f"/api/v1/documents/{r.json()['id']}/submit", headers=head)
                ok = r.status_code == 200
            why = f"{r.request.url.path} → {r.status_code} {r.text[:200]}"
        except httpx.HTTPError as exc:
            ok, why = False, repr(exc)
        tally.add("write:draft+submit", time.perf_counter() - started, ok, why)


async def guesser(client: httpx.AsyncClient, until: float, counts: dict[int, int]) -> None:
    while time.monotonic() < until:
        try:
            r = await client.post("/api/v1/auth/login", json={"username": "mw.drafter", "password": "guess-" + "x" * 8})
            counts[r.status_code] = counts.get(r.status_code, 0) + 1
        except httpx.HTTPError:
            counts[0] = counts.get(0, 0) + 1


async def run_phase(base: str, seconds: float, users: int, writers: int, guessers: int,
                    ids: list[int]) -> tuple[Tally, dict[int, int], float]:  # fmt: skip
    limits = httpx.Limits(max_connections=users + writers + guessers + 4, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        heads = {u: await login(client, u) for u in READERS}
        tally, counts = Tally(), {}
        until = time.monotonic() + seconds
        jobs: list[Awaitable[None]] = [reader(client, heads, ids, tally, until) for _ in range(users)]
        jobs += [writer(client, heads["mw.drafter"], tally, until) for _ in range(writers)]
        jobs += [guesser(client, until, counts) for _ in range(guessers)]
        started = time.monotonic()
        await asyncio.gather(*jobs)
        return tally, counts, time.monotonic() - started


async def under_attack(base: str, seconds: float, guessers: int, head: dict[str, str]) -> tuple[float, dict[int, int]]:
    """A real user's 待办, asked one request after another while the loops guess passwords: its p95."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        until = time.monotonic() + seconds
        counts: dict[int, int] = {}
        times: list[float] = []

        async def probe() -> None:
            while time.monotonic() < until:
                started = time.perf_counter()
                await client.get("/", headers=head)
                times.append(time.perf_counter() - started)

        await asyncio.gather(probe(), *[guesser(client, until, counts) for _ in range(guessers)])
        return pct(times, 0.95), counts


def quiet_p95(base: str, head: dict[str, str], n: int = 60) -> float:
    with httpx.Client(base_url=base, timeout=30) as client:
        times = []
        for _ in range(n):
            started = time.perf_counter()
            client.get("/", headers=head)
            times.append(time.perf_counter() - started)
    return pct(times, 0.95)


def summary(tally: Tally, elapsed: float) -> dict[str, object]:
    reads = tally.all("read:")
    total = sum(len(v) for v in tally.times.values())
    return {
        "requests_per_s": round(total / elapsed, 1),
        "reads": len(reads),
        "read_p50_ms": round(pct(reads, 0.5), 1),
        "read_p95_ms": round(pct(reads, 0.95), 1),
        "read_p99_ms": round(pct(reads, 0.99), 1),
        "read_max_ms": round(max(reads) * 1000, 1) if reads else 0,
        "writes": len(tally.times.get("write:draft+submit", [])),
        "write_p95_ms": round(pct(tally.times.get("write:draft+submit", []), 0.95), 1),
        "errors": dict(tally.errors),
        "first_error": dict(tally.first_error),
        "per_kind_p95_ms": {k: round(pct(v, 0.95), 1) for k, v in sorted(tally.times.items())},
    }


def database_url(kind: str, home: Path) -> tuple[str | None, Callable[[], None]]:
    if kind == "sqlite":
        return None, lambda: None
    from sqlalchemy import create_engine, text

    name = f"gongwen_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--guessers", type=int, default=8)
    parser.add_argument("--docs", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gongwen-load-") as tmp:
        home = Path(tmp)
        url, drop = database_url(args.database, home)
        if url:
            os.environ["GONGWEN_DATABASE_URL"] = url
        settings = bench_settings(home)
        runtime = Runtime(settings)
        with runtime.context() as ctx:
            load_organs_and_users(ctx, gated=GATED)  # as `gongwen up` sets the example organs
        seed_documents(runtime, args.docs)
        if url:  # statistics as autovacuum keeps them on a running server (a fresh database has none: bad plans)
            with runtime.db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        runtime.close()
        sup = Supervisor(settings, say=print)
        try:
            sup.start("api", gongwen_command("api"), to_log=True)
            base = f"http://127.0.0.1:{settings.api.port}"
            wait_for_http(base + "/api/v1/health", 60)
            ids = list(range(1, args.docs + 1))
            head = asyncio.run(_one_login(base))
            quiet = quiet_p95(base, head)
            tally, _, elapsed = asyncio.run(run_phase(base, args.seconds, args.users, args.writers, 0, ids))
            load = summary(tally, elapsed)
            print(f"{args.database}: {args.users} readers + {args.writers} writers for {args.seconds:.0f}s: {load}")
            attacked, counts = asyncio.run(under_attack(base, min(args.seconds, 30), args.guessers, head))
            print(f"quiet 待办 p95 {quiet:.1f} ms; with {args.guessers} loops guessing passwords: p95 "
                  f"{attacked:.1f} ms ({attacked / max(quiet, 0.1):.2f}×); login answers {counts}")  # fmt: skip
            print(json.dumps({"database": args.database, "cores": os.cpu_count(), "load": load,
                              "quiet_inbox_p95_ms": round(quiet, 1), "attacked_read_p95_ms": round(attacked, 1),
                              "login_answers": counts}, ensure_ascii=False))  # fmt: skip
        finally:
            sup.stop_all()
            drop()


async def _one_login(base: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base) as client:
        return await login(client, "mw.registrar")


if __name__ == "__main__":
    main()
