"""Render an output-sheet description into an openpyxl worksheet: tables, formats, widths."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from xl_addin.outputs import OutputSheet

TITLE_FONT = Font(bold=True, size=12)
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", start_color="1F4E78", end_color="1F4E78")
RED_FILL = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
RED_FONT = Font(color="9C0006")


def cell_value(v):
    """A Python value safe to put in a cell: numbers, dates, or text — never a formula."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, (int, float, dt.date)):
        return v
    return str(v)


def render_sheet(ws, sheet: OutputSheet) -> None:
    row = 1
    for block in sheet.blocks:
        if block.title:
            ws.cell(row=row, column=1, value=block.title).font = TITLE_FONT
            row += 1
        first = row
        headers = [c.header for c in block.columns]
        for j, h in enumerate(headers, start=1):
            cell = ws.cell(row=row, column=j, value=h)
            cell.data_type = "s"
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        frame = block.frame
        for values in zip(*(frame[c.key].tolist() for c in block.columns), strict=True):
            row += 1
            for j, v in enumerate(values, start=1):
                cell = ws.cell(row=row, column=j)
                v = cell_value(v)
                cell.value = v
                if isinstance(v, str):
                    cell.data_type = "s"  # user text is never a formula
        last = max(row, first + 1)
        if row == first:  # an Excel table needs at least one data row
            row += 1
        for j, col in enumerate(block.columns, start=1):
            if col.fmt:
                for (cell,) in ws.iter_rows(min_row=first + 1, max_row=last, min_col=j, max_col=j):
                    cell.number_format = col.fmt
        ref = f"A{first}:{get_column_letter(len(headers))}{last}"
        table = Table(displayName=block.table, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)
        if block.status:
            j = next(i for i, c in enumerate(block.columns, start=1) if c.key == block.status)
            letter = get_column_letter(j)
            ws.conditional_formatting.add(
                f"{letter}{first + 1}:{letter}{last}",
                CellIsRule(operator="notEqual", formula=["0"], fill=RED_FILL, font=RED_FONT),
            )
        _widths(ws, block, first)
        row = last + 2
    ws.freeze_panes = ws.cell(
        row=2 + (1 if sheet.blocks[0].title else 0), column=1 + sheet.freeze_cols
    )
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _widths(ws, block, first: int) -> None:
    sample = block.frame.head(200)
    for j, col in enumerate(block.columns, start=1):
        values = [str(col.header)] + [str(cell_value(v) or "") for v in sample[col.key].tolist()]
        width = max(_display_width(v) for v in values) + 2
        if col.fmt:
            width = max(width, 11)
        letter = get_column_letter(j)
        current = ws.column_dimensions[letter].width or 0
        ws.column_dimensions[letter].width = min(max(width, current, 8), 60)


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
