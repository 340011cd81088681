"""Phasing (SPEC §4): the weekly plan, months, and the funnel activity a target needs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from engine.calendar import quarter_of, week_months, week_starts
from engine.money import allocate_rows
from engine.plan import Plan
from engine.problems import Choice, Message, PlanError, Problem, said
from engine.settings import Settings
from engine.workdays import NORMAL_WEEK, WorkWeeks, per_working_day, weighted, work_weeks


def weekly_shares(
    plan: Plan, history: pd.DataFrame, notes: list, work: WorkWeeks | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Share of the period in each week, and each week's phase number.

    tblRhythm anchors (a phase's share spread over its weeks), else the weekly profile of
    history (each week its own phase), else every week alike. With a Holidays country, a
    phase's share is spread by its weeks' working days, and history's profile is taken per
    working day of its own weeks before this period's working days weight it (`work`: the
    period's weeks, `working_weeks`).
    """
    n = plan.settings.weeks
    days = work.days if work is not None else None
    if work is not None:
        notes.append(working_days_note(plan.settings, work))
    rhythm = plan.rhythm
    if rhythm is not None and not rhythm.empty:
        weeks = rhythm["weeks"].astype(int).to_numpy()
        shares = rhythm["share"].astype(float).to_numpy()
        problems = rhythm_problems(weeks, shares, n)
        if problems:
            raise PlanError(problems)
        shares, phases = rhythm_shares(weeks, shares)
        return (shares if days is None else weighted(shares, phases, days)), phases
    by_week = history.groupby("week")["amount_cents"].sum()
    for lo, label in ((-52, "note_phasing_last_year"), (-n, "note_phasing_last_period")):
        profile = by_week.reindex(range(lo, lo + n)).fillna(0).to_numpy(dtype=float)
        if profile.sum() > 0 and by_week.index.min() <= lo:
            notes.append(said(label))
            if days is not None:
                first = plan.settings.period_start + dt.timedelta(weeks=lo)
                then = work_weeks(work.country, first, n).days
                weighted_profile = per_working_day(profile, then) * days / NORMAL_WEEK
                if weighted_profile.sum() > 0:
                    notes.append(said("note_working_days_history", country=work.country))
                    profile = weighted_profile
            return profile / profile.sum(), np.arange(n)
    notes.append(said("note_phasing_even"))
    shares, phases = even_shares(n)
    return (shares if days is None else weighted(shares, np.zeros(n, dtype=int), days)), phases


def working_weeks(settings: Settings) -> WorkWeeks | None:
    """The plan's weeks' working days and holidays, when Holidays names a country."""
    if settings.holidays is None:
        return None
    return work_weeks(settings.holidays, settings.period_start, settings.weeks, settings.locale)


def week_table(
    settings: Settings, shares: np.ndarray, work: WorkWeeks | None
) -> pd.DataFrame | None:
    """The period's weeks as the Phasing sheet lists them when working days weight them:
    W1, its Monday, month, working days, holidays and share of the period."""
    if work is None:
        return None
    n = settings.weeks
    return pd.DataFrame(
        {
            "week": [f"W{i + 1}" for i in range(n)],
            "week_start": week_starts(settings.period_start, n),
            "month": week_months(settings.period_start, n),
            "working_days": work.days,
            "holidays": list(work.holidays),
            "share": np.asarray(shares, dtype=float),
        }
    )


def working_days_note(settings: Settings, work: WorkWeeks) -> Message:
    """The run log's line on the working days: which weeks have holidays."""
    weeks = tuple(
        said("note_working_days_week", week=i + 1, names=work.holidays[i], days=int(days))
        for i, days in enumerate(work.days)
        if work.holidays[i]
    )
    if not weeks:
        return said("note_working_days_plain", country=work.country)
    return said("note_working_days", country=work.country, weeks=weeks)


def rhythm_shares(weeks, shares) -> tuple[np.ndarray, np.ndarray]:
    """tblRhythm's phases as (share of each week, phase of each week): a phase's share is
    spread evenly over its weeks."""
    weeks = np.asarray(weeks, dtype=int)
    shares = np.asarray(shares, dtype=float)
    return np.repeat(shares / np.maximum(weeks, 1), weeks), np.repeat(np.arange(len(weeks)), weeks)


def rhythm_problems(weeks, shares, period_weeks: int) -> list[Problem]:
    """What keeps tblRhythm from phasing the period: weeks that miss PeriodWeeks, shares
    that miss 100 %."""
    weeks = np.asarray(weeks, dtype=int)
    shares = np.asarray(shares, dtype=float)
    problems = []
    if weeks.sum() != period_weeks:
        problems.append(
            Problem(
                "Rhythm",
                "",
                said("rhythm_weeks", n=int(weeks.sum()), weeks=period_weeks),
                said("rhythm_weeks_hint"),
            )
        )
    if abs(shares.sum() - 1) > 1e-6:
        problems.append(
            Problem(
                "Rhythm",
                "",
                said("rhythm_shares", total=float(shares.sum())),
                said("rhythm_shares_hint"),
            )
        )
    return problems


