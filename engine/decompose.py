"""From a plan to every target (SPEC §2–§4): team, regions, products, reps, weeks."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from engine import levels, phasing, split, targets
from engine.calendar import activity
from engine.decomposition import Decomposition
from engine.margin import gross_profit
from engine.matrix import fit, round_matrix, shortfall
from engine.money import allocate, scale
from engine.plan import Plan
from engine.problems import Message, PlanError, Problem, at_row, said
from engine.recalibrate import replay
from engine.reconcile import reconcile


def decompose(plan: Plan, *, with_changes: bool = True) -> Decomposition:
    """The plan's targets; with the recalibrations of tblChangeLog applied unless told not to."""
    original = _decompose(plan)
    if not with_changes:
        return original
    return replay(plan, original)


def _decompose(plan: Plan) -> Decomposition:
    s = plan.settings
    unit = s.round_to
    notes: list[str | Message] = list(plan.notes)
    wrong = phasing.phase_by_problems(s)
    if wrong:
        raise PlanError(wrong)
    history = targets.weekly_history(plan)
    if history.empty:
        raise PlanError(
            [
                Problem(
                    plan.history.attrs.get("sheet", "SalesHistory"),
                    "",
                    said("history_empty"),
                    said("history_empty_hint"),
                )
            ]
        )
    base = targets.baseline(plan, history)
    derivation = targets.derive(base, plan)
    team_target = derivation.target
    units = team_target // unit
    unallocated = team_target - units * unit
    if unallocated:
        notes.append(
            said("note_unallocated", target=team_target, round_to=unit, unallocated=unallocated)
        )
    share_window = targets.share_window(plan, history, base)
    window = _weeks(history, share_window)

    reps = plan.reps
    rates = targets.rep_rates(plan, history, share_window)
    cap = split.capability(plan, rates, notes)
    notes += levels.changed_nothing(reps, rates.notna())
    res = split.resource(plan)
    effort = split.effort(plan)
    fte = pd.Series(activity(reps, s.period_start, s.weeks).sum(axis=1) / s.weeks, index=reps.index)
    headcount = fte.groupby(reps["region"]).sum()

    region_w = split.region_weights(plan, window, headcount, notes)
    region_units = pd.Series(allocate(units, region_w.to_numpy()), index=region_w.index)
    rep_units = _rep_units(plan, region_units, cap.to_numpy(), res.to_numpy(), effort.sum(axis=1))

    floor_units = levels.floor_units(rep_units, reps["level"], s)
    challenge_units = scale(rep_units, s["ChallengePct"])

    product_w = split.product_weights(plan, window, notes)
    product_units = allocate(units, product_w.to_numpy())
    zeros = split.zero_targets(
        plan, "Regions", "region", region_w, region_units.to_numpy(), _sold(window, "region")
    )
    zeros += split.zero_targets(
        plan, "Products", "product", product_w, product_units, _sold(window, "product")
    )
    ct_w = split.customer_type_weights(plan)
    ct_units = allocate(units, ct_w.to_numpy())
    if plan.customer_types is not None and not plan.customer_types.empty:
        zeros += split.zero_targets(plan, "CustomerTypes", "customer_type", ct_w, ct_units, None)
    if zeros:
        raise PlanError(zeros)
    allowed = _coverage(plan, product_w.index)
    _check_coverage(plan, rep_units, product_units, allowed, product_w.index, unit)
    seed = rep_units[:, None] * product_w.to_numpy()[None, :] * allowed
    rp = round_matrix(fit(seed, rep_units, product_units), rep_units, product_units, allowed)
    ci, cj = np.nonzero(rp)
    cells = rp[ci, cj]
    ct_seed = cells[:, None] * (ct_units / max(units, 1))[None, :]
    rpc = round_matrix(ct_seed, cells, ct_units)
    k = np.repeat(np.arange(len(cells)), len(ct_units))
    breakdown = pd.DataFrame(
        {
            "rep_id": reps["rep_id"].to_numpy()[ci[k]],
            "region": reps["region"].to_numpy()[ci[k]],
            "product": product_w.index.to_numpy()[cj[k]],
            "customer_type": np.tile(ct_w.index.to_numpy(), len(cells)),
            "target": rpc.ravel() * unit,
        }
    )
    breakdown = breakdown[breakdown["target"] > 0].reset_index(drop=True)

    rep_target = rep_units * unit
    work = phasing.working_weeks(s)
    shares, phases = phasing.weekly_shares(plan, history, notes, work)
    weekly = pd.DataFrame(
        phasing.weekly_plan(rep_target, shares, phases, effort),
        columns=[f"W{i + 1}" for i in range(s.weeks)],
    )
    months = phasing.monthly(weekly, s.period_start, s.weeks)
    deal = phasing.avg_deal_size(plan, _weeks(history, base.window), notes)
    rates_yuan = (rates / 100).round(2)
    table = pd.DataFrame(
        {
            "rep_id": reps["rep_id"],
            "name": reps["name"],
            "region": reps["region"],
            "level": reps["level"],
            "territory": reps["territory"],
            "active_weeks": effort.sum(axis=1).round(2),
            "history_rate": rates_yuan,
            "capability": cap,
            "resource": res,
            "locked": reps["locked_target"].notna(),
            "floor": floor_units * unit,
            "target": rep_target,
            "challenge": challenge_units * unit,
        }
    ).reset_index(drop=True)
    table = pd.concat([table, phasing.path_to_target(rep_target, plan, deal)], axis=1)

    pace = rates if share_window == base.window else targets.rep_rates(plan, history, base.window)
    cap_by_region = targets.capacity(plan, pace, effort.sum(axis=1), targets.trend_factor(base))
    region_table = _regions(plan, region_w, region_units * unit, table, cap_by_region)
    team = {
        "baseline": Decimal(base.cents) / 100,
        "target": team_target,
        "floor": int(table["floor"].sum()),
        "challenge": int(table["challenge"].sum()),
        "unallocated": unallocated,
        "capacity": float(region_table["capacity"].sum()),
        "avg_deal_size": deal,
        "derivation": derivation,
        "share_window": share_window,
    }
    products = pd.DataFrame(
        {
            "product": product_w.index,
            "stage": plan.products.set_index("product")["stage"]
            .reindex(product_w.index)
            .to_numpy(),
            "share": product_w.to_numpy(),
            "target": product_units * unit,
        }
    )
    customer_types = pd.DataFrame(
        {"customer_type": ct_w.index, "share": ct_w.to_numpy(), "target": ct_units * unit}
    )
    checks = reconcile(
        team, region_table, products, customer_types, table, breakdown, weekly, months
    )
    plain = Decomposition(
        team,
        region_table,
        products,
        customer_types,
        table,
        breakdown,
        weekly,
        months,
        checks,
        tuple(notes),
        s,
        phasing.week_table(s, shares, work),
    )
    return gross_profit(plan, plain)


