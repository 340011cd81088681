"""The KPI scorecard (SPEC §1 tblKPIs), each rule computed by hand.

The standard KPIs: New customers (a count) floor 8 / target 10 / challenge 12, weight 0.6,
cap 12 / 10 = 1.2; Retention (unit "%", a rate) target 0.9 / challenge 0.95 and no floor,
weight 0.4, cap 0.95 / 0.9 = 1.0556; Referrals, weight 0.2, has no column in tblActuals.
The measured weights add up to 0.6 + 0.4 = 1, so the shares are the weights themselves.
Scored at week 4 of 13.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.kpi import SCORE_RULE, Scorecard, scorecard, validate_kpis
from engine.problems import PlanError
from tests import builders as b

NEW, RETENTION, REFERRALS = "New customers", "Retention", "Referrals"
REPS = ["R001", "R002", "R003"]
NOT_MEASURED = (
    'KPI "Referrals" has no column in tblActuals: add a column named Referrals to measure it'
)


def kpis(*rows, addresses=True):
    """rows of (kpi, weight, floor, target, challenge, unit); Excel rows from 2."""
    frame = pd.DataFrame(rows, columns=["kpi", "weight", "floor", "target", "challenge", "unit"])
    frame["_row"] = range(2, len(frame) + 2)
    if addresses:
        frame.attrs["sheet"] = "KPIs"
        frame.attrs["columns"] = dict(zip(frame.columns[:6], "ABCDEF", strict=True))
    return frame


STANDARD = kpis(
    (NEW, 0.6, 8, 10, 12, "customers"),
    (RETENTION, 0.4, np.nan, 0.9, 0.95, "%"),
    (REFERRALS, 0.2, np.nan, 5, np.nan, None),
)


def measured(*rows):
    """rows of (rep_id, week, kpi, value)."""
    return pd.DataFrame(rows, columns=["rep_id", "week", "kpi", "value"])


STANDARD_ACTUALS = measured(
    # R001: 3 + 2 + blank + 5 = 10 new customers to week 4; week 5's 7 is after the week scored
    ("R001", 1, NEW, 3),
    ("R001", 2, NEW, 2),
    ("R001", 3, NEW, np.nan),
    ("R001", 4, NEW, 5),
    ("R001", 5, NEW, 7),
    # R001 retention: 0.8 in week 2, 0.95 in week 3, blank in week 4 → the latest is 0.95
    ("R001", 2, RETENTION, 0.8),
    ("R001", 3, RETENTION, 0.95),
    ("R001", 4, RETENTION, np.nan),
    ("R001", 5, RETENTION, 0.5),
    # R002: 12 + 1 = 13 new customers; retention 0.9 in week 1 then 0.89 in week 4 → 0.89
    ("R002", 1, NEW, 12),
    ("R002", 2, NEW, 1),
    ("R002", 1, RETENTION, 0.9),
    ("R002", 4, RETENTION, 0.89),
    # R003 has no rows; R999 is not scored
    ("R999", 1, NEW, 50),
)


def standard(week=4) -> Scorecard:
    return scorecard(STANDARD, STANDARD_ACTUALS, REPS, week, 13)


def row(card: Scorecard, rep: str, kpi: str) -> pd.Series:
    return card.rows.set_index(["rep_id", "kpi"]).loc[(rep, kpi)]


def score(card: Scorecard, rep: str) -> float:
    return card.scores.set_index("rep_id").loc[rep, "score"]


# --- actuals -----------------------------------------------------------------------------


def test_a_count_is_summed_over_the_weeks_to_date_with_blanks_as_zero():
    # R001: 3 + 2 + 0 + 5 = 10 (week 5's 7 is after week 4)
    assert row(standard(), "R001", NEW)["actual"] == 10
    # to week 5 the 7 counts: 10 + 7 = 17
    assert row(standard(week=5), "R001", NEW)["actual"] == 17


def test_a_rate_is_the_latest_week_with_a_value_not_the_sum():
    card = standard()
    # R002: 0.9 in week 1, 0.89 in week 4 → 0.89 (not 0.9 + 0.89 = 1.79)
    assert row(card, "R002", RETENTION)["actual"] == 0.89
    # R001: week 4 is blank, so week 3's 0.95; week 5's 0.5 is after the week scored
    assert row(card, "R001", RETENTION)["actual"] == 0.95
    assert row(standard(week=5), "R001", RETENTION)["actual"] == 0.5


def test_a_rep_without_rows_has_zero_counts_and_no_rate():
    r = standard().rows.set_index(["rep_id", "kpi"])
    assert r.loc[("R003", NEW), "actual"] == 0
    assert r.loc[("R003", NEW), "achievement"] == 0
    assert np.isnan(r.loc[("R003", RETENTION), "actual"])
    assert np.isnan(r.loc[("R003", RETENTION), "achievement"])
    assert r.loc[("R003", RETENTION), "tier"] == ""
    assert r.loc[("R003", RETENTION), "points"] == 0  # a rate with no value scores 0


def test_week_zero_counts_nothing():
    card = standard(week=0)
    assert card.rows.loc[card.rows["kpi"] == NEW, "actual"].tolist() == [0, 0, 0]
    assert card.rows.loc[card.rows["kpi"] == RETENTION, "actual"].isna().all()
    assert card.scores["score"].tolist() == [0, 0, 0]


def test_kpi_names_match_whatever_their_case_and_spaces():
    frame = measured(("R001", 1, " new CUSTOMERS ", 4), ("R001", 2, NEW, 1))
    assert row(scorecard(STANDARD, frame, REPS, 4, 13), "R001", NEW)["actual"] == 5  # 4 + 1


def test_a_week_outside_the_period_is_refused():
    with pytest.raises(ValueError, match="week 14 is outside the period"):
        scorecard(STANDARD, STANDARD_ACTUALS, REPS, 14, 13)


# --- tiers, achievement, points ------------------------------------------------------------


def test_tiers_exactly_at_each_threshold_and_just_below():
    # one rep per total of new customers, in week 1
    totals = [12, 11, 10, 9, 8, 7]
    reps = [f"N{t}" for t in totals]
    card = scorecard(
        STANDARD,
        measured(*[(r, 1, NEW, t) for r, t in zip(reps, totals, strict=True)]),
        reps,
        4,
        13,
    )
    tiers = card.rows.loc[card.rows["kpi"] == NEW, "tier"].tolist()
    assert tiers == ["challenge", "target", "target", "floor", "floor", ""]


def test_a_rate_tier_is_compared_exactly_and_without_a_floor_below_target_is_no_tier():
    rates = [0.95, 0.9499, 0.9, 0.8999]
    reps = [f"P{i}" for i in range(len(rates))]
    card = scorecard(
        STANDARD,
        measured(*[(r, 1, RETENTION, v) for r, v in zip(reps, rates, strict=True)]),
        reps,
        4,
        13,
    )
    tiers = card.rows.loc[card.rows["kpi"] == RETENTION, "tier"].tolist()
    assert tiers == ["challenge", "target", "target", ""]


def test_achievement_and_points_per_kpi():
    card = standard()
    # R001: 10 / 10 = 1.0 → 0.6 × 1.0 = 0.6 at tier target
    r = row(card, "R001", NEW)
    assert (r["achievement"], r["points"], r["tier"]) == (1.0, pytest.approx(0.6), "target")
    # R001: 0.95 / 0.9 = 1.0556, exactly the cap 0.95 / 0.9 → 0.4 × 1.0556 = 0.42222
    r = row(card, "R001", RETENTION)
    assert r["achievement"] == pytest.approx(0.95 / 0.9)
    assert r["points"] == pytest.approx(0.4 * 0.95 / 0.9)
    assert r["tier"] == "challenge"
    # R002: 13 / 10 = 1.3, capped at 12 / 10 = 1.2 → 0.6 × 1.2 = 0.72 at tier challenge
    r = row(card, "R002", NEW)
    assert r["achievement"] == pytest.approx(1.3)
    assert r["points"] == pytest.approx(0.72)
    assert r["tier"] == "challenge"
    # R002: 0.89 / 0.9 = 0.98889, below target and no floor → no tier, 0.4 × 0.98889 = 0.39556
    r = row(card, "R002", RETENTION)
    assert r["achievement"] == pytest.approx(0.89 / 0.9)
    assert r["points"] == pytest.approx(0.4 * 0.89 / 0.9)
    assert r["tier"] == ""


def test_without_a_challenge_points_are_capped_at_target():
    # one KPI, no challenge: 30 of target 10 = 3.0 achieved, capped at 1 → 1 × 1 = 1
    table = kpis(("Calls", 1.0, np.nan, 10, np.nan, None))
    card = scorecard(table, measured(("R001", 1, "Calls", 30)), ["R001"], 4, 13)
    assert card.rows["achievement"].tolist() == [3.0]
    assert card.rows["points"].tolist() == [1.0]
    assert card.rows["tier"].tolist() == ["target"]
    assert score(card, "R001") == 1.0


def test_scores_sum_the_points_and_count_the_kpis_at_target():
    s = standard().scores
    assert s["rep_id"].tolist() == REPS
    # R001: 0.6 + 0.42222 = 1.02222, both KPIs at target or above
    # R002: 0.72 + 0.39556 = 1.11556, only new customers at target or above
    # R003: 0 + 0 = 0
    assert s["score"].tolist() == pytest.approx(
        [0.6 + 0.4 * 0.95 / 0.9, 0.72 + 0.4 * 0.89 / 0.9, 0.0]
    )
    assert s["kpis_at_target"].tolist() == [2, 1, 0]


def test_every_kpi_exactly_on_target_scores_one():
    # 10 new customers, retention 0.9: 0.6 × 1 + 0.4 × 1 = 1
    frame = measured(("R001", 1, NEW, 10), ("R001", 1, RETENTION, 0.9))
    assert score(scorecard(STANDARD, frame, ["R001"], 4, 13), "R001") == pytest.approx(1.0)


# --- goals to date, phased like the sales target ------------------------------------------


def phased(frame, done, whole, reps=("R001",), week=4) -> Scorecard:
    return scorecard(STANDARD, frame, list(reps), week, 13, plan_to_date=done, plan_total=whole)


def test_count_goals_to_date_are_the_goal_times_the_reps_plan_share_to_date():
    # R001's weekly plan: 390,000 of 1,300,000 due by week 4 (a 30 % rhythm phase) → share 0.3:
    # New customers floor 8 × 0.3 = 2.4, target 10 × 0.3 = 3, challenge 12 × 0.3 = 3.6.
    # 3 new customers to week 4 reach the target to date exactly: achievement 3 / 3 = 1 and
    # (retention 0.9 of 0.9, not phased: a rate) score 0.6 × 1 + 0.4 × 1 = 1.
    frame = measured(("R001", 2, NEW, 3), ("R001", 4, RETENTION, 0.9))
    card = phased(frame, [390_000], [1_300_000])
    new = row(card, "R001", NEW)
    assert (new["target"], new["target_to_date"], new["achievement"]) == (10, 3.0, 1.0)
    assert new["tier"] == "target"
    retention = row(card, "R001", RETENTION)
    assert (retention["target_to_date"], retention["tier"]) == (0.9, "target")
    assert score(card, "R001") == pytest.approx(1.0)
    # unphased, the same 3 would be 3 / 10 = 0.3 of the whole period's goal and no tier
    whole = scorecard(STANDARD, frame, ["R001"], 4, 13)
    assert (row(whole, "R001", NEW)["achievement"], row(whole, "R001", NEW)["tier"]) == (0.3, "")


def test_phased_tiers_are_compared_exactly_at_each_threshold():
    # share 4/13 (400,000 of 1,300,000): floor 8 × 4/13 = 2.46…, target 10 × 4/13 = 3.07…,
    # challenge 12 × 4/13 = 3.69…. 2 is below the floor, 3 reaches the floor only, 4 the
    # challenge. Compared as actual × 1,300,000 ≥ goal × 400,000: no rounded share.
    frame = measured(("R001", 1, NEW, 2), ("R002", 1, NEW, 3), ("R003", 1, NEW, 4))
    card = phased(frame, [400_000] * 3, [1_300_000] * 3, reps=REPS)
    assert [row(card, r, NEW)["tier"] for r in REPS] == ["", "floor", "challenge"]
    # a goal to date that is a whole number is reached exactly: 13 × 4/13 = 4
    table = kpis(("Calls", 1.0, np.nan, 13, np.nan, None))
    frame = measured(("R001", 1, "Calls", 4), ("R002", 1, "Calls", 3))
    calls = scorecard(table, frame, ["R001", "R002"], 4, 13, [400_000] * 2, [1_300_000] * 2)
    assert calls.rows["target_to_date"].tolist() == [4.0, 4.0]
    assert calls.rows["tier"].tolist() == ["target", ""]
    assert calls.rows["achievement"].tolist() == [1.0, 0.75]


def test_a_rep_with_nothing_due_yet_has_no_kpi_goal_to_date():
    # R001 joins in week 5: nothing of the plan due by week 4, so no achievement and no tier
    # on the count (0 points), while the rate keeps its goal: retention 0.9 → 0.4 × 1 = 0.4
    frame = measured(("R001", 4, NEW, 1), ("R001", 4, RETENTION, 0.9))
    card = phased(frame, [0], [900_000])
    new = row(card, "R001", NEW)
    assert new["target_to_date"] == 0 and np.isnan(new["achievement"]) and new["tier"] == ""
    assert new["points"] == 0
    assert score(card, "R001") == pytest.approx(0.4)


# --- rows, the not measured KPI and the notes -----------------------------------------------


def test_rows_are_one_per_rep_and_kpi_in_input_order():
    rows = standard().rows
    assert rows.columns.tolist() == [
        "rep_id",
        "kpi",
        "unit",
        "actual",
        "floor",
        "target",
        "challenge",
        "target_to_date",
        "achievement",
        "tier",
        "weight",
        "points",
    ]
    assert rows["rep_id"].tolist() == [r for r in REPS for _ in range(3)]
    assert rows["kpi"].tolist() == [NEW, RETENTION, REFERRALS] * 3
    assert rows["unit"].tolist() == ["customers", "%", ""] * 3
    # the shares of the measured KPIs: 0.6 / 1 and 0.4 / 1; Referrals takes none
    assert rows["weight"].tolist() == [0.6, 0.4, 0.0] * 3


def test_a_kpi_without_a_column_is_listed_not_scored_and_noted():
    card = standard()
    r = card.rows[card.rows["kpi"] == REFERRALS]
    assert r["actual"].isna().all() and r["achievement"].isna().all()
    assert r["tier"].tolist() == ["", "", ""]
    assert r["target"].tolist() == [5, 5, 5]
    assert r["points"].tolist() == [0, 0, 0]
    # its weight 0.2 is left out: the measured 0.6 + 0.4 = 1, so no note on the weights
    assert [b.english(n) for n in card.notes] == [NOT_MEASURED]
    assert [b.words(n, "zh-CN") for n in card.notes] == [
        "KPI“Referrals”在 tblActuals 中没有对应的列：请添加名为 Referrals 的列以便衡量"
    ]


def test_weights_not_adding_up_to_one_are_used_as_shares_and_noted():
    # 0.5 + 0.3 = 0.8 → shares 0.5 / 0.8 = 0.625 and 0.3 / 0.8 = 0.375;
    # on target on both: 0.625 × 1 + 0.375 × 1 = 1
    table = kpis((NEW, 0.5, 8, 10, 12, None), (RETENTION, 0.3, np.nan, 0.9, 0.95, "%"))
    frame = measured(("R001", 1, NEW, 10), ("R001", 1, RETENTION, 0.9))
    card = scorecard(table, frame, ["R001"], 4, 13)
    assert card.rows["weight"].tolist() == pytest.approx([0.625, 0.375])
    assert score(card, "R001") == pytest.approx(1.0)
    assert [b.english(n) for n in card.notes] == [
        "KPI weights add up to 0.8; scores use each weight's share"
    ]
    assert [b.words(n, "zh-CN") for n in card.notes] == [
        "KPI 权重合计为 0.8；得分按各权重所占比例计算"
    ]


def test_a_missing_kpi_does_not_drag_scores_down():
    # weights 0.5 + 0.3 + 0.2 = 1, but Referrals is not measured: 0.5 + 0.3 = 0.8 → shares
    # 0.625 and 0.375, and a rep on target on both still scores 1
    table = kpis(
        (NEW, 0.5, 8, 10, 12, None),
        (RETENTION, 0.3, np.nan, 0.9, 0.95, "%"),
        (REFERRALS, 0.2, np.nan, 5, np.nan, None),
    )
    frame = measured(("R001", 1, NEW, 10), ("R001", 1, RETENTION, 0.9))
    card = scorecard(table, frame, ["R001"], 4, 13)
    assert score(card, "R001") == pytest.approx(1.0)
    assert [b.english(n) for n in card.notes] == [
        NOT_MEASURED,
        "Weights of the measured KPIs add up to 0.8; scores use each weight's share",
    ]


def test_the_full_width_percent_sign_marks_a_rate_too():
    # 留存率 with unit ％: 0.8 then 0.85 → 0.85, not 1.65
    table = kpis(("留存率", 1.0, np.nan, 0.9, np.nan, "％"))
    frame = measured(("R001", 1, "留存率", 0.8), ("R001", 2, "留存率", 0.85))
    assert scorecard(table, frame, ["R001"], 4, 13).rows["actual"].tolist() == [0.85]


def test_the_score_rule_says_how_the_score_is_made():
    assert "capped at its challenge" in SCORE_RULE and "100 % = every KPI on target" in SCORE_RULE


# --- validation -----------------------------------------------------------------------------


def test_validate_kpis_points_at_each_bad_cell():
    table = kpis(
        (NEW, 0.6, 8, 10, 12, None),  # row 2: fine
        (None, 0.1, np.nan, 5, np.nan, None),  # row 3: no name
        ("new CUSTOMERS", 0.1, np.nan, 5, np.nan, None),  # row 4: twice
        ("Visits", -0.1, np.nan, 5, np.nan, None),  # row 5: negative weight
        ("Calls", 0.1, np.nan, np.nan, np.nan, None),  # row 6: no target
        ("Demos", 0.1, np.nan, 0, np.nan, None),  # row 7: target 0
        ("Deals", 0.1, 12, 10, np.nan, None),  # row 8: floor above target
        ("Leads", 0.1, np.nan, 10, 9, None),  # row 9: challenge below target
        ("Quotes", 0.1, -1, 5, -2, None),  # row 10: negative floor and challenge
        ("Orders", 0.1, np.nan, -3, np.nan, None),  # row 11: negative target
    )
    problems = validate_kpis(table)
    assert [(p.sheet, p.cell) for p in problems] == [
        ("KPIs", "A3"),
        ("KPIs", "A4"),
        ("KPIs", "B5"),
        ("KPIs", "D6"),
        ("KPIs", "D7"),
        ("KPIs", "C8"),
        ("KPIs", "E9"),
        ("KPIs", "C10"),
        ("KPIs", "E10"),
        ("KPIs", "D11"),
    ]
    assert [b.english(p) for p in problems] == [
        "KPIs!A3: KPI name is blank — type the KPI's name (the header of its column in "
        "tblActuals) or delete the row",
        'KPIs!A4: KPI "new CUSTOMERS" is given twice (also at A2) — keep one row per KPI',
        'KPIs!B5: Weight of KPI "Visits" is negative (-0.1) — give a weight of 0 or more',
        'KPIs!D6: KPI "Calls" has no Target; a KPI cannot be scored without one — type the '
        "Target, the actual that scores 100 %",
        'KPIs!D7: Target of KPI "Demos" is 0; it must be above 0 — type a Target above 0',
        'KPIs!C8: Floor of KPI "Deals" (12) is above its Target (10) — lower the Floor to 10 '
        "or less, or leave it blank",
        'KPIs!E9: Challenge of KPI "Leads" (9) is below its Target (10) — raise the Challenge '
        "to 10 or more, or leave it blank",
        'KPIs!C10: Floor of KPI "Quotes" is negative (-1) — give a Floor of 0 or more, or '
        "leave it blank",
        'KPIs!E10: Challenge of KPI "Quotes" is negative (-2) — give a Challenge of 0 or more, '
        "or leave it blank",
        'KPIs!D11: Target of KPI "Orders" is -3; it must be above 0 — type a Target above 0',
    ]
    assert b.words(problems[5], "zh-CN") == (
        "KPIs!C8: KPI“Deals”的 Floor（12）高于其 Target（10） — 请将 Floor 降到 10 或以下，或留空"
    )
    assert b.words(problems[1], "zh-CN") == (
        "KPIs!A4: KPI“new CUSTOMERS”重复出现（另见 A2） — 每个 KPI 只保留一行"
    )


def test_validate_kpis_names_the_first_weight_cell_when_no_weight_is_above_zero():
    table = kpis((NEW, 0, 8, 10, 12, None), (RETENTION, 0, np.nan, 0.9, 0.95, "%"))
    assert [b.english(p) for p in validate_kpis(table)] == [
        "KPIs!B2: No KPI has a weight above 0, so there is no score to compute — give the KPIs "
        "weights that share out 1, e.g. 0.6 and 0.4"
    ]


def test_validate_kpis_of_a_good_table_or_none_is_empty():
    assert validate_kpis(STANDARD) == []
    assert validate_kpis(kpis()) == []


def test_validate_kpis_without_addresses_names_the_sheet():
    table = kpis((NEW, 0.6, 12, 10, np.nan, None), addresses=False)
    assert [(p.sheet, p.cell) for p in validate_kpis(table)] == [("KPIs", "")]


def test_scorecard_refuses_a_table_with_problems():
    table = kpis((NEW, 0.6, 8, np.nan, 12, None))
    with pytest.raises(PlanError) as error:
        scorecard(table, measured(), REPS, 4, 13)
    assert [p.cell for p in error.value.problems] == ["D2"]


# --- properties -----------------------------------------------------------------------------

WEEKLY = st.lists(st.integers(0, 20), min_size=1, max_size=13)


@settings(max_examples=200, deadline=None)
@given(
    base=WEEKLY,
    more=WEEKLY,
    retention=st.floats(0, 1),
    week=st.integers(0, 13),
)
def test_score_never_falls_when_count_actuals_rise(base, more, retention, week):
    # R002 has every weekly count of R001 plus something (0 or more), the same retention
    rows = [("R001", w, NEW, v) for w, v in enumerate(base, 1)]
    rows += [
        ("R002", w, NEW, v + more[w - 1] if w <= len(more) else v) for w, v in enumerate(base, 1)
    ]
    rows += [(r, 1, RETENTION, retention) for r in ("R001", "R002")]
    card = scorecard(STANDARD, measured(*rows), ["R001", "R002"], week, 13)
    assert score(card, "R002") >= score(card, "R001")


KPI_ROW = st.tuples(
    st.floats(0, 1),  # weight
    st.floats(0.1, 100),  # target
    st.one_of(st.none(), st.floats(1, 3)),  # challenge as a multiple of target, or none
    st.booleans(),  # a rate?
)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(KPI_ROW, min_size=1, max_size=4).filter(lambda rs: any(r[0] > 0 for r in rs)),
    values=st.lists(st.floats(0, 500), min_size=1, max_size=20),
)
def test_score_is_never_above_the_weighted_caps(rows, values):
    table = kpis(
        *[
            (f"K{i}", w, np.nan, t, np.nan if c is None else t * c, "%" if rate else None)
            for i, (w, t, c, rate) in enumerate(rows)
        ]
    )
    frame = measured(
        *[(f"R{j % 3}", j % 13 + 1, f"K{j % len(rows)}", v) for j, v in enumerate(values)]
    )
    card = scorecard(table, frame, ["R0", "R1", "R2", "R3"], 13, 13)
    measured_kpis = {f"K{j % len(rows)}" for j in range(len(values))}
    weights = {f"K{i}": r[0] for i, r in enumerate(rows) if f"K{i}" in measured_kpis}
    total = sum(weights.values())
    caps = {f"K{i}": 1.0 if c is None else (t * c) / t for i, (_, t, c, _) in enumerate(rows)}
    most = sum(w / total * caps[k] for k, w in weights.items()) if total > 0 else np.nan
    scores = card.scores["score"].to_numpy()
    if total > 0:
        assert (scores >= 0).all() and (scores <= most + 1e-12).all()
    else:
        assert np.isnan(scores).all()
