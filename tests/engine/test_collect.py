"""Merging returned weeks into the plan's actuals (engine/collect.py), by hand."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.collect import KEPT, SEVERAL_ROWS, TAKEN, latest_sign_offs, merge_actuals

NAN = np.nan


def plan_rows(*rows):
    """tblActuals as the reader gives it: (week, rep, cents, visits) with the sheet row."""
    return pd.DataFrame(
        [
            {"week": w, "rep_id": r, "amount_cents": c, "visits": v, "_row": 2 + k}
            for k, (w, r, c, v) in enumerate(rows)
        ]
    )


def returned(*rows):
    """Returned weeks: (rep, week, cents, visits, demos); NaN where left blank."""
    return pd.DataFrame(
        [
            {"rep_id": r, "week": w, "amount_cents": c, "visits": v, "demos": d,
             "deals": NAN, "new_customers": NAN}
            for r, w, c, v, d in rows
        ]
    )  # fmt: skip


def test_a_week_the_plan_lacks_is_added_and_one_it_holds_alike_is_not():
    plan = plan_rows((1, "S1", 10_000, 5), (2, "S1", 20_000, 6))
    got = merge_actuals(
        plan, returned(("S1", 1, 10_000, 5, 9), ("S1", 3, 0, NAN, NAN)), ("visits",)
    )
    # week 1: same amount and visits (demos is not a column of the plan: not compared)
    assert got.same == 1 and got.conflicts.empty and got.changed.empty
    assert got.added[["rep_id", "week", "amount_cents"]].values.tolist() == [["S1", 3, 0]]


def test_a_different_value_is_a_conflict_with_both_values_and_the_plan_keeps_its_own():
    plan = plan_rows((2, "S1", 20_000, 6))
    got = merge_actuals(plan, returned(("S1", 2, 25_050, 6, NAN)), ("visits",))
    assert got.conflicts.to_dict("records") == [
        {"rep_id": "S1", "week": 2, "column": "amount_cents", "plan": 20_000,
         "returned": 25_050, "resolution": KEPT}
    ]  # fmt: skip
    assert got.changed.empty and got.added.empty


def test_a_blank_returned_count_is_not_compared_but_a_typed_one_against_a_blank_is():
    plan = plan_rows((2, "S1", 20_000, NAN), (3, "S1", 30_000, 4))
    got = merge_actuals(
        plan, returned(("S1", 2, 20_000, 7, NAN), ("S1", 3, 30_000, NAN, NAN)), ("visits",)
    )
    assert got.conflicts[["week", "column", "plan", "returned"]].values.tolist() == [
        [2, "visits", None, 7]
    ]
    assert got.same == 1


def test_prefer_returned_overwrites_the_one_row_and_refuses_a_week_in_several():
    # S1 week 2 in one row (sheet row 2); S2 week 2 in two order rows summing to 30,000
    plan = plan_rows((2, "S1", 20_000, 6), (2, "S2", 10_000, 1), (2, "S2", 20_000, 2))
    back = returned(("S1", 2, 21_000, 8, NAN), ("S2", 2, 31_000, 3, NAN))
    got = merge_actuals(plan, back, ("visits",), prefer_returned=True)
    assert got.changed.to_dict("records") == [
        {"row": 2, "column": "amount_cents", "value": 21_000},
        {"row": 2, "column": "visits", "value": 8},
    ]
    s2 = got.conflicts[got.conflicts["rep_id"] == "S2"]
    assert s2[["plan", "returned"]].values.tolist() == [[30_000, 31_000]]  # visits 1+2 = 3
    assert set(s2["resolution"]) == {SEVERAL_ROWS}
    assert set(got.conflicts[got.conflicts["rep_id"] == "S1"]["resolution"]) == {TAKEN}


def test_a_plan_without_actuals_takes_every_returned_week():
    got = merge_actuals(None, returned(("S1", 1, 5, NAN, NAN), ("S2", 4, 0, 1, NAN)))
    assert got.added[["rep_id", "week"]].values.tolist() == [["S1", 1], ["S2", 4]]
    empty = merge_actuals(plan_rows((1, "S1", 5, 1)).iloc[0:0], returned(("S1", 1, 5, 1, 1)))
    assert len(empty.added) == 1


def test_the_latest_acceptance_of_each_rep_counts():
    rows = pd.DataFrame(
        {
            "rep_id": ["S1", "S2", "S1", None],
            "accepted_on": pd.to_datetime(["2026-10-06", "2026-10-07", "2026-11-02", "2026-11-03"]),
            "version": [1, 1, 2, 2],
        }
    )
    got = latest_sign_offs(rows)
    assert got.set_index("rep_id")["version"].to_dict() == {"S1": 2, "S2": 1}
    assert latest_sign_offs(None).empty


def _merged_row_by_row(plan, back, columns, prefer_returned):
    """The merge's conflicts, changes and agreeing weeks worked out one returned rep-week at a
    time, from the plan's rows summed by hand (the second method for the property below)."""
    compared = ["amount_cents", *columns]
    conflicts, changed, same = [], [], 0
    for r in back.itertuples(index=False):
        rows = plan[(plan["rep_id"] == r.rep_id) & (plan["week"] == r.week)]
        if rows.empty:
            continue
        differ = []
        for c in compared:
            theirs = getattr(r, c)
            mine = rows[c].sum(min_count=1)
            if pd.isna(theirs):
                continue
            if pd.isna(mine) or round(mine) != round(theirs):
                differ.append((c, None if pd.isna(mine) else round(mine), round(theirs)))
        same += not differ
        how = KEPT if not prefer_returned else TAKEN if len(rows) == 1 else SEVERAL_ROWS
        for c, mine, theirs in differ:
            conflicts.append([r.rep_id, r.week, c, mine, theirs, how])
            if how == TAKEN:
                changed.append([int(rows["_row"].iat[0]), c, theirs])
    return conflicts, changed, same


counts = st.one_of(st.just(NAN), st.integers(0, 3).map(float))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 3), st.sampled_from(["S1", "S2"]), counts, counts),
             max_size=8),
    st.dictionaries(st.tuples(st.sampled_from(["S1", "S2"]), st.integers(1, 4)),
                    st.tuples(counts, counts, counts), max_size=8),
    st.booleans(),
)  # fmt: skip
def test_the_merge_equals_one_week_at_a_time(plan, back, prefer):
    plan = plan_rows(*plan) if plan else plan_rows((1, "S1", 0, 0)).iloc[0:0]
    back = returned(*[(r, w, c, v, d) for (r, w), (c, v, d) in back.items()])
    if back.empty:
        return
    got = merge_actuals(plan, back, ("visits",), prefer_returned=prefer)
    conflicts, changed, same = _merged_row_by_row(plan, back, ["visits"], prefer)
    assert got.conflicts.values.tolist() == conflicts
    assert got.changed.values.tolist() == changed
    assert got.same == same
    held = {(r, w) for w, r, *_ in plan.itertuples(index=False)}
    assert got.added[["rep_id", "week"]].values.tolist() == [
        [r, w] for r, w in zip(back["rep_id"], back["week"], strict=True) if (r, w) not in held
    ]
