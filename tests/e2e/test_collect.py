"""`salesplan collect`: reps type their weeks into the workbooks `issue` gave them, the manager
collects the folder, and the plan holds what they typed — as if typed into tblActuals.

The example company (English) is issued once per module. Numbers are typed into the returned
workbooks' cells with salesplan's own cell editor (set_cells, as Excel would store them), and
the expected plan is made by a different route: the same rows appended to tblActuals with
openpyxl. Tracking of the two plans must agree cell for cell.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from tests.examples import example_plan, new_example
from tests.libreoffice import convert, opens_cleanly
from xl_addin.cli import main
from xl_addin.repbook.encrypt import encrypt, write_password_list
from xl_addin.repbook.render import FIRST
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.package import find_tables
from xl_addin.workbook.sheetcells import set_cells

REPO = Path(__file__).resolve().parents[2]
ACTUALS_PART = "xl/worksheets/sheet3.xml"  # Letter, Plan, Actuals
LETTER_PART = "xl/worksheets/sheet1.xml"
EXCEL_EPOCH = dt.date(1899, 12, 30)
PASSWORD = "Kq7vWm3pXz9tRb"

# What the reps type: rep -> {week: (amount in yuan, visits, demos, deals, new customers)}.
# Weeks 1–6 are in the plan already (the example's actuals, pre-filled in each workbook).
NEW_WEEKS = {
    "S002": {7: (123456.78, 31, 12, 4, 1), 8: (98000.0, 28, 10, 3, 0)},
    "S005": {7: (0.0, 5, 1, 0, 0)},  # a week reported with nothing sold counts as reported
    "S010": {7: (45678.9, 20, 8, 2, 2)},  # the encrypted one
    "S020": {7: (150000.0, None, None, None, None), 9: (20000.01, 9, 3, 1, 0)},
}
CONFLICT = ("S003", 3, 111111.11)  # a week the plan holds, typed differently
ACCEPTED = ("S002", dt.date(2026, 10, 7))


# -- helpers: what a rep does, what a manager does --------------------------------------------
def say(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def rep_file(folder: Path, rep: str) -> Path:
    return next(folder.glob(f"{rep}_*.xlsx"))


def edit_parts(data: bytes, cells: dict[str, dict[tuple[int, int], object]]) -> bytes:
    """The workbook with cells set in the given sheet parts, every other part as it was."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            if cells.get(info.filename):
                body = set_cells(body, cells[info.filename])
            z.writestr(info, body)
    return out.getvalue()


def typed_weeks(weeks: dict[int, tuple]) -> dict[tuple[int, int], object]:
    """The Actuals sheet's input cells (E amount, F–I activity) of the given weeks."""
    cells = {}
    for week, values in weeks.items():
        row = FIRST + week  # week 1 is on Excel row FIRST + 1
        for j, value in enumerate(values):
            if value is not None:
                cells[(row, 5 + j)] = value
    return cells


def acceptance_cell(path: Path) -> tuple[int, int]:
    """(row, col) of the Letter's acceptance cell, by its defined name (read by openpyxl)."""
    name = openpyxl.load_workbook(path).defined_names["salesplan_accepted"]
    (_, ref), *_ = name.destinations
    cell = openpyxl.utils.cell.coordinate_from_string(ref.replace("$", ""))
    return cell[1], openpyxl.utils.column_index_from_string(cell[0])


def type_into(path: Path, weeks: dict[int, tuple], accepted: dt.date | None = None) -> None:
    cells = {ACTUALS_PART: typed_weeks(weeks)}
    if accepted is not None:
        cells[LETTER_PART] = {acceptance_cell(path): (accepted - EXCEL_EPOCH).days}
    path.write_bytes(edit_parts(path.read_bytes(), cells))


def table_rows(path: Path, table: str) -> list[list]:
    """A table's header and rows as the file holds them (read by calamine; blanks None)."""
    book = FileBook(path)
    try:
        raw = book.table(table)
    finally:
        book.close()
    assert raw is not None, f"{table} not in {path}"
    return [[None if v == "" else v for v in row] for row in [raw.headers, *raw.rows]]


def type_into_table(path: Path, rows: list[tuple]) -> None:
    """Rows appended to tblActuals with openpyxl, as a person typing below the table would."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Actuals"]
    table = ws.tables["tblActuals"]
    first, last = table.ref.split(":")
    col, end = openpyxl.utils.cell.coordinate_from_string(last)
    for k, row in enumerate(rows, start=end + 1):
        for j, value in enumerate(row, start=1):
            ws.cell(k, j, value)
    table.ref = f"{first}:{col}{end + len(rows)}"
    table.autoFilter.ref = table.ref
    wb.save(path)


def set_setting(path: Path, name: str, value) -> str:
    """A setting's Value cell set with the cell editor, as Excel would store it; its address."""
    ref = next(t for t in find_tables(str(path)) if t.name == "tblSettings")
    at = next(k for k, r in enumerate(table_rows(path, "tblSettings"), start=1) if r[0] == name)
    path.write_bytes(edit_parts(path.read_bytes(), {ref.sheet_part: {(at, 2): value}}))
    return f"B{at}"


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """The example plan and its issued workbooks (untouched), once per module."""
    root = tmp_path_factory.mktemp("collect")
    plan = root / "plan.xlsx"
    example_plan(plan, "en")
    assert say("issue", plan, "--out", root / "books")[0] == 0
    return plan, root / "books"


