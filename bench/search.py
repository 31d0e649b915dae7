"""Benchmark: the embedded search engine on a generated corpus, measured through HTTP.

Builds an index of N generated documents (~2,000 characters each), starts the API on it, and queries
2-character words, 4-character words, phrases, 发文字号 and filtered queries with facets, as an archivist.
Prints a JSON object on its last line.

    .venv/bin/python bench/search.py --docs 100000 [--queries 300]
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
from search.embedded import EmbeddedIndex
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, load_organs_and_users

TWO = ["义诊", "石榴", "宣传", "民族", "健康", "团结", "普法", "档案", "旅游", "基层", "党员", "培训"]
FOUR = ["民族团结", "健康义诊", "宣传教育", "志愿服务", "主题党日", "基层医疗", "示范创建", "文化遗产"]
PHRASES = ['"铸牢中华民族共同体意识"', '"民族团结进步活动月"', '"开展健康义诊"', '"各乡镇街道"', '"进一步提高干部职工"']


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build(home: Path, n: int) -> dict[str, float]:
    index = EmbeddedIndex(home / "index")
    corpus = Corpus()
    started = time.perf_counter()
    count = index.rebuild(corpus.docs(n))
    seconds = time.perf_counter() - started
    return {
        "docs": count,
        "index_seconds": round(seconds, 1),
        "docs_per_second": round(count / seconds, 1),
        "index_bytes": _dir_size(home / "index"),
        "index_mb": round(_dir_size(home / "index") / 2**20, 1),
    }


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
    for kind in ("two_char", "four_char", "phrase", "doc_number", "filtered_facets"):
        times, totals = [], []
        for i in range(n_queries):
            params = queries(kind, rng, sample)
            t = time.perf_counter()
            r = http.get("/api/v1/search", params=params, headers=headers)
            elapsed = (time.perf_counter() - t) * 1000
            r.raise_for_status()
            if i >= 5:  # warm-up
                times.append(elapsed)
                totals.append(r.json()["total"])
        q = statistics.quantiles(times, n=100)
        out[kind] = {
            "p50_ms": round(q[49], 2),
            "p99_ms": round(q[98], 2),
            "mean_hits": round(statistics.mean(totals), 1),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--home", type=Path, default=None, help="reuse a home whose index was built before")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="gongwen-search-bench-"))
    settings = bench_settings(home)
    runtime = Runtime(settings)
    with runtime.context() as ctx:
        from sqlalchemy import select

        from services.domain.models import User

        if not ctx.session.scalar(select(User.id).limit(1)):
            load_organs_and_users(ctx)
    figures: dict[str, object] = {}
    if not (home / "index" / "CURRENT").exists() or args.home is None:
        figures.update(build(home, args.docs))
    runtime.close()
    with api_process(settings) as base:
        figures["latency_through_http"] = measure(base, args.queries, 20241123)
    figures.update({"cores": os.cpu_count(), "engine": "embedded (tantivy)", "home": str(home)})
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
