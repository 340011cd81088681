"""What a rep's Level does (engine/levels.py), each rule computed by hand."""

import datetime as dt

import numpy as np

from engine import decompose
from engine.levels import ramp
from tests import builders as b
from xl_addin.messages import text

NO_RANKS = {"CapabilityTopShare": "0", "CapabilityBottomShare": "0"}  # everyone with history Mid


def by_rep(d, column="target"):
    return dict(zip(d.targets["rep_id"], d.targets[column].tolist(), strict=True))


def notes(d, locale="en"):
    return [text(n, locale) for n in d.notes]


def test_a_senior_without_history_is_rated_top_and_its_target_follows():
    # R001–R003 standard with history (all Mid: no ranks), R004 senior without history → Top 1.2
    # weights 1, 1, 1, 1.2 = 4.2; 420,000 / 4.2 = 100,000 a weight → R004 120,000
    reps = b.reps(4, level=["standard", "standard", "standard", "senior"])
    hist = b.history(reps.iloc[:3], 10_000.0)
    d = decompose(b.plan(reps, hist=hist, TeamTarget=420_000, **NO_RANKS))
    assert by_rep(d, "capability") == {"R001": 1.0, "R002": 1.0, "R003": 1.0, "R004": 1.2}
    assert by_rep(d) == {"R001": 100_000, "R002": 100_000, "R003": 100_000, "R004": 120_000}
    # floor and challenge of the senior as anyone's: 120,000 × 0.9 and × 1.15
    assert by_rep(d, "floor")["R004"] == 108_000
    assert by_rep(d, "challenge")["R004"] == 138_000
    assert (
        "capability: no history in the share window for 1 senior rep, rated Top (CapabilityTop), "
        "not Mid: R004"
    ) in notes(d)


def test_a_standard_rep_without_history_stays_mid():
    # R002 standard without history: Mid 1.0, like R001 → 100,000 each of 200,000
    reps = b.reps(2)
    d = decompose(b.plan(reps, hist=b.history(reps.iloc[:1], 10_000.0), TeamTarget=200_000))
    assert by_rep(d, "capability") == {"R001": 1.0, "R002": 1.0}
    assert by_rep(d) == {"R001": 100_000, "R002": 100_000}
    assert "capability: no history in the share window for 1 rep, rated Mid: R002" in notes(d)


def test_a_senior_with_history_gets_the_history_rating():
    # weekly 50k, 40k, 30k, 20k, 10k; top and bottom share 0.2 of 5 → one each:
    # R001 Top 1.2, R005 Bottom 0.8 (a senior, but rated from history), R003 senior Mid 1.0
    # weights 1.2 + 1 + 1 + 1 + 0.8 = 5; 500,000 → 120,000, 100,000 × 3, 80,000
    reps = b.reps(5, level=["standard", "standard", "senior", "standard", "senior"])
    weekly = {"R001": 50_000, "R002": 40_000, "R003": 30_000, "R004": 20_000, "R005": 10_000}
    d = decompose(b.plan(reps, hist=b.history(reps, weekly), TeamTarget=500_000))
    assert by_rep(d, "capability") == {
        "R001": 1.2,
        "R002": 1.0,
        "R003": 1.0,
        "R004": 1.0,
        "R005": 0.8,
    }
    assert by_rep(d) == {
        "R001": 120_000,
        "R002": 100_000,
        "R003": 100_000,
        "R004": 100_000,
        "R005": 80_000,
    }
    assert (
        "Level changed nothing for 5 reps (standard, or senior rated from history or by a typed "
        "Capability): R001, R002, R003, R004, R005"
    ) in notes(d)


def test_a_typed_capability_wins_over_the_senior_rule():
    # R002 senior without history but Capability 0.9 typed: 0.9, not Top
    # weights 1 + 0.9 = 1.9; 190,000 → 100,000 and 90,000
    reps = b.reps(2, level=["standard", "senior"], capability=[np.nan, 0.9])
    d = decompose(b.plan(reps, hist=b.history(reps.iloc[:1], 10_000.0), TeamTarget=190_000))
    assert by_rep(d, "capability") == {"R001": 1.0, "R002": 0.9}
    assert by_rep(d) == {"R001": 100_000, "R002": 90_000}
    said = notes(d)
    assert not any(n.startswith("capability:") for n in said)  # R002 is not rated at all
    assert (
        "Level changed nothing for 2 reps (standard, or senior rated from history or by a typed "
        "Capability): R001, R002"
    ) in said


def test_a_new_rep_keeps_new_rep_target_and_floor_pct():
    # weights 1, 1, 0.55 → 2.55; 255,000 → 100,000, 100,000, 55,000
    # floors: 100,000 × 0.9 = 90,000; 55,000 × 0.75 = 41,250 → 41,000 (RoundTo 1,000)
    reps = b.reps(3, level=["standard", "standard", "new"])
    d = decompose(b.plan(reps, TeamTarget=255_000, **NO_RANKS))
    assert by_rep(d) == {"R001": 100_000, "R002": 100_000, "R003": 55_000}
    assert by_rep(d, "floor") == {"R001": 90_000, "R002": 90_000, "R003": 41_000}
    level_notes = [n for n in notes(d) if n.startswith("Level")]
    assert level_notes == [
        "Level changed nothing for 2 reps (standard, or senior rated from history or by a typed "
        "Capability): R001, R002"
    ]


def test_ramp_of_a_new_rep_follows_the_profile_month_by_month():
    # RampProfile 0.5, 1; R002 new from 2026-01-05: weeks whose Thursday is in the first month
    # of tenure (W1–W4, Thursdays Jan 8–29) at 0.5, from W5 (Thursday Feb 5) at 1.
    # R003 new without StartDate: NewRepTargetPct 0.55 every week. R001 standard: 1.
    reps = b.reps(3, level=["standard", "new", "new"], start_date=[None, dt.date(2026, 1, 5), None])
    r = ramp(b.plan(reps, RampProfile=("0.5", "1")))
    assert r[0].tolist() == [1.0] * 13
    assert r[1].tolist() == [0.5] * 4 + [1.0] * 9
    assert r[2].tolist() == [0.55] * 13


def test_the_level_note_lists_ten_reps_then_says_how_many_more_in_both_languages():
    reps = b.reps(12)
    d = decompose(b.plan(reps, TeamTarget=1_200_000))
    ten = [f"R{i:03d}" for i in range(1, 11)]
    assert (
        "Level changed nothing for 12 reps (standard, or senior rated from history or by a typed "
        f"Capability): {', '.join(ten)} … and 2 more"
    ) in notes(d)
    assert (
        "职级未改变 12 名销售的目标（标准，或已按历史数据或填写的能力系数评级的资深）："
        f"{'、'.join(ten)} … 另有 2 个"
    ) in notes(d, "zh-CN")


def test_a_blank_level_is_not_listed():
    reps = b.reps(2, level=[None, "standard"])
    d = decompose(b.plan(reps, TeamTarget=200_000))
    assert [n for n in notes(d) if n.startswith("Level")] == [
        "Level changed nothing for 1 rep (standard, or senior rated from history or by a typed "
        "Capability): R002"
    ]
