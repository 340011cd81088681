"""Working days weight the weeks (SPEC §1.1 Holidays, issue 15 item 6).

The expected working days are counted by hand from the State Council's holiday notices for
2025 and 2026 (国务院办公厅关于2025年/2026年部分节假日安排的通知): Spring Festival 2026 is
15–23 February off, with Saturday 14 and Saturday 28 February working days; in 2025 the
Spring Festival ran 28 January – 4 February, with Saturday 8 February a working day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from engine import decompose
from engine.phasing import weekly_plan, weekly_shares, working_weeks
from engine.settings import Settings
from engine.workdays import country_code, work_weeks
from tests.builders import english, history, plan, reps, settings


def test_the_spring_festival_weeks_of_2026_have_their_working_days():
    weeks = work_weeks("CN", dt.date(2026, 2, 9), 4, "zh-CN")
    # 9–13 Feb and Saturday the 14th; none; Tuesday 24 to Saturday 28; 2–6 March
    assert weeks.days.tolist() == [6, 0, 5, 5]
    assert weeks.holidays[0] == "" and "春节" in weeks.holidays[1]
    assert weeks.holidays[3] == ""


def test_a_rhythm_phase_holding_the_spring_festival_is_spread_by_working_days():
    p = plan(PeriodStart=dt.date(2026, 2, 9), PeriodWeeks=4, Holidays="CN", Locale="zh-CN")
    p = dataclasses.replace(p, rhythm=pd.DataFrame({"weeks": [4], "share": [1.0]}))
    notes = []
    shares, phases = weekly_shares(p, pd.DataFrame(), notes, working_weeks(p.settings))
    assert shares.tolist() == pytest.approx([6 / 16, 0, 5 / 16, 5 / 16], abs=1e-15)
    # 160,000 over the phase: 6/16, nothing in the festival week, 5/16, 5/16
    plan_weeks = weekly_plan(np.array([160_000]), shares, phases, np.ones((1, 4)))
    assert plan_weeks.tolist() == [[60_000, 0, 50_000, 50_000]]
    assert "W2" in english(notes[0]) and "0 working days" in english(notes[0])


def test_two_phases_each_keep_their_share():
    p = plan(PeriodStart=dt.date(2026, 2, 9), PeriodWeeks=4, Holidays="CN")
    rhythm = pd.DataFrame({"weeks": [2, 2], "share": [0.4, 0.6]})
    p = dataclasses.replace(p, rhythm=rhythm)
    shares, _ = weekly_shares(p, pd.DataFrame(), [], working_weeks(p.settings))
    # phase 1: 6 and 0 working days; phase 2: 5 and 5
    assert shares.tolist() == pytest.approx([0.4, 0.0, 0.3, 0.3], abs=1e-15)


def test_last_years_profile_is_taken_per_working_day_then_weighted_by_this_years():
    """Period 2 Feb 2026 (4 weeks): 5, 6, 0, 5 working days. The same weeks a year earlier
    (3 Feb 2025 on) had 4 (3–4 Feb off, Saturday 8 Feb on), 5, 5, 5; they sold 400, 500,
    500, 500: 500 a normal week each, so this year's shares are 5 : 6 : 0 : 5."""
    p = plan(PeriodStart=dt.date(2026, 2, 2), PeriodWeeks=4, Holidays="CN")
    assert work_weeks("CN", dt.date(2025, 2, 3), 4).days.tolist() == [4, 5, 5, 5]
    history = pd.DataFrame({"week": [-52, -51, -50, -49], "amount_cents": [400, 500, 500, 500]})
    notes = []
    shares, phases = weekly_shares(p, history, notes, working_weeks(p.settings))
    assert shares.tolist() == pytest.approx([5 / 16, 6 / 16, 0, 5 / 16], abs=1e-15)
    assert phases.tolist() == [0, 1, 2, 3]
    assert any("per working day" in english(n) for n in notes)


def test_without_history_or_rhythm_weeks_share_by_working_days():
    p = plan(PeriodStart=dt.date(2026, 2, 9), PeriodWeeks=4, Holidays="CN")
    shares, _ = weekly_shares(
        p, pd.DataFrame({"week": [], "amount_cents": []}), [], working_weeks(p.settings)
    )
    assert shares.tolist() == pytest.approx([6 / 16, 0, 5 / 16, 5 / 16], abs=1e-15)


def test_holidays_default_to_china_in_a_chinese_plan_and_to_none_in_an_english_one():
    assert Settings({"Locale": "zh-CN"}).holidays == "CN"  # nothing typed
    assert Settings({"Locale": "en"}).holidays is None
    assert Settings({}).holidays == "CN"  # a plan's Locale is zh-CN unless typed
    assert settings(Locale="en", Holidays="HK").holidays == "HK"
    assert settings(Locale="zh-CN", Holidays="none").holidays is None
    assert country_code(" cn ") == "CN" and country_code("XX") is None


def test_an_english_plan_without_holidays_phases_as_before_and_lists_no_weeks():
    """Equal history in the 13 weeks before 9 Feb 2026 (whose weeks before it all have 5
    working days): alike without Holidays, 6 : 0 : 5 : 5 with CN, the same targets."""
    hist = history(reps(4), 10_000.0)
    hist["period"] += pd.Timedelta(weeks=5)  # the 13 weeks before 9 February
    start = {"PeriodStart": dt.date(2026, 2, 9), "PeriodWeeks": 4, "Locale": "en"}
    d = decompose(plan(hist=hist, **start))
    assert d.work_weeks is None
    assert len(set(d.weekly.iloc[0])) <= 2  # the same every week, to RoundTo's rounding
    with_cn = decompose(plan(hist=hist, **start, Holidays="CN"))
    assert with_cn.work_weeks["working_days"].tolist() == [6, 0, 5, 5]
    assert with_cn.work_weeks["share"].tolist() == pytest.approx([6 / 16, 0, 5 / 16, 5 / 16])
    assert (with_cn.weekly["W2"] == 0).all()  # the festival week: nothing planned
    assert with_cn.weekly.sum(axis=1).tolist() == d.weekly.sum(axis=1).tolist()
    assert with_cn.targets["target"].tolist() == d.targets["target"].tolist()
