"""A long column is read once per distinct value (coerce.by_distinct): the results must be
those of reading every cell, for every kind of cell a column can hold."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.settings import SPECS
from xl_addin.workbook import coerce
from xl_addin.workbook.reader import Reader
from xl_addin.workbook.tablesource import CellError

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


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.lists(st.tuples(cells, st.booleans()), min_size=64, max_size=300),
        st.lists(st.tuples(day_cells, st.booleans()), min_size=64, max_size=300),
    ),
    st.sampled_from(sorted(READS)),
)
def test_a_column_found_distinct_once_reads_its_kept_rows_as_every_cell(rows, read):
    """The reader finds a column's distinct values once (for its blank rows) and reads the
    rows it keeps with them: as reading each kept cell."""
    values = pd.Series([v for v, _ in rows], dtype=object)
    keep = np.array([k for _, k in rows])
    kept = values[keep]
    wrapped = getattr(coerce, read)
    every_cell = READS[read](wrapped.__wrapped__, kept)
    seen = coerce.distinct(values)
    shared = READS[read](lambda v, *a: wrapped(v, *a, seen=seen and seen.rows(keep)), kept)
    if not isinstance(every_cell, tuple):
        every_cell, shared = (every_cell,), (shared,)
    for a, b in zip(every_cell, shared, strict=True):
        pd.testing.assert_series_equal(a, b, check_dtype=True)


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


# -- one value: a setting or a scenario's value is read as a column of that one value -------
FULL_WIDTH = str.maketrans("0123456789.,-+% ", "０１２３４５６７８９．，－＋％　")
numbers = st.one_of(
    st.integers(-(10**17), 10**17),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -0.0, 1, 0.3, 30, 100, 1.5, 2**53, 2**53 + 1, 10**15, 10**15 - 1]),
)


@st.composite
def typed_numbers(draw) -> str:
    """A number as a person types it: 30%, 1,200,000, １２０万, ' 12 ', 1.2亿元, 1e6, 12,5."""
    n = draw(numbers)
    text = draw(st.sampled_from([f"{n}", f"{n:,}" if isinstance(n, int) else f"{n}",
                                 f"{n:.2f}" if n == n and abs(n) != float("inf") else "nan"]))  # fmt: skip
    text = draw(st.sampled_from(["", "¥", "￥", "RMB ", "-¥"])) + text
    text += draw(st.sampled_from(["", "%", " %", "万", "亿", "元", "万元", ",5"]))
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return draw(st.sampled_from(["", " ", "\u3000"])) + text + draw(st.sampled_from(["", " "]))


one_values = st.one_of(
    numbers,
    typed_numbers(),
    st.sampled_from(
        TEXTS
        + [
            "",
            "  ",
            "1,2,3",
            "12,5",
            "-0",
            "inf",
            "1_000",
            "0x10",
            "45000",
            "45000.0",
            "2026/10/5",
            "20261005",
            "20261305",
            "2026-10-05T09:30:00.123+08:00",
            "5-Oct-26",
            "Oct 5, 2026",
            "31-Feb-2026",
            20261005,
            19000101.5,
            "2026-10-05 09:30",
            "2026-10-05 00:00+08:00",
            "2026-13-45",
            "1899-01-01",
            "2300-01-01",
            "TRUE",
            "是",
        ]
    ),  # fmt: skip
    st.sampled_from(DAYS + [dt.date(2026, 10, 5), np.float64(0.25), np.int64(7)]),
    st.booleans(),
    st.none(),
    st.just(float("nan")),
    st.builds(CellError, st.sampled_from(["#N/A", "", "12"])),
    st.text(max_size=12),
)


def _same_value(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b) and type(a) is type(b)) or (a == b and type(a) is type(b))


def _outcome(read, *args):
    """What `read` gives, or the failure it raises (the same on both paths)."""
    try:
        return read(*args)
    except Exception as exc:  # noqa: BLE001
        return ("raised", type(exc).__name__, str(exc))


@settings(max_examples=1500, deadline=None)
@given(one_values, st.booleans())
def test_one_value_is_read_as_a_column_of_it_reads_it(value, percent_over_one):
    column = pd.Series([value], dtype=object)

    def firsts(every, *args):
        return tuple(o.iloc[0] for o in every(column, *args))

    for one, every, args in (
        (coerce.number_of, coerce.number, (percent_over_one,)),
        (coerce.amount_of, coerce.amount, ()),
        (coerce.date_of, coerce.date, ()),
    ):
        expected = _outcome(firsts, every, *args)
        got = _outcome(one, value, *args)
        if expected[0] == "raised":
            assert got == expected
            continue
        first = expected[0]
        if isinstance(first, np.floating):
            first = first.item()
        assert _same_value(got[0], first)
        assert got[1:] == tuple(bool(x) for x in expected[1:])
        assert all(type(x) is bool for x in got[1:])


def _by_column(monkeypatch) -> None:
    """The reader's one-value reads made as they were: through a one-value column."""

    def number_of(value, percent_over_one=False):
        n, b, o = coerce.number(pd.Series([value], dtype=object), percent_over_one)
        return n[0], b[0], o[0]

    def amount_of(value):
        n, b = coerce.amount(pd.Series([value], dtype=object))
        return n[0], b[0]

    def date_of(value):
        d, b = coerce.date(pd.Series([value], dtype=object))
        return d[0], b[0]

    monkeypatch.setattr(coerce, "number_of", number_of)
    monkeypatch.setattr(coerce, "amount_of", amount_of)
    monkeypatch.setattr(coerce, "date_of", date_of)