@pytest.fixture
def copy(issued, tmp_path):
    """A fresh copy of the plan and of its issued folder."""
    plan, books = issued
    mine = tmp_path / "plan.xlsx"
    shutil.copy(plan, mine)
    folder = tmp_path / "returned"
    shutil.copytree(books, folder)
    return mine, folder


@pytest.fixture
def returned(copy):
    """The folder as the reps send it back: new weeks in four workbooks (one encrypted, its
    password in passwords.csv as `issue --encrypt` lists it), a conflicting week, an acceptance."""
    plan, folder = copy
    send_back(folder)
    return plan, folder


def send_back(folder: Path) -> None:
    """What the reps type into the issued workbooks in `folder` before sending them back."""
    for rep, weeks in NEW_WEEKS.items():
        type_into(rep_file(folder, rep), weeks, ACCEPTED[1] if rep == ACCEPTED[0] else None)
    rep, week, amount = CONFLICT
    type_into(rep_file(folder, rep), {week: (amount, None, None, None, None)})
    locked = rep_file(folder, "S010")
    locked.write_bytes(encrypt(locked.read_bytes(), PASSWORD))
    write_password_list(
        folder / "passwords.csv",
        [{"RepID": "S010", "Name": "x", "File": locked.name, "Password": PASSWORD}],
    )


@dataclass(frozen=True)
class Collected:
    before: Path  # the plan as it was
    plan: Path  # the plan after `salesplan collect FOLDER PLAN`
    folder: Path
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def collected(issued, tmp_path_factory) -> Collected:
    """`salesplan collect` of the returned folder (`returned`) into the plan, run once for the
    tests that each check something else of that one run; a test that goes on from it works on
    copies (`went_on`)."""
    plan, books = issued
    root = tmp_path_factory.mktemp("collected")
    mine, folder, before = root / "plan.xlsx", root / "returned", root / "before.xlsx"
    shutil.copy(plan, mine)
    shutil.copytree(books, folder)
    send_back(folder)
    shutil.copy(mine, before)
    code, out, err = say("collect", folder, mine)
    return Collected(before, mine, folder, code, out, err)


@pytest.fixture
def went_on(collected, tmp_path) -> tuple[Path, Path]:
    """A copy of the collected plan and of its folder, for a test to change."""
    plan, folder = tmp_path / "plan.xlsx", tmp_path / "returned"
    shutil.copy(collected.plan, plan)
    shutil.copytree(collected.folder, folder)
    return plan, folder


def expected_rows() -> list[tuple]:
    """What a manager would type into tblActuals for the new weeks (Week, RepID, Amount, …)."""
    return [
        (week, rep, *values)
        for rep, weeks in NEW_WEEKS.items()
        for week, values in sorted(weeks.items())
    ]


# -- the acceptance ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def typed_plan(issued, tmp_path_factory):
    """The plan with the new weeks typed into tblActuals directly (openpyxl), once."""
    typed = tmp_path_factory.mktemp("typed") / "typed.xlsx"
    shutil.copy(issued[0], typed)
    type_into_table(typed, expected_rows())
    return typed


def test_collected_weeks_track_as_if_typed_into_tblActuals(
    collected, went_on, typed_plan, tmp_path
):
    plan, _ = went_on  # the plan after the collect
    typed = tmp_path / "typed.xlsx"
    shutil.copy(typed_plan, typed)

    assert collected.code == 0, collected.err
    # the rows appended are the typed ones, in full (amounts to the cent, blanks blank)
    rows = table_rows(plan, "tblActuals")
    width = len(expected_rows()[0])  # Week … NewCustomers; the example's GrossProfit is after
    added = rows[-len(expected_rows()) :]
    assert sorted(tuple(r[:width]) for r in added) == sorted(expected_rows())
    assert all(v is None for r in added for v in r[width:])  # a workbook carries no GrossProfit
    assert len(rows) == len(table_rows(typed, "tblActuals"))

    for path in (plan, typed):
        assert say("track", path)[0] == 0
    assert table_rows(plan, "tblTracking") == table_rows(typed, "tblTracking")
    assert table_rows(plan, "tblCommissionEarned") == table_rows(typed, "tblCommissionEarned")
    opens_cleanly(plan)


