"""Weights for each split of SPEC §3: regions, product lines, customer types, reps."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine import levels
from engine.calendar import activity
from engine.plan import Plan
from engine.problems import Choice, Message, PlanError, Problem, at_row, listed, said


def with_overrides(
    explicit: pd.Series, computed: pd.Series, table: str, what: Message
) -> pd.Series:
    """Shares summing to 1: explicit weights where given, computed shares for the rest.

    All explicit: normalised. Some explicit: they are fractions of the whole and the
    others share what is left by their computed weight.
    """
    given = explicit.notna()
    if given.all():
        total = explicit.sum()
        if total <= 0:
            raise PlanError(
                [
                    Problem(
                        table,
                        "",
                        said("weights_zero", what=what),
                        said("weights_zero_hint"),
                    )
                ]
            )
        return explicit / total
    fixed = float(explicit[given].sum())
    if fixed > 1 + 1e-9:
        raise PlanError(
            [
                Problem(
                    table,
                    "",
                    said("weights_over", what=what, total=fixed),
                    said("weights_over_hint"),
                )
            ]
        )
    rest = computed.where(~given, 0.0).clip(lower=0)
    if rest.sum() <= 0:
        rest = (~given).astype(float)
    return explicit.fillna(0.0) + rest / rest.sum() * (1 - fixed)


def share(values: pd.Series) -> pd.Series:
    total = values.sum()
    return values / total if total > 0 else values * 0.0


def region_weights(
    plan: Plan, window_history: pd.DataFrame, headcount: pd.Series, notes: list
) -> pd.Series:
    """Blend of history share, potential share and headcount share (RegionBlend)."""
    regions = plan.regions.set_index("region")
    hist = (
        window_history.groupby("region")["amount_cents"].sum()
        if "region" in window_history
        else None
    )
    parts = {
        "history": None
        if hist is None or hist.sum() <= 0
        else share(hist.reindex(regions.index).fillna(0)),
        "potential": None
        if regions["potential"].isna().all()
        else share(regions["potential"].fillna(0).astype(float)),
        "headcount": share(headcount.reindex(regions.index).fillna(0)),
    }
    blend = dict(
        zip(("history", "potential", "headcount"), plan.settings["RegionBlend"], strict=False)
    )
    used = {k: float(blend.get(k, 0)) for k, v in parts.items() if v is not None}
    for k, v in parts.items():
        if v is None and float(blend.get(k, 0)) > 0:
            notes.append(said("note_region_blend", part=said(f"blend_{k}")))
    total = sum(used.values()) or 1.0
    computed = sum(parts[k] * (w / total) for k, w in used.items())
    return with_overrides(regions["weight"].astype(float), computed, "Regions", said("what_region"))


def product_weights(plan: Plan, window_history: pd.DataFrame, notes: list) -> pd.Series:
    """Explicit Weight, else StageWeights (renormalised over the stages present) by history share."""
    products = plan.products.set_index("product")
    stage = products["stage"].fillna("mature")
    hist = (
        window_history.groupby("product")["amount_cents"].sum().reindex(products.index).fillna(0)
        if "product" in window_history
        else pd.Series(0.0, index=products.index)
    ).astype(float)
    stage_w = plan.settings["StageWeights"]
    present = {s: float(stage_w.get(s, 0)) for s in stage.unique()}
    if sum(present.values()) <= 0:
        present = dict.fromkeys(present, 1.0)
        notes.append(said("note_stages_even"))
    computed = pd.Series(0.0, index=products.index)
    for s, w in present.items():
        members = stage == s
        h = hist[members]
        if (h <= 0).any():
            avg = h[h > 0].mean() if (h > 0).any() else 1.0
            for p in h.index[h <= 0]:
                notes.append(said("note_product_no_history", product=p))
            h = h.where(h > 0, avg)
        computed[members] = h / h.sum() * w
    return with_overrides(
        products["weight"].astype(float), computed, "Products", said("what_product")
    )


def customer_type_weights(plan: Plan) -> pd.Series:
    ct = plan.customer_types
    if ct is None or ct.empty:
        return pd.Series([1.0], index=pd.Index([""], name="customer_type"))
    return with_overrides(
        ct.set_index("customer_type")["weight"].astype(float),
        ct["weight"] * 0,
        "CustomerTypes",
        said("what_customer_type"),
    )


def capability(plan: Plan, rates: pd.Series, notes: list) -> pd.Series:
    """Top / mid / bottom by rank of historical output per active week, unless given; a rep
    with no history to rank is Mid, a senior Top (engine/levels.py)."""
    s = plan.settings
    reps = plan.reps
    ranked = rates.dropna()
    order = ranked.index[
        np.lexsort((reps.loc[ranked.index, "rep_id"].to_numpy(), -ranked.to_numpy()))
    ]
    n = len(order)
    top_n = int(np.floor(float(s["CapabilityTopShare"]) * n + 0.5))
    bottom_n = min(int(np.floor(float(s["CapabilityBottomShare"]) * n + 0.5)), n - top_n)
    coef = levels.without_history(reps["level"], s)
    coef[rates.notna()] = float(s["CapabilityMid"])
    coef[order[:top_n]] = float(s["CapabilityTop"])
    if bottom_n:
        coef[order[n - bottom_n :]] = float(s["CapabilityBottom"])
    unrated = rates.isna() & reps["capability"].isna()
    senior = unrated & (reps["level"] == levels.SENIOR)
    for key, who in (("capability_no_history", unrated & ~senior), ("capability_senior", senior)):
        if who.any():
            ids = reps.loc[who, "rep_id"].astype(str)
            notes.append(said(key, n=len(ids), reps=listed(ids, levels.MOST_LISTED)))
    return reps["capability"].astype(float).fillna(coef)


def resource(plan: Plan) -> pd.Series:
    s = plan.settings
    by_territory = {
        "core": float(s["ResourceCore"]),
        "standard": float(s["ResourceStandard"]),
        "suburb": float(s["ResourceSuburb"]),
    }
    default = by_territory["standard"]
    return (
        plan.reps["resource"]
        .astype(float)
        .fillna(plan.reps["territory"].map(by_territory))
        .fillna(default)
    )


def effort(plan: Plan) -> np.ndarray:
    """reps × weeks: the active share of each week (StartDate/EndDate) times the rep's ramp
    (engine/levels.py: a new rep's NewRepTargetPct or RampProfile)."""
    s = plan.settings
    return activity(plan.reps, s.period_start, s.weeks) * levels.ramp(plan)


def zero_targets(
    plan: Plan,
    table: str,
    key: str,
    weights: pd.Series,
    units: np.ndarray,
    history: pd.Series,
) -> list[Problem]:
    """Regions, products or customer types that sold in the share window (a customer type:
    that has a Weight) but would get no target (SPEC §1.1).

    A Weight typed as 0 says so and is respected; anything else that ends at zero is a problem
    at its cell: a stage StageWeights gives no share, Weights typed elsewhere that already add
    up to 100 %, or a share smaller than one RoundTo unit.
    """
    frame = {"product": plan.products, "region": plan.regions}.get(key, plan.customer_types)
    s = plan.settings
    stage_w = s["StageWeights"]
    typed = frame["weight"].to_numpy(dtype=float)
    if key == "customer_type":  # Weight is required: only a share below one unit is lost
        sold = typed > 0
    else:
        sold = frame[key].map(history).fillna(0).to_numpy() > 0
    problems = []
    for i in np.flatnonzero(sold & ~(typed == 0)):
        name = frame[key].iloc[i]
        stage = frame["stage"].iloc[i] if key == "product" else None
        stage = stage if isinstance(stage, str) else "mature"
        if key == "product" and np.isnan(typed[i]) and float(stage_w.get(stage, 0)) <= 0:
            column = "stage" if "stage" in frame.attrs.get("columns", {}) else key
            problems.append(
                Problem(
                    *at_row(frame, i, column, table),
                    said("stage_no_share", name=name, stage=Choice("Stage", stage)),
                    said("stage_no_share_hint", stage=Choice("Stage", stage)),
                )
            )
        elif np.isnan(typed[i]) and weights.iloc[i] <= 0:
            problems.append(
                Problem(
                    *at_row(frame, i, "weight", table),
                    said("no_weight_left", name=name),
                    said("no_weight_left_hint"),
                )
            )
        elif units[i] == 0:
            problems.append(
                Problem(
                    *at_row(frame, i, "weight" if not np.isnan(typed[i]) else key, table),
                    said(
                        "share_below_round_to",
                        name=name,
                        pct=float(weights.iloc[i] * 100),
                        round_to=s.round_to,
                    ),
                    said("share_below_round_to_hint"),
                )
            )
    return problems
