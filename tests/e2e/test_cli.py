"""init -> decompose on real files, read back as a user (and LibreOffice) would."""

import zipfile

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from engine import decompose
from tests.examples import example_plan, new_example
from tests.libreoffice import convert, opens_cleanly, recalculated
from xl_addin.cli import main
from xl_addin.sheets.units import money_format
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan


@pytest.fixture
def plan_path(tmp_path):
    path = tmp_path / "plan.xlsx"
    example_plan(path, "en")
    return path


def sheet_rows(ws, table):
    ref = ws.tables[table].ref
    rows = [[c.value for c in row] for row in ws[ref]]
    return rows[0], rows[1:]


def test_decompose_writes_what_the_engine_computed(plan_path, capsys):
    assert main(["decompose", str(plan_path)]) == 0
    out = capsys.readouterr().out
    expected = decompose(read_plan(FileBook(plan_path)))
    assert f"team target {expected.team['target']:,}" in out
    wb = openpyxl.load_workbook(plan_path)
    header, rows = sheet_rows(wb["Targets"], "tblTargets")
    assert header[:8] == [
        "RepID",
        "Name",
        "Region",
        "Level",
        "Territory",
        "Floor (CNY)",  # the en example plans in yuan (Unit 1); every amount names its unit
        "Target (CNY)",
        "Challenge (CNY)",
    ]
    got = {r[0]: (r[5], r[6], r[7]) for r in rows}
    want = {r.rep_id: (r.floor, r.target, r.challenge) for r in expected.targets.itertuples()}
    assert got == want
    header, rows = sheet_rows(wb["Breakdown"], "tblBreakdown")
    assert sum(r[4] for r in rows) == expected.team["target"]
    header, rows = sheet_rows(wb["Phasing"], "tblPhasing")
    assert header[:2] == ["RepID", "W1"] and "2026-10" in header
    assert all(sum(r[1:14]) == want[r[0]][1] for r in rows)
    header, rows = sheet_rows(wb["Reconciliation"], "tblReconciliation")
    assert all(r[4] == 0 for r in rows) and len(rows) >= 10
    assert wb["Targets"].freeze_panes == "C3"  # the title and header rows, RepID and Name


def test_money_is_shown_in_the_plans_unit(tmp_path):
    path = tmp_path / "zh.xlsx"
    example_plan(path, "zh-CN", "decompose")  # zh-CN example: Unit 10000 (万元)
    ws = openpyxl.load_workbook(path)["Targets"]
    header = [c.value for c in ws[2]]  # the title on row 1, the header on row 2
    target = ws.cell(row=3, column=header.index("目标（万元）") + 1)
    assert target.number_format == "0\\.0,"


def test_libreoffice_shows_money_in_the_unit(tmp_path):
    # 6,382,000 yuan is 638.2 万 (to one decimal), 6,382 thousand, 6.4 million, or itself
    shown = {10000: "638.2", 1000: "6,382", 1_000_000: "6.4", 1: "6,382,000"}
    files = []
    for unit in shown:
        wb = openpyxl.Workbook()
        wb.active["A1"] = 6_382_000
        wb.active["A1"].number_format = money_format(unit)
        files.append(tmp_path / f"unit{unit}.xlsx")
        wb.save(files[-1])
    csvs = convert(
        files, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true", tmp_path / "out"
    )
    got = {
        int(c.stem.removeprefix("unit")): c.read_text(encoding="utf-8").strip().strip('"')
        for c in csvs
    }
    assert got == shown


def test_users_own_sheets_columns_formulas_comments_and_formatting_survive(plan_path):
    wb = openpyxl.load_workbook(plan_path)
    mine = wb.create_sheet("MyNotes")
    mine["A1"] = "Budget check"
    mine["B1"] = "=SUM(Targets!G3:G26)"  # the 24 reps' targets, below the title and header
    mine["A1"].comment = Comment("my own comment", "me")
    mine["A1"].fill = PatternFill("solid", start_color="FF00FF00", end_color="FF00FF00")
    reps = wb["Reps"]
    table = reps.tables["tblReps"]
    table.ref = table.ref.replace("M", "N")  # one more column, the user's
    reps["N1"] = "Mobile"
    reps["N2"] = "+86 138 0000 0000"
    from openpyxl.worksheet.table import TableColumn

    table.tableColumns.append(TableColumn(id=14, name="Mobile"))
    wb.save(plan_path)

    assert main(["decompose", str(plan_path)]) == 0
    assert main(["decompose", str(plan_path)]) == 0  # twice: replaced, not duplicated
    wb = openpyxl.load_workbook(plan_path)
    assert wb.sheetnames.count("Targets") == 1 and "MyNotes" in wb.sheetnames
    mine = wb["MyNotes"]
    assert mine["B1"].value == "=SUM(Targets!G3:G26)"
    assert mine["A1"].comment.text == "my own comment"
    assert mine["A1"].fill.start_color.rgb == "FF00FF00"
    assert wb["Reps"]["N2"].value == "+86 138 0000 0000"
    assert [c.name for c in wb["Reps"].tables["tblReps"].tableColumns][-1] == "Mobile"
    # LibreOffice opens the written workbook and the user's formula sees the new targets
    opens_cleanly(plan_path)
    lo = recalculated(plan_path)
    team = decompose(read_plan(FileBook(plan_path))).team["target"]
    assert lo["MyNotes"]["B1"].value == team


