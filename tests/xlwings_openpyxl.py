"""An xlwings engine backed by openpyxl, for tests: xlwings' real public API on Linux.

xlwings talks to Excel through an engine implementing `xlwings.base_classes` (COM on Windows,
AppleScript on macOS), registered with `xw.engines.add(xw.Engine(impl=...))` the way
xlwings registers its own. This engine implements the part salesplan's live path and its
tests touch (apps, books, sheets, ranges with every converter xlwings has, tables,
conditional formats, fonts and fills, column widths, frozen panes, charts, alerts) over an
openpyxl workbook, so `xw.Book(path)`, `book.sheets`, `Range.value`, `sheet.tables`,
`sheets.add` and `book.save()` run through xlwings' own main.py.

Where desktop Excel behaves in a way the live writer must respect, this engine does too:

- a value set through `Range.value` is read as if typed: an apostrophe makes the rest text,
  `=…` is a formula, `12.5` a number, `2026-07` a date, TRUE a boolean; numbers read back as
  floats, as COM returns them;
- a new conditional-format rule goes first (xlwings calls SetFirstPriority), and relative
  references in its formula are taken from the active cell, as COM's FormatConditions.Add
  takes them;
- `Range.select()` fails unless its sheet is the active one; `sheets.add` activates the new
  sheet;
- clearing a range removes its values, formats, conditional formats and the tables it covers,
  not charts or column widths;
- table names are unique in the workbook and tables may not overlap.

Charts are kept as what was asked for (type, source, series names and colours, categories,
title, legend, axis format, place and size) and become openpyxl charts when the book is
saved.

`.api`, the native object, is for sheets and chart series a small part of Excel's COM object
model, with Excel's names, types and encodings (colours as BGR integers): a sheet's
PageSetup (Orientation, PaperSize, Zoom, FitToPagesWide, FitToPagesTall, PrintTitleRows),
and a series' Points(i).Format.Fill / .Line (Visible, ForeColor.RGB); what is set lands in
the openpyxl workbook (page setup, print titles, a chart's data points). Formulas are not computed: reading a formula cell gives its text. Product code never
imports this module.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import itertools
import math
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import xlwings as xw
from openpyxl.chart import BarChart, LineChart, PieChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.formatting.rule import Rule
from openpyxl.formula.translate import Translator
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableStyleInfo
from xlwings import base_classes
from xlwings.base_classes import _UNSET

MAX_ROWS, MAX_COLS = 1_048_576, 16_384
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
DATE = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?")
OPERATORS = {
    "between": "between",
    "not_between": "notBetween",
    "equal_to": "equal",
    "not_equal_to": "notEqual",
    "greater_than": "greaterThan",
    "less_than": "lessThan",
    "greater_than_or_equal": "greaterThanOrEqual",
    "less_than_or_equal": "lessThanOrEqual",
}
LEGEND = {"top": "t", "bottom": "b", "left": "l", "right": "r", "corner": "tr"}
_pids = itertools.count(10_000)


@contextlib.contextmanager
def activated():
    """This engine registered with xlwings and active for the duration; all its apps quit after."""
    engine = xw.Engine(impl=Engine())
    previous = xw.engines.active
    xw.engines.add(engine)
    engine.activate()
    try:
        yield engine
    finally:
        for app in list(engine.impl.apps):
            app.quit()
        xw.engines.active = previous
        xw.engines.engines.remove(engine)
        xw.engines.engines_by_name.pop(engine.name, None)
        if hasattr(xw.Book, "_mock_caller"):
            del xw.Book._mock_caller


# ---------------------------------------------------------------------------------------
# Values: what Excel stores for a value set through its object model, and what it returns.


def typed(value):
    """(stored value, text prefix) of a value set as Excel reads it: as if typed."""
    if value is None or (isinstance(value, str) and value == ""):
        return None, False
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:], True
        if value.startswith("=") and len(value) > 1:
            return value, False  # a formula
        if NUMBER.fullmatch(value.strip()):
            return float(value), False
        if value.strip().upper() in ("TRUE", "FALSE"):
            return value.strip().upper() == "TRUE", False
        date = DATE.fullmatch(value.strip())
        if date and 1 <= int(date[2]) <= 12:
            y, m, d, hh, mm, ss = (int(g) if g else None for g in date.groups())
            with contextlib.suppress(ValueError):
                return dt.datetime(y, m, d or 1, hh or 0, mm or 0, ss or 0), False
        return value, False
    if isinstance(value, (bool, int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"Excel cannot hold {value}")
        return value, False
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None), False
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day), False
    raise TypeError(f"Excel cannot hold a {type(value).__name__}: {value!r}")


def store(cell, value) -> None:
    stored, text = typed(value)
    cell.value = stored
    if text and isinstance(stored, str):
        cell.data_type = "s"  # text, even when it starts with =
    if isinstance(stored, dt.datetime) and cell.number_format == "General":
        cell.number_format = "m/d/yyyy" if stored.time() == dt.time() else "m/d/yyyy h:mm"
    if text or cell.quotePrefix:
        cell.quotePrefix = text


def returned(cell):
    """A cell's value as COM returns it: numbers as floats, dates as datetimes."""
    v = cell.value
    if isinstance(v, bool) or v is None or isinstance(v, (str, dt.datetime)):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, dt.time):
        return v
    return str(v)


def rgb(colour) -> str:
    """A colour as xlwings hands it over (RGB tuple, #hex or Excel's BGR integer) as ARGB."""
    if isinstance(colour, str):
        return "FF" + colour.lstrip("#").upper()
    if isinstance(colour, int):
        colour = (colour & 0xFF, (colour >> 8) & 0xFF, (colour >> 16) & 0xFF)
    return "FF" + "".join(f"{c:02X}" for c in colour)


def rgb_tuple(argb: str | None):
    if not argb or not isinstance(argb, str):
        return None
    return tuple(int(argb[-6:][k : k + 2], 16) for k in (0, 2, 4))


