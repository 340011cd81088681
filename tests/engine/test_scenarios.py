"""Scenarios (SPEC §17): the plan decomposed with each scenario's settings, beside its own.

Four reps sell 10,000 a week each for the 13 weeks before the period: the baseline is
4 × 13 × 10,000 = 520,000.
"""

import dataclasses
from decimal import Decimal

import pandas as pd
import pytest

from engine.problems import PlanError
from engine.scenarios import Scenario, compare, find, scenario_settings
from tests import builders


def scenario(name: str, **values) -> Scenario:
    cells = {k: ("ScenarioSettings", f"C{i + 2}") for i, k in enumerate(values)}
    return Scenario(name, values, dict(values), cells)


def with_scenarios(plan, *scenarios):
    return dataclasses.replace(plan, scenarios=scenarios)


def test_each_scenario_sets_the_team_target_from_its_own_settings():
    plan = with_scenarios(
        builders.plan(Buffer=0.1),
        scenario("bold", MarketGrowth=Decimal("0.25"), Buffer=Decimal("0.04")),
        scenario("board", TeamTarget=800_000),
        scenario("default buffer", Buffer=None),  # a blank Value: the default, 5 %
    )
    c = compare(plan)
    team = c.team.set_index("scenario")["target"]
    assert team[""] == 468_000  # 520,000 × (1 − 10 %)
    assert team["bold"] == 624_000  # 520,000 × 1.25 × 0.96
    assert team["board"] == 800_000
    assert team["default buffer"] == 494_000  # 520,000 × 0.95
    assert list(c.team["target_diff"]) == [0, 156_000, 332_000, 26_000]
    # every rep's difference adds up to the team's
    for i, diff in enumerate(c.team["target_diff"].iloc[1:]):
        assert c.reps[f"diff_{i}"].sum() == diff
        assert c.regions[f"target_{i}"].sum() == c.team["target"].iat[i + 1]
    assert plan.settings["Buffer"] == Decimal("0.1")  # the plan itself is not changed


def test_a_scenario_problem_points_at_the_scenario_cell_and_all_are_said_together():
    plan = with_scenarios(
        builders.plan(),
        scenario("tiny", TeamTarget=500),  # below RoundTo 1,000
        scenario("fine", MarketGrowth=Decimal("0.1")),
        scenario("tinier", TeamTarget=400),
    )
    with pytest.raises(PlanError) as exc:
        compare(plan)
    assert [(p.sheet, p.cell) for p in exc.value.problems] == [("ScenarioSettings", "C2")] * 2
    assert builders.english(exc.value).count("TeamTarget") == 2


def test_a_scenario_is_found_by_its_name_in_any_case_and_a_blank_restores_the_default():
    plan = with_scenarios(builders.plan(Buffer=0.1), scenario("Growth 20%", Buffer=None))
    assert find(plan, " growth 20% ").name == "Growth 20%"
    assert find(plan, "Growth 2%") is None
    settings = scenario_settings(plan.settings, plan.scenarios[0])
    assert settings["Buffer"] == Decimal("0.05")


def test_with_a_margin_each_scenario_shows_its_gross_profit_target():
    """One product at a 25 % margin: each scenario's gross-profit target is 25 % of its
    target (468,000 → 117,000; 800,000 → 200,000), and without a Margin there is none."""
    products = pd.DataFrame(
        {"product": ["P1"], "stage": ["mature"], "weight": [float("nan")], "margin": [0.25]}
    )
    plan = with_scenarios(
        builders.plan(products=products, Buffer=0.1), scenario("board", TeamTarget=800_000)
    )
    team = compare(plan).team.set_index("scenario")
    assert team["gross_profit"].tolist() == [117_000, 200_000]
    assert team["gross_profit_diff"].tolist() == [0, 83_000]
    assert "gross_profit" not in compare(with_scenarios(builders.plan(), scenario("x"))).team
