"""Gross-profit targets (SPEC §17, engine/margin.py), computed by hand."""

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from engine import PlanError, decompose
from engine.margin import below_floor, row_gross_profit
from engine.progress import progress
from engine.reconcile import reconcile_gross_profit
from engine.tracking import track
from tests import builders as b

RATES = pd.DataFrame({"tier": ["floor", "target", "challenge"], "rate": [0.01, 0.015, 0.02]})


def organisation(margins=(0.35, 0.1234525, 0.2), **settings):
    """Three reps, two regions, three products, the breakdown forced by coverage:

    TeamTarget 1,000,000; regions North 60 % / South 40 % → 600,000 / 400,000; North's two
    reps alike (Capability 1) → R001 300,000, R002 300,000; R003 (South) 400,000.
    Products by Weight A 30 %, B 20 %, C 50 % → 300,000 / 200,000 / 500,000.
    Coverage R001: A; R002: B, C; R003: C → the only table with both margins:
      R001 × A = 300,000; R002 × B = 200,000; R002 × C = 100,000; R003 × C = 400,000.
    """
    reps = b.reps(3, regions=("North", "North", "South"), capability=1.0)
    regions = pd.DataFrame(
        {
            "region": ["North", "South"],
            "potential": np.nan,
            "weight": [0.6, 0.4],
            "manager": None,
            "manager_email": None,
        }
    )
    products = pd.DataFrame(
        [
            ("A", "mature", 0.3, margins[0]),
            ("B", "mature", 0.2, margins[1]),
            ("C", "mature", 0.5, margins[2]),
        ],
        columns=["product", "stage", "weight", "margin"],
    )
    plan = b.plan(reps, products=products, regions=regions, TeamTarget=1_000_000, **settings)
    coverage = pd.DataFrame({"rep_id": ["R001", "R002", "R002", "R003"], "product": list("ABCC")})
    return replace(plan, coverage=coverage)


def test_gross_profit_is_target_times_margin_per_row_and_sums_at_every_level():
    d = decompose(organisation())
    rows = d.breakdown.set_index(["rep_id", "product"])["gross_profit"].to_dict()
    # R001 × A: 300,000 × 0.35      = 105,000
    # R002 × B: 200,000 × 0.1234525 =  24,690.5 → 24,691 (half up; Python's round() and a
    #           binary float give 24,690)
    # R002 × C: 100,000 × 0.2       =  20,000
    # R003 × C: 400,000 × 0.2       =  80,000
    assert rows == {
        ("R001", "A"): 105_000,
        ("R002", "B"): 24_691,
        ("R002", "C"): 20_000,
        ("R003", "C"): 80_000,
    }
    reps = d.targets.set_index("rep_id")
    # reps: R001 105,000; R002 24,691 + 20,000 = 44,691; R003 80,000
    assert reps["gross_profit"].to_dict() == {"R001": 105_000, "R002": 44_691, "R003": 80_000}
    # mix margin: 105,000 / 300,000 = 35 %; 44,691 / 300,000 = 14.897 %; 80,000 / 400,000 = 20 %
    assert reps["margin_rate"].to_numpy() == pytest.approx([0.35, 0.14897, 0.2])
    # regions: North 105,000 + 44,691 = 149,691; South 80,000
    regions = d.regions.set_index("region")["gross_profit"].to_dict()
    assert regions == {"North": 149_691, "South": 80_000}
    # products: A 105,000; B 24,691; C 20,000 + 80,000 = 100,000
    products = d.products.set_index("product")["gross_profit"].to_dict()
    assert products == {"A": 105_000, "B": 24_691, "C": 100_000}
    # team: 149,691 + 80,000 = 229,691 (= 105,000 + 24,691 + 100,000)
    assert d.team["gross_profit"] == 229_691
    assert d.customer_types["gross_profit"].sum() == 229_691


def test_reconciliation_lists_the_gross_profit_identities_each_holding():
    d = decompose(organisation())
    checks = d.reconciliation.assign(key=d.reconciliation["check"].map(lambda m: m.key))
    gp = checks[checks["key"].str.startswith("check_gp_")]
    # 3 team identities, 2 regions, 3 products, 1 row for all reps
    assert gp["key"].value_counts().to_dict() == {
        "check_gp_team_regions": 1,
        "check_gp_team_products": 1,
        "check_gp_team_customer_types": 1,
        "check_gp_region": 2,
        "check_gp_product": 3,
        "check_gp_rep_breakdown": 1,
    }
    assert (gp["difference"] == 0).all()
    team = gp[gp["key"] == "check_gp_team_regions"].iloc[0]
    assert (team["expected"], team["actual"]) == (229_691, 229_691)


