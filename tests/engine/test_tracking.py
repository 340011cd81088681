"""Tracking and alerts of SPEC §6 (and the path to target of §4), each computed by hand.

The standard plan: four equal reps, TeamTarget 5,200,000 → each rep's Target 1,300,000,
Floor 0.9 × 1,300,000 = 1,170,000; one rhythm phase of 13 weeks → 100,000 planned a
week, the floor 90,000 a week. After week 4: PlanToDate 400,000.00 = 40,000,000 cents,
FloorToDate 360,000.00 = 36,000,000 cents; RedBelow 0.8 → red line 28,800,000 cents.
Funnel Visit →0.5→ Demo →0.4→ Deal, AvgDealSize 50,000: 400,000 to date needs
8 deals, ceil(8 / 0.4) = 20 demos, ceil(20 / 0.5) = 40 visits.
"""

import dataclasses
import datetime as dt
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import decompose
from engine.progress import progress
from engine.tracking import (
    AMBER,
    CONVERSION_LOW,
    DEAL_SIZE_LOW,
    GREEN,
    NO_ACTIVITY,
    NO_FUNNEL,
    NO_REPORT,
    RED,
    VISITS_LOW,
    alert_status,
    floor_through_week,
    latest_week,
    through_week,
    track,
    tracked_week,
    validate_actuals,
)
from tests import builders as b

RHYTHM = pd.DataFrame({"phase": ["all"], "weeks": [13], "share": [1.0]})
FUNNEL = pd.DataFrame({"stage": ["Visit", "Demo", "Deal"], "conversion": [0.5, 0.4, np.nan]})
PLAN_W4 = 40_000_000  # cents
RED_W4 = 28_800_000  # 0.8 × 36,000,000 cents


def standard_plan(rep_frame=None, team_target=5_200_000, **values):
    rep_frame = b.reps(4) if rep_frame is None else rep_frame
    p = b.plan(
        rep_frame,
        TeamTarget=team_target,
        CapabilityTopShare="0",
        CapabilityBottomShare="0",
        AvgDealSize=50_000,
        **values,
    )
    return dataclasses.replace(p, rhythm=RHYTHM, funnel=FUNNEL)


@lru_cache
def standard():
    p = standard_plan()
    return p, decompose(p)


def actuals(*rows):
    """rows of (week, rep_id, amount in cents, visits, deals)."""
    frame = pd.DataFrame(rows, columns=["week", "rep_id", "amount_cents", "visits", "deals"])
    frame["demos"] = 0
    frame["new_customers"] = 0
    return frame


def tracked(frame, p=None, d=None, week=None):
    """Tracked at `week`, by default the latest week of `frame` (as `--week N` would), so a
    test about one rep's numbers need not type every other rep's report."""
    if p is None:
        p, d = standard()
    p = dataclasses.replace(p, actuals=frame)
    return track(p, d, latest_week(p) if week is None else week).set_index("rep_id")


def test_standard_plan_is_as_computed_in_the_docstring():
    _, d = standard()
    assert d.targets["target"].tolist() == [1_300_000] * 4
    assert d.targets["floor"].tolist() == [1_170_000] * 4
    assert (d.weekly.to_numpy() == 100_000).all()


def test_plan_and_floor_to_date_are_cumulative_to_the_tracked_week():
    # R001 reports weeks 1..4 (4 × 100,000.00), tracked at week 4
    t = tracked(actuals(*[(w, "R001", 10_000_000, 10, 2) for w in range(1, 5)]))
    r = t.loc["R001"]
    assert (r["week"], r["to_date"], r["plan_to_date"], r["floor_to_date"]) == (
        4,
        40_000_000,
        40_000_000,
        36_000_000,
    )
    assert r["pace"] == 1.0


def test_on_plan_to_the_cent_is_green_and_one_cent_less_is_amber():
    t = tracked(actuals((4, "R001", PLAN_W4, 40, 8), (4, "R002", PLAN_W4 - 1, 40, 8)))
    assert t.loc["R001", "status"] == GREEN
    assert t.loc["R001", "reason"] == ""
    assert t.loc["R002", "status"] == AMBER


