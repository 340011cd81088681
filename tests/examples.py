"""The example company for tests, made once per test process and copied for each test.

`init --example`, `decompose`, `track` each take seconds on the example's 32,691 rows of
history, and dozens of tests start from the same plan; `example_plan` makes each (locale,
commands, weight) once in the process and copies it.

A *light* example holds only the history weeks the example's settings read: the 13 weeks
before the period (Baseline last_period, the share window, capability; its tblRhythm phases
the weeks, so no weekly profile of last year is read) — 4,347 rows instead of 32,691. It
decomposes, tracks and issues to the very same sheets
(`test_the_light_example_gives_the_very_sheets_of_the_full_one`); tests that read the plan
through the openpyxl stand-in for Excel, or compare plans cell by cell, use it because
openpyxl's cost grows with every history cell. Tests about the history itself, the package
of the full example or the demo use the full one.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from unittest import mock

import pandas as pd

from xl_addin.cli import main
from xl_addin.workbook import example_company, init

LAST_PERIOD = (-13, -1)  # the example's baseline window (PeriodWeeks 13), from PeriodStart

_made: dict[tuple, Path] = {}
_folder: Path | None = None


def light_tables(locale: str) -> dict[str, pd.DataFrame]:
    """The example's tables with only the history weeks its settings read."""
    tables = example_company.example_tables(locale)
    history = tables["history"]
    week = (history["period"] - pd.Timestamp(example_company.PERIOD_START)).dt.days // 7
    tables["history"] = history[week.between(*LAST_PERIOD)].reset_index(drop=True)
    return tables


def example_plan(
    dest: Path, locale: str = "en", *commands: str, light: bool = True, name: str = "plan.xlsx"
) -> Path:
    """A copy at `dest/name` (or at `dest` when it ends in .xlsx) of the example plan in
    `locale` after `commands` (each run as `salesplan COMMAND PLAN`, e.g. "decompose",
    "track"). Every copy of one (locale, commands, light) has the same PlanID."""
    key = (locale, commands, light)
    if key not in _made:
        _made[key] = _make(key)
    dest = Path(dest)
    path = dest if dest.suffix in (".xlsx", ".xlsm") else dest / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_made[key], path)
    return path


def new_example(dest: Path, *options: str) -> Path:
    """`salesplan init DEST --example [OPTIONS]` run anew, on the light example: a plan with a
    PlanID of its own (every `example_plan` copy shares one)."""
    with mock.patch.object(init, "example_tables", light_tables):
        assert main(["init", str(dest), "--example", *options]) == 0, dest
    return Path(dest)


def _make(key: tuple) -> Path:
    global _folder
    locale, commands, light = key
    if commands:  # one command more than a made plan: start from that one
        before = (locale, commands[:-1], light)
        if before not in _made:
            _made[before] = _make(before)
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="salesplan-examples-"))
        atexit.register(shutil.rmtree, _folder, True)
    path = _folder / f"{len(_made)}.xlsx"
    if commands:
        shutil.copyfile(_made[(locale, commands[:-1], light)], path)
        assert main([commands[-1], str(path)]) == 0, key
    else:
        tables = light_tables if light else example_company.example_tables
        with mock.patch.object(init, "example_tables", tables):
            assert main(["init", str(path), "--example", "--locale", locale]) == 0, key
    return path
