"""Forecast to period end (SPEC §6, §17): where each rep, region and the team lands at the pace
so far, and what that would earn.

Per rep, in integer cents: projected = to date + remaining plan × pace, pace = to date ÷ plan to
date, computed as one exact fraction (remaining × to date ÷ plan to date) and rounded to the cent
once, half up (every amount is ≥ 0). The remaining plan is the rep's weekly plan after the
tracked week. A rep with no actuals counted yet projects the plan: plan to date + remaining plan,
their whole plan. A rep with actuals but no plan to date (their plan starts later) projects to
date + the remaining plan (pace taken as 1: a sale is never forecast away).

A region's and the team's projection are the sums of their reps' projections (not a pace of the
sums), so the team equals the sum of the regions to the cent. Each level's projected tier and its
gaps are against its own floor, target and challenge; a gap is 0 once the tier is reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from engine import commission as pay

PACE, PLAN = "pace", "plan"  # how a rep's projection was made
GAPS = ("gap_to_floor", "gap_to_target", "gap_to_challenge")


@dataclass(frozen=True)
class Forecast:
    """Money in int64 cents. `reps` in the order of the targets; `scopes` the team (scope
    None) then each region; `path` the cumulative projection of each scope (rows as `scopes`)
    at the end of the tracked week and of every later week."""

    reps: pd.DataFrame  # rep_id, basis, projected, tier, gaps, commission, pool_share
    scopes: pd.DataFrame  # scope, reps, to_date, projected, floor, target, challenge, tier, gaps
    pool_cents: int  # the team pool at projected sales
    path: np.ndarray  # scopes × (weeks − tracked week + 1), cumulative cents
    week: int  # the tracked week the projection starts from


def project(
    weekly_cents: np.ndarray, to_date: np.ndarray, week: int, reported: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(projected cents, basis, cumulative path) per rep.

    `weekly_cents`: reps × weeks plan in cents; `to_date`: cents counted to `week`; `reported`:
    True where the rep has an actuals row counted (weeks 1..week). The path holds each rep's
    cumulative projection at the end of week `week`, `week`+1 … the last week; its last column
    is the projection.
    """
    weekly = np.asarray(weekly_cents, dtype=np.int64)
    to_date = np.asarray(to_date, dtype=np.int64)
    reported = np.asarray(reported, dtype=bool)
    plan_to_date = weekly[:, :week].sum(axis=1)
    # the remaining plan, cumulated from the tracked week (0 at the tracked week itself)
    after = np.concatenate(
        [np.zeros((len(weekly), 1), np.int64), np.cumsum(weekly[:, week:], axis=1)], axis=1
    )
    paced = reported & (plan_to_date > 0)
    base = np.where(reported, to_date, plan_to_date)
    num = np.where(paced, to_date, 1)
    den = np.where(paced, plan_to_date, 1)
    path = base[:, None] + _scaled(after, num, den)
    basis = np.where(paced, PACE, PLAN).astype(object)
    return path[:, -1], basis, path


def levels(
    projected: np.ndarray, floor: np.ndarray, target: np.ndarray, challenge: np.ndarray
) -> pd.DataFrame:
    """The projected tier ('' below floor) and the gaps to floor, target and challenge (0 once
    reached), all in cents."""
    tiers = [np.asarray(t, dtype=np.int64) for t in (floor, target, challenge)]
    projected = np.asarray(projected, dtype=np.int64)
    out = {"tier": pay.tier_reached(projected, *tiers)}
    for key, amount in zip(GAPS, tiers, strict=True):
        out[key] = np.clip(amount - projected, 0, None)
    return pd.DataFrame(out)


def forecast(
    targets: pd.DataFrame,
    weekly_cents: np.ndarray,
    to_date: np.ndarray,
    week: int,
    reported: np.ndarray,
    regions: pd.DataFrame,
    team: dict,
    pay_terms: dict,
) -> Forecast:
    """The forecast of every rep, region and the team, and what the projection would earn.

    `targets` and `regions` hold floor, target, challenge in whole yuan (the team in `team`);
    `pay_terms`: rates, mode, cap_cents, pool_threshold, pool_rate as progress reads them.
    """
    projected, basis, path = project(weekly_cents, to_date, week, reported)
    ids = targets["rep_id"].to_numpy()
    tiers = [targets[t].to_numpy(dtype=np.int64) * 100 for t in pay.TIERS]
    sales = pd.Series(projected, index=ids)
    earned = pay.commission(
        targets, sales, pay_terms["rates"], pay_terms["mode"], pay_terms["cap_cents"]
    )
    pool, shares = pay.team_pool(
        targets, sales, pay_terms["pool_threshold"], pay_terms["pool_rate"]
    )
    reps = pd.concat(
        [
            pd.DataFrame({"rep_id": ids, "basis": basis, "projected": projected}),
            levels(projected, *tiers),
        ],
        axis=1,
    ).assign(
        commission=earned["commission"].to_numpy(),
        pool_share=shares["pool_share"].to_numpy(),
    )

    names = list(regions["region"])
    region_of = targets["region"].to_numpy()
    rows = [np.ones(len(ids), dtype=bool), *(region_of == r for r in names)]
    own = [
        [int(team[t]) * 100 for t in pay.TIERS],
        *([int(v) * 100 for v in row] for row in regions[list(pay.TIERS)].to_numpy()),
    ]
    sums = np.array([projected[r].sum() for r in rows], dtype=np.int64)
    scope_tiers = np.array(own, dtype=np.int64).reshape(len(rows), 3)
    scopes = pd.concat(
        [
            pd.DataFrame(
                {
                    "scope": pd.Series([None, *names], dtype=object),
                    "reps": [int(r.sum()) for r in rows],
                    "to_date": [int(np.asarray(to_date)[r].sum()) for r in rows],
                    "projected": sums,
                    "floor": scope_tiers[:, 0],
                    "target": scope_tiers[:, 1],
                    "challenge": scope_tiers[:, 2],
                }
            ),
            levels(sums, *scope_tiers.T),
        ],
        axis=1,
    )
    scope_path = np.array([path[r].sum(axis=0) for r in rows], dtype=np.int64)
    return Forecast(reps, scopes, pool, scope_path, week)


def _scaled(amounts: np.ndarray, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """amounts × num ÷ den per row, exact, rounded half up (all ≥ 0): in int64 where the
    products fit, else in Python integers."""
    amounts = np.asarray(amounts, dtype=np.int64)
    num, den = num[:, None], den[:, None]
    biggest = int(amounts.max(initial=0)) * int(num.max(initial=0)) * 2 + int(den.max(initial=1))
    if biggest < 2**62:
        return (2 * amounts * num + den) // (2 * den)
    exact = (2 * amounts.astype(object) * num.astype(object) + den.astype(object)) // (
        2 * den.astype(object)
    )
    return exact.astype(np.int64)


def pay_terms(settings, commission_table: pd.DataFrame) -> dict:
    """The commission terms a forecast pays by, from the plan's settings and rates."""
    cap = settings["CommissionCap"]
    return {
        "rates": pay.rates_from_table(commission_table),
        "mode": settings["CommissionMode"],
        "cap_cents": int(Decimal(cap) * 100) if cap is not None else None,
        "pool_threshold": settings["PoolThreshold"],
        "pool_rate": settings["PoolRate"],
    }
