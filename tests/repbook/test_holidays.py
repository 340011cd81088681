"""A rep's Plan sheet says why a week's plan is low: the holidays in it (SPEC §1.1 Holidays).

The Chinese example's period starts on Monday 5 October 2026, in the National Day holiday
(5–7 October off, Saturday the 10th a working day: 3 working days), and its last week holds
New Year's Day 2027; every other week is a normal week.
"""

from __future__ import annotations

import io

import openpyxl

from engine.progress import progress
from tests.examples import example_plan
from xl_addin.repbook.render import render_repbook
from xl_addin.repbook.responsibility import rep_books
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan


def plan_sheet(path):
    plan = read_plan(FileBook(path))
    book = rep_books(progress(plan), plan)[0]
    wb = openpyxl.load_workbook(io.BytesIO(render_repbook(book)))
    return wb[wb.sheetnames[1]], book


def test_the_weeks_with_holidays_name_them_beside_their_plan(tmp_path):
    ws, book = plan_sheet(example_plan(tmp_path, "zh-CN"))
    assert ws["G3"].value == "节假日"
    weeks = {ws.cell(r, 1).value: ws.cell(r, 7).value for r in range(4, 17)}
    assert "国庆节" in weeks[1] and "元旦" in weeks[13]
    assert all(weeks[w] is None for w in range(2, 13))
    # the low first week is the one with 3 working days: 3/5 of the next weeks' plan, to RoundTo
    assert ws["D4"].value < ws["D5"].value


def test_without_holidays_the_plan_sheet_has_no_holiday_column(tmp_path):
    ws, _ = plan_sheet(example_plan(tmp_path, "en"))  # English: no Holidays by default
    assert [ws.cell(r, 7).value for r in range(3, 17)] == [None] * 14
