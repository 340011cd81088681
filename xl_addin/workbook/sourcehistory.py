"""tblHistory from a source (SPEC §16): checked and summed in DuckDB, however many orders.

The engine uses history only by plan week (engine/targets.py weekly_history), its latest day,
and, for the average deal size, the number of orders with an amount. So a source's orders are
summed in DuckDB to one row per week, region, product, customer type and rep, with the latest
day (`period`), the rows summed (`_rows`) and those with an amount (`_orders`): decomposing
that gives what the same orders pasted as a table give. Two passes over the orders: the
distinct days and dimensions (_seen), which Python reads; then the sums, grouped in DuckDB by
the week and places those values read as (_weekly), so that no order's text comes into
Python (a year of a large team's orders is millions of groups: as Python strings, 3.5 GiB).

Every value is read as the reader reads a cell (xl_addin/workbook/coerce.py): the distinct
days, regions, products, customer types and reps go through the same coercion in pandas
(there are few of them: a day with a time of day, as a CRM stamps each order, is summed
under its day, DAY_TIME), amounts are cast in DuckDB (also text such as ￥11,818.19:
YUAN_TEXT) and only those it cannot read (120万, １２０) go through coerce.amount. A value
the reader would refuse is a problem at its line; more than MOST of one kind end with a
count.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd

from engine.calendar import week_index
from engine.problems import Problem, said
from xl_addin.workbook import coerce
from xl_addin.workbook.columns import BY_KEY, header_lookup, normalise_header
from xl_addin.workbook.sourcerows import located
from xl_addin.workbook.sources import Source, _quoted, file_rows

MOST = 20  # problems of one kind and column named one by one
DIMENSIONS = ("region", "product", "customer_type", "rep_id")
SPEC = BY_KEY["history"]
# to_cents (engine/money.py) in DuckDB: the same float64 steps, so the same cents; kept a
# DOUBLE (a whole number) row by row, as summing doubles of whole cents is exact below 2**53
# and a cast per row is the dearest step of the pass; the sums are cast once
CENTS = "sign(a) * floor(abs(a * 100.0) * (1 + 1e-12) + 0.5)"


def _readable(a: str) -> str:
    """SQL: the amount `a` is one a cell would read: a finite number below coerce.LARGEST
    (10**15: beyond any plan, and where a float stops holding cents). Any other goes to
    the reader's own coercion, which refuses it at its line."""
    return f"(isfinite({a}) AND abs({a}) < {coerce.LARGEST})"


def history_frame(source: Source, period_start, problems: list[Problem]) -> pd.DataFrame | None:
    """The plan's history from `source`, summed per week and dimension; None (with
    `problems` added) when a required column is missing or a value cannot be read."""
    found = _found(source, problems)
    if found is None:
        return None
    source.typed(found["amount"])  # before any SQL is written for the column's type
    # a row with nothing in it is skipped, as in a table; tested only when Period is empty
    rest = " AND ".join(source.blank(c) for c in found.values())
    blank_row = f"CASE WHEN {_quoted(found['period'])} IS NOT NULL THEN false ELSE {rest} END"
    source.con.execute(f"CREATE VIEW rows AS SELECT * FROM src WHERE NOT ({blank_row})")
    where = _Where(source, blank_row)
    try:
        least = _seen(source, found)
    except (duckdb.ConversionException, duckdb.InvalidInputException):
        # a value far down the file is not of the type DuckDB saw at its top
        source.typed(None)
        least = _seen(source, found)
    amount, mapped, ok = found["amount"], None, True
    odd, empty, negative = _unread(source, amount, None, least)
    if empty:
        _report(source, source.blank(amount), amount, "value_empty", problems, where)
        ok = False
    if odd:
        amounts = _amounts(source, amount, problems, where)
        if amounts is None:
            ok = False
        else:
            source.con.register("amounts", amounts)
            mapped = "amounts"
            negative = _unread(source, amount, mapped, -1)[2]  # -1: counted again
    if negative:
        a = _amount_sql(source, amount, mapped)
        _report(source, f"({a}) < 0", amount, "value_negative", problems, where)
        ok = False
    raw_days = _distinct(source, "raw_period")
    days = _periods(source, found["period"], raw_days, _any_none(source), problems, where)
    if days is None or not ok:
        return None
    weekly = _weekly(source, found, mapped, days, week_index(days, period_start))
    weekly["amount"] = weekly["amount_cents"] / 100  # to_cents gives the cents back
    weekly["_row"] = np.zeros(len(weekly["week"]), np.int64)
    order = [c.key for c in SPEC.columns] + ["amount_cents", "_rows", "_orders", "_row"]
    out = pd.DataFrame({k: weekly[k] for k in order}, copy=False)  # millions of rows: no copy
    out.attrs["sheet"] = source.label
    out.attrs["columns"] = {k: ":" for k in found}
    out.attrs["headers"] = dict(found)
    out.attrs["locate_value"] = lambda key, value: _first_row_of(source, found, key, value, where)
    return out


