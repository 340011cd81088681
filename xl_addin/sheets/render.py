"""Render output-sheet descriptions into an .xlsx of their own, with XlsxWriter (STYLE §6).

Formats are created once, by their properties; user text is written as text, never as a
formula. Where each part goes is xl_addin/sheets/layout.py's, shared with the live writer
(livebook.py). xl_addin/workbook/splice.py then moves the rendered sheets into the user's workbook;
for it, the data rows of a long plain table come from rustpy-xlsxwriter (bulkrows.py).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_range, xl_range_abs

from xl_addin.sheets.bulkrows import BulkRows, bulk_tables, kept_rows, write_rows
from xl_addin.sheets.charts import add_charts
from xl_addin.sheets.description import COLOURS, RED, Block, OutputSheet
from xl_addin.sheets.layout import (
    Placed,
    column_widths,
    frozen,
    place,
    plain,
    print_areas,
    print_titles,
    rule_formula,
    status_criteria,
    total_formulas,
)
from xl_addin.sheets.xlsxsheet import Worksheet

TABLE_STYLE = "Table Style Medium 2"
TITLE = {"bold": True, "font_size": 12}
HEADER = {
    "bold": True,
    "font_color": "#FFFFFF",
    "bg_color": "#1F4E78",
}  # LibreOffice ignores table styles
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"


def render(sheets: list[OutputSheet], first: Sequence[AddSheet] = ()) -> bytes:
    """The output sheets as a complete .xlsx (in memory), every cell by XlsxWriter.

    `first` adds further sheets before them, with the same formats (an input table the plan
    lacks, laid out by the writer of `init`)."""
    return _render(sheets, first, {})


def render_for_splice(
    sheets: list[OutputSheet], first: Sequence[AddSheet] = ()
) -> tuple[bytes, dict[str, list[BulkRows]]]:
    """The output sheets for the splice: as render() makes them, but a table whose data rows
    bulkrows.py writes holds its first and last rows only (and the first of each number
    format of its rows' own), those rows given beside, by sheet name."""
    tables = {sheet.name: bulk_tables(sheet) for sheet in sheets}
    rows = {s.name: [write_rows(s, t) for t in tables[s.name]] for s in sheets if tables[s.name]}
    return _render(sheets, first, {n: t for n, t in tables.items() if t}), rows


def _render(
    sheets: list[OutputSheet], first: Sequence[AddSheet], stubs: dict[str, tuple[str, ...]]
) -> bytes:
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
    for add in first:
        add(book, formats)
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name, Worksheet)
        _render_sheet(book, ws, sheet, formats, stubs.get(sheet.name, ()))
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


AddSheet = Callable[[xlsxwriter.Workbook, Formats], None]  # adds a sheet of its own


def header_style(numeric: bool, row: int) -> dict:
    """A column header on `row`: right-aligned over numbers, left over text, as Excel
    aligns the cells below it."""
    return {**HEADER, "align": "right" if numeric else "left", **_top(row)}


def _render_sheet(
    book: xlsxwriter.Workbook, ws, sheet: OutputSheet, formats: Formats, bulk: tuple = ()
) -> None:
    """The sheet on `ws`; each `bulk` table holds its kept rows only (bulkrows.kept_rows: its
    first and last, the first of each own number format), the others come from bulkrows.py.
    (Its kept rows keep the order in which the sheet first uses each format, and so their
    numbers, as when every row is written.)"""
    placed = place(sheet)
    for block, at in zip(sheet.blocks, placed, strict=True):
        stub = block.table in bulk
        kept = kept_rows(block) if stub else None
        if at.title is not None:
            ws.write_string(
                at.title, at.col, str(block.title), formats.get(**TITLE, **_top(at.title))
            )
        frame = block.frame
        for j, col in enumerate(block.columns, at.col):
            style = {"num_format": col.fmt} if col.fmt else {}
            rows = frame.iloc[kept] if stub else frame
            values = rows[col.key].tolist()
            own = rows[col.row_fmt].tolist() if col.row_fmt else None
            if stub:
                for k, i in enumerate(kept):
                    mine = own[k : k + 1] if own is not None else None
                    write_column(ws, at.first + i, j, values[k : k + 1], formats, style, mine)
            else:
                write_column(ws, at.first, j, values, formats, style, own)
        columns = [
            {
                "header": str(c.header),
                "header_format": formats.get(**header_style(c.numeric, at.header)),
            }
            for c in block.columns
        ]
        options = {"name": block.table, "style": TABLE_STYLE, "columns": columns}
        if block.total is not None:
            _total_row(block, at, columns, formats)
            options["total_row"] = True
        _add_table(ws, sheet, block.table, at, options, stub)
        if block.status:
            _highlight_status(ws, block, at, formats)
        _rules(ws, block, at, formats)
    add_charts(book, ws, sheet, placed)
    panes = frozen(sheet)
    if panes:
        ws.freeze_panes(*panes)
    widths = column_widths(sheet, placed)
    for j, width in sorted(widths.items()):
        ws.set_column(j, j, width)
    _print_setup(book, ws, sheet, placed, widths)


