"""Rows appended to a user's table and single cells set in it, as edited package parts.

Used for what salesplan records in the user's own tables: change-log rows appended to
tblChangeLog (never rewriting earlier rows) and the plan's Version in tblSettings. The parts
come back as bytes for the splice to write in the same atomic replacement as the output
sheets, so a run changes all of them or none. A table the plan lacks (tblChangeLog in a plan
not made by `init`) is a NewTable: the writer adds it on a sheet of its own, as init would.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field

import pandas as pd

from engine.problems import Message, PlanError, Problem, said
from xl_addin.workbook.cellref import boundaries, cell_tuple, column_letter
from xl_addin.workbook.columns import TableSpec
from xl_addin.workbook.package import TableRef
from xl_addin.workbook.sheetcells import cell_style, grow_table, set_cells, table_rows


@dataclass(frozen=True)
class NewTable:
    """A table to add on a new sheet named spec.sheet, laid out as `init` writes it."""

    spec: TableSpec
    frame: pd.DataFrame  # its rows, one column per spec column key
    locale: str  # of its headers, and of what is said about it


@dataclass
class TableEdits:
    """What to write: rows to append per table (column letter -> value), single cells, and
    tables the plan lacks, on new sheets."""

    appends: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    cells: dict[tuple[str, str], object] = field(default_factory=dict)  # (table, "B7") -> value
    creates: list[NewTable] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.appends or self.cells or self.creates)


def edited_parts(path, tables: dict[str, TableRef], edits: TableEdits) -> dict[str, bytes]:
    """The sheet and table parts with the edits made (names are the package's own)."""
    parts: dict[str, bytes] = {}
    problems: list[Problem] = []
    with zipfile.ZipFile(path) as z:

        def read(part: str) -> bytes:
            return parts[part] if part in parts else z.read(part)

        for name, rows in edits.appends.items():
            t = tables[name.casefold()]
            try:
                sheet, table = _append(read(t.sheet_part), read(t.part), t, rows)
            except _Blocked as blocked:
                problems.append(Problem(t.sheet, blocked.cell, blocked.message, blocked.hint))
                continue
            except ValueError as exc:
                problems.append(
                    Problem(
                        t.sheet,
                        "",
                        said("append_failed", table=t.name, error=str(exc)),
                        said("append_failed_hint"),
                    )
                )
                continue
            parts[t.sheet_part], parts[t.part] = sheet, table
        by_part: dict[str, dict[tuple[int, int], object]] = {}
        for (name, ref), value in edits.cells.items():
            by_part.setdefault(tables[name.casefold()].sheet_part, {})[cell_tuple(ref)] = value
        for part, cells in by_part.items():  # a sheet's cells in one pass over its XML
            parts[part] = set_cells(read(part), cells)
    if problems:
        raise PlanError(problems)
    return parts


def blocked_below(table: str, sheet: str, first_col: int, row: int) -> Problem:
    """Rows appended to `table` would overwrite row `row` below it, which is not empty."""
    return Problem(
        sheet,
        f"{column_letter(first_col)}{row}",
        said("append_blocked", table=table, row=row),
        said("append_blocked_hint", table=table),
    )


class _Blocked(Exception):
    def __init__(self, cell: str, message: str | Message, hint: str | Message):
        super().__init__(str(message))
        self.cell, self.message, self.hint = cell, message, hint


def _append(sheet: bytes, table: bytes, t: TableRef, rows: list[dict[str, object]]):
    """Rows written after the table's last filled row, growing the table when they go past it."""
    first_col, header, last_col, last = boundaries(t.ref)
    filled = table_rows(sheet, header + 1, last, first_col, last_col) if last > header else set()
    start = max(filled, default=header) + 1
    end = start + len(rows) - 1
    if end > last:
        below = table_rows(sheet, last + 1, end, first_col, last_col)
        if below:
            p = blocked_below(t.name, t.sheet, first_col, min(below))
            raise _Blocked(p.cell, p.message, p.hint)
    model = start - 1 if start - 1 > header else min(start, last)  # the row whose style to take
    cells, styles = {}, {}
    for k, values in enumerate(rows):
        for col in range(first_col, last_col + 1):
            key = (start + k, col)
            cells[key] = values.get(column_letter(col))
            s = cell_style(sheet, model, col) if model > header else None
            if s is not None:
                styles[key] = s
    sheet = set_cells(sheet, cells, styles)
    return sheet, grow_table(table, end) if end > last else table
