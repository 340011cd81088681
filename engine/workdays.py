"""Working days of a run of weeks (SPEC §1.1 Holidays), as the `holidays` package knows them.

A working day is what the country's calendar says it is: Monday to Friday but its statutory
holidays, plus its make-up working days (China's 调休 Saturdays and Sundays). The package
is maintained with each year's announcement; a year not yet announced gets the holidays its
rules fix (the Spring Festival's dates) but no make-up days, which it cannot know.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

NORMAL_WEEK = 5  # the working days of a week without holidays (Monday to Friday)
LANGUAGES = {"zh-CN": "zh_CN", "en": "en_US"}


@dataclass(frozen=True)
class WorkWeeks:
    """For each week: its working days (0–7) and the holidays in it, in the plan's language."""

    country: str
    days: np.ndarray
    holidays: tuple[str, ...]


def country_code(typed: str) -> str | None:
    """The country a typed Holidays value names (`cn` → CN, `CHN` → CHN), or None."""
    import holidays  # loaded by a plan that names a country, not by every command

    code = str(typed).strip().upper()
    return code if code in holidays.list_supported_countries() else None


def work_weeks(country: str, first: dt.date, weeks: int, locale: str = "en") -> WorkWeeks:
    """The working days and holidays of `weeks` 7-day weeks from `first`, in `country`."""
    import holidays

    days = [first + dt.timedelta(days=k) for k in range(7 * weeks)]
    years = range(days[0].year, days[-1].year + 1)
    language = LANGUAGES.get(locale, "en_US")
    named = language in holidays.list_localized_countries().get(country, ())  # else its own
    calendar = holidays.country_holidays(
        country, years=years, **({"language": language} if named else {})
    )
    working = np.array([calendar.is_working_day(d) for d in days]).reshape(weeks, 7)
    sep = "、" if locale == "zh-CN" else ", "
    names = []
    for w in range(weeks):
        found = [calendar.get(d) for d in days[7 * w : 7 * w + 7] if d in calendar]
        names.append(sep.join(dict.fromkeys(n for one in found for n in one.split("; "))))
    return WorkWeeks(country, working.sum(axis=1).astype(np.int64), tuple(names))


def weighted(shares: np.ndarray, phases: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Each phase's share spread over its weeks by their working days (evenly when none of
    its weeks has one): the phase keeps its share, a week of 2 working days gets 2/5 of a
    normal week's."""
    shares = np.asarray(shares, dtype=float)
    days = np.asarray(days, dtype=float)
    phase_total = np.bincount(phases, weights=shares)
    phase_days = np.bincount(phases, weights=days)
    phase_weeks = np.bincount(phases)
    by_days = phase_total[phases] * days / np.where(phase_days > 0, phase_days, 1)[phases]
    evenly = phase_total[phases] / phase_weeks[phases]
    return np.where(phase_days[phases] > 0, by_days, evenly)


def per_working_day(amounts: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Weekly amounts as a normal week's worth: amount × 5 ÷ working days (a week without
    working days, or with a normal count, kept as it is)."""
    days = np.asarray(days, dtype=float)
    scale = np.where(days > 0, NORMAL_WEEK / np.where(days > 0, days, 1), 1.0)
    return np.asarray(amounts, dtype=float) * scale
