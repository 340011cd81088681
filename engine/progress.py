"""Progress in the period (SPEC §5–§6, §17): tracking, commission, the team pool and the forecast
to period end (engine/forecast.py), in one call.

The Track button and `salesplan track` both call `progress(plan, week)`; front ends only render
it. The week is tracking's (engine/tracking.py): by default the latest week most reps have
reported; commission is earned on the sales to that week, and KPI goals are phased to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from engine import actuals_columns
from engine import commission as pay
from engine.decompose import decompose
from engine.decomposition import Decomposition
from engine.forecast import Forecast, forecast, pay_terms
from engine.kpi import Scorecard, scorecard, validate_kpis
from engine.plan import Plan
from engine.problems import Message, PlanError, Problem, said
from engine.tracking import (
    gross_profit_typed,
    reported_by,
    through_week,
    track,
    validate_actuals,
    weekly_actuals,
)


@dataclass(frozen=True)
class Progress:
    """Money in int64 cents; rows in the order of decomposition.targets."""

    decomposition: Decomposition
    tracking: pd.DataFrame
    commission: pd.DataFrame
    statement: pd.DataFrame
    pool_cents: int
    pool_shares: pd.DataFrame
    weekly_actuals: pd.DataFrame  # cents, reps × W1..Wn
    kpi: Scorecard | None  # None when the plan has no tblKPIs
    notes: tuple[Message, ...] = ()  # the run log: tblActuals columns and Funnel stages unmatched
    forecast: Forecast | None = None  # to period end at the pace so far, and what it earns


def progress(plan: Plan, week: int | None = None) -> Progress:
    """Tracking, commission, the pool and the KPI scorecard at `week` (None: the default), and
    notes on the tblActuals columns and Funnel stages nothing matches."""
    problems = validate_actuals(plan)
    if plan.commission is None or plan.commission.empty:
        problems.append(
            Problem(
                "Rates",  # where init puts tblCommission; Commission is an output sheet
                "",
                said("rates_missing"),
                said("rates_missing_hint"),
            )
        )
    else:
        problems += pay.validate_rates(plan.commission)
    if plan.kpis is not None and not plan.kpis.empty:
        problems += validate_kpis(plan.kpis)
    if problems:
        raise PlanError(problems)
    s = plan.settings
    d = decompose(plan)
    t = track(plan, d, week)
    week = int(t["week"].iat[0]) if len(t) else 0
    sales = pd.Series(t["to_date"].to_numpy(), index=t["rep_id"])
    rates = pay.rates_from_table(plan.commission)
    cap = s["CommissionCap"]
    cap_cents = int(Decimal(cap) * 100) if cap is not None else None
    mode = s["CommissionMode"]
    earned = pay.commission(d.targets, sales, rates, mode, cap_cents)
    bands = pay.statement(d.targets, sales, rates, mode, cap_cents)
    pool, shares = pay.team_pool(d.targets, sales, s["PoolThreshold"], s["PoolRate"])
    weeks = weekly_actuals(plan, d.targets["rep_id"].to_numpy())
    kpi = None
    if plan.kpis is not None and not plan.kpis.empty:
        ids = d.targets["rep_id"].to_numpy()
        weekly = d.weekly.to_numpy(dtype=np.int64)
        kpi = scorecard(
            plan.kpis,
            plan.kpi_actuals,
            ids,
            week,
            s.weeks,
            plan_to_date=through_week(weekly, week),
            plan_total=weekly.sum(axis=1),
        )
    ids = d.targets["rep_id"].to_numpy()
    ahead = forecast(
        d.targets,
        d.weekly.to_numpy(dtype=np.int64) * 100,
        t["to_date"].to_numpy(dtype=np.int64),
        week,
        reported_by(plan, ids, week),
        d.regions,
        d.team,
        pay_terms(s, plan.commission),
    )
    notes = actuals_columns.notes(plan)
    if gross_profit_typed(plan.actuals) and "gross_profit" not in d.targets:
        notes += (said("note_gross_profit_no_margin"),)  # typed, but nothing to compare it to
    return Progress(d, t, earned, bands, pool, shares, weeks, kpi, notes, ahead)