def test_the_same_input_gives_byte_identical_output_sheets(tmp_path):
    parts = []
    for name in ("a", "b"):
        # two inits: two PlanIDs, the same sheets (the light example's: what decompose
        # reads of the history is all of it, so its sheets are the full example's)
        path = new_example(tmp_path / f"{name}.xlsx")
        main(["decompose", str(path)])
        with zipfile.ZipFile(path) as z:
            parts.append(
                {
                    n: z.read(n)
                    for n in z.namelist()
                    if n.startswith(("xl/worksheets/", "xl/tables/"))
                }
            )
    assert parts[0].keys() == parts[1].keys() and len(parts[0]) > 10
    assert parts[0] == parts[1]


def test_init_refuses_to_overwrite(plan_path, capsys):
    before = plan_path.read_bytes()
    assert main(["init", str(plan_path)]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert plan_path.read_bytes() == before


def test_a_locked_workbook_is_left_alone(plan_path, capsys):
    before = plan_path.read_bytes()
    (plan_path.parent / ("~$" + plan_path.name)).write_text("owner")
    assert main(["decompose", str(plan_path)]) == 2
    assert "open in Excel" in capsys.readouterr().err
    assert plan_path.read_bytes() == before


def test_demo_prints_where_the_outputs_are(tmp_path, capsys):
    assert main(["demo", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "demo" / "plan.xlsx") in out
    assert "最大差额 0" in out  # the example company plans in zh-CN, and the demo says so


def test_the_command_line_speaks_the_plans_language_or_lang(tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    example_plan(path, "zh-CN")
    capsys.readouterr()
    assert main(["decompose", str(path)]) == 0
    assert "核对：" in capsys.readouterr().out
    assert main(["decompose", str(path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "reconciliation: " in out and "核对" not in out
    assert main(["track", str(path), "--week", "99", "--lang", "en"]) == 2
    assert capsys.readouterr().err.startswith("salesplan: 1 problem in the input")
    assert main(["track", str(path), "--week", "99"]) == 2
    assert capsys.readouterr().err.startswith("salesplan: 输入中有 1 个问题")


def test_the_summary_says_how_the_users_formulas_over_output_sheets_refresh(plan_path, capsys):
    """Excel recalculates them on opening (the plan asks it to); LibreOffice keeps the stored
    result, so the summary says how to refresh them there — only when there are such formulas."""
    assert main(["decompose", str(plan_path)]) == 0
    assert "Recalculate Hard" not in capsys.readouterr().out
    wb = openpyxl.load_workbook(plan_path)
    wb.create_sheet("Mine")["A1"] = "=Targets!G3*2"
    wb.save(plan_path)
    assert main(["track", str(plan_path)]) == 0  # it writes Tracking …, which Mine does not read
    assert "Recalculate Hard" not in capsys.readouterr().out
    wb = openpyxl.load_workbook(plan_path)
    wb["Mine"]["A2"] = "=SUM('Tracking'!D:D)"
    wb.save(plan_path)
    for command in ("decompose", "track"):
        assert main([command, str(plan_path)]) == 0
        out = capsys.readouterr().out
        assert "your formulas on Mine read these sheets" in out
        assert "Data ▸ Calculate ▸ Recalculate Hard" in out
    # beside the tables read (their sheets scanned then, and not searched again when found
    # without formulas): still found
    wb = openpyxl.load_workbook(plan_path)
    del wb["Mine"]
    wb["SalesHistory"]["Z1"] = "=Targets!G3"
    wb.save(plan_path)
    assert main(["decompose", str(plan_path)]) == 0
    assert "your formulas on SalesHistory read these sheets" in capsys.readouterr().out
