"""Native Excel charts over an output sheet's blocks (outputs.Chart), for render.py.

A chart refers to cells, not to numbers copied into it, so it follows a value the user edits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import xlsxwriter

from xl_addin.outputs import Chart, OutputSheet, Series

KINDS = ("line", "column", "bar", "pie")
ROW_PIXELS = 20  # Excel's default row height (15 pt)
LEGEND = {"position": "bottom"}


@dataclass(frozen=True)
class Placed:
    """Where a block's data rows landed on its sheet (0-based, inclusive) and its column keys."""

    first: int
    last: int
    keys: tuple[str, ...]


def add_charts(
    book: xlsxwriter.Workbook, ws, sheet: OutputSheet, placed: dict[str, Placed]
) -> None:
    """Insert the sheet's charts: at their anchor, or stacked right of the widest block."""
    column = max((len(p.keys) for p in placed.values()), default=0) + 1  # one column gap
    row = 0
    for chart in sheet.charts:
        if chart.anchor is None:
            anchor = (row, column)
            row += math.ceil(chart.size[1] / ROW_PIXELS) + 1  # the next one below, a row apart
        else:
            anchor = chart.anchor
        ws.insert_chart(*anchor, _chart(book, sheet, chart, placed))


def _chart(book: xlsxwriter.Workbook, sheet: OutputSheet, chart: Chart, placed: dict[str, Placed]):
    if chart.kind not in KINDS:
        raise ValueError(
            f'chart "{chart.title}" on sheet {sheet.name}: kind {chart.kind!r} is not one of {KINDS}'
        )
    made = book.add_chart({"type": chart.kind})
    # Legend and title are text as given, even when they look like a reference (Sales!A1):
    # XlsxWriter would otherwise take them for a formula (SPEC §13, user text is never one).
    made._process_names = lambda name, formula: (name, formula)
    for series in chart.series:
        made.add_series(_series(sheet, chart, series, placed))
    made.set_title({"name": chart.title} if chart.title else {"none": True})
    made.set_legend(LEGEND)
    if chart.y_format and chart.kind != "pie":
        value_axis = made.set_x_axis if chart.kind == "bar" else made.set_y_axis  # bar: x is values
        value_axis({"num_format": chart.y_format})
    width, height = chart.size
    made.set_size({"width": width, "height": height})
    return made


def _series(sheet: OutputSheet, chart: Chart, series: Series, placed: dict[str, Placed]) -> dict:
    where = f'chart "{chart.title}" on sheet {sheet.name}, series "{series.name}"'
    block = placed.get(series.table)
    if block is None:
        raise ValueError(
            f"{where}: table {series.table} is not a block of the sheet (blocks: {', '.join(placed)})"
        )
    ranges = {}
    for role, key in (("values", series.values), ("categories", series.categories)):
        if key not in block.keys:
            raise ValueError(
                f"{where}: {role} column {key!r} is not in {series.table} "
                f"(columns: {', '.join(block.keys)})"
            )
        j = block.keys.index(key)
        ranges[role] = [sheet.name, block.first, j, block.last, j]
    options = {"name": series.name, **ranges}
    if series.colour and chart.kind == "line":
        options["line"] = {"color": series.colour}
    elif series.colour and chart.kind != "pie":  # one fill would make every slice alike
        options["fill"] = {"color": series.colour}
    return options
