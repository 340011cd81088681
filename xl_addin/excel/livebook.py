"""A planning workbook open in Excel, through xlwings' public API: the live path (STYLE §1).

LiveBook is the same table source as FileBook (tablesource.py): tables are found by name on
any sheet, each read in one call, with the positions that let a problem name `Sheet!Cell`.
Its `write_sheets` writes salesplan's output sheets where layout.py places them for the file
renderer too: each block's header and rows in one call, a number format per column, an Excel
table with the block's name and style, the header style, block titles, the conditional-format
rules (status colours) as native rules, column widths, frozen panes and native charts.

Everything is computed and checked before the first write, so an input problem (PlanError)
changes nothing. Excel has no transaction, so a failure of Excel itself half-way is not
undone; it is not an input problem and is reported as a failure.

The print areas (the sheet's tables and charts) are set through xlwings' PageSetup. What
xlwings' public API does not reach is set through Excel's own object model (`.api`, COM on
Windows), as the file writer sets it: landscape, A4, one page wide and any number tall, the
header rows repeated on each page, and each bar of the Dashboard's status chart in its
status's colours. Where `.api` is not Excel's COM object model (macOS, where it is
AppleScript, or an engine without it), the sheets are written without these, and without
frozen panes where the engine lacks `Sheet.freeze_panes` (xlwings 0.37.8 does not implement
it on desktop Excel): each is used where the engine has it, and skipped otherwise.

Text is written with Excel's own text prefix (an apostrophe), because Excel reads a value
set through its object model as if it were typed: `=…` would become a formula, `2026-07` a
date and `007` a number (SPEC §13: user text is never a formula).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine.problems import PlanError, Problem, said
from xl_addin.sheets.charts import point_colours
from xl_addin.sheets.description import Block, OutputSheet
from xl_addin.sheets.layout import (
    Placed,
    chart_anchors,
    check_chart,
    column_widths,
    frozen,
    place,
    plain,
    print_areas,
    print_titles,
    rule_formula,
    series_cells,
    status_criteria,
)
from xl_addin.sheets.outputs import name_clash, table_clash
from xl_addin.sheets.render import (
    COLOURS,
    DATE_FORMAT,
    DATETIME_FORMAT,
    HEADER,
    RED,
    TABLE_STYLE,
    TITLE,
)
from xl_addin.workbook.cellref import column_letter
from xl_addin.workbook.init import (
    INPUT_TABLE_STYLE,
    input_headers,
    input_style,
    input_width,
)
from xl_addin.workbook.placement import check_new_sheets, check_not_input
from xl_addin.workbook.reader import plan_locale
from xl_addin.workbook.tablesource import MOST_CELLS, RawTable
from xl_addin.workbook.tablewrite import NewTable, TableEdits, blocked_below

if TYPE_CHECKING:
    import xlwings as xw

TEXT_PREFIX = "'"  # Excel's prefix for "what follows is text"
CHART_TYPES = {"line": "line", "column": "column_clustered", "bar": "bar_clustered", "pie": "pie"}
POINTS_PER_PIXEL = 0.75  # 96 dpi
OPERATORS = {"!=": "not_equal_to", "==": "equal_to"}
# Excel's object model: XlPageOrientation, XlPaperSize, MsoTriState
XL_LANDSCAPE, XL_PAPER_A4, MSO_TRUE = 2, 9, -1
NOT_COM = (AttributeError, NotImplementedError)  # `.api` is no COM object (macOS, other engines)


@dataclass(frozen=True)
class Found:
    """A table of the workbook: its name as Excel spells it and its sheet."""

    name: str
    sheet: str


def _top_left(cells) -> str:
    """The address of a range's first cell: `B7`."""
    return f"{column_letter(cells.column)}{cells.row}"


# A table of this many cells or more is read only as far as its sheet's used range (_used):
# one call more, and none of the empty cells a table over whole rows holds.
USED_FROM = 100_000


