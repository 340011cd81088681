"""The bad-input corpus (SPEC §13, STYLE §5): one corrupted workbook per problem.

Every case starts from `salesplan init --example --locale en`, changes what a user would
change in Excel (through openpyxl, so the file stays a valid workbook), runs
`salesplan decompose` and checks the exact message, exit code 2 and an untouched file.
Then the inputs that must be accepted (numbers as text, 30 %, full-width digits …) are
run through, with the resulting targets checked against a hand computation.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from engine import decompose
from engine.plan import Plan
from tests.examples import example_plan
from xl_addin.cli import main
from xl_addin.sheets.units import without_unit
from xl_addin.workbook import example_company, init
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan

START = example_company.PERIOD_START  # 2026-10-05
HISTORY_WEEKS = 13
GROWTH, BUFFER, ROUND_TO = Decimal("0.08"), Decimal("0.03"), 1000  # the example's settings


# -- the example workbook, and editing it as a user would ----------------------------------
@pytest.fixture(scope="session")
def example_workbook(tmp_path_factory) -> Path:
    """The `--example` company, with a history small enough to edit in a fraction of a second.

    Only the 13 weeks before PeriodStart (what Baseline last_period reads), and one row per
    week, rep and product, without CustomerType (as many CRM exports; the engine splits by
    customer type from tblCustomerTypes alone, so no target changes).
    """

    def short_history(locale: str) -> dict[str, pd.DataFrame]:
        tables = example_company.example_tables(locale)
        h = tables["history"]
        h = h[h["period"] >= pd.Timestamp(START) - pd.Timedelta(weeks=HISTORY_WEEKS)]
        keys = ["period", "region", "product", "rep_id"]
        h = h.groupby(keys, sort=False, as_index=False)["amount"].sum().round({"amount": 2})
        tables["history"] = h.assign(customer_type=None)[tables["history"].columns]
        return tables

    path = tmp_path_factory.mktemp("example") / "example.xlsx"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(init, "example_tables", short_history)
        init.write_plan(path, example=True, locale="en")
    return path


@pytest.fixture
def plan(example_workbook, tmp_path) -> Path:
    path = tmp_path / "plan.xlsx"
    shutil.copyfile(example_workbook, path)
    return path


class Book:
    """An openpyxl workbook addressed as the user sees it: table, column header, row key."""

    def __init__(self, wb: openpyxl.Workbook):
        self.wb = wb

    def table(self, name: str):
        ws = next(ws for ws in self.wb.worksheets if name in ws.tables)
        return ws, ws.tables[name]

    def bounds(self, name: str) -> tuple[int, int, int, int]:
        return range_boundaries(self.table(name)[1].ref)  # min_col, min_row, max_col, max_row

    def col(self, name: str, header: str) -> int:
        """The sheet column (1-based) of a table's column."""
        _, table = self.table(name)
        headers = [c.name for c in table.tableColumns]
        return self.bounds(name)[0] + headers.index(header)

    def row(self, name: str, key) -> int:
        """The sheet row whose first table cell holds `key`."""
        ws, _ = self.table(name)
        min_col, min_row, _, max_row = self.bounds(name)
        return next(r for r in range(min_row + 1, max_row + 1) if ws.cell(r, min_col).value == key)

    def cell(self, name: str, header: str, key=None, row: int | None = None):
        ws, _ = self.table(name)
        return ws.cell(row or self.row(name, key), self.col(name, header))

    def set(self, name: str, header: str, key, value) -> None:
        """Type `value` into the row whose first cell is `key`."""
        self.cell(name, header, key).value = value

    def set_at(self, name: str, header: str, row: int, value) -> None:
        """Type `value` into sheet row `row`."""
        self.cell(name, header, row=row).value = value

    def clear_row(self, name: str, key) -> None:
        """Select the row's cells and press Delete."""
        ws, _ = self.table(name)
        min_col, _, max_col, _ = self.bounds(name)
        row = self.row(name, key)
        for col in range(min_col, max_col + 1):
            ws.cell(row, col).value = None

    def setting(self, name: str, value) -> None:
        """Type a setting's Value; a setting the example lacks gets a new row."""
        if name in self.column("tblSettings", "Setting"):
            self.set("tblSettings", "Value", name, value)
        else:
            self.append("tblSettings", [name, value])

    def column(self, name: str, header: str) -> list:
        ws, _ = self.table(name)
        _, min_row, _, max_row = self.bounds(name)
        j = self.col(name, header)
        return [ws.cell(r, j).value for r in range(min_row + 1, max_row + 1)]

    def set_column(self, name: str, header: str, values: list) -> None:
        ws, _ = self.table(name)
        _, min_row, _, _ = self.bounds(name)
        j = self.col(name, header)
        for r, v in enumerate(values, start=min_row + 1):
            ws.cell(r, j).value = v

    def rename(self, name: str, old: str, new: str) -> None:
        """Retype a header cell; the table's column name follows, as in Excel."""
        ws, table = self.table(name)
        j = [c.name for c in table.tableColumns].index(old)
        min_col, min_row, _, _ = self.bounds(name)
        ws.cell(min_row, min_col + j).value = new
        table.tableColumns[j].name = new

    def resize(self, name: str, max_row: int) -> None:
        _, table = self.table(name)
        min_col, min_row, max_col, _ = self.bounds(name)
        table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref

    def append(self, name: str, values: list) -> int:
        """A new row under the table, which grows to take it (Excel's auto-expand)."""
        ws, _ = self.table(name)
        min_col, _, _, max_row = self.bounds(name)
        for j, v in enumerate(values):
            ws.cell(max_row + 1, min_col + j).value = v
        self.resize(name, max_row + 1)
        return max_row + 1

    def clear(self, name: str) -> None:
        """Select every data row and press Delete: the cells are blank, the table stays."""
        ws, _ = self.table(name)
        min_col, min_row, max_col, max_row = self.bounds(name)
        for row in ws.iter_rows(
            min_row=min_row + 1, max_row=max_row, min_col=min_col, max_col=max_col
        ):
            for c in row:
                c.value = None

    def fill(self, name: str, rows: list[list]) -> None:
        """Paste `rows` over the table's data; the table takes their size."""
        ws, _ = self.table(name)
        self.clear(name)
        min_col, min_row, _, _ = self.bounds(name)
        for i, values in enumerate(rows, start=min_row + 1):
            for j, v in enumerate(values):
                ws.cell(i, min_col + j).value = v
        self.resize(name, min_row + len(rows))

    def insert_blank_rows(self, name: str, before_row: int, n: int) -> None:
        ws, _ = self.table(name)
        min_col, _, max_col, max_row = self.bounds(name)
        span = f"{get_column_letter(min_col)}{before_row}:{get_column_letter(max_col)}{max_row}"
        ws.move_range(span, rows=n)
        self.resize(name, max_row + n)

    def delete_table(self, name: str) -> None:
        ws, _ = self.table(name)
        del ws.tables[name]


