"""The actuals of returned responsibility workbooks merged into the plan's (SPEC §16).

Pure: the returned weeks and the plan's tblActuals in, what to write out. A rep-week the plan
has no row for is appended; one whose values agree is left alone; one whose values differ is
a conflict, listing both values, and the plan's values are kept unless the returned ones are
preferred, and then only where the plan holds that rep-week in one row (tblActuals may hold
an order per row: which of several rows to change is not for salesplan to guess).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# What a returned week may hold besides its amount (the responsibility workbook's columns).
ACTIVITY = ("visits", "demos", "deals", "new_customers")
KEPT, TAKEN, SEVERAL_ROWS = "kept", "taken", "several_rows"  # how a conflict was resolved


@dataclass(frozen=True)
class Merge:
    added: pd.DataFrame  # rows to append: rep_id, week, amount_cents, and the activity compared
    changed: pd.DataFrame  # plan cells to overwrite: row (the plan's sheet row), column, value
    conflicts: pd.DataFrame  # rep_id, week, column, plan, returned, resolution (KEPT, …)
    same: int  # rep-weeks returned that the plan already holds with the same values


def merge_actuals(
    plan: pd.DataFrame | None,
    returned: pd.DataFrame,
    columns: tuple[str, ...] = ACTIVITY,
    prefer_returned: bool = False,
) -> Merge:
    """Merge `returned` (one row per rep and week: rep_id, week, amount_cents and the activity
    counts, NaN where left blank) into `plan` (the plan's tblActuals rows: rep_id, week,
    amount_cents, the activity columns it has and `_row`). `columns`: the activity columns the
    plan's table has; only those are compared and written. A blank returned count is not
    compared (the rep did not report it)."""
    compared = ["amount_cents", *[c for c in columns if c in ACTIVITY]]
    keys = ["rep_id", "week"]
    returned = returned.reset_index(drop=True)
    if plan is None or plan.empty:
        sums = pd.DataFrame(columns=[*keys, *compared, "rows", "row"])
    else:
        known = plan[plan["week"].notna()].copy()
        known["week"] = known["week"].astype(np.int64)
        present = [c for c in compared if c in known]
        grouped = known.groupby(keys, sort=False)
        sums = grouped[present].sum(min_count=1).reindex(columns=compared)
        sums["rows"] = grouped.size()
        sums["row"] = grouped["_row"].first() if "_row" in known else np.nan
        sums = sums.reset_index()
    both = returned.merge(sums, on=keys, how="left", suffixes=("", "_plan"), indicator=True)
    new = both["_merge"] == "left_only"
    added = both.loc[new, [*keys, *compared]].reset_index(drop=True)

    old = both[~new].reset_index(drop=True)
    # rep-weeks × compared columns, as whole numbers (NaN: blank); a blank returned value was
    # not reported, so it differs from nothing
    theirs = np.round(old[compared].to_numpy(dtype=float, na_value=np.nan))
    mine = np.round(old[[f"{c}_plan" for c in compared]].to_numpy(dtype=float, na_value=np.nan))
    differ = ~np.isnan(theirs) & (np.isnan(mine) | (mine != theirs))
    same = int((~differ.any(axis=1)).sum())
    if prefer_returned:
        one_row = old["rows"].to_numpy(dtype=np.int64) == 1
        resolution = np.where(one_row, TAKEN, SEVERAL_ROWS)
    else:
        resolution = np.full(len(old), KEPT)
    i, j = np.nonzero(differ)  # row by row, each row's columns in order
    plan_values = np.full(len(i), None, dtype=object)  # None: the plan's cell is blank
    known = ~np.isnan(mine[i, j])
    plan_values[known] = mine[i, j][known].astype(np.int64)
    conflicts = pd.DataFrame(
        {
            "rep_id": old["rep_id"].to_numpy()[i],
            "week": old["week"].to_numpy(dtype=np.int64)[i],
            "column": np.asarray(compared, dtype=object)[j],
            "plan": plan_values,
            "returned": theirs[i, j].astype(np.int64),
            "resolution": resolution[i].astype(object),
        }
    )
    taken = resolution[i] == TAKEN
    changed = pd.DataFrame(
        {
            "row": old["row"].to_numpy()[i[taken]].astype(np.int64),
            "column": conflicts["column"].to_numpy()[taken],
            "value": conflicts["returned"].to_numpy()[taken],
        }
    )
    return Merge(added=added, changed=changed, conflicts=conflicts, same=same)


def latest_sign_offs(sign_offs: pd.DataFrame | None) -> pd.DataFrame:
    """Each rep's latest acceptance of the plan (the last row recorded for the rep in
    tblSignOffs): rep_id, accepted_on, version."""
    cols = ["rep_id", "accepted_on", "version"]
    if sign_offs is None or sign_offs.empty:
        return pd.DataFrame(columns=cols)
    rows = sign_offs[sign_offs["rep_id"].notna() & sign_offs["accepted_on"].notna()]
    return rows.drop_duplicates("rep_id", keep="last")[cols].reset_index(drop=True)
