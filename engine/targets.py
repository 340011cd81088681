"""Setting the team target (SPEC §2): baseline, growth and buffer, tiers, capacity."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from engine.calendar import activity, week_index
from engine.money import allocate, round_half_up
from engine.plan import Plan
from engine.problems import Message, PlanError, Problem, said


@dataclass(frozen=True)
class Baseline:
    """B of SPEC §2 and where it came from, so every headline number can show its derivation."""

    method: str  # last_period, same_period_last_year or trailing_mean
    cents: int  # B, in cents (for trailing_mean the mean, rounded half up to the cent)
    window: tuple[int, int]  # the weeks (relative to PeriodStart) B sums, first and last
    periods: tuple[int, ...] = ()  # trailing_mean: each period's sum, latest first (cents)
    trend: Decimal | None = None  # Trend=trailing: last period ÷ the same weeks a year earlier
    trend_cents: tuple[int, int] = (0, 0)  # (last period, the same weeks a year earlier)


@dataclass(frozen=True)
class Derivation:
    """How the team target came about: B × trend × (1 + growth) × (1 − buffer) → rounded."""

    baseline: Baseline
    growth: Decimal
    buffer: Decimal
    exact: Decimal  # yuan, before rounding
    round_to: int
    target: int  # yuan
    given: bool  # TeamTarget typed: the computed value is shown beside it, not used


def weekly_history(plan: Plan) -> pd.DataFrame:
    """History with `week` relative to PeriodStart; rows inside or after the period dropped."""
    h = plan.history.assign(week=week_index(plan.history["period"], plan.settings.period_start))
    return h[h["week"] < 0]


def baseline(plan: Plan, history: pd.DataFrame) -> Baseline:
    s = plan.settings
    n, kind = s.weeks, s["Baseline"]
    trend = s["Trend"] == "trailing"
    by_week = history.groupby("week")["amount_cents"].sum()

    def total(lo: int, hi: int) -> int:
        return int(by_week[(by_week.index >= lo) & (by_week.index <= hi)].sum())

    first = int(history["week"].min()) if len(history) else 0
    windows = {"last_period": (-n, -1), "same_period_last_year": (-52, -52 + n - 1)}
    window = windows.get(kind, (-3 * n, -1))
    need = min(window[0], -52 - n if trend else 0)
    start = pd.Timestamp(s.period_start) + pd.Timedelta(weeks=need)
    if first > need:
        have = pd.Timestamp(s.period_start) + pd.Timedelta(weeks=first)
        setting = "Trend" if trend and need < window[0] else "Baseline"
        hint = (
            "hint_older_history_or_no_trend"
            if setting == "Trend"
            else "hint_older_history_or_last_period"
            if kind != "last_period"
            else "hint_older_history_or_shorter_period"
        )
        what = f"Trend {s['Trend']}" if setting == "Trend" else f"Baseline {kind}"
        raise PlanError(
            [
                Problem(
                    *s.where(setting if kind != "last_period" or trend else "PeriodStart"),
                    said(
                        "needs_history",
                        what=what,
                        start=f"{start:%Y-%m-%d}",
                        have=f"{have:%Y-%m-%d}",
                    ),
                    said(hint),
                )
            ]
        )
    if total(need, -1) <= 0 and s["TeamTarget"] is None:
        last = pd.Timestamp(history["period"].max())
        raise PlanError(
            [
                Problem(
                    *s.where("PeriodStart"),
                    said(
                        "no_sales_before_period",
                        start=f"{start:%Y-%m-%d}",
                        period_start=f"{pd.Timestamp(s.period_start):%Y-%m-%d}",
                        last=f"{last:%Y-%m-%d}",
                    ),
                    said("no_sales_before_period_hint"),
                )
            ]
        )
    periods: tuple[int, ...] = ()
    if kind == "trailing_mean":
        periods = tuple(total(-k * n, -(k - 1) * n - 1) for k in (1, 2, 3))
        cents = round_half_up(Decimal(sum(periods)) / 3)
    else:
        cents = total(*window)
    factor, trend_cents = None, (0, 0)
    if trend:
        trend_cents = (total(-n, -1), total(-52 - n, -53))
        if trend_cents[1] <= 0:
            raise PlanError(
                [
                    Problem(
                        *s.where("Trend"),
                        said("trend_without_sales", n=n, start=f"{start:%Y-%m-%d}"),
                        said("trend_without_sales_hint"),
                    )
                ]
            )
        factor = Decimal(trend_cents[0]) / Decimal(trend_cents[1])
    return Baseline(kind, cents, window, periods, factor, trend_cents)


def share_window(plan: Plan, history: pd.DataFrame, b: Baseline) -> tuple[int, int]:
    """The weeks that give region and product shares and capability: ShareWindow weeks before
    PeriodStart, else the baseline's own weeks."""
    s = plan.settings
    if s["ShareWindow"] is None:
        return b.window
    weeks = int(s["ShareWindow"])
    first = int(history["week"].min())
    if weeks < 1 or first > -weeks:
        start = pd.Timestamp(s.period_start) - pd.Timedelta(weeks=weeks)
        have = pd.Timestamp(s.period_start) + pd.Timedelta(weeks=first)
        raise PlanError(
            [
                Problem(
                    *s.where("ShareWindow"),
                    said(
                        "needs_history",
                        what=f"ShareWindow {weeks}",
                        start=f"{start:%Y-%m-%d}",
                        have=f"{have:%Y-%m-%d}",
                    ),
                    said("share_window_hint", most=-first),
                )
            ]
        )
    return (-weeks, -1)


