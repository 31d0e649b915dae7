"""Every case of tests/layout/cases.py rendered once per session to PDF (and HTML), read back for measuring; the
seed cases only when ../shared/seeds is there (a test asking for one otherwise skips, saying why)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from services.config import PROJECT_ROOT
from services.rendering.fonts import find_fonts_dir
from services.rendering.layout import LayoutEngine
from services.rendering.model import DocumentFacts, Layout
from services.rendering.renderer import DocumentRenderer
from tests.conftest import SEEDS, SEEDS_MISSING
from tests.layout.cases import CASES, SEED_CASES, build
from tests.layout.measure import PdfPage, read_pdf

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts" / "layout"


@dataclass
class Rendered:
    name: str
    facts: DocumentFacts
    layout: Layout
    html: str
    pdf: bytes
    pages: list[PdfPage]


@pytest.fixture(scope="session")
def renderer() -> DocumentRenderer:
    if find_fonts_dir() is None:
        pytest.skip("the Fandol fonts are not installed (scripts/install-fonts.sh puts them in place)")
    return DocumentRenderer(PROJECT_ROOT / "templates", store=None)  # type: ignore[arg-type]  # no attachments read


class RenderedCases(dict[str, Rendered]):
    def __missing__(self, name: str) -> Rendered:
        if name in SEED_CASES:
            pytest.skip(f"{name}: {SEEDS_MISSING}")
        raise KeyError(name)


@pytest.fixture(scope="session")
def rendered(renderer: DocumentRenderer) -> dict[str, Rendered]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = RenderedCases()
    for name in [*CASES, *(SEED_CASES if SEEDS.is_dir() else ())]:
        facts = build(name, SEEDS, LayoutEngine(renderer.fonts))
        layout = renderer.layout(facts)
        html = renderer.html(layout)
        pdf, _ = renderer.pdf(html)
        (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
        out[name] = Rendered(name, facts, layout, html, pdf, read_pdf(pdf))
    return out
