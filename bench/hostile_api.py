"""Benchmark: a running instance under hostile use. The API, a worker and the Prefect server start as `gongwen up`
starts them, on a temporary home with the example organs and users; then, each part bounded to 2 minutes:

(a) imports: the 1 MB PDF whose pages share one content stream (>100 MB of text), the .docx whose document.xml
    declares 4 KB and unpacks to 1 GiB, and a 100 MB text without a sentence end, posted at once while /health is
    asked every 100 ms: how long each upload held its request, when its job was refused or finished, health's p99,
    and the API's memory above idle;
(b) 8 loops guessing passwords for 30 s against the target users — 4 from fixed addresses, 4 rotating through
    X-Forwarded-For (the bench's address a trusted proxy) — while a real user polls 待办: whether the targets
    still log in with their right password, and 待办's p95 loaded against quiet;
(c) 20k malformed requests: the API processes' memory at start, middle and end.

    .venv/bin/python bench/hostile_api.py [--parts a,b,c] [--fuzz 20000]

JSON on the last line. Bounded: one data home under a temporary folder, loopback only, everything stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import string
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.api import bench_settings
from services.processes import STARTUP_SECONDS, Supervisor, free_port, gongwen_command, wait_for_http
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, GATED, load_organs_and_users

MB = 1 << 20
LINE = "这一行文字没有句末标点而且会一直这样写下去"
TARGETS = ("admin", "mw.head", "mw.drafter", "archivist")
OFFICE = "192.168.10.20"  # where the targets' owners work (their address behind the proxy)
PART_SECONDS = 120.0
FUZZ_SECONDS = 100.0


# -- hostile files -------------------------------------------------------------------------------------------------


def shared_stream_pdf(pages: int = 60, lines: int = 1400) -> bytes:
    """A PDF of ``pages`` large pages that all draw one content stream of ``lines`` lines of distinct digits
    (≈ 2 MB of text a page, ≈ 1 MB compressed): a small file that extracts to ``pages`` times its one stream."""
    rng = random.Random(7)
    rows = "".join(f"({''.join(rng.choice(string.digits) for _ in range(1500))}) '\n" for _ in range(lines))
    content = zlib.compress(f"BT /F1 10 Tf 10 TL 10 14390 Td\n{rows}ET\n".encode(), 9)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{5 + k} 0 R".encode() for k in range(pages))
        + b"] /Count "
        + str(pages).encode()
        + b" >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(content)).encode() + b" /Filter /FlateDecode >>\nstream\n" + content + b"\nendstream",
    ]
    for _ in range(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>")  # fmt: skip
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.writelines(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def lying_docx(unpacked: int = 1 << 30, declared: int = 4096) -> bytes:
    """A .docx whose word/document.xml says it holds ``declared`` bytes and inflates to ``unpacked``."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = b"0" * MB
    deflated = b"".join(squeeze.compress(zeros) for _ in range(unpacked // MB)) + squeeze.flush()
    members = [("[Content_Types].xml", b"<Types/>", None), ("word/document.xml", deflated, declared)]
    out = io.BytesIO()
    central = []
    for name, data, lie in members:
        raw = name.encode()
        stored = lie is None
        size = len(data) if lie is None else lie
        crc = zlib.crc32(data) if stored else 0
        method = 0 if stored else 8
        offset = out.tell()
        header = b"PK\x03\x04" + _le(20, 2) + _le(0, 2) + _le(method, 2) + _le(0, 4) + _le(crc, 4)
        out.write(header + _le(len(data), 4) + _le(size, 4) + _le(len(raw), 2) + _le(0, 2) + raw + data)
        central.append(
            b"PK\x01\x02" + _le(20, 2) + _le(20, 2) + _le(0, 2) + _le(method, 2) + _le(0, 4) + _le(crc, 4)
            + _le(len(data), 4) + _le(size, 4) + _le(len(raw), 2) + _le(0, 6) + _le(0, 2) + _le(0, 4)
            + _le(offset, 4) + raw
        )  # fmt: skip
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(b"PK\x05\x06" + _le(0, 4) + _le(len(central), 2) * 2 + _le(len(directory), 4) + _le(start, 4) + _le(0, 2))
    return out.getvalue()


def _le(value: int, size: int) -> bytes:
    return value.to_bytes(size, "little")


def sentence_free(size: int) -> bytes:
    line = (LINE + "\n").encode()
    return line * (size // len(line))


# -- measuring the API processes -----------------------------------------------------------------------------------


def tree(pid: int) -> list[int]:
    """The process and its descendants (the API server and its worker processes)."""
    found, queue = [], [pid]
    while queue:
        p = queue.pop()
        found.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with suppress(OSError):
                queue += [int(c) for c in (task / "children").read_text().split()]
    return found


def rss_mb(pid: int) -> dict[int, float]:
    """Resident memory of each process of the tree, in MB."""
    sizes = {}
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[p] = int(line.split()[1]) / 1024
        except OSError:
            pass
    return sizes


class Sampler:
    """Polls /health every 100 ms and the API's memory every 200 ms, in threads of their own."""

    def __init__(self, base: str, api_pid: int) -> None:
        self.base, self.api_pid = base, api_pid
        self.health: list[float] = []
        self.failures = 0
        self.peak_total = 0.0
        self.peak_process = 0.0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._poll, daemon=True), threading.Thread(target=self._rss)]

    def __enter__(self) -> Sampler:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()

    def _poll(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    ok = client.get("/api/v1/health").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.health.append(time.perf_counter() - started)
                self.failures += not ok
                self._stop.wait(max(0.0, 0.1 - (time.perf_counter() - started)))

    def _rss(self) -> None:
        while not self._stop.is_set():
            sizes = rss_mb(self.api_pid)
            self.peak_total = max(self.peak_total, sum(sizes.values()))
            self.peak_process = max(self.peak_process, max(sizes.values(), default=0.0))
            self._stop.wait(0.2)


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)


# -- the instance ------------------------------------------------------------------------------------------------


@contextmanager
def instance(home: Path) -> Iterator[tuple[str, Supervisor]]:
    """API (with the bench's address a trusted proxy), one worker and the Prefect server, as `gongwen up` runs them."""
    os.environ["GONGWEN_API__TRUSTED_PROXIES"] = '["127.0.0.1"]'
    os.environ["GONGWEN_PREFECT__PORT"] = str(free_port())
    os.environ["GONGWEN_WORKFLOW__WORKERS"] = "1"
    settings = bench_settings(home)
    runtime = Runtime(settings)
    with runtime.context() as ctx:
        load_organs_and_users(ctx, gated=GATED)
    runtime.close()
    sup = Supervisor(settings, say=print)
    try:
        sup.start_prefect_server()
        sup.start("worker-1", gongwen_command("worker"), to_log=True)
        sup.start("api", gongwen_command("api", "--no-setup-notice"), to_log=True)
        base = f"http://127.0.0.1:{settings.api.port}"
        wait_for_http(base + "/api/v1/health", STARTUP_SECONDS, process=sup.process("api"))
        yield base, sup
    finally:
        sup.stop_all()


def token_of(client: httpx.Client, username: str, address: str = OFFICE) -> str:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD},
                    headers={"X-Forwarded-For": address})  # fmt: skip
    r.raise_for_status()
    return str(r.json()["token"])