def test_exactly_red_below_times_floor_is_amber_and_one_cent_less_is_red():
    t = tracked(actuals((4, "R001", RED_W4, 40, 8), (4, "R002", RED_W4 - 1, 40, 8)))
    assert t.loc["R001", "status"] == AMBER
    assert t.loc["R002", "status"] == RED


def test_red_line_is_compared_exactly_not_in_binary_floats():
    # 0.81 × 36,000,000 = 29,160,000 exactly; as floats 29,160,000.000000004 (would be RED)
    p = standard_plan(RedBelow="0.81")
    d = decompose(p)
    line = 29_160_000
    t = tracked(actuals((4, "R001", line, 40, 8), (4, "R002", line - 1, 40, 8)), p, d)
    assert t.loc["R001", "status"] == AMBER
    assert t.loc["R002", "status"] == RED


def test_reason_visits_below_plan():
    # 40 visits planned to week 4; 39 made
    t = tracked(actuals((4, "R001", PLAN_W4 - 100, 39, 8)))
    assert t.loc["R001", "reason"] == VISITS_LOW


def test_reason_visits_on_plan_conversion_low():
    # 40 visits made as planned, 7 deals of the 8 planned
    t = tracked(actuals((4, "R001", PLAN_W4 - 100, 40, 7)))
    assert t.loc["R001", "reason"] == CONVERSION_LOW


def test_reason_deal_size_low_when_activity_is_on_plan():
    # 40 visits and 8 deals as planned, but only 300,000 sold: deals of 37,500, not 50,000
    t = tracked(actuals((4, "R001", 30_000_000, 40, 8)))
    assert t.loc["R001", "status"] == AMBER  # red line 288,000 < 300,000 < 400,000
    assert t.loc["R001", "reason"] == DEAL_SIZE_LOW


def test_activity_is_summed_over_the_weeks_to_date():
    # 20 + 20 visits and 4 + 4 deals over weeks 2 and 4 = the 40 and 8 planned
    t = tracked(actuals((2, "R001", 15_000_000, 20, 4), (4, "R001", 15_000_000, 20, 4)))
    assert t.loc["R001", "to_date"] == 30_000_000
    assert t.loc["R001", "reason"] == DEAL_SIZE_LOW


def test_reason_says_so_without_a_funnel():
    p, d = standard()
    p = dataclasses.replace(p, funnel=None)
    t = tracked(actuals((4, "R001", PLAN_W4 - 1, 40, 8)), p, d)
    assert t.loc["R001", "reason"] == NO_FUNNEL


def test_activity_left_blank_is_not_compared():
    # Visits blank throughout: the visits stage is skipped; 7 deals of 8 → conversion low
    frame = actuals((4, "R001", PLAN_W4 - 1, 40, 7))
    frame["visits"] = np.nan
    assert tracked(frame).loc["R001", "reason"] == CONVERSION_LOW
    # no activity columns at all: nothing to compare
    only_amounts = frame[["week", "rep_id", "amount_cents"]]
    assert tracked(only_amounts).loc["R001", "reason"] == NO_ACTIVITY


def test_reps_without_actuals_rows_are_no_report_with_zero_to_date():
    # only R001 reports; tracked at week 4, R002..R004 have 0 against 400,000 planned, but
    # they have not reported week 4: "no report", not RED, and no reason
    t = tracked(actuals((4, "R001", PLAN_W4, 40, 8)))
    r = t.loc["R003"]
    assert (r["week"], r["to_date"], r["plan_to_date"], r["pace"]) == (4, 0, PLAN_W4, 0.0)
    assert (r["status"], r["reason"], r["last_report"]) == (NO_REPORT, "", 0)
    assert r["remaining"] == 130_000_000
    assert list(t.index) == ["R001", "R002", "R003", "R004"]


def test_no_actuals_at_all_is_week_zero_and_green():
    p, d = standard()
    for frame in (None, actuals()):
        t = track(dataclasses.replace(p, actuals=frame), d)
        assert t["week"].eq(0).all()
        assert t["to_date"].eq(0).all() and t["plan_to_date"].eq(0).all()
        assert t["pace"].isna().all()
        assert t["status"].eq(GREEN).all()
        assert t["remaining"].eq(130_000_000).all()


