"""A Breakdown longer than an Excel sheet goes on Breakdown (2), (3), … with the same table,
every row once, in order; a later, shorter breakdown empties the sheets it no longer needs.

The real limit is checked where the rows are placed (no 1,048,576-row workbook is written:
`SHEET_ROWS` is lowered for the runs that write a plan)."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook

from engine import decompose
from tests.examples import example_plan
from xl_addin.cli import main
from xl_addin.sheets import outputs
from xl_addin.sheets.layout import place
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan

EXCEL_ROWS = 1_048_576
KEYS = ["rep_id", "region", "product", "customer_type", "target"]


def test_a_breakdown_one_row_longer_than_a_sheet_takes_excels_last_row_and_one_more_sheet(
    tmp_path,
):
    settings = read_plan(FileBook(example_plan(tmp_path))).settings
    frame = pd.DataFrame({k: 0 for k in KEYS}, index=range(EXCEL_ROWS - 2 + 1))
    columns = outputs.columns(settings)(*((k, None, "text") for k in KEYS))
    sheets = outputs.breakdown_sheets(columns, frame, "en")
    assert [s.name for s in sheets] == ["Breakdown", "Breakdown (2)"]
    first, second = (place(s)[0] for s in sheets)
    assert (first.title, first.header, first.first, first.last) == (0, 1, 2, EXCEL_ROWS - 1)
    assert (second.first, second.last) == (2, 2)  # the one row left over
    assert len(sheets[1].blocks[0].frame) == 1
    assert "1,048,575 to 1,048,575 of 1,048,575" in sheets[1].blocks[0].title
    assert outputs.breakdown_names(EXCEL_ROWS - 2) == ["Breakdown"]


def _rows_of(book, sheet: str, table: str) -> pd.DataFrame:
    """A table's data rows as the file holds them (openpyxl: a second reader)."""
    ws = book[sheet]
    ref = ws.tables[table].ref
    cells = list(ws[ref])
    header = [c.value for c in cells[0]]
    return pd.DataFrame([[c.value for c in row] for row in cells[1:]], columns=header)


def test_decompose_spreads_a_long_breakdown_over_sheets_and_a_shorter_one_empties_the_rest(
    tmp_path, monkeypatch, capsys
):
    plan = example_plan(tmp_path)
    whole = decompose(read_plan(FileBook(plan))).breakdown
    monkeypatch.setattr(outputs, "SHEET_ROWS", 100)
    assert main(["decompose", str(plan)]) == 0
    parts = -(-len(whole) // 100)
    assert parts >= 3
    names = ["Breakdown", *(f"Breakdown ({k})" for k in range(2, parts + 1))]
    said = capsys.readouterr().out
    assert ", ".join(names) in said  # the summary names every sheet, and why
    assert (
        f"the breakdown's {len(whole)} rows are more than one Excel sheet holds: "
        f"continued on {', '.join(names[1:])}" in said
    )
    book = load_workbook(plan)
    assert [n for n in book.sheetnames if n.startswith("Breakdown")] == names
    tables = ["tblBreakdown", *(f"tblBreakdown{k}" for k in range(2, parts + 1))]
    read = pd.concat(
        [_rows_of(book, n, t) for n, t in zip(names, tables, strict=True)], ignore_index=True
    )
    assert len(read) == len(whole)
    assert list(read.iloc[:, 0]) == list(whole["rep_id"])
    assert [round(float(v), 2) for v in read.iloc[:, 4]] == [
        round(float(v), 2) for v in whole["target"]
    ]
    assert book["Breakdown (2)"]["A1"].value.endswith(
        f"rows 101 to 200 of {len(whole):,} (more than one Excel sheet holds)"
    )

    monkeypatch.setattr(outputs, "SHEET_ROWS", len(whole))  # now it fits one sheet
    assert main(["decompose", str(plan)]) == 0
    book = load_workbook(plan)
    assert [n for n in book.sheetnames if n.startswith("Breakdown")] == names  # none removed
    assert len(_rows_of(book, "Breakdown", "tblBreakdown")) == len(whole)
    for name, table in zip(names[1:], tables[1:], strict=True):
        left = _rows_of(book, name, table)
        assert left.isna().all().all()  # an empty table: no row of the old breakdown stays
        assert book[name]["A1"].value.startswith("Not used now")
