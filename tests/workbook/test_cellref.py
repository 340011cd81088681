"""Cell references counted as openpyxl.utils counts them (cellref.py stands in for it so that
reading a plan does not load openpyxl): every column Excel has, cells and ranges with and
without `$`, compared with openpyxl's own functions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils import (
    column_index_from_string,
    get_column_letter,
    range_boundaries,
)
from openpyxl.utils.cell import coordinate_to_tuple

from xl_addin.workbook.cellref import boundaries, cell_tuple, column_index, column_letter

MAX_COLUMN, MAX_ROW = 16_384, 1_048_576


def test_every_column_as_openpyxl_spells_and_counts_it():
    for col in range(1, MAX_COLUMN + 1):
        letters = get_column_letter(col)
        assert column_letter(col) == letters
        assert column_index(letters) == col == column_index(letters.encode())
        assert column_index_from_string(letters) == col


cells = st.tuples(st.integers(1, MAX_ROW), st.integers(1, MAX_COLUMN), st.booleans())


def spelt(row: int, col: int, fixed: bool) -> str:
    dollar = "$" if fixed else ""
    return f"{dollar}{get_column_letter(col)}{dollar}{row}"


@given(cells, cells)
def test_cells_and_ranges_as_openpyxl_reads_them(a, b):
    first, last = spelt(*a), spelt(*b)
    assert cell_tuple(first) == coordinate_to_tuple(first.replace("$", "")) == a[:2]
    assert boundaries(first) == range_boundaries(first)
    assert boundaries(f"{first}:{last}") == range_boundaries(f"{first}:{last}")


@pytest.mark.parametrize("ref", ["", "A", "7", "A0x", "a1", "A1B", "AAAA1", "R1C1"])
def test_a_reference_that_is_not_one_is_refused(ref):
    with pytest.raises(ValueError):
        cell_tuple(ref)
    with pytest.raises(ValueError):
        boundaries(ref)
