"""`salesplan init`: a planning workbook with every table of SPEC §1 as a real Excel table."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Protocol

import pandas as pd
import xlsxwriter

from engine.settings import SPECS, choice_word, choices
from xl_addin.messages import say
from xl_addin.sheets.layout import display_width
from xl_addin.sheets.render import DATE_FORMAT, Formats, write_column
from xl_addin.workbook.atomic import replacing
from xl_addin.workbook.columns import CHOICE, DATE, TABLES, Column, TableSpec, header
from xl_addin.workbook.example_company import example_tables
from xl_addin.workbook.readme import add_readme, default_value, description, stage_weights
from xl_addin.workbook.rowfit import row_height

FIXED_CREATED = dt.datetime(2026, 1, 1)  # byte-reproducible output
INPUT = {"bg_color": "#FFF2CC"}  # input cells, as Excel's own "Input" style
INPUT_TABLE_STYLE = "Table Style Light 9"
DESCRIPTION_WIDTH = 70  # characters of the Settings sheet's Description column; text wraps


def empty_tables(locale: str) -> dict[str, pd.DataFrame]:
    """Empty tables, with Settings pre-filled with every setting's default."""
    out = {t.key: pd.DataFrame(columns=[c.key for c in t.columns]) for t in TABLES}
    rows = [(name, default_value(name, "en"), None) for name in SPECS if name != "Version"]
    settings = pd.DataFrame(rows, columns=["setting", "value", "description"])
    settings.loc[settings["setting"] == "Locale", "value"] = locale
    out["settings"] = settings
    return out


def new_plan_id() -> str:
    """A plan's identity (the PlanID setting): 12 hexadecimal digits, new for every plan."""
    return uuid.uuid4().hex[:12]


def with_plan_id(settings: pd.DataFrame, plan_id: str) -> pd.DataFrame:
    """The Settings rows with PlanID set to `plan_id` (a row added when there is none)."""
    out = settings.copy()
    at = out["setting"] == "PlanID"
    if at.any():
        out.loc[at, "value"] = plan_id
        return out
    row = pd.DataFrame([{"setting": "PlanID", "value": plan_id}], columns=out.columns)
    return pd.concat([out, row], ignore_index=True)


class Macros(Protocol):
    """What makes a plan macro-enabled (xl_addin.excel.macro_workbook.Macros): its VBA project
    and first sheet, added before the tables, and its last sheet, added after them."""

    def add_first(self, wb: xlsxwriter.Workbook) -> None: ...

    def add_last(self, wb: xlsxwriter.Workbook) -> None: ...


def write_plan(
    path: str | os.PathLike,
    example: bool = False,
    locale: str = "zh-CN",
    macros: Macros | None = None,
) -> Path:
    """Write a new planning workbook atomically; refuses to overwrite an existing file.

    A macro-enabled plan (.xlsm) takes `macros`, and only it does."""
    path = Path(path)
    if (path.suffix.lower() == ".xlsm") != (macros is not None):
        raise ValueError(f"{path.name}: a .xlsm plan, and only one, is written with its macros")
    if path.exists():
        raise FileExistsError(f"{path} already exists; salesplan init never overwrites a workbook")
    tables = example_tables(locale) if example else empty_tables(locale)
    tables["settings"] = with_plan_id(tables["settings"], new_plan_id())
    with replacing(path) as temporary:
        _write(str(temporary), tables, locale, macros)
    return path


