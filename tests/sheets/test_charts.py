"""Native charts on an output sheet, spliced into the user's workbook beside the user's own charts.

Every workbook here is built by a fixture (XlsxWriter or openpyxl); nothing binary is stored.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from openpyxl.chart import BarChart, Reference

from tests.libreoffice import convert
from tests.workbook.test_splice import members, owned, rels, sheet_parts
from xl_addin.sheets.description import Block, Chart, Col, OutputSheet, Series
from xl_addin.sheets.render import render
from xl_addin.workbook.splice import replace_sheets, splice

TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
MONEY = "#,##0"

# ---------------------------------------------------------------------------------------
# What salesplan writes: a Dashboard with a weekly block and a status-count block, a line
# chart over the first and a column chart over the second.

WEEKS = 13
WEEKLY = pd.DataFrame(
    {
        "week": [f"W{k:02d}" for k in range(1, WEEKS + 1)],
        "plan": [10000 * k for k in range(1, WEEKS + 1)],
        "actual": [9000 * k if k <= 8 else None for k in range(1, WEEKS + 1)],
    }
)
STATUS = pd.DataFrame({"status": ["GREEN", "AMBER", "RED"], "reps": [5, 3, 2]})

PACE = Chart(
    "line",
    "Plan and actual to date",
    (
        Series("Plan", "tblWeekly", "plan", "week", "#1F4E78"),
        Series("Actual", "tblWeekly", "actual", "week", "#C00000"),
    ),
    y_format=MONEY,
)
COUNTS = Chart("column", "Reps by status", (Series("Reps", "tblStatus", "reps", "status"),))


def dashboard(charts: tuple[Chart, ...] = (PACE, COUNTS)) -> OutputSheet:
    weekly = Block(
        "tblWeekly",
        (Col("week", "Week"), Col("plan", "Plan", MONEY), Col("actual", "Actual", MONEY)),
        WEEKLY,
        title="Weekly pace",
    )
    status = Block("tblStatus", (Col("status", "Status"), Col("reps", "Reps", "0")), STATUS)
    return OutputSheet("Dashboard", "Dashboard", (weekly, status), charts=charts)


# Where the data lands, by hand (1-based rows): tblWeekly's title is row 1, its header row 2,
# its 13 weeks rows 3–15; a blank row 16; tblStatus's header is row 17, its 3 rows 18–20.
# Series as (legend, categories, values), each a (sheet, range) pair.
EXPECTED_SERIES = {
    "Plan and actual to date": [
        ("Plan", ("Dashboard", "$A$3:$A$15"), ("Dashboard", "$B$3:$B$15")),
        ("Actual", ("Dashboard", "$A$3:$A$15"), ("Dashboard", "$C$3:$C$15")),
    ],
    "Reps by status": [("Reps", ("Dashboard", "$A$18:$A$20"), ("Dashboard", "$B$18:$B$20"))],
}
# Stacked right of the widest block (tblWeekly, columns A–C) after a one-column gap: column E
# (index 4); the second 320 px chart starts 320 / 20 = 16 rows lower, plus a row between.
EXPECTED_ANCHORS = [(0, 4), (17, 4)]


# ---------------------------------------------------------------------------------------
# The user's workbooks, each with a chart of the user's own.


def xlsxwriter_book(path: Path) -> Path:
    wb = xlsxwriter.Workbook(path)
    wb.set_properties({"created": dt.datetime(2026, 1, 5)})
    inputs = wb.add_worksheet("Inputs")
    inputs.write_row(0, 0, ["Region", "Amount"])
    for i, (region, amount) in enumerate([("North", 10), ("South", 20), ("West", 30)], start=1):
        inputs.write_row(i, 0, [region, amount])
    chart = wb.add_chart({"type": "pie"})
    chart.add_series({"values": "=Inputs!$B$2:$B$4", "categories": "=Inputs!$A$2:$A$4"})
    chart.set_title({"name": "My regions"})
    inputs.insert_chart("D2", chart)
    wb.add_worksheet("Notes").write_string("A1", "my own notes — 我的备注")
    wb.close()
    return path


def openpyxl_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Inputs"
    for row in (["Region", "Amount"], ["North", 10], ["South", 20], ["West", 30]):
        ws.append(row)
    chart = BarChart()
    chart.title = "My regions"
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=4))
    ws.add_chart(chart, "D2")
    wb.create_sheet("Notes")["A1"] = "my own notes — 我的备注"
    wb.save(path)
    return path


BUILDERS = {"xlsxwriter": xlsxwriter_book, "openpyxl": openpyxl_book}
KINDS = list(BUILDERS)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, list[Path]]:
    """Per kind of workbook: the original, then the file after each of three runs."""
    out = {}
    for kind, build in BUILDERS.items():
        folder = tmp_path_factory.mktemp(f"charts_{kind}")
        path = build(folder / "plan.xlsx")
        versions = [Path(shutil.copy(path, folder / "original.xlsx"))]
        for run in (1, 2, 3):
            replace_sheets(path, [dashboard()])
            versions.append(Path(shutil.copy(path, folder / f"run{run}.xlsx")))
        out[kind] = versions
    return out


# ---------------------------------------------------------------------------------------
# Reading drawings and charts (trusted files: the standard library parser is fine).


def drawing_of(parts: dict[str, bytes], sheet: str) -> str:
    (drawing,) = [
        t for kind, t in rels(parts, sheet_parts(parts)[sheet]).values() if kind == "drawing"
    ]
    return drawing


def charts_of(parts: dict[str, bytes], drawing: str) -> list[tuple[tuple[int, int], str]]:
    """((row, col) of the top-left anchor, chart part) of each chart in a drawing, in order."""
    targets = rels(parts, drawing)
    out = []
    for anchor in ET.fromstring(parts[drawing]):
        chart = anchor.find(f".//{{{C}}}chart")
        if chart is not None:
            start = anchor.find(f"{{{XDR}}}from")
            row, col = (int(start.find(f"{{{XDR}}}{k}").text) for k in ("row", "col"))
            out.append(((row, col), targets[chart.get(f"{{{DOC_RELS}}}id")][1]))
    return out


def reference(formula: str) -> tuple[str, str]:
    """'Sheet name'!$A$1:$A$3 -> (Sheet name, $A$1:$A$3)."""
    sheet, cells = formula.rsplit("!", 1)
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cells


def series_of(chart_xml: bytes) -> tuple[str, list[tuple[str, tuple, tuple]]]:
    """The chart's title and its series as (legend text, categories, values)."""
    root = ET.fromstring(chart_xml)
    title = "".join(t.text or "" for t in root.iterfind(f"{{{C}}}chart/{{{C}}}title//{{{A}}}t"))
    series = [
        (
            s.find(f"{{{C}}}tx/{{{C}}}v").text,
            reference(s.find(f"{{{C}}}cat//{{{C}}}f").text),
            reference(s.find(f"{{{C}}}val//{{{C}}}f").text),
        )
        for s in root.iter(f"{{{C}}}ser")
    ]
    return title, series


