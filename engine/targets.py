"""Setting the team target (SPEC §2): baseline, growth and buffer, tiers, capacity."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from engine.calendar import activity, week_index
from engine.money import allocate, round_half_up
from engine.plan import Plan
from engine.problems import PlanError, Problem


@dataclass(frozen=True)
class Baseline:
    cents: int  # B, in cents
    window: tuple[int, int]  # weeks (relative to PeriodStart) whose history gives the shares
    note: str


def weekly_history(plan: Plan) -> pd.DataFrame:
    """History with `week` relative to PeriodStart; rows inside or after the period dropped."""
    h = plan.history.assign(week=week_index(plan.history["period"], plan.settings.period_start))
    return h[h["week"] < 0]


def baseline(plan: Plan, history: pd.DataFrame) -> Baseline:
    s = plan.settings
    n, kind = s.weeks, s["Baseline"]
    by_week = history.groupby("week")["amount_cents"].sum()

    def total(lo: int, hi: int) -> int:
        return int(by_week[(by_week.index >= lo) & (by_week.index <= hi)].sum())

    first = int(history["week"].min()) if len(history) else 0
    need = {"last_period": -n, "same_period_last_year": -52 - n, "trailing_mean": -3 * n}[kind]
    start = pd.Timestamp(s.period_start) + pd.Timedelta(weeks=need)
    if first > need:
        have = pd.Timestamp(s.period_start) + pd.Timedelta(weeks=first)
        hint = (
            "add older history or set Baseline to last_period"
            if kind != "last_period"
            else "add older history or shorten PeriodWeeks"
        )
        raise PlanError(
            [
                Problem(
                    *s.where("Baseline" if kind != "last_period" else "PeriodStart"),
                    f"Baseline {kind} needs history from {start:%Y-%m-%d}, "
                    f"but tblHistory starts {have:%Y-%m-%d}",
                    hint,
                )
            ]
        )
    if total(need, -1) <= 0 and s["TeamTarget"] is None:
        last = pd.Timestamp(history["period"].max())
        raise PlanError(
            [
                Problem(
                    *s.where("PeriodStart"),
                    f"there are no sales in tblHistory from {start:%Y-%m-%d} up to PeriodStart "
                    f"{pd.Timestamp(s.period_start):%Y-%m-%d} (the history ends {last:%Y-%m-%d})",
                    "check PeriodStart, paste the latest history, or type a TeamTarget",
                )
            ]
        )
    if kind == "last_period":
        return Baseline(total(-n, -1), (-n, -1), f"baseline: the {n} weeks before PeriodStart")
    if kind == "trailing_mean":
        sums = [total(-k * n, -(k - 1) * n - 1) for k in (1, 2, 3)]
        cents = round_half_up(Decimal(sum(sums)) / 3)
        return Baseline(cents, (-3 * n, -1), "baseline: mean of the last three periods")
    same = total(-52, -52 + n - 1)
    recent, year_before = total(-n, -1), total(-52 - n, -53)
    growth = Decimal(recent) / Decimal(year_before) if year_before else Decimal(1)
    cents = round_half_up(Decimal(same) * growth)
    note = f"baseline: same weeks last year × trailing growth {float(growth):.4f}"
    return Baseline(cents, (-52, -52 + n - 1), note)


def team_target(b: Baseline, plan: Plan) -> int:
    """T = B × (1 + MarketGrowth) × (1 − Buffer), to a multiple of RoundTo (yuan)."""
    s = plan.settings
    if s["TeamTarget"] is not None:
        return int(s["TeamTarget"])
    t = target_from_baseline(Decimal(b.cents) / 100, s["MarketGrowth"], s["Buffer"])
    return round_half_up(t, s.round_to)


def target_from_baseline(baseline: Decimal, growth: Decimal, buffer: Decimal) -> Decimal:
    """T = B × (1 + growth) × (1 − buffer), exact in Decimal; the caller decides the rounding."""
    return Decimal(baseline) * (1 + Decimal(growth)) * (1 - Decimal(buffer))


def capacity_target(
    team_target: Decimal, headcount: Decimal, capability: Decimal, resource: Decimal
) -> Decimal:
    """One rep's raw target before scaling (SPEC §3): team / headcount × capability × resource.

    Exact in Decimal, so 1,400 / 8 × 1.2 × 1.1 is 231, not 231.00000000000003.
    """
    return Decimal(team_target) / Decimal(headcount) * Decimal(capability) * Decimal(resource)


def capacity_split(total: int, capability, resource, effort=1.0, held=None) -> np.ndarray:
    """The raw targets of SPEC §3 scaled so the reps sum to `total` (whole units) exactly.

    raw_i = total / reps × capability_i × resource_i (× effort_i, the rep's active and ramped
    weeks); the common factor total / reps cancels in the scaling, so the split is by
    effort × capability × resource, largest remainder (engine.money.allocate). `held` (NaN =
    free) keeps locked reps at their units; the others absorb the rest.
    """
    weight = (
        np.asarray(effort, dtype=np.float64)
        * np.asarray(capability, dtype=np.float64)
        * np.asarray(resource, dtype=np.float64)
    )
    return allocate(total, weight, held)


def rep_rates(plan: Plan, history: pd.DataFrame, window: tuple[int, int]) -> pd.Series:
    """Historical output (cents) per active rep-week in the window; NaN without history."""
    reps = plan.reps
    lo, hi = window
    h = history[(history["week"] >= lo) & (history["week"] <= hi)]
    sums = h.groupby("rep_id")["amount_cents"].sum() if "rep_id" in h else pd.Series(dtype=float)
    start = pd.Timestamp(plan.settings.period_start) + pd.Timedelta(weeks=lo)
    active = activity(reps, start.date(), hi - lo + 1).sum(axis=1)
    total = reps["rep_id"].map(sums).to_numpy(dtype=np.float64)
    rate = np.divide(total, active, out=np.full(len(reps), np.nan), where=active > 0)
    return pd.Series(rate, index=reps.index)


def capacity(plan: Plan, rates: pd.Series, effort: np.ndarray) -> pd.DataFrame:
    """Per region: what the reps would sell at their historical pace (SPEC §2 feasibility).

    `effort` is each rep's active weeks in the period, already ramped for new reps. A rep
    without history counts at the region's (else the team's) average pace.
    """
    reps = plan.reps
    region_avg = rates.groupby(reps["region"]).mean()
    team_avg = float(rates.mean()) if rates.notna().any() else 0.0
    fill = reps["region"].map(region_avg).fillna(team_avg)
    rate = rates.fillna(fill).fillna(0.0)
    weeks = plan.settings.weeks
    out = pd.DataFrame(
        {
            "region": reps["region"],
            "capacity": rate * effort / 100.0,
            "full_rep": fill.fillna(0.0) * weeks / 100.0,
        }
    )
    return out.groupby("region", sort=False).agg(
        capacity=("capacity", "sum"), full_rep=("full_rep", "mean")
    )


def with_gap(regions: pd.DataFrame) -> pd.DataFrame:
    """The region's gap to its capacity and the full reps that would close it."""
    gap = (regions["target"] - regions["capacity"]).clip(lower=0)
    full = regions["full_rep"]
    extra = np.where((gap > 0) & (full > 0), np.ceil(gap / full.where(full > 0, 1)), 0)
    return regions.assign(gap=gap, extra_headcount=extra.astype(np.int64))
