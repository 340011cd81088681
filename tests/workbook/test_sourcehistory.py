"""Text as a CRM writes each order's amount and time (￥11,818.19, 2026/10/05 14:23) is read
at once — in DuckDB for a source's history (sourcehistory.py), in pandas for a column
(coerce.py: YUAN_TEXT, DAY_TIME) — and must read as each value read one by one does: the
reader's own amount_value and _one_date are the second method, over text built the ways
exports write it, and wrongly."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.calendar import week_index
from engine.money import to_cents
from xl_addin.workbook import coerce, sourcehistory
from xl_addin.workbook.sourcehistory import _amount_sql, _day_sql, history_frame
from xl_addin.workbook.sources import open_source

SOURCE_CELLS = {  # each of a tblSources row's cells
    k: ("Sources", f"{c}2")
    for k, c in zip(("table", "source", "query", "columns"), "ABCD", strict=True)
}


def sourced_history(folder, start, source: str, query=None, columns=None) -> pd.DataFrame:
    """history_frame of the tblSources row naming `source` (a path relative to `folder`, or a
    database) for a plan starting on `start`, read without a problem."""
    row = {"table": "tblHistory", "source": source, "query": query, "columns": columns}
    problems = []
    frame = history_frame(open_source(row, folder, SOURCE_CELLS), start, problems)
    assert problems == []
    return frame


def one_by_one_amount(text: str) -> float:
    """An amount as the reader read it before any text was read at once: as a number, else
    by amount_value (NaN: refused)."""
    nums, bad, _ = coerce.number(pd.Series([text], dtype=object))
    if not bad.iloc[0]:
        return float(nums.iloc[0])
    value = coerce.amount_value(text)
    return math.nan if value is None else float(value)


def one_by_one_day(text: str):
    """A day as _one_date reads the whole text (NaT: refused)."""
    return coerce._within(coerce._one_date(text))


class TextSource:
    """The one thing the SQL asks of a source: its column's type (text, as a CSV's is)."""

    def type_of(self, column: str) -> str:  # noqa: ARG002 - every column is text
        return "VARCHAR"


def in_duckdb(sql_of, values: list[str]) -> list:
    con = duckdb.connect()
    con.register("t", pd.DataFrame({"x": pd.Series(values, dtype=object)}))
    return [r[0] for r in con.execute(f"SELECT {sql_of(TextSource(), 'x')} FROM t").fetchall()]


spaces = st.sampled_from(["", " ", "  ", "\t", "\u3000"])
digits = st.text("0123456789", min_size=1, max_size=16)


@st.composite
def amounts(draw) -> str:
    """An amount as a CRM writes it — and mis-writes it: commas in and out of place, marks."""
    whole = draw(digits)
    if draw(st.booleans()):  # thousands commas, mostly where they go
        groups = [whole[max(0, k - 3) : k] for k in range(len(whole), 0, -3)][::-1]
        whole = ",".join(groups)
        if draw(st.integers(0, 4)) == 0:
            whole = whole.replace(",", "", 1) + ",0"
    fraction = draw(st.sampled_from(["", ".", ".5", ".05", ".123", ".999999999999"]))
    mark = draw(st.sampled_from(["", "¥", "￥", "RMB", "$"]))
    unit = draw(st.sampled_from(["", "元", "万", "%"]))
    sign = draw(st.sampled_from(["", "", "-"]))
    return draw(spaces) + mark + draw(spaces) + sign + whole + fraction + unit + draw(spaces)


@given(st.lists(amounts(), min_size=1, max_size=40))
@settings(max_examples=150, deadline=None)
def test_an_amount_read_at_once_is_the_amount_read_one_by_one(texts):
    read, bad = coerce.amount(pd.Series(texts, dtype=object))
    in_sql = in_duckdb(lambda s, c: _amount_sql(s, c, None), texts)
    for k, text in enumerate(texts):
        meant = one_by_one_amount(text)
        if math.isnan(meant):  # refused; by sourcehistory's _readable too (10**15 and more)
            assert bad.iloc[k], text
            assert in_sql[k] is None or not abs(in_sql[k]) < coerce.LARGEST, (text, in_sql[k])
        else:  # exactly the same double
            assert not bad.iloc[k] and read.iloc[k] == meant, (text, read.iloc[k], meant)
            assert in_sql[k] is None or in_sql[k] == meant, (text, in_sql[k], meant)


@st.composite
def stamps(draw) -> str:
    """A day with a time of day, in the forms exports write — and out of range."""
    year = draw(st.integers(1890, 2210))
    month, day = draw(st.integers(0, 13)), draw(st.integers(0, 32))
    sep = draw(st.sampled_from(["-", "/", ".", "年"]))
    pad = draw(st.booleans())
    m, d = (f"{month:02d}", f"{day:02d}") if pad else (str(month), str(day))
    if sep == "年":
        date = f"{year}年{m}月{d}" + draw(st.sampled_from(["日", ""]))
    else:
        date = f"{year}{sep}{m}{sep}{d}"
    hour, minute = draw(st.integers(0, 25)), draw(st.integers(0, 61))
    clock = f"{hour:02d}:{minute:02d}" if draw(st.booleans()) else f"{hour}:{minute:02d}"
    if draw(st.booleans()):
        clock += f":{draw(st.integers(0, 61)):02d}"
        clock += draw(st.sampled_from(["", ".5", ".123456", ".1234567"]))
    between = draw(st.sampled_from([" ", "T", "  ", ""]))
    return draw(spaces) + date + between + clock + draw(st.sampled_from(["", "+08:00", "Z", " "]))


@given(st.lists(stamps(), min_size=1, max_size=40))
@settings(max_examples=150, deadline=None)
def test_a_time_of_day_read_under_its_day_is_read_as_the_whole_is(texts):
    whole, whole_bad = coerce.date(pd.Series(texts, dtype=object))
    reduced = in_duckdb(_day_sql, texts)
    day, day_bad = coerce.date(pd.Series(reduced, dtype=object))
    for k, text in enumerate(texts):
        meant = one_by_one_day(text)
        refused = meant is pd.NaT
        assert bool(whole_bad.iloc[k]) == refused, text
        assert bool(day_bad.iloc[k]) == refused, (text, reduced[k])
        if not refused:
            assert whole.iloc[k] == meant and day.iloc[k] == meant, (text, reduced[k])


def test_the_forms_exports_write_are_read_in_duckdb():
    """The tests above would pass if nothing were read at once: these must be."""
    texts = ["￥11,818.19", "¥ 974.21", "1,200元", "12,345,678.5"]
    assert in_duckdb(lambda s, c: _amount_sql(s, c, None), texts) == [
        11818.19,
        974.21,
        1200.0,
        12345678.5,
    ]
    stamps = ["2024/10/07 10:25", "2026-10-05T14:23:05.5", "2026年10月5日 9:05", "2026.1.5 23:59"]
    assert in_duckdb(_day_sql, stamps) == ["2024/10/07", "2026-10-05", "2026年10月5日", "2026.1.5"]


def orders_as_exported(rng, n: int) -> pd.DataFrame:
    """Orders as a CRM exports them: the same region, product or rep spelt with spaces
    around it (full-width too), left empty, a rep's ID with leading zeros beside one without."""
    start = pd.Timestamp("2026-10-05")
    return pd.DataFrame(
        {
            "Period": (start - pd.to_timedelta(rng.integers(1, 200, n), unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "Amount": np.round(rng.gamma(2, 600, n), 2),
            "Region": rng.choice(["East", " East", "East\u3000", "West", None, "南区"], n),
            "Product": rng.choice(["Cloud", "Cloud ", "AI", None], n),
            "CustomerType": rng.choice(["KA", "SMB", "  "], n),
            "RepID": rng.choice(["R001", " R001", "R002", "0042", "42", None], n),
        }
    )


def summed_row_by_row(orders: pd.DataFrame, start) -> pd.DataFrame:
    """The second method: each row read as a cell (coerce.text, to_cents), then pandas'
    own group-by, empty values last."""
    days = pd.to_datetime(orders["Period"])
    rows = pd.DataFrame(
        {
            "week": week_index(days, start),
            "period": days,
            "cents": to_cents(orders["Amount"].to_numpy()),
            **{
                key: coerce.text(orders[column].astype(object))[0]
                for key, column in (
                    ("region", "Region"),
                    ("product", "Product"),
                    ("customer_type", "CustomerType"),
                    ("rep_id", "RepID"),
                )
            },
        }
    )
    keys = ["week", "region", "product", "customer_type", "rep_id"]
    out = rows.groupby(keys, dropna=False, sort=False).agg(
        period=("period", "max"),
        amount_cents=("cents", "sum"),
        _rows=("cents", "size"),
        _orders=("cents", lambda c: int((c > 0).sum())),
    )
    return out.reset_index().sort_values(keys, na_position="last", kind="stable")


@pytest.mark.parametrize("largest_key", [1 << 62, 1])  # one number per group; the columns
def test_orders_sum_by_week_and_dimension_as_read_row_by_row(tmp_path, monkeypatch, largest_key):
    """In DuckDB by the codes of the distinct values, no row's text in Python: the same
    weeks, dimensions, latest days, cents and counts as each row read as a cell and grouped
    by pandas; grouped by one number of week and places, or (past LARGEST_KEY) by the
    columns themselves."""
    monkeypatch.setattr(sourcehistory, "LARGEST_KEY", largest_key)
    orders = orders_as_exported(np.random.default_rng(5), 4000)
    orders.to_csv(tmp_path / "orders.csv", index=False)
    start = dt.date(2026, 10, 5)
    got = sourced_history(tmp_path, start, "orders.csv")
    meant = summed_row_by_row(orders, start)
    assert len(got) == len(meant) < len(orders)  # rows of one group were summed
    for column in ("amount_cents", "_rows", "_orders"):
        assert got[column].tolist() == meant[column].tolist(), column
    assert week_index(got["period"], start).tolist() == meant["week"].tolist()  # week by week
    assert (got["period"].to_numpy() == meant["period"].to_numpy()).all()
    for key in ("region", "product", "customer_type", "rep_id"):
        assert got[key].astype(object).where(got[key].notna(), None).tolist() == (
            meant[key].astype(object).where(meant[key].notna(), None).tolist()
        ), key
    assert set(got["region"].dropna()) == {"East", "West", "南区"}
    assert set(got["rep_id"].dropna()) == {"R001", "R002", "0042", "42"}


def test_a_source_keeps_duckdb_to_its_memory_and_spills_into_a_folder_of_its_own(tmp_path):
    """Not DuckDB's default (80 % of the computer's memory, kept once used; spilling into
    `.tmp` in the folder the command runs in)."""
    import tempfile

    orders_as_exported(np.random.default_rng(1), 10).to_csv(tmp_path / "o.csv", index=False)
    row = {"table": "tblHistory", "source": "o.csv", "query": None, "columns": None}
    con = open_source(row, tmp_path, SOURCE_CELLS).con
    limit, spill = con.execute(
        "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
    ).fetchall()[0]
    assert limit == "512.0 MiB"  # DUCKDB_MEMORY
    assert spill.startswith(tempfile.gettempdir()) and "salesplan" in spill
