"""What-if variants of the plan's settings, decomposed side by side (SPEC §17).

Each scenario of tblScenarios changes some settings; the plan is decomposed once per scenario
with its settings over the tables already read (nothing is read again), and every level is set
beside the plan's own numbers with the difference. The plan itself is not changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from engine.decompose import decompose
from engine.decomposition import Decomposition
from engine.plan import Plan
from engine.problems import PlanError, Problem
from engine.settings import Settings

LEVELS = ("floor", "target", "challenge")


@dataclass(frozen=True)
class Scenario:
    """One scenario of tblScenarios, in its settings' order of the table."""

    name: str
    values: dict  # setting -> value as the engine reads it; None: the setting's default
    typed: dict  # setting -> the Value cell as typed (what adopting writes into tblSettings)
    cells: dict  # setting -> (sheet, cell) of its Value, so a problem points there


@dataclass(frozen=True)
class Summary:
    """What the comparison keeps of one decomposition (not its breakdown or weeks, so that
    the memory of many scenarios of a large plan stays that of one): the team's levels as
    `Compared.team` shows them, each region's and each rep's target. Whole yuan."""

    team: dict  # floor, target, challenge, capacity, gap, extra_headcount (, gross_profit)
    regions: pd.Series  # region -> target
    reps: pd.Series  # rep_id -> target


def summary(d: Decomposition) -> Summary:
    regions = d.regions
    team = {
        **{k: int(d.team[k]) for k in LEVELS},
        "capacity": int(round(float(regions["capacity"].sum()))),
        "gap": int(round(float(regions["gap"].sum()))),
        "extra_headcount": int(regions["extra_headcount"].sum()),
        # with a Margin in tblProducts: the team's gross-profit target (engine/margin.py)
        **({"gross_profit": int(d.team["gross_profit"])} if "gross_profit" in d.team else {}),
    }
    return Summary(
        team,
        regions.set_index("region")["target"].astype(np.int64),
        d.targets.set_index("rep_id")["target"].astype(np.int64),
    )


@dataclass(frozen=True)
class Compared:
    """The plan and every scenario: the plan's decomposition, each scenario's Summary, and
    the levels side by side.

    `team` has a row for the plan (scenario "") and one per scenario: floor, target,
    challenge, capacity, gap (Σ of the regions' gaps to capacity), extra_headcount and the
    differences to the plan (target_diff, floor_diff, challenge_diff, gap_diff). `regions`
    and `reps` hold the plan's target and, for the i-th scenario (from 0), `target_i` and
    `diff_i`. Amounts in whole yuan.
    """

    plan: Decomposition
    scenarios: tuple[tuple[Scenario, Summary], ...]
    team: pd.DataFrame
    regions: pd.DataFrame
    reps: pd.DataFrame


def scenario_settings(settings: Settings, scenario: Scenario) -> Settings:
    """The plan's settings with the scenario's: a blank one (None) is the default; a problem
    with one of them points at the scenario's cell."""
    values = dict(settings.values)
    for name, value in scenario.values.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return Settings(values, {**settings.cells, **scenario.cells})


def scenario_plan(plan: Plan, scenario: Scenario) -> Plan:
    """The plan as it would be with the scenario's settings typed into tblSettings."""
    return replace(plan, settings=scenario_settings(plan.settings, scenario))


def find(plan: Plan, name: str) -> Scenario | None:
    """The scenario of that name (case and surrounding spaces aside), or None."""
    wanted = str(name).strip().casefold()
    return next((s for s in plan.scenarios if s.name.strip().casefold() == wanted), None)


def outcome(plan: Plan, scenario: Scenario) -> Summary | list[Problem]:
    """The Summary of the plan decomposed with the scenario's settings (the change log
    replayed, as `decompose` does), or the problems that stop it."""
    try:
        return summary(decompose(scenario_plan(plan, scenario)))
    except PlanError as exc:
        return list(exc.problems)


def compare(
    plan: Plan, current: Decomposition | None = None, outcomes: list | None = None
) -> Compared:
    """Every scenario of the plan decomposed beside the plan's own decomposition (`current`, or
    decomposed here). `outcomes`: each scenario's `outcome`, in the order of plan.scenarios,
    when the caller has them (made on several cores, say); made here one by one otherwise.
    The problems of all scenarios are raised together."""
    current = current if current is not None else decompose(plan)
    if outcomes is None:
        outcomes = [outcome(plan, scenario) for scenario in plan.scenarios]
    done: list[tuple[Scenario, Summary]] = []
    problems: list[Problem] = []
    for scenario, made in zip(plan.scenarios, outcomes, strict=True):
        if isinstance(made, Summary):
            done.append((scenario, made))
        else:
            problems += made
    if problems:
        raise PlanError(problems)
    mine = summary(current)
    return Compared(
        current, tuple(done), _team(mine, done), _regions(current, done), _reps(current, done)
    )


def _team(current: Summary, done) -> pd.DataFrame:
    rows = [{"scenario": "", **current.team}] + [{"scenario": s.name, **d.team} for s, d in done]
    team = pd.DataFrame(rows)
    for k in (*LEVELS, "gap", *(["gross_profit"] if "gross_profit" in team else [])):
        team[f"{k}_diff"] = team[k] - team.at[0, k]
    base = team.at[0, "target"]
    team["target_change"] = team["target_diff"] / base if base else np.nan
    return team


def _side_by_side(current: pd.DataFrame, key: str, done, frame) -> pd.DataFrame:
    out = current.copy()
    plan_target = out["target"].to_numpy(dtype=np.int64)
    for i, (_, d) in enumerate(done):
        target = frame(d).reindex(out[key]).fillna(0).to_numpy(dtype=np.int64)
        out[f"target_{i}"] = target
        out[f"diff_{i}"] = target - plan_target
    return out.reset_index(drop=True)


def _regions(current: Decomposition, done) -> pd.DataFrame:
    base = current.regions[["region", "target"]].astype({"target": np.int64})
    return _side_by_side(base, "region", done, lambda d: d.regions)


def _reps(current: Decomposition, done) -> pd.DataFrame:
    base = current.targets[["rep_id", "name", "region", "target"]].astype({"target": np.int64})
    return _side_by_side(base, "rep_id", done, lambda d: d.reps)
