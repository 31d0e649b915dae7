"""A print run is every registered copy, or any range of them; a range outside the registered copies is refused."""

from __future__ import annotations

import pytest

from services.errors import Invalid
from services.registrar.printing import print_range
from services.rendering.renderer import copy_numbers

REGISTERED = copy_numbers(5000)


def test_five_thousand_registered_copies_print_in_one_run_or_in_any_range() -> None:
    assert print_range(REGISTERED, None, None) == REGISTERED
    assert print_range(REGISTERED, 4990, None) == REGISTERED[4989:]
    assert print_range(REGISTERED, None, 2) == ["000001", "000002"]
    assert print_range(REGISTERED, 777, 777) == ["000777"]


@pytest.mark.parametrize(("first", "last"), [(10, 9), (4999, 5001), (5001, None)])
def test_a_range_outside_the_registered_copies_is_refused(first: int, last: int | None) -> None:
    with pytest.raises(Invalid) as refused:
        print_range(REGISTERED, first, last)
    assert refused.value.code == "print_range_invalid" and "第 1 至第 5000 份" in refused.value.zh


def test_a_small_run_prints_whole() -> None:
    assert print_range(copy_numbers(3), None, None) == ["000001", "000002", "000003"]
