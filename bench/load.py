"""Benchmark: many people at once, measured at the server. 50 readers (search, 待办, document pages, the lists)
and 10 writers (a draft saved and submitted, as a clerk does) against the API as `gongwen up` starts it, on
loopback, after each read alone for a few seconds (on the seeded data) and a minimal FastAPI app served the same
way (the floor); then the 待办 while 8 loops guess passwords. The load comes from our own asyncio keep-alive client
(bench/rawhttp.py), whose CPU per request is printed too; the server's CPU is its processes' (bench/cpu.py).
Prints requests/s, latency percentiles, errors and server CPU ms a request (mixed, per endpoint, floor, ratio),
on PostgreSQL running on this machine also its own processes' CPU ms a request (the mixed load), and a JSON line
last; a request is one HTTP request answered (a clerk's draft saved and submitted is two).

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
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api import bench_settings
from bench.cpu import tree_cpu_seconds
from bench.pages import seed_documents
from bench.rawhttp import Connection, new_event_loop
from services.config import Settings
from services.processes import STARTUP_SECONDS, Supervisor, free_port, gongwen_command, wait_for_http
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, GATED, load_organs_and_users

ROOT = Path(__file__).resolve().parents[1]
READERS = ("mw.drafter", "mw.reviewer", "mw.head", "mw.registrar", "jyj.drafter", "wjw.drafter", "archivist")
WORDS = ("民族团结", "活动月", "宣传教育", "总结", "扎民委字")
PG_ADMIN = os.environ.get("GONGWEN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
KINDS = ("search", "inbox", "document", "list", "api-inbox", "api-list")


def read_url(kind: str, ids: list[int]) -> str:
    if kind == "search":
        return "/search?q=" + quote(random.choice(WORDS))
    if kind == "document":
        return f"/documents/{random.choice(ids)}"
    return {"inbox": "/", "list": "/documents", "api-inbox": "/api/v1/inbox", "api-list": "/api/v1/documents?limit=30"}[
        kind
    ]


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=dict)
    sent: int = 0  # HTTP requests answered: a clerk's draft+submit is two
    errors: dict[str, int] = field(default_factory=dict)
    first_error: dict[str, str] = field(default_factory=dict)  # what went wrong, once per kind

    def add(self, kind: str, seconds: float, ok: bool, why: str = "", requests: int = 1) -> None:
        self.times.setdefault(kind, []).append(seconds)
        self.sent += requests
        if not ok:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            self.first_error.setdefault(kind, why)

    def all(self, prefix: str = "") -> list[float]:
        return [t for k, v in self.times.items() if k.startswith(prefix) for t in v]

    def count(self) -> int:
        return self.sent


@dataclass
class Server:
    """A server's address and its process (its CPU is the process tree's)."""

    host: str
    port: int
    pid: int
    database: Server | None = None  # PostgreSQL's postmaster when it runs on this machine

    def cpu(self) -> float:
        return tree_cpu_seconds(self.pid)


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


async def login(server: Server, username: str) -> bytes:
    """Ready header lines carrying the user's token (bearer for the API, the cookie for the pages)."""
    conn = Connection(server.host, server.port)
    body = json.dumps({"username": username, "password": DEMO_PASSWORD}).encode()
    r = await conn.request("POST", "/api/v1/auth/login", body=body)
    conn.close()
    if r.status != 200:
        raise RuntimeError(f"login {username}: {r.status} {r.body[:200]!r}")
    token = json.loads(r.body)["token"]
    return f"Authorization: Bearer {token}\r\nCookie: gongwen_token={token}\r\n".encode()


async def timed(conn: Connection, tally: Tally, kind: str, method: str, url: str, head: bytes,
                body: bytes = b"", ok_codes: tuple[int, ...] = (200, 404)) -> bytes | None:  # fmt: skip
    started = time.perf_counter()
    try:
        r = await conn.request(method, url, head, body)
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        tally.add(kind, time.perf_counter() - started, False, f"{url} → {exc!r}")
        return None
    ok = r.status in ok_codes
    tally.add(kind, time.perf_counter() - started, ok, "" if ok else f"{url} → {r.status} {r.body[:200]!r}")
    return r.body if ok else None


