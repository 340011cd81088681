"""`salesplan init`: a planning workbook with every table of SPEC §1 as a real Excel table."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Protocol

import pandas as pd
import xlsxwriter

from engine.settings import SPECS
from xl_addin.sheets.labels import label
from xl_addin.sheets.render import DATE_FORMAT, Formats, write_column
from xl_addin.workbook.atomic import replacing
from xl_addin.workbook.columns import CHOICE, DATE, TABLES, Column, TableSpec, header
from xl_addin.workbook.example_company import example_tables

FIXED_CREATED = dt.datetime(2026, 1, 1)  # byte-reproducible output
INPUT = {"bg_color": "#FFF2CC"}  # input cells, as Excel's own "Input" style
INPUT_TABLE_STYLE = "Table Style Light 9"
SETTING_HELP = {
    "PeriodStart": ("first day of the plan period", "考核期第一天"),
    "PeriodWeeks": ("weeks in the period (13 = a quarter)", "考核期周数（13 = 一个季度）"),
    "Unit": ("display unit: 1 = yuan, 10000 = 万元", "显示单位：1 = 元，10000 = 万元"),
    "RoundTo": ("every target is a whole multiple of this", "每个目标取整到该数的整数倍"),
    "Baseline": (
        "last_period, same_period_last_year or trailing_mean",
        "基数：上期 / 去年同期 / 近三期均值",
    ),
    "MarketGrowth": ("expected market growth", "预期市场增长率"),
    "Buffer": ("uncertainty buffer", "不确定性缓冲"),
}


def empty_tables(locale: str) -> dict[str, pd.DataFrame]:
    """Empty tables, with Settings pre-filled with every setting's default."""
    out = {t.key: pd.DataFrame(columns=[c.key for c in t.columns]) for t in TABLES}
    rows = [
        (name, _default_text(default)) for name, (_, default) in SPECS.items() if name != "Version"
    ]
    settings = pd.DataFrame(rows, columns=["setting", "value"])
    settings.loc[settings["setting"] == "Locale", "value"] = locale
    settings.loc[settings["setting"] == "PeriodStart", "value"] = None
    out["settings"] = settings
    return out


def _default_text(value):
    if value is None:
        return None
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return float(value) if not isinstance(value, (str, int)) else value


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
    head = wb.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF"})
    fmt = {
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "title": wb.add_format({"bold": True, "font_size": 14}),
    }
    _readme(wb, locale, fmt, head)
    for spec in TABLES:
        add_input_sheet(wb, formats, spec, tables[spec.key], locale)
    if macros:
        macros.add_last(wb)
    wb.close()


def add_input_sheet(
    wb: xlsxwriter.Workbook, formats: Formats, spec: TableSpec, frame: pd.DataFrame, locale: str
) -> None:
    """One input table on a sheet of its own, as `init` writes every one: headers in the
    locale, yellow input cells, a list to choose from where the column has choices, frozen
    header. Also how salesplan adds a table a plan lacks (tblChangeLog on a recalibration)."""
    ws = wb.add_worksheet(spec.sheet)
    headers = input_headers(spec, locale)
    n = max(len(frame), 1)
    for j, col in enumerate(spec.columns):
        values = frame[col.key].tolist() if len(frame) else [None]
        write_column(ws, 1, j, values, formats, input_style(col))
        ws.set_column(j, j, input_width(headers[j], locale))
        if col.kind == CHOICE:
            ws.data_validation(
                1, j, max(n, 200), j, {"validate": "list", "source": list(col.choices)}
            )
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


def _readme(wb, locale: str, fmt: dict, head) -> None:
    en = locale == "en"
    ws = wb.add_worksheet(label("Readme", locale))
    ws.write_string(0, 0, "salesplan", fmt["title"])
    intro = (
        "Fill in the yellow input tables, then run Decompose (or `salesplan decompose PLAN.xlsx`). "
        "Tables are found by name, so you may move them; extra columns and sheets are yours."
        if en
        else "填写黄色输入表，然后运行“分解”（或 `salesplan decompose PLAN.xlsx`）。"
        "按表名查找表格，可随意移动；您自己的列和工作表不会被改动。"
    )
    ws.write_string(1, 0, intro)
    cols = [label(k, locale) for k in ("table", "sheet", "column", "required", "meaning")]
    row = 3
    for j, c in enumerate(cols):
        ws.write_string(row, j, c, head)
    for spec in TABLES:
        for k, col in enumerate(spec.columns):
            row += 1
            ws.write_string(row, 0, spec.name if k == 0 else "")
            ws.write_string(row, 1, spec.sheet if k == 0 else "")
            ws.write_string(row, 2, header(col, locale))
            ws.write_string(row, 3, label("yes", locale) if col.required else "")
            meaning = (spec.help_en if en else spec.help_zh) if k == 0 else ""
            if col.choices:
                meaning = (meaning + " " if meaning else "") + " / ".join(col.choices)
            ws.write_string(row, 4, meaning, fmt["wrap"])
    row += 2
    for name, (en_text, zh_text) in SETTING_HELP.items():
        ws.write_string(row, 0, name)
        ws.write_string(row, 4, en_text if en else zh_text)
        row += 1
    ws.set_column(0, 3, 18)
    ws.set_column(4, 4, 80)