# what the rows are told apart by before they are read as cells: the day as typed, and each
# dimension; each key's distinct values get a code (_seen), the few the reader then reads
KEYS = ("raw_period", *DIMENSIONS)
# a week's rows are grouped by one whole number made of the week and each dimension's place,
# while it stays below this (else by the columns themselves: slower, the same groups)
LARGEST_KEY = 1 << 62


def _cents_sql(source: Source, found: dict[str, str], mapped: str | None) -> str:
    """SQL: each row's day as typed (`raw_period`), its dimensions as typed, and its cents
    (`c`: NULL where it has no amount a cell would read)."""
    a = _amount_sql(source, found["amount"], mapped)
    dims = ", ".join(
        f"{_quoted(found[k])} AS {k}" if k in found else f"NULL::VARCHAR AS {k}" for k in DIMENSIONS
    )
    return f"""SELECT raw_period, {", ".join(DIMENSIONS)},
                      CASE WHEN {_readable("a")} THEN {CENTS} END AS c
               FROM (SELECT {_day_sql(source, found["period"])} AS raw_period, {dims}, {a} AS a
                     FROM rows)"""


def _seen(source: Source, found: dict[str, str]) -> int | None:
    """One pass over the rows: the distinct values of each key (KEYS) but none, as the DuckDB
    table _codes_<key> (v, code from 0); and the least cents of any row (-1 where a row has
    none, or None when there is no row: _unread tells which)."""
    grouping = ", ".join(KEYS)
    source.sql(
        f"""CREATE OR REPLACE TEMP TABLE _seen AS
            SELECT GROUPING({grouping}) AS _set, {grouping}, min(coalesce(c, -1)) AS _least
            FROM ({_cents_sql(source, found, None)})
            GROUP BY GROUPING SETS ({", ".join(f"({k})" for k in KEYS)})"""
    )
    for key in KEYS:
        source.sql(
            f"""CREATE OR REPLACE TEMP TABLE _codes_{key} AS
                SELECT {key} AS v, row_number() OVER () - 1 AS code FROM _seen
                WHERE _set = {_set_of(key)} AND {key} IS NOT NULL"""
        )
    return source.sql("SELECT min(_least) FROM _seen").fetchall()[0][0]


def _set_of(key: str) -> int:
    """GROUPING(KEYS…) of the rows _seen grouped by `key` alone: a bit, first key highest,
    for each key not grouped by."""
    return (1 << len(KEYS)) - 1 - (1 << (len(KEYS) - 1 - KEYS.index(key)))


def _distinct(source: Source, key: str) -> pd.Series:
    """The distinct values of `key` other than none, in the order of their codes."""
    values = source.sql(f"SELECT v FROM _codes_{key} ORDER BY code").df()["v"]
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def _any_none(source: Source, key: str = "raw_period") -> bool:
    """Whether some row has no value of `key`."""
    test = f"SELECT count(*) FROM _seen WHERE _set = {_set_of(key)} AND {key} IS NULL"
    return source.sql(test).fetchall()[0][0] > 0