def _write(
    target: str, tables: dict[str, pd.DataFrame], locale: str, macros: Macros | None = None
) -> None:
    wb = xlsxwriter.Workbook(
        target,
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    wb.set_properties({"title": "salesplan", "created": FIXED_CREATED})
    if macros:
        macros.add_first(wb)
    formats = Formats(wb)
    add_readme(wb, locale)
    for spec in TABLES:
        if spec.key == "settings":
            add_settings_sheet(wb, formats, spec, tables[spec.key], locale)
        else:
            add_input_sheet(wb, formats, spec, tables[spec.key], locale)
    if macros:
        macros.add_last(wb)
    wb.close()


def add_input_sheet(
    wb: xlsxwriter.Workbook, formats: Formats, spec: TableSpec, frame: pd.DataFrame, locale: str
) -> None:
    """One input table on a sheet of its own, as `init` writes every one: headers in the
    locale, yellow input cells, a list to choose from where the column has choices, frozen
    header. Also how salesplan adds a table a plan lacks (tblChangeLog on a recalibration).
    The table has the frame's columns, in the spec's order."""
    ws = wb.add_worksheet(spec.sheet)
    columns = [c for c in spec.columns if c.key in frame.columns]  # the example has no Date
    headers = [header(c, locale) for c in columns]
    n = max(len(frame), 1)
    for j, col in enumerate(columns):
        values = frame[col.key].tolist() if len(frame) else [None]
        write_column(ws, 1, j, values, formats, input_style(col))
        ws.set_column(j, j, input_width(headers[j], locale))
        if col.kind == CHOICE:
            ws.data_validation(1, j, max(n, 200), j, choice_list(col.en, locale, headers[j]))
    ws.add_table(
        0,
        0,
        n,
        len(headers) - 1,
        {
            "name": spec.name,
            "columns": [{"header": h} for h in headers],
            "style": INPUT_TABLE_STYLE,
        },
    )
    ws.freeze_panes(1, 0)
    if spec.key in LONG_TABLES:
        print_start(ws, len(headers) - 1)


LONG_TABLES = ("history", "actuals")  # a row per order or week: thousands of printed pages
PRINTED_ROWS = 45  # of a long input table: its start, one page or so


def print_start(ws, last_col: int) -> None:
    """Print a long input table's header and first rows only, one page wide, the header on
    every page (printing a plan would otherwise print all of its history)."""
    ws.print_area(0, 0, PRINTED_ROWS, last_col)
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)
    ws.set_paper(9)  # A4


def input_headers(spec: TableSpec, locale: str) -> list[str]:
    return [header(c, locale) for c in spec.columns]


def input_width(text: str, locale: str) -> int:
    """A column's width in characters: its header's (a Chinese character is two wide)."""
    return min(max(len(text) * (2 if locale != "en" else 1) + 4, 12), 40)


def input_style(col: Column) -> dict:
    """The format properties of an input column's cells."""
    return {**INPUT, "num_format": DATE_FORMAT} if col.kind == DATE else INPUT


def add_settings_sheet(
    wb: xlsxwriter.Workbook, formats: Formats, spec: TableSpec, frame: pd.DataFrame, locale: str
) -> None:
    """tblSettings as `init` writes it: each setting's Description in the plan's language (what
    the Readme says of it), a choice written in that language with a list to pick from on its
    Value cell, PeriodStart shown as a date, and rows tall enough for their Description.
    `frame` holds the values in English terms (last_period, zh-CN)."""
    ws = wb.add_worksheet(spec.sheet)
    headers = input_headers(spec, locale)
    names = [str(n) for n in frame["setting"]]
    values = [shown_setting(n, v, locale) for n, v in zip(names, frame["value"], strict=True)]
    texts = [description(n, locale) if n in SPECS else "" for n in names]
    widths = (
        max(display_width(t) for t in [headers[0], *names]) + 4,
        min(max(display_width(str(v or "")) + 2 for v in [headers[1], *values]), 46),
        DESCRIPTION_WIDTH,
    )
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    top = {"valign": "top"}
    for i, (name, value, text) in enumerate(zip(names, values, texts, strict=True), start=1):
        date = {"num_format": DATE_FORMAT} if name == "PeriodStart" else {}
        write_column(ws, i, 0, [name], formats, {**INPUT, **top})
        write_column(ws, i, 1, [value], formats, {**INPUT, **top, **date, "align": "left"})
        write_column(ws, i, 2, [text], formats, {"text_wrap": True, **top})
        ws.set_row(i, row_height([(text, DESCRIPTION_WIDTH)]))
        if name in SPECS and choices(name):
            ws.data_validation(i, 1, i, 1, choice_list(name, locale))
    ws.add_table(
        0,
        0,
        max(len(names), 1),
        len(headers) - 1,
        {
            "name": spec.name,
            "columns": [{"header": h} for h in headers],
            "style": INPUT_TABLE_STYLE,
        },
    )
    ws.freeze_panes(1, 0)


def choice_list(name: str, locale: str, title: str = "") -> dict:
    """A cell's list of a choice setting's or choice column's names in the plan's language;
    a warning, not a stop, since the names in the other language are read too."""
    options = [choice_word(name, o, locale) for o in choices(name)]
    return {
        "validate": "list",
        "source": options,
        "error_type": "warning",
        "error_title": title or name,
        "error_message": say("choice_list_warning", locale, choices=", ".join(options)),
    }


def shown_setting(name: str, value, locale: str):
    """A setting's value as the Settings sheet shows it: a choice in the plan's language, and
    the stages of StageWeights too (新品=0.2,成长=0.25,…)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if name in SPECS and str(value) in choices(name):
        return choice_word(name, str(value), locale)
    if name == "StageWeights" and isinstance(value, str):
        return stage_weights(value, locale)
    return value
