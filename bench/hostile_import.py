"""Benchmark: what hostile files cost the importer before they are stored. Texts without a sentence end (the
line-joining step used to be quadratic), a .docx whose parts lie about their sizes or are packed with bzip2, a
small PDF whose pages share one content stream: the processor time of reading and recognising each (or of
refusing it), beside the floor of reading the same bytes as UTF-8, in the same run. JSON on the last line.

    .venv/bin/python bench/hostile_import.py [--sizes 0.25,1,2,8]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.errors import DomainError
from services.imports.service import prepare

LINE = "这一行文字没有句末标点而且会一直这样写下去"
MB = 1 << 20


def cpu(work: Callable[[], object]) -> tuple[float, str]:
    """Processor seconds of ``work`` and how it ended (ok, or the refusal's code)."""
    started = time.process_time()
    try:
        work()
        outcome = "ok"
    except DomainError as exc:
        outcome = exc.code
    return time.process_time() - started, outcome


def sentence_free(mb: float) -> bytes:
    line = (LINE + "\n").encode()
    return line * int(mb * MB / len(line))


def bzip2_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"0" * (64 * MB), compress_type=zipfile.ZIP_BZIP2)
    return out.getvalue()


def deflate_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:t>" + b"0" * (200 * MB) + b"</w:t>")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="0.25,1,2,8", help="MB of sentence-free text to try")
    args = parser.parse_args()
    results: dict[str, object] = {}
    for mb in (float(s) for s in args.sizes.split(",")):
        data = sentence_free(mb)
        seconds, outcome = cpu(lambda data=data: prepare("长文.txt", data))  # type: ignore[misc]
        floor, _ = cpu(lambda data=data: data.decode("utf-8").splitlines())  # type: ignore[misc]
        results[f"text_{mb}MB"] = {"cpu_s": round(seconds, 3), "floor_s": round(floor, 4), "outcome": outcome}
        print(f"{mb:>5} MB without a sentence end: {seconds:.3f} s CPU ({outcome}); reading it alone {floor:.4f} s")
    for name, make in (("docx_bzip2", bzip2_docx), ("docx_deflate_200MB", deflate_bomb)):
        data = make()
        seconds, outcome = cpu(lambda data=data: prepare("方案.docx", data))  # type: ignore[misc]
        results[name] = {"bytes": len(data), "cpu_s": round(seconds, 3), "outcome": outcome}
        print(f"{name}: {len(data):,} bytes, {seconds:.3f} s CPU ({outcome})")
    print(json.dumps({"bench": "hostile_import", **results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