def _weekly(source: Source, found, mapped, days: pd.Series, weeks) -> dict[str, np.ndarray]:
    """The rows summed by plan week and dimension as a cell reads them (coerce.text), in the
    order of week, then each dimension (empty last), as columns: the latest day, the cents,
    rows and orders. Summed in DuckDB by the codes of the distinct values (_seen), so that no
    row's text comes into Python: only the few distinct days and dimensions are read."""
    distinct = {key: _distinct(source, key) for key in DIMENSIONS if key in found}
    texts, places = _texts(distinct)
    for key in DIMENSIONS:
        if key not in found:  # no column: all empty, in one place
            texts[key], places[key] = np.array([np.nan]), np.zeros(1, np.int64)
    weeks, day = np.asarray(weeks, dtype=np.int64), days.to_numpy(dtype="datetime64[ns]")
    by_day = np.argsort(day, kind="stable")
    rank = np.empty(len(by_day), np.int64)
    rank[by_day] = np.arange(len(by_day))  # the latest day of a group: its highest rank
    # one table per key from its values as typed (joined to the rows: one join a key)
    _lookup(source, "raw_period", week=weeks, rank=rank)
    joins, place = ["JOIN _lookup_raw_period w ON r.raw_period = w.v"], {}
    for j, key in enumerate(DIMENSIONS):
        _lookup(source, key, place=places[key][:-1])
        joins.append(f"LEFT JOIN _lookup_{key} p{j} ON r.{key} = p{j}.v")
        place[key] = f"coalesce(p{j}.place, {places[key][-1]})"  # none: the place last
    sums = """max(w.rank) AS _last, coalesce(CAST(sum(c) AS BIGINT), 0) AS amount_cents,
              count(*) AS _rows, count(*) FILTER (WHERE c > 0) AS _orders"""
    rows = f"({_cents_sql(source, found, mapped)}) r {' '.join(joins)}"
    low = int(weeks.min()) if len(weeks) else 0
    sizes = {k: len(texts[k]) for k in DIMENSIONS}  # each dimension's places, empty included
    span = int(weeks.max()) - low + 1 if len(weeks) else 1
    if span * math.prod(sizes.values()) < LARGEST_KEY:  # Python's whole numbers: no overflow
        key = f"w.week - {low}"
        for k in DIMENSIONS:
            key = f"({key}) * {sizes[k]} + {place[k]}"
        got = source.sql(f"SELECT {key} AS _key, {sums} FROM {rows} GROUP BY 1 ORDER BY 1")
        got = got.fetchnumpy()
        rest, at = np.asarray(got["_key"], dtype=np.int64), {}
        for k in reversed(DIMENSIONS):
            rest, at[k] = np.divmod(rest, sizes[k])
        week = rest + low
    else:
        columns = ", ".join(f"{place[k]} AS {k}" for k in DIMENSIONS)
        order = ", ".join(str(i) for i in range(1, len(DIMENSIONS) + 2))
        got = source.sql(
            f"SELECT w.week AS week, {columns}, {sums} FROM {rows} GROUP BY ALL ORDER BY {order}"
        ).fetchnumpy()
        week, at = got["week"], {k: np.asarray(got[k], dtype=np.int64) for k in DIMENSIONS}
    last = np.asarray(got["_last"], dtype=np.int64)
    out = {
        "week": np.asarray(week, dtype=np.int64),
        "period": day[by_day][last],
    }
    for key in DIMENSIONS:
        out[key] = texts[key][at[key]]
    for column in ("amount_cents", "_rows", "_orders"):
        out[column] = np.asarray(got[column], dtype=np.int64)
    return out


def _lookup(source: Source, key: str, **columns) -> None:
    """The DuckDB table _lookup_<key>: each distinct value of `key` (v, from _codes_<key>)
    with `columns`, whole numbers in the order of the codes."""
    frame = pd.DataFrame({"code": np.arange(len(next(iter(columns.values()))))})
    for name, values in columns.items():
        frame[name] = np.asarray(values, dtype=np.int64)
    _from_frame(
        source,
        frame,
        f"CREATE OR REPLACE TEMP TABLE _lookup_{key} AS SELECT c.v, f.* EXCLUDE (code) "
        f"FROM _codes_{key} c JOIN _frame f USING (code)",
    )


def _texts(distinct: dict) -> tuple[dict, dict]:
    """Each dimension's distinct values as a cell's text (coerce.text, in one call): per
    dimension the texts in sorted order with None (empty) last, and each value's place
    (one more place at the end: a row without a value, code -1)."""
    raw = [np.asarray(v, dtype=object) for v in distinct.values()]
    read = coerce.text(pd.Series(np.concatenate(raw), dtype=object))[0].tolist() if raw else []
    texts, places, at = {}, {}, 0
    for key, values in distinct.items():
        mine, at = read[at : at + len(values)], at + len(values)
        shown = sorted({t for t in mine if pd.notna(t)})
        place = {t: i for i, t in enumerate(shown)}
        texts[key] = np.array([*shown, None], dtype=object)
        places[key] = np.array(
            [place[t] if pd.notna(t) else len(shown) for t in mine] + [len(shown)], dtype=np.int64
        )
    return texts, places


