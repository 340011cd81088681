"""The responsibility workbook's live formulas against the engine, computed by LibreOffice
and by IronCalc.

Random weekly actuals (and totals placed exactly on every tier, on the plan and on the red
line, and one cent below each) are typed into the Actuals sheet's input cells of generated
workbooks; LibreOffice recalculates them all in one call and IronCalc evaluates the same
files; engine, LibreOffice and IronCalc must agree cell by cell (the summary cells and the
cumulative-actual column), across both commission modes, both locales, with and without a
CommissionCap. test_formulas_ironcalc.py runs many more cases through IronCalc alone.
"""

import io
import random
import zipfile

import pytest

from tests.libreoffice import recalculate_many
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
    typed_cells,
)
from xl_addin.repbook.render import FIRST, render_repbook
from xl_addin.workbook.sheetcells import set_cells

ROUNDS, REPS = 7, 4  # per variant: 4 variants × 7 rounds × 4 reps = 112 cases


def type_actuals(data: bytes, cents: list[int | None]) -> bytes:
    """Write the amounts into the Actuals sheet's input cells, as a user's Excel would."""
    src = zipfile.ZipFile(io.BytesIO(data))
    part = f"xl/worksheets/sheet{ACTUALS_SHEET + 1}.xml"
    cells = typed_cells(cents)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            z.writestr(info, set_cells(body, cells) if info.filename == part and cells else body)
    return out.getvalue()


def test_live_formulas_equal_the_engine_in_libreoffice_and_ironcalc(books_of_variants, tmp_path):
    cases = generate(books_of_variants, random.Random(20261123), ROUNDS, REPS)
    assert len(cases) >= 100
    assert_cases_cover(cases)
    # and projections exactly on a tier or one cent below it, 3 reps a variant
    cases += generate_forecast_boundaries(books_of_variants, random.Random(20261206), 3)
    paths = []
    for case in cases:
        path = tmp_path / f"{case.name}.xlsx"
        path.write_bytes(type_actuals(render_repbook(case.book), case.cents))
        paths.append(path)
    computed = recalculate_many(paths)
    for path, case in zip(paths, cases, strict=True):
        weeks = len(case.book.weeks)
        ws = computed[path].worksheets[ACTUALS_SHEET]
        office = {
            key: ws.cell(FIRST + 1 + k, SUMMARY_COLUMN).value for k, key in enumerate(SUMMARY)
        } | {
            key: ws.cell(FORECAST_FIRST + k, SUMMARY_COLUMN).value for k, key in enumerate(FORECAST)
        }
        office_cumulative = [ws.cell(FIRST + 1 + w, CUMULATIVE_COLUMN).value for w in range(weeks)]
        assert_agrees(office, office_cumulative, case.want, f"LibreOffice, {path.name}")
        iron = IronCalcBook(path)  # the same file, evaluated on load
        iron_cumulative = iron.cumulative(weeks)
        assert_agrees(iron.summary(), iron_cumulative, case.want, f"IronCalc, {path.name}")
        # and the two spreadsheets cell by cell, to the 15 significant digits LibreOffice
        # writes into the file (an empty text reads back as None through openpyxl)
        for key, value in iron.summary().items():
            want = value if isinstance(value, str) else pytest.approx(value, rel=1e-14, abs=0)
            assert (office[key] if office[key] is not None else "") == want, f"{key}, {path.name}"
        assert office_cumulative == iron_cumulative, path.name
