"""Commission, statement and team pool (SPEC §5): hand-computed, exact to the cent."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.commission import (
    POOL_RULE,
    commission,
    rates_from_table,
    statement,
    team_pool,
    tier_commission,
    tier_reached,
    validate_rates,
)
from engine.money import to_cents
from tests import builders as b

# SPEC §5 example: rates 1 % / 1.5 % / 2 %; floor 900,000, target 1,000,000, challenge 1,150,000
RATES = {"floor": Decimal("0.01"), "target": Decimal("0.015"), "challenge": Decimal("0.02")}
TIERS = {"floor": 900_000, "target": 1_000_000, "challenge": 1_150_000}


def reps(n: int = 1, **tiers) -> pd.DataFrame:
    """n reps R0.. with the same floor/target/challenge in whole yuan (the SPEC's by default)."""
    amounts = {**TIERS, **tiers}
    return pd.DataFrame(
        {"rep_id": [f"R{i}" for i in range(n)], **{k: [v] * n for k, v in amounts.items()}}
    )


def sold(*cents: int) -> pd.Series:
    return pd.Series(list(cents), index=[f"R{i}" for i in range(len(cents))], dtype=np.int64)


def one(mode: str, sales_cents: int, cap_cents: int | None = None, **tiers) -> pd.Series:
    return commission(reps(**tiers), sold(sales_cents), RATES, mode, cap_cents).iloc[0]


# --- the SPEC's example ---------------------------------------------------------------


def test_retroactive_pays_all_sales_at_the_rate_of_the_tier_reached():
    # 1,200,000 >= challenge 1,150,000 -> 2 % of all of it: 1,200,000 × 0.02 = 24,000.00
    row = one("retroactive", 120_000_000)
    assert (row["tier"], row["rate"], row["commission"]) == (
        "challenge",
        Decimal("0.02"),
        2_400_000,
    )


def test_marginal_pays_each_band_at_its_own_rate():
    # up to target: 1,000,000 × 1 % = 10,000; target->challenge: 150,000 × 1.5 % = 2,250;
    # above challenge: 50,000 × 2 % = 1,000; total 13,250.00 (the SPEC's arithmetic holds)
    row = one("marginal", 120_000_000)
    assert (row["tier"], row["commission"]) == ("challenge", 1_325_000)
    bands = statement(reps(), sold(120_000_000), RATES, "marginal")
    assert bands["tier"].tolist() == ["floor", "target", "challenge"]
    assert bands["from"].tolist() == [0, 100_000_000, 115_000_000]
    assert bands["to"].tolist() == [100_000_000, 115_000_000, 120_000_000]
    assert bands["sales"].tolist() == [100_000_000, 15_000_000, 5_000_000]
    assert bands["rate"].tolist() == [Decimal("0.01"), Decimal("0.015"), Decimal("0.02")]
    assert bands["amount"].tolist() == [1_000_000, 225_000, 100_000]


def test_retroactive_statement_is_one_band_at_the_rate_reached():
    bands = statement(reps(), sold(120_000_000), RATES, "retroactive")
    assert bands[["tier", "from", "to", "sales", "amount"]].values.tolist() == [
        ["challenge", 0, 120_000_000, 120_000_000, 2_400_000]
    ]


# --- exactly on every threshold and one cent below ---------------------------------------

RETROACTIVE_EDGES = [
    # sales (cents), tier, commission (cents)
    (90_000_000, "floor", 900_000),  # 900,000.00 × 1 % = 9,000.00
    (89_999_999, "", 0),  # 899,999.99: below floor, rate 0
    (100_000_000, "target", 1_500_000),  # 1,000,000.00 × 1.5 % = 15,000.00
    (99_999_999, "floor", 1_000_000),  # 999,999.99 × 1 % = 9,999.9999 -> 10,000.00
    (115_000_000, "challenge", 2_300_000),  # 1,150,000.00 × 2 % = 23,000.00
    (114_999_999, "target", 1_725_000),  # 1,149,999.99 × 1.5 % = 17,249.99985 -> 17,250.00
]

MARGINAL_EDGES = [
    (90_000_000, "floor", 900_000),  # 900,000.00 × 1 % = 9,000.00
    (89_999_999, "", 0),  # below floor: nothing at all
    (100_000_000, "target", 1_000_000),  # 1,000,000 × 1 % = 10,000.00; nothing in the target band
    (99_999_999, "floor", 1_000_000),  # 999,999.99 × 1 % = 9,999.9999 -> 10,000.00
    (115_000_000, "challenge", 1_225_000),  # 10,000 + 150,000 × 1.5 % = 12,250.00
    (114_999_999, "target", 1_225_000),  # 10,000 + 149,999.99 × 1.5 % = 12,249.99985 -> 12,250.00
]


@pytest.mark.parametrize(("sales", "tier", "expected"), RETROACTIVE_EDGES)
def test_retroactive_tier_is_reached_at_its_amount_and_not_one_cent_below(sales, tier, expected):
    row = one("retroactive", sales)
    assert (row["tier"], row["commission"]) == (tier, expected)


@pytest.mark.parametrize(("sales", "tier", "expected"), MARGINAL_EDGES)
def test_marginal_tier_is_reached_at_its_amount_and_not_one_cent_below(sales, tier, expected):
    row = one("marginal", sales)
    assert (row["tier"], row["commission"]) == (tier, expected)


def test_tier_reached_compares_cents_exactly():
    sales = [89_999_999, 90_000_000, 99_999_999, 100_000_000, 114_999_999, 115_000_000, 0]
    assert tier_reached(sales, 90_000_000, 100_000_000, 115_000_000).tolist() == [
        "",
        "floor",
        "floor",
        "target",
        "target",
        "challenge",
        "",
    ]


def test_thirteen_weekly_amounts_summed_in_cents_reach_the_target_tier():
    # four × 107,692.01 + nine × 107,692.44 = 430,768.04 + 969,231.96 = 1,400,000.00 exactly;
    # as binary floats the same sum is 1,399,999.9999999995 and would miss the tier
    weeks = [107_692.01] * 4 + [107_692.44] * 9
    assert sum(weeks) < 1_400_000
    total = int(to_cents(weeks).sum())
    assert total == 140_000_000
    tiers = {"floor": 1_260_000, "target": 1_400_000, "challenge": 1_610_000}
    # retroactive: 1,400,000.00 × 1.5 % = 21,000.00
    assert one("retroactive", total, **tiers)[["tier", "commission"]].tolist() == [
        "target",
        2_100_000,
    ]


# --- rounding ------------------------------------------------------------------------


def test_commission_rounds_half_away_from_zero():
    # 0.50 × 1 % = 0.5 cent -> 1 cent; 1.49 × 1 % = 1.49 cents -> 1 cent
    low = {"floor": 0, "target": 1_000_000, "challenge": 1_150_000}
    assert one("retroactive", 50, **low)["commission"] == 1
    assert one("retroactive", 149, **low)["commission"] == 1


def test_marginal_rounds_the_total_once_not_band_by_band():
    # floor 900, target 1,000, challenge 1,001 yuan; sales 1,001.25:
    # 1,000.00 × 1 % = 1,000 cents; 1.00 × 1.5 % = 1.5 cents; 0.25 × 2 % = 0.5 cent
    # total 1,002.0 cents -> 10.02 (rounding each band would give 1,000 + 2 + 1 = 10.03)
    tiers = {"floor": 900, "target": 1_000, "challenge": 1_001}
    assert one("marginal", 100_125, **tiers)["commission"] == 1_002
    # the statement rounds the running total: 1,000 | 1,001.5 -> 1,002 | 1,002 -> 1,000, 2, 0
    bands = statement(reps(**tiers), sold(100_125), RATES, "marginal")
    assert bands["amount"].tolist() == [1_000, 2, 0]


def test_rates_typed_as_floats_are_read_as_the_decimal_shown():
    # 0.015 as a float is 0.01499999…; read as typed it is exactly 1.5 %
    float_rates = {"floor": 0.01, "target": 0.015, "challenge": 0.02}
    row = commission(reps(), sold(100_000_000), float_rates, "retroactive", None).iloc[0]
    assert (row["rate"], row["commission"]) == (Decimal("0.015"), 1_500_000)


# --- next tier ---------------------------------------------------------------------------


def test_next_tier_says_what_is_still_needed_and_what_it_would_pay():
    out = commission(reps(3), sold(0, 95_000_000, 120_000_000), RATES, "retroactive", None)
    assert out["next_tier"].tolist() == ["floor", "target", ""]
    # 900,000.00 − 0; 1,000,000.00 − 950,000.00 = 50,000.00; 0 at challenge
    assert out["to_next_tier"].tolist() == [90_000_000, 5_000_000, 0]
    # at floor 900,000 × 1 % = 9,000; at target 1,000,000 × 1.5 % = 15,000; at challenge: as now
    assert out["commission_at_next_tier"].tolist() == [900_000, 1_500_000, 2_400_000]


def test_marginal_next_tier_pays_the_bands_up_to_it():
    out = commission(reps(2), sold(95_000_000, 100_000_000), RATES, "marginal", None)
    # target 1,000,000 × 1 % = 10,000; challenge: 10,000 + 150,000 × 1.5 % = 12,250
    assert out["commission_at_next_tier"].tolist() == [1_000_000, 1_225_000]


def test_a_rep_without_sales_has_sold_nothing():
    out = commission(reps(2), sold(120_000_000).iloc[:1], RATES, "retroactive", None)
    assert out["sales"].tolist() == [120_000_000, 0]
    assert out["tier"].tolist() == ["challenge", ""]
    assert out["commission"].tolist() == [2_400_000, 0]


# --- cap ---------------------------------------------------------------------------------


def test_cap_limits_each_rep_and_the_statement_shows_what_it_took():
    # cap 20,000.00: retroactive 24,000 -> 20,000 (cap row −4,000.00); 9,500 stays 9,500
    out = commission(reps(2), sold(120_000_000, 95_000_000), RATES, "retroactive", 2_000_000)
    assert out["commission"].tolist() == [2_000_000, 950_000]
    # next tier of the second rep: target pays 15,000.00, under the cap
    assert out["commission_at_next_tier"].tolist() == [2_000_000, 1_500_000]
    bands = statement(reps(2), sold(120_000_000, 95_000_000), RATES, "retroactive", 2_000_000)
    assert bands[["rep_id", "tier", "amount"]].values.tolist() == [
        ["R0", "challenge", 2_400_000],
        ["R0", "cap", -400_000],
        ["R1", "floor", 950_000],
    ]


def test_cap_also_limits_the_commission_at_the_next_tier():
    # 1,149,999.99 marginal = 12,250.00; at challenge 12,250.00 as well; cap 12,000.00
    row = one("marginal", 114_999_999, cap_cents=1_200_000)
    assert (row["commission"], row["commission_at_next_tier"]) == (1_200_000, 1_200_000)


# --- statement totals ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["retroactive", "marginal"])
def test_statement_rows_add_up_to_each_reps_commission(mode):
    sales = sold(0, 89_999_999, 90_000_001, 99_999_999, 100_000_333, 114_999_999, 123_456_789)
    team = reps(len(sales))
    out = commission(team, sales, RATES, mode, 2_000_000)
    bands = statement(team, sales, RATES, mode, 2_000_000)
    by_rep = bands.groupby("rep_id", sort=False)["amount"].sum()
    assert by_rep.reindex(out["rep_id"]).tolist() == out["commission"].tolist()
    assert int(bands["amount"].sum()) == int(out["commission"].sum())


def test_below_floor_statement_is_one_row_at_rate_zero():
    bands = statement(reps(), sold(12_345), RATES, "marginal")
    assert bands[["tier", "from", "to", "sales", "rate", "amount"]].values.tolist() == [
        ["", 0, 12_345, 12_345, Decimal(0), 0]
    ]


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="CommissionMode"):
        commission(reps(), sold(1), RATES, "progressive", None)