def test_the_summary_counts_each_reps_weeks_rows_and_conflicts(collected):
    assert collected.code == 0
    lines = collected.out.splitlines()
    assert lines[0].startswith("Collected 24 workbooks from")
    # every rep returned weeks 1–6 as issued (S024 started in week 5: 2), plus the new ones
    weeks = 23 * 6 + 2 + sum(len(w) for w in NEW_WEEKS.values())
    assert lines[1] == (
        f"  weeks read: {weeks}, rows added to tblActuals: 6, conflicts: 1, files refused: 0"
    )
    assert "  S002: weeks read 8, rows added 2, conflicts 0" in lines
    assert "  S010: weeks read 7, rows added 1, conflicts 0" in lines  # the encrypted one
    assert "  S020: weeks read 8, rows added 2, conflicts 0" in lines
    assert "  S003: weeks read 6, rows added 0, conflicts 1" in lines
    assert "  19 other reps: every week returned is already in the plan" in lines


def test_a_conflicting_week_is_reported_with_both_values_and_the_plan_keeps_its_own(collected):
    rep, week, amount = CONFLICT
    before = [r for r in table_rows(collected.before, "tblActuals") if r[1] == rep and r[0] == week]
    assert len(before) == 1
    code, out, plan = collected.code, collected.out, collected.plan
    assert code == 0
    line = (
        f"    week {week}: Amount {before[0][2]:,.2f} in the plan, {amount:,.2f} returned"
        " — the plan's value kept"
    )
    assert line in out.splitlines()
    assert "--prefer returned" in out
    after = [r for r in table_rows(plan, "tblActuals") if r[1] == rep and r[0] == week]
    assert after == before


def test_prefer_returned_takes_the_reps_value_where_the_plan_has_one_row(returned):
    plan, folder = returned
    rep, week, amount = CONFLICT
    code, out, _ = say("collect", folder, plan, "--prefer", "returned")
    assert code == 0
    assert "— the returned value taken" in out
    after = [r for r in table_rows(plan, "tblActuals") if r[1] == rep and r[0] == week]
    assert [r[2] for r in after] == [amount]
    # a second collect finds nothing new
    code, out, _ = say("collect", folder, plan)
    assert "nothing new: the plan was not changed" in out
    assert "conflicts: 0" in out


def test_prefer_returned_refuses_a_week_the_plan_holds_in_several_rows(returned):
    plan, folder = returned
    rep, week, amount = CONFLICT
    held = next(r for r in table_rows(plan, "tblActuals") if r[1] == rep and r[0] == week)
    type_into_table(plan, [(week, rep, 10.0, None, None, None, None)])  # a second order
    code, out, _ = say("collect", folder, plan, "--prefer", "returned")
    assert code == 0
    assert f"Amount {held[2] + 10:,.2f} in the plan, {amount:,.2f} returned" in out
    assert "not changed: the plan holds this week in several rows" in out
    after = [r[2] for r in table_rows(plan, "tblActuals") if r[1] == rep and r[0] == week]
    assert after == [held[2], 10.0]


def test_an_acceptance_is_recorded_and_shown_on_targets_after_the_next_decompose(
    collected, went_on
):
    plan, folder = went_on  # copies of the plan and folder after the collect
    rep, day = ACCEPTED
    code, out = collected.code, collected.out
    assert code == 0
    assert f"  accepted the plan: {rep} {day:%Y-%m-%d} (v1)" in out
    assert "after the next decompose" in out
    header, *rows = table_rows(plan, "tblSignOffs")
    assert header == ["RepID", "AcceptedOn", "Version", "File", "CollectedAt"]
    assert [[r[0], _day(r[1]), r[2], r[3]] for r in rows] == [
        [rep, day, 1, rep_file(folder, rep).name]
    ]
    assert say("collect", folder, plan)[1].count("accepted the plan") == 0  # recorded once
    assert say("decompose", plan)[0] == 0
    header, *targets = table_rows(plan, "tblTargets")
    signed = {r[0]: r[header.index("SignedOff")] for r in targets}
    assert signed[rep] == f"{day:%Y-%m-%d} (v1)"
    assert {k for k, v in signed.items() if v} == {rep}


def _day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


@pytest.fixture(scope="module")
def decomposed(tmp_path_factory):
    """The example plan decomposed (so it has Targets, SignedOff blank) and issued, once."""
    root = tmp_path_factory.mktemp("decomposed")
    plan = example_plan(root / "plan.xlsx", "en", "decompose")
    assert say("issue", plan, "--out", root / "books")[0] == 0
    return plan, root / "books"


@pytest.fixture
def accepted(decomposed, tmp_path):
    """A copy of the decomposed plan, and its folder with the acceptance typed by one rep."""
    plan, books = decomposed
    mine, folder = tmp_path / "plan.xlsx", tmp_path / "returned"
    shutil.copy(plan, mine)
    shutil.copytree(books, folder)
    rep, day = ACCEPTED
    type_into(rep_file(folder, rep), {}, day)
    return mine, folder


