"""Render output-sheet descriptions into an .xlsx of their own, with XlsxWriter (STYLE §6).

Formats are created once, by their properties; user text is written as text, never as a
formula. xl_addin/splice.py then moves the rendered sheets into the user's workbook.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import numbers

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from xl_addin.outputs import Block, OutputSheet
from xl_addin.render_charts import Placed, add_charts

TABLE_STYLE = "Table Style Medium 2"
TITLE = {"bold": True, "font_size": 12}
HEADER = {
    "bold": True,
    "font_color": "#FFFFFF",
    "bg_color": "#1F4E78",
}  # LibreOffice ignores table styles
RED = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
COLOURS = {
    "red": RED,
    "amber": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
    "green": {"bg_color": "#C6EFCE", "font_color": "#006100"},
}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"


def render(sheets: list[OutputSheet]) -> bytes:
    """The output sheets as a complete .xlsx (in memory); the splice takes its sheet parts."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,  # user text is never a formula (SPEC §13)
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    book.set_properties({"created": dt.datetime(2000, 1, 1)})
    formats = Formats(book)
    for sheet in sheets:
        _render_sheet(book, book.add_worksheet(sheet.name), sheet, formats)
    book.close()
    return buffer.getvalue()


class Formats:
    """Each XlsxWriter format created once, by its properties."""

    def __init__(self, book: xlsxwriter.Workbook):
        self._book = book
        self._made: dict[tuple, object] = {}

    def get(self, **props):
        if not props:
            return None
        key = tuple(sorted(props.items()))
        if key not in self._made:
            self._made[key] = self._book.add_format(props)
        return self._made[key]


def _render_sheet(book: xlsxwriter.Workbook, ws, sheet: OutputSheet, formats: Formats) -> None:
    widths: dict[int, float] = {}
    placed: dict[str, Placed] = {}
    row = 0
    for block in sheet.blocks:
        if block.title:
            ws.write_string(row, 0, str(block.title), formats.get(**TITLE, **_top(row)))
            row += 1
        first = row
        frame = block.frame
        for j, col in enumerate(block.columns):
            write_column(
                ws,
                first + 1,
                j,
                frame[col.key].tolist(),
                formats,
                {"num_format": col.fmt} if col.fmt else {},
            )
        last = first + max(len(frame), 1)  # an Excel table needs at least one data row
        header = formats.get(**HEADER, **_top(first))
        columns = [{"header": str(c.header), "header_format": header} for c in block.columns]
        options = {"name": block.table, "style": TABLE_STYLE, "columns": columns}
        if ws.add_table(first, 0, last, len(block.columns) - 1, options) == -1:
            raise ValueError(
                f"XlsxWriter refused table {block.table} on sheet {sheet.name} (see its warning)"
            )
        if block.status:
            _highlight_status(ws, block, first, last, formats)
        _rules(ws, block, first, last, formats)
        _measure(widths, block)
        placed[block.table] = Placed(first + 1, last, tuple(c.key for c in block.columns))
        row = last + 2
    add_charts(book, ws, sheet, placed)
    if sheet.blocks:
        ws.freeze_panes(1 + bool(sheet.blocks[0].title), sheet.freeze_cols)
    for j, width in sorted(widths.items()):
        ws.set_column(j, j, width)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)


def _top(row: int) -> dict:
    return {"valign": "vcenter"} if row == 0 else {}


def _highlight_status(ws, block: Block, first: int, last: int, formats: Formats) -> None:
    """Numbers that are not zero, or the text RED, in the block's status column."""
    j = next(i for i, c in enumerate(block.columns) if c.key == block.status)
    values = block.frame[block.status]
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    rule = {"criteria": "!=", "value": 0} if numeric else {"criteria": "==", "value": '"RED"'}
    ws.conditional_format(
        first + 1, j, last, j, {"type": "cell", **rule, "format": formats.get(**RED)}
    )


def _rules(ws, block: Block, first: int, last: int, formats: Formats) -> None:
    letters = {c.key: xl_col_to_name(j) for j, c in enumerate(block.columns)}
    refs = {k: f"${letter}{first + 2}" for k, letter in letters.items()}  # first data row, 1-based
    for rule in block.rules:
        j = list(letters).index(rule.key)
        ws.conditional_format(
            first + 1,
            j,
            last,
            j,
            {
                "type": "formula",
                "criteria": "=" + rule.formula.format(**refs),
                "format": formats.get(**COLOURS[rule.colour]),
                "stop_if_true": True,
            },
        )


def write_column(ws, row0: int, j: int, values: list, formats: Formats, style: dict) -> None:
    """Cells by their type, from row `row0` down; text is always text, never a formula.

    `style` holds format properties for the column (num_format for numbers); a date without
    a num_format gets yyyy-mm-dd (yyyy-mm-dd h:mm:ss with a time). Blanks are written only
    when the column has a style, so an input column stays coloured where it is empty.
    """
    fmt = formats.get(**style)
    for i, raw in enumerate(values, row0):
        v = plain(raw)
        if v is None:
            if fmt is not None:
                ws.write_blank(i, j, None, fmt)
        elif isinstance(v, str):
            ws.write_string(i, j, v, fmt)
        elif isinstance(v, bool):
            ws.write_boolean(i, j, v, fmt)
        elif isinstance(v, (int, float)):
            ws.write_number(i, j, v, fmt)
        else:
            default = DATETIME_FORMAT if isinstance(v, dt.datetime) else DATE_FORMAT
            ws.write_datetime(i, j, v, formats.get(**{"num_format": default, **style}))


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


def _measure(widths: dict[int, float], block: Block) -> None:
    """Column widths: the longest of the first 200 values (CJK counts double), 8 to 60."""
    sample = block.frame.head(200)
    for j, col in enumerate(block.columns):
        texts = [str(col.header)] + [str(plain(v) or "") for v in sample[col.key].tolist()]
        width = max(_display_width(t) for t in texts) + 2
        if col.fmt:
            width = max(width, 11)
        widths[j] = min(max(width, widths.get(j, 0), 8), 60)


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