async def reader(server: Server, heads: dict[str, bytes], ids: list[int], tally: Tally, until: float,
                 kinds: tuple[str, ...] = KINDS) -> None:  # fmt: skip
    conn = Connection(server.host, server.port)
    while time.monotonic() < until:
        kind = random.choice(kinds)
        # a document another organ may not read answers 404 by design
        await timed(conn, tally, f"read:{kind}", "GET", read_url(kind, ids), heads[random.choice(READERS)])
    conn.close()


async def writer(server: Server, head: bytes, tally: Tally, until: float) -> None:
    conn = Connection(server.host, server.port)
    while time.monotonic() < until:
        payload = {"doc_type": "通知", "title": f"关于负载测试{uuid.uuid4().hex[:6]}的通知", "issue_form": "字",
                   "main_recipients": [5], "body": "各单位：负载测试正文。请认真组织实施。"}  # fmt: skip
        started, sent = time.perf_counter(), 1
        try:
            r = await conn.request("POST", "/api/v1/documents", head, json.dumps(payload).encode())
            ok = r.status == 201
            if ok:
                sent = 2
                r = await conn.request("POST", f"/api/v1/documents/{json.loads(r.body)['id']}/submit", head)
                ok = r.status == 200
            why = f"{r.status} {r.body[:200]!r}"
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            ok, why = False, repr(exc)
        tally.add("write:draft+submit", time.perf_counter() - started, ok, why, sent)
    conn.close()


async def guesser(server: Server, until: float, counts: dict[int, int]) -> None:
    conn = Connection(server.host, server.port)
    body = json.dumps({"username": "mw.drafter", "password": "guess-" + "x" * 8}).encode()
    while time.monotonic() < until:
        try:
            r = await conn.request("POST", "/api/v1/auth/login", body=body)
            counts[r.status] = counts.get(r.status, 0) + 1
        except (OSError, asyncio.IncompleteReadError):
            counts[0] = counts.get(0, 0) + 1
    conn.close()


@dataclass
class Measured:
    tally: Tally
    elapsed: float
    server_cpu: float
    client_cpu: float
    database_cpu: float = 0.0  # PostgreSQL's own processes on this machine (0 for SQLite: inside the server's)

    def per_request_ms(self) -> tuple[float, float]:
        n = max(self.tally.count(), 1)
        return self.server_cpu / n * 1000, self.client_cpu / n * 1000


async def measure(server: Server, jobs: Callable[[float], list[Awaitable[None]]], seconds: float,
                  tally: Tally) -> Measured:  # fmt: skip
    database = server.database or server
    cpu0, own0, db0, started = server.cpu(), time.process_time(), database.cpu(), time.monotonic()
    await asyncio.gather(*jobs(started + seconds))
    elapsed = time.monotonic() - started
    database_cpu = database.cpu() - db0 if server.database else 0.0
    return Measured(tally, elapsed, server.cpu() - cpu0, time.process_time() - own0, database_cpu)


async def mixed(server: Server, heads: dict[str, bytes], ids: list[int], args: argparse.Namespace) -> Measured:
    tally = Tally()

    def jobs(until: float) -> list[Awaitable[None]]:
        work: list[Awaitable[None]] = [reader(server, heads, ids, tally, until) for _ in range(args.users)]
        return work + [writer(server, heads["mw.drafter"], tally, until) for _ in range(args.writers)]

    return await measure(server, jobs, args.seconds, tally)


async def alone(server: Server, heads: dict[str, bytes], ids: list[int], kind: str, seconds: float,
                clients: int) -> Measured:  # fmt: skip
    """One endpoint by itself (or the floor's), `clients` connections for `seconds`: its server CPU a request."""
    tally = Tally()
    if kind == "floor":

        def jobs(until: float) -> list[Awaitable[None]]:
            return [_floor_loop(server, heads["mw.drafter"], tally, until) for _ in range(clients)]
    else:

        def jobs(until: float) -> list[Awaitable[None]]:
            return [reader(server, heads, ids, tally, until, (kind,)) for _ in range(clients)]

    return await measure(server, jobs, seconds, tally)


async def _floor_loop(server: Server, head: bytes, tally: Tally, until: float) -> None:
    conn = Connection(server.host, server.port)
    while time.monotonic() < until:
        await timed(conn, tally, "read:floor", "GET", "/floor", head, ok_codes=(200,))
    conn.close()


