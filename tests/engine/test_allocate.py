"""Exact splits: largest remainder, held rows, and two-way tables (SPEC §3, §9)."""

from decimal import Decimal

import numpy as np
import pytest

from engine.matrix import fit, round_matrix, shortfall
from engine.money import allocate, allocate_rows, round_half_up, scale, to_cents


def test_allocate_held_example_of_spec_9():
    # total 100, weights 10/20/30, the middle row held at 20: the free rows share 80 as 10:30
    assert allocate(100, [10, 20, 30], [np.nan, 20, np.nan]).tolist() == [20, 20, 60]


def test_allocate_equal_weights_gives_the_remainder_to_the_first_row():
    # 100 / 3 = 33.33 each; one unit left over goes to the earliest row (key order)
    assert allocate(100, [1, 1, 1]).tolist() == [34, 33, 33]


def test_allocate_largest_remainder_beats_key_order():
    # exact shares 1.6, 3.2, 5.2 -> floors 1, 3, 5 (sum 9); the largest remainder (0.6) gets the unit
    assert allocate(10, [16, 32, 52]).tolist() == [2, 3, 5]


def test_allocate_zero_weight_rows_get_nothing():
    assert allocate(7, [0, 1, 0, 1]).tolist() == [0, 4, 0, 3]


def test_allocate_refuses_held_rows_above_the_total():
    with pytest.raises(ValueError):
        allocate(10, [1, 1], [11, np.nan])


def test_allocate_rows_each_row_sums_to_its_total():
    out = allocate_rows(np.array([10, 7]), np.array([[1.0, 1.0, 1.0], [3.0, 0.0, 1.0]]))
    # row 1: 3.33 each -> 4, 3, 3; row 2: 5.25, 0, 1.75 -> 5, 0, 2 (0.75 > 0.25)
    assert out.tolist() == [[4, 3, 3], [5, 0, 2]]


def test_to_cents_rounds_half_away_from_zero_as_typed():
    # 0.285 is stored as 0.28499999999999998 but was typed as 0.285 -> 29 cents
    assert to_cents([0.285, 1.005, -2.675, 107692.44, 12.344]).tolist() == [
        29,
        101,
        -268,
        10769244,
        1234,
    ]


def test_scale_rounds_exactly_at_half():
    # 1235 units × 0.9 = 1111.5 exactly -> 1112 (half up), no binary float drift
    assert scale(np.array([1235, 1234]), Decimal("0.9")).tolist() == [1112, 1111]
    assert round_half_up(Decimal("2400000.5"), 1000) == 2400000
    assert round_half_up(Decimal("2400500"), 1000) == 2401000


def test_two_way_table_keeps_both_margins_and_stays_next_to_the_exact_values():
    # rows 10 and 5, columns 6, 6, 3; exact table is the product of the margins / 15
    rows, cols = np.array([10, 5]), np.array([6, 6, 3])
    exact = np.outer(rows, cols) / 15  # [[4, 4, 2], [2, 2, 1]]: already whole
    assert round_matrix(exact, rows, cols).tolist() == [[4, 4, 2], [2, 2, 1]]
    rows, cols = np.array([5, 5]), np.array([3, 3, 4])
    exact = np.outer(rows, cols) / 10  # every cell 1.5 or 2
    out = round_matrix(exact, rows, cols)
    assert out.sum(axis=1).tolist() == [5, 5] and out.sum(axis=0).tolist() == [3, 3, 4]
    assert np.abs(out - exact).max() < 1


def test_two_way_table_respects_coverage_zeros():
    allowed = np.array([[True, False], [True, True]])
    rows, cols = np.array([4, 6]), np.array([5, 5])
    out = round_matrix(fit(allowed * 1.0, rows, cols), rows, cols, allowed)
    # row 1 can only sell column 1: 4 there, so row 2 has 1 and 5
    assert out.tolist() == [[4, 0], [1, 5]]


def test_shortfall_names_what_coverage_cannot_place():
    allowed = np.array([[True, False], [True, False]])
    assert shortfall(np.array([5, 5]), np.array([4, 6]), allowed).tolist() == [0, 6]