def test_a_rep_joining_mid_period_has_nothing_planned_before_joining():
    # R002 starts on the Monday of week 5: active weeks 13 and 9 of TeamTarget 2,200,000
    # → 1,300,000 and 900,000; R002's plan is 900,000 / 9 = 100,000 a week from W5,
    # its floor 810,000 / 9 = 90,000 a week from W5.
    reps = b.reps(2, start_date=[None, b.START + dt.timedelta(weeks=4)])
    p = standard_plan(reps, team_target=2_200_000)
    d = decompose(p)
    assert d.targets["target"].tolist() == [1_300_000, 900_000]
    assert d.weekly.iloc[1].tolist() == [0] * 4 + [100_000] * 9

    before = tracked(actuals((4, "R001", PLAN_W4, 40, 8)), p, d).loc["R002"]
    assert (before["to_date"], before["plan_to_date"], before["floor_to_date"]) == (0, 0, 0)
    assert np.isnan(before["pace"])
    assert before["status"] == GREEN

    # week 6: plan 200,000, floor 180,000, red line 144,000; 150,000 sold → AMBER, pace 0.75
    after = tracked(
        actuals((6, "R001", 60_000_000, 60, 12), (6, "R002", 15_000_000, 30, 6)), p, d
    ).loc["R002"]
    assert (after["plan_to_date"], after["floor_to_date"]) == (20_000_000, 18_000_000)
    assert after["status"] == AMBER
    assert after["pace"] == 0.75


def test_floor_to_date_follows_the_targets_weekly_profile_and_sums_to_the_floor():
    # 4 weeks 30 %, 6 weeks 50 %, 3 weeks 20 % of 1,300,000; floor 1,170,000 phased alike:
    # 351,000 over 4 weeks = 87,750 a week → 351,000 after week 4
    rhythm = pd.DataFrame({"phase": ["a", "b", "c"], "weeks": [4, 6, 3], "share": [0.3, 0.5, 0.2]})
    p = dataclasses.replace(standard_plan(b.reps(1), team_target=1_300_000), rhythm=rhythm)
    d = decompose(p)
    t = tracked(actuals((4, "R001", 0, 0, 0)), p, d).loc["R001"]
    assert t["plan_to_date"] == 39_000_000
    assert t["floor_to_date"] == 35_100_000
    full = tracked(actuals((13, "R001", 0, 0, 0)), p, d).loc["R001"]
    assert (full["plan_to_date"], full["floor_to_date"]) == (130_000_000, 117_000_000)


def test_path_to_target_spec_example():
    # Target 1,300,000 − 700,000 to date = 600,000 remaining; deal 50,000, Demo→Deal 0.4,
    # Visit→Demo 0.5 → 12 deals, 30 demos, 60 visits
    t = tracked(actuals((5, "R001", 70_000_000, 70, 14)))
    r = t.loc["R001"]
    assert r["remaining"] == 60_000_000
    assert (r["Deal"], r["Demo"], r["Visit"]) == (12, 30, 60)


def test_remaining_is_never_negative():
    t = tracked(actuals((13, "R001", 140_000_000, 200, 30)))
    assert t.loc["R001", "remaining"] == 0
    assert (t.loc["R001", "Deal"], t.loc["R001", "Visit"]) == (0, 0)


def test_rows_for_unknown_reps_or_weeks_outside_the_period_are_left_out():
    t = tracked(actuals((4, "R001", 100, 1, 0), (14, "R001", 5_000, 1, 0), (6, "R999", 7, 1, 0)))
    assert t.loc["R001", "to_date"] == 100
    assert t["week"].eq(4).all()