# ---------------------------------------------------------------------------------------


class Engine:
    def __init__(self):
        self.apps = Apps(self)
        self.calls: list[tuple[str, str, str]] = []  # ("read" or "write", sheet, address) of values

    @property
    def name(self):
        return "openpyxl"

    @property
    def type(self):
        return "desktop"

    @staticmethod
    def prepare_xl_data_element(x, options):
        if x is None or x is pd.NaT or x is pd.NA:
            return None
        if isinstance(x, (float, np.floating)) and np.isnan(x):
            return None
        if isinstance(x, np.bool_):
            return bool(x)
        if isinstance(x, np.number):
            return float(x)
        if isinstance(x, pd.Timestamp):
            return x.to_pydatetime()
        if isinstance(x, np.datetime64):
            return pd.Timestamp(x).to_pydatetime()
        return x

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(v):
            if v is None:
                return empty_as
            if isinstance(v, dt.datetime):
                return datetime_builder(
                    year=v.year,
                    month=v.month,
                    day=v.day,
                    hour=v.hour,
                    minute=v.minute,
                    second=v.second,
                    microsecond=v.microsecond,
                    tzinfo=None,
                )
            if number_builder is not None and isinstance(v, float):
                return number_builder(v)
            return v

        return [[clean(v) for v in row] for row in data]


class Apps(base_classes.Apps):
    def __init__(self, engine):
        self.engine = engine
        self._apps: list[App] = []  # the active one first

    def keys(self):
        return [a.pid for a in self._apps]

    def add(self, spec=None, add_book=True, xl=None, visible=None):
        app = App(self.engine)
        self._apps.insert(0, app)
        if add_book:
            app.books.add()
        return app

    @staticmethod
    def cleanup():
        pass

    def __iter__(self):
        return iter(list(self._apps))

    def __len__(self):
        return len(self._apps)

    def __getitem__(self, pid):
        for a in self._apps:
            if a.pid == pid:
                return a
        raise KeyError(pid)


class AppApi:
    """What `app.api` offers here: nothing of Excel's object model; InputBox is not available."""

    def InputBox(self, *args):  # noqa: N802 - Excel's name
        raise NotImplementedError("the openpyxl engine has no input box; pass prompt= in tests")


class App(base_classes.App):
    # plain attributes where xlwings' base class has properties
    books = visible = screen_updating = display_alerts = enable_events = None
    interactive = calculation = status_bar = cut_copy_mode = None

    def __init__(self, engine):
        self.engine = engine
        self._pid = next(_pids)
        self.books = Books(self)
        self.alerts: list[dict] = []
        self.visible = False
        self.screen_updating = True
        self.display_alerts = True
        self.enable_events = True
        self.interactive = True
        self.calculation = "automatic"
        self.status_bar = False
        self.cut_copy_mode = False

    @property
    def api(self):
        return AppApi()

    @property
    def pid(self):
        return self._pid

    @property
    def version(self):
        return "16.0"

    @property
    def hwnd(self):
        return None

    @property
    def path(self):
        return ""

    @property
    def startup_path(self):
        return ""

    def calculate(self):
        pass

    def activate(self, steal_focus=False):
        apps = self.engine.apps._apps
        apps.remove(self)
        apps.insert(0, self)

    def quit(self):
        for book in list(self.books):
            book.close()
        if self in self.engine.apps._apps:
            self.engine.apps._apps.remove(self)

    def kill(self):
        self.quit()

    @property
    def selection(self):
        book = self.books.active
        return None if book is None else book.sheets.active.selection

    def alert(self, prompt, title, buttons, mode, callback):
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        return "ok"


class Books(base_classes.Books):
    def __init__(self, app):
        self.app = app
        self._books: list[Book] = []  # the active one first

    @property
    def api(self):
        return self._books

    @property
    def active(self):
        return self._books[0] if self._books else None

    def __call__(self, name_or_index):
        if isinstance(name_or_index, int):
            return self._books[name_or_index - 1]
        for b in self._books:
            if b.name.casefold() == str(name_or_index).casefold():
                return b
        raise KeyError(name_or_index)

    def __len__(self):
        return len(self._books)

    def __iter__(self):
        return iter(list(self._books))

    def add(self):
        n = 1 + sum(b.path is None for b in self._books)
        book = Book(self.app, openpyxl.Workbook(), None, f"Book{n}")
        self._books.insert(0, book)
        return book

    def open(self, fullname, *args, **kwargs):
        path = Path(fullname)
        wb = openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
        book = Book(self.app, wb, path, path.name)
        self._books.insert(0, book)
        return book


class Book(base_classes.Book):
    def __init__(self, app, wb, path, name):
        self._app = app
        self.wb = wb
        self.path = path
        self._name = name
        self._sheets: dict[int, Sheet] = {}
        self.active_sheet = self.sheet_of(wb.active or wb.worksheets[0])

    def sheet_of(self, ws) -> Sheet:
        if id(ws) not in self._sheets:
            self._sheets[id(ws)] = Sheet(self, ws)
        return self._sheets[id(ws)]

    @property
    def api(self):
        return self.wb

    @property
    def name(self):
        return self._name

    @property
    def fullname(self):
        return str(self.path) if self.path else self._name

    @property
    def sheets(self):
        return Sheets(self)

    @property
    def app(self):
        return self._app

    @property
    def names(self):
        return Names(self)

    def activate(self):
        books = self._app.books._books
        books.remove(self)
        books.insert(0, self)

    def close(self):
        if self in self._app.books._books:
            self._app.books._books.remove(self)

    def save(self, path=None, password=None):
        if password:
            raise NotImplementedError("the openpyxl engine does not encrypt")
        if path:
            self.path = Path(path)
            self._name = self.path.name
        if self.path is None:
            raise ValueError("an unsaved book needs a path")
        for ws in self.wb.worksheets:
            self.sheet_of(ws)._charts.materialise()
            for table in ws.tables.values():
                name_columns(ws, table)
        self.wb.active = self.wb.worksheets.index(self.active_sheet.ws)
        self.wb.save(self.path)

    def all_tables(self):
        for ws in self.wb.worksheets:
            for t in ws.tables.values():
                yield ws, t