def _weeks(history: pd.DataFrame, window: tuple[int, int]) -> pd.DataFrame:
    lo, hi = window
    return history[(history["week"] >= lo) & (history["week"] <= hi)]


def _sold(history: pd.DataFrame, key: str) -> pd.Series:
    """Sales (cents) per region or product in `history`; empty when it has no such column."""
    if key not in history:
        return pd.Series(dtype=np.int64)
    return history.groupby(key)["amount_cents"].sum()


def _rep_units(
    plan: Plan,
    region_units: pd.Series,
    capability: np.ndarray,
    resource: np.ndarray,
    effort: np.ndarray,
) -> np.ndarray:
    """Each region's units over its reps by capacity; locked reps keep theirs (SPEC §3)."""
    reps = plan.reps
    unit = plan.settings.round_to
    locked = reps["locked_target"].astype(float).to_numpy()
    problems = []
    tiny = ~np.isnan(locked) & (locked > 0) & (locked < unit)
    for i in np.nonzero(tiny)[0]:  # 6.5 in a plan that reads 万元 meant 65,000
        message, hint = targets.below_round_to("LockedTarget", locked[i], plan.settings)
        problems.append(_rep_problem(plan, i, "locked_target", message, hint))
    bad = ~np.isnan(locked) & (np.mod(locked, unit) != 0) & ~tiny
    for i in np.nonzero(bad)[0]:
        problems.append(
            _rep_problem(
                plan,
                i,
                "locked_target",
                said("locked_not_round", value=float(locked[i]), round_to=unit),
                said("locked_not_round_hint", value=float(round(locked[i] / unit) * unit)),
            )
        )
    out = np.zeros(len(reps), dtype=np.int64)
    held = np.where(np.isnan(locked), np.nan, np.floor(locked / unit))
    for region, total in region_units.items():
        idx = np.nonzero((reps["region"] == region).to_numpy())[0]
        if len(idx) == 0:
            if total > 0:
                position = int(np.nonzero((plan.regions["region"] == region).to_numpy())[0][0])
                problems.append(
                    Problem(
                        *at_row(plan.regions, position, "region", "Regions"),
                        said("region_without_reps", region=region, target=int(total * unit)),
                        said("region_without_reps_hint"),
                    )
                )
            continue
        try:
            out[idx] = targets.capacity_split(
                int(total), capability[idx], resource[idx], effort[idx], held[idx]
            )
        except ValueError:
            lock_sum = np.nansum(held[idx]) * unit
            message = (
                said(
                    "region_locked_over",
                    region=region,
                    locked=float(lock_sum),
                    target=int(total * unit),
                )
                if lock_sum > total * unit
                else said("region_none_unlocked", region=region)
            )
            problems.append(Problem("Reps", "", message, said("region_locked_hint")))
    if problems:
        raise PlanError(problems)
    return out


