"""Decomposition rules of SPEC §3 and phasing of §4, each computed by hand."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from engine import PlanError, decompose
from engine.phasing import funnel_need
from tests import builders as b


def by_rep(d, column="target"):
    return dict(zip(d.targets["rep_id"], d.targets[column].tolist(), strict=True))


def products(*rows):
    return pd.DataFrame(rows, columns=["product", "stage", "weight", "margin"])


def test_region_weight_blends_history_potential_and_headcount():
    # North: 1 rep selling 30,000/week; South: 3 reps selling 10,000/week each → history 50/50
    # potential 1 : 3 → 25 % / 75 %; headcount 1 : 3 → 25 % / 75 %
    # North = 0.5 × 0.5 + 0.3 × 0.25 + 0.2 × 0.25 = 0.375
    reps = b.reps(4, regions=("North", "South", "South", "South"))
    hist = b.history(reps, {"R001": 30_000, "R002": 10_000, "R003": 10_000, "R004": 10_000})
    regions = pd.DataFrame(
        {
            "region": ["North", "South"],
            "potential": [1.0, 3.0],
            "weight": np.nan,
            "manager": None,
            "manager_email": None,
        }
    )
    d = decompose(b.plan(reps, hist=hist, regions=regions, TeamTarget=1_000_000))
    assert d.regions.set_index("region")["target"].to_dict() == {"North": 375_000, "South": 625_000}


def test_explicit_region_weight_overrides_the_blend():
    reps = b.reps(2, regions=("North", "South"))
    regions = pd.DataFrame(
        {
            "region": ["North", "South"],
            "potential": np.nan,
            "weight": [0.2, 0.8],
            "manager": None,
            "manager_email": None,
        }
    )
    d = decompose(b.plan(reps, regions=regions, TeamTarget=1_000_000))
    assert d.regions.set_index("region")["target"].to_dict() == {"North": 200_000, "South": 800_000}


def test_three_mature_products_split_all_by_history_share():
    # SPEC §3: StageWeights renormalised over the stages present; history 1 : 2 : 5
    reps = b.reps(1)
    hist = pd.concat(
        [b.history(reps, w, products=(p,)) for p, w in (("A", 1000), ("B", 2000), ("C", 5000))]
    )
    prods = products(
        ("A", "mature", np.nan, np.nan),
        ("B", "mature", np.nan, np.nan),
        ("C", "mature", np.nan, np.nan),
    )
    d = decompose(b.plan(reps, hist=hist, products=prods, TeamTarget=800_000))
    assert d.products.set_index("product")["target"].to_dict() == {
        "A": 100_000,
        "B": 200_000,
        "C": 500_000,
    }


def test_stage_weights_share_stages_then_history_inside_each_stage():
    # new 0.3 → N; mature 0.6 → M1 : M2 = 1 : 3; longtail 0.1 → L
    reps = b.reps(1)
    hist = pd.concat(
        [
            b.history(reps, w, products=(p,))
            for p, w in (("N", 500), ("M1", 1000), ("M2", 3000), ("L", 800))
        ]
    )
    prods = products(
        ("N", "new", np.nan, np.nan),
        ("M1", "mature", np.nan, np.nan),
        ("M2", "mature", np.nan, np.nan),
        ("L", "longtail", np.nan, np.nan),
    )
    stage_weights = {"new": Decimal("0.3"), "mature": Decimal("0.6"), "longtail": Decimal("0.1")}
    d = decompose(
        b.plan(reps, hist=hist, products=prods, TeamTarget=1_000_000, StageWeights=stage_weights)
    )
    assert d.products.set_index("product")["target"].to_dict() == {
        "N": 300_000,
        "M1": 150_000,
        "M2": 450_000,
        "L": 100_000,
    }


def test_default_stage_weights_are_renormalised_over_the_stages_present():
    # default new 0.2, growth 0.25, mature 0.45, longtail 0.1; no growth product, so over
    # 0.75: new 0.2667 → N 266,666.67; mature 0.6 → M1 150,000 : M2 450,000 (1 : 3);
    # longtail 0.1333 → L 133,333.33; to RoundTo 1,000 by largest remainder: 267,000 and 133,000
    reps = b.reps(1)
    hist = pd.concat(
        [
            b.history(reps, w, products=(p,))
            for p, w in (("N", 500), ("M1", 1000), ("M2", 3000), ("L", 800))
        ]
    )
    prods = products(
        ("N", "new", np.nan, np.nan),
        ("M1", "mature", np.nan, np.nan),
        ("M2", "mature", np.nan, np.nan),
        ("L", "longtail", np.nan, np.nan),
    )
    d = decompose(b.plan(reps, hist=hist, products=prods, TeamTarget=1_000_000))
    assert d.products.set_index("product")["target"].to_dict() == {
        "N": 267_000,
        "M1": 150_000,
        "M2": 450_000,
        "L": 133_000,
    }


def test_reps_split_by_capability_and_resource_and_sum_to_the_region():
    # 5 reps, weekly 50k, 40k, 30k, 20k, 10k → top 1 (1.2), bottom 1 (0.8), others 1.0
    # territories core/standard/suburb → 1.1/1.0/0.9. Weights: 1.32, 1.0, 0.9, 1.1, 0.8 (sum 5.12)
    reps = b.reps(5, territory=["core", "standard", "suburb", "core", "standard"])
    hist = b.history(
        reps, {"R001": 50_000, "R002": 40_000, "R003": 30_000, "R004": 20_000, "R005": 10_000}
    )
    d = decompose(b.plan(reps, hist=hist, TeamTarget=512_000, RoundTo=1))
    assert by_rep(d, "capability") == {
        "R001": 1.2,
        "R002": 1.0,
        "R003": 1.0,
        "R004": 1.0,
        "R005": 0.8,
    }
    assert by_rep(d) == {
        "R001": 132_000,
        "R002": 100_000,
        "R003": 90_000,
        "R004": 110_000,
        "R005": 80_000,
    }


def test_new_rep_gets_new_rep_pct_of_an_average_rep():
    # weights 1, 1, 0.55 → 2.55; 255,000 → 100,000, 100,000, 55,000
    reps = b.reps(3, level=["standard", "standard", "new"])
    d = decompose(
        b.plan(reps, TeamTarget=255_000, CapabilityTopShare="0", CapabilityBottomShare="0")
    )
    assert by_rep(d) == {"R001": 100_000, "R002": 100_000, "R003": 55_000}


def test_new_rep_floor_is_new_rep_floor_pct_of_own_target():
    reps = b.reps(3, level=["standard", "standard", "new"])
    d = decompose(
        b.plan(reps, TeamTarget=255_000, CapabilityTopShare="0", CapabilityBottomShare="0")
    )
    # 55,000 × 0.75 = 41,250 → 41,000 (RoundTo 1000, half up); standard: 100,000 × 0.9
    assert by_rep(d, "floor") == {"R001": 90_000, "R002": 90_000, "R003": 41_000}


def test_locked_target_is_kept_and_the_others_absorb_the_difference():
    reps = b.reps(3, locked_target=[np.nan, 500_000, np.nan])
    d = decompose(
        b.plan(reps, TeamTarget=900_000, CapabilityTopShare="0", CapabilityBottomShare="0")
    )
    assert by_rep(d) == {"R001": 200_000, "R002": 500_000, "R003": 200_000}


def test_rep_joining_mid_period_is_pro_rated_by_active_weeks():
    # period of 13 weeks from 2026-01-05; R002 starts in week 5 (2026-02-02) → 9 active weeks
    reps = b.reps(2, start_date=[None, dt.date(2026, 2, 2)])
    d = decompose(
        b.plan(
            reps, TeamTarget=220_000, CapabilityTopShare="0", CapabilityBottomShare="0", RoundTo=1
        )
    )
    assert by_rep(d, "active_weeks") == {"R001": 13.0, "R002": 9.0}
    assert by_rep(d) == {"R001": 130_000, "R002": 90_000}
    w = d.weekly.set_index(d.targets["rep_id"])
    assert w.loc["R002", ["W1", "W2", "W3", "W4"]].sum() == 0


def test_ramp_profile_ramps_a_new_rep_month_by_month():
    # R002 new, starts 2026-01-05 with ramp 0.5, 1: January weeks (Thursdays in Jan: W1..W4) at 0.5
    reps = b.reps(2, level=["standard", "new"], start_date=[None, dt.date(2026, 1, 5)])
    d = decompose(
        b.plan(
            reps,
            TeamTarget=1_000_000,
            RampProfile=("0.5", "1"),
            CapabilityTopShare="0",
            CapabilityBottomShare="0",
            RoundTo=1,
        )
    )
    # tenure month 0 until 2026-02-04: weeks whose Thursday falls before Feb 5 (W1..W4) at 0.5,
    # W5 (Thursday Feb 5) onwards at 1 → 4 × 0.5 + 9 = 11
    assert by_rep(d, "active_weeks")["R002"] == 11.0


def test_locked_targets_above_the_region_target_are_a_problem():
    reps = b.reps(2, locked_target=[600_000, np.nan])
    with pytest.raises(PlanError) as err:
        decompose(b.plan(reps, TeamTarget=500_000))
    assert b.english(err.value) == (
        'Reps: region "North": its locked targets add up to 600,000, more than its target '
        "500,000 — lower the locked targets or add active reps"
    )
    assert b.words(err.value, "zh-CN") == (
        "Reps: 区域“North”：锁定目标合计 600,000，超过其目标 500,000 — "
        "请调低锁定目标，或增加在岗销售"
    )


def test_coverage_that_makes_a_product_impossible_names_product_and_reps():
    reps = b.reps(2)
    prods = products(("A", "mature", 0.5, np.nan), ("B", "mature", 0.5, np.nan))
    hist = b.history(reps, 1000, products=("A", "B"))
    plan = b.plan(
        reps,
        hist=hist,
        products=prods,
        TeamTarget=1_000_000,
        CapabilityTopShare="0",
        CapabilityBottomShare="0",
    )
    coverage = pd.DataFrame({"rep_id": ["R001", "R002"], "product": ["A", "A"]})
    with pytest.raises(PlanError) as err:
        decompose(type(plan)(**{**plan.__dict__, "coverage": coverage}))
    assert 'product "B" needs 500,000 but no rep with a target sells it' in b.english(err.value)
    assert "产品线“B”需要 500,000，但没有任何有目标的销售负责该产品线" in b.words(
        err.value, "zh-CN"
    )


def test_rhythm_phases_are_spread_evenly_and_months_follow_thursdays():
    # 4 weeks 30 %, 6 weeks 50 %, 3 weeks 20 % of 1,300,000 (one rep)
    rhythm = pd.DataFrame({"phase": ["a", "b", "c"], "weeks": [4, 6, 3], "share": [0.3, 0.5, 0.2]})
    plan = b.plan(b.reps(1), TeamTarget=1_300_000)
    d = decompose(type(plan)(**{**plan.__dict__, "rhythm": rhythm}))
    w = d.weekly.iloc[0].tolist()
    # 390,000 / 4 = 97,500; 650,000 / 6 = 108,333.33 → the first two weeks take the 2 yuan left;
    # 260,000 / 3 = 86,666.67 → the first week takes 1 more. Each phase keeps its share exactly.
    assert w[:4] == [97_500] * 4
    assert w[4:10] == [108_334] * 2 + [108_333] * 4
    assert w[10:] == [86_667, 86_667, 86_666]
    # weeks from 2026-01-05: Thursdays Jan 8..29 (4 weeks in January), Feb 5..26 (4), Mar 5..26 (4), Apr 2 (1)
    assert list(d.months.columns) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert d.months.iloc[0]["2026-01"] == 390_000
    assert d.months.iloc[0].sum() == 1_300_000


def test_path_to_target_spec_example():
    # remaining 600,000, deal 50,000, Visit→Demo 0.5, Demo→Deal 0.4 → 12 deals, 30 demos, 60 visits
    deals, demos, visits = funnel_need([600_000], 50_000, [0.5, 0.4])
    assert (deals[0], demos[0], visits[0]) == (12, 30, 60)


def test_path_to_target_rounds_every_stage_up():
    deals, demos, visits = funnel_need([600_001], 50_000, [0.5, 0.4])
    assert (deals[0], demos[0], visits[0]) == (13, 33, 66)


def test_breakdown_matches_reps_products_and_customer_types_exactly():
    reps = b.reps(7)
    prods = products(
        ("A", "mature", 0.45, np.nan), ("B", "mature", 0.35, np.nan), ("C", "new", 0.2, np.nan)
    )
    plan = b.plan(
        reps,
        hist=b.history(reps, 1234.5, products=("A", "B", "C")),
        products=prods,
        TeamTarget=3_333_000,
    )
    ct = pd.DataFrame({"customer_type": ["KA", "SMB", "New"], "weight": [0.5, 0.3, 0.2]})
    d = decompose(type(plan)(**{**plan.__dict__, "customer_types": ct}))
    assert d.reconciliation["difference"].eq(0).all()
    bd = d.breakdown
    # 3,333 units × 0.5 / 0.3 / 0.2 = 1666.5, 999.9, 666.6 → floors 3,331; the two largest
    # remainders (0.9 SMB, 0.6 New) get the two units left
    assert bd.groupby("customer_type")["target"].sum().to_dict() == {
        "KA": 1_666_000,
        "New": 667_000,
        "SMB": 1_000_000,
    }
    assert (bd["target"] % 1000 == 0).all()