# --- team pool ---------------------------------------------------------------------------

POOL = {"pool_threshold": Decimal("1.2"), "pool_rate": Decimal("0.05")}


def test_pool_is_pool_rate_of_the_sales_above_the_threshold():
    # threshold 1.2 × 1,000,000 = 1,200,000; sales 1,300,000 -> excess 100,000 × 5 % = 5,000.00;
    # the second rep, at 1,100,000, adds nothing
    pool, shares = team_pool(reps(2), sold(130_000_000, 110_000_000), **POOL)
    assert pool == 500_000
    # shared by sales 13 : 11 -> 270,833.33… and 229,166.66… -> 270,833 / 229,167 (largest remainder)
    assert shares["pool_share"].tolist() == [270_833, 229_167]


@pytest.mark.parametrize(
    ("sales", "pool"),
    [
        (120_000_000, 0),  # exactly at 1,200,000.00: no excess
        (119_999_999, 0),  # one cent below: no excess
        (120_000_001, 0),  # one cent above: 1 × 5 % = 0.05 cent -> 0
        (120_000_010, 1),  # ten cents above: 10 × 5 % = 0.5 cent -> 1 cent (half away from zero)
    ],
)
def test_pool_starts_exactly_at_the_threshold(sales, pool):
    assert team_pool(reps(), sold(sales), **POOL)[0] == pool


