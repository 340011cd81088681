"""The worksheet whose formula preparation skips XlsxWriter's thirty substitutions where they
change nothing (xlsxsheet.py): the same prepared formula as XlsxWriter's for every formula
salesplan writes and for every function XlsxWriter prefixes, and the same files."""

from __future__ import annotations

import inspect
import io
import re
import zipfile

import pytest
import xlsxwriter
import xlsxwriter.worksheet
from xlsxwriter.worksheet import Worksheet as XlsxWorksheet

from tests.examples import new_example
from xl_addin.cli import main
from xl_addin.repbook import render as repbook_render
from xl_addin.repbook.render import render_repbook
from xl_addin.sheets import render as sheets_render
from xl_addin.sheets.xlsxsheet import DYNAMIC, FUTURE, Worksheet


def prefixed_by_xlsxwriter() -> tuple[list[str], list[str]]:
    """The functions XlsxWriter prefixes whatever the sheet asks, and those it prefixes for a
    conditional format's formula or a sheet that asks for future functions: from its table
    of them (3.3.4 on), or read from its source (before: one substitution for each)."""
    table = getattr(xlsxwriter.worksheet, "FUTURE_FUNCTIONS", None)
    if table is not None:  # 1: _xlfn., 2: _xlfn._xlws. (FILTER, SORT), 0: only when asked
        return [n for n, k in table.items() if k in (1, 2)], [n for n, k in table.items() if not k]
    source = inspect.getsource(XlsxWorksheet._prepare_formula)
    always, asked = source.split("if not self.use_future_functions")
    dynamic = re.findall(r're\.sub\(r"\\[bS](\w+)\\\(', always)
    future = re.findall(r're\.sub\(\s*r"\\b([\w.]+)\\\(', asked)
    assert len(future) == asked.count("re.sub(")  # none of another shape
    # XlsxWriter writes SINGLE's pattern as \SINGLE\( (\S, then INGLE): its name is SINGLE
    return [("S" + n if n == "INGLE" else n) for n in dynamic], future


def test_the_names_are_those_xlsxwriter_prefixes_without_being_asked():
    dynamic, _ = prefixed_by_xlsxwriter()
    assert len(dynamic) >= 29
    assert sorted(dynamic) == sorted(DYNAMIC)


def test_the_future_names_are_those_xlsxwriter_prefixes_when_asked():
    _, future = prefixed_by_xlsxwriter()
    assert len(future) >= 120
    assert sorted(future) == sorted(FUTURE)


def prepared(sheet_class, formula: str, future: bool, expand: bool) -> str:
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    if future:
        wb.use_future_functions = True  # as Workbook's option does, read by add_worksheet
    ws = wb.add_worksheet(None, sheet_class)
    ws.use_future_functions = future
    return ws._prepare_formula(formula, expand)


def written_formulas(monkeypatch) -> list[str]:
    """Every formula the responsibility workbooks of the formula-test variants hold."""
    seen = []
    original = Worksheet._prepare_formula

    def spy(self, formula, expand_future_functions=False):
        seen.append(formula)
        return original(self, formula, expand_future_functions)

    monkeypatch.setattr(Worksheet, "_prepare_formula", spy)
    return seen


ODD = [
    "=FILTER(A1:A9,B1:B9>0)",
    "{=SUM(A1:A3*B1:B3)}",
    "=_xlfn.XLOOKUP(A1,B:B,C:C)",
    "=IFERROR(XLOOKUP(A1,B:B,C:C),0)",
    "=SORTBY(A1:A9,B1:B9)",
    "=MYSINGLE(A1)",
    "=xSINGLE(1)",
    "=SINGLE(A1)",
    '=A1&"FILTER("',
    "=filter(A1:A9,B1:B9)",
    "=STDEV.S(A1:A9)+CONCAT(A1,B1)",
    "=ROUND(SUM(A1:A9),2)",
    "=SUMIFS(A1:A9,B1:B9,1)+COUNTIFS(A1:A9,1)",
    "=IFS(A1>0,1,TRUE,0)",
    "=BETAxDIST(1,2,3)+_BETA.DIST(1)",
    "=_xlfn.CONCAT(A1,B1)+CONCAT(A1)",
    "=$E5<ROUND($C5*0.9,2)",
    "",
    "=",
    "{}",
]


@pytest.mark.parametrize("future", [False, True])
@pytest.mark.parametrize("expand", [False, True])
def test_every_formula_is_prepared_as_xlsxwriter_prepares_it(
    books_of_variants, monkeypatch, future, expand
):
    seen = written_formulas(monkeypatch)
    for _, _, books in books_of_variants:
        render_repbook(books[0])
    monkeypatch.undo()
    assert len(seen) > 100
    names = [f"={name}(A1:A9)" for name in (*DYNAMIC, *FUTURE)]
    for formula in dict.fromkeys([*seen, *ODD, *names]):
        ours = prepared(Worksheet, formula, future, expand)
        assert ours == prepared(XlsxWorksheet, formula, future, expand), formula


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_the_files_are_byte_identical(books_of_variants, tmp_path, monkeypatch):
    books = [books[0] for _, _, books in books_of_variants]
    plan = new_example(tmp_path / "plan.xlsx")
    other = tmp_path / "other.xlsx"
    other.write_bytes(plan.read_bytes())
    ours = [render_repbook(b) for b in books]
    assert main(["track", str(plan)]) == 0
    monkeypatch.setattr(repbook_render, "Worksheet", XlsxWorksheet)
    monkeypatch.setattr(sheets_render, "Worksheet", XlsxWorksheet)
    theirs = [render_repbook(b) for b in books]
    assert main(["track", str(other)]) == 0
    for a, b in zip(ours, theirs, strict=True):
        assert parts(a) == parts(b)
    assert parts(plan.read_bytes()) == parts(other.read_bytes())  # the output sheets
