"""The live path: the Excel buttons through xlwings' real public API (`xw.Book`, sheets,
`Range.value` with its converters, tables, conditional formats, charts), on Linux, over the
openpyxl-backed engine in tests/xlwings_openpyxl.py, registered with `xw.engines` as xlwings
registers its own.

The output sheets the buttons write equal those the CLI writes for the same plan, cell by
cell: values (text stays text), number formats, tables (names, refs, columns, style), header
and title styles, conditional-format rules, frozen panes, column widths, print setup and
charts (with each status bar's colours). Differences
by nature, and so normalised here: a column width is set in characters through Excel's object
model, while XlsxWriter stores the padded width Excel itself saves for it; the file's empty
text cells ("" in the Locked column) are blank cells when written live; every text cell the
live path writes carries Excel's text prefix (quotePrefix), which the file does not need.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from engine import decompose
from engine.problems import PlanError
from engine.recalibrate import Request
from tests.builders import CHANGE_LOG_HEADERS
from tests.delivery.smtp_server import mail_server
from tests.delivery.test_outbox import HOLD_LOCK
from tests.examples import example_plan
from tests.workbook.test_far_cells import sheet_part, stray_at_the_end, with_cells, with_table_to
from tests.workbook.test_splice import description, openpyxl_book
from xl_addin.cli import main, run_collect, run_recalibrate
from xl_addin.delivery.journal import LOCK
from xl_addin.excel import background, buttons
from xl_addin.excel.livebook import LiveBook
from xl_addin.repbook.manifest import read_manifest
from xl_addin.sheets.labels import label
from xl_addin.sheets.outputs import OUTPUT_SHEETS, describe
from xl_addin.sheets.units import spoken, without_unit
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan


def require(module: str):
    """Import a module the live path's tests need; fail under CI=true, skip elsewhere."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        hint = f"{module} is needed for the live-path tests ({exc}); pip install -e .[dev]"
        if os.environ.get("CI") == "true":
            raise AssertionError(hint + " (required when CI=true)") from exc
        pytest.skip(hint + " (this skip becomes a failure under CI=true)")


xw = require("xlwings")
engine_module = require("tests.xlwings_openpyxl")

NOW = dt.datetime(2026, 10, 20, 9, 30)
WRITTEN = (*OUTPUT_SHEETS, "Scenarios")  # by decompose, track and scenarios
INPUT_SHEETS = ("Settings", "SalesHistory", "Reps", "Regions", "Actuals", "ChangeLog")


@pytest.fixture
def engine():
    with engine_module.activated() as made:
        yield made.impl