def even_shares(weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """The same share every week, each week its own phase (no rhythm and no history)."""
    return np.full(weeks, 1.0 / weeks), np.arange(weeks)


def weekly_plan(
    targets: np.ndarray, shares: np.ndarray, phases: np.ndarray, effort: np.ndarray
) -> np.ndarray:
    """reps × weeks in whole yuan, each row summing exactly to the rep's target.

    A rep's weeks are weighted by the period's rhythm times the rep's own effort (active
    days, ramp), so a rep joining in week 5 has nothing planned before. Phases are rounded
    first, then weeks inside each phase, so a phase keeps its share to the yuan.
    """
    w = shares[None, :] * effort
    idle = w.sum(axis=1) <= 0
    w[idle] = shares
    n_phases = int(phases.max()) + 1
    by_phase = np.stack([w[:, phases == k].sum(axis=1) for k in range(n_phases)], axis=1)
    phase_amounts = allocate_rows(targets, by_phase)
    out = np.zeros(w.shape, dtype=np.int64)
    for k in range(n_phases):
        cols = phases == k
        weights = w[:, cols]
        empty = weights.sum(axis=1) <= 0
        weights[empty] = 1.0
        out[:, cols] = allocate_rows(phase_amounts[:, k], weights)
    return out


def monthly(plan_weeks: pd.DataFrame, start, weeks: int) -> pd.DataFrame:
    months = week_months(start, weeks)
    return plan_weeks.T.groupby(months, sort=False).sum().T


# The fewest weeks of a plan phased by quarter: a year. A shorter plan (13 weeks) is about one
# quarter, or straddles two without filling either, so quarter columns would only repeat its
# months or its total.
ANNUAL_WEEKS = 52


def is_annual(weeks: int) -> bool:
    """A plan of a year (52 or 53 weeks) or more: phased year → quarter → month (SPEC §4)."""
    return weeks >= ANNUAL_WEEKS


def phase_by_problems(settings: Settings) -> list[Problem]:
    """PhaseBy quarters on a plan shorter than a year, at the setting's cell: the letter asked
    for cannot be made, and a rep must not get another one than the manager chose."""
    if settings["PhaseBy"] != "quarters" or is_annual(settings.weeks):
        return []
    quarters, weeks = Choice("PhaseBy", "quarters"), Choice("PhaseBy", "weeks")
    return [
        Problem(
            *settings.where("PhaseBy"),
            said("phase_by_not_annual", quarters=quarters, weeks=settings.weeks),
            said("phase_by_not_annual_hint", by_weeks=weeks, least=ANNUAL_WEEKS),
        )
    ]


def quarterly(months: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """reps × quarters (2027-Q1 …): each quarter the exact sum of its months' columns, in
    the months' order; no columns for a plan shorter than a year."""
    if not is_annual(weeks):
        return months.iloc[:, :0]
    labels = [quarter_of(str(m)) for m in months.columns]
    return months.T.groupby(labels, sort=False).sum().T


def funnel_need(remaining, deal_size: float, conversions) -> list[np.ndarray]:
    """Deals, then each earlier stage: ceil(next / conversion), vectorised over reps."""
    rem = np.clip(np.asarray(remaining, dtype=float), 0, None)
    need = [np.ceil(rem / deal_size - 1e-9).astype(np.int64)]
    for conv in reversed(list(conversions)):
        need.append(np.ceil(need[-1] / float(conv) - 1e-9).astype(np.int64))
    return need  # deals first, then earlier stages


def funnel_stages(plan: Plan) -> tuple[list[str], list[float]]:
    """Stage names (first to last) and the conversions between consecutive stages."""
    f = plan.funnel
    if f is None or f.empty:
        return [], []
    names = [str(s) for s in f["stage"]]
    conv = f["conversion"].astype(float).tolist()[:-1]
    return names, conv


def avg_deal_size(plan: Plan, window_history: pd.DataFrame, notes: list) -> float:
    size = plan.settings["AvgDealSize"]
    if size:
        return float(size)
    # the mean order with an amount; history summed from a source counts its orders in `_orders`
    amounts = window_history["amount_cents"]
    orders = window_history["_orders"] if "_orders" in window_history else (amounts > 0)
    count = int(orders.sum())
    value = int(amounts[amounts > 0].sum()) / count / 100 if count else 0.0
    if value > 0:
        notes.append(said("note_deal_size", value=value))
    return value


def path_to_target(remaining, plan: Plan, deal_size: float) -> pd.DataFrame:
    names, conv = funnel_stages(plan)
    if not names or deal_size <= 0:
        return pd.DataFrame(index=range(len(remaining)))
    need = funnel_need(remaining, deal_size, conv)
    return pd.DataFrame(
        {name: counts for name, counts in zip(reversed(names), need, strict=False)}
    )[names]
