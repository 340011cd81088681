"""One unit everywhere (SPEC §15): every amount salesplan writes shows in the plan's Unit.

For each of en / zh-CN × Unit 1 / 10000 the example plan is decomposed, tracked and issued
through the command line, and the written packages are read back: on every output sheet, on a
rep's responsibility workbook and on a region roll-up, every amount cell carries the Unit's
number format and its header names the Unit — or yuan, where money is shown to the cent
(commission) or is typed by the rep. The expected formats and header words are written out
by hand below, not taken from the code that writes them.
"""

import openpyxl
import pytest

from tests.examples import example_plan
from xl_addin.cli import main
from xl_addin.sheets.labels import label

# the number formats, by hand: 万元 shows 6,382,000 as 638.2; yuan to the cent; whole yuan
UNIT_FORMAT = {1: "#,##0", 10000: "0\\.0,"}
CENTS = "#,##0.00"
WHOLE_YUAN = "#,##0"
# the unit a header names, by hand
SUFFIX = {
    ("en", 1): " (CNY)",
    ("en", 10000): " (10k CNY)",
    ("zh-CN", 1): "（元）",
    ("zh-CN", 10000): "（万元）",
}
CAP = 300_000  # CommissionCap, yuan
CAP_TEXT = {"en": "cap: 300,000.00 CNY", "zh-CN": "封顶: 300,000.00元"}
REGION_WORD = {"en": "Region", "zh-CN": "区域"}

# Every amount column of every output table, by label key: "unit" shows the plan's Unit,
# "cents" yuan to the cent, "yuan" whole yuan. `None` marks a table whose columns (W1…, a
# month) are amounts as given: their block title names the unit.
UNIT, YUAN_CENTS, YUAN_WHOLE = "unit", "cents", "yuan"
AMOUNTS = {
    # the example's products have a Margin: gross-profit targets beside the targets
    "tblTargets": {
        "floor": UNIT, "target": UNIT, "challenge": UNIT, "history_rate": UNIT,
        "gross_profit": UNIT,
    },
    "tblRegionTargets": {
        "floor": UNIT, "target": UNIT, "challenge": UNIT, "capacity": UNIT, "gap": UNIT,
        "gross_profit": UNIT,
    },
    "tblProductTargets": {"target": UNIT, "gross_profit": UNIT},
    "tblTeamTarget": {"value": UNIT},
    "tblBreakdown": {"target": UNIT, "gross_profit": UNIT},
    "tblPhasing": None,
    "tblReconciliation": {"expected": UNIT, "actual": UNIT, "difference": YUAN_WHOLE},
    "tblNotes": {},
    "tblTracking": {
        "to_date": UNIT, "plan_to_date": UNIT, "floor_to_date": UNIT, "remaining": UNIT,
        "projected": UNIT, "gap_to_floor": UNIT, "gap_to_target": UNIT, "gap_to_challenge": UNIT,
        "gp_to_date": UNIT, "gp_plan_to_date": UNIT,  # the example types GrossProfit
    },
    "tblKPIScorecard": {},
    "tblKPINotes": {},
    "tblCommissionEarned": {
        "sales": YUAN_CENTS, "commission": YUAN_CENTS, "pool_share": YUAN_CENTS,
        "to_next_tier": YUAN_CENTS, "commission_at_next_tier": YUAN_CENTS,
        "projected": YUAN_CENTS, "projected_commission": YUAN_CENTS,
        "projected_pool_share": YUAN_CENTS,
    },
    "tblCommissionStatement": {
        "from": YUAN_CENTS, "to": YUAN_CENTS, "sales": YUAN_CENTS, "amount": YUAN_CENTS,
    },
    "tblCommissionNotes": {},
    "tblForecastNotes": {},
    "tblDashboardSummary": {
        "floor": UNIT, "target": UNIT, "plan_to_date": UNIT, "to_date": UNIT, "projected": UNIT,
        "gap_to_floor": UNIT, "gap_to_target": UNIT, "gap_to_challenge": UNIT,
    },
    "tblDashboardStatus": {},
    "tblDashboardWeekly": "all but the week",
    "tblDashboardRanking": {"to_date": UNIT, "plan_to_date": UNIT},
}  # fmt: skip
ROLLUP_AMOUNTS = {
    "tblRegionReps": {
        "floor": UNIT, "target": UNIT, "challenge": UNIT, "to_date": UNIT, "plan_to_date": UNIT,
    },
    "tblRegionPhasing": None,
}  # fmt: skip