def package_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_an_acceptance_is_shown_on_targets_by_collect_itself_as_decompose_shows_it(
    accepted, tmp_path
):
    """Targets read back right after collect (no decompose) shows the rep's acceptance; a
    decompose of a copy of the collected plan (the other path) writes the very same Targets.
    Only Targets' SignedOff cells and tblSignOffs changed: every other part is as it was."""
    plan, folder = accepted
    rep, day = ACCEPTED
    header, *before = table_rows(plan, "tblTargets")
    assert "SignedOff" in header and not any(r[header.index("SignedOff")] for r in before)
    parts = package_parts(plan)
    code, out, err = say("collect", folder, plan)
    assert code == 0, err
    assert f"  accepted the plan: {rep} {day:%Y-%m-%d} (v1) — shown on Targets (SignedOff)" in out
    assert "  wrote tblSignOffs, tblTargets in " in out

    wb = openpyxl.load_workbook(plan)
    ws = wb["Targets"]
    table = ws.tables["tblTargets"]
    first, last = table.ref.split(":")
    cells = [[c.value for c in r] for r in ws[first:last]]
    signed = {r[0]: r[cells[0].index("SignedOff")] for r in cells[1:]}
    assert signed[rep] == f"{day:%Y-%m-%d} (v1)"
    assert {k for k, v in signed.items() if v} == {rep}
    col = header.index("SignedOff")
    assert [r[:col] + r[col + 1 :] for r in table_rows(plan, "tblTargets")] == [
        r[:col] + r[col + 1 :]
        for r in [header, *before]  # the targets as decomposed
    ]

    again = tmp_path / "decomposed-again.xlsx"
    shutil.copy(plan, again)
    assert say("decompose", again)[0] == 0
    assert table_rows(again, "tblTargets") == table_rows(plan, "tblTargets")

    after = package_parts(plan)
    changed = {n for n in parts if after.get(n) != parts[n]} | (after.keys() - parts.keys())
    sign_offs = next(t for t in find_tables(str(plan)) if t.name == "tblSignOffs")
    targets = next(t for t in find_tables(str(plan)) if t.name == "tblTargets")
    assert changed <= {sign_offs.sheet_part, sign_offs.part, targets.sheet_part}
    assert targets.sheet_part in changed


def test_collect_shows_nothing_new_on_targets_twice_and_writes_nothing(accepted):
    plan, folder = accepted
    assert say("collect", folder, plan)[0] == 0
    before = plan.read_bytes()
    code, out, _ = say("collect", folder, plan)
    assert code == 0 and "nothing new: the plan was not changed" in out
    assert plan.read_bytes() == before


def test_a_refused_write_leaves_targets_and_the_plan_byte_identical(accepted):
    """tblSignOffs without its File column: collect refuses, and the SignedOff cells it
    would have set on Targets are not written either (one write, or none)."""
    plan, folder = accepted
    wb = openpyxl.load_workbook(plan)
    ws = wb["SignOffs"]
    table = ws.tables["tblSignOffs"]
    ws.cell(1, 4).value = "Remark"  # File is no more
    table.tableColumns[3].name = "Remark"
    wb.save(plan)
    before = plan.read_bytes()
    code, _, err = say("collect", folder, plan)
    assert code == 2 and "File" in err
    assert plan.read_bytes() == before


def test_a_plan_without_tblSignOffs_gets_it_in_the_same_write(returned):
    plan, folder = returned
    wb = openpyxl.load_workbook(plan)
    del wb["SignOffs"]
    wb.save(plan)
    code, out, err = say("collect", folder, plan)
    assert code == 0, err
    assert "created sheet SignOffs with table tblSignOffs" in out
    assert table_rows(plan, "tblSignOffs")[1][0] == ACCEPTED[0]


