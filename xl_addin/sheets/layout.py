"""Where an output sheet's parts go: one layout for the file renderer and the live one.

Pure functions of the description (outputs.py): the rows of each block's title, header and
data, the frozen panes, where charts stand and which cells their series read, the column
widths, and the cell references of conditional-format rules. render.py (XlsxWriter) and
livebook.py (xlwings) both place what they write from here, so a sheet written by `salesplan
decompose` and one written by the Decompose button have the same cells. Rows and columns
are 0-based, as XlsxWriter counts them.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from xl_addin.sheets.description import Block, Chart, OutputSheet, Rule, Series

ROW_PIXELS = 20  # Excel's default row height (15 pt)
CHART_KINDS = ("line", "column", "bar", "pie")


@dataclass(frozen=True)
class Placed:
    """Where a block's data rows landed on its sheet (0-based, inclusive) and its column keys.

    An Excel table needs at least one data row, so `last` ≥ `first` even for an empty frame.
    """

    first: int
    last: int
    keys: tuple[str, ...]
    title: int | None = None  # the row of the block's title, if it has one
    total: int | None = None  # the row of the block's Total row, if it has one

    @property
    def header(self) -> int:
        return self.first - 1


def place(sheet: OutputSheet) -> list[Placed]:
    """The blocks top to bottom, in order: title row, header row, data rows, the Total row
    (if the block has one), one empty row."""
    out, row = [], 0
    for block in sheet.blocks:
        title = None
        if block.title:
            title, row = row, row + 1
        last = row + max(len(block.frame), 1)
        total = last + 1 if block.total is not None else None
        out.append(Placed(row + 1, last, tuple(c.key for c in block.columns), title, total))
        row = (total or last) + 2
    return out


def frozen(sheet: OutputSheet) -> tuple[int, int] | None:
    """(rows, columns) frozen: down to the first block's header, and the sheet's key columns."""
    if not sheet.blocks:
        return None
    return 1 + bool(sheet.blocks[0].title), sheet.freeze_cols


def chart_anchors(sheet: OutputSheet, placed: list[Placed]) -> list[tuple[int, int]]:
    """Each chart's top-left cell: its own anchor, or stacked right of the widest block."""
    column = max((len(p.keys) for p in placed), default=0) + 1  # one column gap
    out, row = [], 0
    for chart in sheet.charts:
        if chart.anchor is None:
            out.append((row, column))
            row += math.ceil(chart.size[1] / ROW_PIXELS) + 1  # the next one below, a row apart
        else:
            out.append(chart.anchor)
    return out


def check_chart(sheet: OutputSheet, chart: Chart) -> None:
    if chart.kind not in CHART_KINDS:
        raise ValueError(
            f'chart "{chart.title}" on sheet {sheet.name}: kind {chart.kind!r} is not one of {CHART_KINDS}'
        )


def series_cells(
    sheet: OutputSheet, chart: Chart, series: Series, placed: dict[str, Placed]
) -> dict[str, tuple[int, int, int, int]]:
    """The data cells a series reads, as (first row, col, last row, col) for "values" and
    "categories"; a ValueError naming the chart when the series names no such table or column."""
    where = f'chart "{chart.title}" on sheet {sheet.name}, series "{series.name}"'
    block = placed.get(series.table)
    if block is None:
        raise ValueError(
            f"{where}: table {series.table} is not a block of the sheet (blocks: {', '.join(placed)})"
        )
    out = {}
    for role, key in (("values", series.values), ("categories", series.categories)):
        if key not in block.keys:
            raise ValueError(
                f"{where}: {role} column {key!r} is not in {series.table} "
                f"(columns: {', '.join(block.keys)})"
            )
        j = block.keys.index(key)
        out[role] = (block.first, j, block.last, j)
    return out


def rule_formula(block: Block, rule: Rule, placed: Placed) -> str:
    """A rule's formula (with its leading =) for the block's first data row; Excel applies it
    down the range, keeping the columns and moving the row."""
    refs = {c.key: f"${xl_col_to_name(j)}{placed.first + 1}" for j, c in enumerate(block.columns)}
    return "=" + rule.formula.format(**refs)


def total_formulas(block: Block, placed: Placed) -> dict[str, str]:
    """The Total row's formulas (without the leading =) by column key: SUBTOTAL(109, …) of the
    data rows for a summed column, as Excel writes a table's total; a block's own formula
    with {key} naming the Total row's cell of that column."""
    total = block.total
    if total is None or placed.total is None:
        return {}
    col = {c.key: xl_col_to_name(j) for j, c in enumerate(block.columns)}
    out = {
        k: f"SUBTOTAL(109,{col[k]}{placed.first + 1}:{col[k]}{placed.last + 1})" for k in total.sums
    }
    refs = {k: f"{c}{placed.total + 1}" for k, c in col.items()}
    for key, formula, _ in total.formulas:
        out[key] = formula.format(**refs)
    return out


def status_criteria(block: Block) -> tuple[str, object]:
    """The status highlight: numbers that are not zero, or the text RED, as (operator, value)."""
    values = block.frame[block.status]
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    return ("!=", 0) if numeric else ("==", '"RED"')


def column_widths(sheet: OutputSheet) -> dict[int, float]:
    """Column widths: the longest of each block's first 200 values (CJK counts double), 8 to 60."""
    widths: dict[int, float] = {}
    for block in sheet.blocks:
        sample = block.frame.head(200)
        for j, col in enumerate(block.columns):
            texts = [str(col.header)] + [str(plain(v) or "") for v in sample[col.key].tolist()]
            if block.total is not None and j == 0:
                texts.append(block.total.label)
            width = max(display_width(t) for t in texts) + 2
            if col.fmt:
                width = max(width, 11)
            widths[j] = min(max(width, widths.get(j, 0), 8), 60)
    return widths


def display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def plain(v):
    """A value a cell can hold: number, bool, date, text, or None for an empty cell."""
    kind = type(v)
    if kind is float:
        return v if math.isfinite(v) else None
    if kind is int or kind is str or v is None:
        return v
    if v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, (dt.date, dt.datetime)):
        return v
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        f = float(v)
        return f if math.isfinite(f) else None
    return str(v)