def overrides(parts: dict[str, bytes]) -> dict[str, str]:
    root = ET.fromstring(parts["[Content_Types].xml"])
    return {
        o.get("PartName").lstrip("/"): o.get("ContentType")
        for o in root.iter(f"{{{TYPES}}}Override")
    }


def drawings_and_charts(parts: dict[str, bytes]) -> set[str]:
    return {n for n in parts if n.startswith(("xl/drawings/", "xl/charts/")) and n.endswith(".xml")}


# ---------------------------------------------------------------------------------------
# (1) The charts arrive, over the right cells, beside the user's untouched chart.


@pytest.mark.parametrize("kind", KINDS)
def test_the_users_chart_and_drawing_are_byte_identical(results, kind):
    original, *runs = results[kind]
    before = members(original)
    inputs = owned(before, sheet_parts(before)["Inputs"])
    users = {n for n in inputs if n in before and n.startswith(("xl/drawings/", "xl/charts/"))}
    assert any(n.startswith("xl/charts/") for n in users)
    for run in runs:
        after = members(run)
        for name in users:
            assert after[name] == before[name], f"{kind}: {name} changed"


@pytest.mark.parametrize("kind", KINDS)
def test_the_dashboard_has_one_drawing_with_both_charts_stacked_right_of_the_blocks(results, kind):
    parts = members(results[kind][1])
    placed = charts_of(parts, drawing_of(parts, "Dashboard"))
    assert [anchor for anchor, _ in placed] == EXPECTED_ANCHORS
    users = drawing_of(parts, "Inputs")
    assert drawing_of(parts, "Dashboard") != users
    assert not {c for _, c in placed} & {c for _, c in charts_of(parts, users)}


