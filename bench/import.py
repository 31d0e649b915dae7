"""Benchmark: import a folder of N generated text files (default 10,000) with `gongwen import`'s flow on the
default set-up (SQLite, filesystem store, embedded index) and print documents per second, CPU seconds per
document (the import process and its workers, and what the Prefect server spent meanwhile) and the load average as JSON.

    .venv/bin/python bench/import.py [--files 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import Corpus
from bench.cpu import tree_cpu_seconds
from services.config import Settings
from services.processes import Supervisor, free_port, prefect_env


def write_folder(folder: Path, n: int) -> int:
    corpus = Corpus(99)
    size = 0
    for doc in corpus.docs(n):
        text = (
            f"{doc.issuers[0]}文件\n{doc.doc_number}\n{doc.title}\n各有关单位：\n{doc.body}\n{doc.issuers[0]}\n"
            f"{doc.date.year}年{doc.date.month}月{doc.date.day}日\n"
            if doc.date
            else doc.body
        )
        data = text.encode("utf-8")
        (folder / f"{doc.id:06d}.txt").write_bytes(data)
        size += len(data)
    return size


def _children_cpu() -> float:
    """CPU seconds (user + system) of finished child processes: the import and the pool it waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="gongwen-import-bench-"))
    folder = home / "inbox"
    folder.mkdir()
    size = write_folder(folder, args.files)
    settings = Settings(home=home, prefect={"port": free_port()})  # type: ignore[arg-type]
    # the import finds the bench's server by its settings (else it starts one of its own on the default port)
    env = {**prefect_env(settings), "GONGWEN_PREFECT__PORT": str(settings.prefect.port)}
    exe = Path(sys.executable).parent
    supervisor = Supervisor(settings)
    try:
        supervisor.start_prefect_server()
        setup = (
            "from services.runtime import Runtime; from services.config import Settings; "
            "from services.seed.example import load_organs_and_users as l; r = Runtime(Settings()); "
            "c = r.context(); ctx = c.__enter__(); l(ctx); c.__exit__(None, None, None)"
        )
        subprocess.run([sys.executable, "-c", setup], env=env, check=True)
        server = supervisor.process("prefect-server").pid
        server_before = tree_cpu_seconds(server)
        cpu_before = _children_cpu()
        started = time.perf_counter()
        done = subprocess.run([str(exe / "gongwen"), "import", str(folder), "--json"], env=env, capture_output=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr.decode(errors="replace")[-3000:])
        seconds = time.perf_counter() - started
        cpu = _children_cpu() - cpu_before
        server_cpu = tree_cpu_seconds(server) - server_before
    finally:
        supervisor.stop_all()
        shutil.rmtree(home, ignore_errors=True)  # 10,000 files leave 640 MB behind
    outcomes = json.loads(done.stdout.decode().strip().splitlines()[-1])
    imported = sum(len(o["document_ids"]) for o in outcomes if o["status"] == "imported")
    print(
        json.dumps(
            {
                "files": args.files,
                "documents": imported,
                "mb": round(size / 2**20, 1),
                "seconds": round(seconds, 1),
                "documents_per_second": round(imported / seconds, 1),
                "failed": sum(1 for o in outcomes if o["status"] == "failed"),
                "cpu_seconds": round(cpu, 1),
                "server_cpu_seconds": round(server_cpu, 1),
                "cpu_seconds_per_document": round((cpu + server_cpu) / max(imported, 1), 4),
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "cores": os.cpu_count(),
                "includes": "process start, Prefect flow, read, recognise, store original + text, database",
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