# -- refusals --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def strangers(issued, tmp_path_factory):
    """Workbooks that are not this plan's, this period's or this rep's, each with new weeks."""
    plan, books = issued
    tmp_path = tmp_path_factory.mktemp("strangers")
    out = {}
    # another plan: the same example company initialised again (a new PlanID)
    other = new_example(tmp_path / "other.xlsx", "--locale", "en")
    assert say("issue", other, "--out", tmp_path / "other")[0] == 0
    out["plan"] = rep_file(tmp_path / "other", "S004")
    # another period: this plan (same PlanID), its period moved by a quarter
    # (the full example: the light one has no history a quarter before its own)
    moved = example_plan(tmp_path / "moved.xlsx", "en", light=False)
    plan_id = {r[0]: r[1] for r in table_rows(plan, "tblSettings")}["PlanID"]
    set_setting(moved, "PlanID", plan_id)
    set_setting(moved, "PeriodStart", (dt.date(2026, 7, 6) - EXCEL_EPOCH).days)
    assert say("issue", moved, "--out", tmp_path / "moved")[0] == 0
    out["period"] = rep_file(tmp_path / "moved", "S004")
    # another rep: S006's workbook under S007's name
    named = tmp_path / "named"
    named.mkdir()
    seven = rep_file(books, "S007").name
    shutil.copy(rep_file(books, "S006"), named / seven)
    out["rep"] = named / seven
    # an encrypted workbook without its password, and one whose password is wrong
    locked = tmp_path / "locked"
    locked.mkdir()
    for rep in ("S008", "S009"):
        path = locked / rep_file(books, rep).name
        path.write_bytes(encrypt(rep_file(books, rep).read_bytes(), PASSWORD))
    out["no password"] = locked / rep_file(books, "S008").name
    out["wrong password"] = locked / rep_file(books, "S009").name
    # not a salesplan workbook at all
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    out["not ours"] = plain
    for path in out.values():
        if zipfile.is_zipfile(path) and path != plain:
            type_into(path, {7: (5000.0, 1, 1, 1, 1)})
    return out


