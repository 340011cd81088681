"""Cell references as Excel writes them (`B7`, `$B$7`, `A1:F10`) and the 1-based column and
row numbers they stand for, counted as openpyxl.utils counts them (the test compares the
two), without loading openpyxl: importing it is ~80 ms of every command's start, for four
small functions. XlsxWriter, which every command loads to write, spells a column's letters.
"""

from __future__ import annotations

import re

from xlsxwriter.utility import xl_col_to_name

_CELL = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)")


def column_letter(col: int) -> str:
    """A column's letters from its number: 1 → A, 28 → AB."""
    return xl_col_to_name(col - 1)


def column_index(letters: str | bytes) -> int:
    """A column's number from its letters (text or bytes of A–Z): A → 1, AB → 28."""
    n = 0
    for ch in letters.encode() if isinstance(letters, str) else letters:
        n = n * 26 + ch - 64
    return n


def cell_tuple(ref: str) -> tuple[int, int]:
    """(row, column) of a cell reference: `B7` → (7, 2)."""
    m = _CELL.fullmatch(ref)
    if m is None:
        raise ValueError(f"{ref!r} is not a cell reference")
    return int(m[2]), column_index(m[1])


def boundaries(ref: str) -> tuple[int, int, int, int]:
    """(first column, first row, last column, last row) of a range or one cell:
    `A1:F10` → (1, 1, 6, 10)."""
    first, _, last = ref.partition(":")
    top, left = cell_tuple(first)
    bottom, right = cell_tuple(last) if last else (top, left)
    return left, top, right, bottom