def _rep_problem(plan: Plan, i: int, key: str, message: Message, hint: Message) -> Problem:
    return Problem(*at_row(plan.reps, i, key, "Reps"), message, hint)


def _coverage(plan: Plan, products: pd.Index) -> np.ndarray:
    reps = plan.reps
    allowed = np.ones((len(reps), len(products)), dtype=bool)
    cov = plan.coverage
    if cov is None or cov.empty:
        return allowed
    listed = reps["rep_id"].isin(cov["rep_id"]).to_numpy()
    allowed[listed] = False
    rep_pos = pd.Series(np.arange(len(reps)), index=reps["rep_id"].to_numpy())
    prod_pos = pd.Series(np.arange(len(products)), index=products)
    i = rep_pos.reindex(cov["rep_id"].to_numpy()).to_numpy()
    j = prod_pos.reindex(cov["product"].to_numpy()).to_numpy()
    known = ~(np.isnan(i) | np.isnan(j))
    allowed[i[known].astype(int), j[known].astype(int)] = True
    return allowed


def _check_coverage(plan, rep_units, product_units, allowed, products, unit) -> None:
    short = shortfall(rep_units, product_units, allowed)
    if not short.any():
        return
    ids = plan.reps["rep_id"].to_numpy()
    problems = []
    for j in np.nonzero(short)[0]:
        who = ids[allowed[:, j] & (rep_units > 0)]
        need = {"product": products[j], "target": int(product_units[j] * unit)}
        if len(who):
            names = ", ".join(map(str, who[:8])) + (" …" if len(who) > 8 else "")
            message = said("coverage_short", **need, reps=names, short=int(short[j] * unit))
        else:
            message = said("coverage_none", **need)
        problems.append(Problem("Coverage", "", message, said("coverage_hint")))
    raise PlanError(problems)


def _regions(plan, weights, region_target, table, cap) -> pd.DataFrame:
    g = table.groupby("region", sort=False)
    out = pd.DataFrame(
        {"region": weights.index, "weight": weights.to_numpy(), "target": region_target.to_numpy()}
    )
    out["floor"] = out["region"].map(g["floor"].sum()).fillna(0).astype(np.int64)
    out["challenge"] = out["region"].map(g["challenge"].sum()).fillna(0).astype(np.int64)
    out["reps"] = out["region"].map(g.size()).fillna(0).astype(np.int64)
    out["capacity"] = out["region"].map(cap["capacity"]).fillna(0).round(0)
    out["full_rep"] = out["region"].map(cap["full_rep"]).fillna(0)
    return targets.with_gap(out)
