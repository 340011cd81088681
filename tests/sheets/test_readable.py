"""Output sheets that read well: a title row above each main table, sub-tables beside it with
widths of their own, headers aligned as their numbers, print set-up, status-coloured bars,
% KPIs as percentages. Read back from the written package with openpyxl (and LibreOffice for
the printed pages) after `init --example`, `decompose` and `track`.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from engine import decompose
from tests.examples import example_plan
from tests.libreoffice import convert
from tests.sheets.test_outputs import late_progress
from xl_addin.sheets.description import Block, Col, OutputSheet
from xl_addin.sheets.layout import place
from xl_addin.sheets.outputs import describe, describe_progress
from xl_addin.workbook.splice import replace_sheets

# Each output sheet: its main table and the title above it (the en example plans in yuan).
MAIN = {
    "Targets": ("tblTargets", "Targets by rep"),
    "Breakdown": ("tblBreakdown", "Targets by rep, product line and customer type"),
    "Phasing": ("tblPhasing", "Weekly plan (CNY)"),
    "Reconciliation": ("tblReconciliation", "Every total checked to the last unit"),
    "Tracking": ("tblTracking", "Progress by rep, to the tracked week"),
    "Commission": ("tblCommissionEarned", "Commission earned to date"),
    "Dashboard": ("tblDashboardSummary", "Team and regions against plan"),
}
PADDING = 0.7109375  # a width as stored: the characters, plus the 5 px of padding, in chars


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("readable") / "plan.xlsx"
    example_plan(path, "en", "decompose", "track")
    return path


@pytest.fixture(scope="module")
def wb(plan) -> openpyxl.Workbook:
    return openpyxl.load_workbook(plan)


def table_ref(ws, name: str) -> tuple[int, int, int, int]:
    """(first column, header row, last column, last row), 1-based."""
    return range_boundaries(ws.tables[name].ref)


def test_every_output_sheet_has_a_title_row_and_its_header_on_row_2(wb):
    for sheet, (table, title) in MAIN.items():
        ws = wb[sheet]
        assert ws["A1"].value == title and ws["A1"].font.b, sheet
        first_col, header, _, _ = table_ref(ws, table)
        assert (first_col, header) == (1, 2), sheet
        assert ws.freeze_panes.endswith("3"), sheet  # the title and header rows stay in view


def test_titles_are_in_the_plans_language():
    p, got = late_progress("zh-CN")
    sheets = {s.key: s for s in describe(decompose(p), p.settings)}
    sheets |= {s.key: s for s in describe_progress(got, p.settings)}
    assert sheets["Targets"].blocks[0].title == "分解目标"
    assert sheets["Targets"].blocks[1].title == "区域目标"
    assert sheets["Breakdown"].blocks[0].title == "目标分解：销售 × 产品线 × 客户类型"
    assert sheets["Tracking"].blocks[0].title == "进度跟踪：截至跟踪周"
    assert sheets["Commission"].blocks[0].title == "截至目前的提成"


def test_the_targets_sub_tables_stand_beside_it_with_widths_of_their_own(wb):
    ws = wb["Targets"]
    # the example's 24 reps, 14 columns (SignedOff among them, blank until a rep accepts),
    # GrossProfitTarget and MarginRate (its products have a Margin) and the 3 funnel stages of
    # the path to target: A–S, rows 3–26; one empty column (T); the 4 regions in 9 + 2 columns
    # U–AE; one empty column (AF); the team target's 7 rows (6 and the gross-profit target) in
    # AG–AI; one empty column (AJ); the 5 products in AK–AN. Every table's header on row 2,
    # its title on row 1.
    assert ws.tables["tblTargets"].ref == "A2:S26"
    assert ws.tables["tblRegionTargets"].ref == "U2:AE6"
    assert ws.tables["tblTeamTarget"].ref == "AG2:AI9"
    assert ws.tables["tblProductTargets"].ref == "AK2:AN7"
    assert (ws["U1"].value, ws["AG1"].value, ws["AK1"].value) == (
        "Targets by region",
        "The team target and how it was reached",
        "Products",
    )
    assert all(ws.cell(r, column_index_from_string("T")).value is None for r in range(1, 30))

    def width(column: str) -> float:
        return ws.column_dimensions[column].width - PADDING

    # Region columns: "Region" (6) + 2 = 8, the region names are shorter; the team target's
    # long "How it was reached" sentences stop at 60 and stay in their own column (AI), so
    # neither the reps' Region (C) nor the regions' (U) is stretched by them.
    assert width("C") == width("U") == 8
    assert width("AI") == 60
    # the regions' Weight (V) as it shows, 21.8%: the header "Weight" (6) + 2 = 8, at least
    # 11 for a number; not the 18 digits of the fraction behind it
    assert width("V") == 11


def test_headers_stand_right_over_numbers_and_left_over_text(wb):
    checked = 0
    for sheet in MAIN:
        ws = wb[sheet]
        for table in ws.tables.values():
            left, header, right, last = range_boundaries(table.ref)
            for col in range(left, right + 1):
                values = [ws.cell(r, col).value for r in range(header + 1, last + 1)]
                given = [v for v in values if v is not None]
                if not given:
                    continue
                numbers = all(isinstance(v, (int, float)) for v in given)
                texts = all(isinstance(v, str) for v in given)
                align = ws.cell(header, col).alignment.horizontal
                if numbers:
                    assert align == "right", (sheet, table.name, ws.cell(header, col).value)
                    checked += 1
                elif texts:
                    assert align == "left", (sheet, table.name, ws.cell(header, col).value)
                    checked += 1
    assert checked > 100
    assert wb["Targets"]["A2"].alignment.horizontal == "left"  # RepID
    assert wb["Targets"]["F2"].alignment.horizontal == "right"  # Floor (CNY)


def test_every_output_sheet_prints_its_tables_landscape_one_page_wide_with_its_headers(wb):
    for sheet in MAIN:
        ws = wb[sheet]
        assert ws.print_title_rows == "$1:$2", sheet
        assert ws.page_setup.orientation == "landscape", sheet
        assert ws.sheet_properties.pageSetUpPr.fitToPage, sheet
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, sheet
        # one area from row 1 per column of tables, down to its last table's last row
        groups: dict[int, tuple[int, int]] = {}
        for table in ws.tables.values():
            left, _, right, last = range_boundaries(table.ref)
            top_right, bottom = groups.get(left, (right, last))
            groups[left] = (max(right, top_right), max(last, bottom))
        areas = ws.print_area.split(",")
        expected = [
            f"'{sheet}'!${get_column_letter(left)}$1:${get_column_letter(right)}${last}"
            for left, (right, last) in sorted(groups.items())
        ]
        assert areas[: len(expected)] == expected, sheet
        assert len(areas) == len(expected) + (sheet == "Dashboard"), sheet  # + its charts
    assert wb["Targets"].print_area == (
        "'Targets'!$A$1:$S$26,'Targets'!$U$1:$AE$6,'Targets'!$AG$1:$AI$9,'Targets'!$AK$1:$AN$7"
    )


def test_history_and_actuals_print_their_header_and_first_45_rows(wb):
    for table in ("tblHistory", "tblActuals"):
        ws = next(ws for ws in wb.worksheets if table in ws.tables)
        left, header, right, last = range_boundaries(ws.tables[table].ref)
        assert (left, header) == (1, 1) and last > 46  # longer than what is printed
        assert ws.print_area == f"'{ws.title}'!$A$1:${get_column_letter(right)}$46"
        assert ws.print_title_rows == "$1:$1"
        assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_the_status_chart_colours_each_bar_as_its_cells(plan, wb):
    # the colours of the Tracking sheet's rules: no report grey, red, green, amber
    fills = [
        rule.dxf.fill.bgColor.rgb[-6:]
        for cf in wb["Tracking"].conditional_formatting
        for rule in cf.rules
    ]
    grey, red, green, amber = fills
    ws = wb["Dashboard"]
    left, header, _, last = table_ref(ws, "tblDashboardStatus")
    statuses = [ws.cell(r, left).value for r in range(header + 1, last + 1)]
    assert statuses == ["Red", "Amber", "Green", "No report"]
    with zipfile.ZipFile(plan) as z:
        charts = [z.read(n).decode() for n in z.namelist() if re.search(r"charts/chart\d+", n)]
    (bars,) = [c for c in charts if "<c:barChart>" in c]
    points = re.findall(r"<c:dPt><c:idx val=\"(\d)\"/>.*?<a:srgbClr val=\"(\w{6})\"/>", bars)
    assert points == [("0", red), ("1", amber), ("2", green), ("3", grey)]
    assert "<c:legend>" not in bars  # the categories name the bars


def test_a_percentage_kpi_shows_as_a_percentage(wb):
    ws = wb["Tracking"]
    left, header, right, last = table_ref(ws, "tblKPIScorecard")
    heads = {ws.cell(header, c).value: c for c in range(left, right + 1)}
    rows = range(header + 1, last + 1)
    retention = [r for r in rows if ws.cell(r, heads["Unit"]).value == "%"]
    customers = [r for r in rows if ws.cell(r, heads["Unit"]).value == "customers"]
    assert len(retention) == len(customers) == 24  # the example's two KPIs, for 24 reps
    for r in retention:  # goals 85 %, 90 %, 95 % typed as fractions
        goals = [ws.cell(r, heads[k]) for k in ("Floor", "Target", "Challenge")]
        assert [c.value for c in goals] == [0.85, 0.9, 0.95]
        assert {c.number_format for c in goals} == {"0.0%"}
        assert ws.cell(r, heads["TargetToDate"]).number_format == "0.0%"
    for r in customers:  # a count stays a number: 8, 10, 13 new customers
        goals = [ws.cell(r, heads[k]) for k in ("Floor", "Target", "Challenge")]
        assert [c.value for c in goals] == [8, 10, 13]
        assert {c.number_format for c in goals} == {"General"}


def test_printing_the_example_plan_takes_a_few_dozen_pages(plan, tmp_path):
    # Before: every row of two years of history and of the actuals, about 1,400 pages.
    (pdf,) = convert([plan], "pdf", tmp_path)
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert 20 <= pages <= 80, pages


# ---------------------------------------------------------------------------------------
# The user's defined names through the splice


def sheet_with_a_sub_table() -> OutputSheet:
    main_table = Block(
        "tblMain",
        (Col("rep", "Rep"), Col("amount", "Amount", "#,##0")),
        pd.DataFrame({"rep": ["A", "B", "C"], "amount": [1, 2, 3]}),
        title="Main",
    )
    side = Block(
        "tblSide",
        (Col("note", "Note"),),
        pd.DataFrame({"note": ["x"]}),
        title="Side",
        beside=True,
    )
    return OutputSheet("Targets", "Targets", (main_table, side))


def test_the_users_defined_names_are_kept_and_the_print_names_replaced(tmp_path):
    path = tmp_path / "plan.xlsx"
    user = openpyxl.Workbook()
    inputs = user.active
    inputs.title = "Inputs"
    inputs["B1"] = 0.3
    inputs.print_area = "A1:B4"
    user.defined_names["GrowthRate"] = openpyxl.workbook.defined_name.DefinedName(
        "GrowthRate", attr_text="Inputs!$B$1"
    )
    user.save(path)

    replace_sheets(path, [sheet_with_a_sub_table()])
    after = openpyxl.load_workbook(path)
    # Main in A–B (rows 1–5: title, header, 3 rows), a gap in C, Side in D (rows 1–3)
    assert after["Targets"].print_area == "'Targets'!$A$1:$B$5,'Targets'!$D$1:$D$3"
    assert after["Targets"].print_title_rows == "$1:$2"
    # a name of the user's own on the output sheet, added after the first run
    after["Targets"].defined_names["MyCell"] = openpyxl.workbook.defined_name.DefinedName(
        "MyCell", attr_text="Targets!$A$3"
    )
    after.save(path)

    replace_sheets(path, [sheet_with_a_sub_table()])
    again = openpyxl.load_workbook(path)
    assert again.defined_names["GrowthRate"].attr_text == "Inputs!$B$1"
    assert again["Inputs"].print_area == "'Inputs'!$A$1:$B$4"
    assert again["Targets"].defined_names["MyCell"].attr_text == "Targets!$A$3"
    assert again["Targets"].print_area == "'Targets'!$A$1:$B$5,'Targets'!$D$1:$D$3"
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
    assert workbook.count("_xlnm.Print_Area") == 2  # the user's Inputs and the new Targets
    assert workbook.count("_xlnm.Print_Titles") == 1


def test_a_block_under_another_stands_in_its_columns():
    frame = pd.DataFrame({"a": [1, 2]})
    blocks = (
        Block("tblOne", (Col("a", "A"),), frame, title="One"),
        Block("tblTwo", (Col("a", "A"),), frame, beside=True),
        Block("tblThree", (Col("a", "A"),), frame, under="tblOne"),
    )
    one, two, three = place(OutputSheet("S", "S", blocks))
    # One: title row 0, header 1, rows 2–3; Two beside it after a gap column: header 0, rows
    # 1–2 in column 2; Three under One after an empty row (4): header 5, rows 6–7, column 0
    assert (one.title, one.first, one.last, one.col) == (0, 2, 3, 0)
    assert (two.header, two.last, two.col) == (0, 2, 2)
    assert (three.header, three.last, three.col) == (5, 7, 0)


def test_blocks_that_would_overlap_are_a_value_error():
    frame = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    one = Block("tblOne", (Col("a", "A"),), frame)  # column A, rows 0-2
    two = Block("tblTwo", (Col("a", "A"),), frame, beside=True)  # column C, rows 0-2
    long = Block("tblLong", (Col("a", "A"),), pd.DataFrame({"a": range(10)}), under="tblTwo")
    # three columns wide under tblOne (A-C, from row 4), where tblLong stands (C, rows 4-14)
    wide = Block("tblWide", (Col("a", "A"), Col("b", "B"), Col("a", "C")), frame, under="tblOne")
    with pytest.raises(ValueError, match="tblWide on sheet S would overlap tblLong"):
        place(OutputSheet("S", "S", (one, two, long, wide)))
    narrow = Block("tblNarrow", (Col("a", "A"), Col("b", "B")), frame, under="tblOne")
    assert place(OutputSheet("S", "S", (one, two, long, narrow)))[-1].col == 0  # A-B: fine
