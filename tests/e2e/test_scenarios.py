"""`salesplan scenarios` and `decompose --scenario` on the example company (SPEC §17).

The plan is the example company with its last 13 weeks of history (what its baseline and
shares read), written by init's writer. A scenario's settings "typed into tblSettings" is
the same tables written again with those rows of tblSettings changed: independent of how
salesplan adopts a scenario.
"""

import dataclasses
import functools
import io
import re
import zipfile
from decimal import Decimal

import pandas as pd
import pytest

from engine import decompose
from engine.scenarios import compare, scenario_plan
from tests.ooxml.check import problems
from xl_addin.cli import main, run_adopt, run_scenarios
from xl_addin.commands import scenarios_summary
from xl_addin.workbook.example_company import PERIOD_START, example_tables
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.init import _write
from xl_addin.workbook.reader import read_plan

# the example's scenarios, by hand: each one's settings as typed into tblSettings
SCENARIOS = {
    "Growth 12%": {"MarketGrowth": "12%"},
    "Growth 20%": {"MarketGrowth": "20%", "Buffer": "5%"},
    "Board 32M": {"TeamTarget": 32_000_000},
}
# the parts a new sheet adds to or changes in a package; every other part stays as it was
SPLICED = (
    "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "docProps/app.xml",
    "xl/styles.xml",  # the new sheet's formats, added after the plan's own
)  # fmt: skip


@functools.cache
def _example() -> dict:
    t = example_tables("en")
    history = t["history"]
    t["history"] = history[history["period"] >= pd.Timestamp(PERIOD_START) - pd.Timedelta(weeks=13)]
    return t