def test_the_gross_profit_checker_catches_a_broken_sum():
    d = decompose(organisation())
    regions = d.regions.copy()
    regions.loc[regions["region"] == "North", "gross_profit"] += 1  # 149,692: one yuan too many
    breakdown = d.breakdown.copy()
    breakdown.loc[0, "gross_profit"] -= 7  # R001 × A: 104,993 instead of 105,000
    checks = reconcile_gross_profit(
        d.team, regions, d.products, d.customer_types, d.targets, breakdown
    )
    by = {(c.key, s): diff for c, s, diff in checks[["check", "scope", "difference"]].to_numpy()}
    # team 229,691 against regions 149,692 + 80,000 = 229,692
    team = checks[checks["check"].map(lambda m: m.key) == "check_gp_team_regions"].iloc[0]
    assert (team["expected"], team["actual"], team["difference"]) == (229_691, 229_692, 1)
    # North 149,692 against its reps 105,000 + 44,691 = 149,691
    assert by[("check_gp_region", "North")] == -1
    assert by[("check_gp_region", "South")] == 0
    # product A 105,000 against its breakdown 104,993
    assert by[("check_gp_product", "A")] == -7
    # R001 105,000 against its breakdown 104,993: the worst rep's difference, 7
    rep_row = checks[checks["check"].map(lambda m: m.key) == "check_gp_rep_breakdown"].iloc[0]
    assert rep_row["difference"] == 7
    assert dict(rep_row["scope"].fields)["worst"] == "R001"


def test_rounding_is_half_up_in_exact_integers():
    # 1 × 0.5 = 0.5 → 1; 3 × 0.5 = 1.5 → 2; 5 × 0.5 = 2.5 → 3 (banker's rounding gives 2);
    # 100 × 0.285 = 28.5 → 29 (as binary floats 28.499999999999996, which rounds to 28);
    # 999,999,999,999 × 0.123456789 = 123,456,789,000 − 0.123456789 → 123,456,789,000;
    # 999,999,999,999 × 0.0000005 = 499,999.9999995 → 500,000
    got = row_gross_profit(
        [1, 3, 5, 100, 999_999_999_999, 999_999_999_999],
        [Decimal("0.5")] * 3 + [Decimal("0.285"), Decimal("0.123456789"), Decimal("0.0000005")],
    )
    assert got.tolist() == [1, 2, 3, 29, 123_456_789_000, 500_000]


def test_margin_floor_flags_reps_below_it_exactly():
    # MarginFloor 15 %: R002's mix 44,691 / 300,000 = 14.897 % is below; R003 at 20 % is not
    d = decompose(organisation(MarginFloor="0.15"))
    flags = d.targets.set_index("rep_id")["below_margin_floor"].to_dict()
    assert flags == {"R001": False, "R002": True, "R003": False}
    note = next(n for n in d.notes if getattr(n, "key", "") == "note_margin_floor")
    assert (
        b.english(note)
        == "MarginFloor 15 %: 1 rep whose product mix earns a lower gross margin: R002"
    )
    # exactly at the floor is not below: R003 80,000 / 400,000 = 20 % against 20 %; R002 is
    assert below_floor([80_000, 44_691], [400_000, 300_000], Decimal("0.2")).tolist() == [
        False,
        True,
    ]
    # one yuan under: 79,999 / 400,000 = 19.99975 % < 20 %
    assert below_floor([79_999], [400_000], Decimal("0.2")).tolist() == [True]


def test_margin_floor_in_chinese_lists_the_reps():
    d = decompose(organisation(MarginFloor="0.21", Locale="zh-CN"))
    # below 21 %: R002 (14.897 %) and R003 (20 %); R001 (35 %) not
    note = next(n for n in d.notes if getattr(n, "key", "") == "note_margin_floor")
    assert b.words(note, "zh-CN") == (
        "MarginFloor 21 %：2 名销售的产品组合毛利率低于此值：R002、R003"
    )


def test_a_product_without_margin_among_products_with_one_is_a_problem_at_its_cell():
    plan = organisation(margins=(0.35, np.nan, 0.2))
    plan.products.attrs.update(sheet="Products", columns={"product": "A", "margin": "D"})
    plan.products["_row"] = [2, 3, 4]
    with pytest.raises(PlanError) as raised:
        decompose(plan)
    assert b.english(raised.value) == (
        'Products!D3: product "B" has no Margin, but 2 of the products have one, so the '
        "gross-profit targets would leave it out — type its gross-margin rate (e.g. 35%), "
        "or clear every Margin to plan without gross profit"
    )


def test_without_any_margin_nothing_about_gross_profit_appears():
    plain = organisation(margins=(np.nan, np.nan, np.nan))
    d = decompose(plain)
    assert "gross_profit" not in d.team
    for frame in (d.targets, d.breakdown, d.regions, d.products, d.customer_types):
        assert not {"gross_profit", "margin_rate", "margin", "below_margin_floor"} & set(frame)
    assert not d.reconciliation["check"].map(lambda m: m.key.startswith("check_gp_")).any()
    # a MarginFloor with no Margin to compare is said, not ignored
    floored = decompose(organisation(margins=(np.nan, np.nan, np.nan), MarginFloor="0.2"))
    assert [n.key for n in floored.notes if getattr(n, "key", "").startswith("note_margin")] == [
        "note_margin_floor_unused"
    ]


