"""The data rows of a long plain table, written by rustpy-xlsxwriter (Rust) rather than by
XlsxWriter: a million Breakdown rows cost XlsxWriter about a minute, rustpy-xlsxwriter a few
seconds (bench/scale.py, SPEC §14).

Only the cells come from here. The sheet itself — title, header, the table, frozen panes,
widths, print set-up — is XlsxWriter's: render.py renders the sheet as a *stub* holding the
block's last data row only (so that its dimension and table cover the whole block), and the
splice (workbook/splice.py) puts these rows between the stub's header and its last row, each
cell given the style the stub's last row gives its column. No sheet XML is written by hand.

A block goes this way only when both writers write its cells alike: one block on the sheet,
from column A, at least two data rows, no Total row, status colours, rules, per-row formats
or charts, and every column either whole numbers (int64, of magnitude below 2**53, written
exactly) or text (no blank, at most Excel's 32,767 characters). Any other block is written
by XlsxWriter, whole.
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


@dataclass(frozen=True)
class BulkRows:
    """A sheet's data rows as rustpy-xlsxwriter wrote them, in a one-sheet package of their
    own: rows `first` to `last` - 1 (1-based, as the sheet XML numbers them); row `last`
    is the stub's. `columns`: the block's column letters."""

    package: bytes
    first: int
    last: int
    columns: tuple[str, ...]


def bulk(sheet: OutputSheet) -> bool:
    """Whether the sheet's data rows are written here (see the module's docstring)."""
    if len(sheet.blocks) != 1 or sheet.charts:
        return False
    (block,) = sheet.blocks
    if block.total is not None or block.status or block.rules or len(block.frame) < 2:
        return False
    if place(sheet)[0].col != 0 or any(c.row_fmt for c in block.columns):
        return False
    return all(_alike(block.frame[c.key]) for c in block.columns)


def _alike(column: pd.Series) -> bool:
    """Whether both writers write the column's cells alike (vectorised)."""
    if column.dtype == np.int64:
        values = column.to_numpy()
        return bool((np.abs(values) < EXACT).all())
    if pd.api.types.is_string_dtype(column.dtype) and column.notna().all():
        if column.dtype == object and not column.map(type).eq(str).all():
            return False
        return bool(column.str.len().max() <= TEXT_LIMIT)
    return False


def write_rows(sheet: OutputSheet) -> BulkRows:
    """The data rows of a sheet `bulk` accepts, but its last (the stub's)."""
    import rustpy_xlsxwriter as rx  # a Rust extension: loaded when a sheet needs it

    (block,) = sheet.blocks
    (at,) = place(sheet)
    frame = block.frame.iloc[:-1]
    # Positional headers: rustpy writes a header row of its own, which the splice skips.
    data = pd.DataFrame(
        {f"c{j}": frame[c.key].to_numpy() for j, c in enumerate(block.columns)}, copy=False
    )
    # One number format per column, so that each column's cells carry a style of their own
    # that the splice maps to the stub's style for that column.
    formats = {
        f"c{j}": rx.Format().set_num_format(c.fmt) for j, c in enumerate(block.columns) if c.fmt
    }
    buffer = io.BytesIO()
    rx.write_worksheet(
        data, buffer, sheet_name="rows", header_row=at.header, column_formats=formats or None
    )
    letters = tuple(xl_col_to_name(j) for j in range(len(block.columns)))
    return BulkRows(buffer.getvalue(), at.first + 1, at.last + 1, letters)
