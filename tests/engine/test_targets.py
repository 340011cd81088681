"""Team target, baselines, tiers and capacity (SPEC §2), computed by hand."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from engine import PlanError, decompose, split
from engine.money import to_cents
from engine.targets import capacity_split, capacity_target, target_from_baseline
from tests import builders as b
from xl_addin.messages import problems_text


def weekly_history(amounts_by_week: dict[int, float], rep="R001", region="North", product="P1"):
    """History rows: week -1 is the week before PeriodStart."""
    rows = [
        (pd.Timestamp(b.START) + pd.Timedelta(weeks=w), a, region, product, "", rep)
        for w, a in amounts_by_week.items()
    ]
    h = pd.DataFrame(
        rows, columns=["period", "amount", "region", "product", "customer_type", "rep_id"]
    )
    h["amount_cents"] = to_cents(h["amount"])
    return h


def test_spec_example_growth_25_buffer_4_gives_2_4_million():
    # B = 2,000,000 over the 13 weeks before PeriodStart; T = 2,000,000 × 1.25 × 0.96 = 2,400,000
    # 12 weeks of 153,846.15 and one of 153,846.20 add up to exactly 2,000,000.00
    h = weekly_history({-w: 153_846.15 if w > 1 else 153_846.20 for w in range(1, 14)})
    d = decompose(b.plan(b.reps(1), hist=h, MarketGrowth="0.25", Buffer="0.04"))
    assert d.team["baseline"] == Decimal("2000000")
    assert d.team["target"] == 2_400_000


def test_floor_and_challenge_are_the_sums_of_the_reps_tiers():
    h = weekly_history({-w: 100_000 for w in range(1, 14)})
    d = decompose(b.plan(b.reps(1), hist=h, Buffer="0"))
    # T = 1,300,000; floor 0.9 → 1,170,000; challenge 1.15 → 1,495,000
    assert (d.team["floor"], d.team["target"], d.team["challenge"]) == (
        1_170_000,
        1_300_000,
        1_495_000,
    )


def test_baseline_last_period_ignores_older_history_and_rows_inside_the_period():
    h = weekly_history({-14: 999_999, -13: 10_000, -1: 20_000, 0: 777_777})
    d = decompose(b.plan(b.reps(1), hist=h, Buffer="0", RoundTo=1))
    assert d.team["baseline"] == Decimal("30000")


def test_baseline_trailing_mean_is_the_mean_of_three_periods():
    # periods: weeks -39..-27 = 30,000; -26..-14 = 60,000; -13..-1 = 90,000 → mean 60,000
    h = weekly_history({-39: 30_000, -26: 60_000, -13: 90_000})
    d = decompose(b.plan(b.reps(1), hist=h, Buffer="0", RoundTo=1, Baseline="trailing_mean"))
    assert d.team["baseline"] == Decimal("60000")


def test_baseline_same_period_last_year_is_those_weeks_without_a_hidden_trend():
    # same weeks last year (-52..-40): 50,000; the recent trend (120,000 over 100,000) is not
    # applied unless Trend says so: B = T = 50,000
    h = weekly_history({-65: 100_000, -52: 50_000, -13: 120_000})
    d = decompose(
        b.plan(b.reps(1), hist=h, Buffer="0", RoundTo=1, Baseline="same_period_last_year")
    )
    assert d.team["baseline"] == Decimal("50000")
    assert d.team["target"] == 50_000
    assert d.team["derivation"].baseline.trend is None


def test_trend_trailing_is_its_own_factor_on_any_baseline():
    # last period (-13..-1) 120,000 ÷ the same weeks a year earlier (-65..-53) 100,000 = 1.2
    h = weekly_history({-65: 100_000, -52: 50_000, -13: 120_000})
    same = b.plan(
        b.reps(1), hist=h, Buffer="0", RoundTo=1, Baseline="same_period_last_year", Trend="trailing"
    )
    d = decompose(same)
    assert d.team["baseline"] == Decimal("50000")  # B itself stays the same weeks' sum
    assert d.team["derivation"].baseline.trend == Decimal("1.2")
    assert d.team["target"] == 60_000  # 50,000 × 1.2
    last = decompose(b.plan(b.reps(1), hist=h, Buffer="0", RoundTo=1, Trend="trailing"))
    assert last.team["target"] == 144_000  # 120,000 × 1.2


def test_trend_without_a_year_of_older_history_is_a_problem_at_the_setting():
    h = weekly_history({-w: 1_000 for w in range(1, 30)})
    with pytest.raises(PlanError) as err:
        decompose(b.plan(b.reps(1), hist=h, Trend="trailing"))
    assert "Trend trailing needs history from 2024-10-07" in b.english(err.value)


def test_capacity_uses_the_baseline_trend_so_target_and_capacity_share_one_yardstick():
    # a year earlier 5,000 a week, last period 10,000 a week: trend 2; B = 130,000,
    # T = 260,000; capacity = 10,000 × 13 weeks × 2 = 260,000: no gap, no extra rep
    h = weekly_history({**{-w: 10_000 for w in range(1, 14)}, **{-w: 5_000 for w in range(53, 66)}})
    d = decompose(b.plan(b.reps(1), hist=h, Buffer="0", RoundTo=1, Trend="trailing"))
    region = d.regions.iloc[0]
    assert (region["target"], region["capacity"], region["gap"]) == (260_000, 260_000, 0)


def test_share_window_measures_region_shares_over_its_own_weeks():
    # North sold 10,000 a week for 26 weeks; South only in weeks -26..-14 (20,000 a week).
    # Over the baseline's 13 weeks South has no share; over ShareWindow 26 it has
    # 260,000 of 520,000 = 50 % (RegionBlend all history)
    reps = b.reps(2, regions=("North", "South"))
    north = weekly_history({-w: 10_000 for w in range(1, 27)}, rep="R001", region="North")
    south = weekly_history({-w: 20_000 for w in range(14, 27)}, rep="R002", region="South")
    hist = pd.concat([north, south], ignore_index=True)
    regions = pd.DataFrame(
        {"region": ["North", "South"], "potential": np.nan, "weight": np.nan,
         "manager": None, "manager_email": None}
    )  # fmt: skip
    plan = b.plan(
        reps, hist=hist, regions=regions, TeamTarget=1_000_000, RegionBlend=(1, 0, 0),
        ShareWindow=26,
    )  # fmt: skip
    d = decompose(plan)
    assert d.regions.set_index("region")["target"].to_dict() == {"North": 500_000, "South": 500_000}
    assert d.team["share_window"] == (-26, -1)


def test_share_window_longer_than_the_history_is_a_problem():
    h = weekly_history({-w: 1_000 for w in range(1, 14)})
    with pytest.raises(PlanError) as err:
        decompose(b.plan(b.reps(1), hist=h, ShareWindow=52))
    assert "ShareWindow 52 needs history from 2025-01-06, but tblHistory starts 2025-10-06" in (
        b.english(err.value)
    )
    assert "ShareWindow 52 需要 2025-01-06 起的历史数据，但 tblHistory 从 2025-10-06 才开始" in (
        problems_text(err.value.problems, "zh-CN")
    )


def test_baseline_that_needs_older_history_is_a_problem():
    h = weekly_history({-13: 1000, -1: 1000})
    with pytest.raises(PlanError) as err:
        decompose(b.plan(b.reps(1), hist=h, Baseline="trailing_mean"))
    assert "needs history from 2025-04-07" in b.english(err.value)


def test_explicit_team_target_not_a_multiple_of_round_to_leaves_a_reported_remainder():
    d = decompose(b.plan(b.reps(2), TeamTarget=1_000_500))
    assert d.team["unallocated"] == 500
    assert d.targets["target"].sum() == 1_000_000
    assert "TeamTarget 1,000,500 is not a multiple of RoundTo 1,000: 500 left unallocated" in [
        b.english(n) for n in d.notes
    ]
    assert "TeamTarget 1,000,500 不是 RoundTo 1,000 的整数倍：500 未分配" in [
        b.words(n, "zh-CN") for n in d.notes
    ]


def test_capacity_gap_and_extra_headcount_per_region():
    # one rep sold 10,000 a week; the team target asks 2 × that: gap 130,000 = one more rep
    h = weekly_history({-w: 10_000 for w in range(1, 14)})
    d = decompose(b.plan(b.reps(1), hist=h, Buffer="0", MarketGrowth="1", RoundTo=1))
    region = d.regions.iloc[0]
    assert (region["target"], region["capacity"], region["gap"], region["extra_headcount"]) == (
        260_000,
        130_000,
        130_000,
        1,
    )


def test_new_rep_capacity_counts_at_new_rep_pct_of_the_region_pace():
    reps = b.reps(2, level=["standard", "new"])
    h = weekly_history({-w: 10_000 for w in range(1, 14)})
    d = decompose(b.plan(reps, hist=h, Buffer="0", RoundTo=1))
    # the new rep has no history: region pace 10,000/week × 13 weeks × 0.55 = 71,500
    assert d.regions.iloc[0]["capacity"] == 130_000 + 71_500


# --- the scalar entry points behind TEAM_TARGET and CAPACITY_TARGET (SPEC §9) ----------------


def test_target_from_baseline_is_exact_in_decimal():
    # 2,000,000 × 1.25 × 0.96 = 2,400,000 exactly; 1,000,000.01 × 1.08 × 0.95 = 1,026,000.010260
    assert target_from_baseline(Decimal("2000000"), Decimal("0.25"), Decimal("0.04")) == Decimal(
        "2400000"
    )
    assert target_from_baseline(Decimal("1000000.01"), Decimal("0.08"), Decimal("0.05")) == Decimal(
        "1026000.010260"
    )


def test_capacity_target_seed_is_team_over_headcount_times_capability_and_resource():
    # 1,400 / 8 × 1.2 × 1.1 = 175 × 1.32 = 231 (as binary floats: 231.00000000000003)
    assert capacity_target(Decimal(1400), Decimal(8), Decimal("1.2"), Decimal("1.1")) == 231
    assert 1400 / 8 * 1.2 * 1.1 != 231


def test_capacity_split_scales_the_seeds_to_sum_exactly_to_the_total():
    # weights 1.2 × 1.1 = 1.32, 1, 0.8 × 0.9 = 0.72, 1 (sum 4.04); 1,400 × w / 4.04 =
    # 457.43, 346.53, 249.50, 346.53 → 457 + 346 + 249 + 346 = 1,398; 2 more to rows 2 and 4
    units = capacity_split(1400, [1.2, 1.0, 0.8, 1.0], [1.1, 1.0, 0.9, 1.0])
    assert units.tolist() == [457, 347, 249, 347]
    assert units.sum() == 1400


def test_capacity_split_weighs_effort_and_keeps_held_reps():
    # rep 3 is held at 500; 1,000 left over effort × capability × resource = 1 × 1 × 1 and
    # 0.5 × 2 × 1 = 1 → 500 each
    units = capacity_split(
        1500, [1.0, 2.0, 1.0], [1.0, 1.0, 1.0], effort=[1.0, 0.5, 1.0], held=[np.nan, np.nan, 500]
    )
    assert units.tolist() == [500, 500, 500]


def test_reps_in_a_region_are_split_by_capacity_split():
    # capabilities and territories given, so the weights are 1.2 × 1.1, 1 × 1, 0.8 × 0.9, 1 × 1
    reps = b.reps(
        4, capability=[1.2, 1.0, 0.8, 1.0], territory=["core", "standard", "suburb", "standard"]
    )
    plan = b.plan(reps, Buffer="0", RoundTo=1)
    t = decompose(plan).targets
    effort = split.effort(plan).sum(axis=1)
    expected = capacity_split(
        int(t["target"].sum()), [1.2, 1.0, 0.8, 1.0], [1.1, 1.0, 0.9, 1.0], effort
    )
    assert t["target"].tolist() == expected.tolist()
    assert t["target"].sum() == decompose(plan).team["target"]
