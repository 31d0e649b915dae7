"""The token stream every backend indexes (DOMAIN.md §6) and the phrase cover the embedded engine queries with."""

from __future__ import annotations

import random
import re

import pytest

from search.analysis import FILLER, phrase_terms, token_string, tokens

MONGOLIAN = "ᠵᠠᠯᠠᠨᠲᠤ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("民族团结", ["民族", "族团", "团结"]),
        ("民族团结，进步", ["民族", "族团", "团结", FILLER, FILLER, "进步"]),
        ("石榴籽", ["石榴", "榴籽"]),
        ("中", ["中"]),
        ("于 2024 年", ["于", "2024", "年"]),
        ("扎民委字〔2024〕32号", ["扎民", "民委", "委字", FILLER, FILLER, "2024", "32", "号"]),
        (f"{MONGOLIAN}文字", [MONGOLIAN, "文字"]),
        ("ＡＢＣ１２３", ["abc123"]),
        ("團結進步", ["团结", "结进", "进步"]),
        ("民族 团结", ["民族", "族团", "团结"]),  # a typesetter's space between Chinese characters is no boundary
        ("snake_case", ["snake", "case"]),
    ],
)
def test_token_stream(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_positions_of_a_bigram_are_the_positions_of_its_first_character() -> None:
    toks = tokens("加强民族团结，推进示范创建")
    assert toks.index("民族") == 2 and toks.index("团结") == 4
    assert token_string("加强民族团结").split() == toks[:5]


def test_a_phrase_keeps_every_other_bigram_and_the_last() -> None:
    even = phrase_terms(tokens("铸牢中华民族共同体意识"), lambda _: 1)
    assert even == [(0, "铸牢"), (2, "中华"), (4, "民族"), (6, "共同"), (8, "体意"), (9, "意识")]
    assert phrase_terms(tokens("民族团结"), lambda _: 1) == [(0, "民族"), (2, "团结")]


def test_the_cover_prefers_rare_bigrams() -> None:
    common = {"乡镇"}
    cover = phrase_terms(tokens("各乡镇街道"), lambda t: 1000 if t in common else 1)
    assert [t for _, t in cover] == ["各乡", "镇街", "街道"]


def test_punctuation_and_words_keep_their_places_and_fillers_are_never_matched() -> None:
    assert phrase_terms(tokens("示范单位，创建"), lambda _: 1) == [(0, "示范"), (2, "单位"), (5, "创建")]
    assert phrase_terms(tokens("2024年度工作"), lambda _: 1) == [(0, "2024"), (1, "年度"), (3, "工作")]


def test_without_costs_every_token_is_matched_at_consecutive_places() -> None:
    assert phrase_terms(tokens("民族团结，进步")) == [(0, "民族"), (1, "族团"), (2, "团结"), (3, "进步")]


def _occurs(phrase: str, text: str) -> bool:
    """Whether a phrase's cover matches somewhere in a text's token stream, as a phrase query does."""
    cover = phrase_terms(tokens(phrase), lambda _: 1)
    stream = tokens(text)
    return any(all(p + off < len(stream) and stream[p + off] == t for off, t in cover) for p in range(len(stream)))


def test_a_cover_matches_exactly_where_the_characters_stand_side_by_side() -> None:
    """Random texts over a few characters, a word and punctuation: the cover matches iff the phrase's characters
    stand side by side in the text."""
    rng = random.Random(5)
    han = "民族团结"
    for _ in range(3000):
        text = "".join(rng.choice([*han, "ab", "，"]) for _ in range(rng.randint(4, 24)))
        phrases = ["".join(rng.choice(han) for _ in range(rng.randint(4, 7))) for _ in range(10)]
        start = rng.randrange(len(text))
        phrases += [m[0] for m in re.finditer(f"[{han}]{{4,}}", text[start:])]
        for phrase in phrases:
            assert _occurs(phrase, text) == (phrase in text), (phrase, text)