async def under_attack(server: Server, seconds: float, guessers: int, head: bytes) -> tuple[float, dict[int, int]]:
    """A real user's 待办, asked one request after another while the loops guess passwords: its p95."""
    until = time.monotonic() + seconds
    counts: dict[int, int] = {}
    tally = Tally()

    async def probe() -> None:
        conn = Connection(server.host, server.port)
        while time.monotonic() < until:
            await timed(conn, tally, "inbox", "GET", "/", head)
        conn.close()

    await asyncio.gather(probe(), *[guesser(server, until, counts) for _ in range(guessers)])
    return pct(tally.all(), 0.95), counts


async def warm_up(server: Server, heads: dict[str, bytes], ids: list[int], connections: int = 8) -> None:
    """Every read once per reader on each of several connections at once, unmeasured: the kernel hands them to
    every server process, so each has compiled its templates, filled its statement caches and loaded its word
    lists (a second process loading them during a measured pass added ≈ 1.3 CPU-s to it), as in service."""

    async def one() -> None:
        conn = Connection(server.host, server.port)
        for head in heads.values():
            for kind in KINDS:
                await conn.request("GET", read_url(kind, ids), head)
        conn.close()

    await asyncio.gather(*(one() for _ in range(connections)))


async def quiet_p95(server: Server, head: bytes, n: int = 60) -> float:
    tally, conn = Tally(), Connection(server.host, server.port)
    for _ in range(n):
        await timed(conn, tally, "inbox", "GET", "/", head)
    conn.close()
    return pct(tally.all(), 0.95)


def summary(m: Measured) -> dict[str, object]:
    reads = m.tally.all("read:")
    server_ms, client_ms = m.per_request_ms()
    return {
        "requests_per_s": round(m.tally.count() / m.elapsed, 1),
        "reads": len(reads),
        "read_p50_ms": round(pct(reads, 0.5), 1),
        "read_p95_ms": round(pct(reads, 0.95), 1),
        "read_p99_ms": round(pct(reads, 0.99), 1),
        "read_max_ms": round(max(reads) * 1000, 1) if reads else 0,
        "writes": len(m.tally.times.get("write:draft+submit", [])),
        "write_p95_ms": round(pct(m.tally.times.get("write:draft+submit", []), 0.95), 1),
        "errors": sum(m.tally.errors.values()),
        "errors_by_kind": dict(m.tally.errors),
        "first_error": dict(m.tally.first_error),
        "per_kind_p95_ms": {k: round(pct(v, 0.95), 1) for k, v in sorted(m.tally.times.items())},
        "server_cpu_ms_per_request": round(server_ms, 2),
        "database_cpu_ms_per_request": round(m.database_cpu / max(m.tally.count(), 1) * 1000, 2),
        "client_cpu_ms_per_request": round(client_ms, 3),
    }


def database_url(kind: str) -> tuple[str | None, Callable[[], None]]:
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


def prepare(args: argparse.Namespace, home: Path) -> tuple[Settings, Callable[[], None]]:
    """The data home with the example organs, users and documents; the settings the API process reads."""
    url, drop = database_url(args.database)
    if url:
        os.environ["GONGWEN_DATABASE_URL"] = url
    settings = bench_settings(home)
    runtime = Runtime(settings)
    with runtime.context() as ctx:
        load_organs_and_users(ctx, gated=GATED)  # as `gongwen up` sets the example organs
    seed_documents(runtime, args.docs)
    if url:  # statistics as autovacuum keeps them on a running server (a fresh database has none: bad plans)
        with runtime.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")  # outside a transaction: a rolled-back one discards what it gathered
    runtime.close()
    return settings, drop


def start_servers(sup: Supervisor, settings: Settings) -> tuple[Server, Server]:
    """Ours as `gongwen api` serves it, and the floor app by the same uvicorn with as many workers."""
    api = settings.api
    proc = sup.start("api", gongwen_command("api"), to_log=True)
    floor_port = free_port()
    uvicorn = [sys.executable, "-m", "uvicorn", "bench.floor_app:app", "--app-dir", str(ROOT), "--port",
               str(floor_port), "--workers", str(api.workers), "--log-level", "warning", "--timeout-keep-alive",
               str(api.keep_alive_seconds)]  # fmt: skip
    floor = sup.start("floor", uvicorn, to_log=True)
    wait_for_http(f"http://127.0.0.1:{api.port}/api/v1/health", STARTUP_SECONDS)
    wait_for_http(f"http://127.0.0.1:{floor_port}/floor", STARTUP_SECONDS)
    server = Server("127.0.0.1", api.port, proc.pid, _local_postgres(settings.effective_database_url))
    return server, Server("127.0.0.1", floor_port, floor.pid)


