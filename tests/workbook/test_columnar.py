"""A large table read column by column (columnar.py) gives the very values, Plan and problems
of the grid read (issue 18); where it cannot be sure, it leaves the table to the grid read.

Each case reads the same workbook twice: with every table large enough for the columns read
(LARGE = 1) and with none (the grid read, as before), and compares what comes back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.table import Table

from engine.problems import PlanError
from tests.examples import example_plan
from tests.workbook.test_far_cells import stray_at_the_end, with_cells
from xl_addin.cli import main
from xl_addin.workbook import columnar, filebook
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan

GRID = 10**15  # no table is this large: every one is read as a grid


def both(monkeypatch, path, read):
    """`read(FileBook)` with the columns read for every table, then with the grid read."""
    out = []
    for large in (1, GRID):
        monkeypatch.setattr(filebook, "LARGE", large)
        book = FileBook(path)
        try:
            out.append(read(book))
        finally:
            book.close()
    return out


def table_of(name):
    def read(book):
        raw = book.table(name)
        return raw.headers, [tuple(r) for r in raw.rows], raw.columns is not None, raw.errors

    return read


def sheet_with(path, header, rows, at="A1", name="tblX", sheet="Data"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    first = ws[at]
    r0, c0 = first.row, first.column
    for j, h in enumerate(header):
        ws.cell(r0, c0 + j, h)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if v is not None:
                ws.cell(r0 + i, c0 + j, v)
    last = ws.cell(r0 + len(rows), c0 + len(header) - 1).coordinate
    ws.add_table(Table(displayName=name, ref=f"{at}:{last}"))
    wb.save(path)
    return path


def clean_rows(n=300):
    """A value in every cell: numbers, text with full-width digits and spaces, dates at
    midnight, true/false, text that is not ASCII, "nan" and "NA" as text among text, a day
    as a serial number."""
    return [
        (
            i * 1.25,
            "１２０万" if i % 5 == 0 else f"  R{i:04d} ",
            dt.datetime(2025, 1, 1) + dt.timedelta(days=i % 40),
            i % 2 == 0,
            ("nan", "NA", "null")[i % 3] if i % 13 == 0 else f"n{i}",
            "华东" if i % 3 else "West & <East>",
            float(i),
        )
        for i in range(n)
    ]


HEADER = ["Amount", "RepID", "Period", "Flag", "Note", "区域", "Day"]


@pytest.mark.parametrize("at", ["A1", "C4"])
def test_columns_read_the_very_values_of_the_grid(tmp_path, monkeypatch, at):
    path = sheet_with(tmp_path / "clean.xlsx", HEADER, clean_rows(), at=at)
    columns, grid = both(monkeypatch, path, table_of("tblX"))
    assert columns[2] and not grid[2]  # the columns read was taken, then the grid read
    assert columns[0] == grid[0]
    assert columns[1] == grid[1]
    assert [[type(v) for v in r] for r in columns[1]] == [[type(v) for v in r] for r in grid[1]]
    assert columns[3] == grid[3] is False


# Text fastexcel 0.21 takes for "no value" (or NaN) in a column of another kind, without
# refusing the column (columnar.py): measured, each of these in each kind of column.
NO_VALUE_WORDS = ["n/a", "N/A", "NA", "null", "NULL", "None", "#N/A", "", " ", "nan", "NaN"]


def awkward(case):
    rows = clean_rows(200)
    header = list(HEADER)
    kind, _, word = case.partition(": ")
    column = {"number": 0, "text": 1, "date": 2, "true/false": 3}.get(kind)
    if column is not None:
        rows[150] = (*rows[150][:column], word, *rows[150][column + 1 :])
    elif case == "numbers and text":
        rows[150] = ("abc", *rows[150][1:])
    elif case == "a blank cell":
        rows[70] = (None, *rows[70][1:])
    elif case == "dates and text":
        rows[120] = (rows[120][0], rows[120][1], "2025/3/1", *rows[120][3:])
    elif case == "a time of day":
        rows[10] = (rows[10][0], rows[10][1], dt.datetime(2025, 1, 1, 9, 30), *rows[10][3:])
    elif case == "true/false and numbers":
        rows[199] = (*rows[199][:3], 1.0, *rows[199][4:])
    elif case == "a number as header":
        header[0] = 2024
    elif case == "last row empty":
        rows[-1] = (None,) * len(header)
    else:
        raise AssertionError(case)
    return header, rows


AWKWARD = [
    *(f"{kind}: {word}" for kind in ("number", "date", "true/false") for word in NO_VALUE_WORDS),
    "text: #N/A",
    "text: ",
    "numbers and text",
    "a blank cell",
    "dates and text",
    "a time of day",
    "true/false and numbers",
    "a number as header",
    "last row empty",
]


@pytest.mark.parametrize("case", AWKWARD)
def test_the_grid_reads_what_the_columns_cannot_be_sure_of(tmp_path, monkeypatch, case):
    header, rows = awkward(case)
    path = sheet_with(tmp_path / "awkward.xlsx", header, rows)
    columns, grid = both(monkeypatch, path, table_of("tblX"))
    assert not columns[2]  # left to the grid read
    assert columns == grid


# openpyxl writes "#N/A" and "#DIV/0!" as error values, "=1+1" as a formula without a result
@pytest.mark.parametrize("unread", ["#N/A", "#DIV/0!", "=1+1"])
@pytest.mark.parametrize("column", [0, 1, 2, 3, 4], ids=HEADER[:5])
def test_error_cells_and_formulas_never_calculated_are_left_to_the_grid(
    tmp_path, monkeypatch, unread, column
):
    rows = clean_rows(100)
    rows[40] = (*rows[40][:column], unread, *rows[40][column + 1 :])
    path = sheet_with(tmp_path / "errors.xlsx", HEADER, rows)
    columns, grid = both(monkeypatch, path, table_of("tblX"))
    assert not columns[2] and grid[3]
    assert columns == grid


def test_a_sheet_with_a_far_stray_cell_is_read_row_by_row(tmp_path, monkeypatch):
    path = sheet_with(tmp_path / "far.xlsx", HEADER, clean_rows(100))
    with_cells(path, "xl/worksheets/sheet1.xml", stray_at_the_end)
    columns, grid = both(monkeypatch, path, table_of("tblX"))
    assert not columns[2]
    assert columns == grid


def plan_fields(book):
    try:
        plan = read_plan(book)
    except PlanError as exc:
        return ("problems", [dataclasses.astuple(p) for p in exc.problems])
    return ("plan", plan)


def assert_same_plan(a, b):
    assert a[0] == b[0] == "plan"
    for f in dataclasses.fields(a[1]):
        x, y = getattr(a[1], f.name), getattr(b[1], f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True)
            assert list(x.dtypes) == list(y.dtypes)
            assert x.attrs == y.attrs, f.name
        else:
            assert x == y, f.name


@pytest.mark.parametrize("saved_by", ["salesplan", "openpyxl"])
def test_the_example_plan_reads_the_same_either_way(tmp_path, monkeypatch, saved_by):
    path = example_plan(tmp_path)
    if saved_by == "openpyxl":  # another writer's package of the same plan
        openpyxl.load_workbook(path).save(path)
    by_columns = []
    read = filebook.read_columns

    def spy(path, ref, box):
        out = read(path, ref, box)
        by_columns.append((ref.name, out is not None))
        return out

    monkeypatch.setattr(filebook, "read_columns", spy)
    columns, grid = both(monkeypatch, path, plan_fields)
    assert_same_plan(columns, grid)
    taken = {name for name, took in by_columns if took}
    assert {"tblHistory", "tblActuals"} <= taken  # every cell filled: read by columns


def test_bad_history_is_said_at_the_same_cells_either_way(tmp_path, monkeypatch):
    path = example_plan(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["SalesHistory"]
    ws["B3"] = "abc"  # not an amount
    ws["B4"] = "１２０万"  # an amount in full-width digits
    ws["A5"] = "2025/3/1"  # a date typed as text
    ws["A6"] = 45000  # a date as a serial number
    ws["B7"] = None  # a required amount left empty
    ws["C8"] = "Nroth"  # a region not in tblRegions
    wb.save(path)
    columns, grid = both(monkeypatch, path, plan_fields)
    assert columns[0] == "problems"
    assert columns == grid


def test_the_other_large_tables_are_read_ahead_and_handed_over_when_asked(tmp_path, monkeypatch):
    """The first large table asked for sets the others reading on a thread — by columns, or
    as a grid where the columns read refuses one —; each comes back, or raises its error, when
    it is asked for, as if read then; closing waits for the thread."""
    path = example_plan(tmp_path)
    monkeypatch.setattr(filebook, "LARGE", 1)  # every table is large
    here, gridded, read, grid_read = {}, {}, filebook.read_columns, FileBook._grid

    def spy(path, ref, box):
        here[ref.name] = threading.current_thread() is threading.main_thread()
        if ref.name == "tblActuals":
            raise OSError("the disk went away")
        return None if ref.name == "tblReps" else read(path, ref, box)  # tblReps: a grid

    def grid_spy(book, ref, values):
        gridded[ref.name] = threading.current_thread() is threading.main_thread()
        return grid_read(book, ref, values)

    monkeypatch.setattr(filebook, "read_columns", spy)
    monkeypatch.setattr(FileBook, "_grid", grid_spy)
    before = threading.active_count()
    book = FileBook(path)
    try:
        first = book.table("tblHistory")
        with pytest.raises(OSError, match="the disk went away"):
            book.table("tblActuals")
        reps = book.table("tblReps")
        again = book.table("tblHistory")  # asked for again: read again, here
    finally:
        book.close()
    assert threading.active_count() == before
    assert here["tblHistory"] and not here["tblReps"] and not here["tblActuals"]
    assert "tblReps" in gridded and not any(gridded.values())  # grids read on the thread
    assert (first.headers, list(first.rows)) == (again.headers, list(again.rows))
    monkeypatch.setattr(filebook, "LARGE", GRID)
    grid = FileBook(path)
    try:
        assert list(grid.table("tblReps").rows) == list(reps.rows)
    finally:
        grid.close()


def test_the_plan_s_output_tables_are_not_read_ahead(tmp_path, monkeypatch):
    """A decomposed plan holds salesplan's own tables (a Breakdown of a million rows at
    20,000 reps): reading the plan reads its input tables only, not those (it read the
    Breakdown whole on the thread: track at 20,000 reps took 18 s instead of 11)."""
    path = example_plan(tmp_path)
    assert main(["decompose", str(path)]) == 0
    monkeypatch.setattr(filebook, "LARGE", 1)  # every table is large
    read, asked = filebook.read_columns, []

    def spy(path, ref, box):
        asked.append(ref.name)
        return read(path, ref, box)

    monkeypatch.setattr(filebook, "read_columns", spy)
    book = FileBook(path)
    try:
        read_plan(book)
        outputs = {"tblTargets", "tblBreakdown", "tblPhasing", "tblReconciliation"}
        assert outputs <= {name for name in book.table_names()}  # decomposed: they are there
    finally:
        book.close()
    assert "tblHistory" in asked and not outputs & set(asked)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), max_size=30), st.data())
def test_arrow_strings_are_read_as_the_very_python_strings(texts, data):
    """Arrow's buffers (offsets into one UTF-8 buffer) of any text — NUL, characters of one
    to four bytes, empty strings — read back as the texts, from any offset of the column."""
    lo = data.draw(st.integers(0, len(texts)))
    hi = data.draw(st.integers(lo, len(texts)))
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.cumsum([0, *map(len, encoded)]).astype(np.int32)
    buffers = [None, offsets.tobytes(), b"".join(encoded)]
    assert list(columnar._strings(buffers, lo, hi)) == texts[lo:hi]
