"""Value coercion for typed cells: numbers typed as text, 30%, full-width digits, dates.

Each function takes a column of raw cell values and returns (values, bad) where `bad` is a
boolean mask of cells that could not be read; blanks come back as NaN / NaT / None.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９．，－＋％　", "0123456789.,-+% "
)
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def is_blank(values: pd.Series) -> pd.Series:
    return values.isna() | values.map(lambda v: isinstance(v, str) and not v.strip())


def text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Strip spaces (incl. full-width); numbers typed into text columns read as '12', not '12.0'."""

    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        s = str(v).replace("\u3000", " ").strip()
        return s or None

    out = values.map(one).astype(object)
    return out, pd.Series(False, index=values.index)


def number(values: pd.Series, percent_over_one: bool = False) -> tuple[pd.Series, pd.Series, pd.Series]:
    """-> (numbers, bad, read_as_percent). '30%' is 0.3; with percent_over_one 30 is 0.3 too."""
    blank = is_blank(values)
    raw = values.where(~blank, None)
    as_text = raw.map(lambda v: isinstance(v, str))
    cleaned = raw.astype(object).where(~as_text, raw[as_text].map(lambda s: s.translate(_FULL_WIDTH).strip()))
    pct = cleaned.map(lambda v: isinstance(v, str) and v.endswith("%"))
    stripped = cleaned.map(lambda v: re.sub(r"[,\s%]", "", v) if isinstance(v, str) else v)
    bool_like = stripped.map(lambda v: isinstance(v, bool))
    nums = pd.to_numeric(stripped.where(~bool_like, None), errors="coerce").astype(float)
    nums = nums.where(~pct, nums / 100)
    bad = nums.isna() & ~blank
    over = pd.Series(False, index=values.index)
    if percent_over_one:
        over = (nums.abs() > 1) & ~pct
        nums = nums.where(~over, nums / 100)
    return nums, bad, over


def integer(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    nums, bad, _ = number(values)
    frac = nums.notna() & (nums != np.floor(nums))
    return nums, bad | frac


def date(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates, datetimes, Excel serial numbers (as numbers or text) and date strings."""
    blank = is_blank(values)

    def one(v):
        if isinstance(v, dt.datetime):
            return pd.Timestamp(v).normalize()
        if isinstance(v, dt.date):
            return pd.Timestamp(v)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return _EXCEL_EPOCH + pd.Timedelta(days=int(v)) if 1 <= v < 2958466 else pd.NaT
        if isinstance(v, str):
            s = v.translate(_FULL_WIDTH).strip()
            s = re.sub(r"[年月/.]", "-", s).replace("日", "")
            if re.fullmatch(r"\d{5}(\.0+)?", s):
                return _EXCEL_EPOCH + pd.Timedelta(days=int(float(s)))
            try:
                return pd.Timestamp(s).normalize() if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}.*", s) else pd.NaT
            except ValueError:
                return pd.NaT
        return pd.NaT

    out = pd.to_datetime(values.where(~blank, None).map(one), errors="coerce")
    return out, out.isna() & ~blank


def choice(values: pd.Series, choices: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    out, _ = text(values)
    low = out.map(lambda v: v.casefold() if isinstance(v, str) else v)
    canon = {c.casefold(): c for c in choices}
    mapped = low.map(lambda v: canon.get(v) if isinstance(v, str) else None)
    return mapped.astype(object), out.notna() & mapped.isna()
