"""Output sheets as plain data (STYLE §6): sheets, blocks (one Excel table each), columns
with a header and a number format, conditional rules and charts. outputs.py and dashboard.py
build them; render.py and the live writer render them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from engine.settings import Settings
from xl_addin.sheets.labels import label
from xl_addin.sheets.units import YUAN, money_format, with_unit


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    fmt: str = ""  # an Excel number format; "" for text
    row_fmt: str = ""  # a frame column holding a row's own number format ("" there: fmt)

    @property
    def numeric(self) -> bool:
        """A column of numbers: its header stands right, over its numbers."""
        return bool(self.fmt)


@dataclass(frozen=True)
class Rule:
    """Conditional formatting by formula, so a number typed by hand recolours the cell.

    `formula` names the row's cells as {key}; the renderer turns them into references to
    the block's first data row (relative, as Excel applies a rule down its range).
    """

    key: str  # the column that is coloured
    formula: str  # e.g. "ROUND({to_date},2)>=ROUND({plan_to_date},2)"
    colour: str  # red, amber, green, grey


@dataclass(frozen=True)
class Total:
    """A Total row written as the table's own total row: live formulas over the rows above,
    so it follows numbers typed by hand (and a filter: SUBTOTAL counts visible rows only).

    `sums` are the column keys summed; `formulas` put a formula over the Total row's own
    cells (named {key}) in further columns, with the value it has as written, e.g. the pace
    of the totals ("pace", 'IF({plan_to_date}>0,{to_date}/{plan_to_date},"")', 0.93).
    """

    label: str  # in the first column
    sums: tuple[str, ...]
    formulas: tuple[tuple[str, str, object], ...] = ()


@dataclass(frozen=True)
class Block:
    table: str  # Excel table name, e.g. tblTargets
    columns: tuple[Col, ...]
    frame: pd.DataFrame
    title: str = ""
    status: str = ""  # column key whose nonzero cells are highlighted
    rules: tuple[Rule, ...] = ()  # applied in order; the first that holds wins
    total: Total | None = None  # a Total row below the data
    # Where it stands (layout.place): below the previous block, in its columns; `beside`:
    # right of every block so far, one empty column between, on the top row, so it gets
    # column widths of its own; `under`: below the named block (a table name), in its columns.
    beside: bool = False
    under: str = ""


@dataclass(frozen=True)
class Series:
    """One series of a chart: a value column of a block, against a category column of it."""

    name: str  # legend text
    table: str  # the Block (by its table name) on the same sheet that holds the data
    values: str  # column key of the values
    categories: str  # column key of the categories (the x axis, or the slices of a pie)
    colour: str = ""  # e.g. "#1F4E78"; "" lets Excel choose
    # one colour name a category (render.COLOURS: red, amber, green, grey), for a column or
    # bar chart whose bars are coloured as the cells they count
    points: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A native Excel chart over cells of the sheet, so it follows the numbers it shows."""

    kind: str  # "line", "column", "bar" or "pie"
    title: str
    series: tuple[Series, ...]
    anchor: tuple[int, int] | None = (
        None  # (row, col) of its top-left cell, 0-based; None: stacked right of the blocks
    )
    size: tuple[int, int] = (640, 320)  # width, height in pixels
    y_format: str = ""  # number format of the value axis


@dataclass(frozen=True)
class OutputSheet:
    key: str  # canonical sheet name (Targets); the sheet is named in the locale
    name: str
    blocks: tuple[Block, ...]
    freeze_cols: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)
    charts: tuple[Chart, ...] = ()


RED = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
COLOURS = {  # a status as cells and chart bars show it
    "red": RED,
    "amber": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
    "green": {"bg_color": "#C6EFCE", "font_color": "#006100"},
    "grey": {"bg_color": "#D9D9D9", "font_color": "#404040"},  # no report: neutral
}

FORMATS = {
    "cents": "#,##0.00",
    "int": "#,##0",
    "yuan": "#,##0",  # whole yuan whatever the Unit (a reconciliation difference)
    "coef": "0.00",
    "pct": "0.0%",
    "pct2": "0.00%",
    "number": "General",
    "decimal": "#,##0.00",
    "weeks": "0.0",
    "text": "",
    "flag": "",
}


def columns(settings: Settings):
    """cols(("key", header or None for the label, "format name"), …) -> Col tuple, in the locale.

    A labelled amount's header names its unit: the plan's Unit for "money", yuan for "cents"
    and "yuan"; a header given as is (W1, 2026-10) stays as given."""
    loc, unit = settings.locale, int(settings["Unit"])
    formats = {**FORMATS, "money": money_format(unit)}
    units = {"money": unit, "cents": YUAN, "yuan": YUAN}

    def header(key: str, given: str | None, fmt: str) -> str:
        if given is not None:  # W1, 2026-10, a funnel stage: as given (the title names the unit)
            return given
        return with_unit(label(key, loc), units[fmt], loc) if fmt in units else label(key, loc)

    def cols(*spec) -> tuple[Col, ...]:
        return tuple(Col(k, header(k, h, f), formats[f]) for k, h, f in spec)

    return cols


def yuan(cents: pd.Series) -> pd.Series:
    """Cents to yuan for display; exact to the cent as a float with two decimals."""
    return cents.astype("int64") / 100