def _local_postgres(url: str) -> Server | None:
    """PostgreSQL's postmaster (the parent of a backend) when the database runs on this machine: its processes'
    CPU is part of what a request costs."""
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        backend = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    engine.dispose()
    try:
        stat = Path(f"/proc/{backend}/stat").read_text()
    except OSError:  # another machine's
        return None
    return Server("", 0, int(stat[stat.rindex(")") + 2 :].split()[1]))


async def per_endpoint(server: Server, floor: Server, heads: dict[str, bytes], ids: list[int],
                       seconds: float) -> tuple[float, dict[str, dict[str, float]]]:  # fmt: skip
    """Each read alone, 8 connections for `seconds`, and the floor app the same way: server CPU ms a request."""
    floor_ms, floor_client_ms = (await alone(floor, heads, ids, "floor", seconds, 8)).per_request_ms()
    endpoints: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        m = await alone(server, heads, ids, kind, seconds, 8)
        server_ms, client_ms = m.per_request_ms()
        endpoints[kind] = {
            "server_cpu_ms": round(server_ms, 2),
            "floor_ratio": round(server_ms / floor_ms, 1),
            "requests": m.tally.count(),
            "errors": sum(m.tally.errors.values()),
            "p99_ms": round(pct(m.tally.all(), 0.99), 1),
            "client_cpu_ms": round(client_ms, 3),
        }
        print(
            f"  {kind:10} server CPU {server_ms:6.2f} ms/request ({server_ms / floor_ms:5.1f}x the floor), "
            f"{m.tally.count()} requests, client {client_ms:.3f} ms/request"
        )
    print(
        f"  floor      server CPU {floor_ms:6.2f} ms/request (a minimal FastAPI app, same uvicorn and workers), "
        f"client {floor_client_ms:.3f} ms/request"
    )
    return floor_ms, endpoints


async def run(server: Server, floor: Server, args: argparse.Namespace) -> dict[str, object]:
    heads = {u: await login(server, u) for u in READERS}
    ids = list(range(1, args.docs + 1))
    await warm_up(server, heads, ids)
    quiet = await quiet_p95(server, heads["mw.registrar"])
    # each read alone first: on the seeded data, before the writers add to every 待办
    floor_ms, endpoints = await per_endpoint(server, floor, heads, ids, args.pass_seconds)
    load = summary(await mixed(server, heads, ids, args))
    print(f"{args.database}: {args.users} readers + {args.writers} writers for {args.seconds:.0f}s: {load}")
    attacked, counts = await under_attack(server, args.attack_seconds, args.guessers, heads["mw.registrar"])
    print(
        f"quiet 待办 p95 {quiet:.1f} ms; with {args.guessers} loops guessing passwords: p95 "
        f"{attacked:.1f} ms ({attacked / max(quiet, 0.1):.2f}x); login answers {counts}"
    )
    figures = {k: load[k] for k in ("requests_per_s", "read_p99_ms", "errors", "server_cpu_ms_per_request",
                                    "database_cpu_ms_per_request")}  # fmt: skip
    return {
        "database": args.database,
        "cores": os.cpu_count(),
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        **figures,
        "server_cpu_ms_per_request_by_endpoint": {k: v["server_cpu_ms"] for k, v in endpoints.items()},
        "client_cpu_ms_per_request": load["client_cpu_ms_per_request"],
        "floor_cpu_ms_per_request": round(floor_ms, 3),
        "endpoints": endpoints,
        "load": load,
        "quiet_inbox_p95_ms": round(quiet, 1),
        "attacked_read_p95_ms": round(attacked, 1),
        "login_answers": counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=60, help="the mixed load")
    parser.add_argument("--pass-seconds", type=float, default=4, help="each endpoint alone, and the floor")
    parser.add_argument("--attack-seconds", type=float, default=10)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--guessers", type=int, default=8)
    parser.add_argument("--docs", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gongwen-load-") as tmp:
        settings, drop = prepare(args, Path(tmp))
        sup = Supervisor(settings, say=print)
        try:
            server, floor = start_servers(sup, settings)
            with asyncio.Runner(loop_factory=new_event_loop) as runner:
                print(json.dumps(runner.run(run(server, floor, args)), ensure_ascii=False))
        finally:
            sup.stop_all()
            drop()


if __name__ == "__main__":
    main()