class LiveBook:
    """The table source and sheet writer over an open xlwings Book."""

    def __init__(self, book: xw.Book):
        self.book = book
        self._found: dict[str, Found] | None = None

    @property
    def name(self) -> str:
        return self.book.name

    @property
    def folder(self) -> Path | None:
        """Where the open plan is saved (tblSources' file paths are relative to it)."""
        full = self.book.fullname
        return Path(full).parent if full and os.path.isabs(full) else None

    # -- reading ----------------------------------------------------------------------

    def _tables(self) -> dict[str, Found]:
        if self._found is None:
            self._found = {
                t.name.casefold(): Found(t.name, sheet.name)
                for sheet in self.book.sheets
                for t in sheet.tables
            }
        return self._found

    def _table(self, found: Found):
        return self.book.sheets[found.sheet].tables[found.name]

    def table_names(self) -> list[str]:
        return [t.name for t in self._tables().values()]

    def table(self, name: str) -> RawTable | None:
        found = self._tables().get(name.casefold())
        if found is None:
            return None
        cells = self._table(found).range
        if cells.shape[0] * cells.shape[1] >= USED_FROM:
            cells = self._used(found, cells)
        values = cells.options(ndim=2).value  # one call for the whole table
        return RawTable(
            found.name,
            found.sheet,
            cells.row,
            cells.column,
            list(values[0]),
            [tuple(r) for r in values[1:]],
        )

    def _used(self, found: Found, cells):
        """A large table's range as far as its sheet's used range goes: a table over whole
        rows or the whole sheet (A1:XFD1048576) is empty past it, and Excel would hand over
        every empty cell. One that is still more than MOST_CELLS is refused at its corner,
        as the file reader refuses it."""
        used = self.book.sheets[found.sheet].used_range
        (rows, cols), (used_rows, used_cols) = cells.shape, used.shape
        last_row = min(cells.row + rows, used.row + used_rows) - 1
        last_col = min(cells.column + cols, used.column + used_cols) - 1
        rows, cols = max(last_row - cells.row + 1, 1), max(last_col - cells.column + 1, 1)
        if rows * cols > MOST_CELLS:
            corner = _top_left(cells)
            ref = f"{corner}:{cells.last_cell.get_address(False, False)}"
            message = said("table_too_large", table=found.name, ref=ref, most=MOST_CELLS)
            raise PlanError([Problem(found.sheet, corner, message, said("table_too_large_hint"))])
        return cells.resize(rows, cols)

    # -- writing ----------------------------------------------------------------------

    def check_not_input(self, sheets: list[OutputSheet]) -> None:
        """An output sheet may only replace a sheet that holds nothing but salesplan's tables."""
        check_not_input(self._tables().values(), sheets, self._corner, lambda: plan_locale(self))

    def _corner(self, found: Found) -> str:
        return _top_left(self._table(found).range)

    def write_sheets(self, sheets: list[OutputSheet], edits: TableEdits | None = None) -> None:
        """Replace salesplan's output sheets (and only those) and make `edits` in the user's
        tables (a table the plan lacks on a new sheet of its own, as `init` lays it out);
        every input problem is raised before the first write."""
        plans = [prepare(s) for s in sheets]
        created = edits.creates if edits else []
        self.check_not_input(sheets)
        self._check_names(sheets, created)
        check_new_sheets([s.name for s in self.book.sheets], created)
        edit = self._plan_edits(edits) if edits else _Edits()
        if not sheets and not edit and not created:
            return
        active = self.book.sheets.active
        with self.book.app.properties(screen_updating=False):
            for table in created:  # before new output sheets, as the file writer puts it
                _add_table(self.book, table)
            targets = self._cleared(sheets)
            for plan, target in zip(plans, targets, strict=True):
                _write(target, plan)
            self._edit(edit)
            active.activate()
        self._found = None

    def _check_names(self, sheets: list[OutputSheet], created: Sequence[NewTable] = ()) -> None:
        """Table names are the workbook's: a user's table (on a sheet not replaced) or a
        defined name may not already use one of ours."""
        replaced = {s.name.casefold() for s in sheets}
        ours = {b.table.casefold(): b.table for s in sheets for b in s.blocks}
        ours |= {t.spec.name.casefold(): t.spec.name for t in created}
        problems = [
            table_clash(ours[key], t.sheet)
            for key, t in self._tables().items()
            if key in ours and t.sheet.casefold() not in replaced
        ]
        names = {
            n.name.casefold()
            for n in self.book.names
            if "!" not in n.name and not n.name.startswith("_xlnm.")
        }
        problems += [name_clash(name) for key, name in ours.items() if key in names]
        if problems:
            raise PlanError(problems)

    def _cleared(self, sheets: list[OutputSheet]) -> list:
        """Each output sheet, emptied where it stands (so references to it keep working), or
        added after the last sheet."""
        existing = {s.name.casefold(): s for s in self.book.sheets}
        out = []
        for sheet in sheets:
            target = existing.get(sheet.name.casefold())
            if target is None:
                target = self.book.sheets.add(sheet.name, after=self.book.sheets[-1])
            else:
                for chart in list(target.charts):
                    chart.delete()
                target.clear()  # values, formats, rules and the tables it covers
                if target.name != sheet.name:
                    target.name = sheet.name
            out.append(target)
        kept = [f"{t.name} on {target.name}" for target in out for t in target.tables]
        if kept:
            raise RuntimeError(
                f"Excel kept {', '.join(kept)} after clearing the sheet; delete the sheet and run again"
            )
        return out

    def _plan_edits(self, edits: TableEdits) -> _Edits:
        """Where each appended row and set cell goes, checked before anything is written."""
        out, problems = _Edits(), []
        for name, rows in edits.appends.items():
            found = self._tables().get(name.casefold())
            if found is None:
                problems.append(
                    Problem(
                        name, "", said("table_missing", table=name), said("add_table", table=name)
                    )
                )
                continue
            cells = self._table(found).range
            header, first_col = cells.row, cells.column
            height, width = cells.shape
            last, last_col = header + height - 1, first_col + width - 1
            body = cells.options(ndim=2).value[1:]
            filled = [header + 1 + i for i, r in enumerate(body) if any(map(_filled, r))]
            start = max(filled, default=header) + 1
            end = start + len(rows) - 1
            if end > last:
                sheet = self.book.sheets[found.sheet]
                below = sheet.range((last + 1, first_col), (end, last_col)).options(ndim=2).value
                hit = [last + 1 + i for i, r in enumerate(below) if any(map(_filled, r))]
                if hit:
                    problems.append(blocked_below(found.name, found.sheet, first_col, hit[0]))
                    continue
            model = start - 1 if start - 1 > header else start
            out.appends.append(
                _Append(
                    found,
                    header,
                    first_col,
                    last_col,
                    last,
                    start,
                    [
                        [_cell(row.get(column_letter(c))) for c in range(first_col, last_col + 1)]
                        for row in rows
                    ],
                    model if header < model <= last else None,
                )
            )
        for (name, ref), value in edits.cells.items():
            found = self._tables().get(name.casefold())
            if found is None:
                problems.append(
                    Problem(
                        name, "", said("table_missing", table=name), said("add_table", table=name)
                    )
                )
                continue
            out.cells.append((found.sheet, ref, _cell(value)))
        if problems:
            raise PlanError(problems)
        return out

    def _edit(self, edit: _Edits) -> None:
        for a in edit.appends:
            sheet = self.book.sheets[a.table.sheet]
            end = a.start + len(a.rows) - 1
            if end > a.last:  # grow the table first, so the rows land inside it
                self._table(a.table).resize(sheet.range((a.header, a.first_col), (end, a.last_col)))
            if a.model is not None:  # the formats of the row above, as a user's new row gets
                for col in range(a.first_col, a.last_col + 1):
                    fmt = sheet.range((a.model, col)).number_format
                    if fmt and fmt != "General":
                        sheet.range((a.start, col), (end, col)).number_format = fmt
            sheet.range((a.start, a.first_col)).value = a.rows
        for sheet, ref, value in edit.cells:
            self.book.sheets[sheet].range(ref).value = value


