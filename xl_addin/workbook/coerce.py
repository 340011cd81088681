"""Value coercion for typed cells: numbers typed as text, 30%, full-width digits, dates.

Each function takes a column of raw cell values and returns the values and a boolean mask
of cells that could not be read; blanks come back as NaN / NaT / None. The common case (a
column of real numbers, real dates or plain text) is vectorised; only odd cells are parsed
one by one. A long column of text or of dates (regions, products, rep IDs, days of a
history) holds few distinct values: each is read once (`by_distinct`), then spread back.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import re
import time
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from engine.settings import choice_value

LARGEST = 10**15  # beyond any plan's number, and where a float stops holding cents
_THOUSANDS = r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"
FIRST_DAY, LAST_DAY = pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31")  # dates read
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋％　", "0123456789.,-+% ")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_FIRST, _LAST = np.datetime64(FIRST_DAY.date(), "D"), np.datetime64(LAST_DAY.date(), "D")
_NUMBERS = {"floating", "integer", "mixed-integer-float", "empty"}  # no text, no bool
# Text as a CRM writes each order's amount and time: an amount with a yuan mark, thousands
# commas or 元 (￥11,818.19), read at once as the number it spells; a day with a time of
# day (2026/10/05 14:23:05), read as its day. Reading them so is reading them one by one
# (amount_value, _one_date: tests/workbook/test_sourcehistory.py); sourcehistory.py reads
# the same patterns in DuckDB. ASCII digits and spaces only: any other goes one by one.
YUAN_TEXT = r"\s*[¥￥]?\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*元?\s*"
DAY_TIME = (
    r"\s*(\d{4}(?:[-/.]|年)\d{1,2}(?:[-/.]|月)\d{1,2}日?)[ T]"
    r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?\s*"
)
YUAN_MARKS = r"[¥￥,元\s]"  # what YUAN_TEXT holds besides the number: taken out to read it
_YUAN_TEXT, _DAY_TIME = re.compile(YUAN_TEXT, re.ASCII), re.compile(DAY_TIME, re.ASCII)
_YUAN_MARKS = re.compile(YUAN_MARKS, re.ASCII)
# Kinds whose equal values read alike: equal text is the same text; a datetime and a
# Timestamp that are equal are the same moment. (1, 1.0 and True are equal but read apart.)
_ALIKE = {"string", "datetime", "date"}


@dataclass(frozen=True)
class Distinct:
    """A column of one kind of value (_ALIKE) as its distinct values and each row's place
    among them: what `by_distinct` reads once per value, found once per column."""

    codes: np.ndarray  # each row's position in `values`; a blank's is the last, None's
    values: pd.Series  # the distinct values, then one None, as objects

    def rows(self, keep: np.ndarray) -> Distinct:
        """The same for the rows where `keep` holds (a distinct value no row keeps is read
        for nothing, as every read here is cell by cell)."""
        return Distinct(self.codes[keep], self.values)


def distinct(values: pd.Series) -> Distinct | None:
    """The column as its distinct values, when it is long, of one kind, and repeats itself
    (a region, a product, a day); None when it is read cell by cell."""
    if len(values) < 64 or infer_dtype(values, skipna=True) not in _ALIKE:
        return None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if 2 * len(uniques) > len(values):
        return None
    values = pd.Series([*uniques, None], dtype=object)
    return Distinct(np.where(codes < 0, len(uniques), codes), values)


FIND = object()  # `seen` not given: by_distinct finds the column's distinct values itself


def by_distinct(read):
    """`read` applied once per distinct value of a column of one kind of value (_ALIKE), its
    results spread back over the rows: the same results, as every `read` here is cell by cell.
    `seen`: the column's distinct(values) when the caller has it already (or None: read the
    column cell by cell), so that a column is factorized once for all its reads."""

    @functools.wraps(read)
    def wrapper(values: pd.Series, *args, seen=FIND):
        found = distinct(values) if seen is FIND else seen
        if found is None:
            return read(values, *args)
        if len(found.codes) != len(values):
            raise ValueError("the distinct values of another column")
        out = read(found.values, *args)
        spread = lambda o: o.iloc[found.codes].set_axis(values.index)  # noqa: E731
        return tuple(spread(o) for o in out) if isinstance(out, tuple) else spread(out)

    return wrapper


def is_blank(values: pd.Series, is_str: pd.Series | None = None) -> pd.Series:
    """Empty cells and cells of nothing but spaces (`is_str`: _is_str(values), when known)."""
    if is_str is None and infer_dtype(values, skipna=True) in _NUMBERS:
        return values.isna()
    is_str = _is_str(values) if is_str is None else is_str
    blank = values.isna()
    if is_str.any():
        blank[is_str] = values[is_str].str.strip().eq("")
    return blank


@by_distinct
def blank_cells(values: pd.Series) -> pd.Series:
    """Empty cells and cells of nothing but spaces."""
    return is_blank(values)


def _is_str(values: pd.Series) -> pd.Series:
    return values.map(type, na_action="ignore").eq(str)


@by_distinct
def text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Strip spaces (incl. full-width); numbers typed into text columns read as '12', not '12.0'."""
    is_str = _is_str(values)
    out = pd.Series(None, index=values.index, dtype=object)
    if is_str.any():
        s = values[is_str].astype(str).str.replace("\u3000", " ").str.strip()
        out[is_str] = s.where(s != "", None)
    other = ~is_str & values.notna()
    if other.any():
        out[other] = values[other].map(
            lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
        )
    return out, pd.Series(False, index=values.index)