@contextmanager
def editing(path: Path) -> Iterator[Book]:
    wb = openpyxl.load_workbook(path)
    yield Book(wb)
    wb.save(path)


def decompose_rejects(path: Path, capsys, command: str = "decompose") -> list[str]:
    """Run `salesplan decompose` (or track); it must exit 2 and leave the folder exactly as it was."""
    before = path.read_bytes()
    folder = sorted(p.name for p in path.parent.iterdir())
    code = main([command, str(path)])
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "Traceback" not in err and out == ""
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == folder  # no .bak, no temp file
    head, *problems = err.splitlines()
    n = len(problems)
    assert (
        head == f"salesplan: {n} problem{'s' if n != 1 else ''} in the input; nothing was changed."
    )
    return problems


def decompose_accepts(path: Path, capsys) -> str:
    code = main(["decompose", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def team_target_by_hand(amounts, growth=GROWTH, buffer=BUFFER) -> int:
    """B × (1 + growth) × (1 − buffer) to a multiple of RoundTo; B is the whole history here."""
    cents = sum(
        Decimal(str(a)).quantize(Decimal("0.01"), ROUND_HALF_UP) for a in amounts if a is not None
    )
    t = cents * (1 + growth) * (1 - buffer) / ROUND_TO
    return int(t.quantize(Decimal(1), ROUND_HALF_UP)) * ROUND_TO


def read_workbook(path: Path) -> Plan:
    book = FileBook(path)
    try:
        return read_plan(book)
    finally:
        book.close()


def targets_sheet(path: Path) -> dict[str, dict]:
    """tblTargets as written: RepID -> the row, by header without its unit (Target (CNY))."""
    book = FileBook(path)
    try:
        table = book.table("tblTargets")
    finally:
        book.close()
    headers = [without_unit(h) for h in table.headers]
    return {r[0]: dict(zip(headers, r, strict=True)) for r in table.rows}


def history_amounts(book: Book) -> list:
    return book.column("tblHistory", "Amount")


# -- one problem each: exit 2, the exact message, the file untouched --------------------------
@dataclass(frozen=True)
class Case:
    rule: str
    edit: Callable[[Book], object]
    problems: tuple[str, ...]

    def __str__(self) -> str:
        return self.rule


def _weights_that_leave_office_supplies_out(b: Book) -> None:
    for product, weight in (
        ("Smart Devices", 0.5),
        ("Enterprise Software", 0.3),
        ("Cloud Services", 0.1),
        ("AI Assistant", 0.1),
    ):
        b.set("tblProducts", "Weight", product, weight)


def _duplicate_rep(b: Book) -> None:
    ws, _ = b.table("tblReps")
    row = b.row("tblReps", "S005")
    values = [c.value for c in ws[row]]
    b.append("tblReps", ["S005", "Mia Clarke", *values[2:]])


def _rename_reps_sheet(b: Book) -> None:
    b.wb["Reps"].title = "Sales force"
    b.set("tblReps", "Region", "S006", "Nroth")


def _move_regions_table(b: Book) -> None:
    """Two rows and two columns down and right of where `init` put it."""
    ws, table = b.table("tblRegions")
    ws.move_range(table.ref, rows=2, cols=2)
    table.ref = table.autoFilter.ref = "C3:G7"
    b.set("tblRegions", "Potential", "West", "lots")


CASES = [
    Case(
        "a required table must exist",
        lambda b: b.delete_table("tblReps"),
        (
            "Reps: table tblReps is missing — add an Excel table named tblReps (salesplan init makes a template)",
        ),
    ),
    Case(
        "a required column must exist, and a misspelt header is pointed at",
        lambda b: b.rename("tblHistory", "Amount", "Amout"),
        (
            'SalesHistory!B1: tblHistory has no column "Amount" (销售额) '
            '— rename "Amout" to Amount, or add a column headed Amount',
        ),
    ),
    Case(
        "a required column must exist, even when no header looks like it",
        lambda b: b.rename("tblReps", "Name", "Full"),
        ('Reps!A1: tblReps has no column "Name" (姓名) — add a column headed Name to the table',),
    ),
    Case(
        "two columns may not have the same header",
        lambda b: b.rename("tblRegions", "ManagerEmail", "manager"),
        ('Regions!E1: tblRegions has two "Manager" columns — rename or remove one',),
    ),
    Case(
        "a RepID appears once",
        _duplicate_rep,
        (
            'Reps!A26: RepID "S005" appears twice (first in row 6) — make it unique or delete one row',
        ),
    ),
    Case(
        "a rep's region is in tblRegions",
        lambda b: b.set("tblReps", "Region", "S006", "Nroth"),
        (
            'Reps!C7: Region "Nroth" is not in tblRegions (did you mean "North"?) '
            "— correct it or add it to tblRegions",
        ),
    ),
    Case(
        "every rep has a region",
        lambda b: b.set("tblReps", "Region", "S006", None),
        ("Reps!C7: Region is empty — fill it in or delete the row",),
    ),
    Case(
        "a coverage product is in tblProducts",
        lambda b: b.set("tblCoverage", "Product", "S012", "Smart Device"),
        (
            'Coverage!B2: Product "Smart Device" is not in tblProducts (did you mean "Smart Devices"?) '
            "— correct it or add it to tblProducts",
        ),
    ),
    Case(
        "an amount is a number",
        lambda b: b.set_at("tblHistory", "Amount", 2, "abc"),
        (
            'SalesHistory!B2: Amount "abc" is not an amount — type an amount in yuan like 125000.50, 125,000 or 12.5万',
        ),
    ),
    Case(
        "an amount is not negative",
        lambda b: b.set_at("tblHistory", "Amount", 3, -500),
        (
            "SalesHistory!B3: Amount -500 is negative — amounts, weights and counts must be 0 or more",
        ),
    ),
    Case(
        "the weights of a table do not add up to zero",
        lambda b: b.set_column("tblCustomerTypes", "Weight", [0, 0, 0]),
        ("CustomerTypes!B2: the weights add up to zero — give at least one row a positive weight",),
    ),
    Case(
        "a coefficient is above zero",
        lambda b: b.set("tblReps", "Capability", "S001", 0),
        ("Reps!I2: Capability 0 must be above 0 — type a coefficient like 1.1, or leave it blank",),
    ),
    Case(
        "a level is one of the choices",
        lambda b: b.set("tblReps", "Level", "S001", "senoir"),
        (
            'Reps!E2: Level "senoir" is not one of senior, standard, new '
            '(or in Chinese 资深、标准、新人) (did you mean "senior"?) — pick a value from the list',
        ),
    ),
    Case(
        "a commission tier is one of the choices",
        lambda b: b.set("tblCommission", "Tier", "floor", "flor"),
        (
            'Rates!A2: Tier "flor" is not one of floor, target, challenge '
            '(or in Chinese 保底、目标、挑战) (did you mean "floor"?) — pick a value from the list',
        ),
    ),
    Case(
        "EndDate is not before StartDate",
        lambda b: b.set("tblReps", "EndDate", "S001", dt.datetime(2010, 1, 1)),
        ("Reps!H2: EndDate 2010-01-01 is before StartDate 2016-03-14 — correct one of the dates",),
    ),
    Case(
        "history has rows",
        lambda b: b.clear("tblHistory"),
        ("SalesHistory: tblHistory has no rows — fill in tblHistory",),
    ),
    Case(
        "PeriodStart is given",
        lambda b: b.clear_row("tblSettings", "PeriodStart"),
        (
            "Settings: PeriodStart is missing — add a row PeriodStart with the first day of the plan period",
        ),
    ),
    Case(
        "PeriodStart is not blank",
        lambda b: b.setting("PeriodStart", None),
        (
            "Settings!B2: PeriodStart is empty — type the first day of the plan period, e.g. 2026-07-06",
        ),
    ),
    Case(
        "PeriodStart is a date",
        lambda b: b.setting("PeriodStart", "next Monday"),
        ('Settings!B2: PeriodStart "next Monday" is not a date — type a date like 2026-07-06',),
    ),
    Case(
        "a setting is known",
        lambda b: b.set("tblSettings", "Setting", "MarketGrowth", "MarketGrowht"),
        (
            'Settings!A7: unknown setting "MarketGrowht" (did you mean "MarketGrowth"?) '
            "— check the spelling or delete the row",
        ),
    ),
    Case(
        "a fraction setting is a number",
        lambda b: b.setting("MarketGrowth", "thirty"),
        ('Settings!B7: MarketGrowth "thirty" is not a number — type 0.3 or 30%',),
    ),
    Case(
        "a choice setting is one of its choices",
        lambda b: b.setting("Baseline", "last_perod"),
        (
            'Settings!B6: Baseline "last_perod" is not one of last_period, same_period_last_year, '
            "trailing_mean (or in Chinese 上期、去年同期、近三期均值) "
            '(did you mean "last_period"?) — pick one from the cell\'s list',
        ),
    ),
    Case(
        "RoundTo is above zero",
        lambda b: b.setting("RoundTo", 0),
        ("Settings!B5: RoundTo 0 must be above 0 — type a whole number like 1000",),
    ),
    Case(
        "a setting appears once",
        lambda b: b.append("tblSettings", ["Market Growth", 0.5]),
        (
            "Settings!A16: setting MarketGrowth appears twice (first in row 7) — delete one of the rows",
        ),
    ),
    Case(
        "Holidays names a country the holidays package knows",
        lambda b: b.append("tblSettings", ["Holidays", "Atlantis"]),
        (
            'Settings!B16: Holidays "Atlantis" is not a country code salesplan knows '
            "— type a country code such as CN, HK, US or DE, or none to plan every week alike",
        ),
    ),
    Case(
        "a whole-number setting is whole",
        lambda b: b.setting("PeriodWeeks", "13.5"),
        ('Settings!B3: PeriodWeeks "13.5" is not a whole number — type a whole number like 13',),
    ),
    Case(
        "Buffer is below 100 %",
        lambda b: b.setting("Buffer", 150),  # 150 is read as 150 %
        (
            "Settings!B8: Buffer 150 % must be from 0 % to below 100 % — type a buffer like 0.05 or 5%",
        ),
    ),
    Case(
        "a floor is at most the target",
        lambda b: b.setting("FloorPct", "150%"),
        ("Settings!B9: FloorPct 150 % must be from 0 % to 100 % — type a share like 0.9 or 90%",),
    ),
    Case(
        "MarketGrowth is above -100 %",
        lambda b: b.setting("MarketGrowth", "-200%"),
        (
            "Settings!B7: MarketGrowth -200 % must be above -100 % "
            "— type the expected growth, e.g. 8% or -5%",
        ),
    ),
    Case(
        "TeamTarget is not negative",
        lambda b: b.setting("TeamTarget", -5_000_000),
        (
            "Settings!B16: TeamTarget -5,000,000 is negative — type an amount of 0 or more, or leave it blank",
        ),
    ),
    Case(
        "a phase's weeks are not negative",
        lambda b: b.set("tblRhythm", "Weeks", "Close", -3),
        ("Rhythm!B4: Weeks -3 is negative — amounts, weights and counts must be 0 or more",),
    ),
    Case(
        "a funnel conversion is above zero",
        lambda b: b.set("tblFunnel", "Conversion", "Visit", 0),
        ("Funnel!B2: Conversion 0 must be above 0 — type a rate like 0.4 or 40%",),
    ),
    Case(
        "a table is found by name on whatever sheet it is",
        _rename_reps_sheet,
        (
            'Sales force!C7: Region "Nroth" is not in tblRegions (did you mean "North"?) '
            "— correct it or add it to tblRegions",
        ),
    ),
    Case(
        "a problem in a moved table names its own cell",
        _move_regions_table,
        ('Regions!D7: Potential "lots" is not a number — type a number like 1.2',),
    ),
    # found by the engine, once the reader has accepted every cell
    Case(
        "a locked target is a multiple of RoundTo",
        lambda b: b.set("tblReps", "LockedTarget", "S004", 1_234_567),
        (
            "Reps!K5: LockedTarget 1,234,567 is not a multiple of RoundTo 1,000 "
            "— round it to 1,235,000",
        ),
    ),
    Case(
        "there is history before PeriodStart",
        lambda b: b.setting("PeriodStart", dt.datetime(2026, 1, 5)),
        (
            "SalesHistory: tblHistory has no rows before PeriodStart — paste the sales history of at least one period",
        ),
    ),
    Case(
        "a product that sold gets a share from StageWeights",
        lambda b: b.setting("StageWeights", "new=0.3,mature=0.6,longtail=0.1"),
        (
            "Products!B4: Cloud Services is a growth product but StageWeights gives growth no "
            "share — add growth=… to StageWeights or give the product a Weight",
        ),
    ),
    Case(
        "a product that sold is not left without a share by the others' Weights",
        _weights_that_leave_office_supplies_out,
        (
            "Products!C6: Office Supplies has sales in the share window but no Weight, and the "
            "Weights typed for the others already add up to 100 %, so it would get no target "
            "— type its Weight (0 if it really gets no target), or lower the others",
        ),
    ),
    Case(
        "a product's share is at least one RoundTo unit",
        lambda b: b.set("tblProducts", "Weight", "AI Assistant", 0.000001),
        (
            "Products!C5: AI Assistant's share 0.0001 % is less than one RoundTo unit (1,000) "
            "of the team target, so its target would be 0 — lower RoundTo, raise its Weight, "
            "or type Weight 0 to plan it at zero",
        ),
    ),
    Case(
        "a locked target typed in the Unit (6.5 meaning 6.5万) is not read as 6.5 yuan",
        lambda b: (b.setting("Unit", 10000), b.set("tblReps", "LockedTarget", "S004", 6.5)),
        (
            "Reps!K5: LockedTarget 6.5 is less than one RoundTo (1,000), so it would be 0; "
            "amounts are typed in yuan, not in the Unit (10,000) — did you mean 65,000 (6.5万)? "
            "type it in yuan, e.g. 6.5万",
        ),
    ),
    Case(
        "a team target typed in the Unit (3 meaning 3万) is not read as 3 yuan",
        lambda b: (b.setting("Unit", 10000), b.setting("TeamTarget", 3)),
        (
            "Settings!B16: TeamTarget 3 is less than one RoundTo (1,000), so it would be 0; "
            "amounts are typed in yuan, not in the Unit (10,000) — did you mean 30,000 (3万)? "
            "type it in yuan, e.g. 3万",
        ),
    ),
    Case(
        "an amount setting is an amount",
        lambda b: b.setting("TeamTarget", "12O万"),
        (
            'Settings!B16: TeamTarget "12O万" is not an amount — type an amount in yuan '
            "like 1200000, 1,200,000 or 120万",
        ),
    ),
    Case(
        "the baseline has the history it needs",
        lambda b: b.setting("Baseline", "same_period_last_year"),
        (
            # the same 13 weeks a year before PeriodStart 2026-10-05 start 2025-10-06
            "Settings!B6: Baseline same_period_last_year needs history from 2025-10-06, "
            "but tblHistory starts 2026-07-06 — add older history or set Baseline to last_period",
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_input_is_reported_at_its_cell_and_changes_nothing(case, plan, capsys):
    with editing(plan) as book:
        case.edit(book)
    assert decompose_rejects(plan, capsys) == list(case.problems)


def test_an_unknown_history_region_is_reported_once_at_its_first_row(plan, capsys):
    with editing(plan) as b:
        regions = b.column("tblHistory", "Region")
        b.set_column("tblHistory", "Region", ["Western" if r == "West" else r for r in regions])
    rows = [i + 2 for i, r in enumerate(regions) if r == "West"]
    assert len(rows) > 100
    assert decompose_rejects(plan, capsys) == [
        f'SalesHistory!C{rows[0]}: Region "Western" ({len(rows)} rows, first here) is not in tblRegions '
        '(did you mean "West"?) — correct them or add it to tblRegions'
    ]


def test_every_problem_of_a_run_is_reported_together(plan, capsys):
    with editing(plan) as b:
        b.setting("PeriodStart", "next Monday")
        b.set("tblSettings", "Setting", "MarketGrowth", "MarketGrowht")
        b.set("tblReps", "Region", "S006", "Nroth")
        b.set("tblReps", "Level", "S001", "senoir")
        b.set("tblReps", "EndDate", "S001", dt.datetime(2010, 1, 1))
        b.set_at("tblHistory", "Amount", 2, "abc")
        b.set("tblCoverage", "Product", "S012", "Smart Device")
    assert sorted(decompose_rejects(plan, capsys)) == sorted(
        [
            'Settings!B2: PeriodStart "next Monday" is not a date — type a date like 2026-07-06',
            'Settings!A7: unknown setting "MarketGrowht" (did you mean "MarketGrowth"?) '
            "— check the spelling or delete the row",
            'Reps!C7: Region "Nroth" is not in tblRegions (did you mean "North"?) '
            "— correct it or add it to tblRegions",
            'Reps!E2: Level "senoir" is not one of senior, standard, new '
            '(or in Chinese 资深、标准、新人) (did you mean "senior"?) — pick a value from the list',
            "Reps!H2: EndDate 2010-01-01 is before StartDate 2016-03-14 — correct one of the dates",
            'SalesHistory!B2: Amount "abc" is not an amount — type an amount in yuan like 125000.50, 125,000 or 12.5万',
            'Coverage!B2: Product "Smart Device" is not in tblProducts (did you mean "Smart Devices"?) '
            "— correct it or add it to tblProducts",
        ]
    )


def test_a_chinese_plan_is_told_its_problems_in_chinese_at_their_cells(plan, capsys):
    with editing(plan) as b:
        b.setting("Locale", "zh-CN")
        b.set("tblSettings", "Setting", "MarketGrowth", "MarketGrowht")
        b.set("tblReps", "Region", "S006", "Nroth")
        b.set("tblReps", "Level", "S001", "senoir")
        b.set_at("tblHistory", "Amount", 3, -500)
    before = plan.read_bytes()
    assert main(["decompose", str(plan)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and plan.read_bytes() == before
    head, *problems = err.splitlines()
    assert head == "salesplan: 输入中有 4 个问题；未做任何改动。"
    assert sorted(problems) == sorted(
        [
            "Settings!A7: 未知设置“MarketGrowht”（您是否想填“MarketGrowth”？） — 请检查拼写，或删除此行",
            "Reps!C7: Region“Nroth”不在 tblRegions 中（您是否想填“North”？） — 请更正，或将其加入 tblRegions",
            "Reps!E2: Level“senoir”不是可选值之一：资深、标准、新人（或英文 senior, standard, new）"
            "（您是否想填“senior”？） — 请从列表中选择一个值",
            "SalesHistory!B3: Amount -500 为负数 — 金额、权重和数量必须为 0 或以上",
        ]
    )


def test_a_problem_below_blank_rows_names_its_own_row(plan, capsys):
    with editing(plan) as b:
        b.insert_blank_rows("tblReps", before_row=b.row("tblReps", "S013"), n=2)
        b.set("tblReps", "Region", "S020", "Suoth")  # was row 21, now 23
    assert decompose_rejects(plan, capsys) == [
        'Reps!C23: Region "Suoth" is not in tblRegions (did you mean "South"?) '
        "— correct it or add it to tblRegions"
    ]


def test_coverage_that_leaves_a_product_short_names_the_product_and_its_reps(plan, capsys):
    valid = decompose(read_workbook(plan))
    need = int(valid.products.set_index("product").at["AI Assistant", "target"])
    carried = int(valid.targets.set_index("rep_id").at["S012", "target"])
    assert need > carried
    with editing(plan) as b:  # AI Assistant is sold by S012 alone, and S012 sells nothing else
        reps = b.column("tblReps", "RepID")
        products = b.column("tblProducts", "Product")
        rows = [[r, p] for r in reps if r != "S012" for p in products if p != "AI Assistant"]
        b.fill("tblCoverage", [["S012", "AI Assistant"], *rows])
    assert decompose_rejects(plan, capsys) == [
        f'Coverage: product "AI Assistant" needs {need:,} but the reps who sell it (S012) '
        f"cannot carry {need - carried:,} of it "
        "— add coverage rows for more reps or lower the product's weight"
    ]


def test_a_region_without_reps_cannot_carry_a_target(plan, capsys):
    with editing(plan) as b:
        b.append("tblRegions", ["Central", 500])
        b.set_column("tblRegions", "Weight", [0.3, 0.3, 0.2, 0.1, 0.1])
        b.append("tblSettings", ["TeamTarget", 10_000_000])
    assert decompose_rejects(plan, capsys) == [
        'Regions!A6: region "Central" has no reps in tblReps but would carry 1,000,000 of target '
        "— add its reps or give it Weight 0"
    ]


def test_a_file_that_is_not_a_workbook_is_rejected(tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    path.write_text("RepID,Name,Region\nS001,Emma Wilson,North\n")
    assert decompose_rejects(path, capsys) == [
        f"{path}: a text or CSV file, not an Excel workbook — open it in Excel and save it as "
        "Excel Workbook (.xlsx); a CSV export of history or actuals can also be named in tblSources"
    ]


def test_a_workbook_open_in_excel_is_not_written(plan, capsys):
    (plan.parent / f"~${plan.name}").write_bytes(b"")
    assert decompose_rejects(plan, capsys) == [
        "plan.xlsx: the workbook is open in Excel or read-only "
        "— close it (or make it writable) and run again"
    ]


def test_a_period_start_long_after_the_history_is_reported(plan, capsys):
    with editing(plan) as b:
        b.setting("PeriodStart", dt.datetime(2027, 10, 4))
    problems = decompose_rejects(plan, capsys)
    assert len(problems) == 1, problems
    assert problems[0].startswith("Settings!B") and (
        "no sales in tblHistory from 2027-07-05 up to PeriodStart 2027-10-04 "
        "(the history ends 2026-09-28) — check PeriodStart" in problems[0]
    ), problems


# -- what must be accepted -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("12,345.50", Decimal("12345.50")),
        ("１２３４５", Decimal(12345)),
        ("1.2345万", Decimal(12345)),
        ("１.２３４５万元", Decimal(12345)),
        ("1.2345e4", Decimal(12345)),
        ("¥12,345.50", Decimal("12345.50")),  # Excel's currency format, exported
        ("￥12,345.5", Decimal("12345.5")),
        ("RMB 12345", Decimal(12345)),
        ("CNY1.2345万", Decimal(12345)),
    ],
    ids=[
        "thousands separator",
        "full-width digits",
        "wan",
        "full-width wan yuan",
        "exponent",
        "yen sign",
        "full-width yen sign",
        "RMB",
        "CNY wan",
    ],
)
def test_an_amount_typed_as_text_is_read_as_its_number(plan, capsys, typed, value):
    with editing(plan) as b:
        amounts = history_amounts(b)
        b.set_at("tblHistory", "Amount", 2, typed)
    amounts[0] = value
    expected = team_target_by_hand(amounts)
    out = decompose_accepts(plan, capsys)
    assert f"team target {expected:,} " in out
    assert sum(r["Target"] for r in targets_sheet(plan).values()) == expected


@pytest.mark.parametrize("typed", ["30%", 30], ids=["30%", "30"])
def test_market_growth_may_be_typed_as_a_percent(plan, capsys, typed):
    with editing(plan) as b:
        amounts = history_amounts(b)
        b.setting("MarketGrowth", typed)
    expected = team_target_by_hand(amounts, growth=Decimal("0.3"))
    out = decompose_accepts(plan, capsys)
    assert f"team target {expected:,} " in out
    assert sum(r["Target"] for r in targets_sheet(plan).values()) == expected
    notes = [line.strip() for line in out.splitlines() if "MarketGrowth" in line]
    assert notes == (["note: MarketGrowth: 30 read as 0.3 (30 %)"] if typed == 30 else [])


SERIAL = (START - dt.date(1899, 12, 30)).days  # what Excel stores for 2026-10-05


@pytest.mark.parametrize(
    "typed",
    [
        SERIAL,
        str(SERIAL),
        f"{SERIAL}.0",
        "2026/10/05",
        "2026年10月5日",
        "20261005",
        20261005,
        "2026-10-05T09:30:00.123+08:00",  # JavaScript's toISOString, with an offset
        "5-Oct-26",  # Excel's d-mmm-yy, exported
        "Oct 5, 2026",
    ],
    ids=[
        "serial",
        "serial as text",
        "serial with decimals",
        "slashes",
        "zh",
        "compact",
        "compact as a number",
        "ISO with milliseconds",
        "d-mmm-yy",
        "mmm d, yyyy",
    ],
)
def test_dates_may_be_typed_as_excel_serials_or_text(plan, capsys, typed):
    with editing(plan) as b:
        b.setting("PeriodStart", typed)
        periods = b.column("tblHistory", "Period")[:2]
        b.set_at("tblHistory", "Period", 2, (periods[0].date() - dt.date(1899, 12, 30)).days)
        b.set_at("tblHistory", "Period", 3, f"{periods[1]:%Y/%m/%d}")
        amounts = history_amounts(b)
    read = read_workbook(plan)
    assert read.settings.period_start == START
    assert list(read.history["period"][:2]) == [pd.Timestamp(p) for p in periods]
    out = decompose_accepts(plan, capsys)
    assert f"team target {team_target_by_hand(amounts):,} " in out


def test_trailing_spaces_in_keys_are_ignored(plan, capsys):
    with editing(plan) as b:
        amounts = history_amounts(b)
        b.set("tblReps", "Region", "S006", "North ")
        b.set("tblReps", "Region", "S015", "South\u3000")  # a full-width space, from a Chinese IME
        b.set("tblRegions", "Region", "West", " West ")
        b.set("tblCoverage", "Product", "S012", "Smart Devices  ")
        b.set("tblCoverage", "RepID", "S012", "S012 ")
        region = b.cell("tblHistory", "Region", row=2)
        region.value = f"{region.value} "
    out = decompose_accepts(plan, capsys)
    targets = targets_sheet(plan)
    assert (targets["S006"]["Region"], targets["S015"]["Region"]) == ("North", "South")
    assert {r["Region"] for r in targets.values()} == {"North", "East", "South", "West"}
    assert sum(r["Target"] for r in targets.values()) == team_target_by_hand(amounts)
    assert "team target" in out


def test_blank_rows_inside_a_table_are_skipped(plan, capsys):
    with editing(plan) as b:
        b.insert_blank_rows("tblReps", before_row=b.row("tblReps", "S013"), n=2)
        b.insert_blank_rows("tblHistory", before_row=100, n=3)
        amounts = history_amounts(b)
    decompose_accepts(plan, capsys)
    targets = targets_sheet(plan)
    assert list(targets) == [f"S{i:03d}" for i in range(1, 25)]
    assert sum(r["Target"] for r in targets.values()) == team_target_by_hand(amounts)


def test_chinese_headers_are_accepted_in_an_english_workbook(plan, capsys):
    zh = {  # as a Chinese CRM export and a Chinese HR list would head them
        "tblHistory": "日期 金额 区域 产品 客户类型 工号".split(),
        "tblReps": "销售编号 姓名 区域 邮箱 职级 片区类型 入职日期 离职日期 "
        "能力系数 资源系数 锁定目标 主管 密码".split(),
    }
    with editing(plan) as b:
        amounts = history_amounts(b)
        locked = b.cell("tblReps", "LockedTarget", "S004").value
        for name, headers in zh.items():
            english = [c.name for c in b.table(name)[1].tableColumns]
            for old, new in zip(english, headers, strict=True):
                b.rename(name, old, new)
    decompose_accepts(plan, capsys)
    targets = targets_sheet(plan)
    assert sum(r["Target"] for r in targets.values()) == team_target_by_hand(amounts)
    assert targets["S004"]["Target"] == locked  # 锁定目标 was read as LockedTarget
    assert targets["S005"]["Level"] == "new"  # 职级


def test_headers_match_ignoring_case_spaces_and_underscores(plan, capsys):
    renames = {
        "tblReps": {"RepID": "rep_id", "StartDate": "Start Date", "LockedTarget": "LOCKED TARGET"},
        "tblHistory": {
            "Period": "PERIOD",
            "Amount": " amount ",
            "Region": "re_gion",
            "RepID": "REP ID",
        },
    }
    with editing(plan) as b:
        amounts = history_amounts(b)
        locked = b.cell("tblReps", "LockedTarget", "S004").value
        for name, pairs in renames.items():
            for old, new in pairs.items():
                b.rename(name, old, new)
    read = read_workbook(plan)
    reps = read.reps.set_index("rep_id")
    assert reps.at["S004", "locked_target"] == locked
    assert reps.at["S001", "start_date"] == pd.Timestamp("2016-03-14")
    assert read.history["region"].notna().all() and read.history["rep_id"].notna().all()
    decompose_accepts(plan, capsys)
    assert sum(r["Target"] for r in targets_sheet(plan).values()) == team_target_by_hand(amounts)


def test_a_blank_setting_means_its_default(plan, capsys):
    with editing(plan) as b:  # as `salesplan init` writes them: TeamTarget and friends blank
        amounts = history_amounts(b)
        b.setting("Buffer", None)
        for name in ("TeamTarget", "RampProfile", "CommissionCap"):
            b.append("tblSettings", [name, None])
    out = decompose_accepts(plan, capsys)
    assert f"team target {team_target_by_hand(amounts, buffer=Decimal('0.05')):,} " in out


def test_history_of_a_rep_who_left_counts_for_the_team_and_is_noted(plan, capsys):
    # S003 left: their row in tblReps is deleted, their history stays in the CRM export
    with editing(plan) as b:
        amounts = history_amounts(b)
        ws, _ = b.table("tblReps")
        row = b.row("tblReps", "S003")
        ws.delete_rows(row)
        b.resize("tblReps", b.bounds("tblReps")[3] - 1)
        b.clear("tblActuals")  # actuals of an unknown rep are an error of their own
    out = decompose_accepts(plan, capsys)
    # the team target still comes from the whole history, S003's sales included
    assert f"team target {team_target_by_hand(amounts):,} " in out
    assert "RepID(s) not in tblReps (S003) count for the team, regions and products" in out
    assert "S003" not in targets_sheet(plan)


# -- salesplan track: rates and actuals ------------------------------------------------------
@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda b: b.set("tblCommission", "Rate", "target", 0.005),
            'Rates!B3: Rate of tier "target" (0.5%) is below the rate of "floor" (1%)',
        ),
        (
            lambda b: b.clear_row("tblCommission", "challenge"),
            'Rates: tblCommission has no row for tier "challenge" — add a row with Tier challenge',
        ),
        (
            lambda b: b.set_at("tblActuals", "RepID", 2, "S999"),
            'Actuals!B2: RepID "S999" is not in tblReps',
        ),
        (
            lambda b: b.set_at("tblActuals", "Week", 3, 14),
            "Actuals!A3: Week 14 is outside the period (1 to 13)",
        ),
        (
            lambda b: b.set_at("tblActuals", "Visits", 4, -3),
            "Actuals!D4: Visits -3 is negative",
        ),
    ],
    ids=["rates not increasing", "missing tier", "unknown rep", "week outside", "negative visits"],
)
def test_track_reports_bad_rates_and_actuals_at_their_cell(plan, capsys, edit, expected):
    with editing(plan) as b:
        edit(b)
    problems = decompose_rejects(plan, capsys, command="track")
    assert len(problems) == 1 and problems[0].startswith(expected), problems


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("去年同期", "same_period_last_year"),
        ("上期", "last_period"),
        ("近三期均值", "trailing_mean"),
    ],
)
def test_a_baseline_may_be_typed_by_its_chinese_name(plan, typed, meant):
    with editing(plan) as b:
        b.setting("Baseline", typed)
        b.setting("Trend", "无")
    settings = read_workbook(plan).settings
    assert (settings["Baseline"], settings["Trend"]) == (meant, "none")


@pytest.mark.parametrize(
    "typed, meant",
    [("cn", "CN"), (" HK ", "HK"), ("无", None), ("None", None), (None, None)],
)
def test_holidays_is_a_country_code_in_any_case_or_none_in_either_language(plan, typed, meant):
    with editing(plan) as b:  # the example plan is English: blank means no holidays
        b.append("tblSettings", ["Holidays", typed])
    assert read_workbook(plan).settings.holidays == meant


def test_a_product_left_without_margin_is_a_problem_at_its_cell(plan, capsys):
    with editing(plan) as b:
        b.set_at("tblProducts", "Margin", 3, None)  # the second product, row 3
        b.set_at("tblProducts", "Margin", 4, "135%")
    # a margin over 100 % is a typo, reported by the reader before any target is made
    assert decompose_rejects(plan, capsys) == [
        "Products!D4: Margin 135% is not between 0 and 1 — check for a typo (a digit too many, "
        "a percent typed as a whole number)"
    ]
    with editing(plan) as b:
        b.set_at("tblProducts", "Margin", 4, "38%")
    (line,) = decompose_rejects(plan, capsys)
    assert line.startswith(
        'Products!D3: product "Enterprise Software" has no Margin, but 4 of the products have one'
    )


def test_gross_profit_is_read_under_its_chinese_header_in_any_form_of_amount(plan):
    with editing(plan) as b:
        b.rename("tblActuals", "GrossProfit", "毛利额")
        b.set_at("tblActuals", "毛利额", 2, "1.2万")
        b.set_at("tblActuals", "毛利额", 3, "３,４５６.７８")
        b.set_at("tblActuals", "毛利额", 4, None)
    cents = read_workbook(plan).actuals["gross_profit_cents"]
    assert cents.iloc[:2].tolist() == [1_200_000, 345_678]  # 12,000.00 and 3,456.78 yuan
    assert pd.isna(cents.iloc[2])  # blank stays blank


@pytest.mark.parametrize(
    "locale, says", [("en", "table tblSettings is missing"), ("zh-CN", "缺少表 tblSettings")]
)
def test_a_plan_without_tblsettings_is_told_in_its_headers_language(tmp_path, capsys, locale, says):
    """Without tblSettings there is no Locale to read: the headers of its tables say which
    language the plan speaks (an English plan used to be told in Chinese)."""
    path = example_plan(tmp_path, locale)
    wb = openpyxl.load_workbook(path)
    del wb["Settings"]
    wb.save(path)
    assert main(["decompose", str(path)]) == 2
    assert says in capsys.readouterr().err