class Names(base_classes.Names):
    def __init__(self, book):
        self.book = book

    def _all(self):
        out = [Name(n, d.attr_text) for n, d in self.book.wb.defined_names.items()]
        for ws in self.book.wb.worksheets:
            out += [Name(f"{ws.title}!{n}", d.attr_text) for n, d in ws.defined_names.items()]
        return out

    def __call__(self, name_or_index):
        names = self._all()
        if isinstance(name_or_index, int):
            return names[name_or_index - 1]
        for n in names:
            if n.name.casefold() == name_or_index.casefold():
                return n
        raise KeyError(name_or_index)

    def contains(self, name_or_index):
        try:
            self(name_or_index)
        except (KeyError, IndexError):
            return False
        return True

    def __len__(self):
        return len(self._all())


class Name(base_classes.Name):
    def __init__(self, name, refers_to):
        self._name, self._refers_to = name, refers_to

    @property
    def name(self):
        return self._name

    @property
    def refers_to(self):
        return "=" + self._refers_to


class Sheets(base_classes.Sheets):
    def __init__(self, book):
        self.book = book

    @property
    def api(self):
        return self.book.wb.worksheets

    @property
    def active(self):
        return self.book.active_sheet

    def __call__(self, name_or_index):
        worksheets = self.book.wb.worksheets
        if isinstance(name_or_index, int):
            return self.book.sheet_of(worksheets[name_or_index - 1])
        for ws in worksheets:
            if ws.title.casefold() == str(name_or_index).casefold():
                return self.book.sheet_of(ws)
        raise KeyError(name_or_index)

    def __len__(self):
        return len(self.book.wb.worksheets)

    def __iter__(self):
        return iter([self.book.sheet_of(ws) for ws in self.book.wb.worksheets])

    def add(self, before=None, after=None, name=None):
        worksheets = self.book.wb.worksheets
        if before is not None:
            index = worksheets.index(before.ws)
        elif after is not None:
            index = worksheets.index(after.ws) + 1
        else:
            index = worksheets.index(self.book.active_sheet.ws)
        n = len(worksheets) + 1
        while any(ws.title == f"Sheet{n}" for ws in worksheets):
            n += 1
        ws = self.book.wb.create_sheet(title=name or f"Sheet{n}", index=index)
        sheet = self.book.sheet_of(ws)
        sheet.activate()
        return sheet


class PageSetup:
    """xlwings' PageSetup over an openpyxl sheet: its print area."""

    def __init__(self, ws):
        self.ws = ws

    @property
    def print_area(self):
        return self.ws.print_area

    @print_area.setter
    def print_area(self, value):
        self.ws.print_area = value.split(",") if isinstance(value, str) else value


class WorksheetApi:
    """COM's Worksheet, as far as salesplan reaches through `.api`: its PageSetup."""

    def __init__(self, ws):
        self.PageSetup = PageSetupApi(ws)  # noqa: N815 - Excel's name


class PageSetupApi:
    """COM's PageSetup (its print-setup properties) over an openpyxl sheet. Excel's types:
    XlPageOrientation and XlPaperSize numbers; Zoom a percentage or False (fit to pages);
    FitToPages* a number of pages or False (as many as it takes); PrintTitleRows "$1:$2"."""

    ORIENTATIONS = {1: "portrait", 2: "landscape"}  # xlPortrait, xlLandscape

    def __init__(self, ws):
        self._ws = ws

    @property
    def Orientation(self):  # noqa: N802 - Excel's names, here and below
        return {v: k for k, v in self.ORIENTATIONS.items()}.get(self._ws.page_setup.orientation, 1)

    @Orientation.setter
    def Orientation(self, value):  # noqa: N802
        if value not in self.ORIENTATIONS:
            raise ValueError(f"Unable to set the Orientation property to {value!r}")
        self._ws.page_setup.orientation = self.ORIENTATIONS[value]

    @property
    def PaperSize(self):  # noqa: N802
        return int(self._ws.page_setup.paperSize or 1)  # xlPaperLetter

    @PaperSize.setter
    def PaperSize(self, value):  # noqa: N802
        self._ws.page_setup.paperSize = _whole(value, "PaperSize", 1)

    @property
    def Zoom(self):  # noqa: N802
        fit = self._ws.sheet_properties.pageSetUpPr
        return False if fit is not None and fit.fitToPage else int(self._ws.page_setup.scale or 100)

    @Zoom.setter
    def Zoom(self, value):  # noqa: N802
        fit = value is False
        if not fit:
            self._ws.page_setup.scale = _whole(value, "Zoom", 10, 400)
        if self._ws.sheet_properties.pageSetUpPr is None:
            self._ws.sheet_properties.pageSetUpPr = PageSetupProperties()
        self._ws.sheet_properties.pageSetUpPr.fitToPage = fit

    @property
    def FitToPagesWide(self):  # noqa: N802
        return _pages(self._ws.page_setup.fitToWidth)

    @FitToPagesWide.setter
    def FitToPagesWide(self, value):  # noqa: N802
        self._ws.page_setup.fitToWidth = 0 if value is False else _whole(value, "FitToPagesWide", 1)

    @property
    def FitToPagesTall(self):  # noqa: N802
        return _pages(self._ws.page_setup.fitToHeight)

    @FitToPagesTall.setter
    def FitToPagesTall(self, value):  # noqa: N802
        self._ws.page_setup.fitToHeight = (
            0 if value is False else _whole(value, "FitToPagesTall", 1)
        )

    @property
    def PrintTitleRows(self):  # noqa: N802
        return self._ws.print_title_rows or ""

    @PrintTitleRows.setter
    def PrintTitleRows(self, value):  # noqa: N802
        if value in ("", False):
            self._ws._print_rows = None
            return
        rows = re.fullmatch(r"\$?(\d+):\$?(\d+)", str(value))
        if not rows:
            raise ValueError(f"Unable to set the PrintTitleRows property to {value!r}")
        self._ws.print_title_rows = f"{rows[1]}:{rows[2]}"


