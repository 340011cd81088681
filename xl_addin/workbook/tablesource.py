"""The table-source interface the reader works over (STYLE §1).

A source finds an Excel table (ListObject) by name and hands back its header and rows with
where they stand, so problems can name `Sheet!Cell`. A plan book also writes salesplan's
output sheets (and its edits to the user's tables). The file implementation is
xl_addin/workbook/filebook.py (openpyxl/calamine and XlsxWriter), the live one xl_addin/excel/livebook.py
(an open workbook, through xlwings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from xl_addin.workbook.cellref import column_letter

# A table is read as at most this many cells (32 bytes each in calamine, 512 MiB): fastexcel
# holds a table's whole box as one grid however few cells the sheet holds (a table over the
# whole sheet, A1:XFD1048576, made it allocate 128 GiB and abort), so a larger table is read
# as far as its sheet's cells go; and a table whose cells reach further is refused by name
# (table_too_large). A longest history of 15 columns (1,048,576 rows) is read whole.
MOST_CELLS = 16_000_000


class CellError(str):
    """A cell that holds no value to read: an error value (its text, `#N/A`), or a formula
    whose result was never stored (""). The reader reports it at its cell."""


class ColumnRows(Sequence):
    """A table's data rows as tuples, made on demand from its columns (columnar.py): the
    reader takes the columns whole, other readers may still walk the rows."""

    def __init__(self, columns: list):
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return tuple(c[i] for c in self.columns)


@dataclass(frozen=True)
class RawTable:
    name: str
    sheet: str
    first_row: int  # the header's row, 1-based
    first_col: int  # 1-based
    headers: list
    rows: list[tuple]  # the data rows' values, as read
    errors: bool = True  # whether any value may be a CellError (False: none is)
    columns: list | None = None  # the data as one object array per column, when read so

    def cell(self, row: int, col: int) -> str:
        """Address of data row `row` (0-based) in table column `col` (0-based)."""
        return f"{column_letter(self.first_col + col)}{self.first_row + 1 + row}"

    def header_cell(self, col: int) -> str:
        return f"{column_letter(self.first_col + col)}{self.first_row}"


class TableSource(Protocol):
    def table(self, name: str) -> RawTable | None:
        """The table of that name (case-insensitive), or None."""

    def table_names(self) -> list[str]: ...


class PlanBook(TableSource, Protocol):
    def write_sheets(self, sheets, edits=None) -> None:
        """Replace salesplan's output sheets (and only those); make `edits` (a TableEdits) in
        the user's tables. Every input problem is raised (PlanError) before anything is written."""