NAMES = sorted(SPECS)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(NAMES), st.one_of(one_values, st.lists(typed_numbers(), max_size=4).map(
    ", ".join)))  # fmt: skip
def test_a_setting_reads_as_it_did_through_a_one_value_column(name, value):
    """Each setting's value, problems (message and cell) and notes, by both paths."""
    seen = []
    for by_column in (False, True):
        with pytest.MonkeyPatch.context() as mp:
            if by_column:
                _by_column(mp)
            reader = Reader(None)
            got = _outcome(reader.setting_value, name, value, "Settings", "B7")
            seen.append((repr(got), type(got), [repr(p) for p in reader.problems],
                         [repr(n) for n in reader.notes]))  # fmt: skip
    assert seen[0] == seen[1]


def test_a_date_with_a_time_or_a_time_zone_is_the_day_as_written():
    # CRM exports write 2026-10-05T00:00:00+08:00; the day typed is the day meant (it was a
    # TypeError beside a plain date, and "not a date" with a T)
    column = pd.Series(
        ["2026-10-05 00:00+08:00", "2026-10-06T23:30:00-05:00", "2026-10-07T09:00", "2026-10-08"],
        dtype=object,
    )
    days, bad = coerce.date(column)
    assert days.tolist() == [pd.Timestamp(f"2026-10-0{d}") for d in (5, 6, 7, 8)]
    assert not bad.any()
    assert coerce.date_of("2026-10-05 00:00+08:00") == (pd.Timestamp("2026-10-05"), False)
    assert coerce.date_of("2026-10-05Tmorning") == (pd.NaT, True)


@pytest.mark.parametrize(
    ("zone", "days"),
    [("Asia/Shanghai", (6, 6, 5)), ("UTC", (5, 5, 5)), ("America/New_York", (5, 5, 4))],
)
def test_a_timestamp_with_a_zone_is_the_day_it_was_on_this_computer(in_zone, zone, days):
    """A database's or Parquet file's timestamp with time zone is an instant: its day is the
    day it was where the plan is made (numpy gave the day in UTC: an order at 00:30 in
    Beijing fell on the day before — into the week before, on a Monday)."""
    in_zone(zone)
    instants = [
        pd.Timestamp("2026-10-06 00:30", tz="Asia/Shanghai"),  # 2026-10-05 16:30 UTC
        pd.Timestamp("2026-10-05 16:30", tz="UTC").to_pydatetime(),  # the same, as datetime
        pd.Timestamp("2026-10-05 03:00", tz="UTC"),  # 2026-10-04 23:00 in New York
    ]
    read, bad = coerce.date(pd.Series(instants, dtype=object))
    assert read.tolist() == [pd.Timestamp(f"2026-10-0{d}") for d in days]
    assert not bad.any()
    assert coerce.date_of(instants[0]) == (pd.Timestamp(f"2026-10-0{days[0]}"), False)


moments = st.one_of(
    st.datetimes(min_value=dt.datetime(1600, 1, 1), max_value=dt.datetime(2400, 12, 31)),
    st.dates(min_value=dt.date(1600, 1, 1), max_value=dt.date(2400, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2199, 12, 31)).map(
        pd.Timestamp
    ),
)


@given(st.lists(moments, min_size=1, max_size=50))
@settings(max_examples=200, deadline=None)
def test_the_days_of_dates_and_times_are_numpys_through_pandas_or_not(values):
    """days_of reads a column of order times through pandas where it can: the days must be
    those numpy gives each value (the second method), before 1677 and after 2262 too."""
    got = coerce.days_of(values)
    assert got.dtype == np.dtype("datetime64[D]")
    assert got.tolist() == np.array(values, dtype="datetime64[D]").tolist()