def test_pool_is_rounded_once_over_the_team():
    # 20 reps each one cent above: 20 × 0.05 = 1 cent (rounding per rep would give 0)
    pool, shares = team_pool(reps(20), sold(*[120_000_001] * 20), **POOL)
    assert pool == 1
    assert shares["pool_share"].tolist() == [1] + [0] * 19


def test_pool_shares_add_up_to_the_pool_with_awkward_thirds():
    # R0 target 1,000,000 sells 1,202,000: excess 2,000 × 5 % = 100.00; R1, R2 (target 2,000,000)
    # add nothing; all three sold the same, so 100.00 / 3 -> 33.34 / 33.33 / 33.33
    team = reps(3)
    team.loc[1:, "target"] = 2_000_000
    pool, shares = team_pool(team, sold(120_200_000, 120_200_000, 120_200_000), **POOL)
    assert pool == 10_000
    assert shares["pool_share"].tolist() == [3_334, 3_333, 3_333]


def test_pool_shares_add_up_to_the_pool_to_the_cent():
    sales = sold(123_456_789, 98_765_432, 150_000_001, 7, 0, 133_333_333)
    pool, shares = team_pool(reps(6), sales, **POOL)
    # excess: 3,456,789 + 30,000,001 + 13,333,333 = 46,790,123 cents × 5 % = 2,339,506.15 -> 2,339,506
    assert pool == 2_339_506
    assert int(shares["pool_share"].sum()) == pool
    assert shares.loc[shares.index[4], "pool_share"] == 0  # no sales, no share