def trend_factor(b: Baseline) -> Decimal:
    return Decimal(1) if b.trend is None else b.trend


def derive(b: Baseline, plan: Plan) -> Derivation:
    """T = B × trend × (1 + MarketGrowth) × (1 − Buffer), to a multiple of RoundTo (yuan);
    a typed TeamTarget is used as typed."""
    s = plan.settings
    growth, buffer = Decimal(s["MarketGrowth"]), Decimal(s["Buffer"])
    exact = target_from_baseline(Decimal(b.cents) / 100 * trend_factor(b), growth, buffer)
    given = s["TeamTarget"] is not None
    if given and 0 < s["TeamTarget"] < s.round_to:
        raise PlanError(
            [
                Problem(
                    *s.where("TeamTarget"), *below_round_to("TeamTarget", float(s["TeamTarget"]), s)
                )
            ]
        )
    target = int(s["TeamTarget"]) if given else round_half_up(exact, s.round_to)
    return Derivation(b, growth, buffer, exact, s.round_to, target, given)


def below_round_to(name: str, value: float, s) -> tuple[Message, Message]:
    """(message, hint) for an amount typed below one RoundTo: in a plan shown in 万元, 6.5
    was most likely meant as 6.5万 (amounts are typed in yuan, whatever the Unit)."""
    scale = int(s["Unit"])
    if scale <= 1:
        return (
            said("below_round_to", name=name, value=value, round_to=s.round_to),
            said("below_round_to_hint", round_to=s.round_to),
        )
    message = said("below_round_to_unit", name=name, value=value, round_to=s.round_to, unit=scale)
    if scale == 10_000:
        return message, said("did_you_mean_wan", meant=value * scale, value=value)
    return message, said("did_you_mean_yuan", meant=value * scale)


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


def capacity(
    plan: Plan, rates: pd.Series, effort: np.ndarray, trend: Decimal = Decimal(1)
) -> pd.DataFrame:
    """Per region: what the reps would sell at their historical pace (SPEC §2 feasibility).

    `rates` are measured over the baseline's weeks and scaled by its trend, so capacity and
    target have one yardstick. `effort` is each rep's active weeks in the period, already
    ramped for new reps. A rep without history counts at the region's (else the team's)
    average pace; a full rep (who closes a gap) is the region's average pace × PeriodWeeks.
    """
    reps = plan.reps
    rates = rates * float(trend)
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
