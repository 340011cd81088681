"""A plan not made by `salesplan init` works too (SPEC §1): one without tblChangeLog gets it
on its first recalibration, and one that keeps its commission rates on a sheet named
Commission (an output sheet) is told, once and in its own language, where to move them.

Read back with openpyxl, as a user would; the example company in both locales.
"""

import re
import zipfile

import openpyxl
import pytest

from engine import decompose
from tests.builders import CHANGE_LOG_HEADERS
from tests.examples import example_plan
from tests.libreoffice import opens_cleanly
from tests.workbook.test_splice import sheet_parts
from xl_addin.cli import main
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan

OUTPUTS = {"Targets", "Breakdown", "Phasing", "Reconciliation", "Tracking", "Commission", "Dashboard"}  # fmt: skip
STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def example(request, tmp_path_factory):
    """The example company in one locale, decomposed (its 6 weeks of actuals included)."""
    path = tmp_path_factory.mktemp(f"plan-{request.param}") / "plan.xlsx"
    example_plan(path, request.param, "decompose")
    return request.param, path


@pytest.fixture
def without_log(example, tmp_path):
    """The example with its ChangeLog sheet (and so tblChangeLog) deleted in openpyxl."""
    locale, source = example
    path = tmp_path / "plan.xlsx"
    wb = openpyxl.load_workbook(source)
    del wb["ChangeLog"]
    wb.save(path)
    assert "tblChangeLog" not in FileBook(path).table_names()
    return locale, path


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def original_target(path, rep="S001") -> int:
    d = decompose(read_plan(FileBook(path)), with_changes=False)
    return int(d.targets.set_index("rep_id").at[rep, "target"])


def recal(path, target: int, reason: str, approver: str = ""):
    args = ["recalibrate", str(path), "--rep", "S001", "--target", str(target)]
    return main([*args, "--reason", reason, "--approver", approver])


def user_cells(wb) -> dict[str, dict]:
    """Every user sheet's cells (value, number format, fill) and tables, but Settings'."""
    return {
        ws.title: (
            {
                c.coordinate: (c.value, c.number_format, c.fill.fgColor.rgb)
                for row in ws.iter_rows()
                for c in row
            },
            {t.displayName: t.ref for t in ws.tables.values()},
        )
        for ws in wb.worksheets
        if ws.title not in OUTPUTS | {"Settings", "ChangeLog"}
    }


CREATED = {
    "en": "  created sheet ChangeLog with table tblChangeLog, where every recalibration is recorded",
    "zh-CN": "  已新建工作表 ChangeLog 及表 tblChangeLog，用于记录每次目标调整",
}
PROBLEMS = {
    "en": "salesplan: 1 problem in the input; nothing was changed.",
    "zh-CN": "salesplan: 输入中有 1 个问题；未做任何改动。",
}


def test_recalibrate_adds_the_change_log_the_plan_lacks_in_the_same_write(without_log, capsys):
    locale, path = without_log
    first = original_target(path)  # 1,699,000 in the example
    target = first - 99_000  # -5.8 %: within FlexReserve, no approver needed
    before = parts(path)
    user_before = user_cells(openpyxl.load_workbook(path))

    assert recal(path, target, "=lost key account", "Wang") == 0
    out = capsys.readouterr().out
    assert CREATED[locale] in out  # the command line speaks the plan's language
    assert f"S001{': ' if locale == 'en' else '：'}{first:,} → {target:,}" in out

    wb = openpyxl.load_workbook(path)
    ws = wb["ChangeLog"]
    table = ws.tables["tblChangeLog"]
    assert table.ref == "A1:I2"  # the header and the one row of this change
    header, row = ([c.value for c in r] for r in ws["A1:I2"])
    assert header == CHANGE_LOG_HEADERS[locale]
    assert STAMP.fullmatch(row[0])
    # the reason typed is text, never a formula (SPEC §13)
    assert row[1:] == ["S001", "Target", first, target, "=lost key account", "Wang", 2, 7]
    assert ws["F2"].data_type == "s"
    assert {r[0]: r[1] for r in ws_rows(wb["Settings"], "tblSettings")}["Version"] == 2
    targets = {r[0]: r for r in ws_rows(wb["Targets"], "tblTargets")}
    assert targets["S001"][6] == target  # Target, beside OriginalTarget
    assert wb.sheetnames.index("ChangeLog") == wb.sheetnames.index("Reconciliation") + 1

    # laid out as `init` lays out its own ChangeLog sheet
    made = tmp_init(path.with_name("fresh.xlsx"), locale)["ChangeLog"]
    assert table.tableStyleInfo.name == made.tables["tblChangeLog"].tableStyleInfo.name
    assert ws.freeze_panes == made.freeze_panes == "A2"
    assert widths(ws) == widths(made)
    assert [c.fill.fgColor.rgb for c in ws[2]] == [c.fill.fgColor.rgb for c in made[2]]
    assert {c.fill.fgColor.rgb for c in ws[2]} == {"FFFFF2CC"}

    # the user's sheets: every cell as it was, and their parts byte for byte but Settings'
    assert user_cells(wb) == user_before
    after, names = parts(path), sheet_parts(parts(path))
    kept = {n: p for n, p in sheet_parts(before).items() if n not in OUTPUTS | {"Settings"}}
    assert kept and all(after[names[n]] == before[p] for n, p in kept.items())
    opens_cleanly(path)

    # the next change appends to the table it made, and says nothing more about it
    assert recal(path, target + 10_000, "back a little") == 0
    assert CREATED[locale] not in capsys.readouterr().out
    ws = openpyxl.load_workbook(path)["ChangeLog"]
    assert ws.tables["tblChangeLog"].ref == "A1:I3"
    log = [[c.value for c in r] for r in ws["A2:I3"]]
    assert log[0][1:] == row[1:]
    assert log[1][1:6] + log[1][7:] == ["S001", "Target", target, target + 10_000, "back a little", 3, 7]  # fmt: skip