def test_pool_threshold_is_compared_exactly():
    # threshold 1.15 × target 1,000,001 = 1,150,001.15; sales 1,150,001.15 -> no excess;
    # 1,150,011.15 -> 10.00 × 5 % = 0.50
    team = reps(target=1_000_001)
    rule = {"pool_threshold": Decimal("1.15"), "pool_rate": Decimal("0.05")}
    assert team_pool(team, sold(115_000_115), **rule)[0] == 0
    assert team_pool(team, sold(115_001_115), **rule)[0] == 50


def test_pool_rule_names_the_settings():
    assert "PoolRate" in POOL_RULE and "PoolThreshold" in POOL_RULE and "proportion" in POOL_RULE


# --- tblCommission -------------------------------------------------------------------------


def rate_table(rows) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["tier", "rate"])
    table["_row"] = range(2, 2 + len(table))
    table.attrs["sheet"] = "Commission"
    table.attrs["columns"] = {"tier": "A", "rate": "B"}
    return table


def test_valid_rates_have_no_problems():
    table = rate_table([("floor", 0.01), ("target", 0.015), ("challenge", 0.02)])
    assert validate_rates(table) == []
    assert rates_from_table(table) == RATES


def test_equal_rates_are_allowed():
    assert (
        validate_rates(rate_table([("floor", 0.01), ("target", 0.01), ("challenge", 0.01)])) == []
    )