def _whole(value, name: str, least: int, most: int | None = None) -> int:
    """A whole number Excel takes for property `name`, or Excel's refusal."""
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"Unable to set the {name} property to {value!r}")
    if most is not None and value > most:
        raise ValueError(f"Unable to set the {name} property to {value!r}")
    return value


def _pages(value):
    """A FitToPages* value as COM returns it: False for "as many as it takes" (0 in the file)."""
    return 1 if value is None else (int(value) or False)


class Sheet(base_classes.Sheet):
    def __init__(self, book, ws):
        self._book = book
        self.ws = ws
        self.selected = (1, 1, 1, 1)
        self._charts = Charts(self)

    @property
    def charts(self):
        return self._charts

    @property
    def page_setup(self):
        return PageSetup(self.ws)

    def __eq__(self, other):
        return isinstance(other, Sheet) and other.ws is self.ws

    def __hash__(self):
        return id(self.ws)

    @property
    def api(self):
        return WorksheetApi(self.ws)

    @property
    def name(self):
        return self.ws.title

    @name.setter
    def name(self, value):
        self.ws.title = value

    @property
    def names(self):
        return Names(self._book)

    @property
    def book(self):
        return self._book

    @property
    def index(self):
        return self._book.wb.worksheets.index(self.ws) + 1

    def range(self, arg1, arg2=None):
        first = self._coords(arg1)
        if arg2 is None:
            return Range(self, *first)
        second = self._coords(arg2)
        return Range(
            self,
            min(first[0], second[0]),
            min(first[1], second[1]),
            max(first[2], second[2]),
            max(first[3], second[3]),
        )

    def _coords(self, arg):
        if isinstance(arg, Range):
            return arg.coords4
        if isinstance(arg, tuple):
            if len(arg) == 2:
                return arg[0], arg[1], arg[0], arg[1]
            row, col, rows, cols = arg
            return row, col, row + max(rows, 1) - 1, col + max(cols, 1) - 1
        text = str(arg).replace("$", "")
        if re.fullmatch(r"\d+:\d+", text):
            top, bottom = (int(x) for x in text.split(":"))
            return top, 1, bottom, MAX_COLS
        if re.fullmatch(r"[A-Za-z]+:[A-Za-z]+", text):
            left, right = (column_index_from_string(x.upper()) for x in text.split(":"))
            return 1, left, MAX_ROWS, right
        min_col, min_row, max_col, max_row = range_boundaries(text)
        return min_row, min_col, max_row, max_col

    @property
    def cells(self):
        return Range(self, 1, 1, MAX_ROWS, MAX_COLS)

    @property
    def selection(self):
        return Range(self, *self.selected)

    def activate(self):
        self._book.active_sheet = self
        self._book.activate()

    def select(self):
        self.activate()

    def clear(self):
        self.cells.clear()

    def clear_contents(self):
        self.cells.clear_contents()

    def clear_formats(self):
        self.cells.clear_formats()

    def autofit(self, axis=None):
        pass

    def delete(self):
        if self._book.active_sheet is self:
            others = [ws for ws in self._book.wb.worksheets if ws is not self.ws]
            self._book.active_sheet = self._book.sheet_of(others[0])
        self._book.wb.remove(self.ws)

    @property
    def tables(self):
        return Tables(self)

    @property
    def used_range(self):
        return Range(self, 1, 1, max(self.ws.max_row, 1), max(self.ws.max_column, 1))

    @property
    def visible(self):
        return self.ws.sheet_state == "visible"

    @visible.setter
    def visible(self, value):
        self.ws.sheet_state = "visible" if value else "hidden"

    @property
    def freeze_panes(self):
        return FreezePanes(self)


class FreezePanes(base_classes.FreezePanes):
    def __init__(self, sheet):
        self.sheet = sheet

    def freeze_at(self, frozen_range):
        """Cells frozen in the top-left pane: "A1:B1", "1:1" or "A:B"."""
        top, left, bottom, right = self.sheet._coords(frozen_range)
        rows = 0 if bottom == MAX_ROWS else bottom
        cols = 0 if right == MAX_COLS else right
        self.sheet.ws.freeze_panes = f"{get_column_letter(cols + 1)}{rows + 1}"

    def unfreeze(self):
        self.sheet.ws.freeze_panes = None


