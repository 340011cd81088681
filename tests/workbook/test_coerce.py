"""A long column is read once per distinct value (coerce.by_distinct): the results must be
those of reading every cell, for every kind of cell a column can hold."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_addin.workbook import coerce

TEXTS = ["North", " North ", "北区", "　", "", "12", "1,200", "120万", "30%", "2026-10-05",
         "2026年10月5日", "abc", "１２０", "#N/A"]  # fmt: skip
DAYS = [dt.datetime(2026, 10, 5), dt.datetime(2026, 10, 12, 9, 30), pd.Timestamp("2026-10-19"),
        dt.datetime(1899, 1, 1), dt.datetime(2300, 1, 1)]  # fmt: skip

cells = st.one_of(st.sampled_from(TEXTS), st.none(), st.just(float("nan")))
day_cells = st.one_of(st.sampled_from(DAYS), st.none())

READS = {
    "text": lambda f, v: f(v),
    "blank_cells": lambda f, v: f(v),
    "amount": lambda f, v: f(v),
    "date": lambda f, v: f(v),
    "choice": lambda f, v: f(v, "Level"),
}


def _same(read: str, values: pd.Series) -> None:
    wrapped = getattr(coerce, read)
    every_cell = READS[read](wrapped.__wrapped__, values)
    distinct = READS[read](wrapped, values)
    if not isinstance(every_cell, tuple):
        every_cell, distinct = (every_cell,), (distinct,)
    for a, b in zip(every_cell, distinct, strict=True):
        pd.testing.assert_series_equal(a, b, check_dtype=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(cells, min_size=64, max_size=300), st.sampled_from(sorted(READS)))
def test_text_columns_read_once_per_value_read_as_every_cell(values, read):
    _same(read, pd.Series(values, dtype=object))


@settings(max_examples=30, deadline=None)
@given(st.lists(day_cells, min_size=64, max_size=300))
def test_date_columns_read_once_per_value_read_as_every_cell(values):
    _same("date", pd.Series(values, dtype=object))


def test_the_distinct_path_is_taken_and_spreads_by_row():
    """A column of 1,000 cells with 3 values: each is read once, every row gets its own."""
    values = pd.Series(np.array(["North ", "x", None] * 333 + ["South"], dtype=object))
    seen = []
    read = coerce.by_distinct(lambda v: seen.append(len(v)) or v.str.strip())
    out = read(values)
    assert seen == [4]  # 'North ', 'x', 'South' and one None for the blanks
    assert out.iloc[0] == "North" and out.iloc[1] == "x" and out.iloc[999] == "South"
    assert out.iloc[2] is None or pd.isna(out.iloc[2])
    assert list(out.index) == list(values.index)


@pytest.mark.parametrize(
    "values",
    [
        [1, 1.0, True] * 30,  # equal, but 1 and 1.0 are numbers and True is not
        [dt.date(2026, 10, 5), dt.datetime(2026, 10, 5)] * 40,
    ],
)
def test_mixed_kinds_are_read_cell_by_cell(values):
    series = pd.Series(values, dtype=object)
    for read in ("text", "amount", "date"):
        _same(read, series)
    nums, bad, _ = coerce.number(series)
    if isinstance(values[2], bool):
        assert list(bad[:3]) == [False, False, True]  # a TRUE in a number column is refused
