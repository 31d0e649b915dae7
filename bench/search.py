"""Benchmark: the embedded search engine on a generated corpus, measured through HTTP.

Builds an index of N generated documents (~2,000 characters each), starts the API on it, and queries
2-character words, 4-character words, phrases, 发文字号 and filtered queries with facets, as an archivist.
After each word of every kind once, and per kind after five more queries: wall-clock p50/p95/p99 through HTTP and
the API processes' CPU milliseconds per query (the machine is shared: the load average is printed beside them).
Prints a JSON object on its last line.

Building 100,000 documents takes minutes, so the built home is kept in a cache folder named by the corpus size, its
seed and the index's generation stamp, and reused by the next run (--fresh builds it again).

    .venv/bin/python bench/search.py --docs 100000 [--queries 300] [--fresh]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api import api_process, bench_settings
from bench.corpus import ORGANS, TOPICS, Corpus
from bench.cpu import tree_cpu_seconds
from search.embedded import STAMP, EmbeddedIndex
from services.config import Settings
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, load_organs_and_users

TWO = ["义诊", "石榴", "宣传", "民族", "健康", "团结", "普法", "档案", "旅游", "基层", "党员", "培训"]
FOUR = ["民族团结", "健康义诊", "宣传教育", "志愿服务", "主题党日", "基层医疗", "示范创建", "文化遗产"]
PHRASES = ['"铸牢中华民族共同体意识"', '"民族团结进步活动月"', '"开展健康义诊"', '"各乡镇街道"', '"进一步提高干部职工"']
WORDS = {"two_char": TWO, "four_char": FOUR, "phrase": PHRASES}


SEED = 20241123
BUILT = "search-bench-built.json"  # written once the index is complete: its figures, for the runs that reuse it


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def cached_home(n: int) -> Path:
    return Path(tempfile.gettempdir()) / f"gongwen-search-bench-{n}-seed{SEED}-generation{STAMP}"


def build(home: Path, n: int) -> dict[str, float]:
    index = EmbeddedIndex(home / "index")
    corpus = Corpus(SEED)
    started = time.perf_counter()
    count = index.rebuild(corpus.docs(n))
    seconds = time.perf_counter() - started
    figures = {
        "docs": count,
        "index_seconds": round(seconds, 1),
        "docs_per_second": round(count / seconds, 1),
        "index_bytes": _dir_size(home / "index"),
        "index_mb": round(_dir_size(home / "index") / 2**20, 1),
    }
    (home / BUILT).write_text(json.dumps(figures))
    return figures


def built_figures(home: Path, n: int) -> dict[str, float] | None:
    """The figures of the build this home holds, None when it holds no complete index of n documents."""
    marker = home / BUILT
    if not marker.exists():
        return None
    figures: dict[str, float] = json.loads(marker.read_text())
    return figures if figures.get("docs") == n else None


def server_cpu_seconds() -> float:
    """CPU seconds of this process's children (the API), without this process's own (the client)."""
    own = os.times()
    return tree_cpu_seconds(os.getpid()) - (own.user + own.system)


def queries(kind: str, rng: random.Random, corpus: Corpus) -> dict[str, str | int]:
    if kind == "two_char":
        return {"q": rng.choice(TWO)}
    if kind == "four_char":
        return {"q": rng.choice(FOUR)}
    if kind == "phrase":
        return {"q": rng.choice(PHRASES)}
    if kind == "doc_number":
        doc = corpus.doc(0)
        return {"q": doc.doc_number.replace("〔", "[").replace("〕", "]") if doc.doc_number else ""}
    organ = rng.choice(ORGANS)[0]
    return {"q": rng.choice(TOPICS)[2:6], "issuer": organ, "year": rng.randint(2015, 2025), "sort": "date"}


def measure(base: str, n_queries: int, corpus_seed: int) -> dict[str, dict[str, float]]:
    http = httpx.Client(base_url=base, timeout=30)
    token = http.post("/api/v1/auth/login", json={"username": "archivist", "password": DEMO_PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(7)
    sample = Corpus(corpus_seed)  # replays the same 文号 sequence as the index
    out: dict[str, dict[str, float]] = {}
    for q in [w for words in WORDS.values() for w in words]:  # what a word loads on its first use, loaded
        http.get("/api/v1/search", params={"q": q}, headers=headers).raise_for_status()
    for kind in ("two_char", "four_char", "phrase", "doc_number", "filtered_facets"):
        times, totals = [], []
        cpu_before = 0.0
        for i in range(n_queries):
            if i == 5:  # after the warm-up
                cpu_before = server_cpu_seconds()
            params = queries(kind, rng, sample)
            t = time.perf_counter()
            r = http.get("/api/v1/search", params=params, headers=headers)
            elapsed = (time.perf_counter() - t) * 1000
            r.raise_for_status()
            if i >= 5:
                times.append(elapsed)
                totals.append(r.json()["total"])
        q = statistics.quantiles(times, n=100)
        out[kind] = {
            "p50_ms": round(q[49], 2),
            "p95_ms": round(q[94], 2),
            "p99_ms": round(q[98], 2),
            "server_cpu_ms": round((server_cpu_seconds() - cpu_before) / len(times) * 1000, 2),
            "mean_hits": round(statistics.mean(totals), 1),
            "loadavg_1m": round(os.getloadavg()[0], 2),
        }
    return out


def measure_served(settings: Settings, n_queries: int) -> dict[str, dict[str, float]]:
    """``measure`` against the API in its own process, started a second time if it did not answer in time the
    first (its two server processes import the whole application: over a minute on a busy machine)."""
    for attempt in (1, 2):
        try:
            with api_process(settings) as base:
                return measure(base, n_queries, SEED)
        except TimeoutError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--home", type=Path, default=None, help="the data home (default: a cache folder per corpus)")
    parser.add_argument("--fresh", action="store_true", help="build the index again even if the home holds it")
    args = parser.parse_args()
    home = args.home or cached_home(args.docs)
    home.mkdir(parents=True, exist_ok=True)
    settings = bench_settings(home)
    runtime = Runtime(settings)
    with runtime.context() as ctx:
        from sqlalchemy import select

        from services.domain.models import User

        if not ctx.session.scalar(select(User.id).limit(1)):
            load_organs_and_users(ctx)
    figures: dict[str, object] = {}
    built = None if args.fresh else built_figures(home, args.docs)
    figures.update(built or build(home, args.docs))
    figures["index_reused"] = built is not None
    runtime.close()
    figures["latency_through_http"] = measure_served(settings, args.queries)
    figures.update({"cores": os.cpu_count(), "engine": "embedded (tantivy)", "home": str(home)})
    figures["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
