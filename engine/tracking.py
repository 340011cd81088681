"""Tracking and alerts (SPEC §6): actuals to date against the weekly plan, per rep.

Status, compared exactly in integer cents (RedBelow as an exact fraction):
RED if ToDate < RedBelow × FloorToDate; else GREEN if ToDate ≥ PlanToDate; else AMBER.

Reason, for RED and AMBER, compares the funnel activity to date with what the plan to
date needs (`phasing.funnel_need` on PlanToDate, AvgDealSize and tblFunnel's conversions;
the first funnel stage is counted from Visits, the last from Deals):
  1. visits to date < planned visits              -> "visits below plan"
  2. else deals to date < planned deals           -> "visits on plan, conversion low"
  3. else (activity on plan, the amount is not)   -> "deal size low"
Without tblFunnel or AvgDealSize there is nothing to compare: "no funnel to compare";
when tblActuals has neither Visits nor Deals filled in: "no activity to compare". A stage
whose column is blank throughout is skipped; a rep without rows counts 0 of everything.

The tracked week, fair to reps who report late and not moved by one who reports early:
  - a rep *has reported* week w when tblActuals has a row of theirs (any Amount, 0 included)
    at week w or at a later week of the period: a rep who typed week 7 is past week 6, even if
    they sold nothing in week 6 and left it out;
  - by default the tracked week is the latest week w in which more than half of the reps
    employed in week w (StartDate..EndDate, a day of the week is enough) have reported w; 0 when
    no week has such a majority. One rep far ahead makes no majority; reps who left before w or
    join after it are not counted for w. `track(..., week=N)` (`salesplan track --week N`)
    tracks week N instead.
Only weeks 1 to the tracked week count in ToDate and the funnel activity; later weeks count
once they are tracked. A rep employed in the tracked week who has not reported it is
NO_REPORT ("no report"), not RED: their ToDate and pace still show what they did report, and
they get no Reason. A rep not employed in the tracked week is never NO_REPORT.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.calendar import activity
from engine.decomposition import Decomposition
from engine.money import allocate_rows
from engine.phasing import funnel_need, funnel_stages, path_to_target
from engine.plan import Plan
from engine.problems import Problem, at_row, said

RED, AMBER, GREEN = "RED", "AMBER", "GREEN"
NO_REPORT = "no report"  # employed in the tracked week and has not reported it
STATUSES = (RED, AMBER, GREEN, NO_REPORT)
VISITS_LOW = "visits below plan"
CONVERSION_LOW = "visits on plan, conversion low"
DEAL_SIZE_LOW = "deal size low"
NO_FUNNEL = "no funnel to compare"
NO_ACTIVITY = "no activity to compare"
ACTIVITY = ("visits", "demos", "deals", "new_customers")


def track(plan: Plan, decomposition: Decomposition, week: int | None = None) -> pd.DataFrame:
    """One row per rep (targets order) at the tracked week: `week`, or by default the latest
    week most reps have reported (module docstring); 0 to PeriodWeeks.

    Money in int64 cents. Rows that `validate_actuals` reports (unknown RepID, week
    outside the period) are left out of the sums; call it first to show them.
    """
    targets = decomposition.targets
    weekly = decomposition.weekly.to_numpy(dtype=np.int64)  # yuan, rows as targets
    n_weeks = weekly.shape[1]
    ids = targets["rep_id"].to_numpy()
    actuals = _usable(plan.actuals, ids, n_weeks)
    last = last_reports(actuals, ids)
    employed = _employed(plan, ids, n_weeks)
    if week is None:
        week = most_reported_week(last, employed)
    elif not 0 <= week <= n_weeks:
        raise ValueError(f"week {week} is outside the period (0 to {n_weeks})")

    counted = actuals[actuals["week"].to_numpy() <= week]
    sums = counted.groupby("rep_id")[["amount_cents", *_present(actuals)]].sum()
    sums = sums.reindex(ids, fill_value=0)
    to_date = sums["amount_cents"].to_numpy(dtype=np.int64)
    plan_to_date = through_week(weekly, week) * 100
    floor_to_date = (
        floor_through_week(targets["floor"].to_numpy(dtype=np.int64), weekly, week) * 100
    )

    status = alert_status(to_date, plan_to_date, floor_to_date, plan.settings["RedBelow"])
    waiting = (employed[:, week - 1] & (last < week)) if week else np.zeros(len(ids), bool)
    status = np.where(waiting, NO_REPORT, status).astype(object)
    deal = float(decomposition.team.get("avg_deal_size") or 0)
    reason = _reason(plan, sums, plan_to_date, deal)
    reason = np.where((status == GREEN) | waiting, "", reason)

    pace = np.divide(to_date, plan_to_date, out=np.full(len(ids), np.nan), where=plan_to_date > 0)
    remaining = np.clip(targets["target"].to_numpy(dtype=np.int64) * 100 - to_date, 0, None)
    out = pd.DataFrame(
        {
            "rep_id": ids,
            "week": week,
            "last_report": last,
            "to_date": to_date,
            "plan_to_date": plan_to_date,
            "floor_to_date": floor_to_date,
            "pace": pace,
            "status": status,
            "reason": reason,
            "remaining": remaining,
        }
    )
    if "gross_profit" in targets and gross_profit_typed(plan.actuals):
        out = pd.concat([out, _gross_profit(counted, targets, weekly, week)], axis=1)
    path = path_to_target(remaining / 100, plan, deal)
    return pd.concat([out, path.reset_index(drop=True)], axis=1)


GROSS_PROFIT = ("gp_to_date", "gp_plan_to_date", "gp_pace")


def gross_profit_typed(actuals: pd.DataFrame | None) -> bool:
    """tblActuals has a GrossProfit column with something typed in it."""
    return (
        actuals is not None
        and "gross_profit_cents" in actuals
        and bool(actuals["gross_profit_cents"].notna().any())
    )


def _gross_profit(counted, targets, weekly, week: int) -> pd.DataFrame:
    """Gross profit to date (cents) against its plan to date: the rep's gross-profit target
    phased like their sales target (as the floor is, `phase_floor`: same weekly shares, summing
    exactly), through the tracked week; the pace is their ratio."""
    ids = targets["rep_id"].to_numpy()
    gp = counted.groupby("rep_id")["gross_profit_cents"].sum()  # blanks count 0
    to_date = gp.reindex(ids, fill_value=0).fillna(0).to_numpy(dtype=np.int64)
    plan = floor_through_week(targets["gross_profit"].to_numpy(dtype=np.int64), weekly, week)
    plan_cents = plan * 100
    pace = np.divide(to_date, plan_cents, out=np.full(len(ids), np.nan), where=plan_cents > 0)
    return pd.DataFrame({"gp_to_date": to_date, "gp_plan_to_date": plan_cents, "gp_pace": pace})


def tracked_week(plan: Plan) -> int:
    """The week `track` tracks by default: the latest week most reps have reported."""
    ids = plan.reps["rep_id"].to_numpy()
    n_weeks = plan.settings.weeks
    last = last_reports(_usable(plan.actuals, ids, n_weeks), ids)
    return most_reported_week(last, _employed(plan, ids, n_weeks))


def most_reported_week(last: np.ndarray, employed: np.ndarray) -> int:
    """The latest week w in which more than half of the reps employed in w have reported it.

    `last`: each rep's latest week with an actuals row (0 for none); `employed`: reps × weeks,
    True where the rep is employed in the week. 0 when no week has such a majority.
    """
    weeks = np.arange(1, employed.shape[1] + 1)
    reported = employed & (np.asarray(last)[:, None] >= weeks[None, :])
    majority = 2 * reported.sum(axis=0) > employed.sum(axis=0)
    found = np.flatnonzero(majority)
    return int(found[-1]) + 1 if len(found) else 0


def last_reports(actuals: pd.DataFrame, ids) -> np.ndarray:
    """Each rep's latest week with a usable actuals row, in the order of `ids`; 0 for none."""
    latest = actuals.groupby("rep_id")["week"].max() if len(actuals) else pd.Series(dtype=float)
    return latest.reindex(ids, fill_value=0).to_numpy(dtype=np.int64)