def test_a_missing_tier_is_a_problem():
    problems = validate_rates(rate_table([("floor", 0.01), ("target", 0.015)]))
    assert [b.english(p) for p in problems] == [
        'Commission: tblCommission has no row for tier "challenge" — add a row with Tier '
        "challenge and its Rate"
    ]
    assert [b.words(p, "zh-CN") for p in problems] == [
        "Commission: tblCommission 中没有档位“challenge” — 请添加一行，Tier 为 challenge，"
        "并填写其 Rate"
    ]


def test_a_duplicate_tier_points_at_the_second_row():
    problems = validate_rates(
        rate_table([("floor", 0.01), ("target", 0.015), ("target", 0.016), ("challenge", 0.02)])
    )
    assert [(p.sheet, p.cell) for p in problems] == [("Commission", "A4")]
    assert 'Tier "target" is given twice (also at A3)' in b.english(problems[0])


def test_rates_that_fall_from_floor_to_challenge_are_a_problem():
    problems = validate_rates(rate_table([("floor", 0.02), ("target", 0.015), ("challenge", 0.01)]))
    assert [(p.sheet, p.cell) for p in problems] == [("Commission", "B3"), ("Commission", "B4")]
    assert b.words(problems[0], "zh-CN") == (
        "Commission!B3: 档位“target”的提成比例（1.5%）低于“floor”的提成比例（2%）；"
        "提成比例从保底到目标再到挑战不得下降 — 请将“target”的提成比例提高到至少 2%"
    )
    assert b.english(problems[0]) == (
        'Commission!B3: Rate of tier "target" (1.5%) is below the rate of "floor" (2%); rates '
        'must not fall from floor to target to challenge — raise the "target" rate to at least 2%'
    )


def test_a_negative_rate_is_a_problem():
    problems = validate_rates(
        rate_table([("floor", -0.01), ("target", 0.015), ("challenge", 0.02)])
    )
    assert [(p.cell, b.english(p.message)) for p in problems] == [
        ("B2", 'Rate of tier "floor" is negative (-1%)')
    ]


# --- properties ------------------------------------------------------------------------------


@st.composite
def schedules(draw):
    floor = draw(st.integers(0, 2_000_000))
    target = floor + draw(st.integers(0, 500_000))
    challenge = target + draw(st.integers(0, 500_000))
    bps = sorted(draw(st.lists(st.integers(0, 1_000), min_size=3, max_size=3)))
    rates = {
        t: Decimal(b) / 10_000 for t, b in zip(("floor", "target", "challenge"), bps, strict=True)
    }
    return {"floor": floor, "target": target, "challenge": challenge}, rates


def _sales_around(draw, tiers):
    """Cents near the tier amounts (one below, on, one above) and anywhere up to 1.5 × challenge."""
    edges = [100 * v + d for v in tiers.values() for d in (-1, 0, 1)]
    anywhere = st.integers(0, 150 * max(tiers["challenge"], 1))
    return draw(st.lists(st.one_of(st.sampled_from(edges), anywhere), min_size=1, max_size=40))


@settings(max_examples=150, deadline=None)
@given(schedules(), st.data())
def test_marginal_commission_never_falls_as_sales_rise(schedule, data):
    tiers, rates = schedule
    sales = sorted(max(0, s) for s in _sales_around(data.draw, tiers))
    out = commission(reps(len(sales), **tiers), sold(*sales), rates, "marginal", None)
    assert np.all(np.diff(out["commission"].to_numpy()) >= 0)