def tables(settings: dict | None = None) -> dict:
    t = {k: v.copy() for k, v in _example().items()}
    if settings:
        s = t["settings"].copy()
        for name, value in settings.items():
            s.loc[s["setting"] == name, "value"] = value
            if name not in set(s["setting"]):
                s = pd.concat([s, pd.DataFrame([{"setting": name, "value": value}])])
        t["settings"] = s.reset_index(drop=True)
    return t


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def sheet_part(path, name: str) -> str:
    """The package part of the sheet called `name`."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    (rid,) = re.findall(rf'<sheet [^>]*name="{re.escape(name)}"[^>]*r:id="(rId\d+)"', book)
    (target,) = re.findall(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.findall(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)  # fmt: skip
    return "xl/" + target.removeprefix("/xl/")


def rows(path, table: str) -> list[dict]:
    """A table's rows as its cells hold them (read with calamine, as a plan is)."""
    raw = FileBook(path).table(table)
    return [dict(zip(raw.headers, row, strict=True)) for row in raw.rows]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The plan before and after `scenarios`, and for each scenario a copy of the plan with
    its settings typed into tblSettings, decomposed."""
    folder = tmp_path_factory.mktemp("scenarios")
    plan = folder / "plan.xlsx"
    _write(str(plan), tables(), "en")
    (folder / "unseen.xlsx").write_bytes(plan.read_bytes())  # before any scenario was run
    before = parts(plan)
    out = io.StringIO()
    assert run_scenarios(plan, out=out) == 0
    typed = {}
    for k, (name, settings) in enumerate(SCENARIOS.items()):
        typed[name] = folder / f"typed{k}.xlsx"
        _write(str(typed[name]), tables(settings), "en")
    # its Targets, Breakdown and Phasing sheets are what adopting the scenario must write
    assert main(["decompose", str(typed["Growth 20%"])]) == 0
    return plan, before, out.getvalue(), typed


def test_each_scenario_is_what_decompose_makes_of_its_settings_typed_into_settings(written):
    plan, _, said, typed = written
    team = {r["Scenario"]: r for r in rows(plan, "tblScenarioTeam")}
    reps = rows(plan, "tblScenarioReps")
    regions = rows(plan, "tblScenarioRegions")
    read = read_plan(FileBook(plan))
    compared = compare(read)
    current = compared.plan
    assert team["Plan (current)"]["Target (CNY)"] == current.team["target"]
    assert [s.name for s, _ in compared.scenarios] == list(SCENARIOS)
    for (scenario, kept), (name, path) in zip(compared.scenarios, typed.items(), strict=True):
        # the scenario's decomposition (what adopting it writes) exactly that of the typed
        # copy, and what the comparison keeps of it that copy's numbers
        engine = decompose(scenario_plan(read, scenario))
        separate = decompose(read_plan(FileBook(path)))
        for frame in ("targets", "regions", "breakdown", "weekly", "months", "reconciliation"):
            pd.testing.assert_frame_equal(getattr(engine, frame), getattr(separate, frame))
        assert kept.reps.to_dict() == separate.targets.set_index("rep_id")["target"].to_dict()
        assert kept.regions.to_dict() == separate.regions.set_index("region")["target"].to_dict()
        assert kept.team["target"] == separate.team["target"]
        # and the sheet shows that copy's targets, rep by rep and region by region
        targets = separate.targets.set_index("rep_id")
        assert len(reps) == len(targets) == 24
        for r in reps:
            mine = targets.at[r["RepID"], "target"]
            plan_target = current.targets.set_index("rep_id").at[r["RepID"], "target"]
            assert (r["Plan target (CNY)"], r[f"{name} (CNY)"]) == (plan_target, mine)
            assert r[f"{name} Δ (CNY)"] == mine - plan_target
        region = separate.regions.set_index("region")
        for r in regions:
            assert r[f"{name} (CNY)"] == region.at[r["Region"], "target"]
        t = team[name]
        for level in ("floor", "target", "challenge"):
            assert t[f"{level.title()} (CNY)"] == targets[level].sum()
        assert t["Gap (CNY)"] == round(region["gap"].sum())
        assert t["TargetΔ (CNY)"] == t["Target (CNY)"] - current.team["target"]
    assert team["Board 32M"]["Target (CNY)"] == 32_000_000  # TeamTarget, by hand
    assert "Board 32M: team target 32,000,000 CNY" in said
    assert "the plan's own targets are unchanged" in said
    zh = scenarios_summary(compared, "plan.xlsx", 1.0, "zh-CN")
    assert zh[0].startswith("已将 plan.xlsx 的 3 个方案与计划比较")


def test_scenarios_leaves_every_other_part_of_the_plan_as_it_was(written):
    plan, before, _, _ = written
    after = parts(plan)
    scenarios = sheet_part(plan, "Scenarios")
    assert scenarios not in before
    changed = {n for n in before if after.get(n) != before[n]}
    assert changed <= set(SPLICED), changed
    added = set(after) - set(before)
    assert scenarios in added
    assert all(n.startswith(("xl/worksheets/", "xl/tables/", "xl/charts/", "xl/drawings/")) for n in added), added  # fmt: skip
    assert any(n.startswith("xl/charts/") for n in added)  # the team target per scenario
    assert problems(plan) == []  # a sound package, by the ECMA-376 schemas and package rules


def test_adopting_a_scenario_writes_what_typing_its_settings_would(written, tmp_path):
    plan, _, _, typed = written
    path = tmp_path / "plan.xlsx"
    path.write_bytes(plan.with_name("unseen.xlsx").read_bytes())  # formats as the copy's
    out = io.StringIO()
    assert run_adopt(path, "growth 20%", out=out) == 0  # the name in any case
    said = out.getvalue()
    assert "adopted scenario Growth 20%: MarketGrowth 20%; Buffer 5%" in said
    assert "plan version 2" in said
    copy = typed["Growth 20%"]
    for sheet in ("Targets", "Breakdown", "Phasing"):
        assert parts(path)[sheet_part(path, sheet)] == parts(copy)[sheet_part(copy, sheet)], sheet
    settings = {r["Setting"]: r["Value"] for r in rows(path, "tblSettings")}
    assert (settings["MarketGrowth"], settings["Buffer"], settings["Version"]) == ("20%", "5%", 2)
    (log,) = rows(path, "tblChangeLog")
    team = {r["Scenario"]: r["Target (CNY)"] for r in rows(plan, "tblScenarioTeam")}
    assert (log["Field"], log["Version"]) == ("Scenario", 2)
    assert (log["Old"], log["New"]) == (team["Plan (current)"], team["Growth 20%"])
    assert "Growth 20%" in log["Reason"]
    notes = [r["Note"] for r in rows(path, "tblNotes")]
    assert any('scenario "Growth 20%"' in n for n in notes)


BAD = [
    ("Up", "MarketGrowth", "lots"),  # C2: not a number
    ("Up", "Bufer", "5%"),  # B3: no such setting
    ("Up", "Buffer", "150%"),  # C4: a buffer of 150 %
    ("Up", "Version", 3),  # B5: salesplan keeps it
    ("Up", "marketgrowth", "9%"),  # B6: set twice in one scenario
    ("Down", "Baseline", "lastperiod"),  # C7: not one of the choices
]


def test_bad_scenario_values_are_named_at_their_cells_and_nothing_changes(tmp_path, capsys):
    t = tables()
    t["scenarios"] = pd.DataFrame(BAD, columns=["scenario", "setting", "value"])
    path = tmp_path / "plan.xlsx"
    _write(str(path), t, "en")
    before = path.read_bytes()
    assert main(["scenarios", str(path)]) == 2
    err = capsys.readouterr().err
    assert "salesplan: 6 problems in the input; nothing was changed." in err
    for cell, words in (
        ("C2", 'MarketGrowth "lots" is not a number'),
        ("B3", 'unknown setting "Bufer" (did you mean "Buffer"?)'),
        ("C4", "Buffer"),
        ("B5", "Version is kept by salesplan"),
        ("B6", "scenario Up sets MarketGrowth twice (first in row 2)"),
        ("C7", 'Baseline "lastperiod" is not one of'),
    ):
        line = next((x for x in err.splitlines() if x.startswith(f"ScenarioSettings!{cell}:")), "")
        assert words in line, (cell, err)
    assert main(["decompose", str(path), "--scenario", "Up"]) == 2
    assert path.read_bytes() == before


def test_an_unknown_scenario_or_none_at_all_is_said_and_nothing_changes(written, tmp_path, capsys):
    plan, _, _, _ = written
    path = tmp_path / "plan.xlsx"
    path.write_bytes(plan.read_bytes())
    assert main(["decompose", str(path), "--scenario", "Growth 21%"]) == 2
    err = capsys.readouterr().err
    assert '--scenario: there is no scenario "Growth 21%" in tblScenarios' in err
    assert "give one of: Growth 12%, Growth 20%, Board 32M" in err
    assert path.read_bytes() == plan.read_bytes()
    empty = tmp_path / "empty.xlsx"
    t = tables()
    t["scenarios"] = t["scenarios"].iloc[0:0]
    _write(str(empty), t, "en")
    before = empty.read_bytes()
    assert main(["scenarios", str(empty)]) == 2
    assert "ScenarioSettings: tblScenarios holds no scenario" in capsys.readouterr().err
    assert empty.read_bytes() == before


def test_scenarios_made_on_several_cores_are_those_made_one_by_one():
    """scenario_outcomes hands each scenario to a process of its own: what comes back equals
    what is made here (the team's levels, each region's and rep's target), and a scenario's
    problems come back as problems at its cells, in the order of the scenarios."""
    from engine.problems import PlanError
    from engine.scenarios import outcome
    from tests import builders
    from tests.engine.test_scenarios import scenario, with_scenarios
    from xl_addin.commands import scenario_outcomes

    plan = with_scenarios(
        builders.plan(Buffer=0.1),
        scenario("bold", MarketGrowth=Decimal("0.25"), Buffer=Decimal("0.04")),
        scenario("tiny", TeamTarget=500),  # below RoundTo 1,000: a problem
        scenario("board", TeamTarget=800_000),
    )
    apart = scenario_outcomes(plan, workers=2)
    here = [outcome(plan, s) for s in plan.scenarios]
    assert [type(x) for x in apart] == [type(x) for x in here]
    assert isinstance(apart[1], list) and [(p.sheet, p.cell) for p in apart[1]] == [
        ("ScenarioSettings", "C2")
    ]
    assert apart[1] == here[1]
    for a, b in ((apart[0], here[0]), (apart[2], here[2])):
        assert a.team == b.team
        pd.testing.assert_series_equal(a.regions, b.regions)
        pd.testing.assert_series_equal(a.reps, b.reps)
    assert apart[2].team["target"] == 800_000  # TeamTarget, by hand
    assert compare(with_scenarios(plan, plan.scenarios[0]), outcomes=[apart[0]]).team[
        "target"
    ].tolist() == [468_000, 624_000]  # 520,000 × 0.9; 520,000 × 1.25 × 0.96
    with pytest.raises(PlanError) as exc:
        compare(plan, outcomes=apart)
    assert [(p.sheet, p.cell) for p in exc.value.problems] == [("ScenarioSettings", "C2")]


@pytest.fixture
def spawned():
    """Processes started as on Windows and macOS (spawned, not forked: the plan is pickled)."""
    import multiprocessing

    method = multiprocessing.get_start_method()
    multiprocessing.set_start_method("spawn", force=True)
    yield
    multiprocessing.set_start_method(method, force=True)


def test_scenarios_go_to_spawned_processes_unless_the_plan_cannot_be_pickled(spawned):
    """Where processes are spawned the plan is pickled to each: a plan that pickles is compared
    there, one holding what cannot be pickled (a table from a source, placed through its open
    DuckDB connection: here a lambda) in this process — the same numbers either way."""
    from engine.scenarios import outcome
    from tests import builders
    from tests.engine.test_scenarios import scenario, with_scenarios
    from xl_addin.commands import scenario_outcomes

    plan = with_scenarios(
        builders.plan(Buffer=0.1),
        scenario("bold", MarketGrowth=Decimal("0.25"), Buffer=Decimal("0.04")),
        scenario("board", TeamTarget=800_000),
    )
    here = [outcome(plan, s) for s in plan.scenarios]
    history = plan.history.copy()
    history.attrs["locate"] = lambda key, row: ("orders.csv", f":{row}")
    sourced = dataclasses.replace(plan, history=history)
    for p in (plan, sourced):
        apart = scenario_outcomes(p, workers=2)
        assert [a.team for a in apart] == [h.team for h in here]
        assert [a.team["target"] for a in apart] == [624_000, 800_000]  # 520,000 × 1.25 × 0.96