def reported_by(plan: Plan, ids, week: int) -> np.ndarray:
    """True for each rep (in the order of `ids`) with a usable actuals row in weeks 1..week:
    what their ToDate counts (a forecast projects the plan for the others)."""
    usable = _usable(plan.actuals, np.asarray(ids), plan.settings.weeks)
    reported = usable.loc[usable["week"].to_numpy() <= week, "rep_id"].unique()
    # by hashing: np.isin compares arrays of text pair by pair (20 s at 20,000 reps)
    return pd.Index(ids).isin(reported)


def _employed(plan: Plan, ids, n_weeks: int) -> np.ndarray:
    """reps (in the order of `ids`) × weeks: employed on at least one day of the week."""
    reps = plan.reps
    rows = pd.Index(reps["rep_id"]).get_indexer(ids)
    return (activity(reps, plan.settings.period_start, n_weeks) > 0)[rows]


def validate_actuals(plan: Plan) -> list[Problem]:
    """tblActuals rows a sales manager must fix: unknown RepID, week outside the period,
    negative activity counts."""
    actuals = plan.actuals
    if actuals is None or actuals.empty:
        return []
    n_weeks = plan.settings.weeks
    known = set(plan.reps["rep_id"])
    problems = []
    unknown = ~actuals["rep_id"].isin(known).to_numpy()
    for i in np.flatnonzero(unknown):
        rep = actuals["rep_id"].iloc[i]
        problems.append(
            Problem(
                *at_row(actuals, i, "rep_id", "Actuals"),
                said("rep_not_in_reps", rep_id=rep, suggestion=""),
                said("actuals_rep_hint"),
            )
        )
    week = pd.to_numeric(actuals["week"], errors="coerce").to_numpy(dtype=float)
    outside = ~((week >= 1) & (week <= n_weeks) & (week == np.floor(week)))
    for i in np.flatnonzero(outside):
        value = actuals["week"].iloc[i]
        value = f"{value:g}" if isinstance(value, (int, float)) else value  # 14, not 14.0
        problems.append(
            Problem(
                *at_row(actuals, i, "week", "Actuals"),
                said("actuals_week_outside", week=value, weeks=n_weeks),
                said("actuals_week_outside_hint", weeks=n_weeks),
            )
        )
    for column in _present(actuals):
        values = pd.to_numeric(actuals[column], errors="coerce").to_numpy(dtype=float)
        for i in np.flatnonzero(values < 0):
            problems.append(
                Problem(
                    *at_row(actuals, i, column, "Actuals"),
                    said(
                        "actuals_negative", column=_label(actuals, column), value=float(values[i])
                    ),
                    said("actuals_negative_hint"),
                )
            )
    return problems


