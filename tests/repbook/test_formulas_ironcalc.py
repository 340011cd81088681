"""The responsibility workbook's live formulas against the engine on many more cases,
evaluated by IronCalc alone (in-process, well under a millisecond a case).

Every rep's workbook of each variant is rendered and loaded into IronCalc once; rounds of
actuals (every rep typing up to the same week, every week of the period in turn, totals
random or exactly on a boundary and one cent below) are typed through IronCalc's API
and evaluated; the summary cells and the cumulative-actual column must equal the engine's.
Every other formula in the workbook is named here and checked once per workbook, so no
formula goes unchecked. IronCalc (0.9.1) evaluates every function the workbook uses
(SUMPRODUCT over array expressions, SUM, ROUND, ROUNDUP, IF, MIN, MAX, NA, text results):
no cell is left out.
"""

import random

import numpy as np

from tests.repbook.formula_cases import (
    ACTUALS_SHEET,
    CUMULATIVE_COLUMN,
    FORECAST,
    FORECAST_FIRST,
    SUMMARY,
    SUMMARY_COLUMN,
    IronCalcBook,
    assert_agrees,
    assert_cases_cover,
    generate,
    generate_forecast_boundaries,
)
from xl_addin.repbook.render import FIRST, render_repbook

ROUNDS = 21  # per variant, every rep: 4 variants × 21 rounds × 24 reps = 2,016 cases
PLAN_SHEET = 1
CUMULATIVE_PLAN_COLUMN = 10  # J on the Actuals sheet; E on the Plan sheet
PLAN_FIRST = 4  # 1-based row of week 1 on the Plan sheet


def checked_formulas(weeks: int, months: int) -> set[tuple[int, int, int]]:
    """(sheet, row, column) of every formula of a workbook: the summary, the cumulative
    actual (both typed-actuals dependent, checked per case) and the cumulative plan and the
    month totals (constants of the workbook, checked once)."""
    rows = range(FIRST + 1, FIRST + 1 + weeks)
    actuals = {(ACTUALS_SHEET, FIRST + 1 + k, SUMMARY_COLUMN) for k in range(len(SUMMARY))}
    actuals |= {(ACTUALS_SHEET, FORECAST_FIRST + k, SUMMARY_COLUMN) for k in range(len(FORECAST))}
    actuals |= {
        (ACTUALS_SHEET, r, c) for r in rows for c in (CUMULATIVE_COLUMN, CUMULATIVE_PLAN_COLUMN)
    }
    plan = {(PLAN_SHEET, PLAN_FIRST + w, 5) for w in range(weeks)}
    month_rows = range(PLAN_FIRST + weeks + 2, PLAN_FIRST + weeks + 2 + months)
    return actuals | plan | {(PLAN_SHEET, r, 2) for r in month_rows}


def assert_plan_formulas(iron: IronCalcBook, weekly: np.ndarray, where: str) -> None:
    """The cumulative plan (Plan and Actuals sheets) and the month totals of the Plan sheet
    equal the engine's weekly plan of the rep, summed."""
    get = iron.model.get_cell_value
    weeks = len(weekly)
    cumulative = np.cumsum(weekly).tolist()
    for w in range(weeks):
        assert get(PLAN_SHEET, PLAN_FIRST + w, 5) == cumulative[w], where
        assert get(ACTUALS_SHEET, FIRST + 1 + w, CUMULATIVE_PLAN_COLUMN) == cumulative[w], where
    labels = [get(PLAN_SHEET, PLAN_FIRST + w, 3) for w in range(weeks)]
    months = list(dict.fromkeys(labels))
    for k, month in enumerate(months):
        row = PLAN_FIRST + weeks + 2 + k
        assert get(PLAN_SHEET, row, 1) == month, where
        total = sum(int(a) for a, m in zip(weekly, labels, strict=True) if m == month)
        assert get(PLAN_SHEET, row, 2) == total, f"{month} in {where}"
    assert iron.formula_cells().keys() == checked_formulas(weeks, len(months)), where


def test_live_formulas_equal_the_engine_in_ironcalc_on_2000_cases(books_of_variants, tmp_path):
    loaded = {}
    for v, (_, d, books) in enumerate(books_of_variants):
        weekly = dict(zip(d.targets["rep_id"], d.weekly.to_numpy(dtype=np.int64), strict=True))
        for book in books:
            path = tmp_path / f"{v}_{book.rep_id}.xlsx"
            path.write_bytes(render_repbook(book))
            iron = loaded[v, book.rep_id] = IronCalcBook(path)
            assert_plan_formulas(iron, weekly[book.rep_id], path.name)
    cases = generate(books_of_variants, random.Random(20261206), ROUNDS, None)
    assert len(cases) >= 2000
    assert_cases_cover(cases)
    # every rep's projection exactly on a tier or one cent below it
    boundaries = generate_forecast_boundaries(books_of_variants, random.Random(7), 0)
    tiers = {c.name: (c.book.floor, c.book.target, c.book.challenge) for c in boundaries}
    on_tier = [
        c
        for c in boundaries
        if c.want["projected"] in {x * 100 - d for x in tiers[c.name] for d in (0, 1)}
    ]
    assert len(on_tier) == len(boundaries) >= 50
    for case in cases + boundaries:
        iron = loaded[case.variant, case.book.rep_id]
        weeks = len(case.book.weeks)
        iron.type_actuals(case.cents, weeks)
        assert_agrees(iron.summary(), iron.cumulative(weeks), case.want, case.name)