@dataclass(frozen=True)
class _Append:
    table: Found
    header: int  # 1-based rows and columns, as Excel counts them
    first_col: int
    last_col: int
    last: int
    start: int
    rows: list[list]
    model: int | None  # the row whose number formats the new rows take


@dataclass
class _Edits:
    appends: list[_Append] = field(default_factory=list)
    cells: list[tuple[str, str, object]] = field(default_factory=list)  # (sheet, "B7", value)

    def __bool__(self) -> bool:
        return bool(self.appends or self.cells)


# -- what a sheet gets, computed before anything is written ----------------------------


@dataclass(frozen=True)
class CellRule:
    """A conditional-format rule as xlwings adds it: a cell-value or a custom-formula rule."""

    column: int  # 0-based, in the block
    kind: str  # "cell_value" or "custom"
    formula: str  # the custom formula (with =), or the cell-value rule's value
    operator: str | None
    colours: dict
    stop_if_true: bool


@dataclass(frozen=True)
class BlockPlan:
    block: Block
    at: Placed
    values: list[list]  # the title row (if any), the header row and the data rows, as written
    formats: list[tuple[int, str]]  # (0-based column, number format) of the data rows
    rules: list[CellRule]  # in Excel's order: the first that holds wins
    # (0-based row, column in the block, number format) of a row with a format of its own
    cell_formats: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ChartPlan:
    anchor: tuple[int, int]  # 0-based (row, column)
    chart_type: str  # xlwings' name
    size: tuple[float, float]  # points
    source: tuple[int, int, int, int]  # (top, left, bottom, right), 0-based: header and values
    categories: tuple[int, int, int, int]  # the category column's data cells, likewise
    names: list[str]
    colours: list[str]
    kind: str
    title: str
    y_format: str
    legend: bool = True  # none for bars coloured one by one: their categories name them
    points: tuple[tuple[str, ...], ...] = ()  # each series' bars' status colours (COLOURS)