def latest_week(plan: Plan) -> int:
    """The latest week of the period with usable actuals of any rep (0 before the first); a
    recalibration keeps the plan of the weeks up to it."""
    usable = _usable(plan.actuals, plan.reps["rep_id"].to_numpy(), plan.settings.weeks)
    return int(usable["week"].max()) if len(usable) else 0


def weekly_actuals(plan: Plan, ids) -> pd.DataFrame:
    """Actual amounts in cents, reps (in the order of `ids`) × weeks W1..Wn of the period."""
    n = plan.settings.weeks
    usable = _usable(plan.actuals, np.asarray(ids), n)
    sums = (
        usable.pivot_table(
            index="rep_id", columns="week", values="amount_cents", aggfunc="sum", fill_value=0
        )
        if len(usable)
        else pd.DataFrame()
    )
    sums = sums.reindex(index=ids, columns=range(1, n + 1), fill_value=0).astype(np.int64)
    sums.columns = [f"W{w}" for w in range(1, n + 1)]
    return sums.reset_index(drop=True)


def _usable(actuals: pd.DataFrame | None, ids: np.ndarray, n_weeks: int) -> pd.DataFrame:
    if actuals is None or actuals.empty:
        return pd.DataFrame({"rep_id": [], "week": [], "amount_cents": []})
    week = pd.to_numeric(actuals["week"], errors="coerce")
    keep = actuals["rep_id"].isin(ids) & week.between(1, n_weeks) & (week == week.round())
    out = actuals[keep.to_numpy()].copy()
    out["week"] = week[keep.to_numpy()].astype(np.int64)
    for column in _present(out):
        out[column] = pd.to_numeric(out[column], errors="coerce").fillna(0).clip(lower=0)
    return out