def number(
    values: pd.Series, percent_over_one: bool = False
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """-> (numbers, bad, read_as_percent). '30%' is 0.3; with percent_over_one 30 is 0.3 too."""
    if infer_dtype(values, skipna=True) in _NUMBERS:  # real numbers only: no type to sort out
        is_str = pd.Series(False, index=values.index)
        blank = values.isna()
        nums = pd.to_numeric(values, errors="coerce").astype(float)
    else:
        kind = values.map(type, na_action="ignore")
        is_str = kind.eq(str)
        blank = is_blank(values, is_str)
        nums = pd.to_numeric(
            values.where(~blank & ~kind.eq(bool) & ~is_str, None), errors="coerce"
        ).astype(float)
    pct = pd.Series(False, index=values.index)
    odd = nums.isna() & ~blank & is_str
    if odd.any():
        cleaned = values[odd].astype(str).str.translate(_FULL_WIDTH).str.strip()
        pct[odd] = cleaned.str.endswith("%")
        plain = cleaned.str.replace(r"[\s%]", "", regex=True)
        # a comma only between thousands (1,200,000.5): 12,5 and 1,2,3 are not numbers here
        grouped = plain.str.fullmatch(_THOUSANDS) | ~plain.str.contains(",", regex=False)
        parsed = pd.to_numeric(plain.str.replace(",", "").where(grouped), errors="coerce")
        nums[odd] = parsed.where(~pct[odd], parsed / 100)
    # beyond any plan, or not a number at all (inf, 1e309, nan): never silently read
    nums = nums.where(nums.isna() | (nums.abs() < LARGEST), np.nan)
    bad = nums.isna() & ~blank
    over = pd.Series(False, index=values.index)
    if percent_over_one:
        over = (nums.abs() > 1) & ~pct
        nums = nums.where(~over, nums / 100)
    return nums, bad, over


_SCALES = {"万": 10_000, "亿": 100_000_000}
_LARGEST = Decimal(LARGEST)
# a yuan mark before the number, as Excel's currency format exports it: ¥1,234.00, -¥1,234.00
_YUAN = r"(?:[¥￥]|RMB|CNY)\s*"
_AMOUNT = re.compile(
    rf"([-+]?)(?:{_YUAN})?"
    r"([-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\s*(万|亿)?\s*元?"
)


def amount_value(typed) -> Decimal | None:
    """An amount as a person types it, in yuan: 1200000, 1,200,000, 1.2e6, 120万, 1.2亿,
    １２０万 (full-width), ¥1,200,000.00 (a yuan mark: ¥, ￥, RMB, CNY); None when it is none
    of those."""
    text = str(typed).translate(_FULL_WIDTH).replace("_", "").strip()
    match = _AMOUNT.fullmatch(text)
    if match is None or (match[1] and match[2][:1] in "-+"):  # one sign at most
        return None
    value = Decimal(match[1] + match[2].replace(",", "")) * _SCALES.get(match[3] or "", 1)
    return value if abs(value) < _LARGEST else None


def decimal_comma(value) -> bool:
    """Text with a comma that is not between thousands (12,5 or 1,2,3): a decimal comma, or a
    list, where a number was meant."""
    if not isinstance(value, str):
        return False
    plain = re.sub(r"[\s%万亿元¥￥]", "", value.translate(_FULL_WIDTH))
    if "," not in plain:
        return False
    return re.fullmatch(_THOUSANDS, plain) is None


@by_distinct
def amount(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Amounts in yuan: numbers as `number` reads them, and text with 万/亿 (SPEC §15)."""
    nums, bad, _ = number(values)
    odd = bad & _is_str(values)
    if odd.any():  # ￥11,818.19 at once (YUAN_TEXT), any other one by one
        plain = values[odd].map(_yuan_text)
        nums[plain.index] = plain
        bad = bad & ~(odd & plain.notna())
        odd = odd & plain.isna()
    if odd.any():
        parsed = values[odd].map(amount_value)
        nums[odd] = parsed.map(float, na_action="ignore").astype(float)
        bad = bad & ~(odd & parsed.notna())
    return nums, bad


def _yuan_text(text: str) -> float:
    """An amount written as YUAN_TEXT, as amount_value reads it (the nearest double to the
    decimal it spells), or NaN: another form, or a number amount_value refuses (LARGEST)."""
    if _YUAN_TEXT.fullmatch(text) is None:
        return math.nan
    value = float(_YUAN_MARKS.sub("", text))
    return value if value < LARGEST else math.nan


def integer(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    nums, bad, _ = number(values)
    frac = nums.notna() & (nums != np.floor(nums))
    return nums, bad | frac


@by_distinct
def date(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates, datetimes, Excel serial numbers (as numbers or text) and date strings."""
    kind = values.map(type, na_action="ignore")
    blank = is_blank(values, kind.eq(str))
    real = kind.isin([dt.date, dt.datetime, pd.Timestamp])
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if real.any():
        days = _days_here(values[real].tolist())
        inside = (days >= _FIRST) & (days <= _LAST)
        out[real] = np.where(inside, days, np.datetime64("NaT")).astype("datetime64[ns]")
    odd = ~real & ~blank
    if odd.any():  # a time of day as its day (DAY_TIME), each day read once
        days = [_day_of(v) for v in values[odd].tolist()]
        read = {v: _within(_one_date(v)) for v in set(days)}
        parsed = pd.Series([read[v] for v in days], index=values.index[odd], dtype=object)
        out[odd] = pd.to_datetime(parsed, errors="coerce")
    return out, out.isna() & ~blank


def _day_of(v):
    """Text of a day with a time of day (DAY_TIME) as the day's text; any other as it is."""
    if type(v) is str and (m := _DAY_TIME.fullmatch(v)) is not None:
        return m[1]
    return v


def _days_here(moments: list) -> np.ndarray:
    """The day of each date or datetime, datetime64[D]. A time with a zone (a database's or a
    Parquet file's timestamp with time zone) is an instant: its day is the day it was on
    this computer's clock, where the plan is made (local_days). numpy would take the day in
    UTC: an order at 00:30 in Beijing would fall on the day before, and into the week
    before on a Monday. A time without a zone is the day as it is (days_of); text with an
    offset is the day as written (_one_date)."""
    zoned = np.array([getattr(v, "tzinfo", None) is not None for v in moments], dtype=bool)
    if not zoned.any():
        return days_of(moments)
    days = np.empty(len(moments), dtype="datetime64[D]")
    days[zoned] = local_days(_seconds(list(itertools.compress(moments, zoned))))
    if not zoned.all():
        days[~zoned] = days_of(list(itertools.compress(moments, ~zoned)))
    return days


def _seconds(instants: list) -> np.ndarray:
    """Seconds since 1970 UTC of each time with a zone: through pandas, as days_of, while
    pandas holds them all (pandas 2 only 1677–2262); one by one otherwise."""
    try:
        return pd.to_datetime(instants, utc=True).as_unit("us").asi8 / 1e6
    except (pd.errors.OutOfBoundsDatetime, ValueError, TypeError, OverflowError):
        return np.array([v.timestamp() for v in instants], dtype=np.float64)


def days_of(moments: list) -> np.ndarray:
    """Each date or datetime (without a zone) as its day, datetime64[D], as numpy gives it:
    through pandas, 15 times as fast for a column of order times, while every one is within
    pandas' 1677–2262; numpy's days, which reach far beyond, otherwise."""
    try:
        return pd.DatetimeIndex(moments).to_numpy().astype("datetime64[D]")
    except (pd.errors.OutOfBoundsDatetime, ValueError, TypeError, OverflowError):
        return np.array(moments, dtype="datetime64[D]")


QUARTER = 900  # seconds: every zone now is a whole number of quarter hours from UTC, so its
# days begin on a quarter hour (UTC), and most quarter hours lie within one day
_DAY = 86_400


def local_days(seconds) -> np.ndarray:
    """The day of each instant (seconds since 1970 UTC) on this computer's clock, datetime64[D]:
    worked out once for each quarter hour the instants fall in (quarter_days), one by one
    where a quarter hour spans two days."""
    whole = np.floor(np.asarray(seconds, dtype=np.float64)).astype(np.int64)
    quarters, inverse = np.unique(np.floor_divide(whole, QUARTER), return_inverse=True)
    days = quarter_days(quarters)[inverse.reshape(-1)]
    odd = np.isnat(days)
    if odd.any():
        days[odd] = np.floor_divide(whole[odd] + _offsets(whole[odd]), _DAY).astype("datetime64[D]")
    return days


def quarter_days(quarters: np.ndarray) -> np.ndarray:
    """For each quarter hour (UTC, counted from 1970), the day on this computer's clock of
    every instant in it, datetime64[D]; NaT where they are not all on one day. A quarter hour
    whose first and last second are on the same day at the same offset from UTC is on that
    day throughout (a zone changes its offset at most once in 15 minutes, on a whole second);
    one whose ends differ in either (a zone offset by minutes, a change of offset) is NaT."""
    starts = np.asarray(quarters, dtype=np.int64) * QUARTER
    ends = starts + (QUARTER - 1)
    first, last = _offsets(starts), _offsets(ends)
    day = np.floor_divide(starts + first, _DAY)
    same = (day == np.floor_divide(ends + last, _DAY)) & (first == last)
    return np.where(same, day.astype("datetime64[D]"), np.datetime64("NaT"))


def _offsets(seconds: np.ndarray) -> np.ndarray:
    """This computer's offset from UTC (seconds east) at each whole second since 1970: what
    its clock shows there (datetime.fromtimestamp) less the time in UTC; 0 where the
    computer cannot tell (before 1970 on Windows: the day in UTC)."""
    return np.array([_offset(t) for t in seconds.tolist()], dtype=np.int64)


def _offset(t: int) -> int:
    try:
        return time.localtime(t).tm_gmtoff
    except (OSError, OverflowError, ValueError):
        return 0


def _within(v):
    """A date as a Timestamp when it is within 1900–2199 (anything else is a typo, and
    pandas holds no day before 1677 or after 2262); NaT otherwise."""
    if v is pd.NaT or v is None:
        return pd.NaT
    day = v.date() if isinstance(v, dt.datetime) else v
    return pd.Timestamp(v) if FIRST_DAY.date() <= day <= LAST_DAY.date() else pd.NaT


_COMPACT = (19000101, 21991231)  # a day written YYYYMMDD, within the days a plan reads


def _one_date(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if _COMPACT[0] <= v <= _COMPACT[1] and v == int(v):  # 20261005: beyond any serial
            return _one_date(str(int(v)))
        return _EXCEL_EPOCH + pd.Timedelta(days=int(v)) if 1 <= v < 2958466 else pd.NaT
    if isinstance(v, str):
        s = v.translate(_FULL_WIDTH).strip()
        if re.fullmatch(r"\d{5}(\.0+)?", s):  # a serial number, as text
            return _EXCEL_EPOCH + pd.Timedelta(days=int(float(s)))
        if re.fullmatch(r"\d{8}", s):  # 20261005, as ERP exports write a day
            s = f"{s[:4]}-{s[4:6]}-{s[6:]}"
        # 2026/10/5, 2026.10.5, 2026年10月5日: the day's part only (a time's 23:30:00.123 stays)
        day, sep, clock = re.fullmatch(r"([^\sT]*)([\sT]?)(.*)", s).groups()
        s = re.sub(r"[年月/.]", "-", day).replace("日", "") + sep + clock
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}([ T].*)?", s):
            try:
                day = pd.Timestamp(s)
            except (ValueError, OverflowError):
                return pd.NaT
            # with a time zone (2026-10-05T00:00+08:00, as exports write it): the day as written
            return (day.tz_localize(None) if day.tzinfo else day).normalize()
        return _named_month(v.strip())
    return pd.NaT


# a day with its month named in English, as Excel writes 5-Jan-26 and CRMs Jan 5, 2026
NAMED_MONTH = ("%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y")


def _named_month(s: str):
    for form in NAMED_MONTH:
        try:
            return pd.Timestamp(dt.datetime.strptime(s, form))
        except ValueError:
            continue
    return pd.NaT


@by_distinct
def choice(values: pd.Series, name: str) -> tuple[pd.Series, pd.Series]:
    """A choice column's values typed in either language (资深 or Senior) as the English value
    the engine uses; `name` is the column's English header (engine/settings.py names them)."""
    out, _ = text(values)
    meant = {v: choice_value(name, v) for v in out.dropna().unique()}
    mapped = out.map(meant, na_action="ignore")
    return mapped.astype(object), out.notna() & mapped.isna()


# -- one value at a time (a setting, a scenario's value) -------------------------------------
# The functions above read a column; a setting is one cell, and a one-value Series costs
# milliseconds of pandas for microseconds of reading. Each function below reads one value as
# its column function reads a column of that one value (tests/workbook/test_coerce.py proves
# it over every kind a cell holds); a value of a kind it does not read itself (a bool, a
# date, a number beyond a float's exact integers) is read by the column function.
_EXACT = 2**53  # integers a float holds exactly


def _plain_number(value) -> bool:
    return (isinstance(value, float) and not math.isnan(value)) or (
        type(value) is int and abs(value) < _EXACT
    )


def number_of(value, percent_over_one: bool = False) -> tuple[float, bool, bool]:
    """-> (number, bad, read_as_percent), as `number` reads a column of this one value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan, False, False
    if _plain_number(value):
        num, pct = float(value), False
    elif type(value) is str:  # not a subclass (CellError): the column function reads those
        if not value.strip():
            return math.nan, False, False
        cleaned = value.translate(_FULL_WIDTH).strip()
        pct = cleaned.endswith("%")
        plain = re.sub(r"[\s%]", "", cleaned)
        grouped = "," not in plain or re.fullmatch(_THOUSANDS, plain) is not None
        parsed = pd.to_numeric(plain.replace(",", ""), errors="coerce") if grouped else np.nan
        num = float(parsed / 100 if pct else parsed)
    else:
        nums, bad, over = number(pd.Series([value], dtype=object), percent_over_one)
        return float(nums.iloc[0]), bool(bad.iloc[0]), bool(over.iloc[0])
    if not abs(num) < LARGEST:  # beyond any plan, or not a number at all (inf, nan)
        return math.nan, True, False
    over = percent_over_one and abs(num) > 1 and not pct
    return (num / 100 if over else num), False, over


def amount_of(value) -> tuple[float, bool]:
    """-> (amount, bad), as `amount` reads a column of this one value."""
    if not (
        value is None or type(value) is str or isinstance(value, float) or _plain_number(value)
    ):
        nums, bad = amount(pd.Series([value], dtype=object))
        return float(nums.iloc[0]), bool(bad.iloc[0])
    num, bad, _ = number_of(value)
    if bad and type(value) is str:
        parsed = amount_value(value)
        if parsed is not None:
            return float(parsed), False
    return num, bad


def date_of(value) -> tuple[pd.Timestamp, bool]:
    """-> (day, bad), as `date` reads a column of this one value: a Timestamp, or NaT."""
    if value is None:
        return pd.NaT, False
    if type(value) is str:
        if not value.strip():
            return pd.NaT, False
        day = _within(_one_date(value))
        if day is pd.NaT:
            return pd.NaT, True
        return day.as_unit("ns"), False
    days, bad = date(pd.Series([value], dtype=object))
    return days.iloc[0], bool(bad.iloc[0])