# The responsibility workbook: each amount header (or label, in the Actuals sheet's summary
# column) by sheet, and the unit it names.
REPBOOK_AMOUNTS = {
    0: {"floor": UNIT, "target": UNIT, "challenge": UNIT, "from": UNIT, "gross_profit": UNIT},
    1: {"plan": UNIT, "cumulative_plan": UNIT, "floor_plan": UNIT},  # the weekly plan
    2: {  # Actuals: the weeks, then the progress and the terms beside them
        "plan": UNIT, "floor_plan": UNIT, "cumulative_plan": UNIT, "cumulative_actual": UNIT,
        "amount": YUAN_CENTS,  # typed by the rep, summed by the formulas
        "to_date": UNIT, "plan_to_date": UNIT, "floor_to_date": UNIT,
        "floor": UNIT, "target": UNIT, "challenge": UNIT,
        "commission": YUAN_CENTS, "to_next_tier": YUAN_CENTS,
        "commission_at_next_tier": YUAN_CENTS, "cap": YUAN_CENTS,
        "projected": UNIT, "projected_commission": YUAN_CENTS, "projected_to_next_tier": YUAN_CENTS,
        "projected_commission_at_next_tier": YUAN_CENTS,
    },
}  # fmt: skip
LABEL_COLUMN = 13  # Actuals: column M labels the value to its right


@pytest.fixture(
    scope="module",
    params=[("en", 1), ("en", 10000), ("zh-CN", 1), ("zh-CN", 10000)],
    ids=lambda p: f"{p[0]}-unit{p[1]}",
)
def written(request, tmp_path_factory):
    locale, unit = request.param
    root = tmp_path_factory.mktemp(f"unit-{locale}-{unit}")
    path = root / "plan.xlsx"
    example_plan(path, locale)
    _settings(path, Unit=unit, CommissionCap=CAP)
    assert main(["decompose", str(path)]) == 0
    assert main(["track", str(path)]) == 0
    out = root / "books"
    assert main(["issue", str(path), "--out", str(out)]) == 0
    return locale, unit, path, out