def _present(actuals: pd.DataFrame) -> list[str]:
    """Activity columns the team fills in (a column left blank throughout is not tracked)."""
    return [c for c in ACTIVITY if c in actuals.columns and actuals[c].notna().any()]


def phase_floor(floor: np.ndarray, weekly: np.ndarray) -> np.ndarray:
    """The floor spread over the weeks like the rep's target, summing exactly to the floor."""
    weights = weekly.astype(float)
    weights[weights.sum(axis=1) <= 0] = 1.0
    return allocate_rows(floor, weights)


def through_week(weekly: np.ndarray, week: int) -> np.ndarray:
    """PlanToDate: each row's weekly plan summed over weeks 1..week, in the unit of `weekly`."""
    return np.asarray(weekly, dtype=np.int64)[:, :week].sum(axis=1)


def floor_through_week(floor: np.ndarray, weekly: np.ndarray, week: int) -> np.ndarray:
    """FloorToDate: the floor phased like the target (`phase_floor`), summed over weeks 1..week."""
    return through_week(phase_floor(np.asarray(floor, dtype=np.int64), weekly), week)


def alert_status(to_date, plan_to_date, floor_to_date, red_below) -> np.ndarray:
    """RED if ToDate < RedBelow × FloorToDate; else GREEN if ToDate ≥ PlanToDate; else AMBER.

    Amounts in integer cents; RedBelow (a Decimal) is compared as an exact fraction.
    """
    num, den = red_below.as_integer_ratio()
    # exact: to_date < num/den × floor  ⇔  to_date × den < num × floor (Python ints)
    to_obj = np.asarray(to_date, dtype=object)
    red = to_obj * den < np.asarray(floor_to_date, dtype=object) * num
    green = to_date >= plan_to_date
    return np.where(red, RED, np.where(green, GREEN, AMBER)).astype(object)


def _reason(plan: Plan, sums: pd.DataFrame, plan_to_date: np.ndarray, deal: float) -> np.ndarray:
    names, conversions = funnel_stages(plan)
    n = len(plan_to_date)
    if len(names) < 2 or deal <= 0:
        return np.full(n, NO_FUNNEL, dtype=object)
    need = funnel_need(plan_to_date / 100, deal, conversions)  # deals first, visits last
    planned_deals, planned_visits = need[0], need[-1]
    visits = sums["visits"].to_numpy() if "visits" in sums else None
    deals = sums["deals"].to_numpy() if "deals" in sums else None
    if visits is None and deals is None:
        return np.full(n, NO_ACTIVITY, dtype=object)
    visits_low = visits < planned_visits if visits is not None else np.zeros(n, dtype=bool)
    deals_low = deals < planned_deals if deals is not None else np.zeros(n, dtype=bool)
    return np.where(
        visits_low, VISITS_LOW, np.where(deals_low, CONVERSION_LOW, DEAL_SIZE_LOW)
    ).astype(object)


def _label(actuals: pd.DataFrame, column: str) -> str:
    """The column's header as the user typed it (拜访, Visits), else its English name."""
    typed = actuals.attrs.get("headers", {}).get(column)
    return typed or {"new_customers": "NewCustomers"}.get(column, column.capitalize())
