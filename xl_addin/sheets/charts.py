"""Native Excel charts over an output sheet's blocks (outputs.Chart), for render.py.

A chart refers to cells, not to numbers copied into it, so it follows a value the user edits.
Where charts stand and which cells their series read is xl_addin/sheets/layout.py's.
"""

from __future__ import annotations

import xlsxwriter

from xl_addin.sheets.description import COLOURS, Chart, OutputSheet, Series
from xl_addin.sheets.layout import Placed, chart_anchors, check_chart, plain, series_cells

LEGEND = {"position": "bottom"}


def add_charts(book: xlsxwriter.Workbook, ws, sheet: OutputSheet, placed: list[Placed]) -> None:
    """Insert the sheet's charts where the layout puts them (layout.chart_anchors)."""
    by_table = {b.table: p for b, p in zip(sheet.blocks, placed, strict=True)}
    for chart, anchor in zip(sheet.charts, chart_anchors(sheet, placed), strict=True):
        ws.insert_chart(*anchor, _chart(book, sheet, chart, by_table))


def _chart(book: xlsxwriter.Workbook, sheet: OutputSheet, chart: Chart, placed: dict[str, Placed]):
    check_chart(sheet, chart)
    made = book.add_chart({"type": chart.kind})
    # Legend and title are text as given, even when they look like a reference (Sales!A1):
    # XlsxWriter would otherwise take them for a formula (SPEC §13, user text is never one).
    made._process_names = lambda name, formula: (name, formula)
    for series in chart.series:
        made.add_series(_series(sheet, chart, series, placed))
    made.set_title({"name": chart.title} if chart.title else {"none": True})
    # bars coloured one by one are named by their categories: a legend would show one colour
    made.set_legend({"none": True} if any(s.points for s in chart.series) else LEGEND)
    if chart.y_format and chart.kind != "pie":
        value_axis = made.set_x_axis if chart.kind == "bar" else made.set_y_axis  # bar: x is values
        value_axis({"num_format": chart.y_format})
    width, height = chart.size
    made.set_size({"width": width, "height": height})
    return made


def _series(sheet: OutputSheet, chart: Chart, series: Series, placed: dict[str, Placed]) -> dict:
    cells = series_cells(sheet, chart, series, placed)
    options = {"name": series.name, **{role: [sheet.name, *c] for role, c in cells.items()}}
    # the chart's own copy of its numbers (what a preview draws, and what openpyxl keeps): a
    # blank week has no point there, a gap, where XlsxWriter would copy a formatted blank as 0
    block = next(b for b in sheet.blocks if b.table == series.table)
    options["values_data"] = [plain(v) for v in block.frame[series.values].tolist()]
    if series.colour and chart.kind == "line":
        options["line"] = {"color": series.colour}
    elif series.colour and chart.kind != "pie":  # one fill would make every slice alike
        options["fill"] = {"color": series.colour}
    if series.points and chart.kind in ("column", "bar"):
        options["points"] = [point_colours(name) for name in series.points]
    return options


def point_colours(name: str) -> dict:
    """A bar in a status's colours, as its cells show it: the cell's fill, the text's colour
    as its border."""
    colours = COLOURS[name]
    return {"fill": {"color": colours["bg_color"]}, "border": {"color": colours["font_color"]}}