@pytest.mark.parametrize("kind", KINDS)
def test_each_series_points_at_its_block_on_the_dashboard(results, kind):
    parts = members(results[kind][1])
    got = dict(series_of(parts[c]) for _, c in charts_of(parts, drawing_of(parts, "Dashboard")))
    assert got == EXPECTED_SERIES


@pytest.mark.parametrize("kind", KINDS)
def test_content_types_list_every_new_part(results, kind):
    original, once = results[kind][:2]
    before, parts = members(original), members(once)
    types = overrides(parts)
    drawing = drawing_of(parts, "Dashboard")
    assert types[drawing] == CT_DRAWING
    for _, chart in charts_of(parts, drawing):
        assert types[chart] == CT_CHART
    assert set(types) <= set(parts), set(types) - set(parts)
    root = ET.fromstring(parts["[Content_Types].xml"])
    defaults = {d.get("Extension").lower() for d in root.iter(f"{{{TYPES}}}Default")}
    for name in set(parts) - set(before) - {"[Content_Types].xml"}:
        assert name in types or name.rsplit(".", 1)[-1].lower() in defaults, name


@pytest.mark.parametrize("kind", KINDS)
def test_openpyxl_reads_the_dashboard_values_under_the_charts(results, kind):
    ws = openpyxl.load_workbook(results[kind][1])["Dashboard"]
    assert [ws.cell(r, 1).value for r in (3, 15, 18, 20)] == ["W01", "W13", "GREEN", "RED"]
    assert ws["B15"].value == 130000 and ws["B20"].value == 2


# ---------------------------------------------------------------------------------------
# (2) Reruns replace the charts: no orphans, and the same bytes every time.


@pytest.mark.parametrize("kind", KINDS)
def test_reruns_leave_no_orphan_drawing_or_chart(results, kind):
    for run in results[kind][1:]:
        parts = members(run)
        reached = owned(parts, "xl/workbook.xml")
        assert drawings_and_charts(parts) <= reached, drawings_and_charts(parts) - reached
        # the user's drawing and chart, and the Dashboard's drawing and two charts
        assert len([n for n in drawings_and_charts(parts) if "/charts/" in n]) == 3
        assert len([n for n in drawings_and_charts(parts) if "/drawings/" in n]) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_a_rerun_gives_the_same_bytes(results, kind):
    _, once, twice, thrice = results[kind]
    assert members(twice) == members(thrice)
    assert twice.read_bytes() == thrice.read_bytes()
    assert once.read_bytes() == twice.read_bytes()


def test_fewer_charts_on_a_rerun_drop_the_old_ones_and_their_content_types(tmp_path):
    path = xlsxwriter_book(tmp_path / "plan.xlsx")
    replace_sheets(path, [dashboard()])
    replace_sheets(path, [dashboard((COUNTS,))])
    parts = members(path)
    placed = charts_of(parts, drawing_of(parts, "Dashboard"))
    assert [series_of(parts[c])[0] for _, c in placed] == ["Reps by status"]
    assert drawings_and_charts(parts) <= owned(parts, "xl/workbook.xml")
    assert len([n for n in drawings_and_charts(parts) if "/charts/" in n]) == 2
    assert set(overrides(parts)) <= set(parts)
    replace_sheets(path, [dashboard(())])  # no charts at all: no drawing either
    parts = members(path)
    assert "drawing" not in {
        kind for kind, _ in rels(parts, sheet_parts(parts)["Dashboard"]).values()
    }
    assert drawings_and_charts(parts) <= owned(parts, sheet_parts(parts)["Inputs"])


