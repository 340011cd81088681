"""A Chinese plan hears no English: its output sheets, a responsibility workbook, a region
roll-up, what the command line says (file paths aside; the report of a send too) and a new
empty plan are scanned for Latin words, and every one found must be a name the user reads
as a name — a RepID or week column (S001, W3), a table name, a setting name, a sheet name,
the product's name, or text the user typed in the plan itself."""

from __future__ import annotations

import contextlib
import io
import os
import re

import openpyxl

from engine.settings import SPECS
from tests.examples import new_example
from xl_addin.cli import main

OUTPUT_SHEETS = ("Targets", "Breakdown", "Phasing", "Reconciliation", "Tracking", "Commission", "Dashboard")  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]+")
CODE = re.compile(r"^(tbl\w+|[A-Z]\d+)$")  # table names; RepIDs and week columns
PLAN_ID = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{12}(?![0-9A-Za-z])")  # a PlanID, not a word
NAMES = {"salesplan", "KPI"}  # the product, and a word Chinese business text uses as it is
# what the Readme of a new plan shows on purpose: a command (`salesplan decompose PLAN.xlsx`),
# business words Chinese text uses as they are, that a choice is read in English too
# (去年同期 = same_period_last_year) and the Locale's codes (中文（zh-CN）)
README_OWN = {
    "decompose",
    "collect",
    "PLAN",
    "xlsx",
    "CRM",
    "ERP",
    "KA",
    "SMB",
    "same_period_last_year",
}
README_OWN |= {"zh", "CN", "en"}
README_OWN |= {"CSV", "Parquet", "sqlite", "db"}  # file formats and a URL, as tblSources takes them
README_OWN |= {"scenarios", "scenario", "Scenarios"}  # the command, its option, its sheet
README_OWN |= {"HK", "US"}  # country codes, as Holidays takes them


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


def english_words(places, allowed, tmp_path) -> list[tuple[str, str]]:
    """(where, word) of every Latin word that is not allowed and not a code, paths aside."""
    return [
        (where, w)
        for where, text in places
        for w in WORD.findall(
            PLAN_ID.sub("", re.sub(re.escape(str(tmp_path)) + r"[^\s，]*", "", text))
        )
        if w not in allowed and not CODE.match(w)
    ]


def test_a_chinese_plan_has_no_english_sentence(tmp_path, monkeypatch):
    for name in [n for n in os.environ if n.startswith("SALESPLAN_")]:
        monkeypatch.delenv(name)  # send writes the outbox
    # init --example (Chinese unless told otherwise) on the light example (tests/examples.py):
    # decompose, track and issue write the very sheets and say the very lines of the full one,
    # and its history holds the same names
    plan = new_example(tmp_path / "plan.xlsx")
    typed = openpyxl.load_workbook(plan)
    user = {w for _, text in strings(typed) for w in WORD.findall(text)}
    allowed = user | set(SPECS) | set(typed.sheetnames) | set(OUTPUT_SHEETS) | NAMES
    lines = said("decompose", str(plan)) + said("track", str(plan))
    lines += said("issue", str(plan), "--out", str(tmp_path / "out"))
    report = said("send", str(tmp_path / "out"))
    assert "已写入发件箱" in report and "已发送" in report
    lines += report
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
    assert english_words(places, allowed, tmp_path) == []


def test_a_new_empty_chinese_plan_has_no_english_sentence(tmp_path):
    plan = tmp_path / "plan.xlsx"
    wrote = said("init", str(plan))  # zh-CN unless told otherwise
    book = openpyxl.load_workbook(plan)
    places = [*strings(book), ("stdout", wrote)]
    assert len(places) > 200  # the Readme, the Settings sheet and every table's headers
    assert "新品=0.2,成长=0.25,成熟=0.45,长尾=0.1" in dict(places).values()  # StageWeights
    allowed = set(SPECS) | set(book.sheetnames) | set(OUTPUT_SHEETS) | NAMES | README_OWN
    assert english_words(places, allowed, tmp_path) == []