def test_validate_actuals_points_at_each_bad_cell():
    p, _ = standard()
    frame = actuals(
        (1, "R001", 100, 5, 1),  # row 2: fine
        (0, "R001", 100, 5, 1),  # row 3: week 0
        (14, "R002", 100, 5, 1),  # row 4: week 14 of 13
        (2, "R099", 100, 5, 1),  # row 5: unknown rep
        (3, "R003", 100, -1, 1),  # row 6: negative visits
    )
    frame.loc[4, "new_customers"] = -2
    frame["_row"] = [2, 3, 4, 5, 6]
    frame.attrs["sheet"] = "实际"
    frame.attrs["columns"] = {
        "week": "A",
        "rep_id": "B",
        "amount": "C",
        "visits": "D",
        "demos": "E",
        "deals": "F",
        "new_customers": "G",
    }
    problems = validate_actuals(dataclasses.replace(p, actuals=frame))
    where = [(pr.sheet, pr.cell) for pr in problems]
    assert where == [("实际", "B5"), ("实际", "A3"), ("实际", "A4"), ("实际", "D6"), ("实际", "G6")]
    assert 'RepID "R099" is not in tblReps' in b.english(problems[0])
    assert "Week 14 is outside the period (1 to 13)" in b.english(problems[2])
    assert "Visits is negative (-1)" in b.english(problems[3])
    assert "NewCustomers is negative (-2)" in b.english(problems[4])
    assert b.words(problems[2], "zh-CN") == (
        "实际!A4: 第 14 周不在考核期内（第 1 至 13 周） — 请填写考核期内的周次，1 至 13"
    )
    assert b.words(problems[0], "zh-CN").startswith("实际!B5: 销售编号“R099”不在 tblReps 中 — ")


def test_validate_actuals_without_addresses_names_the_sheet():
    p, _ = standard()
    problems = validate_actuals(dataclasses.replace(p, actuals=actuals((20, "R001", 1, 0, 0))))
    assert [(pr.sheet, pr.cell) for pr in problems] == [("Actuals", "")]
    assert validate_actuals(dataclasses.replace(p, actuals=None)) == []


# --- the tracked week and reps who have not reported it ---------------------------------------

ON_PLAN = 10_000_000  # 100,000.00 a week, each rep's weekly plan


def weeks_reported(**last):
    """Each rep reports every week from 1 to its last, on plan; e.g. R001=9."""
    return actuals(*[(w, rep, ON_PLAN, 10, 2) for rep, n in last.items() for w in range(1, n + 1)])


def tracked_by_default(frame, p=None, d=None):
    if p is None:
        p, d = standard()
    return track(dataclasses.replace(p, actuals=frame), d).set_index("rep_id")


def test_default_week_is_the_latest_week_most_reps_have_reported():
    # R001 far ahead (to week 9), R002 and R003 to week 6, R004 behind (to week 4).
    # Reported, of the 4 reps employed: weeks 1–4 by 4, weeks 5–6 by 3, weeks 7–9 by 1 only.
    # The latest week with more than half (3 > 2) is 6.
    frame = weeks_reported(R001=9, R002=6, R003=6, R004=4)
    t = tracked_by_default(frame)
    assert t["week"].eq(6).all()
    assert tracked_week(dataclasses.replace(standard()[0], actuals=frame)) == 6
    # R001's weeks 7–9 are not counted yet: 6 × 100,000 = 600,000 = plan to date → GREEN
    assert (t.loc["R001", "to_date"], t.loc["R001", "status"]) == (60_000_000, GREEN)
    assert t.loc["R001", "last_report"] == 9
    assert t.loc["R002", "status"] == t.loc["R003", "status"] == GREEN
    # R004 has reported weeks 1–4 only: 400,000 against 600,000 planned is below the red line
    # (0.8 × 540,000 = 432,000), but R004 has not reported week 6 — "no report", not RED
    r = t.loc["R004"]
    assert (r["to_date"], r["plan_to_date"], r["last_report"]) == (40_000_000, 60_000_000, 4)
    assert (r["status"], r["reason"]) == (NO_REPORT, "")
    assert (t["status"] == NO_REPORT).sum() == 1


def test_one_early_reporter_does_not_move_the_tracked_week():
    # R001 has typed the whole period; the others are at week 3 → week 3, not 13
    t = tracked_by_default(weeks_reported(R001=13, R002=3, R003=3, R004=3))
    assert t["week"].eq(3).all()
    assert t.loc["R001", "to_date"] == 3 * ON_PLAN
    # alone, one reporter makes no majority for any week: nothing is tracked yet (week 0)
    alone = tracked_by_default(weeks_reported(R001=5))
    assert alone["week"].eq(0).all() and alone["to_date"].eq(0).all()
    assert alone["status"].eq(GREEN).all()