@dataclass(frozen=True)
class SheetPlan:
    sheet: OutputSheet
    blocks: list[BlockPlan]
    charts: list[ChartPlan]
    panes: tuple[int, int] | None
    widths: dict[int, float]
    areas: list[tuple[int, int, int, int]] = field(default_factory=list)  # printed, 0-based
    titles: tuple[int, int] | None = None  # the rows repeated on each printed page, 0-based


def prepare(sheet: OutputSheet) -> SheetPlan:
    """Everything written on one output sheet, from the shared layout; a description that
    cannot be written raises here, before the workbook is touched."""
    placed = place(sheet)
    blocks = [_block(b, at) for b, at in zip(sheet.blocks, placed, strict=True)]
    by_table = {b.table: p for b, p in zip(sheet.blocks, placed, strict=True)}
    charts = [
        _chart(sheet, chart, anchor, by_table)
        for chart, anchor in zip(sheet.charts, chart_anchors(sheet, placed), strict=True)
    ]
    widths = column_widths(sheet, placed)
    return SheetPlan(
        sheet,
        blocks,
        charts,
        frozen(sheet),
        widths,
        print_areas(sheet, placed, widths),
        print_titles(sheet, placed),
    )


def _block(block: Block, at: Placed) -> BlockPlan:
    columns = [[plain(v) for v in block.frame[c.key].tolist()] for c in block.columns]
    rows = [[_text(v) for v in row] for row in zip(*columns, strict=True)]
    header = [_text(str(c.header)) for c in block.columns]
    formats = []
    for j, (col, values) in enumerate(zip(block.columns, columns, strict=True)):
        fmt = col.fmt or _date_format(values)
        if fmt and values:
            formats.append((j, fmt))
    keys = [c.key for c in block.columns]
    rules = []
    if block.status:
        operator, value = status_criteria(block)
        rules.append(
            CellRule(
                keys.index(block.status), "cell_value", str(value), OPERATORS[operator], RED, False
            )
        )
    for rule in block.rules:
        formula = rule_formula(block, rule, at)
        rules.append(
            CellRule(keys.index(rule.key), "custom", formula, None, COLOURS[rule.colour], True)
        )
    title = [[_text(str(block.title))] + [None] * (len(header) - 1)] if block.title else []
    cells = [
        (i, j, fmt)
        for j, col in enumerate(block.columns)
        if col.row_fmt
        for i, (fmt, v) in enumerate(zip(block.frame[col.row_fmt], columns[j], strict=True))
        if fmt
        and (v is None or v == "" or (isinstance(v, (int, float)) and not isinstance(v, bool)))
    ]  # a number or a blank takes its row's own format, as render.write_column writes it
    return BlockPlan(block, at, [*title, header, *rows], formats, rules, cells)


def _date_format(values: list) -> str:
    """Dates in a column without a format show as the file renderer shows them."""
    if any(isinstance(v, dt.datetime) for v in values):
        return DATETIME_FORMAT
    if any(isinstance(v, dt.date) for v in values):
        return DATE_FORMAT
    return ""


