"""A Chinese plan hears no English: its output sheets, a responsibility workbook, a region
roll-up and what the command line says (file paths aside) are scanned for Latin words, and every one found must
be a name the user reads as a name — a RepID or week column (S001, W3), a table name, a
setting name, a sheet name, the product's name, or text the user typed in the plan itself."""

from __future__ import annotations

import contextlib
import io
import re

import openpyxl

from engine.settings import SPECS
from xl_addin.cli import main

OUTPUT_SHEETS = ("Targets", "Breakdown", "Phasing", "Reconciliation", "Tracking", "Commission", "Dashboard")  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]+")
CODE = re.compile(r"^(tbl\w+|[A-Z]\d+)$")  # table names; RepIDs and week columns
NAMES = {"salesplan", "KPI"}  # the product, and a word Chinese business text uses as it is


def said(*args) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(args)) == 0
    return out.getvalue()


def strings(book, sheets=None):
    for ws in book.worksheets:
        if sheets is None or ws.title in sheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and not c.value.startswith("="):
                        yield f"{ws.title}!{c.coordinate}", c.value


def test_a_chinese_plan_has_no_english_sentence(tmp_path):
    plan = tmp_path / "plan.xlsx"
    said("init", str(plan), "--example")
    typed = openpyxl.load_workbook(plan)
    user = {w for _, text in strings(typed) for w in WORD.findall(text)}
    allowed = user | set(SPECS) | set(typed.sheetnames) | set(OUTPUT_SHEETS) | NAMES
    lines = said("decompose", str(plan)) + said("track", str(plan))
    lines += said("issue", str(plan), "--out", str(tmp_path / "out"))
    written = openpyxl.load_workbook(plan)
    rep = next((tmp_path / "out").glob("S001_*.xlsx"))
    rollup = next((tmp_path / "out").glob("区域_*.xlsx"))
    places = [
        *strings(written, OUTPUT_SHEETS),
        *strings(openpyxl.load_workbook(rep)),
        *strings(openpyxl.load_workbook(rollup)),
        *(("stdout", line) for line in lines.splitlines()),
    ]
    assert len(places) > 1000  # the scan saw the sheets
    english = [
        (where, w)
        for where, text in places
        for w in WORD.findall(re.sub(re.escape(str(tmp_path)) + r"[^\s，]*", "", text))
        if w not in allowed and not CODE.match(w)
    ]
    assert english == []
