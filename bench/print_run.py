"""Benchmark: a 涉密 document's print run (the example notice with its plan as 附件, 机密) for 50 and 500 copies, the
way `GET /api/v1/documents/{id}/print.pdf` makes it — laid out once, each copy renumbered and streamed — and, for
comparison, the way it was made before (every copy laid out, the whole file assembled in memory). Prints, per run,
the peak of Python's allocations (tracemalloc) while the file is made and handed on chunk by chunk, the seconds
(timed apart, without tracemalloc) and the file's size; then one JSON line.

    .venv/bin/python bench/print_run.py [--copies 50 --copies 500] [--no-before]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.config import PROJECT_ROOT
from services.rendering.model import DocumentFacts
from services.rendering.pdf import PdfWriter
from services.rendering.renderer import DocumentRenderer, copy_numbers
from tests.layout.cases import example_notice

MB = 1024 * 1024


def streamed(renderer: DocumentRenderer, facts: DocumentFacts, copies: list[str]) -> Iterable[bytes]:
    return renderer.print_run(facts, copies)


def assembled(renderer: DocumentRenderer, facts: DocumentFacts, copies: list[str]) -> Iterable[bytes]:
    """Before: every copy laid out, then one PDF built in memory."""
    assert renderer.fonts_dir is not None
    layouts = [renderer.layout(replace(facts, copy_number=number)) for number in copies]
    return [PdfWriter(renderer.fonts_dir).write_all(layouts, facts.title)]


Way = Callable[[DocumentRenderer, DocumentFacts, list[str]], Iterable[bytes]]


def consume(chunks: Iterable[bytes]) -> int:
    """What a response does with the chunks: send each on and keep nothing."""
    return sum(len(chunk) for chunk in chunks)


def measure(way: Way, renderer: DocumentRenderer, facts: DocumentFacts, count: int) -> dict[str, float]:
    copies = copy_numbers(count)
    start = time.perf_counter()
    size = consume(way(renderer, facts, copies))
    seconds = time.perf_counter() - start
    tracemalloc.start()
    consume(way(renderer, facts, copies))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"peak_mb": round(peak / MB, 1), "seconds": round(seconds, 2), "file_mb": round(size / MB, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, action="append", help="copies in a run (repeatable); 50 and 500")
    parser.add_argument("--no-before", action="store_true", help="skip the in-memory way it was made before")
    args = parser.parse_args()
    renderer = DocumentRenderer(PROJECT_ROOT / "templates", store=None)  # type: ignore[arg-type]
    facts = replace(example_notice(), copy_number="000001", secrecy="机密★1年")
    pages = len(renderer.layout(facts).pages)  # also loads the fonts and the word segmenter once
    consume(streamed(renderer, facts, copy_numbers(2)))  # and the PDF/A profile, font subsetting: not timed
    ways: dict[str, Way] = {"streamed": streamed} if args.no_before else {"streamed": streamed, "before": assembled}
    results: dict[str, dict[str, dict[str, float]]] = {}
    for count in args.copies or [50, 500]:
        for name, way in ways.items():
            found = measure(way, renderer, facts, count)
            results.setdefault(str(count), {})[name] = found
            print(f"{count:5d} copies × {pages} pages  {name:9} peak {found['peak_mb']:7.1f} MB  "
                  f"{found['seconds']:6.2f} s  file {found['file_mb']:.2f} MB")  # fmt: skip
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    summary = {"pages_per_copy": pages, "cores": os.cpu_count(), "load_1min": load, "runs": results}
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
