"""The token stream every backend indexes (DOMAIN.md §6), the tokens a query matches, and the phrase cover the
embedded engine queries with."""

from __future__ import annotations

import random
import re

import pytest

from search.analysis import phrase_terms, query_tokens, token_string, tokens

MONGOLIAN = "ᠵᠠᠯᠠᠨᠲᠤ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("民族团结", ["民", "民族", "族团", "团结", "结"]),
        ("民族团结，进步", ["民", "民族", "族团", "团结", "结", "进", "进步", "步"]),
        ("石榴籽", ["石", "石榴", "榴籽", "籽"]),
        ("中", ["中"]),
        ("于 2024 年", ["于", "2024", "年"]),
        ("扎民委字〔2024〕32号", ["扎", "扎民", "民委", "委字", "字", "2024", "32", "号"]),
        ("第41个全区", ["第", "41", "个", "个全", "全区", "区"]),
        (f"{MONGOLIAN}文字", [MONGOLIAN, "文", "文字", "字"]),
        ("ＡＢＣ１２３", ["abc123"]),
        ("團結進步", ["团", "团结", "结进", "进步", "步"]),
        ("民族 团结", ["民", "民族", "族团", "团结", "结"]),  # a typesetter's space between Chinese characters
        ("snake_case", ["snake", "case"]),
    ],
)
def test_token_stream(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_positions_of_a_bigram_are_the_positions_of_its_first_character() -> None:
    toks = tokens("加强民族团结，推进示范创建")
    assert toks.index("民族") == 3 and toks.index("团结") == 5  # after the run's first character, 加
    assert token_string("加强民族团结").split() == toks[:7]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("民族团结", ["民族", "族团", "团结"]),  # found inside a longer run: no single at either end
        ("第41个", ["第", "41", "个"]),  # beside digits: 第 ends a run, 个 begins one
        ("是第41个", ["是第", "第", "41", "个"]),
        ("2024年", ["2024", "年"]),
        ("9月", ["9", "月"]),
        ("民族团结，进步", ["民族", "族团", "团结", "结", "进", "进步"]),
    ],
)
def test_a_query_keeps_the_singles_beside_its_digits_and_drops_those_at_its_ends(
    typed: str, expected: list[str]
) -> None:
    assert query_tokens(typed) == expected


def test_a_phrase_keeps_every_other_bigram_and_the_last() -> None:
    even = phrase_terms(query_tokens("铸牢中华民族共同体意识"), lambda _: 1)
    assert even == [(0, "铸牢"), (2, "中华"), (4, "民族"), (6, "共同"), (8, "体意"), (9, "意识")]
    assert phrase_terms(query_tokens("民族团结"), lambda _: 1) == [(0, "民族"), (2, "团结")]


def test_the_cover_prefers_rare_bigrams() -> None:
    common = {"乡镇"}
    cover = phrase_terms(query_tokens("各乡镇街道"), lambda t: 1000 if t in common else 1)
    assert [t for _, t in cover] == ["各乡", "镇街", "街道"]


def test_punctuation_digits_and_singles_keep_their_places() -> None:
    assert phrase_terms(query_tokens("示范单位，创建"), lambda _: 1) == [
        (0, "示范"), (2, "单位"), (3, "位"), (4, "创"), (5, "创建")
    ]  # fmt: skip
    assert phrase_terms(query_tokens("2024年度工作"), lambda _: 1) == [(0, "2024"), (1, "年"), (2, "年度"), (4, "工作")]


def test_without_costs_every_token_is_matched_at_consecutive_places() -> None:
    assert phrase_terms(query_tokens("民族团结，进步")) == list(enumerate(["民族", "族团", "团结", "结", "进", "进步"]))


def _occurs(phrase: str, text: str) -> bool:
    """Whether a phrase's cover matches somewhere in a text's token stream, as a phrase query does."""
    cover = phrase_terms(query_tokens(phrase), lambda _: 1)
    stream = tokens(text)
    return any(all(p + off < len(stream) and stream[p + off] == t for off, t in cover) for p in range(len(stream)))


def _as_matched(text: str) -> str:
    """The text as a phrase sees it: punctuation between two Chinese characters separates them, beside digits or
    a word it is no boundary (as a space is not)."""
    between_han = re.compile("(?<=[民族团结])，+(?=[民族团结])")
    kept = between_han.sub("|", text)
    return kept.replace("，", "").replace(" ", "")


def test_a_cover_matches_exactly_where_the_characters_stand_side_by_side() -> None:
    """Random texts over a few characters, digits, a word and punctuation: the cover of a typed phrase matches iff
    the phrase stands in the text."""
    rng = random.Random(5)
    han = "民族团结"
    pieces = [*han, *han, "ab", " 41 ", "，"]  # spaced, so that 41 is never part of a longer word (ab41)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(4, 24)))
        phrases = ["".join(rng.choice(han) for _ in range(rng.randint(4, 7))) for _ in range(6)]
        phrases += ["".join(rng.choice([*han, "41"]) for _ in range(rng.randint(2, 5))) for _ in range(6)]
        start = rng.randrange(len(text))
        phrases += [m[0] for m in re.finditer(f"[{han}41]{{2,}}", text[start:])]
        for phrase in (p for p in phrases if "4141" not in p):  # 4141 typed is one number, not 41 41
            assert _occurs(phrase, text) == (phrase in _as_matched(text)), (phrase, text)


def test_issuer_forms_keep_every_written_name_and_derive_short_forms() -> None:
    from search.names import MAX_FORMS, issuer_forms

    forms = issuer_forms(["广元市卫生健康委员会"])
    assert forms[0] == "广元市卫生健康委员会"
    assert {"广元市卫健委", "市卫健委", "卫健委", "卫生健康委员会", "卫生健康委"} <= set(forms)
    party = issuer_forms(["中共扎兰屯市委员会统一战线工作部"])
    assert {"中共扎兰屯市委统战部", "扎兰屯市委统战部", "市委统战部", "统战部"} <= set(party)
    assert "市委" in issuer_forms(["中共扎兰屯市委员会"])
    assert issuer_forms(["某某"]) == ["某某"]  # nothing to derive from a name without a place or a long form
    many = [f"扎兰屯市第{n}卫生健康委员会" for n in range(40)]
    kept = issuer_forms(many)
    assert set(many) <= set(kept) and len(kept) <= len(many) + MAX_FORMS  # the written names are never cut
    assert issuer_forms(["關於衛生健康委員會"])[:2] == ["關於衛生健康委員會", "关于卫生健康委员会"]


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("开展民族团结进步宣传月（简称民宣月）", [("民族团结进步宣传月", "民宣月"), ("民族团结进步宣传", "民宣")]),
        ("国家民族事务委员会（以下简称国家民委）", [("国家民族事务委员会", "国家民委"), ("民族事务委员会", "民委")]),
        ("铸牢中华民族共同体意识（简称铸牢意识）", [("铸牢中华民族共同体意识", "铸牢意识")]),  # no stem of 2+ left
        ("《扎兰屯市活动实施方案》（简称“方案”）", []),  # a tail cut off is no abbreviation
    ],
)
def test_a_defined_abbreviation_teaches_its_stem(text: str, pairs: list[tuple[str, str]]) -> None:
    from search.recall import defined_abbreviations

    assert defined_abbreviations(text) == pairs
