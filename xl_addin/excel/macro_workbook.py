"""What makes a planning workbook macro-enabled (`salesplan init PLAN.xlsm`).

A Control sheet of buttons bound to the Salesplan VBA macros (the ones on the add-in's
ribbon), the VBA project built from xlwings' standalone template (vba_projects.py), and an
`xlwings.conf` sheet: the settings xlwings' standalone VBA reads (from A1 down) to start
Python and to re-import the worksheet functions. The VBA project is made last, once every
sheet is there, so that each sheet's code name has its document module, as Excel writes it.
"""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import xlwings
import xlwings.cli
from xlsxwriter.workbook import Workbook

from xl_addin.excel import vba_projects
from xl_addin.excel.sources import BUTTONS, labels
from xl_addin.excel.udf_wrappers import udf_wrappers
from xl_addin.workbook.init import write_plan

CONTROL_SHEET = "Control"
CONFIG_SHEET = "xlwings.conf"  # PROJECT_NAME & ".conf" in xlwings.bas
BUTTON_SIZE = {"width": 176, "height": 34}  # pixels
BUTTON_ROW_HEIGHT = 30  # points: 40 pixels, room for a button and its margin


def write_macro_plan(path: str | os.PathLike, example: bool = False, locale: str = "zh-CN") -> Path:
    """`salesplan init PLAN.xlsm`: a planning workbook with its Control sheet and VBA project."""
    return write_plan(path, example, locale, Macros(locale, Path(path).name))


@dataclass(frozen=True)
class Macros:
    """The parts init adds to a macro-enabled plan (xl_addin.workbook.init.Macros)."""

    locale: str
    workbook_name: str

    def add_first(self, wb: Workbook) -> None:
        add_control_sheet(wb, self.locale, self.workbook_name)

    def add_last(self, wb: Workbook) -> None:
        add_config_sheet(wb, self.locale)
        add_vba_project(wb, self.locale, self.workbook_name)


def add_vba_project(wb: Workbook, locale: str, workbook_name: str) -> None:
    """Add the VBA project, once every sheet is added: the workbook and each sheet get their
    code name (XlsxWriter's: ThisWorkbook, Sheet1, Sheet2, ...) and a document module of it."""
    wb.set_vba_name("ThisWorkbook")
    documents = {wb.vba_codename: vba_projects.WORKBOOK_BASE}
    for sheet in wb.worksheets():
        if sheet.vba_codename is None:
            sheet.set_vba_name()
        kind = vba_projects.CHARTSHEET_BASE if sheet.is_chartsheet else vba_projects.WORKSHEET_BASE
        documents[sheet.vba_codename] = kind
    project = vba_projects.workbook_vba_project(locale, workbook_name, documents)
    wb.add_vba_project(io.BytesIO(project.data), is_stream=True)


def add_control_sheet(wb: Workbook, locale: str, workbook_name: str) -> None:
    """Add the Control sheet (call it first: it becomes the first sheet)."""
    functions = udf_wrappers(vba_projects.UDF_MODULE, workbook_name).functions
    text = labels(locale)
    ws = wb.add_worksheet(CONTROL_SHEET)
    title = wb.add_format({"bold": True, "font_size": 16, "font_color": "#1F4E78"})
    heading = wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F4E78"})
    plain = wb.add_format({"valign": "vcenter", "text_wrap": True})
    note = wb.add_format({"font_color": "#595959", "text_wrap": True, "valign": "top"})
    code = wb.add_format({"font_name": "Consolas", "valign": "top"})
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 2)
    ws.set_column(3, 3, 96)
    ws.write_string(0, 1, "salesplan", title)
    ws.write_string(1, 1, text["control_intro"])
    row = 3
    for key, macro, _entry in BUTTONS:
        ws.set_row(row, BUTTON_ROW_HEIGHT)
        ws.insert_button(
            row,
            1,
            {"macro": macro, "caption": text[key], "x_offset": 2, "y_offset": 3, **BUTTON_SIZE},
        )
        ws.write_string(row, 3, text[f"{key}_tip"], plain)
        row += 1
    row += 1
    for key in ("control_addin", "control_doctor"):
        ws.write_string(row, 1, text[key])
        row += 1
    row += 1
    ws.write_string(row, 1, text["functions_title"], heading)
    ws.write_string(row + 1, 1, text["functions_note"])
    row += 2
    for function in functions:  # the formula, then its description, in one cell
        if function.doc:
            ws.write_rich_string(row, 1, code, function.formula(), note, "   " + function.doc)
        else:
            ws.write_string(row, 1, function.formula(), code)
        row += 1
    row += 1
    ws.write_string(row, 1, f"xlwings {xlwings.__version__} (VBA and Python)", note)
    ws.set_landscape()
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, row, 3)
    ws.activate()


def add_config_sheet(wb: Workbook, locale: str) -> None:
    """Add the xlwings.conf sheet: only settings with a value (a blank one would hide the
    user's ~/.xlwings/xlwings.conf), then a note beside them."""
    ws = wb.add_worksheet(CONFIG_SHEET)
    for row, (key, value) in enumerate(config_rows()):
        ws.write_string(row, 0, key)
        ws.write_string(row, 1, value)
    ws.write_string(0, 3, labels(locale)["conf_note"])
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 40)


def config_rows(
    platform: str = sys.platform, executable: str = sys.executable
) -> list[tuple[str, str]]:
    """The settings xlwings' standalone VBA needs, as `xlwings config create` would choose
    them for this Python: the interpreter (or conda) of the platform it runs on."""
    rows = [("UDF Modules", vba_projects.UDF_MODULE)]
    conda_path, conda_env = xlwings.cli.get_conda_settings()
    if platform.startswith("win"):
        if conda_path:
            rows += [("Conda Path", conda_path), ("Conda Env", conda_env)]
        else:
            rows.append(("Interpreter_Win", executable))
    elif platform == "darwin":
        rows.append(("Interpreter_Mac", executable))
    return rows


def config_from_rows(rows: list[list]) -> dict[str, str]:
    """A read xlwings.conf sheet as xlwings reads it: keys upper-cased, from A1 to the first blank."""
    settings = {}
    for r in rows:
        if not r or r[0] in (None, ""):
            break
        settings[str(r[0]).upper()] = "" if len(r) < 2 or r[1] is None else str(r[1])
    return settings