def _unread(source: Source, amount: str, mapped: str | None, least) -> tuple[int, int, int]:
    """How many amounts DuckDB could not read (120万, 1,200), how many are empty and how many
    negative: counted (one more pass over the rows) only when the `least` cents of a row
    (_seen) shows some row without cents or with fewer than none."""
    if least is None or least >= 0:
        return 0, 0, 0
    a = _amount_sql(source, amount, mapped)
    empty = source.blank(amount)
    return source.sql(
        f"""SELECT count(*) FILTER (WHERE (a IS NULL OR NOT {_readable("a")}) AND NOT {empty}),
                   count(*) FILTER (WHERE {empty}),
                   count(*) FILTER (WHERE CASE WHEN {_readable("a")} THEN {CENTS} END < 0)
            FROM (SELECT *, {a} AS a FROM rows)"""
    ).fetchall()[0]


# A CRM's text for each order's amount and time (coerce.YUAN_TEXT, coerce.DAY_TIME) read
# in DuckDB as the reader reads it: the amount as a number, the time under its day, so that
# a history of millions of orders is not millions of distinct values for the reader.
YUAN_TEXT = f"^{coerce.YUAN_TEXT}$"
DAY_TIME = f"^{coerce.DAY_TIME}$"
NAIVE_TIMES = ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")
ZONED = "TIMESTAMP WITH TIME ZONE"


def _day_sql(source: Source, column: str) -> str:
    """SQL: the Period of a row as the reader is to read it: a day with a time of day (text
    as DAY_TIME, a timestamp without a zone) as its day; any other value as it is."""
    col = _quoted(column)
    kind = source.type_of(column)
    if kind in NAIVE_TIMES:
        return f"CAST({col} AS DATE)"
    if kind == ZONED:
        return _local_day_sql(source, column)
    if kind != "VARCHAR":
        return col
    return (
        f"CASE WHEN length({col}) > 11 AND regexp_full_match({col}, '{DAY_TIME}') "
        f"THEN regexp_extract({col}, '{DAY_TIME}', 1) ELSE {col} END"
    )


def _local_day_sql(source: Source, column: str) -> str:
    """SQL: the day of a timestamp with a zone on this computer's clock, as the reader reads
    it (coerce.local_days), as a DATE: the days of the source's distinct quarter hours worked out
    once (coerce.quarter_days), and of the instants in a quarter hour that spans two days
    one by one — not millions of distinct order times through the reader."""
    if column not in source.local_days:
        k = len(source.local_days)
        col = _quoted(column)
        quarter = f"CAST(floor(epoch_us({col}) / {coerce.QUARTER * 10**6}) AS BIGINT)"
        quarters = source.sql(
            f"SELECT DISTINCT {quarter} AS q FROM src WHERE {col} IS NOT NULL"
        ).fetchnumpy()["q"]
        days = coerce.quarter_days(quarters)
        split = np.isnat(days)
        _table(
            source,
            f"local_quarters_{k}",
            pd.DataFrame({"q": quarters[~split], "day": days[~split]}),
        )
        sql = f"(SELECT day FROM local_quarters_{k} WHERE q = {quarter})"
        if split.any():
            _table(
                source,
                f"split_quarters_{k}",
                pd.DataFrame({"q": quarters[split], "day": days[split]}),
            )
            us = source.sql(
                f"SELECT DISTINCT epoch_us({col}) AS us FROM src "
                f"WHERE {quarter} IN (SELECT q FROM split_quarters_{k})"
            ).fetchnumpy()["us"]
            moments = pd.DataFrame({"us": us, "day": coerce.local_days(us / 1e6)})
            _table(source, f"local_moments_{k}", moments)
            sql = f"coalesce((SELECT day FROM local_moments_{k} WHERE us = epoch_us({col})), {sql})"
        source.local_days[column] = sql
    return source.local_days[column]


