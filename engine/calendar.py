"""Weeks of the plan period: 7-day blocks from PeriodStart; a week's month is its Thursday's."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def week_starts(start: dt.date, weeks: int) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start), periods=weeks, freq="7D")


def week_index(dates, start: dt.date) -> np.ndarray:
    """Week number relative to PeriodStart: 0 is the first week, -1 the week before it."""
    days = (pd.to_datetime(pd.Series(dates)) - pd.Timestamp(start)).dt.days
    return np.floor_divide(np.asarray(days, dtype=np.int64), 7)


def week_months(start: dt.date, weeks: int) -> list[str]:
    """'2026-10' for every week, by the month of its Thursday."""
    thursdays = week_starts(start, weeks) + pd.Timedelta(days=3)
    return [f"{d.year:04d}-{d.month:02d}" for d in thursdays]


def quarter_of(month: str) -> str:
    """The calendar quarter of a month label: '2027-02' is '2027-Q1'."""
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


def week_quarters(start: dt.date, weeks: int) -> list[str]:
    """'2027-Q1' for every week: the quarter of the week's month (its Thursday's)."""
    return [quarter_of(m) for m in week_months(start, weeks)]


def activity(reps: pd.DataFrame, start: dt.date, weeks: int) -> np.ndarray:
    """reps × weeks: the share of each week's 7 days the rep is employed (StartDate..EndDate)."""
    ws = week_starts(start, weeks).values.astype("datetime64[D]").astype(np.int64)
    first = _days(reps.get("start_date"), len(reps), -(10**9))
    last = _days(reps.get("end_date"), len(reps), 10**9)
    lo = np.maximum(first[:, None], ws[None, :])
    hi = np.minimum(last[:, None], ws[None, :] + 6)
    return np.clip(hi - lo + 1, 0, 7) / 7.0


def _days(values, n: int, missing: int) -> np.ndarray:
    if values is None:
        return np.full(n, missing, dtype=np.int64)
    ts = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce")
    days = ts.values.astype("datetime64[D]").astype(np.int64)
    return np.where(ts.isna().values, missing, days)


def months_between(start, when) -> np.ndarray:
    """Whole calendar months of tenure from `start` to `when` (0 in the first month)."""
    s = pd.to_datetime(pd.Series(start, dtype=object), errors="coerce")
    w = pd.Timestamp(when)
    m = (w.year - s.dt.year) * 12 + (w.month - s.dt.month) - (w.day < s.dt.day)
    return m.to_numpy(dtype=np.float64, na_value=np.nan)