def settle(base: str, api_pid: int, seconds: float = 3.0) -> float:
    """The API's memory once a few ordinary requests have warmed it up and it has been idle a moment."""
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(20):
            client.get("/api/v1/health")
    time.sleep(seconds)
    return sum(rss_mb(api_pid).values())


# -- (a) hostile imports -------------------------------------------------------------------------------------------


def part_a(base: str, api_pid: int) -> dict[str, Any]:
    uploads = {
        "shared_stream.pdf": shared_stream_pdf(),
        "lying.docx": lying_docx(),
        "sentence_free.txt": sentence_free(100 * MB - 4096),
    }
    sizes = {name: len(data) for name, data in uploads.items()}
    with httpx.Client(base_url=base, timeout=120) as client:
        head = {"Authorization": f"Bearer {token_of(client, 'archivist')}"}
    idle = settle(base, api_pid)
    results: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    with Sampler(base, api_pid) as sampler:
        threads = [threading.Thread(target=_post_and_follow, args=(base, head, n, d, results, started))
                   for n, d in uploads.items()]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    wall = time.monotonic() - started
    return {
        "files": {n: {"bytes": sizes[n], **r} for n, r in results.items()},
        "handler_max_ms": max((r.get("handler_ms") or 0.0 for r in results.values()), default=0.0),
        "health_p99_ms": pct(sampler.health, 0.99),
        "health_max_ms": pct(sampler.health, 1.0),
        "health_requests": len(sampler.health),
        "health_failures": sampler.failures,
        "api_idle_mb": round(idle, 1),
        "api_peak_above_idle_mb": round(sampler.peak_total - idle, 1),
        "api_peak_process_mb": round(sampler.peak_process, 1),
        "wall_s": round(wall, 1),
    }