def _table(source: Source, name: str, frame: pd.DataFrame) -> None:
    """`frame` as the DuckDB table `name` of the source's connection, its `day` a DATE."""
    sql = f"CREATE TABLE {name} AS SELECT * REPLACE (CAST(day AS DATE) AS day) FROM _frame"
    _from_frame(source, frame, sql)


def _from_frame(source: Source, frame: pd.DataFrame, sql: str) -> None:
    """Run `sql`, which reads `frame` as `_frame`, on the source's connection."""
    source.con.register("_frame", frame)
    try:
        source.sql(sql)
    finally:
        source.con.unregister("_frame")


def _amount_sql(source: Source, column: str, mapped: str | None) -> str:
    """The amount of a row in yuan as a DOUBLE: cast by DuckDB (also as YUAN_TEXT), else read
    by coerce.amount."""
    col = _quoted(column)
    a = f"TRY_CAST({col} AS DOUBLE)"
    if source.type_of(column) == "VARCHAR":
        a = (
            f"coalesce({a}, CASE WHEN regexp_full_match({col}, '{YUAN_TEXT}') THEN "
            f"TRY_CAST(regexp_replace({col}, '{coerce.YUAN_MARKS}', '', 'g') AS DOUBLE) END)"
        )
    if mapped:
        a = f"coalesce({a}, (SELECT m.value FROM {mapped} m WHERE m.raw = CAST({col} AS VARCHAR)))"
    return a


def _summed(source: Source, found: dict[str, str], mapped: str | None) -> pd.DataFrame:
    """One pass over the rows: cents summed by day as typed and dimension, with the rows and
    the orders counted; `_flag` < 0 where a row has no cents (an amount DuckDB cannot read,
    or none) or fewer than none (_unread tells which)."""
    amount = _quoted(found["amount"])
    a = _amount_sql(source, found["amount"], mapped)
    dims = ", ".join(
        f"{_quoted(found[k])} AS {k}" if k in found else f"NULL::VARCHAR AS {k}" for k in DIMENSIONS
    )
    return source.sql(
        f"""
        SELECT raw_period, {", ".join(DIMENSIONS)},
               CAST(sum(c) AS BIGINT) AS amount_cents, count(*) AS _rows,
               count(*) FILTER (WHERE c > 0) AS _orders, min(coalesce(c, -1)) AS _flag
        FROM (SELECT *, CASE WHEN {_readable("a")} THEN {CENTS} END AS c
              FROM (SELECT {_day_sql(source, found["period"])} AS raw_period, {dims}, {amount},
                           {a} AS a
                    FROM rows))
        GROUP BY ALL
        """
    ).df()


class _Where:
    """Places rows of the view `rows` (numbered rn in the order read) in the source."""

    def __init__(self, source: Source, blank_row: str):
        self.source = source
        self._starts = None
        self._blank_row = blank_row
        self._numbered = False

    def numbered(self) -> str:
        """The view of the rows numbered as read (rn), for the problems' lines: made when a
        problem is placed, not on the way of a source without any."""
        if not self._numbered:
            self.source.con.execute(
                "CREATE VIEW numbered AS SELECT * FROM "
                f"(SELECT row_number() OVER () AS rn, * FROM src) WHERE NOT ({self._blank_row})"
            )
            self._numbered = True
        return "numbered"

    def __call__(self, rn: int) -> tuple[str, str]:
        s = self.source
        if s.files and self._starts is None:
            counts = dict(s.sql("SELECT _file, count(*) FROM src GROUP BY _file").fetchall())
            self._starts = file_rows(s, counts)
        return s.sheet, located(rn, self._starts or (), s.line)


def _found(source: Source, problems: list[Problem]) -> dict[str, str] | None:
    lookup = header_lookup(SPEC)
    found: dict[str, str] = {}
    for c in source.columns:
        col = lookup.get(normalise_header(c))
        if col is not None and col.key not in found:
            found[col.key] = c
    missing = [c for c in SPEC.columns if c.required and c.key not in found]
    for c in missing:
        problems.append(
            Problem(
                *source.whole(),
                said("column_missing", table=SPEC.name, column=c.en, column_zh=c.zh),
                said("column_add", column=c.en),
            )
        )
    return None if missing else found