def test_libreoffice_opens_every_result_and_converts_it_to_pdf(results):
    files = {f"{kind}_run{k}": results[kind][k] for kind in KINDS for k in (1, 3)}
    with tempfile.TemporaryDirectory(prefix="salesplan-charts-") as tmp:
        staged = []
        for name, path in files.items():
            staged.append(Path(shutil.copy(path, Path(tmp, f"{name}.xlsx"))))
        for pdf in convert(staged, "pdf", Path(tmp, "pdf")):
            assert pdf.read_bytes().startswith(b"%PDF-"), pdf.name


# ---------------------------------------------------------------------------------------
# (3) The renderer: anchors, literal legends, determinism, and series that name nothing.


def rendered_charts(sheet: OutputSheet) -> list[tuple[tuple[int, int], bytes]]:
    with zipfile.ZipFile(io.BytesIO(render([sheet]))) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    return [(anchor, parts[c]) for anchor, c in charts_of(parts, drawing_of(parts, sheet.name))]


def test_a_chart_with_an_anchor_stays_there_and_others_stack_without_it():
    pinned = Chart("column", "Pinned", COUNTS.series, anchor=(30, 1), size=(400, 200))
    placed = rendered_charts(dashboard((PACE, pinned, COUNTS)))
    assert [anchor for anchor, _ in placed] == [(0, 4), (30, 1), (17, 4)]


def test_a_legend_that_looks_like_a_reference_is_text():
    tricky = Chart("line", "Sales!A1", (Series("North!B2", "tblWeekly", "plan", "week"),))
    ((_, chart),) = rendered_charts(dashboard((tricky,)))
    title, [(legend, _, values)] = series_of(chart)
    assert (title, legend, values) == ("Sales!A1", "North!B2", ("Dashboard", "$B$3:$B$15"))


def test_the_value_axis_gets_the_number_format():
    ((_, chart),) = rendered_charts(dashboard((PACE,)))
    axis = ET.fromstring(chart).find(f".//{{{C}}}valAx/{{{C}}}numFmt")
    assert axis.get("formatCode") == MONEY


def test_rendering_charts_is_deterministic():
    assert render([dashboard()]) == render([dashboard()])


@pytest.mark.parametrize(
    ("series", "message"),
    [
        (Series("Plan", "tblWeekly", "pln", "week"), "values column 'pln' is not in tblWeekly"),
        (Series("Plan", "tblWeekly", "plan", "wk"), "categories column 'wk' is not in tblWeekly"),
        (Series("Plan", "tblWeekley", "plan", "week"), "table tblWeekley is not a block"),
    ],
)
def test_a_series_naming_an_unknown_column_or_table_is_a_value_error(series, message):
    with pytest.raises(ValueError, match=message):
        render([dashboard((Chart("line", "Broken", (series,)),))])


def test_an_unknown_kind_of_chart_is_a_value_error():
    with pytest.raises(ValueError, match="kind 'donut'"):
        render([dashboard((Chart("donut", "Round", COUNTS.series),))])


def test_any_other_part_in_a_rendered_sheet_still_stops_the_splice(tmp_path):
    path = xlsxwriter_book(tmp_path / "plan.xlsx")
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    wb.add_worksheet("Dashboard").write_comment("A1", "a comment is not carried")
    wb.close()
    with pytest.raises(AssertionError, match="unexpected part in the rendered sheet"):
        splice(path, buffer.getvalue(), io.BytesIO())
