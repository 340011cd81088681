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
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from xl_addin.sheets.description import Block, Chart, OutputSheet, Rule, Series

ROW_PIXELS = 20  # Excel's default row height (15 pt)
DEFAULT_WIDTH = 8.43  # Excel's default column width, in characters
CHART_KINDS = ("line", "column", "bar", "pie")


@dataclass(frozen=True)
class Placed:
    """Where a block's data rows landed on its sheet (0-based, inclusive), its first column
    and its column keys.

    An Excel table needs at least one data row, so `last` ≥ `first` even for an empty frame.
    """

    first: int
    last: int
    keys: tuple[str, ...]
    title: int | None = None  # the row of the block's title, if it has one
    col: int = 0  # the block's first column
    total: int | None = None  # the row of the block's Total row, if it has one

    @property
    def bottom(self) -> int:
        """The block's last row: its Total row's, else its last data row's."""
        return self.last if self.total is None else self.total

    @property
    def header(self) -> int:
        return self.first - 1

    @property
    def top(self) -> int:
        """The block's first row: its title's, else its header's."""
        return self.header if self.title is None else self.title

    @property
    def last_col(self) -> int:
        return self.col + len(self.keys) - 1


def place(sheet: OutputSheet) -> list[Placed]:
    """Each block's title row, header row, data rows and Total row (if it has one), in order: below the previous block
    (one empty row between), or `beside` every block so far (one empty column between), or
    `under` a named block; a sub-table beside the main one gets column widths of its own."""
    out: list[Placed] = []
    group: dict[str, int] = {}  # table -> the first column of its group of blocks
    bottom: dict[int, int] = {}  # a group's first column -> the first free row below it
    col = 0
    for block in sheet.blocks:
        if block.beside and out:
            col = max(p.last_col for p in out) + 2
        elif block.under:
            if block.under not in group:
                raise ValueError(
                    f"table {block.table} on sheet {sheet.name} stands under {block.under}, "
                    "which is not a block before it"
                )
            col = group[block.under]
        row = bottom.get(col, 0)
        title = None
        if block.title:
            title, row = row, row + 1
        last = row + max(len(block.frame), 1)
        total = last + 1 if block.total is not None else None
        keys = tuple(c.key for c in block.columns)
        out.append(Placed(row + 1, last, keys, title, col, total))
        group[block.table] = col
        bottom[col] = (total or last) + 2
    for k, (a, block) in enumerate(zip(out, sheet.blocks, strict=True)):
        for b, other in zip(out[:k], sheet.blocks[:k], strict=True):
            if (
                a.top <= b.bottom
                and b.top <= a.bottom
                and a.col <= b.last_col
                and b.col <= a.last_col
            ):
                raise ValueError(
                    f"table {block.table} on sheet {sheet.name} would overlap {other.table}"
                )
    return out


def frozen(sheet: OutputSheet) -> tuple[int, int] | None:
    """(rows, columns) frozen: down to the first block's header, and the sheet's key columns."""
    if not sheet.blocks:
        return None
    return 1 + bool(sheet.blocks[0].title), sheet.freeze_cols


def chart_anchors(sheet: OutputSheet, placed: list[Placed]) -> list[tuple[int, int]]:
    """Each chart's top-left cell: its own anchor, or stacked right of every block."""
    column = max((p.last_col + 1 for p in placed), default=0) + 1  # one column gap
    out, row = [], 0
    for chart in sheet.charts:
        if chart.anchor is None:
            out.append((row, column))
            row += chart_rows(chart) + 1  # the next one below, a row apart
        else:
            out.append(chart.anchor)
    return out


def chart_rows(chart: Chart) -> int:
    return math.ceil(chart.size[1] / ROW_PIXELS)


def chart_columns(chart: Chart, column: int, widths: dict[int, float]) -> int:
    """How many columns a chart anchored at `column` spans, given the column widths."""
    left, j = chart.size[0], column
    while left > 0:
        left -= column_pixels(widths.get(j, DEFAULT_WIDTH))
        j += 1
    return max(j - column, 1)


def column_pixels(width: float) -> int:
    """A column of `width` characters in pixels, as Excel draws it (Calibri 11: 7 px a
    character and 5 px of padding)."""
    return int(width * 7 + 5)