def test_exactly_half_of_the_reps_is_not_most():
    # R001 and R002 at week 5, R003 and R004 at week 4: week 5 has 2 of 4, not more than half
    t = tracked_by_default(weeks_reported(R001=5, R002=5, R003=4, R004=4))
    assert t["week"].eq(4).all()
    assert not (t["status"] == NO_REPORT).any()


def test_reps_not_employed_in_a_week_are_not_counted_for_it_and_never_no_report():
    # R004 leaves after week 4 (EndDate the Sunday of week 4): active weeks 13, 13, 13, 4 of
    # TeamTarget 4,300,000 → 1,300,000 each and 400,000 for R004, 100,000 a week for all.
    # Week 6: 3 reps employed, R001 and R002 reported it (2 > 1.5) → week 6.
    reps = b.reps(4, end_date=[None, None, None, b.START + dt.timedelta(weeks=4, days=-1)])
    p = standard_plan(reps, team_target=4_300_000)
    d = decompose(p)
    assert d.targets["target"].tolist() == [1_300_000] * 3 + [400_000]
    t = tracked_by_default(weeks_reported(R001=6, R002=6, R003=4, R004=4), p, d)
    assert t["week"].eq(6).all()
    assert t.loc["R003", "status"] == NO_REPORT
    # R004 reported every week of their employment: 400,000 of 400,000 planned → GREEN
    r = t.loc["R004"]
    assert (r["to_date"], r["plan_to_date"], r["status"]) == (40_000_000, 40_000_000, GREEN)


def test_week_n_tracks_week_n_and_ignores_the_actuals_after_it():
    frame = weeks_reported(R001=9, R002=6, R003=6, R004=4)
    p, d = standard()
    t = track(dataclasses.replace(p, actuals=frame), d, 3).set_index("rep_id")
    assert t["week"].eq(3).all()
    # everyone has reported week 3 (R004 to week 4); 3 × 100,000 each: on plan, all GREEN
    assert t["to_date"].eq(3 * ON_PLAN).all() and t["plan_to_date"].eq(3 * ON_PLAN).all()
    assert t["status"].eq(GREEN).all()
    # week 9: only R001 has reported it; the others are "no report" with what they reported
    late = track(dataclasses.replace(p, actuals=frame), d, 9).set_index("rep_id")
    assert late["status"].tolist() == [GREEN, NO_REPORT, NO_REPORT, NO_REPORT]
    assert late["to_date"].tolist() == [9 * ON_PLAN, 6 * ON_PLAN, 6 * ON_PLAN, 4 * ON_PLAN]


def test_a_report_of_a_later_week_counts_as_having_reported_the_week():
    # R001 typed weeks 1, 2 and 4 but nothing for week 3 (no sales): at week 3 R001 has
    # reported (a row at week 4), so the numbers judge: 200,000 to date, below the red line
    # 0.8 × 270,000 = 216,000 → RED, not "no report"
    frame = actuals(
        (1, "R001", ON_PLAN, 10, 2),
        (2, "R001", ON_PLAN, 10, 2),
        (4, "R001", ON_PLAN, 10, 2),
        *[(w, r, ON_PLAN, 10, 2) for r in ("R002", "R003", "R004") for w in (1, 2, 3, 4)],
    )
    t = tracked(frame, week=3)
    assert (t.loc["R001", "to_date"], t.loc["R001", "status"]) == (2 * ON_PLAN, RED)


def test_a_week_outside_the_period_is_refused_by_track():
    p, d = standard()
    for week in (-1, 14):
        with pytest.raises(ValueError, match=f"week {week} is outside the period"):
            track(p, d, week)