class Range(base_classes.Range):
    def __init__(self, sheet, row1, col1, row2, col2):
        self._sheet = sheet
        self.row1, self.col1, self.row2, self.col2 = row1, col1, row2, col2
        self.options = {}

    @property
    def coords4(self):
        return self.row1, self.col1, self.row2, self.col2

    @property
    def api(self):
        return self

    @property
    def sheet(self):
        return self._sheet

    @property
    def ws(self):
        return self._sheet.ws

    @property
    def coords(self):
        return self._sheet.name, self.row1, self.col1, *self.shape

    def __len__(self):
        rows, cols = self.shape
        return rows * cols

    @property
    def row(self):
        return self.row1

    @property
    def column(self):
        return self.col1

    @property
    def shape(self):
        return self.row2 - self.row1 + 1, self.col2 - self.col1 + 1

    def __call__(self, *args):
        if len(args) == 1:
            cols = self.shape[1]
            row, col = divmod(args[0] - 1, cols)
            row, col = row + 1, col + 1
        else:
            row, col = args
        r, c = self.row1 + row - 1, self.col1 + col - 1
        return Range(self._sheet, r, c, r, c)

    def _cells(self, create=True):
        """The range's cells row by row; only existing ones for the whole sheet or a column."""
        if not create:
            for (r, c), cell in list(self.ws._cells.items()):
                if self.row1 <= r <= self.row2 and self.col1 <= c <= self.col2:
                    yield cell
            return
        for r in range(self.row1, self.row2 + 1):
            for c in range(self.col1, self.col2 + 1):
                yield self.ws.cell(r, c)

    @property
    def _huge(self):
        return len(self) > 5_000_000

    @property
    def raw_value(self):
        self._sheet.book.app.engine.calls.append(("read", self._sheet.name, self.address))
        found = self.ws._cells.get  # reading creates no cell
        rows = tuple(
            tuple(
                None if (cell := found((r, c))) is None else returned(cell)
                for c in range(self.col1, self.col2 + 1)
            )
            for r in range(self.row1, self.row2 + 1)
        )
        return rows[0][0] if len(self) == 1 else rows

    @raw_value.setter
    def raw_value(self, data):
        self._sheet.book.app.engine.calls.append(("write", self._sheet.name, self.address))
        if not isinstance(data, (list, tuple)):
            for cell in self._cells():
                store(cell, data)
            return
        if len(data) != self.shape[0] or any(len(row) != self.shape[1] for row in data):
            raise ValueError(f"{self.shape} cells cannot take a {len(data)}-row array")
        for r, row in enumerate(data, self.row1):
            for c, value in enumerate(row, self.col1):
                store(self.ws.cell(r, c), value)

    def clear_contents(self):
        for cell in self._cells(create=False):
            cell.value = None

    def clear_formats(self):
        for cell in self._cells(create=False):
            cell.style = "Normal"
        self._drop_rules()

    def clear(self):
        """Values, formats, rules and the tables inside, as Excel's Range.Clear."""
        for cell in list(self._cells(create=False)):
            del self.ws._cells[(cell.row, cell.column)]
        self._drop_rules()
        for name, ref in list(self.ws.tables.items()):
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            if self._covers(min_row, min_col, max_row, max_col):
                del self.ws.tables[name]
        for merged in list(self.ws.merged_cells.ranges):
            if self._covers(merged.min_row, merged.min_col, merged.max_row, merged.max_col):
                self.ws.merged_cells.ranges.remove(merged)

    def _covers(self, r1, c1, r2, c2) -> bool:
        return self.row1 <= r1 and self.col1 <= c1 and r2 <= self.row2 and c2 <= self.col2

    def _drop_rules(self):
        from openpyxl.formatting.formatting import ConditionalFormattingList

        kept = ConditionalFormattingList()
        for cf in self.ws.conditional_formatting:
            ranges = [
                r
                for r in cf.sqref.ranges
                if not self._covers(r.min_row, r.min_col, r.max_row, r.max_col)
            ]
            if ranges:
                for rule in cf.rules:
                    kept.add(" ".join(str(r) for r in ranges), rule)
        self.ws.conditional_formatting = kept

    def get_address(self, row_absolute, col_absolute, external):
        def ref(r, c):
            return (
                ("$" if col_absolute else "")
                + get_column_letter(c)
                + ("$" if row_absolute else "")
                + str(r)
            )

        address = ref(self.row1, self.col1)
        if len(self) > 1:
            address += ":" + ref(self.row2, self.col2)
        if external:
            address = f"[{self._sheet.book.name}]{self._sheet.name}!{address}"
        return address

    @property
    def address(self):
        return self.get_address(True, True, False)

    @property
    def number_format(self):
        formats = {cell.number_format for cell in self._cells()}
        return formats.pop() if len(formats) == 1 else None

    @number_format.setter
    def number_format(self, value):
        for cell in self._cells():
            cell.number_format = value

    @property
    def font(self):
        return FontImpl(self)

    @property
    def color(self):
        fill = self.ws.cell(self.row1, self.col1).fill
        return rgb_tuple(fill.fgColor.rgb) if fill.fill_type == "solid" else None

    @color.setter
    def color(self, value):
        fill = PatternFill() if value is None else PatternFill("solid", fgColor=rgb(value))
        for cell in self._cells():
            cell.fill = fill

    @property
    def column_width(self):
        widths = {
            self.ws.column_dimensions[get_column_letter(c)].width
            for c in range(self.col1, self.col2 + 1)
        }
        return widths.pop() if len(widths) == 1 else None

    @column_width.setter
    def column_width(self, value):
        for c in range(self.col1, self.col2 + 1):
            self.ws.column_dimensions[get_column_letter(c)].width = value

    def _align(self, **kw):
        for cell in self._cells():
            alignment = copy.copy(cell.alignment)
            for k, v in kw.items():
                setattr(alignment, k, v)
            cell.alignment = Alignment(
                horizontal=alignment.horizontal,
                vertical=alignment.vertical,
                wrap_text=alignment.wrap_text,
            )

    @property
    def vertical_alignment(self):
        return self.ws.cell(self.row1, self.col1).alignment.vertical

    @vertical_alignment.setter
    def vertical_alignment(self, value):
        self._align(vertical=value)

    @property
    def horizontal_alignment(self):
        return self.ws.cell(self.row1, self.col1).alignment.horizontal

    @horizontal_alignment.setter
    def horizontal_alignment(self, value):
        self._align(horizontal=value)

    @property
    def conditional_formats(self):
        return ConditionalFormats(self)

    def select(self):
        book = self._sheet.book
        if book.active_sheet is not self._sheet or book.app.books.active is not book:
            raise RuntimeError("Select method of Range class failed (its sheet is not active)")
        self._sheet.selected = self.coords4

    @property
    def table(self):
        for name, ref in self.ws.tables.items():
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            if min_row <= self.row1 <= max_row and min_col <= self.col1 <= max_col:
                return TableImpl(self._sheet, self.ws.tables[name])
        return None

    @property
    def has_array(self):
        return False

    @property
    def hyperlink(self):
        return None


