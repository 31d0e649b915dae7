"""Benchmark: render each document of the layout test set (tests/layout/cases.py: the example joint notice, the
generated cases, and the seeds when ../shared/seeds is there) the way issuing does — layout, HTML with embedded
fonts, PDF — and print seconds per document; the figure that matters is the joint notice with its plan as 附件
(example-notice; seed-002 is the same shape), to stay ≤ 0.5 s on 2 cores. The OFD written beside the PDF at issue
is timed apart (`ofd_s`, not in `median_s`), and so is pressing an electronic seal per issuer of the document on
both (`seal_s`: drawing the seal pictures on the PDF page, the GB/T 38540 SM2/SM3 signatures embedded in the OFD and
detached beside the PDF, services/seal/; the keys are made once, before timing).
The first render of a process (font files, the word segmenter's
dictionary) is timed apart as `cold_s`.

    .venv/bin/python bench/render.py [--repeat 7] [--only example-notice]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.config import PROJECT_ROOT
from services.rendering.fonts import FONT_FILES, find_fonts_dir
from services.rendering.layout import LayoutEngine
from services.rendering.model import DocumentFacts
from services.rendering.renderer import DocumentRenderer
from services.seal.image import draw_seal
from services.seal.ses import KeyPair, SealKey
from services.seal.sign import Stamp, places_of, sign_ofd, sign_pdf
from tests.conftest import SEEDS
from tests.layout.cases import CASES, SEED_CASES, build


def render_once(renderer: DocumentRenderer, facts: object) -> tuple[float, float, float, float, int]:
    """Seconds for layout, HTML, PDF and OFD, and the page count."""
    start = time.perf_counter()
    layout = renderer.layout(facts)  # type: ignore[arg-type]
    laid = time.perf_counter()
    html = renderer.html(layout)
    written = time.perf_counter()
    _, pages = renderer.pdf(html)
    done = time.perf_counter()
    renderer.ofd(html)
    ofd = time.perf_counter()
    return laid - start, written - laid, done - written, ofd - done, pages


def seal_keys(facts: DocumentFacts) -> list[SealKey]:
    """A seal per issuer, made as 用印 makes one (a key pair, the picture drawn from the name, its SESeal)."""
    now = dt.datetime.now(dt.UTC)
    fonts = find_fonts_dir()
    found = []
    for n, organ in enumerate(facts.issuers if facts.sealed else []):
        picture = draw_seal(organ, fonts / FONT_FILES["GWSongBold"] if fonts else None)
        until = now + dt.timedelta(days=3650)
        key = SealKey(f"bench{n}-v1-0", organ, 1, picture, 42, KeyPair.generate(), now, now, until)
        found.append(replace(key, eseal=key.seal()))  # the SESeal is kept with the seal version, made once
    return found


def seal_once(renderer: DocumentRenderer, facts: DocumentFacts, keys: list[SealKey]) -> float:
    """Seconds to issue the document sealed beyond issuing it unsealed: the pictures drawn on the PDF, and every
    seal signed into the OFD and beside the PDF (what the issue job adds when 用印 recorded the seals)."""
    layout = renderer.layout(facts)
    start = time.perf_counter()
    stamped = layout.stamped({k.organ: k.image_png for k in keys})
    html = renderer.html(stamped)
    pdf, _ = renderer.pdf(html)
    ofd = renderer.ofd(html)
    stamps = [Stamp.of(k, places_of(stamped, k.organ)) for k in keys]
    sign_ofd(ofd, stamps, dt.datetime.now(dt.UTC))
    sign_pdf(pdf, stamps, dt.datetime.now(dt.UTC))
    sealed = time.perf_counter() - start
    start = time.perf_counter()
    html = renderer.html(layout)
    renderer.pdf(html)
    renderer.ofd(html)
    return max(sealed - (time.perf_counter() - start), 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed renders per document (the median is kept)")
    parser.add_argument("--only", action="append", help="a case name (repeatable); all cases by default")
    args = parser.parse_args()
    renderer = DocumentRenderer(PROJECT_ROOT / "templates", store=None)  # type: ignore[arg-type]
    names = args.only or [*CASES, *(SEED_CASES if SEEDS.is_dir() else ())]
    first = build(names[0], SEEDS, LayoutEngine(renderer.fonts))
    cold_start = time.perf_counter()  # font files and the word segmenter's dictionary load on first use
    render_once(renderer, first)
    cold = time.perf_counter() - cold_start
    facts = {name: build(name, SEEDS, LayoutEngine(renderer.fonts)) for name in names}
    results = {}
    for name in names:
        runs = [render_once(renderer, facts[name]) for _ in range(args.repeat)]
        keys = seal_keys(facts[name])
        seal_runs = [seal_once(renderer, facts[name], keys) for _ in range(args.repeat)] if keys else [0.0]
        totals = [sum(run[:3]) for run in runs]  # layout, HTML and PDF, as before OFD
        results[name] = {
            "pages": runs[0][4],
            "median_s": round(statistics.median(totals), 3),
            "min_s": round(min(totals), 3),
            "layout_s": round(statistics.median(r[0] for r in runs), 3),
            "html_s": round(statistics.median(r[1] for r in runs), 3),
            "pdf_s": round(statistics.median(r[2] for r in runs), 3),
            "ofd_s": round(statistics.median(r[3] for r in runs), 3),
            "seal_s": round(statistics.median(seal_runs), 3),
            "seals": len(keys),
        }
        row = results[name]
        print(
            f"{name:18} {row['pages']:3d} pages  {row['median_s']:.3f} s/document (median), "
            f"PDF {row['pdf_s']:.3f} s, OFD {row['ofd_s']:.3f} s, {row['seals']} seals {row['seal_s']:.3f} s"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(
        json.dumps(
            {"cold_s": round(cold, 2), "cores": os.cpu_count(), "load_1min": load, "documents": results},
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
