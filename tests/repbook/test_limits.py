"""Texts Excel limits are shortened, never dropped (issue 17, item 5): a page header holds at
most 255 characters, and XlsxWriter leaves out a longer one with only a warning."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from engine.progress import progress
from tests.examples import example_plan
from xl_addin.cli import main
from xl_addin.repbook.render import HEADER_LIMIT, header_text, render_repbook
from xl_addin.repbook.responsibility import rep_books
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan


@pytest.mark.parametrize(
    ("text", "room", "want"),
    [
        ("A&B", 10, "A&&B"),
        ("x" * 30, 10, "x" * 9 + "…"),
        ("ab&cd", 4, "ab…"),  # never half of a doubled &
        ("abc&&&", 8, "abc&&&&…"),
        ("abc&&&", 7, "abc&&…"),
    ],
)
def test_header_text_doubles_ampersands_and_shortens(text, room, want):
    assert header_text(text, room) == want
    assert len(header_text(text, room)) <= room


def test_a_rep_with_a_270_character_name_keeps_a_page_header_with_the_repid(tmp_path):
    path = tmp_path / "plan.xlsx"
    example_plan(path, "en")
    plan = read_plan(FileBook(path))
    book = rep_books(progress(plan), plan)[0]
    long = dataclasses.replace(book, name="Ángel & " + "N" * 262)
    with zipfile.ZipFile(io.BytesIO(render_repbook(long))) as z:
        for part in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"):
            xml = z.read(part).decode()
            header = re.search(r"<oddHeader>([^<]*)</oddHeader>", xml)
            assert header, part  # before: no header at all
            text = header[1].replace("&amp;", "&")
            assert len(text) <= HEADER_LIMIT
            assert text.startswith("&LÁngel && NNN") and f"… ({book.rep_id})&R" in text


def test_a_name_longer_than_a_cell_holds_is_cut_to_32767_with_a_note(tmp_path, capsys):
    """Only another program writes 40,000 characters into a cell (Excel stops at 32,767):
    the reader keeps the first 32,767, so the sheets show what Excel can hold, and says so."""
    path = example_plan(tmp_path, "en")
    wb = openpyxl.load_workbook(path)
    ws = wb["Reps"]
    header = [c.value for c in ws[1]]
    column = header.index("Name") + 1
    ws.cell(3, column).value = "LONG-NAME"  # S002's; openpyxl itself stops at 32,767
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {i: z.read(i) for i in z.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts.items():
            z.writestr(info, data.replace(b"LONG-NAME", b"N" * 40_000))
    capsys.readouterr()
    assert main(["decompose", str(path)]) == 0
    out = capsys.readouterr().out
    cell = f"Reps!{get_column_letter(column)}3"
    assert (
        f"{cell}: Name holds 40,000 characters, more than an Excel cell holds; the first 32,767"
        " are used" in out
    )
    targets = openpyxl.load_workbook(path, read_only=True)["Targets"]
    names = [row[1] for row in targets.iter_rows(min_row=3, max_row=4, values_only=True)]
    assert len(names[1]) == 32_767 and names[1] == "N" * 32_767