class FontImpl(base_classes.Font):
    def __init__(self, rng):
        self.rng = rng

    @property
    def api(self):
        return self

    def _get(self, attr):
        return getattr(self.rng.ws.cell(self.rng.row1, self.rng.col1).font, attr)

    def _set(self, **kw):
        for cell in self.rng._cells():
            font = copy.copy(cell.font)
            for k, v in kw.items():
                setattr(font, k, v)
            cell.font = font

    @property
    def bold(self):
        return bool(self._get("b"))

    @bold.setter
    def bold(self, value):
        self._set(b=value)

    @property
    def italic(self):
        return bool(self._get("i"))

    @italic.setter
    def italic(self, value):
        self._set(i=value)

    @property
    def size(self):
        return self._get("sz")

    @size.setter
    def size(self, value):
        self._set(sz=value)

    @property
    def color(self):
        colour = self._get("color")
        return rgb_tuple(colour.rgb) if colour is not None else None

    @color.setter
    def color(self, value):
        self._set(color=rgb(value))

    @property
    def name(self):
        return self._get("name")

    @name.setter
    def name(self, value):
        self._set(name=value)


class ConditionalFormats(base_classes.ConditionalFormats):
    """The rules of a range; a new rule goes first, its relative references read from the
    active cell."""

    def __init__(self, rng):
        self.rng = rng

    def _mine(self):
        ref = self.rng.address.replace("$", "")
        return [
            r for cf in self.rng.ws.conditional_formatting if str(cf.sqref) == ref for r in cf.rules
        ]

    def __len__(self):
        return len(self._mine())

    def __iter__(self):
        return iter([ConditionalFormat(r) for r in self._mine()])

    def __call__(self, key):
        return ConditionalFormat(self._mine()[key - 1])

    def _add(self, rule):
        ws = self.rng.ws
        for cf in ws.conditional_formatting:
            for other in cf.rules:
                other.priority += 1
        rule.priority = 1
        ws.conditional_formatting.add(self.rng.address.replace("$", ""), rule)
        return ConditionalFormat(rule)

    def _relative(self, formula: str) -> str:
        """The formula as the range's own (stored relative to its top-left cell)."""
        book = self.rng.sheet.book
        active = book.app.books.active.active_sheet.selected
        origin = f"{get_column_letter(active[1])}{active[0]}"
        here = f"{get_column_letter(self.rng.col1)}{self.rng.row1}"
        return Translator(formula, origin=origin).translate_formula(here)

    @staticmethod
    def _style(spec):
        font = Font(color=rgb(spec["font_color"])) if "font_color" in spec else None
        if font is not None and spec.get("font_bold"):
            font.b = True
        fill = PatternFill(bgColor=rgb(spec["fill_color"])) if "fill_color" in spec else None
        return DifferentialStyle(font=font, fill=fill)

    def add_cell_value(self, spec):
        formulas = [spec["formula1"]] + ([spec["formula2"]] if spec.get("formula2") else [])
        rule = Rule(
            type="cellIs",
            operator=OPERATORS[spec["operator"]],
            formula=formulas,
            stopIfTrue=spec.get("stop_if_true") or None,
            dxf=self._style(spec),
        )
        return self._add(rule)

    def add_custom(self, spec):
        formula = self._relative(spec["formula"])
        rule = Rule(
            type="expression",
            formula=[formula[1:]],
            stopIfTrue=spec.get("stop_if_true") or None,
            dxf=self._style(spec),
        )
        return self._add(rule)

    def clear(self):
        self.rng._drop_rules()


class ConditionalFormat(base_classes.ConditionalFormat):
    def __init__(self, rule):
        self.rule = rule

    @property
    def api(self):
        return self.rule

    @property
    def type(self):
        return {"cellIs": "cell_value", "expression": "custom"}.get(self.rule.type, "unknown")

    @property
    def formula(self):
        return "=" + self.rule.formula[0] if self.rule.type == "expression" else None

    @property
    def stop_if_true(self):
        return bool(self.rule.stopIfTrue)


class Tables(base_classes.Tables):
    def __init__(self, sheet):
        self.sheet = sheet

    @property
    def api(self):
        return self.sheet.ws.tables

    @property
    def parent(self):
        return self.sheet

    def _all(self):
        return [TableImpl(self.sheet, t) for t in self.sheet.ws.tables.values()]

    def __call__(self, key):
        tables = self._all()
        if isinstance(key, int):
            return tables[key - 1]
        for t in tables:
            if t.name.casefold() == str(key).casefold():
                return t
        raise KeyError(key)

    def __len__(self):
        return len(self.sheet.ws.tables)

    def __iter__(self):
        return iter(self._all())

    def __contains__(self, key):
        return any(t.name.casefold() == str(key).casefold() for t in self._all())

    def add(
        self,
        source_type=None,
        source=None,
        link_source=None,
        has_headers=None,
        destination=None,
        table_style_name=None,
        name=None,
    ):
        r = source.impl
        book = self.sheet.book
        taken = {t.displayName.casefold() for _, t in book.all_tables()}
        if name is None:
            name = next(f"Table{n}" for n in itertools.count(1) if f"table{n}" not in taken)
        if name.casefold() in taken:
            raise ValueError(f"a table named {name} already exists in the workbook")
        for other in self.sheet.ws.tables.values():
            min_col, min_row, max_col, max_row = range_boundaries(other.ref)
            if not (r.row2 < min_row or max_row < r.row1 or r.col2 < min_col or max_col < r.col1):
                raise ValueError(f"a table cannot overlap table {other.displayName}")
        if has_headers:  # Excel makes every header text, and names a blank one
            for j, cell in enumerate(next(self.sheet.ws.iter_rows(r.row1, r.row1, r.col1, r.col2))):
                if cell.value is None or not isinstance(cell.value, str):
                    value = f"Column{j + 1}" if cell.value is None else str(cell.value)
                    cell.value = value
                    cell.data_type = "s"
        ref = r.address.replace("$", "")
        table = Table(
            displayName=name,
            ref=ref,
            autoFilter=AutoFilter(ref=ref),
            tableStyleInfo=TableStyleInfo(
                name=table_style_name or "TableStyleMedium2",
                showFirstColumn=False,
                showLastColumn=False,
                showRowStripes=True,
                showColumnStripes=False,
            ),
        )
        name_columns(self.sheet.ws, table)
        self.sheet.ws.add_table(table)
        return TableImpl(self.sheet, table)