def _settings(path, **values) -> None:
    """Set settings in tblSettings, appending a row (and growing the table) for a new one."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    table = ws.tables["tblSettings"]
    first, last = table.ref.split(":")
    end = ws[last].row
    rows = {ws.cell(r, 1).value: r for r in range(2, end + 1)}
    for key, value in values.items():
        if key not in rows:
            end += 1
            ws.cell(end, 1).value = key
            rows[key] = end
        ws.cell(rows[key], 2).value = value
    table.ref = f"{first}:{''.join(c for c in last if c.isalpha())}{end}"
    wb.save(path)


def _expected(kind: str, locale: str, unit: int) -> tuple[str, str]:
    """(number format, header suffix) of an amount of this kind."""
    if kind == UNIT:
        return UNIT_FORMAT[unit], SUFFIX[locale, unit]
    return (CENTS if kind == YUAN_CENTS else WHOLE_YUAN), SUFFIX[locale, 1]


def _named_unit(text, locale: str) -> bool:
    return isinstance(text, str) and any(
        text.endswith(s) for (loc, _), s in SUFFIX.items() if loc == locale
    )


def _check_tables(ws, spec: dict, locale: str, unit: int) -> set[str]:
    """Every amount cell of the sheet's tables in `spec` (data and Total rows) in its format,
    every amount header naming its unit; nothing else names a unit or shows the Unit's
    format (where that format is the Unit's alone). The names of the tables checked."""
    seen = set()
    for table in ws.tables.values():
        if table.name not in spec:
            continue
        seen.add(table.name)
        rows = list(ws[table.ref])
        header, data = rows[0], rows[1:]
        want = spec[table.name]
        for j, cell in enumerate(header):
            text = cell.value
            if not isinstance(want, dict):  # W1…, a month, a scope's cumulative plan or actual
                kind = UNIT if j > 0 else None  # after the RepID or the week
            else:
                kind = _kind(text, want, locale)
            where = f"{ws.title}!{cell.coordinate} {table.name} {text!r}"
            if kind is None:
                assert not _named_unit(text, locale), f"{where} names a unit"
                if unit == 10000:
                    shown = {
                        c[j].number_format for c in data if isinstance(c[j].value, (int, float))
                    }
                    assert UNIT_FORMAT[unit] not in shown, f"{where} shows an amount in the Unit"
                continue
            fmt, suffix = _expected(kind, locale, unit)
            if want is None:  # amounts as given: the block's title names the unit
                title = ws.cell(cell.row - 1, 1).value
                assert title.endswith(suffix), f"{where}: title {title!r}"
            else:
                assert text.endswith(suffix), where
            for row in data:
                c = row[j]
                assert (
                    c.value is None
                    or isinstance(c.value, (int, float))
                    or str(c.value).startswith("=")
                ), f"{ws.title}!{c.coordinate}: {c.value!r}"
                assert c.number_format == fmt, f"{ws.title}!{c.coordinate} ({where})"
    return seen


def _kind(text, spec: dict, locale: str) -> str | None:
    """The kind of amount a header names: its label without the unit is one of `spec`'s."""
    if not _named_unit(text, locale):
        return None
    bare = text[: -len(_suffix_of(text, locale))]
    return next((kind for key, kind in spec.items() if label(key, locale) == bare), None)


def _suffix_of(text: str, locale: str) -> str:
    return next(s for (loc, _), s in SUFFIX.items() if loc == locale and text.endswith(s))


def test_every_output_sheet_shows_every_amount_in_the_plans_unit(written):
    locale, unit, path, _ = written
    wb = openpyxl.load_workbook(path)
    seen = set()
    for ws in wb.worksheets:
        seen |= _check_tables(ws, AMOUNTS, locale, unit)
    assert seen == set(AMOUNTS)  # every output table was written and checked
    # the expected columns are there, each naming its unit (not merely absent)
    tables = {t.name: (ws, t) for ws in wb.worksheets for t in ws.tables.values()}
    for name, columns in AMOUNTS.items():
        if not isinstance(columns, dict):
            continue
        ws, table = tables[name]
        header = [c.value for c in next(iter(ws[table.ref]))]
        for key, kind in columns.items():
            assert label(key, locale) + _expected(kind, locale, unit)[1] in header, (name, key)


def test_a_region_roll_up_shows_every_amount_in_the_plans_unit_to_its_total(written):
    locale, unit, path, out = written
    (rollup, *_) = sorted(out.glob(f"{REGION_WORD[locale]}_*.xlsx"))
    ws = openpyxl.load_workbook(rollup).worksheets[0]
    # the tables' last rows are their Total rows, so their amounts are checked too
    assert _check_tables(ws, ROLLUP_AMOUNTS, locale, unit) == set(ROLLUP_AMOUNTS)
    for table in ws.tables.values():
        assert table.totalsRowCount == 1
        total = list(ws[table.ref])[-1]
        assert total[0].value == {"en": "Total", "zh-CN": "合计"}[locale]
        first = 2 if table.name == "tblRegionReps" else 1  # after RepID (and Name)
        assert all(str(c.value).startswith("=SUBTOTAL(109,") for c in total[first : first + 5])


def test_a_responsibility_workbook_shows_every_amount_in_the_plans_unit(written):
    locale, unit, _, out = written
    (book, *_) = sorted(out.glob("S0*.xlsx")) or sorted(out.glob("*_*_*.xlsx"))
    wb = openpyxl.load_workbook(book)
    for index, spec in REPBOOK_AMOUNTS.items():
        ws = wb.worksheets[index]
        found = set()
        for row in ws.iter_rows():
            for cell in row:
                if not _named_unit(cell.value, locale):
                    continue
                text = cell.value
                bare = text[: -len(_suffix_of(text, locale))]
                key = next((k for k in spec if label(k, locale) == bare), None)
                where = f"{ws.title}!{cell.coordinate} {text!r}"
                assert key is not None, f"{where} is not an amount"
                fmt, suffix = _expected(spec[key], locale, unit)
                assert text.endswith(suffix), where
                found.add(key)
                for value in _values_of(ws, cell):
                    assert value.number_format == fmt, f"{ws.title}!{value.coordinate} ({where})"
        assert found == set(spec), ws.title
        _nothing_else_in_the_units_format(ws, spec, locale, unit)
    cover = [c.value for row in wb.worksheets[0].iter_rows() for c in row]
    assert CAP_TEXT[locale] in cover


def _values_of(ws, cell) -> list:
    """The cells an amount header (or label) is about: right of a label in the Actuals
    sheet's summary column, else the cells below it while its row holds something (in column
    A) and it holds a value or is formatted (a blank week the rep is yet to type)."""
    if cell.column == LABEL_COLUMN:
        return [ws.cell(cell.row, LABEL_COLUMN + 1)]
    out, r = [], cell.row + 1
    while ws.cell(r, 1).value is not None:
        below = ws.cell(r, cell.column)
        if below.value is None and below.number_format == "General":
            break
        out.append(below)
        r += 1
    assert out, f"{ws.title}!{cell.coordinate}: no amounts below"
    return out


def _nothing_else_in_the_units_format(ws, spec, locale, unit) -> None:
    """No cell shows yuan to the cent or the Unit's own format unless a header names it."""
    named = set()
    for row in ws.iter_rows():
        for cell in row:
            if _named_unit(cell.value, locale):
                named |= {c.coordinate for c in _values_of(ws, cell)}
    for row in ws.iter_rows():
        for cell in row:
            if cell.number_format == CENTS or (
                unit == 10000 and cell.number_format == UNIT_FORMAT[unit]
            ):
                assert cell.coordinate in named, f"{ws.title}!{cell.coordinate} has no unit header"