def _chart(sheet: OutputSheet, chart, anchor, placed: dict[str, Placed]) -> ChartPlan:
    """A chart as xlwings makes one: from adjacent value columns with their header (a series
    each), the categories set after; the same cells the file renderer's series read."""
    check_chart(sheet, chart)
    cells = [series_cells(sheet, chart, s, placed) for s in chart.series]
    where = f'chart "{chart.title}" on sheet {sheet.name}'
    if not cells:
        raise ValueError(f"{where} has no series")
    values = [c["values"] for c in cells]
    first, j0, last, _ = values[0]
    if values != [(first, j0 + k, last, j0 + k) for k in range(len(values))]:
        raise ValueError(f"{where}: the live writer needs the series' value columns side by side")
    if any(c["categories"] != cells[0]["categories"] for c in cells):
        raise ValueError(f"{where}: the live writer needs one category column for all series")
    width, height = chart.size
    return ChartPlan(
        anchor,
        CHART_TYPES[chart.kind],
        (width * POINTS_PER_PIXEL, height * POINTS_PER_PIXEL),
        (first - 1, j0, last, j0 + len(values) - 1),
        cells[0]["categories"],
        [s.name for s in chart.series],
        [s.colour for s in chart.series],
        chart.kind,
        chart.title,
        chart.y_format,
        not any(s.points for s in chart.series),
        tuple(s.points if chart.kind in ("column", "bar") else () for s in chart.series),
    )


def _text(value):
    """A cell value as set through Excel's object model: text keeps Excel's text prefix (and
    empty text is an empty cell)."""
    if isinstance(value, str):
        return TEXT_PREFIX + value if value else None
    return value


def _cell(value):
    return _text(plain(value))


def _filled(value) -> bool:
    return value is not None and value != ""


# -- writing one sheet -----------------------------------------------------------------


def _add_table(book, table: NewTable) -> None:
    """A table the plan lacks, on a new sheet after the last, laid out as `init` writes it
    (workbook/init.py): headers in the plan's language, yellow input cells (number formats
    for dates), the same widths and table style, header row frozen. xlwings has no public
    data validation: a column with choices gets none here (tblChangeLog has none)."""
    spec, frame = table.spec, table.frame
    sheet = book.sheets.add(spec.sheet, after=book.sheets[-1])
    headers = input_headers(spec, table.locale)
    rows = [[_cell(frame[c.key].iat[i]) for c in spec.columns] for i in range(len(frame))]
    n = max(len(rows), 1)
    _cells(sheet, 0, 0, 0, 0).value = [[_text(h) for h in headers], *rows]  # in one call
    for j, col in enumerate(spec.columns):
        style = input_style(col)
        body = _cells(sheet, 1, j, n, j)
        body.color = style["bg_color"]
        if "num_format" in style:
            body.number_format = style["num_format"]
        _cells(sheet, 0, j, 0, j).column_width = input_width(headers[j], table.locale)
    sheet.tables.add(
        source=_cells(sheet, 0, 0, n, len(headers) - 1),
        name=spec.name,
        table_style_name=INPUT_TABLE_STYLE.replace(" ", ""),
    )
    _freeze(sheet, 1, 0)


def _cells(sheet, top: int, left: int, bottom: int, right: int):
    """A range from 0-based (row, column) corners, inclusive."""
    return sheet.range((top + 1, left + 1), (bottom + 1, right + 1))


def _write(sheet, plan: SheetPlan) -> None:
    for b in plan.blocks:
        left, right = b.at.col, b.at.last_col
        _cells(sheet, b.at.top, left, b.at.top, left).value = b.values  # the block in one call
        if b.at.title is not None:
            _style(_cells(sheet, b.at.title, left, b.at.title, left), TITLE, b.at.title == 0)
        rows = len(b.block.frame)
        for j, fmt in b.formats:
            _cells(sheet, b.at.first, left + j, b.at.first + rows - 1, left + j).number_format = fmt
        for i, j, fmt in b.cell_formats:
            _cells(sheet, b.at.first + i, left + j, b.at.first + i, left + j).number_format = fmt
        _style(_cells(sheet, b.at.header, left, b.at.header, right), HEADER, b.at.header == 0)
        for j, col in enumerate(b.block.columns, left):  # over numbers right, over text left
            header = _cells(sheet, b.at.header, j, b.at.header, j)
            header.horizontal_alignment = "right" if col.numeric else "left"
        sheet.tables.add(
            source=_cells(sheet, b.at.header, left, b.at.last, right),
            name=b.block.table,
            table_style_name=TABLE_STYLE.replace(" ", ""),
        )
    _rules(sheet, plan)
    for j, width in sorted(plan.widths.items()):
        _cells(sheet, 0, j, 0, j).column_width = width
    if plan.panes:
        _freeze(sheet, *plan.panes)
    for chart in plan.charts:
        _add_chart(sheet, chart)
    if plan.areas:
        sheet.page_setup.print_area = ",".join(_cells(sheet, *a).address for a in plan.areas)
    _print_setup(sheet, plan.titles)


