"""A source's rows as the reader reads a table (sources.py reads them), and where each row
stands in its file: kept apart from sources.py so that reading a plan without tblSources
never loads DuckDB."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xl_addin.workbook.tablesource import RawTable


@dataclass(frozen=True)
class SourceRows(RawTable):
    """A source's rows as the reader reads a table: `frame` holds the values (columns by
    position); rows and cells are placed in the source (`orders.csv:17`). The reader numbers
    data rows `first_row + 1 …` as for a sheet: a CSV's line numbers."""

    frame: pd.DataFrame | None = None
    label: str = ""  # the Source as typed
    file_rows: tuple = ()  # (file, first data row, 1-based) when a glob matched several files
    line: Callable[[int, int], int] | None = None  # Source.line of the source read

    def cell(self, row: int, col: int) -> str:  # noqa: ARG002 - a row of a source
        return self.locate("", row + self.first_row + 1)[1]

    def header_cell(self, col: int) -> str:
        prefix = f":{self.label}" if self.file_rows else ""
        return f"{prefix}:{self.headers[col]}"

    def locate(self, key: str, row: int) -> tuple[str, str]:  # noqa: ARG002 - any column
        """(sheet, cell) of the row the reader numbered `row`."""
        line = self.line or (lambda _, k: k + self.first_row)
        return self.sheet, located(row - self.first_row, self.file_rows, line)


def located(index: int, file_rows: tuple, line: Callable[[int, int], int]) -> str:
    """The cell of the `index`-th data row (1-based, in the order read): `:17` (the line of
    a CSV, the row of a Parquet file or query: `line`, Source.line), or `:orders-03.csv:17`
    for a glob."""
    if not file_rows:
        return f":{line(0, index)}"
    k = int(np.searchsorted([start for _, start in file_rows], index, side="right")) - 1
    name, start = file_rows[k]
    return f":{name}:{line(k, index - start + 1)}"