# A zone whose clocks go back an hour at 00:05 (summer time) on the last Sunday of October,
# at offsets of odd minutes: for five minutes a quarter hour (UTC) that begins and ends on
# one day passes midnight (POSIX TZ: the sign is west of UTC).
ODD_ZONE = "AAA0:17:30BBB-0:42:30,M3.5.0/2,M10.5.0/0:05"
ZONES = [
    "Asia/Shanghai",
    "America/New_York",
    "America/St_Johns",  # 3:30 behind UTC, and summer time
    "Australia/Lord_Howe",  # summer time of half an hour
    "Asia/Kathmandu",  # 5:30 ahead, 5:45 since 1986
    "Africa/Monrovia",  # 0:44:30 behind UTC until 1972
    "America/Sao_Paulo",  # summer time ended at midnight: back to 23:00 of the day before
    ODD_ZONE,
]


def offset_changes(start: int, end: int) -> list[int]:
    """The instants (seconds since 1970 UTC) at which this computer's clock changed its offset
    from UTC between `start` and `end`: found day by day, then to the second."""
    offset = lambda t: time.localtime(t).tm_gmtoff  # noqa: E731
    found = []
    for day in range(start, end, 86_400):
        if offset(day) != offset(day + 86_400):
            lo, hi = day, day + 86_400  # offset(lo) != offset(hi)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(mid) == offset(lo) else (lo, mid)
            found.append(hi)
    return found


@pytest.mark.parametrize("zone", ZONES)
def test_local_days_are_each_instants_day_on_this_computers_clock(in_zone, zone):
    """coerce.local_days works out a day once per quarter hour: the days must be those of
    each instant on this computer's clock (fromtimestamp, one by one: the second method),
    at and around every change of offset 1960–2040 and every quarter hour's ends."""
    in_zone(zone)
    rng = np.random.default_rng(18)
    changes = np.array(offset_changes(-315_619_200, 2_208_988_800), dtype=np.float64)
    assert len(changes) > 0 or zone == "Asia/Kathmandu"  # it changed twice, before 1990
    quarters = rng.integers(-(10**6), 3 * 10**6, 2_000) * 900.0
    seconds = np.concatenate(
        [
            (
                changes[:, None] + np.array([-901, -900, -61, -1, -0.5, 0, 0.25, 1, 59, 899, 900])
            ).ravel(),
            (quarters[:, None] + np.array([-1e-6, 0, 1e-6, 450, 899.999999])).ravel(),
            rng.uniform(-3e8, 2.5e9, 5_000),
        ]
    )
    got = coerce.local_days(seconds)
    want = [np.datetime64(dt.datetime.fromtimestamp(t), "D") for t in seconds.tolist()]
    assert got.dtype == np.dtype("datetime64[D]")
    assert got.tolist() == np.array(want, dtype="datetime64[D]").tolist()


def test_a_column_of_zoned_order_times_reads_as_one_by_one(in_zone):
    """coerce.date of timestamps with a zone (order-level actuals from a database), mixed with
    plain dates and times: each the day it was here, as before it was read all at once."""
    in_zone("America/New_York")
    rng = np.random.default_rng(5)
    seconds = rng.uniform(1.7e9, 1.8e9, 3_000)
    zoned = [pd.Timestamp(t, unit="s", tz="UTC") for t in seconds.tolist()]
    column = pd.Series([*zoned, dt.date(2026, 1, 5), dt.datetime(2026, 1, 6, 23, 59)], dtype=object)
    read, bad = coerce.date(column)
    want = [pd.Timestamp(dt.datetime.fromtimestamp(t).date()) for t in seconds.tolist()]
    assert read.tolist() == [*want, pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-06")]
    assert not bad.any()


@pytest.mark.parametrize("pandas_holds_them", [True, False])
def test_zoned_times_far_away_are_read_with_or_without_pandas(monkeypatch, pandas_holds_them):
    """A zoned time beyond pandas 2's 1677–2262 (a typo for 2026) is not a date; one within
    is its day: whether pandas converts them all or refuses them (as pandas 2 does)."""
    if not pandas_holds_them:

        def refuse(*args, **kwargs):
            raise pd.errors.OutOfBoundsDatetime("as pandas 2: out of bounds nanosecond timestamp")

        monkeypatch.setattr(coerce.pd, "to_datetime", refuse)
    utc = dt.UTC
    column = pd.Series(
        [dt.datetime(3026, 1, 5, 12, tzinfo=utc), dt.datetime(2026, 1, 5, 12, tzinfo=utc)],
        dtype=object,
    )
    read, bad = coerce.date(column)
    assert bad.tolist() == [True, False]
    assert read[1] == pd.Timestamp(dt.datetime.fromtimestamp(column[1].timestamp()).date())
