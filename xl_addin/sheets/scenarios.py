"""Describe the Scenarios sheet (SPEC §17): the team, its regions and every rep under each
scenario of tblScenarios, beside the plan's own numbers with the difference, and a chart of
the team target per scenario. Amounts in the plan's Unit, the header naming it (SPEC §15).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from engine.scenarios import Compared, Scenario
from engine.settings import Settings
from xl_addin.sheets.description import Block, Chart, Col, OutputSheet, Series, columns
from xl_addin.sheets.labels import label
from xl_addin.sheets.units import money_format, with_unit

SHEET = "Scenarios"
PLAN_COLOUR = "#1F4E78"


def describe_scenarios(c: Compared, settings: Settings) -> list[OutputSheet]:
    loc, unit = settings.locale, int(settings["Unit"])
    cols = columns(settings)
    plan_name = label("scenario_plan", loc)
    names = [s.name for s, _ in c.scenarios]
    team = c.team.assign(
        scenario=[plan_name, *names],
        settings=["", *(settings_text(s) for s, _ in c.scenarios)],
    )
    team_block = Block(
        "tblScenarioTeam",
        cols(
            ("scenario", None, "text"),
            ("floor", None, "money"),
            ("target", None, "money"),
            ("challenge", None, "money"),
            ("target_diff", None, "money"),
            ("target_change", None, "pct"),
            ("capacity", None, "money"),
            ("gap", None, "money"),
            ("gap_diff", None, "money"),
            ("extra_headcount", None, "int"),
            *(
                (("gross_profit", None, "money"), ("gross_profit_diff", None, "money"))
                if "gross_profit" in team
                else ()
            ),
            ("settings", None, "text"),
        ),
        team,
        title=label("scenarios_team_title", loc),
    )
    money = money_format(unit)
    side = _side_columns(names, loc, unit, money)
    regions = Block(
        "tblScenarioRegions",
        (*cols(("region", None, "text")), _plan_column(loc, unit, money), *side),
        c.regions,
        title=label("scenarios_regions_title", loc),
    )
    reps = Block(
        "tblScenarioReps",
        (
            *cols(("rep_id", None, "text"), ("name", None, "text"), ("region", None, "text")),
            _plan_column(loc, unit, money),
            *side,
        ),
        c.reps,
        title=label("scenarios_reps_title", loc),
    )
    chart = Chart(
        "column",
        label("scenarios_chart", loc),
        (
            Series(
                label("target", loc),
                "tblScenarioTeam",
                "target",
                "scenario",
                PLAN_COLOUR,
            ),
        ),
        y_format=money,
    )
    return [OutputSheet(SHEET, SHEET, (team_block, regions, reps), freeze_cols=1, charts=(chart,))]


def settings_text(scenario: Scenario) -> str:
    """What a scenario sets, as typed: `MarketGrowth 20%; Buffer 2%` (a blank: the default)."""
    return "; ".join(
        f"{name} {_shown(scenario.typed.get(name))}" if value is not None else f"{name} —"
        for name, value in scenario.values.items()
    )


def _shown(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return f"{value:%Y-%m-%d}"
    return str(value).strip()


def _plan_column(loc: str, unit: int, money: str) -> Col:
    return Col("target", with_unit(label("scenario_plan_target", loc), unit, loc), money)


def _side_columns(names: list[str], loc: str, unit: int, money: str) -> tuple[Col, ...]:
    """Each scenario's target and its difference to the plan; the headers are the scenario's
    name (unique in a table, as Excel requires, whatever the names)."""
    taken = {label("scenario_plan_target", loc).casefold()}
    out = []
    for i, name in enumerate(names):
        for key, header in ((f"target_{i}", name), (f"diff_{i}", f"{name} Δ")):
            text, n = header, 1
            while text.casefold() in taken:
                n += 1
                text = f"{header} ({n})"
            taken.add(text.casefold())
            out.append(Col(key, with_unit(text, unit, loc), money))
    return tuple(out)