def _post_and_follow(base: str, head: dict[str, str], name: str, data: bytes, results: dict[str, dict[str, Any]],
                     started: float) -> None:  # fmt: skip
    with httpx.Client(base_url=base, timeout=120) as client:
        sent = time.monotonic()
        r = client.post("/api/v1/imports", files={"files": (name, data)}, headers=head)
        answered = time.monotonic()
        outcome: dict[str, Any] = {"post_status": r.status_code, "post_s": round(answered - sent, 3)}
        timing = r.headers.get("server-timing", "")  # handler;dur=… : the request thread's own time
        outcome["handler_ms"] = float(timing.split("dur=")[1]) if "dur=" in timing else None
        if r.status_code != 202:
            outcome["code"] = r.json().get("error", {}).get("code")
            results[name] = outcome
            return
        job_id = r.json()["id"]
        deadline = started + PART_SECONDS - 5
        job: dict[str, Any] = {}
        while time.monotonic() < deadline:
            job = client.get(f"/api/v1/imports/jobs/{job_id}", headers=head).json()
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
        outcome["job_status"] = job.get("status", "?")
        outcome["stage"] = job.get("stage")
        files = job.get("files") or [{}]
        outcome["code"] = files[0].get("code")
        outcome["ended_s_after_post"] = round(time.monotonic() - sent, 2) if job.get("finished_at") else None
        results[name] = outcome


# -- (b) guessing loops ------------------------------------------------------------------------------------------


async def _guess(client: httpx.AsyncClient, until: float, fixed: str | None, counts: dict[int, int]) -> None:
    n = 0
    while time.monotonic() < until:
        n += 1
        address = fixed or f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        body = {"username": TARGETS[n % len(TARGETS)], "password": f"guess-{n}-wrong"}
        try:
            r = await client.post("/api/v1/auth/login", json=body, headers={"X-Forwarded-For": address})
            counts[r.status_code] = counts.get(r.status_code, 0) + 1
        except httpx.HTTPError:
            counts[0] = counts.get(0, 0) + 1


async def _poll_inbox(client: httpx.AsyncClient, cookie: str, until: float, times: list[float]) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        await client.get("/", headers={"Cookie": f"gongwen_token={cookie}", "X-Forwarded-For": OFFICE})
        times.append(time.perf_counter() - started)


async def _attack(base: str, cookie: str, seconds: float) -> tuple[list[float], dict[int, int]]:
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=16)) as client:
        until = time.monotonic() + seconds
        counts: dict[int, int] = {}
        times: list[float] = []
        fixed = [f"203.0.113.{k}" for k in range(1, 5)]
        loops = [_guess(client, until, a, counts) for a in fixed] + [_guess(client, until, None, counts)
                                                                     for _ in range(4)]  # fmt: skip
        await asyncio.gather(_poll_inbox(client, cookie, until, times), *loops)
        return times, counts


def part_b(base: str, seconds: float = 30.0) -> dict[str, Any]:
    started = time.monotonic()
    with httpx.Client(base_url=base, timeout=60) as client:
        for user in TARGETS:  # each owner has logged in from the office before
            token_of(client, user)
        cookie = token_of(client, "mw.registrar")
        quiet: list[float] = []
        for _ in range(60):
            t0 = time.perf_counter()
            client.get("/", headers={"Cookie": f"gongwen_token={cookie}", "X-Forwarded-For": OFFICE})
            quiet.append(time.perf_counter() - t0)
    loaded, counts = asyncio.run(_attack(base, cookie, seconds))
    after: dict[str, int] = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for user in TARGETS:
            r = client.post("/api/v1/auth/login", json={"username": user, "password": DEMO_PASSWORD},
                            headers={"X-Forwarded-For": OFFICE})  # fmt: skip
            after[user] = r.status_code
    quiet_p95, loaded_p95 = pct(quiet, 0.95), pct(loaded, 0.95)
    return {
        "targets_login_after": after,
        "targets_all_logged_in": all(code == 200 for code in after.values()),
        "inbox_quiet_p95_ms": quiet_p95,
        "inbox_loaded_p95_ms": loaded_p95,
        "inbox_ratio": round(loaded_p95 / max(quiet_p95, 0.1), 2),
        "inbox_requests_loaded": len(loaded),
        "guess_answers": {str(k): v for k, v in sorted(counts.items())},
        "wall_s": round(time.monotonic() - started, 1),
    }


# -- (c) fuzzing -----------------------------------------------------------------------------------------------