def name_columns(ws, table) -> None:
    """A table's columns are named by its header row, as Excel keeps them."""
    min_col, min_row, max_col, _ = range_boundaries(table.ref)
    table.tableColumns = []
    table._initialise_columns()
    for col, cell in zip(table.tableColumns, ws[min_row][min_col - 1 : max_col], strict=True):
        col.name = str(cell.value)


class TableImpl(base_classes.Table):
    def __init__(self, sheet, table):
        self.sheet = sheet
        self.table = table

    @property
    def api(self):
        return self.table

    @property
    def name(self):
        return self.table.displayName

    @name.setter
    def name(self, value):
        self.table.displayName = value
        self.table.name = value

    @property
    def display_name(self):
        return self.name

    @property
    def parent(self):
        return self.sheet

    @property
    def range(self):
        min_col, min_row, max_col, max_row = range_boundaries(self.table.ref)
        return Range(self.sheet, min_row, min_col, max_row, max_col)

    @property
    def header_row_range(self):
        r = self.range
        return Range(self.sheet, r.row1, r.col1, r.row1, r.col2)

    @property
    def data_body_range(self):
        r = self.range
        return Range(self.sheet, r.row1 + 1, r.col1, r.row2, r.col2) if r.row2 > r.row1 else None

    @property
    def insert_row_range(self):
        return None

    @property
    def totals_row_range(self):
        return None

    @property
    def show_autofilter(self):
        return self.table.autoFilter is not None

    @property
    def show_headers(self):
        return True

    @property
    def show_totals(self):
        return False

    @property
    def table_style(self):
        return self.table.tableStyleInfo.name if self.table.tableStyleInfo else None

    @table_style.setter
    def table_style(self, value):
        self.table.tableStyleInfo.name = value

    def resize(self, range):
        r = range.impl
        ref = r.address.replace("$", "")
        width = r.shape[1]
        self.table.ref = ref
        if self.table.autoFilter is not None:
            self.table.autoFilter.ref = ref
        if len(self.table.tableColumns) != width:
            name_columns(self.sheet.ws, self.table)


