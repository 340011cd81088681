"""Inputs do what they say, or the run log says they don't: through the command line, on a
plan written by `salesplan init --example`, in both languages.

- decompose names the reps whose Level changed nothing;
- track names a tblActuals column nothing uses and a Funnel stage no column counts, at their
  cells, and the Tracking sheet carries the same notes.
"""

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import TableColumn

from tests.examples import example_plan
from xl_addin.cli import main

# what a user adds, in each language: a column of their own and a funnel stage between the
# first two (a quote stage, counted nowhere)
ADDED = {
    "en": {"column": "Calls", "stage": "Quote"},
    "zh-CN": {"column": "拜访量", "stage": "报价"},
}
LEVEL_NOTE = {
    "en": "  note: Level changed nothing for {n} reps (standard, or senior rated from history or "
    "by a typed Capability): {ids} … and {more} more",
    "zh-CN": "  说明：职级未改变 {n} 名销售的目标（标准，或已按历史数据或填写的能力系数评级的"
    "资深）：{ids} … 另有 {more} 个",
}
SEPARATOR = {"en": ", ", "zh-CN": "、"}
COLUMN_NOTE = {
    "en": "{where}: column {column} matches no funnel stage, KPI or known column — it is not used",
    "zh-CN": "{where}：列 {column} 不对应任何漏斗阶段、考核指标或已知列——未被使用",
}
STAGE_NOTE = {
    "en": "{where}: stage {stage} has no column in tblActuals — its counts are not tracked",
    "zh-CN": "{where}：漏斗阶段 {stage} 在 tblActuals 中没有对应的列——其数量未被跟踪",
}
NOTE_PREFIX = {"en": "  note: ", "zh-CN": "  说明："}
NOTE_HEADER = {"en": "Note", "zh-CN": "说明"}


def table(wb, name):
    ws = next(ws for ws in wb.worksheets if name in ws.tables)
    return ws, ws.tables[name]


def add_column(wb, name: str, header: str) -> str:
    """A column of the user's right of the table, filled with 3s; the table grows to take it.
    Returns where its header sits (Sheet!Cell)."""
    ws, t = table(wb, name)
    min_col, min_row, max_col, max_row = range_boundaries(t.ref)
    ws.cell(min_row, max_col + 1).value = header
    for r in range(min_row + 1, max_row + 1):
        ws.cell(r, max_col + 1).value = 3
    t.tableColumns.append(TableColumn(id=len(t.tableColumns) + 1, name=header))
    t.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col + 1)}{max_row}"
    if t.autoFilter is not None:
        t.autoFilter.ref = t.ref
    return f"{ws.title}!{get_column_letter(max_col + 1)}{min_row}"


def insert_second_row(wb, name: str, values: list) -> str:
    """`values` as the table's second data row, the rows below moved down one; returns where
    its first cell sits (Sheet!Cell)."""
    ws, t = table(wb, name)
    min_col, min_row, max_col, max_row = range_boundaries(t.ref)
    ws.move_range(
        f"{get_column_letter(min_col)}{min_row + 2}:{get_column_letter(max_col)}{max_row}", rows=1
    )
    for j, v in enumerate(values):
        ws.cell(min_row + 2, min_col + j).value = v
    t.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row + 1}"
    if t.autoFilter is not None:
        t.autoFilter.ref = t.ref
    return f"{ws.title}!{get_column_letter(min_col)}{min_row + 2}"


def reps_by_level(wb) -> list[tuple[str, str]]:
    """(RepID, Level) of tblReps, as typed, in order."""
    ws, t = table(wb, "tblReps")
    rows = [[c.value for c in r] for r in ws[t.ref]]
    return [(r[0], r[4]) for r in rows[1:]]  # RepID is the first column, Level the fifth


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def planned(request, tmp_path_factory):
    """A plan from `init --example` with a column and a stage added; where they sit."""
    locale = request.param
    path = tmp_path_factory.mktemp("notes") / "plan.xlsx"
    example_plan(path, locale)
    wb = openpyxl.load_workbook(path)
    added = ADDED[locale]
    where = {
        "column": add_column(wb, "tblActuals", added["column"]),
        "stage": insert_second_row(wb, "tblFunnel", [added["stage"], 0.8]),
    }
    levels = reps_by_level(wb)
    wb.save(path)
    return locale, path, where, levels


def test_decompose_names_the_reps_whose_level_changed_nothing(planned, capsys):
    locale, path, _, levels = planned
    assert main(["decompose", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    # the example's seniors all sold in the 13 weeks before the period (rated from history);
    # its standard reps too, but for the Level that does not matter
    # (the Chinese example types 标准 and 资深)
    idle = [rep for rep, level in levels if level in ("standard", "senior", "标准", "资深")]
    assert len(idle) == 22  # 24 reps, 2 of them new
    expected = LEVEL_NOTE[locale].format(
        n=len(idle), ids=SEPARATOR[locale].join(idle[:10]), more=len(idle) - 10
    )
    assert expected in out


def test_track_names_the_unused_column_and_the_uncounted_stage_in_the_summary_and_the_sheet(
    planned, capsys
):
    locale, path, where, _ = planned
    added = ADDED[locale]
    assert main(["track", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    notes = [
        COLUMN_NOTE[locale].format(where=where["column"], column=added["column"]),
        STAGE_NOTE[locale].format(where=where["stage"], stage=added["stage"]),
    ]
    prefix = NOTE_PREFIX[locale]
    assert [line for line in out if line.startswith(prefix)] == [prefix + n for n in notes]

    wb = openpyxl.load_workbook(path)
    ws, t = table(wb, "tblTrackingNotes")
    assert ws.title == "Tracking"
    rows = [[c.value for c in r] for r in ws[t.ref]]
    assert rows == [[NOTE_HEADER[locale]], *([n] for n in notes)]


def test_the_example_as_written_has_no_column_or_stage_notes(tmp_path, capsys):
    # stages Visit, Demo, Deal are counted by Visits, Demos, Deals; the KPI New customers by
    # NewCustomers: every column and stage is used
    path = tmp_path / "plan.xlsx"
    example_plan(path, "en", "track")
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if line.startswith(NOTE_PREFIX["en"])] == []
    assert "tblTrackingNotes" not in openpyxl.load_workbook(path)["Tracking"].tables
