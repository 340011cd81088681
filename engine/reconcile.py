"""Every identity a decomposition must satisfy, checked to the last unit (SPEC §3)."""

from __future__ import annotations

import pandas as pd


def _row(check: str, expected: int, actual: int, scope: str = "") -> dict:
    return {
        "check": check,
        "scope": scope,
        "expected": int(expected),
        "actual": int(actual),
        "difference": int(actual) - int(expected),
    }


def _each(check: str, expected: pd.Series, actual: pd.Series) -> list[dict]:
    actual = actual.reindex(expected.index).fillna(0)
    return [
        _row(check, e, a, str(k)) for k, e, a in zip(expected.index, expected, actual, strict=True)
    ]


def _all(check: str, expected: pd.Series, actual: pd.Series, key: pd.Series) -> dict:
    """One row for a per-rep identity: totals, and the worst rep named in scope."""
    actual = actual.reindex(expected.index).fillna(0)
    diff = (actual - expected).abs()
    worst = key[diff.idxmax()] if len(diff) and diff.max() > 0 else ""
    row = _row(check, expected.sum(), actual.sum(), f"all {len(expected)} reps")
    row["difference"] = int(diff.max()) if len(diff) else 0
    if worst:
        row["scope"] += f"; worst {worst}"
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
    rows = [
        _row(
            "team = Σ regions + unallocated",
            team["target"],
            regions["target"].sum() + team["unallocated"],
            "team",
        )
    ]
    rows += _each(
        "region = Σ its reps",
        regions.set_index("region")["target"],
        targets.groupby("region")["target"].sum(),
    )
    rows += _each(
        "product = Σ reps' product parts",
        products.set_index("product")["target"],
        breakdown.groupby("product")["target"].sum(),
    )
    rows += _each(
        "customer type = Σ reps' parts",
        customer_types.set_index("customer_type")["target"],
        breakdown.groupby("customer_type")["target"].sum(),
    )
    t = targets.set_index("rep_id")
    key = pd.Series(t.index, index=t.index)
    rows.append(
        _all("rep = Σ its breakdown", t["target"], breakdown.groupby("rep_id")["target"].sum(), key)
    )
    rows.append(
        _all(
            "rep = Σ its weekly plan",
            t["target"],
            pd.Series(weekly.sum(axis=1).to_numpy(), index=t.index),
            key,
        )
    )
    rows.append(
        _all(
            "rep = Σ its monthly plan",
            t["target"],
            pd.Series(months.sum(axis=1).to_numpy(), index=t.index),
            key,
        )
    )
    for tier in ("floor", "target", "challenge"):
        rows.append(_row(f"team {tier} = Σ reps' {tier}", team[tier], targets[tier].sum(), "team"))
    return pd.DataFrame(rows)