def _periods(source, column, raw: pd.Series, empty: bool, problems, where) -> pd.Series | None:
    """Each distinct Period value as typed (`raw`) read as a cell's date is: its day, in the
    same order; `empty`: some row has none."""
    days, bad = coerce.date(raw)
    if bad.any():
        test = _day_sql(source, column)  # the rows whose day as summed was not read
        _report_values(
            source, column, raw[bad], "value_not_a_date", problems, where, "hint_date", test=test
        )
    if empty:
        _report(source, source.blank(column), column, "value_empty", problems, where)
    if bad.any() or empty:
        return None
    return days


def _amounts(source, column, problems, where) -> pd.DataFrame | None:
    """The amounts DuckDB cannot cast (120万, 1,200), read by coerce.amount: raw -> value.
    A value only the reader sees as empty (a full-width space) is reported as empty."""
    a = _amount_sql(source, column, None)
    odd = source.sql(
        f"""SELECT DISTINCT CAST({_quoted(column)} AS VARCHAR) AS raw FROM rows
            WHERE ({a} IS NULL OR NOT {_readable(a)}) AND NOT {source.blank(column)}"""
    ).df()["raw"]
    values, bad = coerce.amount(odd.astype(object))
    empty = values.isna() & ~bad
    for key, mask, hint in (
        ("value_not_an_amount", bad, "hint_amount"),
        ("value_empty", empty, "value_empty_hint"),
    ):
        if mask.any():
            _report_values(source, column, odd[mask], key, problems, where, hint, as_text=True)
    if bad.any() or empty.any():
        return None
    return pd.DataFrame({"raw": odd.astype(object), "value": values.astype(float)})


def _report_values(
    source, column, values, key, problems, where, hint, as_text=False, test=None
) -> None:
    """Problems at the lines holding `values` of `column` (the first MOST, then a count);
    `test`: the SQL whose value is one of them (else the column, as text with `as_text`)."""
    col = _quoted(column)
    source.con.register("bad_values", pd.DataFrame({"v": values.astype(object)}))
    test = test or (f"CAST({col} AS VARCHAR)" if as_text else col)
    nulls = values.isna().any()
    condition = f"{test} IN (SELECT v FROM bad_values)" + (
        f" OR {source.blank(column)}" if nulls else ""
    )
    _report(source, condition, column, key, problems, where, hint=hint)


def _report(source, condition, column, key, problems, where, hint=None) -> None:
    """Problems `key` at the lines of `rows` meeting `condition` (about source column `column`)."""
    col, header = _quoted(column), column
    rows = source.sql(
        f"SELECT rn, CAST({col} AS VARCHAR) FROM {where.numbered()} WHERE {condition} "
        f"ORDER BY rn LIMIT {MOST + 1}"
    ).fetchall()
    total = source.sql(f"SELECT count(*) FROM numbered WHERE {condition}").fetchall()[0][0]
    for rn, value in rows[:MOST]:
        fields = {"column": header} if key == "value_empty" else {"column": header, "value": value}
        problems.append(Problem(*where(rn), said(key, **fields), said(hint or f"{key}_hint")))
    if total > MOST:
        problems.append(
            Problem(
                *source.whole(),
                said("source_more_rows", more=total - MOST, column=header),
                said(hint or f"{key}_hint"),
            )
        )


def _first_row_of(source, found, key, value, where) -> tuple[str, str]:
    """Where the first row whose `key` column reads `value` sits (a region no table has…)."""
    col = _quoted(found[key])
    raw = source.sql(f"SELECT DISTINCT {col} AS raw FROM rows").df()["raw"].astype(object)
    meant = raw[_text(raw) == value]
    source.con.register("wanted", pd.DataFrame({"v": meant}))
    row = source.sql(
        f"SELECT min(rn) FROM {where.numbered()} WHERE {col} IN (SELECT v FROM wanted)"
    )
    row = row.fetchall()[0][0]
    return where(int(row or 1))


def _text(values: pd.Series) -> pd.Series:
    """A dimension's values as a cell's text (coerce.text), each distinct value read once."""
    raw = values.astype(object)
    distinct = pd.Series(raw.dropna().unique(), dtype=object)
    read, _ = coerce.text(distinct)
    return raw.map(dict(zip(distinct, read, strict=True)), na_action="ignore").astype(object)
