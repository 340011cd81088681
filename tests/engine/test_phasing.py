"""Phasing pieces of SPEC §4 used on their own (by PACE_PLAN and ALERT_STATUS), by hand."""

import numpy as np

from engine.phasing import even_shares, rhythm_problems, rhythm_shares, weekly_plan
from xl_addin.messages import text


def test_rhythm_shares_spread_each_phase_evenly_over_its_weeks():
    # 4 weeks 30 % → 7.5 % a week; 6 weeks 50 % → 8.33 %; 3 weeks 20 % → 6.67 %
    shares, phases = rhythm_shares([4, 6, 3], [0.3, 0.5, 0.2])
    assert np.allclose(shares, [0.075] * 4 + [0.5 / 6] * 6 + [0.2 / 3] * 3)
    assert phases.tolist() == [0] * 4 + [1] * 6 + [2] * 3
    assert np.isclose(shares.sum(), 1.0)


def test_even_shares_give_each_week_the_same_share_and_its_own_phase():
    shares, phases = even_shares(4)
    assert shares.tolist() == [0.25] * 4
    assert phases.tolist() == [0, 1, 2, 3]


def test_rhythm_problems_name_weeks_and_shares_that_do_not_add_up():
    assert rhythm_problems([4, 6, 3], [0.3, 0.5, 0.2], 13) == []
    problems = rhythm_problems([4, 6], [0.3, 0.5], 13)
    assert [text(p.message, "en") for p in problems] == [
        "the phases cover 10 weeks but PeriodWeeks is 13",
        "the shares add up to 80.00%, not 100 %",
    ]
    assert [text(p.message, "zh-CN") for p in problems] == [
        "各阶段合计 10 周，但 PeriodWeeks 为 13",
        "各阶段占比合计 80.00%，而非 100 %",
    ]


def test_weekly_plan_under_a_rhythm_keeps_each_phase_to_the_yuan():
    # 1,000,000: phases 300,000 / 500,000 / 200,000; 500,000 / 6 = 83,333.33 → first two weeks
    # take the 2 yuan left; 200,000 / 3 = 66,666.67 → first two weeks take 1 each
    shares, phases = rhythm_shares([4, 6, 3], [0.3, 0.5, 0.2])
    week = weekly_plan(np.array([1_000_000]), shares, phases, np.ones((1, 13)))[0]
    assert week.tolist() == [75_000] * 4 + [83_334] * 2 + [83_333] * 4 + [66_667] * 2 + [66_666]
