"""Gross-profit targets (SPEC §17): with a Margin in tblProducts, every level gets one.

The rule, in whole yuan and exact integer arithmetic (never a binary float for an amount):
  a Breakdown row's gross profit = its target × its product's Margin, rounded half up to the
  yuan (the Margin as the decimal typed: 0.35, 35 % and 35 all mean 35/100);
  a rep's, a region's, a product's, a customer type's and the team's gross profit = the sum
  of its rows, so every level reconciles to the yuan (the Reconciliation sheet checks it).
A rep's margin rate is the mix of their products: gross profit ÷ target. With MarginFloor
set, a rep whose rate is below it (compared exactly) is flagged on Targets and listed in the
run log.

Only a plan with some Margin gets gross profit: without any, nothing here changes a thing.
Once one product has a Margin, every product that carries a target needs one: a blank would
either be a 0 % margin, which no director means, or a silent hole in the team's gross profit.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
import pandas as pd

from engine.decomposition import Decomposition
from engine.plan import Plan
from engine.problems import Message, PlanError, Problem, at_row, listed, said
from engine.reconcile import reconcile_gross_profit

MOST_LISTED = 20  # reps named in the MarginFloor note before "… and N more"
NOTES = ("note_margin_floor", "note_margin_floor_none", "note_margin_floor_unused")


def margins(plan: Plan) -> pd.Series | None:
    """Each product's Margin as a Decimal (product -> Decimal, blank -> None); None when no
    product has a Margin."""
    products = plan.products
    if "margin" not in products or not products["margin"].notna().any():
        return None
    values = pd.to_numeric(products["margin"], errors="coerce").to_numpy(dtype=float)
    exact = [None if np.isnan(v) else Decimal(repr(float(v))) for v in values]
    return pd.Series(exact, index=products["product"].to_numpy(), dtype=object)


def row_gross_profit(target, margin) -> np.ndarray:
    """target (whole yuan, ≥ 0) × margin (Decimal each, 0 to 1), half up to the yuan, exactly:
    with margin = p/q, ⌊(2·target·p + q) / 2q⌋. In int64 when 2·target·p + q cannot overflow
    it (bounded by the largest target, p and q: a million rows in milliseconds), else in
    Python integers (no overflow, no float) — the same integers either way."""
    margin = pd.Series(margin, dtype=object)  # a few distinct margins over many rows
    codes, distinct = pd.factorize(margin, use_na_sentinel=False)  # a blank: Decimal refuses it
    ratios = [Decimal(m).as_integer_ratio() for m in distinct]
    t = np.asarray(target, dtype=np.int64)
    if not len(t):
        return t.copy()
    p_of = np.array([r[0] for r in ratios], dtype=object)
    q_of = np.array([r[1] for r in ratios], dtype=object)
    largest = 2 * int(np.abs(t).max()) * max(abs(int(x)) for x in p_of) + max(q_of)
    if largest < 2**62:  # then q < 2**62 too, and the divisor 2q fits as well
        p = p_of.astype(np.int64)[codes]
        q = q_of.astype(np.int64)[codes]
        return (2 * t * p + q) // (2 * q)
    t = t.astype(object)
    return ((2 * t * p_of[codes] + q_of[codes]) // (2 * q_of[codes])).astype(np.int64)


def below_floor(gross_profit, target, floor: Decimal) -> np.ndarray:
    """True where gross profit ÷ target < floor, compared exactly (gp·q < p·target for
    floor = p/q); a rep with no target is never below."""
    p, q = Decimal(floor).as_integer_ratio()
    gp = np.asarray(gross_profit, dtype=np.int64).astype(object)
    t = np.asarray(target, dtype=np.int64).astype(object)
    return ((gp * q < p * t) & (t > 0)).astype(bool)


def _rate(gross_profit: pd.Series, target: pd.Series) -> np.ndarray:
    """gross profit ÷ target for display (a percentage cell); blank where there is no target."""
    t = target.to_numpy(dtype=float)
    return np.divide(
        gross_profit.to_numpy(dtype=float), t, out=np.full(len(t), np.nan), where=t > 0
    )


def gross_profit(plan: Plan, d: Decomposition) -> Decomposition:
    """`d` with gross-profit targets at every level, their reconciliation and the MarginFloor
    flags; `d` unchanged (but for a note on an unused MarginFloor) when no product has a Margin.

    Everything is computed afresh from the breakdown, so it may be applied again after a
    recalibration re-split the breakdown."""
    notes = tuple(n for n in d.notes if not (isinstance(n, Message) and n.key in NOTES))
    floor = plan.settings["MarginFloor"]
    by_product = margins(plan)
    if by_product is None:
        if floor is not None:
            notes += (said("note_margin_floor_unused"),)
        return dataclasses.replace(d, notes=notes) if notes != d.notes else d
    _check_margins(plan, by_product, d.products)

    b = d.breakdown
    gp_rows = row_gross_profit(b["target"], by_product.reindex(b["product"]).to_numpy())
    breakdown = b.assign(gross_profit=gp_rows)
    rep_gp = breakdown.groupby("rep_id")["gross_profit"].sum()
    targets = d.targets.assign(
        gross_profit=d.targets["rep_id"].map(rep_gp).fillna(0).astype(np.int64)
    )
    targets = targets.assign(margin_rate=_rate(targets["gross_profit"], targets["target"]))
    if floor is not None:
        flagged = below_floor(targets["gross_profit"], targets["target"], floor)
        targets = targets.assign(below_margin_floor=flagged)
        ids = targets["rep_id"].to_numpy()[flagged]
        pct = (Decimal(floor) * 100).normalize()
        notes += (
            said("note_margin_floor", n=len(ids), pct=pct, reps=listed(ids, MOST_LISTED))
            if len(ids)
            else said("note_margin_floor_none", pct=pct),
        )

    def summed(frame: pd.DataFrame, key: str) -> pd.DataFrame:
        gp = breakdown.groupby(key)["gross_profit"].sum()
        out = frame.assign(gross_profit=frame[key].map(gp).fillna(0).astype(np.int64))
        return out.assign(margin_rate=_rate(out["gross_profit"], out["target"]))

    regions = summed(d.regions, "region")
    products = summed(d.products, "product").assign(
        margin=lambda f: f["product"].map(lambda p: _float(by_product.get(p)))
    )
    customer_types = summed(d.customer_types, "customer_type")
    team = {**d.team, "gross_profit": int(breakdown["gross_profit"].sum())}
    checks = pd.concat(
        [
            d.reconciliation,
            reconcile_gross_profit(team, regions, products, customer_types, targets, breakdown),
        ],
        ignore_index=True,
    )
    return dataclasses.replace(
        d,
        team=team,
        regions=regions,
        products=products,
        customer_types=customer_types,
        targets=targets,
        breakdown=breakdown,
        reconciliation=checks,
        notes=notes,
    )


def _float(value) -> float:
    return float("nan") if value is None else float(value)


def _check_margins(plan: Plan, by_product: pd.Series, products: pd.DataFrame) -> None:
    """Every product with a target has a Margin, once any product has one."""
    carrying = set(products.loc[products["target"] > 0, "product"])
    missing = [
        i
        for i, (name, margin) in enumerate(zip(by_product.index, by_product, strict=True))
        if margin is None and name in carrying
    ]
    if not missing:
        return
    given = int(by_product.notna().sum())
    raise PlanError(
        [
            Problem(
                *at_row(plan.products, i, "margin", "Products"),
                said("margin_missing", product=str(by_product.index[i]), given=given),
                said("margin_missing_hint"),
            )
            for i in missing
        ]
    )
