"""Texts Excel limits are shortened, never dropped (issue 17, item 5): a page header holds at
most 255 characters, and XlsxWriter leaves out a longer one with only a warning."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile

import pytest

from engine.progress import progress
from tests.examples import example_plan
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