def test_progress_tracks_the_default_week_and_phases_kpi_goals_to_it():
    # One rep, Target 1,300,000 phased 4 weeks 30 %, 6 weeks 50 %, 3 weeks 20 %: 97,500 a
    # week in weeks 1–4, so PlanToDate at week 4 = 390,000, a share of 390,000 / 1,300,000
    # = 0.3. New customers, Target 10 → 10 × 0.3 = 3 to date: the rep's 3 (weeks 1–4; week
    # 5's 2 is after the tracked week) reach it exactly → achievement 1, tier target.
    rhythm = pd.DataFrame({"phase": ["a", "b", "c"], "weeks": [4, 6, 3], "share": [0.3, 0.5, 0.2]})
    p = dataclasses.replace(
        standard_plan(b.reps(1), team_target=1_300_000),
        rhythm=rhythm,
        actuals=actuals((2, "R001", 39_000_000, 10, 2), (4, "R001", 0, 0, 0)),
        commission=pd.DataFrame({"tier": ["floor", "target", "challenge"], "rate": [0.01] * 3}),
        kpis=pd.DataFrame(
            {
                "kpi": ["New customers"],
                "weight": [1.0],
                "floor": [8.0],
                "target": [10.0],
                "challenge": [12.0],
                "unit": [None],
            }
        ),
        kpi_actuals=pd.DataFrame(
            {"rep_id": "R001", "week": [2, 5], "kpi": "New customers", "value": [3.0, 2.0]}
        ),
    )
    got = progress(p)
    assert got.tracking["week"].tolist() == [4]
    assert got.tracking["plan_to_date"].tolist() == [39_000_000]
    row = got.kpi.rows.iloc[0]
    assert (row["actual"], row["target_to_date"], row["achievement"]) == (3.0, 3.0, 1.0)
    assert row["tier"] == "target"
    assert got.kpi.scores["score"].tolist() == [1.0]


RANK = {RED: 0, AMBER: 1, GREEN: 2}


@settings(max_examples=200, deadline=None)
@given(
    week=st.integers(1, 13),
    high=st.integers(0, 150_000_000),
    drop=st.integers(0, 150_000_000),
    red_below=st.decimals("0", "1.5", places=3),
)
def test_status_never_improves_when_actuals_fall(week, high, drop, red_below):
    p, d = standard()
    p = dataclasses.replace(p, settings=p.settings.with_values(RedBelow=red_below))
    low = max(high - drop, 0)
    t = tracked(actuals((week, "R001", high, 40, 8), (week, "R002", low, 40, 8)), p, d)
    assert RANK[t.loc["R002", "status"]] <= RANK[t.loc["R001", "status"]]


# --- the pieces behind ALERT_STATUS and PACE_PLAN (SPEC §9) ------------------------------------


def test_through_week_sums_the_weekly_plan_up_to_and_including_the_week():
    weekly = np.array([[100, 200, 300], [10, 20, 30]])
    assert through_week(weekly, 0).tolist() == [0, 0]
    assert through_week(weekly, 2).tolist() == [300, 30]
    assert through_week(weekly, 3).tolist() == [600, 60]


def test_floor_through_week_phases_the_floor_like_the_target():
    # floor 90 over weeks weighted 100:200:300 → 15, 30, 45; to week 2: 45
    weekly = np.array([[100, 200, 300]])
    assert floor_through_week(np.array([90]), weekly, 2).tolist() == [45]
    assert floor_through_week(np.array([90]), weekly, 3).tolist() == [90]


def test_alert_status_boundaries_are_exact():
    # plan 40,000,000 cents, floor 36,000,000 × 0.8 = red line 28,800,000
    to_date = np.array([PLAN_W4, PLAN_W4 - 1, RED_W4, RED_W4 - 1])
    plan = np.full(4, PLAN_W4)
    floor = np.full(4, 36_000_000)
    status = alert_status(to_date, plan, floor, Decimal("0.8"))
    assert status.tolist() == [GREEN, AMBER, AMBER, RED]


def test_track_status_is_alert_status_of_its_plan_and_floor_to_date():
    t = tracked(actuals((4, "R001", PLAN_W4, 40, 8), (4, "R002", RED_W4 - 1, 40, 8)))
    t = t.loc[["R001", "R002"]]  # the reps who reported week 4
    expected = alert_status(t["to_date"], t["plan_to_date"], t["floor_to_date"], Decimal("0.8"))
    assert t["status"].tolist() == expected.tolist()