def _malformed(rng: random.Random) -> tuple[str, str, dict[str, str], bytes | None]:
    junk = "".join(rng.choice(string.printable.strip()) for _ in range(rng.randrange(1, 60)))
    big = str(rng.choice([2**63, 2**64 + 1, -(2**70), 10**30]))
    paths = [
        f"/api/v1/documents?offset={big}", f"/api/v1/documents/{big}", f"/api/v1/documents/1/diff?from={big}&to=1",
        f"/api/v1/search?q={junk}", "/api/v1/auth/login", f"/api/v1/documents/{junk}", "/api/v1/imports",
        f"/documents/{rng.randrange(1, 10**6)}", f"/search?q={junk}&page={big}", "/api/v1/documents",
        f"/api/v1/obligations/{big}/matrix", f"/{junk}",
    ]  # fmt: skip
    path = rng.choice(paths)
    method = rng.choice(["GET", "GET", "GET", "POST", "POST", "PUT", "DELETE"])
    bodies = [b"{", b'{"username": [1,2,3]}', json.dumps({"title": junk * 50}).encode(),
              os.urandom(rng.randrange(1, 4096)),
              b"--x\r\nContent-Disposition: form-data; name=files; filename=a.txt\r\n\r\nabc", None]  # fmt: skip
    headers = {"Content-Type": rng.choice(["application/json", "multipart/form-data; boundary=x", "text/plain"])}
    return method, path, headers, rng.choice(bodies)


async def _fuzz(base: str, count: int, head: dict[str, str], on_progress: Callable[[int], None]) -> dict[int, int]:
    rng = random.Random(25)
    statuses: dict[int, int] = {}
    done = 0
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=8)) as client:

        async def one(n: int) -> None:
            nonlocal done
            method, path, headers, body = _malformed(rng)
            if n % 2:
                headers = {**headers, **head}
            try:
                r = await client.request(method, path, content=body, headers=headers)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            except httpx.InvalidURL:  # a URL the client itself will not send
                statuses[-1] = statuses.get(-1, 0) + 1
            except httpx.HTTPError:
                statuses[0] = statuses.get(0, 0) + 1
            done += 1
            on_progress(done)

        queue = iter(range(count))
        until = time.monotonic() + FUZZ_SECONDS

        async def loop() -> None:
            for n in queue:
                if time.monotonic() > until:  # the part stays within its 2 minutes on a slow machine
                    return
                await one(n)

        await asyncio.gather(*(loop() for _ in range(8)))
    return statuses


def part_c(base: str, api_pid: int, count: int) -> dict[str, Any]:
    started = time.monotonic()
    with httpx.Client(base_url=base, timeout=60) as client:
        head = {"Authorization": f"Bearer {token_of(client, 'mw.drafter')}"}
    marks = {"start": round(settle(base, api_pid, 1.0), 1)}

    fuzz_started = time.monotonic()

    def progress(done: int) -> None:
        """Halfway by count or by the time bound, whichever comes first."""
        halfway = done >= count // 2 or time.monotonic() - fuzz_started >= FUZZ_SECONDS / 2
        if halfway and "middle" not in marks:
            marks["middle"] = round(sum(rss_mb(api_pid).values()), 1)

    statuses = asyncio.run(_fuzz(base, count, head, progress))
    sent = sum(statuses.values())
    marks["end"] = round(sum(rss_mb(api_pid).values()), 1)
    marks["end_settled"] = round(settle(base, api_pid, 3.0), 1)
    return {
        "requests": sent,
        "requests_asked": count,
        "api_rss_mb": marks,
        "per_process_end_mb": [round(v, 1) for v in rss_mb(api_pid).values()],
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "server_errors": sum(v for k, v in statuses.items() if k >= 500 or k == 0),
        "wall_s": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="a,b,c")
    parser.add_argument("--fuzz", type=int, default=20000)
    parser.add_argument("--guess-seconds", type=float, default=30.0)
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    report: dict[str, Any] = {"bench": "hostile_api", "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="gongwen-hostile-") as tmp, instance(Path(tmp)) as (base, sup):
        api_pid = sup.process("api").pid
        if "a" in parts:
            report["imports"] = part_a(base, api_pid)
            print("(a)", json.dumps(report["imports"], ensure_ascii=False))
        if "b" in parts:
            report["guessing"] = part_b(base, args.guess_seconds)
            print("(b)", json.dumps(report["guessing"], ensure_ascii=False))
        if "c" in parts:
            report["fuzz"] = part_c(base, api_pid, args.fuzz)
            print("(c)", json.dumps(report["fuzz"], ensure_ascii=False))
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