def _print_setup(sheet, titles: tuple[int, int] | None) -> None:
    """Landscape A4, one page wide and as many tall as it takes, the header rows on each page:
    the file writer's print setup, through Excel's PageSetup object (skipped without COM)."""
    try:
        page = sheet.api.PageSetup
    except NOT_COM:
        return
    page.Orientation = XL_LANDSCAPE
    try:
        page.PaperSize = XL_PAPER_A4
    except Exception:  # a printer without A4 refuses it (a COM error); its own paper stays
        pass
    page.Zoom = False  # scaled to the pages below, not by a percentage
    page.FitToPagesWide = 1
    page.FitToPagesTall = False  # any number of pages tall
    page.PrintTitleRows = f"${titles[0] + 1}:${titles[1] + 1}" if titles else ""


def _style(cells, style: dict, top: bool) -> None:
    if style.get("bold"):
        cells.font.bold = True
    if "font_size" in style:
        cells.font.size = style["font_size"]
    if "font_color" in style:
        cells.font.color = style["font_color"]
    if "bg_color" in style:
        cells.color = style["bg_color"]
    if top:
        cells.vertical_alignment = "center"


def _rules(sheet, plan: SheetPlan) -> None:
    """Native conditional formats. Excel puts each new rule first and reads a rule's relative
    references from the active cell, so the rules go in last-first, with the first cell of
    their range selected."""
    if not any(b.rules for b in plan.blocks):
        return
    sheet.activate()
    for b in plan.blocks:
        for column in dict.fromkeys(r.column for r in b.rules):
            rules = [r for r in b.rules if r.column == column]
            j = b.at.col + column
            _cells(sheet, b.at.first, j, b.at.first, j).select()
            target = _cells(sheet, b.at.first, j, b.at.last, j)
            for rule in reversed(rules):
                colours = {
                    "fill_color": rule.colours["bg_color"],
                    "font_color": rule.colours["font_color"],
                    "stop_if_true": rule.stop_if_true,
                }
                if rule.kind == "custom":
                    target.conditional_formats.add_custom(rule.formula, **colours)
                else:
                    target.conditional_formats.add_cell_value(
                        rule.operator, rule.formula, **colours
                    )


def _freeze(sheet, rows: int, cols: int) -> None:
    if rows and cols:
        where = f"A1:{column_letter(cols)}{rows}"
    elif rows:
        where = f"1:{rows}"
    elif cols:
        where = f"A:{column_letter(cols)}"
    else:
        return
    try:
        sheet.freeze_panes.freeze_at(where)
    except (AttributeError, NotImplementedError):  # desktop Excel in xlwings 0.37.8
        pass


def _add_chart(sheet, c: ChartPlan) -> None:
    made = sheet.charts.add(
        width=c.size[0],
        height=c.size[1],
        chart_type=c.chart_type,
        source=_cells(sheet, *c.source),
        plot_by="columns",
        anchor=_cells(sheet, *c.anchor, *c.anchor),
        style=None,
    )
    made.set_x_axis_values(_cells(sheet, *c.categories))
    for series, name, colour in zip(made.series, c.names, c.colours, strict=True):
        series.name = name
        if colour and c.kind == "line":
            series.line_color = colour
        elif colour and c.kind != "pie":  # one fill would make every slice alike
            series.fill_color = colour
    _colour_points(made, c)
    made.title = c.title or None
    if c.legend:
        made.legend.position = "bottom"
    else:
        made.legend.visible = False
    if c.y_format and c.kind != "pie":
        made.value_axis.number_format = c.y_format


def _colour_points(made, c: ChartPlan) -> None:
    """Each bar in its status's colours, as the file writer draws it (charts.point_colours):
    through the series' Points in Excel's object model (skipped without COM)."""
    for series, names in zip(made.series, c.points, strict=True):
        if not names:
            continue
        try:
            points = series.api.Points
        except NOT_COM:
            return
        for i, name in enumerate(names, 1):
            colours = point_colours(name)
            shape = points(i).Format
            for part, colour in ((shape.Fill, colours["fill"]), (shape.Line, colours["border"])):
                part.Visible = MSO_TRUE
                part.ForeColor.RGB = bgr(colour["color"])


def bgr(colour: str) -> int:
    """A colour "#RRGGBB" as Excel's object model takes it: a Long in BGR order."""
    red, green, blue = (int(colour.lstrip("#")[k : k + 2], 16) for k in (0, 2, 4))
    return red | green << 8 | blue << 16