def test_actuals_from_a_source_are_compared_with_the_returned_weeks_never_written(copy):
    """tblActuals read from a CSV (tblSources): the plan's own table is not read, so a week
    written into it would count for nothing. Before: collect appended the returned weeks
    to it as blank rows and said "rows added"; now it compares them with the source, writes
    none of them, says so — and still records the acceptance."""
    plan, folder = copy
    header, *rows = table_rows(plan, "tblActuals")
    with open(plan.parent / "actuals.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *([("" if v is None else v) for v in r] for r in rows)])
    wb = openpyxl.load_workbook(plan)
    for j, value in enumerate(("tblActuals", "actuals.csv"), start=1):
        wb["Sources"].cell(2, j).value = value
    wb.save(plan)
    send_back(folder)
    own = table_rows(plan, "tblActuals")
    for prefer in ([], ["--prefer", "returned"]):
        code, out, err = say("collect", folder, plan, *prefer)
        assert code == 0, err
        assert (
            "tblActuals comes from actuals.csv (tblSources): the returned weeks are compared with "
            "it and not written into the plan"
        ) in out
        new = sum(len(weeks) for weeks in NEW_WEEKS.values())
        assert f"not in actuals.csv: {new}, differing from it: 1" in out
        rep, week, amount = CONFLICT
        in_plan = next(r[2] for r in rows if r[0] == week and r[1] == rep)
        assert (
            f"week {week}: Amount {in_plan:,.2f} in actuals.csv, {amount:,.2f} returned — the "
            "source's value counts"
        ) in out
        assert "rows added" not in out and "--prefer" not in out
        assert table_rows(plan, "tblActuals") == own  # not a row, not a cell
    _, *signed = table_rows(plan, "tblSignOffs")  # the acceptance, once (the second run: none)
    rep, day = ACCEPTED
    assert [[r[0], _day(r[1]), r[2]] for r in signed] == [[rep, day, 1]]


REASONS = {
    "plan": "a workbook of another plan",
    "period": "a workbook of another period (2026-07-06/13; this plan's is 2026-10-05/13)",
    "rep": "its name says rep S007 but it was issued to rep S006",
    "no password": "encrypted, and passwords.csv has no password for it",
    "wrong password": "encrypted, and the password in passwords.csv does not open it",
    "not ours": "not a responsibility workbook issued by salesplan",
}


@pytest.mark.parametrize("kind", list(REASONS))
def test_a_foreign_workbook_is_refused_by_name_and_the_plan_is_byte_identical(
    copy, strangers, kind, tmp_path
):
    plan, _ = copy
    folder = tmp_path / f"only-{kind.replace(' ', '-')}"
    folder.mkdir()
    shutil.copy(strangers[kind], folder / strangers[kind].name)
    if kind == "wrong password":
        write_password_list(
            folder / "passwords.csv",
            [
                {
                    "RepID": "S009",
                    "Name": "x",
                    "File": strangers[kind].name,
                    "Password": "Wr0ngPassw0rd",
                }
            ],
        )
    before = plan.read_bytes()
    code, out, err = say("collect", folder, plan)
    assert code == 0, err
    assert f"  refused {strangers[kind].name}: {REASONS[kind]}" in out
    assert "files refused: 1" in out and "nothing new: the plan was not changed" in out
    assert plan.read_bytes() == before
    assert not plan.with_name(plan.name + ".bak").exists()


def test_refused_files_are_listed_and_the_others_merged(returned, strangers):
    plan, folder = returned
    for kind in ("plan", "period"):
        shutil.copy(strangers[kind], folder / f"{kind}-{strangers[kind].name}")
    code, out, _ = say("collect", folder, plan)
    assert code == 0
    assert "files refused: 2" in out and "rows added to tblActuals: 6" in out
    assert out.count("  refused ") == 2


def test_a_workbook_with_a_value_that_is_no_amount_or_count_is_refused_at_its_first_cell(
    returned,
):
    """Every file's typed cells are read at once; a file with a wrong value is refused at its
    first one (the counts' columns before the amount's, as a rep reads across a row: F–I,
    then E), and the other files are merged."""
    plan, folder = returned
    type_into(rep_file(folder, "S004"), {7: ("abc", 3, 1, 0, 0), 8: (500.0, -3, 1, 0, 0)})
    type_into(rep_file(folder, "S006"), {7: (-5.5, 2, 1, 0, 0), 9: (100.0, 2, "two", 0, 0)})
    type_into(rep_file(folder, "S008"), {7: (-0.01, None, None, None, None)})
    code, out, err = say("collect", folder, plan)
    assert code == 0, err
    refused = sorted(line for line in out.splitlines() if line.startswith("  refused "))
    assert refused == [
        f"  refused {rep_file(folder, 'S004').name}: Actuals!F12: “-3” is not a number of 0 or more",
        f"  refused {rep_file(folder, 'S006').name}: Actuals!G13: “two” is not a number of 0 or more",
        f"  refused {rep_file(folder, 'S008').name}: Actuals!E11: “-0.01” is not a number of 0 or more",
    ]
    assert "files refused: 3" in out and "rows added to tblActuals: 6" in out


def test_collect_on_every_core_merges_and_refuses_as_one_process_does(returned, monkeypatch):
    """The workbooks read by a pool of processes (as 20,000 are): the same weeks merged, the
    same files refused for the same reasons, as when this process reads them one by one."""
    from xl_addin.repbook import pool

    plan, folder = returned
    type_into(rep_file(folder, "S004"), {7: (500.0, -3, 1, 0, 0)})
    twin = plan.with_name("twin.xlsx")
    shutil.copy(plan, twin)
    said, tables = {}, {}
    for kind, path, first in (("one", plan, 10_000), ("pool", twin, 0)):
        monkeypatch.setattr(pool, "PARALLEL_FROM", first)
        code, out, err = say("collect", folder, path)
        assert code == 0, err
        lines = out.replace(str(path), "the plan").splitlines()
        said[kind] = [line for line in lines if not line.startswith("Collected ")]  # its time
        signed = [row[:-1] for row in table_rows(path, "tblSignOffs")]  # but CollectedAt
        tables[kind] = [table_rows(path, "tblActuals"), signed]
    assert os.cpu_count() > 1  # else the pool would be one process too
    assert said["pool"] == said["one"] and tables["pool"] == tables["one"]
    assert "files refused: 1" in "\n".join(said["one"]) and "rows added to tblActuals: 6" in (
        "\n".join(said["one"])
    )


def test_a_workbook_saved_in_another_format_is_refused_not_passed_over(returned):
    """A rep who saved the weeks in LibreOffice's own format (.ods), in WPS's (.et) or as an
    old .xls sends back a file collect cannot read: it is listed as refused, with what to do,
    not left out without a word (it was: only .xlsx and .xlsm were looked at)."""
    plan, folder = returned
    for kind in (".ods", ".et", ".xls"):
        (folder / f"S011_Ethan Clark_2026-10-05{kind}").write_bytes(b"\x00" * 64)
    (folder / "notes.txt").write_text("not a spreadsheet: not listed")
    code, out, err = say("collect", folder, plan)
    assert code == 0, err
    assert "files refused: 3" in out and "rows added to tblActuals: 6" in out
    for kind in (".ods", ".et", ".xls"):
        assert (
            f"  refused S011_Ethan Clark_2026-10-05{kind}: a spreadsheet saved as {kind}, which "
            "salesplan does not read: open it and save it as an Excel workbook (.xlsx), then "
            "collect again"
        ) in out
    assert "notes.txt" not in out


def test_two_workbooks_of_one_rep_are_both_refused(returned):
    plan, folder = returned
    shutil.copy(rep_file(folder, "S002"), folder / "S002 copy.xlsx")
    code, out, _ = say("collect", folder, plan)
    assert code == 0
    assert out.count("rep S002 returned more than one workbook") == 2
    assert "  S002:" not in out


# -- bad input, and a collect that dies ------------------------------------------------------
def test_a_password_list_saved_again_by_excel_in_gbk_still_opens_the_workbook(returned):
    """passwords.csv edited in Excel on a Chinese Windows comes back in GBK: the encrypted
    workbook still opens; a list of no encoding is named, not blamed on the plan."""
    plan, folder = returned
    text = (folder / "passwords.csv").read_text(encoding="utf-8-sig")
    (folder / "passwords.csv").write_bytes(text.replace(",x,", ",赵磊,").encode("gbk"))
    code, out, err = say("collect", folder, plan)
    assert code == 0 and "files refused: 0" in out and "S010: weeks read" in out, err
    before = plan.read_bytes()
    (folder / "passwords.csv").write_bytes(text.encode("gbk") + b"S011,\x80\xff,f,p\n")
    code, out, err = say("collect", folder, plan)
    assert code == 2 and plan.read_bytes() == before
    assert (
        "passwords.csv: passwords.csv is text in none of UTF-8, UTF-16 and GB18030 (GBK): " in err
    )
    assert "line 3 " in err


def test_workbooks_saved_again_by_libreoffice_are_collected_as_the_originals(issued, tmp_path):
    """A rep who types the weeks in LibreOffice Calc and saves the workbook (as .xlsx) sends
    back a file LibreOffice wrote: the same weeks and the same acceptance are collected as from
    the workbook as typed (one soffice call for both reps)."""
    plan, books = issued
    collected = {}
    for how in ("typed", "libreoffice"):
        mine, folder = tmp_path / how / "plan.xlsx", tmp_path / how / "returned"
        folder.parent.mkdir()
        shutil.copy(plan, mine)
        shutil.copytree(books, folder)
        reps = ("S002", "S020")
        for rep in reps:
            accepted = ACCEPTED[1] if rep == ACCEPTED[0] else None
            type_into(rep_file(folder, rep), NEW_WEEKS[rep], accepted)
        if how == "libreoffice":
            saved = convert([rep_file(folder, rep) for rep in reps], "xlsx", tmp_path / "lo")
            for path in saved:
                shutil.copyfile(path, folder / path.name)
        code, out, err = say("collect", folder, mine)
        assert code == 0 and "files refused: 0" in out, err
        collected[how] = (table_rows(mine, "tblActuals"), table_rows(mine, "tblSignOffs"))
    (actuals, sign_offs), (lo_actuals, lo_sign_offs) = collected["typed"], collected["libreoffice"]
    assert lo_actuals == actuals
    assert [r[:4] for r in lo_sign_offs] == [r[:4] for r in sign_offs]  # but CollectedAt
    assert len(sign_offs) == 2 and sign_offs[1][0] == ACCEPTED[0]


def test_a_plan_without_planid_is_refused_until_issued(copy):
    plan, folder = copy
    cell = set_setting(plan, "PlanID", None)
    before = plan.read_bytes()
    code, out, err = say("collect", folder, plan)
    assert code == 2
    assert f"Settings!{cell}: the plan has no PlanID" in err and "salesplan issue" in err
    assert plan.read_bytes() == before


def test_a_missing_folder_or_plan_is_bad_input(copy, tmp_path):
    plan, folder = copy
    code, _, err = say("collect", tmp_path / "nowhere", plan)
    assert code == 2 and "is not a folder" in err
    lonely = tmp_path / "a" / "b"
    lonely.mkdir(parents=True)
    code, _, err = say("collect", lonely)
    assert code == 2 and "name the plan: salesplan collect DIR PLAN" in err


def test_the_plan_is_found_beside_a_folder_named_after_it(returned):
    plan, folder = returned
    named = folder.with_name(f"{plan.stem} workbooks")
    folder.rename(named)
    code, out, err = say("collect", named)
    assert code == 0, err
    assert "rows added to tblActuals: 6" in out


KILLER = """
import os, signal, sys
from xl_addin.workbook import zipcopy
from xl_addin.repbook import collect

real = zipcopy.write_zip
when = sys.argv[1]

def dying_write(user, raw, written, removed, out):
    out.write(b"PK half a workbook")
    os.kill(os.getpid(), signal.SIGKILL)

def dying_read(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if when == "write":
    zipcopy.write_zip = dying_write
    import xl_addin.workbook.splice as splice
    splice.write_zip = dying_write
else:
    collect.read_returned = dying_read
from xl_addin.cli import main
sys.exit(main(["collect", sys.argv[2], sys.argv[3]]))
"""


@pytest.mark.parametrize("when", ["read", "write"])
def test_a_killed_collect_leaves_the_plan_intact(returned, when):
    plan, folder = returned
    before = plan.read_bytes()
    run = subprocess.run(
        [sys.executable, "-c", KILLER, when, str(folder), str(plan)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert plan.read_bytes() == before
    # what a kill leaves is a hidden temporary file at most; the next collect does it all
    assert not [p for p in plan.parent.iterdir() if p.suffix == ".xlsx" and p != plan]
    code, out, _ = say("collect", folder, plan)
    assert code == 0 and "rows added to tblActuals: 6" in out


def test_a_chinese_plan_is_told_in_chinese(tmp_path):
    plan = tmp_path / "plan.xlsx"
    example_plan(plan, "zh-CN")
    assert say("issue", plan, "--out", tmp_path / "books")[0] == 0
    folder = tmp_path / "books"
    type_into(rep_file(folder, "S002"), {7: (1000.0, 1, 1, 1, 1), 2: (1.0, None, None, None, None)})
    openpyxl.Workbook().save(folder / "stray.xlsx")
    code, out, _ = say("collect", folder, plan)
    assert code == 0
    assert "收回" in out and "拒收 stray.xlsx" in out and "第 2 周" in out
    # no English words but names: RepIDs, tables, file names, paths and the command's option
    text = out.replace(str(tmp_path), "")
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_]+", text))
    allowed = {"tblActuals", "xlsx", "stray", "books", "plan", "prefer", "returned", "salesplan"}
    assert {w for w in words if not re.fullmatch(r"S\d+", w)} <= allowed
    with open(folder / "manifest.csv", encoding="utf-8-sig") as fh:
        assert any(r["Kind"] == "region" for r in csv.DictReader(fh))  # roll-ups skipped


# -- the marker's PlanID, given by issue to a plan that has none -----------------------------
def marker_of(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        xml = z.read("docProps/custom.xml").decode()
    return dict(re.findall(r'name="([^"]+)"><vt:\w+>([^<]*)<', xml))


def test_issue_gives_a_plan_without_planid_one_and_collect_then_takes_its_workbooks(copy, tmp_path):
    plan, _ = copy
    cell = set_setting(plan, "PlanID", None)
    code, _, err = say("issue", plan, "--out", tmp_path / "books")
    assert code == 0, err
    settings = {r[0]: r[1] for r in table_rows(plan, "tblSettings")}
    plan_id = settings["PlanID"]
    assert re.fullmatch(r"[0-9a-f]{12}", str(plan_id)), plan_id
    assert cell == f"B{list(settings).index('PlanID') + 1}"  # in its own cell, not a new row
    marker = marker_of(rep_file(tmp_path / "books", "S001"))
    assert marker == {
        "salesplan.plan": plan_id,
        "salesplan.rep": "S001",
        "salesplan.period": "2026-10-05/13",
        "salesplan.version": "1",
    }
    type_into(rep_file(tmp_path / "books", "S001"), {7: (10.0, 1, 1, 1, 1)})
    code, out, _ = say("collect", tmp_path / "books", plan)
    assert code == 0 and "rows added to tblActuals: 1" in out


def test_a_plan_without_a_planid_row_gets_one_described_at_the_end_of_tblSettings(copy, tmp_path):
    plan, _ = copy
    wb = openpyxl.load_workbook(plan)
    ws = wb["Settings"]
    table = ws.tables["tblSettings"]
    at = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == "PlanID")
    last = ws.max_row
    ws.delete_rows(at)
    table.ref = table.autoFilter.ref = f"A1:C{last - 1}"
    wb.save(plan)
    assert say("issue", plan, "--out", tmp_path / "books")[0] == 0
    rows = table_rows(plan, "tblSettings")
    assert rows[-1][0] == "PlanID" and len(rows) == last
    assert rows[-1][2].startswith("this plan's identity")  # described as init describes it
    assert marker_of(rep_file(tmp_path / "books", "S002"))["salesplan.plan"] == rows[-1][1]


def test_a_failed_issue_gives_the_plan_no_planid(copy, tmp_path, monkeypatch):
    from xl_addin.repbook import issue

    plan, _ = copy
    set_setting(plan, "PlanID", None)
    before = plan.read_bytes()

    def fail(job):
        raise OSError("disk full")

    monkeypatch.setattr(issue, "write_book", fail)
    code, _, err = say("issue", plan, "--out", tmp_path / "books")
    assert code == 1 and "disk full" in err
    assert plan.read_bytes() == before


def test_a_workbook_whose_sheets_cannot_be_read_is_refused_and_the_rest_go_on(returned):
    plan, folder = returned
    broken = rep_file(folder, "S002")
    src = zipfile.ZipFile(io.BytesIO(broken.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            if info.filename != ACTUALS_PART:  # the Actuals sheet lost
                z.writestr(info, src.read(info))
    broken.write_bytes(out.getvalue())
    code, said, _ = say("collect", folder, plan)
    assert code == 0
    assert f"  refused {broken.name}: its sheets cannot be read (" in said
    assert "files refused: 1" in said and "rows added to tblActuals: 4" in said  # S002's 2 not


def test_a_workbook_with_a_value_typed_far_away_is_refused_naming_the_cell(returned):
    """A value at XFD1048576 would make the Actuals sheet a grid of 17 billion cells (the
    process aborted); the file is refused, naming the cell, and the others are collected."""
    plan, folder = returned
    stray = rep_file(folder, "S002")
    stray.write_bytes(edit_parts(stray.read_bytes(), {ACTUALS_PART: {(1048576, 16384): 1}}))
    code, said, _ = say("collect", folder, plan)
    assert code == 0
    assert f"  refused {stray.name}: it has a value at XFD1048576, far from the workbook's" in said
    assert "files refused: 1" in said and "rows added to tblActuals: 4" in said
