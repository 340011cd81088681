"""What DuckDB reads of a source's amounts and days before the reader's own coercion
(sourcehistory.py: YUAN_TEXT, DAY_TIME) is what the reader reads of the same text: the
reader's coerce.amount and coerce.date are the second method, over text built the ways
exports write it, and wrongly."""

from __future__ import annotations

import duckdb
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_addin.workbook import coerce
from xl_addin.workbook.sourcehistory import _amount_sql, _day_sql


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
def test_an_amount_duckdb_reads_is_the_amount_the_reader_reads(texts):
    read, bad = coerce.amount(pd.Series(texts, dtype=object))
    for text, got, value, refused in zip(
        texts, in_duckdb(lambda s, c: _amount_sql(s, c, None), texts), read, bad, strict=True
    ):
        if got is not None:  # read in DuckDB: exactly the reader's double
            assert not refused and got == value, (text, got, value)


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
def test_a_time_of_day_summed_under_its_day_is_read_as_the_whole_is(texts):
    reduced = in_duckdb(_day_sql, texts)
    whole, whole_bad = coerce.date(pd.Series(texts, dtype=object))
    day, day_bad = coerce.date(pd.Series(reduced, dtype=object))
    for k, text in enumerate(texts):
        if reduced[k] != text:  # summed under its day: that day, or refused alike
            assert bool(whole_bad[k]) == bool(day_bad[k]), (text, reduced[k])
            if not whole_bad[k]:
                assert whole[k] == day[k], (text, reduced[k])


def test_the_forms_exports_write_are_read_in_duckdb():
    """The test above would pass if nothing were read in DuckDB: these must be."""
    texts = ["￥11,818.19", "¥ 974.21", "1,200元", "12,345,678.5"]
    assert in_duckdb(lambda s, c: _amount_sql(s, c, None), texts) == [
        11818.19,
        974.21,
        1200.0,
        12345678.5,
    ]
    stamps = ["2024/10/07 10:25", "2026-10-05T14:23:05.5", "2026年10月5日 9:05", "2026.1.5 23:59"]
    assert in_duckdb(_day_sql, stamps) == ["2024/10/07", "2026-10-05", "2026年10月5日", "2026.1.5"]