def make_example(folder: Path, locale: str) -> Path:
    """The light example company (tests/examples.py): what openpyxl, standing in for Excel,
    reads and writes is what costs here, and the history weeks the plan does not read add
    only to that."""
    return example_plan(folder, locale)


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def example_locale(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def example(example_locale, tmp_path_factory) -> Path:
    """The example company, in both locales: the sheets compared cell by cell."""
    return make_example(tmp_path_factory.mktemp(f"example-{example_locale}"), example_locale)


@pytest.fixture(scope="module")
def english(tmp_path_factory) -> Path:
    return make_example(tmp_path_factory.mktemp("example-en"), "en")


@pytest.fixture
def plan(english, tmp_path) -> Path:
    """A copy of the English example for a test to change."""
    path = tmp_path / "plan.xlsx"
    path.write_bytes(english.read_bytes())
    return path


@pytest.fixture(scope="module")
def english_issued(english, tmp_path_factory) -> Path:
    """`salesplan issue` of the English example, once: the folder of its workbooks (issue
    leaves the plan as it was, and the folder holds no path of it)."""
    folder = tmp_path_factory.mktemp("issued") / "plan workbooks"
    assert main(["issue", str(english), "--out", str(folder)]) == 0
    return folder


def issued_beside(plan: Path, english_issued: Path) -> Path:
    """The plan as `salesplan issue PLAN --out "plan workbooks"` leaves it: a copy of the
    folder issued from the same plan, beside it."""
    folder = plan.with_name("plan workbooks")
    shutil.copytree(english_issued, folder)
    return folder


class Recorder:
    """Stands in for the message box (alert) and the input box (prompt)."""

    ENTER = object()  # an answer: Enter on what the input box shows filled in

    def __init__(self, answers=()):
        self.alerts: list[tuple[str, str, str]] = []
        self.answers = list(answers)
        self.questions: list[str] = []
        self.defaults: list[str] = []

    def alert(self, message, title, mode):
        self.alerts.append((message, title, mode))

    def prompt(self, question, title, default=""):
        self.questions.append(question)
        self.defaults.append(default)
        answer = self.answers.pop(0)
        return default if answer is Recorder.ENTER else answer


# ---------------------------------------------------------------------------------------
# Reading a workbook back, for comparing two of them.


def value(v):
    """A cell value by kind: text and numbers never compare equal; "" is a blank cell."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, (int, float)):
        return ("number", float(v))
    if isinstance(v, dt.datetime):
        return ("date", v)
    return ("text", str(v))


def cells(ws) -> dict[str, tuple]:
    out = {}
    for row in ws.iter_rows():
        for c in row:
            kind = "formula" if c.data_type == "f" else None
            out[c.coordinate] = (kind, value(c.value), c.number_format)
    return out


def same_cells(a, b) -> list[str]:
    """Cells whose value, kind or number format differ (at most 20)."""
    ca, cb = cells(a), cells(b)
    blank = (None, None, "General")
    wrong = [
        f"{a.title}!{k}: {ca.get(k, blank)} != {cb.get(k, blank)}"
        for k in sorted(set(ca) | set(cb))
        if ca.get(k, blank) != cb.get(k, blank)
    ]
    return wrong[:20]


def tables(ws) -> dict:
    return {
        t.displayName: (
            t.ref,
            [c.name for c in t.tableColumns],
            t.tableStyleInfo.name,
            bool(t.tableStyleInfo.showRowStripes),
            t.autoFilter is not None and t.autoFilter.ref,
        )
        for t in ws.tables.values()
    }


def colour(c) -> str | None:
    return None if c is None or not isinstance(c.rgb, str) else c.rgb[-6:].upper()


def styles(ws, sheet) -> dict:
    """Title and header cells: bold, size, font colour, fill, vertical and horizontal alignment."""
    from xl_addin.sheets.layout import place

    out = {}
    for block, at in zip(sheet.blocks, place(sheet), strict=True):
        rows = ([at.title] if at.title is not None else []) + [at.header]
        for r in rows:
            width = 1 if r == at.title else len(block.columns)
            for c in range(at.col + 1, at.col + width + 1):
                cell = ws.cell(r + 1, c)
                fill = colour(cell.fill.fgColor) if cell.fill.fill_type == "solid" else None
                out[cell.coordinate] = (
                    bool(cell.font.b),
                    cell.font.sz if r == at.title else None,
                    colour(cell.font.color) if r != at.title else None,
                    fill,
                    cell.alignment.vertical,
                    cell.alignment.horizontal,
                )
    return out


def rules(ws) -> list:
    out = []
    for cf in ws.conditional_formatting:
        for r in cf.rules:
            font = r.dxf.font.color if r.dxf and r.dxf.font else None
            fill = r.dxf.fill.bgColor if r.dxf and r.dxf.fill else None
            out.append(
                (
                    r.priority,
                    str(cf.sqref),
                    r.type,
                    r.operator,
                    tuple(r.formula),
                    bool(r.stopIfTrue),
                    colour(font),
                    colour(fill),
                )
            )
    return sorted(out)


def excel_width(characters: float) -> float:
    """The width Excel saves for a column width typed in characters (Calibri 11: 7 px a
    digit, 5 px of padding, in 1/256ths), as XlsxWriter computes it."""
    return int((int(characters * 7 + 0.5) + 5) / 7 * 256) / 256


def widths(ws, padded: bool) -> dict[int, float]:
    out = {}
    for dim in ws.column_dimensions.values():
        if dim.width:
            for j in range(dim.min, dim.max + 1):
                out[j] = dim.width if padded else excel_width(dim.width)
    return out


C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def charts(path: Path, sheet: str) -> list:
    """Each chart on a sheet: anchor cell, type, title, legend, axis format and series
    (name, categories, values, colour)."""
    from tests.sheets.test_charts import charts_of, drawing_of, reference
    from tests.workbook.test_splice import members, rels, sheet_parts

    parts = members(path)
    if not any(kind == "drawing" for kind, _ in rels(parts, sheet_parts(parts)[sheet]).values()):
        return []
    out = []
    for anchor, part in charts_of(parts, drawing_of(parts, sheet)):
        root = ET.fromstring(parts[part])
        plot = root.find(f"{{{C}}}chart/{{{C}}}plotArea")
        (kind,) = [el.tag.split("}")[1] for el in plot if el.tag.endswith("Chart")]
        direction = plot.find(f".//{{{C}}}barDir")
        title = "".join(t.text or "" for t in root.iterfind(f"{{{C}}}chart/{{{C}}}title//{{{A}}}t"))
        legend = root.find(f".//{{{C}}}legendPos")
        formats = [
            n.get("formatCode")
            for n in plot.iter(f"{{{C}}}numFmt")
            if n.get("formatCode") != "General"
        ]
        series = []
        for s in root.iter(f"{{{C}}}ser"):
            fill = s.find(f"{{{C}}}spPr//{{{A}}}srgbClr")
            series.append(
                (
                    s.find(f"{{{C}}}tx/{{{C}}}v").text,
                    reference(s.find(f"{{{C}}}cat//{{{C}}}f").text),
                    reference(s.find(f"{{{C}}}val//{{{C}}}f").text),
                    None if fill is None else fill.get("val").upper(),
                )
            )
        out.append(
            (
                anchor,
                kind,
                None if direction is None else direction.get("val"),
                title,
                None if legend is None else legend.get("val"),
                formats,
                series,
            )
        )
    return out


def print_setup(ws) -> tuple:
    """What printing a sheet takes: area, title rows, orientation, paper, fit to pages (wide,
    tall; a width the file leaves out is the default, 1 page; 0 tall: as many as it takes)."""
    setup, fit = ws.page_setup, ws.sheet_properties.pageSetUpPr
    return (
        ws.print_area,
        ws.print_title_rows,
        setup.orientation,
        None if setup.paperSize is None else int(setup.paperSize),
        bool(fit is not None and fit.fitToPage),
        1 if setup.fitToWidth is None else int(setup.fitToWidth),
        None if setup.fitToHeight is None else int(setup.fitToHeight),
    )


def bar_colours(path: Path, sheet: str) -> list:
    """Per chart of a sheet, per series: (point, fill, border) of each bar coloured by itself."""
    from tests.sheets.test_charts import charts_of, drawing_of
    from tests.workbook.test_splice import members, rels, sheet_parts

    parts = members(path)
    if not any(kind == "drawing" for kind, _ in rels(parts, sheet_parts(parts)[sheet]).values()):
        return []

    def colour_of(el):
        found = None if el is None else el.find(f"{{{A}}}solidFill/{{{A}}}srgbClr")
        return None if found is None else found.get("val").upper()

    out = []
    for _, part in charts_of(parts, drawing_of(parts, sheet)):
        root = ET.fromstring(parts[part])
        out.append(
            [
                [
                    (
                        int(p.find(f"{{{C}}}idx").get("val")),
                        colour_of(p.find(f"{{{C}}}spPr")),
                        colour_of(p.find(f"{{{C}}}spPr/{{{A}}}ln")),
                    )
                    for p in s.iter(f"{{{C}}}dPt")
                ]
                for s in root.iter(f"{{{C}}}ser")
            ]
        )
    return out


def snapshot(book) -> dict:
    """Everything the engine holds of a workbook: sheets, cells with formats, tables, rules."""
    wb = book.api
    return {
        ws.title: (
            {c.coordinate: (c.value, c.number_format) for row in ws.iter_rows() for c in row},
            tables(ws),
            rules(ws),
            len(book.sheets[ws.title].charts),
        )
        for ws in wb.worksheets
    }


# ---------------------------------------------------------------------------------------
# The buttons and the CLI write the same sheets.


@pytest.fixture(scope="module")
def both(example_locale, example, tmp_path_factory):
    """The example plan decomposed and tracked by the CLI, and by the buttons through xlwings."""
    folder = tmp_path_factory.mktemp("both")
    live = folder / "live.xlsx"
    live.write_bytes(example.read_bytes())
    # a copy of the example after `salesplan decompose`, `track` and `scenarios` (each run as
    # a command on the file, made once in the process: tests/examples.py)
    cli = example_plan(folder / "cli.xlsx", example_locale, "decompose", "track", "scenarios")
    said = Recorder([Recorder.ENTER])  # the week most reps have reported, as the CLI tracks
    with engine_module.activated():
        book = xw.Book(live)
        buttons.decompose(book, alert=said.alert)
        buttons.track(book, alert=said.alert, prompt=said.prompt)
        buttons.scenarios(book, alert=said.alert)
        book.save()
    return Both(cli, live, said, example)


class Both:
    """The two files, each read back with openpyxl once."""

    def __init__(self, cli: Path, live: Path, said: Recorder, example: Path):
        self.cli, self.live, self.said, self.example = cli, live, said, example
        self.a, self.b = openpyxl.load_workbook(cli), openpyxl.load_workbook(live)


# What the buttons say, per locale: titles, the first and last summary lines, the status line.
REPORTS = {
    "en": (
        ("salesplan — Decompose", "salesplan — Track", "salesplan — Scenarios"),
        "Decomposed live.xlsx in ",
        "  wrote sheets: Targets, Breakdown, Phasing, Reconciliation",
        "  status: RED 5, AMBER 10, GREEN 9",
    ),
    "zh-CN": (
        ("salesplan — 分解", "salesplan — 跟踪", "salesplan — 方案比较"),
        "已分解 live.xlsx，用时 ",
        "  已写入工作表：Targets, Breakdown, Phasing, Reconciliation",
        "  状态：红 5，黄 10，绿 9",
    ),
}


def test_the_buttons_report_like_the_cli_in_the_plans_locale(both):
    locale = read_plan(FileBook(both.example)).settings.locale
    titles, first, wrote, status = REPORTS[locale]
    said = both.said
    assert [(title, mode) for _, title, mode in said.alerts] == [(t, "info") for t in titles]
    decomposed, tracked, compared = (m for m, _, _ in said.alerts)
    assert decomposed.startswith(first) and decomposed.endswith(wrote)
    # the example's three scenarios, said as the command line says them
    assert compared.splitlines()[0].startswith(
        {"en": "Compared 3 scenarios of live.xlsx", "zh-CN": "已将 live.xlsx 的 3 个方案"}[locale]
    )
    assert len(compared.splitlines()) == 6  # the plan, three scenarios, the sheet written
    assert tracked.splitlines()[1] == status
    d = decompose(read_plan(FileBook(both.example)))
    unit = int(d.settings["Unit"])  # the summary speaks the plan's Unit: 3,011.7万元
    assert f" {spoken(d.team['target'], unit, locale)}" in decomposed.splitlines()[1]


def test_every_output_cell_has_the_same_value_kind_and_number_format(both):
    a, b = both.a, both.b
    assert a.sheetnames == b.sheetnames
    for name in WRITTEN:
        assert same_cells(a[name], b[name]) == [], name


def test_the_tables_have_the_same_names_refs_columns_and_style(both):
    a, b = both.a, both.b
    for name in WRITTEN:
        assert tables(a[name]) == tables(b[name]), name
    assert tables(b["Targets"])["tblTargets"][2] == "TableStyleMedium2"


def test_titles_and_headers_have_the_same_style(both):
    plan = read_plan(FileBook(both.cli))
    from engine import decompose
    from engine.progress import progress
    from engine.scenarios import compare
    from xl_addin.sheets.outputs import describe_progress
    from xl_addin.sheets.scenarios import describe_scenarios

    sheets = describe(decompose(plan), plan.settings) + describe_progress(
        progress(plan), plan.settings
    )
    a, b = both.a, both.b
    for sheet in describe_scenarios(compare(plan), plan.settings):
        assert styles(a[sheet.name], sheet) == styles(b[sheet.name], sheet), sheet.name
    for sheet in sheets:
        assert styles(a[sheet.name], sheet) == styles(b[sheet.name], sheet), sheet.name
    title = (True, 12, None, None, "center", None)
    assert (
        styles(b["Dashboard"], sheets[-1])["A1"] == styles(b["Targets"], sheets[0])["A1"] == title
    )
    # the header on row 2: over text left (RepID), over numbers right (Floor, column F)
    assert styles(b["Targets"], sheets[0])["A2"] == (True, None, "FFFFFF", "1F4E78", None, "left")
    assert styles(b["Targets"], sheets[0])["F2"] == (True, None, "FFFFFF", "1F4E78", None, "right")


def test_status_colours_are_the_same_native_rules_in_the_same_order(both):
    a, b = both.a, both.b
    for name in WRITTEN:
        assert rules(a[name]) == rules(b[name]), name
    tracking = rules(b["Tracking"])
    # no report (grey, by the status cell itself), then red, green, amber by the numbers
    assert [r[7] for r in tracking] == ["D9D9D9", "FFC7CE", "C6EFCE", "FFEB9C"]
    locale = read_plan(FileBook(both.example)).settings.locale
    waiting = {"en": "NO REPORT", "zh-CN": "未报告"}[locale]
    assert tracking[0][4] == (f'$J3="{waiting}"',)  # the title on row 1, the header on row 2
    assert tracking[1][4] == ("ROUND($F3,2)<ROUNDUP(ROUND(0.8*$H3,6),2)",)


def test_panes_and_column_widths_are_the_same(both):
    a, b = both.a, both.b
    for name in WRITTEN:
        assert a[name].freeze_panes == b[name].freeze_panes, name
        assert widths(a[name], padded=True) == widths(b[name], padded=False), name
    assert b["Targets"].freeze_panes == "C3"  # the title and header rows, RepID and Name


def test_the_dashboard_charts_read_the_same_cells(both):
    made = charts(both.live, "Dashboard")
    assert made == charts(both.cli, "Dashboard")
    assert charts(both.live, "Scenarios") == charts(both.cli, "Scenarios")
    assert [c[1] for c in charts(both.cli, "Scenarios")] == ["barChart"]
    assert [c[1] for c in made] == ["barChart"] + ["lineChart"] * (len(made) - 1)
    assert made[1][6][0][3] == "1F4E78"  # the plan line's colour


def test_each_sheet_prints_as_the_file_writer_sets_it(both):
    """Landscape A4, one page wide, its tables and charts only, the header rows on each page."""
    a, b = both.a, both.b
    for name in WRITTEN:
        assert print_setup(a[name]) == print_setup(b[name]), name
    area, titles, *rest = print_setup(b["Targets"])
    assert area.startswith("'Targets'!$A$1:$S$26,") and titles == "$1:$2"
    assert rest == ["landscape", 9, True, 1, 0]


def test_each_status_bar_has_its_statuss_colours_as_the_file_writer_draws_it(both):
    for name in ("Dashboard", "Scenarios"):
        assert bar_colours(both.live, name) == bar_colours(both.cli, name), name
    status, *lines = bar_colours(both.live, "Dashboard")
    # red, amber, green, no report: the cells' fill, the text's colour as the border
    assert status == [
        [
            (0, "FFC7CE", "9C0006"),
            (1, "FFEB9C", "9C5700"),
            (2, "C6EFCE", "006100"),
            (3, "D9D9D9", "404040"),
        ]
    ]
    assert lines and all(points == [] for chart in lines for points in chart)


def test_the_users_sheets_are_left_as_they_were(both):
    a, b = openpyxl.load_workbook(both.example), both.b
    for name in a.sheetnames:
        assert same_cells(a[name], b[name]) == [], name
        assert tables(a[name]) == tables(b[name]), name


def test_the_live_book_reads_the_same_plan_as_the_file(example, engine):
    expected = read_plan(FileBook(example))
    got = read_plan(LiveBook(xw.Book(example)))
    assert got.settings == expected.settings
    frames = [
        f.name for f in dataclasses.fields(got) if isinstance(getattr(got, f.name), pd.DataFrame)
    ]
    assert {"history", "reps", "regions", "actuals", "change_log"} <= set(frames)
    for name in frames:
        a, b = getattr(got, name), getattr(expected, name)
        pd.testing.assert_frame_equal(a, b)
        assert a.attrs == b.attrs, name


@pytest.mark.parametrize("far", [False, True])
def test_a_table_over_the_whole_sheet_is_read_live_as_far_as_its_cells_go(plan, engine, far):
    """tblReps stretched to XFD1048576: read through Excel only as far as the sheet's used
    range (Excel would hand over 17 billion empty cells), the same plan as the file reader's;
    with a cell at its far end, refused at the table as the file reader refuses it."""
    if far:
        with_cells(plan, sheet_part(plan, "tblReps"), stray_at_the_end)
    with_table_to(plan, "tblReps", "XFD1048576")
    live = LiveBook(xw.Book(plan))
    if far:
        with pytest.raises(PlanError) as caught:
            read_plan(live)
        said = [(p.sheet, p.cell, p.message.key, dict(p.message.fields)["ref"]) for p in caught.value.problems]  # fmt: skip
        assert said == [("Reps", "A1", "table_too_large", "A1:XFD1048576")]
        return
    got, expected = read_plan(live), read_plan(FileBook(plan))
    pd.testing.assert_frame_equal(got.reps, expected.reps)
    assert len(got.reps) == 24


def test_a_description_with_text_like_formulas_renders_the_same_through_both_writers(
    tmp_path, engine
):
    cli, live = openpyxl_book(tmp_path / "cli.xlsx"), openpyxl_book(tmp_path / "live.xlsx")
    FileBook(cli).write_sheets(description())
    book = xw.Book(live)
    LiveBook(book).write_sheets(description())
    book.save()
    a, b = openpyxl.load_workbook(cli), openpyxl.load_workbook(live)
    assert a.sheetnames == b.sheetnames == ["Settings", "Targets", "Reconciliation"]
    for sheet in description():
        assert same_cells(a[sheet.name], b[sheet.name]) == [], sheet.name
        assert tables(a[sheet.name]) == tables(b[sheet.name])
        assert rules(a[sheet.name]) == rules(b[sheet.name])
    names = [b["Targets"].cell(r, 2) for r in range(2, 6)]
    assert [c.value for c in names] == ["=SUM(A1)", "+86 138 0000 0000", "@home", "张三（华东）"]
    assert {c.data_type for c in names} == {"s"}  # text, never a formula (SPEC §13)


def test_each_table_is_read_in_one_call_and_each_block_written_in_one(plan, engine):
    from openpyxl.utils import get_column_letter

    from engine import decompose
    from xl_addin.sheets.layout import place

    book = xw.Book(plan)
    live = LiveBook(book)
    engine.calls.clear()
    settings = read_plan(live).settings
    reads = [(sheet, address) for kind, sheet, address in engine.calls if kind == "read"]
    ranges = {(sheet.name, t.range.address) for sheet in book.sheets for t in sheet.tables}
    assert sorted(reads) == sorted(ranges)  # every table once, nothing else

    sheets = describe(decompose(read_plan(live)), settings)
    engine.calls.clear()
    live.write_sheets(sheets)
    writes = [(sheet, address) for kind, sheet, address in engine.calls if kind == "write"]
    expected = []
    for sheet in sheets:
        for block, at in zip(sheet.blocks, place(sheet), strict=True):
            left, right = get_column_letter(at.col + 1), get_column_letter(at.last_col + 1)
            bottom = at.header + 1 + len(block.frame)
            expected.append((sheet.name, f"${left}${at.top + 1}:${right}${bottom}"))
    assert writes == expected  # title, header and rows of a block: one call


# ---------------------------------------------------------------------------------------
# Input problems: one message box, nothing written.


def test_an_unknown_region_is_one_alert_naming_its_cell_and_nothing_changes(plan, engine):
    book = xw.Book(plan)
    region = book.sheets["Reps"]["C5"].value
    book.sheets["Reps"]["C5"].value = "Nroth"
    before = snapshot(book)
    buttons.decompose(book)  # through xlwings' own App.alert
    (alert,) = engine.apps._apps[0].alerts
    assert alert["mode"] == "critical" and alert["title"] == "salesplan — Decompose"
    assert alert["prompt"].startswith("1 problem in the input; nothing was changed.")
    line = 'Reps!C5: Region "Nroth" is not in tblRegions'
    if region == "North":  # the English example; its Chinese twin has 华北, no near spelling
        line += ' (did you mean "North"?)'
    assert line in alert["prompt"]
    assert snapshot(book) == before


def test_the_live_book_refuses_a_sheet_holding_a_user_table(plan, engine):
    book = xw.Book(plan)
    mine = book.sheets.add("Targets", after=book.sheets[-1])
    mine["A1"].value = [["Mine"], ["kept"]]
    mine.tables.add(source=mine["A1:A2"], name="tblMine")
    before = snapshot(book)
    live = LiveBook(book)
    sheets = describe(read_plan_decomposed(live), read_plan(live).settings)
    with pytest.raises(PlanError) as live_error:
        live.write_sheets(sheets)
    book.save()
    with pytest.raises(PlanError) as file_error:
        FileBook(plan).check_not_input(sheets)
    assert live_error.value.problems == file_error.value.problems
    (problem,) = live_error.value.problems
    assert problem.sheet == "Targets" and "holds your table tblMine" in problem.message
    said = Recorder()
    buttons.decompose(book, alert=said.alert)
    assert (
        said.alerts[0][2] == "critical"
        and "Targets!A1: this sheet holds your table tblMine" in said.alerts[0][0]
    )
    assert snapshot(book) == before


def read_plan_decomposed(live):
    return decompose(read_plan(live))


def test_a_user_table_with_an_output_table_name_is_refused(plan, engine):
    book = xw.Book(plan)
    mine = book.sheets.add("Mine", after=book.sheets[-1])
    mine["A1"].value = [["RepID"], ["S001"]]
    mine.tables.add(source=mine["A1:A2"], name="tblTargets")
    before = snapshot(book)
    said = Recorder()
    buttons.decompose(book, alert=said.alert)
    assert (
        'Mine: a table named tblTargets already exists — rename the table on sheet "Mine"'
        in said.alerts[0][0]
    )
    assert snapshot(book) == before


# ---------------------------------------------------------------------------------------
# Recalibrate from the selected row of Targets.


def select_rep(book, rep_id: str) -> None:
    targets = book.sheets["Targets"]
    table = targets.tables["tblTargets"]
    ids = table.data_body_range.columns[0].value
    row = table.data_body_range.row + ids.index(rep_id)
    targets.activate()
    targets.range((row, 4)).select()


def test_recalibrate_from_the_selected_row_appends_to_the_change_log_like_the_cli(
    plan, tmp_path, engine
):
    cli = tmp_path / "cli.xlsx"
    example_plan(plan, "en", "decompose", "track")  # the example after the two commands
    cli.write_bytes(plan.read_bytes())
    first = int(
        read_plan_decomposed(FileBook(plan)).targets.set_index("rep_id").at["S003", "target"]
    )
    target = first + 50_000 - first % 1000

    book = xw.Book(plan)
    select_rep(book, "S003")
    said = Recorder([f"{target:,}", "key account won", "Wang"])
    buttons.recalibrate(book, alert=said.alert, prompt=said.prompt, now=NOW)
    assert said.questions[0].startswith("New target for S003 ")
    (message, _, mode) = said.alerts[0]
    assert mode == "info", message
    assert f"S003: {first:,} → {target:,}" in message

    # a second change grows tblChangeLog (A1:I2, filled now) by a row, through Table.resize
    select_rep(book, "S003")
    said = Recorder([str(first), "back to plan", ""])
    buttons.recalibrate(book, alert=said.alert, prompt=said.prompt, now=NOW)
    assert said.alerts[0][2] == "info", said.alerts[0][0]
    book.save()

    run_recalibrate(cli, Request("rep", "S003", target, "key account won", "Wang"), now=NOW)
    run_recalibrate(cli, Request("rep", "S003", first, "back to plan", ""), now=NOW)
    a, b = openpyxl.load_workbook(cli), openpyxl.load_workbook(plan)
    for name in (*OUTPUT_SHEETS, "ChangeLog", "Settings"):
        assert same_cells(a[name], b[name]) == [], name
        assert tables(a[name]) == tables(b[name]), name
    assert tables(b["ChangeLog"])["tblChangeLog"][0] == "A1:I3"
    log = [[c.value for c in row] for row in b["ChangeLog"].iter_rows(min_row=2)]
    assert log[0] == [NOW.strftime("%Y-%m-%d %H:%M:%S"), "S003", "Target", first, target, "key account won", "Wang", 2, 7]  # fmt: skip
    assert log[1][1:6] + log[1][7:] == ["S003", "Target", target, first, "back to plan", 3, 7]
    locale = read_plan(FileBook(plan)).settings.locale
    assert without_unit(b["Targets"]["H2"].value) == label("original_target", locale)


def test_a_refused_recalibration_names_the_question_in_the_plans_locale(plan, tmp_path, engine):
    zh = make_example(tmp_path / "zh", "zh-CN").rename(
        tmp_path / "计划.xlsx"
    )  # Excel: one plan.xlsx
    for path, words in ((plan, ENGLISH_WORDS), (zh, CHINESE_WORDS)):
        book = xw.Book(path)
        buttons.decompose(book, alert=Recorder().alert)
        select_rep(book, "S001")
        first = int(
            read_plan_decomposed(LiveBook(book)).targets.set_index("rep_id").at["S001", "target"]
        )
        before = snapshot(book)
        said = Recorder(["12O万", str(first * 2), "won a key account", ""])
        buttons.recalibrate(book, alert=said.alert, prompt=said.prompt, now=NOW)
        buttons.recalibrate(book, alert=said.alert, prompt=said.prompt, now=NOW)
        assert said.questions[0].startswith(words["ask"]) and f"{first:,}" in said.questions[0]
        (typo, _, _), (refused, title, mode) = said.alerts
        assert words["typo"] in typo
        assert title == words["title"] and mode == "critical"
        assert refused.startswith(words["problems"])
        assert words["refused"].format(target=first * 2, first=first) in refused
        assert snapshot(book) == before


def test_track_asks_for_the_week_with_the_latest_week_most_reps_have_reported_filled_in(
    plan, tmp_path, engine
):
    cli = tmp_path / "cli.xlsx"
    example_plan(plan, "en", "decompose")  # the example after `salesplan decompose`
    cli.write_bytes(plan.read_bytes())
    book = xw.Book(plan)
    said = Recorder(["4"])
    buttons.track(book, alert=said.alert, prompt=said.prompt)
    # every rep of the example has reported weeks 1–6
    assert said.questions == [
        "Week to track, 1 to 13 (the latest week most reps have reported is 6):"
    ]
    assert said.defaults == ["6"]
    (message, title, mode) = said.alerts[0]
    assert (title, mode) == ("salesplan — Track", "info")
    assert message.splitlines()[0].startswith("Tracked plan.xlsx at week 4 in ")
    book.save()
    assert main(["track", str(cli), "--week", "4"]) == 0
    a, b = openpyxl.load_workbook(cli), openpyxl.load_workbook(plan)
    for name in ("Tracking", "Commission", "Dashboard"):
        assert same_cells(a[name], b[name]) == [], name


def test_a_week_typed_outside_the_period_is_refused_in_the_plans_locale(plan, tmp_path, engine):
    zh = make_example(tmp_path / "zh", "zh-CN").rename(tmp_path / "计划.xlsx")
    for path, words in ((plan, ENGLISH_WEEK), (zh, CHINESE_WEEK)):
        book = xw.Book(path)
        buttons.decompose(book, alert=Recorder().alert)
        before = snapshot(book)
        said = Recorder(["14", None])
        buttons.track(book, alert=said.alert, prompt=said.prompt)
        (refused, title, mode) = said.alerts[0]
        assert (title, mode) == (words["title"], "critical")
        assert refused.splitlines() == [words["problems"], "", words["week"]]
        buttons.track(book, alert=said.alert, prompt=said.prompt)  # cancelled: nothing said
        assert len(said.alerts) == 1
        assert snapshot(book) == before


ENGLISH_WEEK = {
    "title": "salesplan — Track",
    "problems": "1 problem in the input; nothing was changed.",
    "week": "Week to track: “14” is not a week of the period (1 to 13) — give a whole week "
    "number from 1 to 13",
}
CHINESE_WEEK = {
    "title": "salesplan — 跟踪",
    "problems": "输入中有 1 个问题；未做任何改动。",
    "week": "跟踪周次: “14”不是考核期内的周次（第 1 至 13 周） — 请输入 1 至 13 之间的整数周次",
}


ENGLISH_WORDS = {
    "ask": "New target for S001 ",
    "typo": "“12O万” is not a whole amount in yuan",
    "title": "salesplan — Recalibrate",
    "problems": "1 problem in the input; nothing was changed.",
    "field": "New target",
    "refused": "New target: S001's target {target:,} is 100.0 % from its original {first:,}, "
    "beyond RecalibrationCap 20 % (default) — choose a target from ",
}
CHINESE_WORDS = {
    "ask": "S001 ",
    "typo": "“12O万”不是以元为单位的整数金额",
    "title": "salesplan — 调整目标",
    "problems": "输入中有 1 个问题；未做任何改动。",
    "field": "新目标",
    "refused": "新目标: S001的目标 {target:,} 偏离原目标 {first:,} 达 100.0 %，超出 "
    "RecalibrationCap 20 %（默认值） — 请选择 ",
}


def test_a_selected_region_row_recalibrates_the_region_like_the_cli(plan, tmp_path, engine):
    example_plan(plan, "en", "decompose")  # the example after `salesplan decompose`
    cli = tmp_path / "cli.xlsx"
    cli.write_bytes(plan.read_bytes())
    regions = decompose(read_plan(FileBook(plan))).regions.set_index("region")
    region = regions.index[1]
    first = int(regions.at[region, "target"])
    target = (first * 110 // 100) // 1000 * 1000  # +10 %: beyond FlexReserve, needs an approver

    book = xw.Book(plan)
    sheet = book.sheets["Targets"]
    table = sheet.tables["tblRegionTargets"]
    names = table.data_body_range.columns[0].value
    sheet.activate()
    column = table.data_body_range.column + 2  # tblRegionTargets stands beside tblTargets
    sheet.range((table.data_body_range.row + names.index(region), column)).select()
    said = Recorder([str(target), "new key account", "Wang"])
    buttons.recalibrate(book, alert=said.alert, prompt=said.prompt, now=NOW)
    assert said.questions[0] == f"New target for region {region} (now {first:,}):"
    (message, title, mode) = said.alerts[0]
    assert mode == "info" and title == "salesplan — Recalibrate", message
    book.save()

    change = Request("region", region, target, "new key account", "Wang")
    run_recalibrate(cli, change, now=NOW)
    a, b = openpyxl.load_workbook(cli), openpyxl.load_workbook(plan)
    for name in ("Targets", "ChangeLog", "Settings"):
        assert same_cells(a[name], b[name]) == [], name
    log = [[c.value for c in row] for row in b["ChangeLog"].iter_rows(min_row=2)]
    moved = decompose(read_plan(FileBook(plan))).regions.set_index("region")
    assert int(moved.at[region, "target"]) == target
    assert {row[1] for row in log} == set(
        read_plan(FileBook(plan)).reps.query("region == @region")["rep_id"]
    ) - {None}


def test_recalibrate_needs_a_selected_targets_row(plan, engine):
    book = xw.Book(plan)
    said = Recorder()
    buttons.recalibrate(book, alert=said.alert, prompt=said.prompt)
    assert said.alerts == [
        (
            "There is no tblTargets table yet: press Decompose first.",
            "salesplan — Recalibrate",
            "critical",
        )
    ]
    buttons.decompose(book, alert=said.alert)
    book.sheets["Reps"].activate()
    book.sheets["Reps"]["A3"].select()
    buttons.recalibrate(book, alert=said.alert, prompt=said.prompt)
    assert said.alerts[-1][0].startswith("Select a rep's row (tblTargets) or a region's row")
    targets = book.sheets["Targets"]
    targets.activate()
    targets.range((3, 1), (4, 1)).select()  # two reps
    buttons.recalibrate(book, alert=said.alert, prompt=said.prompt)
    assert said.alerts[-1][0] == "Select one row only, then press Recalibrate."
    regions = targets.tables["tblRegionTargets"].range
    targets.range((regions.row - 2, 1)).select()  # the blank row between the two tables
    buttons.recalibrate(book, alert=said.alert, prompt=said.prompt)
    assert said.alerts[-1][0].startswith("Select a rep's row (tblTargets) or a region's row")
    assert said.questions == []


def test_a_cancelled_recalibration_changes_nothing(plan, engine):
    book = xw.Book(plan)
    buttons.decompose(book, alert=Recorder().alert)
    select_rep(book, "S001")
    before = snapshot(book)
    said = Recorder(["1200000", None])  # cancels at the reason
    buttons.recalibrate(book, alert=said.alert, prompt=said.prompt)
    assert said.alerts == [] and len(said.questions) == 2
    assert snapshot(book) == before


def test_a_full_row_below_a_table_stops_recalibrate_before_anything_is_written(plan, engine):
    """The Version goes into a new row of tblSettings (A1:C15, PlanID last), where the user
    wrote a note."""
    book = xw.Book(plan)
    buttons.decompose(book, alert=Recorder().alert)
    book.sheets["Settings"]["A16"].value = "my note"
    select_rep(book, "S001")
    first = int(
        read_plan_decomposed(LiveBook(book)).targets.set_index("rep_id").at["S001", "target"]
    )
    before = snapshot(book)
    said = Recorder([str(first + 10_000), "test", ""])
    buttons.recalibrate(book, alert=said.alert, prompt=said.prompt, now=NOW)
    (message, _, mode) = said.alerts[0]
    assert mode == "critical"
    assert (
        "Settings!A16: salesplan appends rows to tblSettings but row 16 below it is not empty"
        in message
    )
    assert snapshot(book) == before


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_recalibrate_adds_the_change_log_a_plan_lacks_like_the_cli(tmp_path, engine, locale):
    """A plan not made by init, without tblChangeLog: the button adds the ChangeLog sheet and
    table as the CLI does (and as init lays it out), and says so in the plan's language."""
    plan = make_example(tmp_path, locale)
    wb = openpyxl.load_workbook(plan)
    del wb["ChangeLog"]
    wb.save(plan)
    assert main(["decompose", str(plan)]) == 0
    cli = tmp_path / "cli.xlsx"
    cli.write_bytes(plan.read_bytes())
    user = {n: cells(wb[n]) for n in wb.sheetnames if n not in (*OUTPUT_SHEETS, "Settings")}
    first = int(
        read_plan_decomposed(FileBook(plan)).targets.set_index("rep_id").at["S001", "target"]
    )
    target = first - 99_000

    book = xw.Book(plan)
    select_rep(book, "S001")
    said = Recorder([str(target), "=lost key account", ""])
    buttons.recalibrate(book, alert=said.alert, prompt=said.prompt, now=NOW)
    (message, _, mode) = said.alerts[0]
    assert mode == "info", message
    assert CREATED[locale] in message.splitlines()
    book.save()

    run_recalibrate(cli, Request("rep", "S001", target, "=lost key account", ""), now=NOW)
    a, b = openpyxl.load_workbook(cli), openpyxl.load_workbook(plan)
    assert a.sheetnames == b.sheetnames
    assert b.sheetnames.index("ChangeLog") == b.sheetnames.index("Reconciliation") + 1
    for name in ("ChangeLog", "Settings", "Targets"):
        assert same_cells(a[name], b[name]) == [], name
        assert tables(a[name]) == tables(b[name]), name
    assert widths(a["ChangeLog"], padded=True) == widths(b["ChangeLog"], padded=False)
    assert a["ChangeLog"].freeze_panes == b["ChangeLog"].freeze_panes == "A2"
    fills = [colour(c.fill.fgColor) for c in b["ChangeLog"][2]]
    assert fills == [colour(c.fill.fgColor) for c in a["ChangeLog"][2]] == ["FFF2CC"] * 9
    ref, columns, style, _, _ = tables(b["ChangeLog"])["tblChangeLog"]
    assert (ref, style) == ("A1:I2", "TableStyleLight9")
    assert columns == CHANGE_LOG_HEADERS[locale]
    row = [c.value for c in b["ChangeLog"][2]]
    assert row == ["2026-10-20 09:30:00", "S001", "Target", first, target, "=lost key account", None, 2, 7]  # fmt: skip
    assert b["ChangeLog"]["F2"].data_type == "s"  # text, never a formula
    assert {n: cells(b[n]) for n in user} == user  # the user's sheets as they were


CREATED = {
    "en": "  created sheet ChangeLog with table tblChangeLog, where every recalibration is recorded",
    "zh-CN": "  已新建工作表 ChangeLog 及表 tblChangeLog，用于记录每次目标调整",
}


def test_track_refuses_rates_on_a_sheet_named_commission_in_the_plans_language(tmp_path, engine):
    plan = make_example(tmp_path, "zh-CN")
    wb = openpyxl.load_workbook(plan)
    wb["Rates"].title = "Commission"
    wb.save(plan)
    book = xw.Book(plan)
    before = snapshot(book)
    said = Recorder()  # refused before the week is asked: no answer is given
    buttons.track(book, alert=said.alert, prompt=said.prompt)
    assert said.questions == []
    assert said.alerts == [
        (
            "输入中有 1 个问题；未做任何改动。\n\nCommission!A1: 此工作表中有您的表 tblCommission；"
            "salesplan 要在此写入 Commission 工作表，不会覆盖它 — 请将 tblCommission 移到名为 "
            "Rates 的工作表（按表名查找表格），或将此工作表改名",
            "salesplan — 跟踪",
            "critical",
        )
    ]
    assert snapshot(book) == before


def test_track_says_a_bad_actuals_row_at_its_cell_in_the_plans_language(tmp_path, engine):
    plan = make_example(tmp_path, "zh-CN")
    wb = openpyxl.load_workbook(plan)
    wb["Actuals"]["A3"] = 14  # a week after the 13 of the period
    wb.save(plan)
    book = xw.Book(plan)
    before = snapshot(book)
    said = Recorder([Recorder.ENTER])
    buttons.track(book, alert=said.alert, prompt=said.prompt)
    assert said.alerts == [
        (
            "输入中有 1 个问题；未做任何改动。\n\nActuals!A3: 第 14 周不在考核期内（第 1 至 13 周）"
            " — 请填写考核期内的周次，1 至 13",
            "salesplan — 跟踪",
            "critical",
        )
    ]
    assert snapshot(book) == before


# ---------------------------------------------------------------------------------------
# Issue workbooks and Send.


def test_issue_workbooks_writes_into_a_folder_beside_the_plan(plan, engine):
    book = xw.Book(plan)
    said = Recorder()
    buttons.issue_workbooks(book, alert=said.alert)
    folder = plan.with_name("plan workbooks")
    (message, _, mode) = said.alerts[0]
    assert mode == "info" and message.startswith(
        "Issued 24 responsibility workbooks and 4 region roll-ups"
    )
    assert (folder / "manifest.csv").exists()
    assert len(list(folder.glob("S0*.xlsx"))) == 24


def test_issue_and_send_report_in_the_plans_locale(tmp_path, engine, monkeypatch):
    for name in [k for k in os.environ if k.startswith("SALESPLAN_")]:
        monkeypatch.delenv(name)  # no SMTP: the messages go to the outbox
    zh = make_example(tmp_path / "zh", "zh-CN").rename(tmp_path / "计划.xlsx")
    book = xw.Book(zh)
    said = Recorder()
    buttons.issue_workbooks(book, alert=said.alert)
    buttons.send(book, alert=said.alert)
    (issued, title, _), (sent, send_title, mode) = said.alerts
    folder = tmp_path / "计划 workbooks"
    assert issued.startswith(f"已生成 24 份目标责任书和 4 份区域汇总，保存在 {folder}")
    assert (title, send_title, mode) == ("salesplan — 生成责任书", "salesplan — 发送", "info")
    lines = sent.splitlines()
    assert lines[0] == f"已写入发件箱 {folder / 'outbox'}："
    assert lines[1].split() == ["已发送", "28"]
    assert len(list((folder / "outbox").glob("*.eml"))) == 28


def finished(folder: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while background.running(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert background.running(folder) is None, "the background send did not finish"


def test_send_through_a_server_runs_in_the_background_and_excel_is_free(
    plan, english_issued, tmp_path, engine, monkeypatch
):
    folder = issued_beside(plan, english_issued)
    everyone = {r.email for r in read_manifest(folder)}
    unknown = sorted(everyone)[0]
    with mail_server(tmp_path, refuse={unknown}) as server:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        said = Recorder()
        book = xw.Book(plan)
        # 600 a minute: the 28 messages take about 3 s, so the button sees the process start
        buttons.send(book, alert=said.alert, rate=600)
        (started, title, mode) = said.alerts[0]
        assert (title, mode) == ("salesplan — Send", "info")
        assert started.startswith("Sending 28 messages in the background, about 1 min at 600 a")
        finished(folder)
        assert server.mailbox.count_by_recipient() == Counter({e: 1 for e in everyone - {unknown}})
        report = (folder / background.REPORT).read_text(encoding="utf-8").splitlines()
        assert report[0] == f"Sent to 127.0.0.1:{server.port} (starttls):"
        (refusal,) = [line for line in report if "User unknown" in line]
        assert unknown in refusal

        # pressed again: the last report first, then the one refused message goes again (one
        # message may be sent before the button sees the process start: then its report follows)
        buttons.send(book, alert=said.alert, rate=6000)
        again = said.alerts[-1][0].splitlines()
        assert again[:2] == ["The last send said:", report[0]] and refusal in again
        assert again[-1].startswith("Sending 1 message in the background") or (
            again.count(refusal) == 2
        ), again
        finished(folder)
        assert sum(server.mailbox.count_by_recipient().values()) == 27  # nothing sent twice


def test_a_wrong_password_is_said_in_the_button_and_nothing_starts(
    plan, english_issued, tmp_path, engine, monkeypatch
):
    folder = issued_beside(plan, english_issued)
    with mail_server(tmp_path) as server:
        for name, value in (server.env | {"SALESPLAN_SMTP_PASSWORD": "not-it"}).items():
            monkeypatch.setenv(name, value)
        said = Recorder()
        buttons.send(xw.Book(plan), alert=said.alert)
        (message, _, mode) = said.alerts[0]
        assert mode == "critical"
        assert f"SMTP: the server 127.0.0.1:{server.port} (starttls) refused the login" in message
        assert "not-it" not in message
        assert server.mailbox.received == []
    assert not (folder / background.REPORT).exists() and background.running(folder) is None


def test_send_pressed_while_a_send_runs_says_how_far_it_is(
    plan, english_issued, engine, monkeypatch
):
    folder = issued_beside(plan, english_issued)
    # a server is set up, so the mailing would go to the background
    monkeypatch.setenv("SALESPLAN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SALESPLAN_MAIL_FROM", "sales.ops@example.com")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(folder / LOCK)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        said = Recorder()
        buttons.send(xw.Book(plan), alert=said.alert)
    finally:
        holder.kill()
        holder.wait()
    (message, _, mode) = said.alerts[0]
    assert mode == "info", message
    assert message.startswith(f"Sending in the background (process {holder.pid} since ")
    assert "): 0 sent, 28 still to send." in message
    assert not (folder / "outbox").exists() and not (folder / background.REPORT).exists()


def test_collect_merges_the_returned_workbooks_as_the_command_does(
    plan, english_issued, engine, tmp_path
):
    """The Collect button asks for the folder (the one the workbooks were issued into filled
    in) and writes into the open workbook what `salesplan collect` writes into the file."""
    import io

    from tests.e2e.test_collect import rep_file, type_into

    folder = issued_beside(plan, english_issued)
    type_into(rep_file(folder, "S002"), {7: (1234.5, 3, 2, 1, 0)}, dt.date(2026, 10, 7))
    type_into(rep_file(folder, "S003"), {3: (1.0, None, None, None, None)})  # a conflict
    cli = tmp_path / "cli.xlsx"
    cli.write_bytes(plan.read_bytes())

    book = xw.Book(plan)
    said = Recorder([Recorder.ENTER])
    buttons.collect(book, alert=said.alert, prompt=said.prompt, now=NOW)
    assert said.questions == ["Folder of the returned workbooks:"]
    assert said.defaults == [str(folder)]
    (message, title, mode) = said.alerts[0]
    assert (title, mode) == ("salesplan — Collect", "info"), message
    assert "  S002: weeks read 7, rows added 1, conflicts 0" in message
    assert "the plan's value kept" in message and "--prefer" not in message
    book.save()

    assert run_collect(folder, cli, now=NOW, out=io.StringIO()) == 0
    a, b = openpyxl.load_workbook(cli), openpyxl.load_workbook(plan)
    for name in ("Actuals", "SignOffs"):
        assert same_cells(a[name], b[name]) == [], name
        assert tables(a[name]) == tables(b[name]), name


def test_collect_from_a_folder_that_is_not_one_says_so(plan, engine, tmp_path):
    book = xw.Book(plan)
    said = Recorder([str(tmp_path / "nowhere")])
    buttons.collect(book, alert=said.alert, prompt=said.prompt)
    (message, _, mode) = said.alerts[0]
    assert mode == "critical" and message.endswith("is not a folder; nothing was changed.")


def test_send_before_issue_says_what_to_press(plan, engine):
    said = Recorder()
    buttons.send(xw.Book(plan), alert=said.alert)
    (message, title, mode) = said.alerts[0]
    assert (title, mode) == ("salesplan — Send", "critical")
    folder = plan.with_name("plan workbooks")
    assert message == f"There are no issued workbooks in {folder}. Press Issue workbooks first."
    assert not folder.exists()


# ---------------------------------------------------------------------------------------
# The way Excel calls them, and what xlwings' desktop engines lack.


def test_without_a_book_the_buttons_run_on_the_calling_workbook(plan, engine):
    book = xw.Book(plan)
    book.set_mock_caller()
    buttons.decompose()
    (alert,) = engine.apps._apps[0].alerts
    assert alert["mode"] == "info" and alert["prompt"].startswith("Decomposed plan.xlsx")
    assert "Targets" in book.sheet_names


def test_frozen_panes_are_skipped_where_the_engine_has_none(plan, engine, monkeypatch):
    """xlwings 0.37.8's Windows and macOS engines do not implement Sheet.freeze_panes."""

    def missing(self):
        raise NotImplementedError()

    monkeypatch.setattr(engine_module.Sheet, "freeze_panes", property(missing))
    book = xw.Book(plan)
    said = Recorder()
    buttons.decompose(book, alert=said.alert)
    assert said.alerts[0][2] == "info"
    assert book.api["Targets"].freeze_panes is None
    assert book.sheets["Targets"].tables["tblTargets"].range.address == "$A$2:$S$26"


def test_print_setup_and_bar_colours_are_skipped_where_api_is_not_excels_com(
    plan, engine, monkeypatch
):
    """On macOS xlwings' `.api` is AppleScript, with none of COM's names: the sheets are
    written all the same, with their print areas, without the extras COM sets."""

    def applescript(self):
        return object()  # no PageSetup, no Points

    monkeypatch.setattr(engine_module.Sheet, "api", property(applescript))
    monkeypatch.setattr(engine_module.SeriesImpl, "api", property(applescript))
    book = xw.Book(plan)
    said = Recorder()
    buttons.decompose(book, alert=said.alert)
    buttons.track(book, alert=said.alert, prompt=Recorder([Recorder.ENTER]).prompt)
    assert [mode for _, _, mode in said.alerts] == ["info", "info"]
    targets = book.api["Targets"]
    assert targets.print_area.startswith("'Targets'!$A$1:$S$26,")
    assert targets.print_title_rows is None and targets.page_setup.orientation is None
    assert len(book.sheets["Dashboard"].charts) > 0
    book.save()
    assert bar_colours(plan, "Dashboard")[0] == [[]]


def test_a_rerun_replaces_the_sheets_in_place(plan, engine):
    book = xw.Book(plan)
    buttons.decompose(book, alert=Recorder().alert)
    buttons.track(book, alert=Recorder().alert, prompt=Recorder([Recorder.ENTER]).prompt)
    first = snapshot(book)
    order = book.sheet_names
    buttons.decompose(book, alert=Recorder().alert)
    buttons.track(book, alert=Recorder().alert, prompt=Recorder([""]).prompt)  # blank: the same
    assert book.sheet_names == order
    assert snapshot(book) == first
    assert len(book.sheets["Dashboard"].charts) == first["Dashboard"][3] > 0


# ---------------------------------------------------------------------------------------
# The test engine itself: xlwings' converters over it behave as over Excel.


def test_the_engine_runs_xlwings_converters_as_excel_would(tmp_path, engine):
    book = xw.Book()
    sheet = book.sheets[0]
    frame = pd.DataFrame({"rep": ["S001", "S002"], "target": [1200000, 950000.5]})
    sheet["A1"].options(index=False).value = frame
    back = sheet["A1:B3"].options(pd.DataFrame, index=False).value
    pd.testing.assert_frame_equal(back, frame.astype({"target": float}))
    assert sheet["A1"].options(ndim=2).value == [["rep"]]
    assert sheet["A2:A3"].value == ["S001", "S002"]
    sheet["D1"].value = [["'=1+1", "=1+1", "2026-07", "'2026-07", "007", "'007"]]
    ws = book.api.active
    assert [ws.cell(1, c).data_type for c in range(4, 10)] == ["s", "f", "d", "s", "n", "s"]
    assert sheet["F1"].value == dt.datetime(2026, 7, 1) and sheet["H1"].value == 7.0
    assert [sheet["D1"].value, sheet["G1"].value, sheet["I1"].value] == ["=1+1", "2026-07", "007"]
    assert sheet["E1"].value == "=1+1"  # this engine does not compute formulas
    new = book.sheets.add("Added")
    assert book.sheets.active == new and book.sheet_names == ["Added", "Sheet"]
    with pytest.raises(RuntimeError, match="Select method"):
        sheet["A1"].select()
    book.save(tmp_path / "made.xlsx")
    assert openpyxl.load_workbook(tmp_path / "made.xlsx")["Sheet"]["B3"].value == 950000.5


def test_product_code_never_imports_the_test_engine():
    root = Path(__file__).resolve().parents[2]
    for folder in ("engine", "xl_addin"):
        for source in (root / folder).rglob("*.py"):
            assert "xlwings_openpyxl" not in source.read_text(encoding="utf-8"), source


def test_the_live_book_reads_a_source_beside_the_open_plan(plan, engine):
    """tblSources' paths are relative to the plan wherever it is open: a CSV beside it gives
    the live book the history the file path reads."""
    import csv

    import openpyxl

    wb = openpyxl.load_workbook(plan)
    ws = wb["SalesHistory"]
    rows = [[c.value for c in r] for r in ws[ws.tables["tblHistory"].ref]]
    with open(plan.with_name("history.csv"), "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(rows[0])
        out.writerows([[f"{r[0]:%Y-%m-%d}", repr(r[1]), *r[2:]] for r in rows[1:]])
    for j, v in enumerate(["tblHistory", "history.csv"], start=1):
        wb["Sources"].cell(2, j).value = v
    wb.save(plan)
    expected = read_plan(FileBook(plan))
    got = read_plan(LiveBook(xw.Book(plan)))
    assert got.history["_rows"].sum() == len(rows) - 1
    pd.testing.assert_frame_equal(got.history, expected.history)
    assert got.notes == expected.notes