@settings(max_examples=150, deadline=None)
@given(schedules(), st.data())
def test_retroactive_rate_changes_only_at_a_tier_amount(schedule, data):
    tiers, rates = schedule
    sales = [max(1, s) for s in _sales_around(data.draw, tiers)]
    below = [s - 1 for s in sales]
    team = reps(len(sales), **tiers)
    now = commission(team, sold(*sales), rates, "retroactive", None)
    before = commission(team, sold(*below), rates, "retroactive", None)
    changed = now["tier"].to_numpy() != before["tier"].to_numpy()
    amounts = {100 * v for v in tiers.values()}
    assert all(s in amounts for s in np.asarray(sales)[changed])
    # and all the sales are paid at the rate reached, rounded half up once
    expected = [
        int((Decimal(s) * r).to_integral_value(rounding="ROUND_HALF_UP"))
        for s, r in zip(sales, now["rate"], strict=True)
    ]
    assert now["commission"].tolist() == expected


@settings(max_examples=150, deadline=None)
@given(
    schedules(),
    st.data(),
    st.sampled_from(["retroactive", "marginal"]),
    st.one_of(st.none(), st.integers(0, 5_000_000)),
)
def test_statement_bands_add_up_to_the_commission(schedule, data, mode, cap):
    tiers, rates = schedule
    sales = _sales_around(data.draw, tiers)
    team = reps(len(sales), **tiers)
    out = commission(team, sold(*sales), rates, mode, cap)
    bands = statement(team, sold(*sales), rates, mode, cap)
    by_rep = bands.groupby("rep_id", sort=False)["amount"].sum().reindex(out["rep_id"])
    assert by_rep.tolist() == out["commission"].tolist()
    assert (bands["sales"] == bands["to"] - bands["from"]).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**11), min_size=1, max_size=50), st.integers(0, 100))
def test_pool_shares_always_add_up_to_the_pool(sales, rate_pct):
    team = reps(len(sales), target=100_000)
    pool, shares = team_pool(team, sold(*sales), Decimal("1.2"), Decimal(rate_pct) / 100)
    assert int(shares["pool_share"].sum()) == pool
    assert (shares["pool_share"] >= 0).all()


# --- tier_commission: one sales figure (or a column of them) against its own tiers ---------


def test_tier_commission_of_the_spec_example():
    # retroactive 1,200,000 × 2 % = 24,000.00; marginal 10,000 + 2,250 + 1,000 = 13,250.00
    tiers = (90_000_000, 100_000_000, 115_000_000)
    assert tier_commission(120_000_000, *tiers, RATES).tolist() == [2_400_000]
    assert tier_commission(120_000_000, *tiers, RATES, "marginal").tolist() == [1_325_000]


def test_tier_commission_is_exact_on_every_threshold_and_one_cent_below():
    # one cent below floor: nothing; at floor 900,000 × 1 % = 9,000; one cent below target:
    # 999,999.99 × 1 % = 9,999.9999 → 10,000.00; at target 1,000,000 × 1.5 % = 15,000;
    # one cent below challenge 1,149,999.99 × 1.5 % = 17,249.99985 → 17,250.00;
    # at challenge 1,150,000 × 2 % = 23,000
    sales = [89_999_999, 90_000_000, 99_999_999, 100_000_000, 114_999_999, 115_000_000]
    out = tier_commission(sales, 90_000_000, 100_000_000, 115_000_000, RATES)
    assert out.tolist() == [0, 900_000, 1_000_000, 1_500_000, 1_725_000, 2_300_000]


def test_tier_commission_broadcasts_tiers_per_row():
    # R0: 1,000,000 at its target 1,000,000 → 1.5 % = 15,000; R1: 1,000,000 below its floor 1,100,000
    out = tier_commission(
        [100_000_000, 100_000_000],
        [90_000_000, 110_000_000],
        [100_000_000, 120_000_000],
        [115_000_000, 130_000_000],
        RATES,
    )
    assert out.tolist() == [1_500_000, 0]


def test_commission_pays_what_tier_commission_pays_before_the_cap():
    sales = [89_999_999, 95_000_000, 100_000_000, 120_000_000]
    for mode in ("retroactive", "marginal"):
        table = commission(reps(4), sold(*sales), RATES, mode)
        tiers = (90_000_000, 100_000_000, 115_000_000)
        assert table["commission"].tolist() == tier_commission(sales, *tiers, RATES, mode).tolist()
