"""A print run of thousands of registered copies is printed in ranges of at most one print file each."""

from __future__ import annotations

import pytest

from services.errors import Invalid
from services.rendering.printing import MAX_COPIES_PER_RUN, print_range
from services.rendering.renderer import copy_numbers

REGISTERED = copy_numbers(5000)


def test_five_thousand_registered_copies_print_in_ranges() -> None:
    runs = [print_range(REGISTERED, first, first + MAX_COPIES_PER_RUN - 1) for first in range(1, 5001, 500)]
    assert [n for run in runs for n in run] == REGISTERED
    assert runs[-1][-1] == "005000"
    assert print_range(REGISTERED, 4990, None) == REGISTERED[4989:]


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [(None, None, "print_run_too_large"), (1, 501, "print_run_too_large"), (10, 9, "print_range_invalid"),
     (4999, 5001, "print_range_invalid")],
)  # fmt: skip
def test_a_range_too_large_or_outside_the_registered_copies_is_refused(first: int, last: int, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        print_range(REGISTERED, first, last)
    assert refused.value.code == code
    assert "first=1&last=500" in refused.value.zh or code == "print_range_invalid"


def test_a_small_run_prints_whole() -> None:
    assert print_range(copy_numbers(3), None, None) == ["000001", "000002", "000003"]
