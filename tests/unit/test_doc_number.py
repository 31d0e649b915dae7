"""发文字号 canonical form (DOMAIN.md §2.3, §6): any bracket, no 第, no leading zeros."""

from __future__ import annotations

import pytest

from search.analysis import (
    DocNumber,
    canonical_doc_number,
    find_doc_numbers,
    is_canonical_doc_number,
    parse_doc_number,
)


@pytest.mark.parametrize(
    "typed",
    [
        "扎民委字〔2024〕32号",
        "扎民委字[2024]32号",
        "扎民委字【2024】32号",
        "扎民委字（2024）32号",
        "扎民委字(2024)32号",
        "扎民委字﹝2024﹞32号",
        "扎民委字〔２０２４〕３２号",
        "扎民委字〔2024〕第32号",
        "扎民委字〔2024〕032号",
        "扎民委字 [2024] 32 号",
    ],
)
def test_every_typing_reaches_the_canonical_form(typed: str) -> None:
    assert canonical_doc_number(typed) == "扎民委字〔2024〕32号"


def test_parts_are_parsed() -> None:
    assert parse_doc_number("广卫发〔2022〕17号") == DocNumber("广卫发", 2022, 17)


@pytest.mark.parametrize("text", ["扎民委字〔2024〕0号", "关于2024年工作的通知", "扎民委字2024-32", ""])
def test_non_numbers_are_not_invented(text: str) -> None:
    assert parse_doc_number(text) is None


def test_numbers_are_found_inside_prose() -> None:
    found = find_doc_numbers("根据《广元市创建全国民族团结进步示范市工作方案》（广委办函〔2022〕31号）部署要求")
    assert [str(n) for n, _ in found] == ["广委办函〔2022〕31号"]


def test_canonical_check_rejects_the_wrong_forms() -> None:
    assert is_canonical_doc_number("国发〔2024〕5号")
    assert not is_canonical_doc_number("国发[2024]5号")
    assert not is_canonical_doc_number("国发〔2024〕05号")
    assert not is_canonical_doc_number("国发〔2024〕第5号")
