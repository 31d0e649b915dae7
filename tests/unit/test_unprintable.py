"""Which characters no installed face can draw (services/rendering/fonts.py): a document holding one is refused at
审核. Traditional Mongolian and Ext-B Han have fallback faces; a code point no font has is named."""

from __future__ import annotations

import pytest

from services.rendering.fonts import Face, FontSet, find_fonts_dir, font_file

MONGOLIAN = "ᠵᠠᠯᠠᠨᠲᠤ ᠰᠢ ᠪᠣᠯᠠᠭ"


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    found = find_fonts_dir()
    if found is None:
        pytest.skip("the Fandol fonts are not installed (scripts/install-fonts.sh puts them in place)")
    for face in (Face.mong, Face.hanb):
        if font_file(found, face) is None:
            pytest.skip(f"{face}: fonts-noto-core / fonts-hanazono are not installed (scripts/setup.sh)")
    return FontSet(found)


def test_mongolian_and_ext_b_have_a_face(fonts: FontSet) -> None:
    assert fonts.missing(f"扎兰屯市{MONGOLIAN}𪚥（U+2A6A5）") == []
    assert fonts.face_for(Face.fang, "ᠵ") == Face.mong
    assert fonts.face_for(Face.fang, "\U00020000") in (Face.hana, Face.hanb)
    assert fonts.face_for(Face.fang, "扎") == Face.fang


def test_a_code_point_no_face_has_is_named_once(fonts: FontSet) -> None:
    assert fonts.missing("文\U0010fffd字\U0010fffd\U00030000") == ["\U0010fffd", "\U00030000"]


def test_mongolian_is_measured_joined(fonts: FontSet) -> None:
    """The width of a Mongolian word is its shaped width (joined forms are narrower than isolated letters)."""
    isolated = sum(fonts.advance(Face.mong, c) for c in MONGOLIAN)
    assert 0 < fonts.width(Face.mong, MONGOLIAN) < isolated