@pytest.mark.parametrize(
    "locale, said",
    [
        (
            "en",
            "ChangeLog: the plan has no table tblChangeLog, and salesplan cannot add its "
            "ChangeLog sheet: a sheet of that name is already here, and salesplan does not write "
            "into it — rename this sheet, or make an Excel table named tblChangeLog on it with "
            "the columns Timestamp, RepID, Field, Old, New, Reason, Approver, Version, FromWeek",
        ),
        (
            "zh-CN",
            "ChangeLog: 此计划没有 tblChangeLog 表，salesplan 无法新建 ChangeLog 工作表：已有同名"
            "工作表，salesplan 不会写入其中 — 请将此工作表改名，或在其中创建名为 tblChangeLog 的 "
            "Excel 表，列为 时间、销售编号、字段、原值、新值、原因、审批人、版本、生效周",
        ),
    ],
)
def test_a_sheet_named_changelog_without_the_table_is_never_written_into(
    tmp_path, capsys, locale, said
):
    path = tmp_path / "plan.xlsx"
    example_plan(path, locale)
    wb = openpyxl.load_workbook(path)
    ws = wb["ChangeLog"]
    del ws.tables["tblChangeLog"]
    ws["A3"] = "my own notes"
    wb.save(path)
    before = path.read_bytes()
    capsys.readouterr()
    assert recal(path, original_target(path) - 50_000, "lost key account") == 2
    assert capsys.readouterr().err.splitlines() == [PROBLEMS[locale], said]
    assert path.read_bytes() == before


COMMISSION_SHEET = {
    "en": "Commission!A1: this sheet holds your table tblCommission; salesplan writes its "
    "Commission sheet here and will not overwrite it — move tblCommission to a sheet named "
    "Rates (tables are found by name), or rename this sheet",
    "zh-CN": "Commission!A1: 此工作表中有您的表 tblCommission；salesplan 要在此写入 Commission "
    "工作表，不会覆盖它 — 请将 tblCommission 移到名为 Rates 的工作表（按表名查找表格），"
    "或将此工作表改名",
}


def test_rates_on_a_sheet_named_commission_are_refused_once_in_the_plans_language(
    example, tmp_path, capsys
):
    """SPEC §1: tblCommission is not on a sheet named Commission, where track writes the
    commission earned. Track and recalibrate (which tracks again) refuse with one problem at
    the table, saying where to move it; the file stays as it was, byte for byte."""
    locale, source = example
    path = tmp_path / "plan.xlsx"
    wb = openpyxl.load_workbook(source)
    wb["Rates"].title = "Commission"
    wb.save(path)
    before = path.read_bytes()
    capsys.readouterr()
    for command in (["track", str(path)], ["recalibrate", str(path), "--rep", "S001",
                    "--target", str(original_target(path) - 50_000), "--reason", "x"]):  # fmt: skip
        assert main(command) == 2
        assert capsys.readouterr().err.splitlines() == [PROBLEMS[locale], COMMISSION_SHEET[locale]]
        assert path.read_bytes() == before
    rates = openpyxl.load_workbook(path)["Commission"]  # the user's sheet, as it was
    assert [[c.value for c in r] for r in rates[rates.tables["tblCommission"].ref]][0] == (
        ["Tier", "Rate"] if locale == "en" else ["档位", "提成比例"]
    )


def test_a_sheet_holding_several_of_the_users_tables_is_one_problem(tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    example_plan(path, "en")
    wb = openpyxl.load_workbook(path)
    ws = wb["Rates"]
    ws.title = "Commission"
    ws["E3"], ws["E4"] = "Note", "mine"
    ws.add_table(openpyxl.worksheet.table.Table(displayName="tblMine", ref="E3:E4"))
    wb.save(path)
    before = path.read_bytes()
    assert main(["track", str(path)]) == 2
    assert capsys.readouterr().err.splitlines()[1:] == [
        "Commission!A1: this sheet holds your tables tblCommission, tblMine; salesplan writes "
        "its Commission sheet here and will not overwrite it — move tblCommission to a sheet "
        "named Rates, tblMine to another sheet (tables are found by name), or rename this sheet"
    ]
    assert path.read_bytes() == before


# ---------------------------------------------------------------------------------------


def ws_rows(ws, table: str) -> list[list]:
    return [[c.value for c in r] for r in ws[ws.tables[table].ref]][1:]


def tmp_init(path, locale: str):
    assert main(["init", str(path), "--locale", locale]) == 0
    return openpyxl.load_workbook(path)


def widths(ws) -> dict[str, tuple]:
    """Column widths as saved: (first column, last column, width) by their letter."""
    return {k: (d.min, d.max, d.width) for k, d in ws.column_dimensions.items() if d.width}