def print_areas(
    sheet: OutputSheet, placed: list[Placed], widths: dict[int, float]
) -> list[tuple[int, int, int, int]]:
    """What printing covers, as (first row, first column, last row, last column) each: every
    table and chart of the sheet, nothing else. A group of blocks that stand beside the
    others, and the charts, are areas of their own, so each starts a page and is printed one
    page wide at its own scale, rather than the whole sheet shrunk onto one page's width."""
    groups: dict[int, list[Placed]] = {}
    for p in placed:
        groups.setdefault(p.col, []).append(p)
    out = [
        (0, col, max(p.bottom for p in group), max(p.last_col for p in group))
        for col, group in sorted(groups.items())
    ]
    charts = [
        (row, col, row + chart_rows(chart), col + chart_columns(chart, col, widths) - 1)
        for chart, (row, col) in zip(sheet.charts, chart_anchors(sheet, placed), strict=True)
    ]
    if charts:
        out.append(
            (
                min(c[0] for c in charts),
                min(c[1] for c in charts),
                max(c[2] for c in charts),
                max(c[3] for c in charts),
            )
        )
    return out


def print_titles(sheet: OutputSheet, placed: list[Placed]) -> tuple[int, int] | None:
    """The rows repeated on every printed page: the first block's title and header rows."""
    if not placed:
        return None
    return 0, placed[0].header


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
        j = block.col + block.keys.index(key)
        out[role] = (block.first, j, block.last, j)
    return out


def rule_formula(block: Block, rule: Rule, placed: Placed) -> str:
    """A rule's formula (with its leading =) for the block's first data row; Excel applies it
    down the range, keeping the columns and moving the row."""
    refs = {
        c.key: f"${xl_col_to_name(placed.col + j)}{placed.first + 1}"
        for j, c in enumerate(block.columns)
    }
    return "=" + rule.formula.format(**refs)


def total_formulas(block: Block, placed: Placed) -> dict[str, str]:
    """The Total row's formulas (without the leading =) by column key: SUBTOTAL(109, …) of the
    data rows for a summed column, as Excel writes a table's total; a block's own formula
    with {key} naming the Total row's cell of that column."""
    total = block.total
    if total is None or placed.total is None:
        return {}
    col = {c.key: xl_col_to_name(j) for j, c in enumerate(block.columns, placed.col)}
    out = {
        k: f"SUBTOTAL(109,{col[k]}{placed.first + 1}:{col[k]}{placed.last + 1})" for k in total.sums
    }
    refs = {k: f"{c}{placed.total + 1}" for k, c in col.items()}
    for key, formula, _ in total.formulas:
        out[key] = formula.format(**refs)
    return out


def status_criteria(block: Block) -> tuple[str, object]:
    """The status highlight, as (operator, value): numbers that are not zero (a difference on
    Reconciliation). Tracking statuses are coloured by their own rules, in the plan's words."""
    return ("!=", 0)


def column_widths(sheet: OutputSheet, placed: list[Placed] | None = None) -> dict[int, float]:
    """Column widths: the longest of each block's header and first 200 values (CJK counts
    double), 8 to 60; a column takes the widest of the blocks that stand in it, and only
    theirs (a title runs over its block's columns and is not counted)."""
    placed = place(sheet) if placed is None else placed
    widths: dict[int, float] = {}
    for block, at in zip(sheet.blocks, placed, strict=True):
        sample = block.frame.head(200)
        for j, col in enumerate(block.columns, at.col):
            texts = [str(col.header)] + [shown(plain(v), col.fmt) for v in sample[col.key].tolist()]
            if block.total is not None and j == at.col:
                texts.append(block.total.label)
            width = max(display_width(t) for t in texts) + 2
            if col.fmt:
                width = max(width, 11)
            widths[j] = min(max(width, widths.get(j, 0), 8), 60)
    return widths


def shown(value, fmt: str) -> str:
    """About what a cell shows: a number as its format writes it (0.2179 in 0.0% is 21.8%,
    1,234,567 in 0\\.0, is 123.5), so a column is as wide as what it shows, not its digits."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if not fmt or fmt == "General":
        return f"{value:.10g}"
    number = fmt.split(";")[0]
    places = len(re.sub(r"[^0#]", "", number.split(".")[-1])) if "." in number else 0
    value = (
        value * 100 if "%" in number else value / 1000 ** (len(number) - len(number.rstrip(",")))
    )
    text = f"{value:,.{places}f}" if "#,#" in number else f"{value:.{places}f}"
    return text + ("%" if "%" in number else "")


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