def _add_table(ws, sheet: OutputSheet, table: str, at: Placed, options: dict, stub: bool) -> None:
    """The block's Excel table. A stub's is added over its header and first row and then given
    the block's whole range: add_table marks every cell of its range in a map to refuse
    overlaps (seconds and hundreds of MiB for a million rows), and the layout places no two
    tables over each other."""
    bottom = at.first if stub else at.bottom
    if ws.add_table(at.header, at.col, bottom, at.last_col, options) == -1:
        raise ValueError(
            f"XlsxWriter refused table {table} on sheet {sheet.name} (see its warning)"
        )
    if stub and bottom != at.bottom:
        # XlsxWriter 3's record of the table (setup.cfg keeps XlsxWriter below 4); its XML is
        # written from these ranges when the book is closed.
        record, small = ws.tables[-1], xl_range(at.header, at.col, bottom, at.last_col)
        keys = ("range", "a_range", "autofilter")
        if record.get("name") != table or any(record.get(k) != small for k in keys):
            raise AssertionError(f"XlsxWriter's record of table {table} is not as expected")
        record.update(dict.fromkeys(keys, xl_range(at.header, at.col, at.bottom, at.last_col)))


def _print_setup(
    book: xlsxwriter.Workbook,
    ws,
    sheet: OutputSheet,
    placed: list[Placed],
    widths: dict[int, float],
) -> None:
    """Landscape A4, one page wide; the tables and charts only, the header rows on each page."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    areas = print_areas(sheet, placed, widths)
    if len(areas) == 1:
        ws.print_area(*areas[0])
    elif areas:  # XlsxWriter's print_area takes one range; the defined name takes several
        where = quote_sheetname(sheet.name)
        ranges = ",".join(f"{where}!{xl_range_abs(*area)}" for area in areas)
        book.define_name(f"{where}!_xlnm.Print_Area", f"={ranges}")
    titles = print_titles(sheet, placed)
    if titles:
        ws.repeat_rows(*titles)


def _total_row(block: Block, at: Placed, columns: list[dict], formats: Formats) -> None:
    """The table's total row, in bold: the label, then each column's live formula (cached with
    the value it has as written, so a reader that does not recalculate sees it too)."""
    formulas = total_formulas(block, at)
    cached = {k: _sum(block.frame[k]) for k in block.total.sums}
    cached |= {k: v for k, _, v in block.total.formulas}
    for col, c in zip(columns, block.columns, strict=True):
        style = {"bold": True, **({"num_format": c.fmt} if c.fmt else {})}
        col["format"] = formats.get(**style)
        if c.key in formulas:
            col["total_function"] = "=" + formulas[c.key]
            col["total_value"] = cached[c.key]
    columns[0]["total_string"] = block.total.label


def _sum(values) -> float:
    """A column's sum as the Total row shows it; to the cent, as the amounts summed."""
    return round(float(sum(v for v in (plain(x) for x in values) if v is not None)), 2)


def _top(row: int) -> dict:
    return {"valign": "vcenter"} if row == 0 else {}


def _highlight_status(ws, block: Block, at: Placed, formats: Formats) -> None:
    """Numbers that are not zero in the block's status column."""
    j = at.col + next(i for i, c in enumerate(block.columns) if c.key == block.status)
    criteria, value = status_criteria(block)
    rule = {"criteria": criteria, "value": value}
    ws.conditional_format(
        at.first, j, at.last, j, {"type": "cell", **rule, "format": formats.get(**RED)}
    )


def _rules(ws, block: Block, at: Placed, formats: Formats) -> None:
    keys = [c.key for c in block.columns]
    for rule in block.rules:
        j = at.col + keys.index(rule.key)
        ws.conditional_format(
            at.first,
            j,
            at.last,
            j,
            {
                "type": "formula",
                "criteria": rule_formula(block, rule, at),
                "format": formats.get(**COLOURS[rule.colour]),
                "stop_if_true": True,
            },
        )


def write_column(
    ws,
    row0: int,
    j: int,
    values: list,
    formats: Formats,
    style: dict,
    row_fmts: list | None = None,
) -> None:
    """Cells by their type, from row `row0` down; text is always text, never a formula.

    `style` holds format properties for the column (num_format for numbers); a date without
    a num_format gets yyyy-mm-dd (yyyy-mm-dd h:mm:ss with a time). A blank (empty text too,
    as Excel keeps a "" typed in) is written only when the column has a style, so an input
    column stays coloured where it is empty. `row_fmts`: a number format of each row's own
    ("" for none: the column's), for its number or blank (a % KPI's among counts).
    """
    fmt = formats.get(**style)
    for i, raw in enumerate(values, row0):
        v = plain(raw)
        if v is None or v == "":
            own = row_fmts[i - row0] if row_fmts is not None else ""
            blank = formats.get(num_format=own) if own else fmt
            if blank is not None:
                ws.write_blank(i, j, None, blank)
        elif isinstance(v, str):
            ws.write_string(i, j, v, fmt)
        elif isinstance(v, bool):
            ws.write_boolean(i, j, v, fmt)
        elif isinstance(v, (int, float)):
            own = row_fmts[i - row0] if row_fmts is not None else ""
            ws.write_number(i, j, v, formats.get(num_format=own) if own else fmt)
        else:
            default = DATETIME_FORMAT if isinstance(v, dt.datetime) else DATE_FORMAT
            ws.write_datetime(i, j, v, formats.get(**{"num_format": default, **style}))
