"""Forecast to period end and the earnings it implies (SPEC §6, §17), hand-computed.

Amounts are integer cents. The six reps of `six_reps` each plan 100,000.00 a week over 10 weeks
(target 1,000,000, floor 900,000, challenge 1,150,000) and are tracked at week 8: plan to date
800,000.00, remaining plan 200,000.00, so projected = to date + round(to date × 1/4).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from engine.forecast import PACE, PLAN, forecast, levels, project

WEEK = 10_000_000  # 100,000.00 yuan a week, in cents
TERMS = {
    "rates": {"floor": Decimal("0.01"), "target": Decimal("0.015"), "challenge": Decimal("0.02")},
    "mode": "retroactive",
    "cap_cents": None,
    "pool_threshold": Decimal("1"),
    "pool_rate": Decimal("0.05"),
}
# to date at week 8 → projected = to date + round(to date / 4), half up:
#   A 80,000,000 + 20,000,000             = 100,000,000   exactly on target
#   B 79,999,999 + round(19,999,999.75)   =  99,999,999   one cent below target (floor)
#   C 92,000,000 + 23,000,000             = 115,000,000   exactly on challenge
#   D 91,999,999 + round(22,999,999.75)   = 114,999,999   one cent below challenge (target)
#   E 72,000,000 + 18,000,000             =  90,000,000   exactly on floor
#   F 71,999,999 + round(17,999,999.75)   =  89,999,999   one cent below floor (no tier)
TO_DATE = [80_000_000, 79_999_999, 92_000_000, 91_999_999, 72_000_000, 71_999_999]
PROJECTED = [100_000_000, 99_999_999, 115_000_000, 114_999_999, 90_000_000, 89_999_999]
TIERS = ["target", "floor", "challenge", "target", "floor", ""]


def six_reps(**terms):
    targets = pd.DataFrame(
        {
            "rep_id": list("ABCDEF"),
            "region": ["North"] * 3 + ["South"] * 3,
            "floor": 900_000,
            "target": 1_000_000,
            "challenge": 1_150_000,
        }
    )
    regions = pd.DataFrame(
        {
            "region": ["North", "South"],
            "floor": 2_700_000,
            "target": 3_000_000,
            "challenge": 3_450_000,
        }
    )
    team = {"floor": 5_400_000, "target": 6_000_000, "challenge": 6_900_000}
    weekly = np.full((6, 10), WEEK, dtype=np.int64)
    return forecast(
        targets,
        weekly,
        np.array(TO_DATE),
        8,
        np.ones(6, dtype=bool),
        regions,
        team,
        {**TERMS, **terms},
    )


def test_projected_sales_exactly_on_each_tier_and_one_cent_below():
    f = six_reps()
    assert f.reps["projected"].tolist() == PROJECTED
    assert f.reps["tier"].tolist() == TIERS
    assert (f.reps["basis"] == PACE).all()
    # gaps: 0 once reached, else the cents still missing
    assert f.reps["gap_to_floor"].tolist() == [0, 0, 0, 0, 0, 1]
    assert f.reps["gap_to_target"].tolist() == [0, 1, 0, 0, 10_000_000, 10_000_001]
    assert f.reps["gap_to_challenge"].tolist() == [
        15_000_000, 15_000_001, 0, 1, 25_000_000, 25_000_001,
    ]  # fmt: skip


def test_retroactive_commission_at_projected_sales():
    # all sales at the rate of the tier reached, rounded to the cent once, half up:
    # A 1,000,000.00 × 1.5 % = 15,000.00;  B 999,999.99 × 1 % = 9,999.9999 → 10,000.00
    # C 1,150,000.00 × 2 % = 23,000.00;    D 1,149,999.99 × 1.5 % = 17,249.99985 → 17,250.00
    # E 900,000.00 × 1 % = 9,000.00;       F below floor: 0
    f = six_reps()
    assert f.reps["commission"].tolist() == [
        1_500_000, 1_000_000, 2_300_000, 1_725_000, 900_000, 0,
    ]  # fmt: skip


def test_marginal_commission_at_projected_sales():
    # up to target at 1 %, target to challenge at 1.5 %, above challenge at 2 %:
    # A 1,000,000 × 1 % = 10,000.00;  B 999,999.99 × 1 % = 9,999.9999 → 10,000.00
    # C 10,000 + 150,000 × 1.5 % = 12,250.00;  D 10,000 + 149,999.99 × 1.5 % = 12,249.99985
    # → 12,250.00;  E 9,000.00;  F 0
    f = six_reps(mode="marginal")
    assert f.reps["commission"].tolist() == [
        1_000_000, 1_000_000, 1_225_000, 1_225_000, 900_000, 0,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # cap 12,000.00: A 15,000 → 12,000; C 23,000 → 12,000; D 17,250 → 12,000
        ("retroactive", [1_200_000, 1_000_000, 1_200_000, 1_200_000, 900_000, 0]),
        # C and D 12,250 → 12,000
        ("marginal", [1_000_000, 1_000_000, 1_200_000, 1_200_000, 900_000, 0]),
    ],
)
def test_the_cap_holds_at_projected_sales(mode, expected):
    assert six_reps(mode=mode, cap_cents=1_200_000).reps["commission"].tolist() == expected


def test_the_pool_at_projected_team_sales():
    # PoolRate 5 % × Σ max(0, projected − 1.0 × target): C 15,000,000 + D 14,999,999 =
    # 29,999,999 cents × 5 % = 1,499,999.95 → 1,500,000 cents.
    # Shared by projected sales (Σ 609,999,997): 1,500,000 × sales ÷ 609,999,997 =
    # A 245,901.64, B 245,901.64, C 282,786.89, D 282,786.88, E 221,311.48, F 221,311.47;
    # floors sum to 1,499,996, the 4 largest remainders (C, D, A, B) get a cent each.
    f = six_reps()
    assert f.pool_cents == 1_500_000
    assert f.reps["pool_share"].tolist() == [
        245_902, 245_902, 282_787, 282_787, 221_311, 221_311,
    ]  # fmt: skip


def test_regions_and_team_are_the_sums_of_their_reps_against_their_own_tiers():
    f = six_reps()
    s = f.scopes
    assert s["scope"].tolist() == [None, "North", "South"]
    # North A+B+C = 314,999,999 ≥ target 300,000,000; South D+E+F = 294,999,998 ≥ floor
    # 270,000,000, 5,000,002 short of target; team 609,999,997 ≥ 600,000,000
    assert s["projected"].tolist() == [609_999_997, 314_999_999, 294_999_998]
    assert s["tier"].tolist() == ["target", "target", "floor"]
    assert s["gap_to_target"].tolist() == [0, 0, 5_000_002]
    assert s["gap_to_challenge"].tolist() == [80_000_003, 30_000_001, 50_000_002]
    assert s["reps"].tolist() == [6, 3, 3]
    assert s["to_date"].tolist() == [sum(TO_DATE), sum(TO_DATE[:3]), sum(TO_DATE[3:])]


def test_the_path_runs_from_the_tracked_week_to_the_projection():
    f = six_reps()
    # team at week 8: Σ to date 487,999,997. Week 9 adds round(10,000,000 × to date ÷
    # 80,000,000) = round(to date ÷ 8) per rep: A 10,000,000, B 9,999,999.875 → 10,000,000,
    # C 11,500,000, D 11,499,999.875 → 11,500,000, E 9,000,000, F 8,999,999.875 → 9,000,000:
    # 61,000,000 more. Week 10 is the projection.
    assert f.week == 8
    assert f.path.shape == (3, 3)
    assert f.path[0].tolist() == [487_999_997, 548_999_997, 609_999_997]


def test_half_a_cent_rounds_up_once():
    # plan 2 cents in week 1, 1 cent in week 2; to date 1 cent: pace 1/2, remaining 1 cent →
    # 0.5 cent → 1 cent; projected 2 cents
    projected, basis, _ = project(np.array([[2, 1]]), np.array([1]), 1, np.array([True]))
    assert projected.tolist() == [2] and basis.tolist() == [PACE]


def test_a_rep_without_actuals_projects_the_plan():
    # plan 300, 100, 100, 100 cents; tracked week 2: no actuals counted → the whole plan, 600
    weekly = np.array([[300, 100, 100, 100], [300, 100, 100, 100]])
    projected, basis, path = project(weekly, np.array([0, 0]), 2, np.array([False, True]))
    # the second rep reported 0: pace 0 → 0 + 200 × 0 = 0
    assert projected.tolist() == [600, 0]
    assert basis.tolist() == [PLAN, PACE]
    assert path[0].tolist() == [400, 500, 600]  # from plan to date 400 at week 2


def test_a_rep_whose_plan_to_date_is_zero_projects_the_plan_plus_any_sales():
    # plan 0, 0, 500, 500 cents (joins in week 3), tracked week 2: plan to date 0
    weekly = np.array([[0, 0, 500, 500], [0, 0, 500, 500], [0, 0, 500, 500]])
    projected, basis, _ = project(weekly, np.array([0, 0, 200]), 2, np.array([False, True, True]))
    # nothing sold: the plan, 1,000; 200 sold before the plan began: 200 + 1,000 × 1
    assert projected.tolist() == [1_000, 1_000, 1_200]
    assert basis.tolist() == [PLAN, PLAN, PLAN]


def test_at_week_zero_every_rep_projects_the_plan_and_at_the_end_what_was_sold():
    weekly = np.array([[300, 100]])
    assert project(weekly, np.array([0]), 0, np.array([False]))[0].tolist() == [400]
    assert project(weekly, np.array([123]), 2, np.array([True]))[0].tolist() == [123]


def test_huge_amounts_stay_exact():
    # 9 × 10^15 cents to date against 3 × 10^15 planned: pace 3, remaining 10^15 → 3 × 10^15
    # (the products pass 2^63: computed in Python integers)
    weekly = np.array([[3 * 10**15, 10**15]], dtype=np.int64)
    projected, _, _ = project(weekly, np.array([9 * 10**15]), 1, np.array([True]))
    assert projected.tolist() == [12 * 10**15]


def test_levels_compare_exactly():
    got = levels(
        np.array([99, 100]), np.array([100, 100]), np.array([200, 200]), np.array([300, 300])
    )
    assert got["tier"].tolist() == ["", "floor"]
    assert got["gap_to_floor"].tolist() == [1, 0]