class Charts(base_classes.Charts):
    def __init__(self, sheet):
        self.sheet = sheet
        self._charts: list[ChartImpl] = []
        self._names = itertools.count(1)

    @property
    def api(self):
        return self._charts

    @property
    def parent(self):
        return self.sheet

    def __call__(self, key):
        if isinstance(key, int):
            return self._charts[key - 1]
        for c in self._charts:
            if c.name == key:
                return c
        raise KeyError(key)

    def __len__(self):
        return len(self._charts)

    def __iter__(self):
        return iter(list(self._charts))

    def __contains__(self, key):
        return any(c.name == key for c in self._charts)

    def add(
        self,
        left,
        top,
        width,
        height,
        chart_type=None,
        source=None,
        plot_by=None,
        name=None,
        anchor=None,
        style=227,
    ):
        chart = ChartImpl(self, name or f"Chart {next(self._names)}")
        if anchor is not None:
            chart.anchor = (anchor.row - 1, anchor.column - 1)
        else:
            chart.anchor = (int(top // 15), int(left // 48))
        chart.width, chart.height = width, height
        if source is not None:
            chart.set_source_data(source, plot_by)
        if chart_type is not None:
            chart.chart_type = chart_type
        chart.style = style
        self._charts.append(chart)
        return chart

    def materialise(self):
        self.sheet.ws._charts = [c.openpyxl_chart() for c in self._charts]


class ChartImpl(base_classes.Chart):
    # plain attributes where xlwings' base class has properties
    chart_type = title = plot_by = style = left = top = width = height = None

    def __init__(self, charts, name):
        self.charts = charts
        self._name = name
        self.chart_type = "column_clustered"
        self.title = None
        self.plot_by = None
        self.style = None
        self.anchor = (0, 0)
        self.width = self.height = 0.0
        self.series_list: list[SeriesImpl] = []
        self._legend = Legend()
        self._value_axis = Axis()
        self._category_axis = Axis()

    @property
    def api(self):
        return self

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = value

    @property
    def parent(self):
        return self.charts.sheet

    def set_source_data(self, rng, plot_by=None):
        """A series per column (or row), named by the first row (column) when it is text."""
        rows, cols = rng.shape
        self.plot_by = plot_by or ("columns" if rows >= cols else "rows")
        ws = rng.ws
        self.series_list = []
        if self.plot_by == "columns":
            named = rows > 1 and all(
                isinstance(ws.cell(rng.row1, c).value, str) for c in range(rng.col1, rng.col2 + 1)
            )
            top = rng.row1 + named
            for c in range(rng.col1, rng.col2 + 1):
                title = ws.cell(rng.row1, c).value if named else None
                self.series_list.append(SeriesImpl(title, (top, c, rng.row2, c)))
        else:
            named = cols > 1 and all(
                isinstance(ws.cell(r, rng.col1).value, str) for r in range(rng.row1, rng.row2 + 1)
            )
            left = rng.col1 + named
            for r in range(rng.row1, rng.row2 + 1):
                title = ws.cell(r, rng.col1).value if named else None
                self.series_list.append(SeriesImpl(title, (r, left, r, rng.col2)))

    def set_x_axis_values(self, rng):
        for s in self.series_list:
            s.categories = rng.coords4

    @property
    def legend(self):
        return self._legend

    @property
    def value_axis(self):
        return self._value_axis

    @property
    def category_axis(self):
        return self._category_axis

    @property
    def series(self):
        return SeriesCollection(self.series_list)

    def delete(self):
        self.charts._charts.remove(self)

    def openpyxl_chart(self):
        kind = self.chart_type
        if kind.startswith("line"):
            chart = LineChart()
        elif kind.startswith("pie"):
            chart = PieChart()
        else:
            chart = BarChart()
            chart.type = "bar" if kind.startswith("bar") else "col"
        ws = self.charts.sheet.ws
        for s in self.series_list:
            r1, c1, r2, c2 = s.values
            made = Series(Reference(ws, c1, r1, c2, r2), title=s.title)
            if s.categories:
                top, left, bottom, right = s.categories
                made.cat = AxDataSource(
                    strRef=StrRef(f=str(Reference(ws, left, top, right, bottom)))
                )
            if s.line_color:
                made.graphicalProperties.line.solidFill = rgb(s.line_color)[2:]
            if s.fill_color:
                made.graphicalProperties.solidFill = rgb(s.fill_color)[2:]
            made.dPt = [point.openpyxl_point(i) for i, point in sorted(s.points.items())]
            chart.series.append(made)
        chart.title = self.title
        if self._legend.visible:
            chart.legend.position = LEGEND[self._legend.position or "right"]
        else:
            chart.legend = None
        if self._value_axis.number_format and not isinstance(chart, PieChart):
            chart.y_axis.number_format = self._value_axis.number_format
        chart.width = self.width / 72 * 2.54  # points to cm
        chart.height = self.height / 72 * 2.54
        row, col = self.anchor
        chart.anchor = f"{get_column_letter(col + 1)}{row + 1}"
        return chart


class SeriesCollection(base_classes.ChartSeriesCollection):
    def __init__(self, series):
        self._series = series

    def __call__(self, key):
        return self._series[key - 1]

    def __len__(self):
        return len(self._series)

    def __iter__(self):
        return iter(list(self._series))


class SeriesImpl(base_classes.ChartSeries):
    line_color = fill_color = None  # plain attributes, set through set()

    def __init__(self, title, values):
        self.title = title
        self.values = values  # (top, left, bottom, right), 1-based
        self.categories = None
        self.line_color = None
        self.fill_color = None
        self.points: dict[int, ChartFormatApi] = {}  # formatted points, by 0-based index

    @property
    def api(self):
        return SeriesApi(self)

    @property
    def name(self):
        return self.title

    def set(self, **changes):
        for key, value in changes.items():
            if value is _UNSET:
                continue
            if key == "name":
                self.title = value
            elif key in ("line_color", "fill_color"):
                setattr(self, key, value)
            else:
                raise NotImplementedError(f"series {key} in the openpyxl engine")


class Legend(base_classes.ChartLegend):
    visible = position = None

    def __init__(self):
        self.visible = True
        self.position = None


class Axis(base_classes.ChartAxis):
    number_format = title = None

    def __init__(self):
        self.number_format = None
        self.title = None

    def set(self, **changes):
        for key, value in changes.items():
            if value is not _UNSET:
                setattr(self, key, value)


class SeriesApi:
    """COM's Series, as far as salesplan reaches through `.api`: Points(i), 1-based."""

    def __init__(self, series: SeriesImpl):
        self._series = series

    def Points(self, index):  # noqa: N802 - Excel's names, here and below
        top, left, bottom, right = self._series.values
        count = (bottom - top + 1) * (right - left + 1)
        if isinstance(index, bool) or not isinstance(index, int) or not 1 <= index <= count:
            raise ValueError(f"Unable to get the Points property: no point {index!r} of {count}")
        return PointApi(self._series.points.setdefault(index - 1, ChartFormatApi()))


class PointApi:
    def __init__(self, shape):
        self.Format = shape  # noqa: N815


class ChartFormatApi:
    """A point's ChartFormat: its fill and its line (a bar's border)."""

    def __init__(self):
        self.Fill = ShapePartApi(visible=True)  # noqa: N815
        self.Line = ShapePartApi(visible=False)  # noqa: N815 - a bar has no border at first

    def openpyxl_point(self, index: int) -> DataPoint:
        fill, line = self.Fill.colour(), self.Line.colour()
        shape = GraphicalProperties(solidFill=fill)
        if line:
            shape.ln = LineProperties(solidFill=line)
        return DataPoint(idx=index, spPr=shape)


class ShapePartApi:
    """COM's FillFormat or LineFormat: Visible (MsoTriState) and ForeColor."""

    def __init__(self, visible: bool):
        self._visible = -1 if visible else 0  # msoTrue, msoFalse
        self.ForeColor = ColorFormatApi()  # noqa: N815

    @property
    def Visible(self):  # noqa: N802
        return self._visible

    @Visible.setter
    def Visible(self, value):  # noqa: N802
        if value not in (-1, 0):  # msoTrue, msoFalse
            raise ValueError(f"Unable to set the Visible property to {value!r}")
        self._visible = value

    def colour(self) -> str | None:
        value = self.ForeColor.set
        return None if value is None or not self._visible else rgb(value)[2:]


class ColorFormatApi:
    """COM's ColorFormat: RGB, a Long in Excel's BGR order (red in the low byte)."""

    def __init__(self):
        self.set: int | None = None

    @property
    def RGB(self):  # noqa: N802
        return 0 if self.set is None else self.set

    @RGB.setter
    def RGB(self, value):  # noqa: N802
        self.set = _whole(value, "RGB", 0, 0xFFFFFF)