def test_a_recalibration_recomputes_gross_profit_from_the_re_split_breakdown():
    plan = organisation()
    log = pd.DataFrame(
        {
            "timestamp": ["2026-01-05 09:00:00"],
            "rep_id": ["R002"],
            "field": ["Target"],
            "old": [300_000],
            "new": [330_000],
            "reason": ["bigger account"],
            "approver": ["Boss"],
            "version": [2],
            "from_week": [1],
        }
    )
    d = decompose(replace(plan, change_log=log))
    # R002 330,000 re-split over B : C = 200 : 100 → B 220,000, C 110,000
    # B 220,000 × 0.1234525 = 27,159.55 → 27,160; C 110,000 × 0.2 = 22,000 → R002 49,160
    reps = d.targets.set_index("rep_id")["gross_profit"].to_dict()
    assert reps == {"R001": 105_000, "R002": 49_160, "R003": 80_000}
    # team 105,000 + 49,160 + 80,000 = 234,160, and every identity still holds
    assert d.team["gross_profit"] == 234_160
    assert (d.reconciliation["difference"] == 0).all()


def test_gross_profit_is_tracked_against_its_target_phased_like_sales():
    # PeriodWeeks 10, one rhythm phase of 10 weeks: every rep's plan is even over the weeks.
    # GP targets R001 105,000, R002 44,691, R003 80,000 (above), phased like sales:
    #   R001 10,500 a week → to week 4: 42,000
    #   R002 44,691 / 10 = 4,469.1 → largest remainder: week 1 4,470, weeks 2–10 4,469
    #        → to week 4: 4,470 + 3 × 4,469 = 17,877
    #   R003 8,000 a week → 32,000
    rhythm = pd.DataFrame({"phase": ["all"], "weeks": [10], "share": [1.0]})
    plan = replace(organisation(PeriodWeeks=10), rhythm=rhythm)
    actuals = pd.DataFrame(
        {
            "rep_id": ["R001"] * 5 + ["R002", "R003"],
            "week": [1, 2, 3, 4, 5, 2, 4],
            "amount_cents": [3_000_000] * 5 + [5_000_000, 9_000_000],
            # R001 10,000.00 a week (week 5 is after the tracked week); R002 20,000.50 in
            # week 2; R003 left GrossProfit blank
            "gross_profit_cents": pd.array([1_000_000] * 5 + [2_000_050, None], dtype="Int64"),
        }
    )
    plan = replace(plan, actuals=actuals)
    t = track(plan, decompose(plan), week=4).set_index("rep_id")
    assert t["gp_to_date"].to_dict() == {"R001": 4_000_000, "R002": 2_000_050, "R003": 0}
    assert t["gp_plan_to_date"].to_dict() == {
        "R001": 4_200_000,
        "R002": 1_787_700,
        "R003": 3_200_000,
    }
    # pace: 40,000 / 42,000 = 0.952381; 20,000.50 / 17,877 = 1.118784; 0 / 32,000 = 0
    assert t["gp_pace"].to_numpy() == pytest.approx([0.952381, 1.118784, 0.0], abs=1e-6)


def test_gross_profit_actuals_without_margins_are_said_not_tracked():
    plan = organisation(margins=(np.nan, np.nan, np.nan))
    actuals = pd.DataFrame(
        {
            "rep_id": ["R001"],
            "week": [1],
            "amount_cents": [3_000_000],
            "gross_profit_cents": pd.array([1_000_000], dtype="Int64"),
        }
    )
    plan = replace(plan, actuals=actuals, commission=RATES)
    got = progress(plan, week=1)
    assert "gp_to_date" not in got.tracking
    assert [n.key for n in got.notes] == ["note_gross_profit_no_margin"]


def test_rounding_is_the_same_in_int64_and_in_python_integers():
    """Row by row, the vectorised rule equals Decimal's half-up rounding of target × margin,
    for targets small enough for int64 and for those only Python integers hold (one call
    each), and right at the bound where it changes from one to the other."""
    from decimal import ROUND_HALF_UP

    rng = np.random.default_rng(7)
    margins = [Decimal(m) for m in ("0.35", "0.285", "0.5", "0.123456789", "0", "1", "0.07")]
    for high in (10**6, 10**9, 10**15):
        targets = rng.integers(0, high, 5_000).tolist() + [0, high - 1]
        chosen = [margins[i % len(margins)] for i in range(len(targets))]
        expected = [
            int((Decimal(t) * m).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            for t, m in zip(targets, chosen, strict=True)
        ]
        assert row_gross_profit(targets, chosen).tolist() == expected
    # 2·t·p + q just below and at 2**62 for 0.123456789 (p = 123,456,789, q = 10**9), and
    # where int64 would overflow (2**63)
    p, q = 123_456_789, 10**9
    t, t63 = (2**62 - q) // (2 * p), (2**63 - 1 - q) // (2 * p)
    for target in (t - 1, t, t + 1, t63, t63 + 1):
        want = int((Decimal(target) * Decimal("0.123456789")).quantize(1, rounding=ROUND_HALF_UP))
        assert row_gross_profit([target], [Decimal("0.123456789")]).tolist() == [want]
