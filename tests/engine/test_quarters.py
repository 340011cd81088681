"""Quarters of an annual plan (SPEC §4, §17): each quarter the sum of its months, a month the
sum of the weeks whose Thursday falls in it; months and quarters found here from the dates."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from engine import decompose
from engine.calendar import quarter_of
from engine.plan import Plan
from engine.problems import PlanError
from engine.settings import Settings
from tests import builders as b
from tests.builders import START, english, words

# four phases of 13 weeks, 10/20/30/40 %: weeks of one phase share a share, so a quarter
# that has 12 of a phase's weeks and one of the next differs from a quarter of one phase
RHYTHM = pd.DataFrame({"phase": list("ABCD"), "weeks": [13] * 4, "share": [0.1, 0.2, 0.3, 0.4]})


def annual(weeks: int, **settings) -> Plan:
    reps = b.reps(3)
    plan = b.plan(reps, b.history(reps, 10_000.0, weeks=53), PeriodWeeks=weeks, **settings)
    if weeks == 52:
        plan = dataclasses.replace(plan, rhythm=RHYTHM)
    return plan


def by_dates(weekly: pd.DataFrame, start: dt.date) -> tuple[dict, dict]:
    """Each rep's months and quarters summed here from each week's Thursday:
    {(year, month): [per rep]} and {(year, quarter): [per rep]}."""
    months: dict = {}
    quarters: dict = {}
    for w, column in enumerate(weekly.columns):
        thursday = start + dt.timedelta(days=7 * w + 3)
        amounts = weekly[column].to_numpy()
        m = (thursday.year, thursday.month)
        q = (thursday.year, (thursday.month + 2) // 3)  # Jan–Mar → 1 … Oct–Dec → 4
        months[m] = months.get(m, 0) + amounts
        quarters[q] = quarters.get(q, 0) + amounts
    return months, quarters


@pytest.mark.parametrize("weeks", [52, 53])
def test_each_quarter_is_the_sum_of_its_months_and_the_quarters_the_target(weeks):
    d = decompose(annual(weeks))
    months, quarters = by_dates(d.weekly, START)
    # from 2026-01-05 (a Monday): week 52 starts 2026-12-28 (Thursday 12-31), so 52 weeks are
    # the four quarters of 2026; week 53 starts 2027-01-04 (Thursday 01-07): a fifth quarter
    want = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"] + (["2027-Q1"] if weeks == 53 else [])
    assert list(d.quarters.columns) == want
    assert [f"{y}-Q{q}" for y, q in quarters] == want
    for (y, m), amounts in months.items():
        assert d.months[f"{y}-{m:02d}"].tolist() == amounts.tolist()
    for (y, q), amounts in quarters.items():
        assert d.quarters[f"{y}-Q{q}"].tolist() == amounts.tolist()
    assert d.quarters.dtypes.map(pd.api.types.is_integer_dtype).all()  # whole yuan, exactly
    assert d.quarters.sum(axis=1).tolist() == d.targets["target"].tolist()
    assert d.quarters.to_numpy().sum() == d.team["target"] - d.team["unallocated"]


def test_a_quarter_straddling_two_phases_adds_their_weeks_not_their_shares():
    d = decompose(annual(52))
    # Q1 2026 is weeks 1–12 (week 13 starts 03-30, its Thursday 04-02 is in April): twelve of
    # phase A's thirteen weeks at 10 % ÷ 13 each, so 12/13 × 10 % of the year, not 10 %
    team = d.quarters.sum(axis=0)
    target = int(d.targets["target"].sum())
    assert team["2026-Q1"] == int(d.weekly.iloc[:, :12].to_numpy().sum())
    assert abs(team["2026-Q1"] / target - 0.1 * 12 / 13) < 1e-4


def test_a_plan_shorter_than_a_year_has_no_quarters():
    d = decompose(b.plan(b.reps(3), PeriodWeeks=13))
    assert len(d.months.columns) == 4  # 2026-01 … 2026-04: the months are there
    assert list(d.quarters.columns) == [] and len(d.quarters) == 3


@pytest.mark.parametrize(
    ("month", "quarter"),
    [
        ("2027-01", "2027-Q1"),
        ("2027-03", "2027-Q1"),
        ("2026-04", "2026-Q2"),
        ("2026-12", "2026-Q4"),
    ],
)
def test_quarter_of_a_month(month, quarter):
    assert quarter_of(month) == quarter


def test_phase_by_quarters_on_a_quarterly_plan_is_a_problem_at_the_setting():
    plan = b.plan(b.reps(3), PeriodWeeks=13, PhaseBy="quarters")
    cells = {"PhaseBy": ("Settings", "B9")}
    plan = dataclasses.replace(plan, settings=Settings(plan.settings.values, cells))
    with pytest.raises(PlanError) as raised:
        decompose(plan)
    assert english(raised.value) == (
        "Settings!B9: PhaseBy quarters splits a year into quarters and months, but PeriodWeeks"
        " is 13 — set PhaseBy to weeks, or PeriodWeeks to 52 or 53 for an annual plan"
    )
    assert words(raised.value, "zh-CN") == (
        "Settings!B9: PhaseBy 为按季度：将全年目标拆分到季度和月份，但 PeriodWeeks 为 13"
        " — 请将 PhaseBy 设为按周，或将 PeriodWeeks 设为 52 或 53（年度计划）"
    )


def test_phase_by_quarters_changes_no_number():
    weeks, quarters = decompose(annual(52)), decompose(annual(52, PhaseBy="quarters"))
    assert weeks.weekly.equals(quarters.weekly) and weeks.quarters.equals(quarters.quarters)
