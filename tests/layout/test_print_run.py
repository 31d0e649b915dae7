"""A print run is the document laid out once and every copy numbered, written as a stream: each copy is the same
pages as the document laid out with its own 份号, in order, and the file leaves before the last copy is made."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace

import pytest
from pypdf import PdfReader

from services.errors import Invalid
from services.rendering.layout import LayoutEngine
from services.rendering.model import DocumentFacts, Layout
from services.rendering.pdf import PdfWriter
from services.rendering.renderer import DocumentRenderer, copy_numbers
from tests.layout.cases import example_notice, secret


def _secret_notice() -> DocumentFacts:
    """The example notice (twelve pages with its plan) as a 机密 document."""
    return replace(example_notice(), copy_number="000001", secrecy="机密★1年")


@pytest.mark.parametrize("facts", [secret(), _secret_notice()], ids=["secret", "secret-notice"])
def test_a_copy_renumbered_is_the_copy_laid_out_with_its_number(
    renderer: DocumentRenderer, facts: DocumentFacts
) -> None:
    engine = LayoutEngine(renderer.fonts)
    first = engine.compose(facts)
    assert engine.with_copy_number(first, "004321") == engine.compose(replace(facts, copy_number="004321"))


def test_a_print_run_holds_every_copy_in_order(renderer: DocumentRenderer) -> None:
    facts = _secret_notice()
    pages = len(renderer.layout(facts).pages)
    numbers = copy_numbers(12)[2:]  # copies 3–12: a range
    printed = b"".join(renderer.print_run(facts, numbers))
    reader = PdfReader(io.BytesIO(printed), strict=True)
    assert len(reader.pages) == len(numbers) * pages
    firsts = [reader.pages[i * pages].extract_text() for i in range(len(numbers))]
    assert [text[:6] for text in firsts] == numbers
    last_page = reader.pages[-1].extract_text()
    assert "印发" in last_page and reader.metadata is not None and reader.metadata.title == facts.title


def test_the_file_leaves_before_the_last_copy_is_made(renderer: DocumentRenderer) -> None:
    engine = LayoutEngine(renderer.fonts)
    laid_out = engine.compose(_secret_notice())
    made = 0

    def copies() -> Iterator[Layout]:
        nonlocal made
        for number in copy_numbers(400):
            made += 1
            yield engine.with_copy_number(laid_out, number)

    assert renderer.fonts_dir is not None
    stream = PdfWriter(renderer.fonts_dir).stream_all(copies(), "印制")
    next(stream)
    assert 0 < made < 400  # bytes went out while most copies were still to be made
    rest = b"".join(stream)
    assert made == 400 and rest.rstrip().endswith(b"%%EOF")


def test_a_character_the_fonts_lack_is_refused_before_any_byte(renderer: DocumentRenderer) -> None:
    facts = replace(secret(), title="关于\U00030000字的通知")  # an Ext-G character no installed face has
    with pytest.raises(Invalid) as refused:
        renderer.print_run(facts, copy_numbers(3))
    assert refused.value.code == "print_run_fonts"
    assert "U+30000“\U00030000”" in refused.value.zh
    assert b"".join(renderer.print_run(replace(facts, title="关于𪚥字的通知"), copy_numbers(2)))  # Ext-B: HanaMinB
