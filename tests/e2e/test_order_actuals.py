"""tblActuals by order (SPEC §1): a Date instead of a Week, rows of one rep and week summed.

The example's actuals (one row per rep and week) are split into orders on random days of
their week, amounts split to the cent and counts split into whole numbers; tracking the
order-level plan gives the same Tracking, Commission and Dashboard as the weekly one.
"""

import datetime as dt
import random

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import TableColumn

from tests.examples import example_plan
from xl_addin.cli import main
from xl_addin.workbook.example_company import PERIOD_START

TRACKED = ("Tracking", "Commission", "Dashboard")


def table_rows(ws, name):
    ref = ws.tables[name].ref
    rows = [[c.value for c in row] for row in ws[ref]]
    return rows[0], rows[1:]


def replace_rows(ws, name, header, rows):
    """Put `header` and `rows` where the table was, and size the table to them."""
    t = ws.tables[name]
    min_col, min_row, max_col, max_row = range_boundaries(t.ref)
    for r in range(min_row, max(max_row, min_row + len(rows)) + 1):
        for c in range(min_col, min_col + len(header)):
            ws.cell(r, c).value = None
    for j, h in enumerate(header):
        ws.cell(min_row, min_col + j).value = h
        if j < len(t.tableColumns):
            t.tableColumns[j].name = h
        else:
            t.tableColumns.append(TableColumn(id=j + 1, name=h))
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            cell = ws.cell(min_row + i, min_col + j)
            cell.value = v
            if not isinstance(v, dt.datetime):
                cell.number_format = "General"  # not a former Date column's format
    last = get_column_letter(min_col + len(header) - 1)
    t.ref = f"{get_column_letter(min_col)}{min_row}:{last}{min_row + max(len(rows), 1)}"
    if t.autoFilter is not None:
        t.autoFilter.ref = t.ref


def split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` (cents or a count) as `parts` whole numbers that add up to it."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def as_orders(header, rows, rng):
    """Each rep-week row as 1 to 4 orders on days of its week; Week becomes Date. Amounts
    (Amount, GrossProfit) are split to the cent, counts into whole numbers."""
    money = [h in ("Amount", "GrossProfit") for h in header[2:]]
    out = []
    for row in rows:
        week, rep, *values = row
        n = rng.randint(1, 4)
        parts = [
            [c / 100 for c in split(round(v * 100), n, rng)] if is_money else split(int(v), n, rng)
            for v, is_money in zip(values, money, strict=True)
        ]
        first_day = PERIOD_START + dt.timedelta(weeks=week - 1)
        for k in range(n):
            day = dt.datetime.combine(first_day + dt.timedelta(days=rng.randint(0, 6)), dt.time())
            out.append([day, rep, *(p[k] for p in parts)])
    rng.shuffle(out)  # orders come in any order
    return ["Date", *header[1:]], out


def sheet_values(path):
    wb = openpyxl.load_workbook(path, read_only=True)  # only these sheets are read
    try:
        values = {s: [[c.value for c in r] for r in wb[s].iter_rows()] for s in TRACKED}
    finally:
        wb.close()
    assert all(len(rows) > 10 for rows in values.values())  # the sheets were read, all of them
    return values


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    folder = tmp_path_factory.mktemp("orders")
    weekly, orders = folder / "weekly.xlsx", folder / "orders.xlsx"
    example_plan(weekly, "en")
    wb = openpyxl.load_workbook(weekly)
    header, rows = table_rows(wb["Actuals"], "tblActuals")
    assert header[:3] == ["Week", "RepID", "Amount"]
    new_header, new_rows = as_orders(header, rows, random.Random(14))
    assert len(new_rows) > 1.5 * len(rows)  # most weeks are several orders
    replace_rows(wb["Actuals"], "tblActuals", new_header, new_rows)
    wb.save(orders)
    return weekly, orders


def test_orders_by_date_track_exactly_as_their_sums_by_rep_and_week(plans):
    weekly, orders = plans
    for path in plans:
        assert main(["track", str(path)]) == 0
    got, expected = sheet_values(orders), sheet_values(weekly)
    for sheet in TRACKED:
        assert got[sheet] == expected[sheet], sheet


def edited(plans, tmp_path, change) -> tuple:
    """A copy of the order-level plan with `change(ws)` made on its Actuals sheet."""
    path = tmp_path / "plan.xlsx"
    wb = openpyxl.load_workbook(plans[1])
    change(wb["Actuals"])
    wb.save(path)
    return path, path.read_bytes()


def test_a_day_outside_the_period_is_a_problem_at_its_cell(plans, tmp_path, capsys):
    last_day = PERIOD_START + dt.timedelta(weeks=13, days=-1)

    def change(ws):
        ws["A3"] = dt.datetime(2026, 10, 4)  # the Sunday before the period
        ws["A4"] = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())
        ws["A5"] = dt.datetime.combine(last_day, dt.time())  # the last day is in

    path, before = edited(plans, tmp_path, change)
    assert main(["track", str(path)]) == 2
    err = capsys.readouterr().err
    period = f"(2026-10-05 to {last_day:%Y-%m-%d})"
    assert f"Actuals!A3: 2026-10-04 is outside the period {period}" in err
    assert f"Actuals!A4: {last_day + dt.timedelta(days=1):%Y-%m-%d} is outside" in err
    assert "Actuals!A5" not in err
    assert path.read_bytes() == before


def test_a_week_beside_a_date_must_be_its_week_and_a_row_needs_one_of_them(plans, tmp_path, capsys):
    def add_week_column(ws):
        header, rows = table_rows(ws, "tblActuals")
        rows = [[None, *r] for r in rows]
        rows[0][0] = 1 if rows[0][1].date() >= PERIOD_START + dt.timedelta(weeks=1) else 2
        rows[1][0] = rows[1][1] = None  # neither a Week nor a Date
        replace_rows(ws, "tblActuals", ["Week", *header], rows)

    path, before = edited(plans, tmp_path, add_week_column)
    ws = openpyxl.load_workbook(path)["Actuals"]
    typed, day = ws["A2"].value, ws["B2"].value
    week_of_day = (day.date() - PERIOD_START).days // 7 + 1
    assert typed != week_of_day
    assert main(["track", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"Actuals!A2: Week {typed} but {day:%Y-%m-%d} is in week {week_of_day}" in err
    assert "Actuals!A3: Week is empty" in err
    assert path.read_bytes() == before


def test_a_table_with_neither_week_nor_date_says_which_to_add(plans, tmp_path, capsys):
    def rename(ws):
        ws["A1"] = "Day"
        ws.tables["tblActuals"].tableColumns[0].name = "Day"

    path, before = edited(plans, tmp_path, rename)
    assert main(["track", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Actuals!A1: tblActuals has neither a Week (周次) nor a Date (日期) column" in err
    assert "a Date column (the day of each order)" in err
    assert path.read_bytes() == before
