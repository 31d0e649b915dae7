"""The registrar's rules that need no database: 印制份数 and 份号 (GB/T 9704 §7.2.1: six Arabic digits, one per
printed copy; DOMAIN.md §1.2: 份号 required on 涉密 documents)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from services.domain.enums import CLASSIFICATION_RANK, Classification
from services.errors import Invalid

MAX_PRINTED_COPIES = 5000  # more than any office prints of one document; a typo, not a print run
COPY_NUMBER = re.compile(r"^\d{6}$")
RANGE = re.compile(r"^(\d{6})[-－~～至](\d{6})$")
SEPARATORS = re.compile(r"[\s,，、;；]+")


def needs_copy_numbers(classification: str) -> bool:
    """份号 for each copy: required on 机密 and 绝密 documents (a 秘密 one may be numbered 000001… by default)."""
    return CLASSIFICATION_RANK[Classification(classification)] >= CLASSIFICATION_RANK[Classification.confidential]


def check_copies(copies: int) -> int:
    if copies < 1 or copies > MAX_PRINTED_COPIES:
        raise Invalid(
            "printed_copies_invalid",
            f"印制份数须为 1 至 {MAX_PRINTED_COPIES} 之间的整数",
            f"the number of printed copies must be between 1 and {MAX_PRINTED_COPIES}",
            field="copies",
        )
    return copies


def parse_copy_numbers(text: str, copies: int) -> list[str]:
    """份号 as a clerk writes them: six digits each, separated by spaces, commas or 、, or a range
    “000001-000030”; full-width digits are read as digits. Exactly one per printed copy, none twice."""
    numbers: list[str] = []
    for token in SEPARATORS.split(unicodedata.normalize("NFKC", text).strip()):
        if not token:
            continue
        numbers += _expand(token, copies - len(numbers))
    if len(numbers) != copies:
        raise Invalid(
            "copy_numbers_count",
            f"份号须逐份编排：印制 {copies} 份，填写了 {len(numbers)} 个份号",
            f"one 份号 per printed copy: {copies} copies, {len(numbers)} numbers given",
            field="copy_numbers",
        )
    twice = [n for n, count in Counter(numbers).items() if count > 1]
    if twice:
        raise Invalid(
            "copy_numbers_duplicate",
            f"份号重复：{'、'.join(twice[:10])}",
            f"a 份号 is given twice: {', '.join(twice[:10])}",
            field="copy_numbers",
        )
    return numbers


def _expand(token: str, room: int) -> list[str]:
    if COPY_NUMBER.match(token):
        return [_nonzero(token)]
    found = RANGE.match(token)
    if found is None:
        raise Invalid(
            "copy_number_invalid",
            f"份号“{token[:20]}”不符合要求：份号为 6 位阿拉伯数字，如 000001",
            f"'{token[:20]}' is not a 份号: six Arabic digits, e.g. 000001",
            field="copy_numbers",
        )
    first, last = int(_nonzero(found[1])), int(_nonzero(found[2]))
    if last < first or last - first + 1 > max(room, 0):
        raise Invalid(
            "copy_numbers_count",
            f"份号区间“{token}”与印制份数不符",
            f"the range '{token}' does not fit the number of printed copies",
            field="copy_numbers",
        )
    return [f"{n:06d}" for n in range(first, last + 1)]


def _nonzero(number: str) -> str:
    if int(number) == 0:
        raise Invalid("copy_number_invalid", "份号从 000001 起编", "份号 start at 000001", field="copy_numbers")
    return number
