"""Small numbers in a home are never shown; one hidden alone takes the next smallest with it."""

from __future__ import annotations

from backend.reports.suppress import FEWER, WITHHELD, column, shown


def test_one_to_four_are_fewer_than_five_and_zero_stays_zero() -> None:
    assert [shown(n) for n in (0, 1, 4, 5, 111)] == ["0", FEWER, FEWER, "5", "111"]


def test_a_hidden_figure_alone_in_its_column_takes_the_next_smallest_with_it() -> None:
    # The summary gives the total: 30 + 26 + 13 + 3 = 72 would give the 3 away.
    assert column([30, 26, 13, 3]) == ["30", "26", WITHHELD, FEWER]


def test_two_hidden_figures_hide_each_other() -> None:
    assert column([30, 2, 0, 3]) == ["30", FEWER, "0", FEWER]
    assert column([0, 0, 2]) == ["0", "0", FEWER]
    assert column([7, 9]) == ["7", "9"]
