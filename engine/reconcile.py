"""Every identity a decomposition must satisfy, checked to the last unit (SPEC §3).

Each check is named, and its scope too where it is not a region, product or customer type,
in the catalogue's words (`said`), for the Reconciliation sheet in the plan's language."""

from __future__ import annotations

import pandas as pd

from engine.problems import Message, said


def _row(check: Message, expected: int, actual: int, scope: str | Message = "") -> dict:
    return {
        "check": check,
        "scope": scope,
        "expected": int(expected),
        "actual": int(actual),
        "difference": int(actual) - int(expected),
    }


def _each(check: Message, expected: pd.Series, actual: pd.Series) -> list[dict]:
    actual = actual.reindex(expected.index).fillna(0)
    return [
        _row(check, e, a, str(k)) for k, e, a in zip(expected.index, expected, actual, strict=True)
    ]


def _all(check: Message, expected: pd.Series, actual: pd.Series, key: pd.Series) -> dict:
    """One row for a per-rep identity: totals, and the worst rep named in scope."""
    actual = actual.reindex(expected.index).fillna(0)
    diff = (actual - expected).abs()
    worst = key[diff.idxmax()] if len(diff) and diff.max() > 0 else ""
    scope = (
        said("check_scope_reps_worst", n=len(expected), worst=worst)
        if worst
        else said("check_scope_reps", n=len(expected))
    )
    row = _row(check, expected.sum(), actual.sum(), scope)
    row["difference"] = int(diff.max()) if len(diff) else 0
    return row


def reconcile(
    team: dict,
    regions: pd.DataFrame,
    products: pd.DataFrame,
    customer_types: pd.DataFrame,
    targets: pd.DataFrame,
    breakdown: pd.DataFrame,
    weekly: pd.DataFrame,
    months: pd.DataFrame,
) -> pd.DataFrame:
    team_scope = said("check_scope_team")
    rows = [
        _row(
            said("check_team"),
            team["target"],
            regions["target"].sum() + team["unallocated"],
            team_scope,
        )
    ]
    rows += _each(
        said("check_region"),
        regions.set_index("region")["target"],
        targets.groupby("region")["target"].sum(),
    )
    rows += _each(
        said("check_product"),
        products.set_index("product")["target"],
        breakdown.groupby("product")["target"].sum(),
    )
    rows += _each(
        said("check_customer_type"),
        customer_types.set_index("customer_type")["target"],
        breakdown.groupby("customer_type")["target"].sum(),
    )
    t = targets.set_index("rep_id")
    key = pd.Series(t.index, index=t.index)
    rows.append(
        _all(
            said("check_rep_breakdown"),
            t["target"],
            breakdown.groupby("rep_id")["target"].sum(),
            key,
        )
    )
    rows.append(
        _all(
            said("check_rep_weekly"),
            t["target"],
            pd.Series(weekly.sum(axis=1).to_numpy(), index=t.index),
            key,
        )
    )
    rows.append(
        _all(
            said("check_rep_monthly"),
            t["target"],
            pd.Series(months.sum(axis=1).to_numpy(), index=t.index),
            key,
        )
    )
    for tier in ("floor", "target", "challenge"):
        rows.append(_row(said(f"check_team_{tier}"), team[tier], targets[tier].sum(), team_scope))
    return pd.DataFrame(rows)


def reconcile_gross_profit(
    team: dict,
    regions: pd.DataFrame,
    products: pd.DataFrame,
    customer_types: pd.DataFrame,
    targets: pd.DataFrame,
    breakdown: pd.DataFrame,
) -> pd.DataFrame:
    """The gross-profit identities (engine/margin.py), each recomputed from its parts: the team
    against the regions, the products and the customer types; each region against its reps;
    each product against its breakdown rows; every rep against their breakdown rows."""
    team_scope = said("check_scope_team")
    gp = "gross_profit"
    rows = [
        _row(said("check_gp_team_regions"), team[gp], regions[gp].sum(), team_scope),
        _row(said("check_gp_team_products"), team[gp], products[gp].sum(), team_scope),
        _row(said("check_gp_team_customer_types"), team[gp], customer_types[gp].sum(), team_scope),
    ]
    rows += _each(
        said("check_gp_region"),
        regions.set_index("region")[gp],
        targets.groupby("region")[gp].sum(),
    )
    rows += _each(
        said("check_gp_product"),
        products.set_index("product")[gp],
        breakdown.groupby("product")[gp].sum(),
    )
    t = targets.set_index("rep_id")
    rows.append(
        _all(
            said("check_gp_rep_breakdown"),
            t[gp],
            breakdown.groupby("rep_id")[gp].sum(),
            pd.Series(t.index, index=t.index),
        )
    )
    return pd.DataFrame(rows)
