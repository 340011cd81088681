"""The data rows of a sheet's long plain table, written by rustpy-xlsxwriter (Rust) rather
than by XlsxWriter: a million Breakdown rows cost XlsxWriter about a minute, rustpy-xlsxwriter
a few seconds (bench/scale.py, SPEC §14).

Only those cells come from here. The sheet itself — titles, headers, the other tables, the
tables' ranges, conditional formats, frozen panes, widths, print set-up — is XlsxWriter's:
render.py renders the sheet as a *stub* in which that table holds its first and last data
rows only (so that the sheet's styles and dimension are as with every row, and the table
covers all its rows), and the splice
(workbook/splice.py, bulksplice.py) puts these rows between the table's first and last row, each cell given the style the stub's last row gives its column, and the cells of any
table beside it in the same rows. No sheet XML is written by hand.

A table goes this way only when both writers write its cells alike: it has at least three
data rows, no Total row or status colours, no chart reads it, and every column is text (no
numbers among it; at most Excel's 32,767 characters), whole numbers (int64, below 2**53 in
magnitude: exact as a double) or finite numbers (given to rustpy-xlsxwriter as XlsxWriter
writes them, to 16 significant digits); a blank is written as XlsxWriter writes it. Of such
tables, the longest that starts in column A, and those beside it of BESIDE_FROM rows or more
(a 20,000-rep KPI scorecard, a commission statement); any other table is XlsxWriter's,
whole. A table whose rows have number formats of their own (a % KPI's) keeps in the stub,
besides its first and last rows, the first row of each such format, whose styles the rows
of that format take.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from xl_addin.sheets.description import OutputSheet
from xl_addin.sheets.layout import place

EXACT = 2**53  # whole numbers below this are exact as a double, as a cell holds them
TEXT_LIMIT = 32_767  # characters in a cell
BESIDE_FROM = 1_000  # data rows from which a table beside the first is written here too


@dataclass(frozen=True)
class BulkRows:
    """A table's data rows as rustpy-xlsxwriter wrote them, in a one-sheet package of its own:
    its header on row `first` - 1 (the table's first data row, the stub's) and rows `first` to
    `last` - 1 (1-based, as the sheet XML numbers them); row `last` is the stub's too.
    `columns`: the table's column letters (rustpy-xlsxwriter writes them from A on, the
    splice moves them); `blanks`: whether a styled column has a blank;
    `kept`: the rows (1-based) the stub holds; `styled_as`: for a table whose rows have
    formats of their own, the kept row whose styles each of rows `first`…`last` - 1 takes
    (else None: the last row's).
    """

    package: bytes
    first: int
    last: int
    columns: tuple[str, ...]
    blanks: bool
    kept: tuple[int, ...] = ()
    styled_as: tuple[int, ...] | None = None


def bulk_tables(sheet: OutputSheet) -> tuple[str, ...]:
    """The tables of the sheet whose data rows are written here (see the module)."""
    charted = {s.table for chart in sheet.charts for s in chart.series}
    fit = [
        (at.col, len(block.frame), block.table)
        for block, at in zip(sheet.blocks, place(sheet), strict=True)
        if len(block.frame) >= 3
        and block.total is None
        and not block.status
        and block.table not in charted
        and all(_alike(block.frame[c.key], c.fmt) for c in block.columns)
    ]
    first = max(((n, t) for col, n, t in fit if col == 0), default=None)
    beside = tuple(t for col, n, t in fit if col > 0 and n >= BESIDE_FROM)
    return ((first[1],) if first else ()) + beside


def kept_rows(block) -> list[int]:
    """The positions in the block's frame of the rows the stub holds: the first, the last,
    and the first of each own number format (a row's formats, over the columns that have
    them)."""
    n = len(block.frame)
    own = [c.row_fmt for c in block.columns if c.row_fmt]
    firsts = _formats(block.frame, own).drop_duplicates().index if own else []
    return sorted({0, n - 1, *firsts})


def _formats(frame: pd.DataFrame, own: list[str]) -> pd.Series:
    """Each row's own number formats, as one key (vectorised)."""
    columns = list(dict.fromkeys(own))
    key = frame[columns[0]].astype(str)
    for column in columns[1:]:
        key = key + "\x00" + frame[column].astype(str)
    return key.reset_index(drop=True)


def _alike(column: pd.Series, fmt: str) -> bool:
    """Whether both writers write the column's cells alike (vectorised)."""
    kind = column.dtype.kind
    if kind == "i":
        return column.dtype == np.int64 and bool((np.abs(column.to_numpy()) < EXACT).all())
    if kind == "f":  # a blank: a styled blank in both, or no cell in XlsxWriter (no format)
        values = column.to_numpy(dtype=float)
        return not np.isinf(values).any() and (fmt or not np.isnan(values).any())
    if pd.api.types.is_string_dtype(column.dtype):
        text = column.dropna()
        if column.dtype == object and not text.map(type).eq(str).all():
            return False
        # a blank: no cell in either (a styled blank in XlsxWriter, with a format)
        return not fmt and (text.empty or bool(text.str.len().max() <= TEXT_LIMIT))
    return False


def write_rows(sheet: OutputSheet, table: str) -> BulkRows:
    """The data rows of the sheet's `table` (one of bulk_tables), but its first and last (the
    stub's; the stub's other rows are written here too, and left out by the splice)."""
    import rustpy_xlsxwriter as rx  # a Rust extension: loaded when a sheet needs it

    k = next(i for i, b in enumerate(sheet.blocks) if b.table == table)
    block, at = sheet.blocks[k], place(sheet)[k]
    frame = block.frame.iloc[1:-1]
    # Positional headers: rustpy writes a header row of its own (on the table's first data
    # row: at.first, 0-based), which the splice skips. It writes from column A: the splice
    # moves the cells of a table further right to its columns (BulkRows.columns).
    data = pd.DataFrame(
        {f"c{j}": _as_written(frame[c.key]) for j, c in enumerate(block.columns)}, copy=False
    )
    # One number format per column, so that each column's cells carry a style of their own
    # that the splice maps to the stub's style for that column.
    formats = {
        f"c{j}": rx.Format().set_num_format(c.fmt) for j, c in enumerate(block.columns) if c.fmt
    }
    buffer = io.BytesIO()
    rx.write_worksheet(
        data, buffer, sheet_name="rows", header_row=at.first, column_formats=formats or None
    )
    letters = tuple(xl_col_to_name(at.col + j) for j in range(len(block.columns)))
    blanks = any(frame[c.key].isna().any() for c in block.columns if c.fmt)
    own = [c.row_fmt for c in block.columns if c.row_fmt]
    styled_as = None
    if own:  # each row takes the styles of the kept row of its own formats
        formats_of = _formats(block.frame, own)
        first_of = {f: i for i, f in reversed(list(formats_of.items()))}
        styled_as = tuple(at.first + 1 + first_of[f] for f in formats_of.iloc[1:-1])
    return BulkRows(
        buffer.getvalue(),
        at.first + 2,
        at.last + 1,
        letters,
        bool(blanks),
        tuple(at.first + 1 + i for i in kept_rows(block)),
        styled_as,
    )


SHORT_BELOW = 1e13  # magnitude below which a whole number of cents is a decimal of 15 digits


def _short(values: np.ndarray) -> np.ndarray:
    """Where a double is the nearest one to a decimal of at most 15 significant digits — a
    whole number or one of whole cents, below SHORT_BELOW — and so "%.16G" gives it back
    unchanged: that decimal padded with a zero has 16 digits, so the nearest 16-digit decimal
    is at least as near to the double, within half a unit of its last place; and it cannot
    lie exactly half a unit away, where it might round to the next double: below 2**53 that
    point has 17 or more significant digits. c / 100 is the double nearest to the decimal
    c / 100 (c a whole number below 2**53, so exact: IEEE division rounds correctly)."""
    with np.errstate(invalid="ignore", over="ignore"):
        small = np.abs(values) < SHORT_BELOW  # not NaN or ±inf either
        whole = np.rint(values) == values
        cents = np.rint(values * 100) / 100 == values
    return small & (whole | cents)


def _as_written(column: pd.Series) -> np.ndarray:
    """The column's values as XlsxWriter writes them: a number of a float column to 16
    significant digits (its "%.16G"), so that both writers give a cell the same double.
    Formatting a million numbers takes a second, so only those that may change are: not a
    number that is already a decimal of 15 digits or fewer (_short)."""
    if column.dtype.kind == "f":
        values = column.to_numpy(dtype=np.float64)
        out = values.copy()
        change = ~_short(values)
        out[change] = np.char.mod("%.16G", values[change]).astype(float)
        return out
    if column.dtype.kind == "i":
        return column.to_numpy()
    return column.astype(object).where(column.notna(), None).to_numpy()  # a blank: None
