"""The data rows of long plain tables come from rustpy-xlsxwriter (sheets/bulkrows.py, joined
in workbook/bulksplice.py); the workbook must be the one XlsxWriter alone writes.

The second method here is the plain path: the same sheets rendered by XlsxWriter cell by
cell (render.render) and spliced. Every part of the two workbooks must be the same bytes but
the bulk sheets' parts, and those the same XML but two harmless spellings rustpy-xlsxwriter
has: no `spans` on a row, `127425.0` for `127425`.
"""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from engine import decompose
from tests.examples import example_plan
from xl_addin.sheets import bulkrows
from xl_addin.sheets.description import Block, Col, OutputSheet
from xl_addin.sheets.outputs import describe
from xl_addin.sheets.render import render
from xl_addin.workbook import bulksplice, splice
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan

ODD_TEXT = [
    " leading space",
    "trailing space ",
    "line\nbreak",
    "marks <&>\"' here",
    "_x0041_ stays as typed",
    "control \x01 char",
    "区域 华东 😀",
    '" s="1"><v>',  # the very bytes the splice replaces, as text
    "=SUM(A1:A2)",  # text, never a formula
    "x" * 32_767,
]


def _plain(monkeypatch) -> None:
    """Make `replace_sheets` write every cell with XlsxWriter (no bulk rows)."""
    monkeypatch.setattr(
        splice, "render_for_splice", lambda sheets, adds: (render(sheets, adds), {})
    )


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _same_spelling(xml: bytes) -> bytes:
    xml = re.sub(rb' spans="[0-9]+:[0-9]+"', b"", xml)
    return re.sub(rb"<v>(-?[0-9]+)\.0</v>", rb"<v>\1</v>", xml)


def _written_both_ways(tmp_path, monkeypatch, plan, sheets) -> tuple[dict, dict]:
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    fast.write_bytes(plan.read_bytes())
    slow.write_bytes(plan.read_bytes())
    splice.replace_sheets(fast, sheets)
    with monkeypatch.context() as m:
        _plain(m)
        splice.replace_sheets(slow, sheets)
    return _parts(fast), _parts(slow)


def _sheet_parts(parts: dict[str, bytes], names: list[str]) -> dict[str, str]:
    """Sheet name -> its part, from the workbook and its relationships."""
    workbook = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = dict(re.findall(r'Id="(rId[0-9]+)"[^>]*Target="([^"]+)"', rels))
    target |= {k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId[0-9]+)"', rels)}
    ids = dict(re.findall(r'<sheet name="([^"]+)" sheetId="[0-9]+" r:id="(rId[0-9]+)"', workbook))
    return {n: "xl/" + target[ids[n]].lstrip("/").removeprefix("xl/") for n in names}


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_example_decomposes_to_the_very_workbook_xlsxwriter_alone_writes(
    tmp_path, monkeypatch, locale
):
    plan = example_plan(tmp_path / "plan", locale)
    book = FileBook(plan)
    read = read_plan(book)
    sheets = describe(decompose(read), read.settings, read.sign_offs, book.table_names())
    book.close()
    bulk = [s.name for s in sheets if bulkrows.bulk(s)]
    # Breakdown always; Phasing when it is one table (no working-days table beside it: en)
    assert bulk == (["Breakdown", "Phasing"] if locale == "en" else ["Breakdown"])
    fast, slow = _written_both_ways(tmp_path, monkeypatch, plan, sheets)
    assert fast.keys() == slow.keys()
    at = _sheet_parts(fast, bulk)
    for name, data in fast.items():
        if name in at.values():
            assert data != slow[name]  # written the other way indeed
            assert _same_spelling(data) == _same_spelling(slow[name]), name
        else:
            assert data == slow[name], name


def _odd_sheet(rows: int) -> OutputSheet:
    text = (ODD_TEXT * (rows // len(ODD_TEXT) + 1))[:rows]
    big = 2**53 - 1
    numbers = np.array(([big, -big, 0, -1, 7, 1_000_000_000_000] * rows)[:rows], dtype=np.int64)
    frame = pd.DataFrame(
        {
            "name": pd.Series(text, dtype="str"),
            "plain": pd.Series(text, dtype=object),
            "a": numbers,
            "b": numbers[::-1].copy(),
            "share": np.arange(rows, dtype=np.int64),
        }
    )
    columns = (
        Col("name", "Name"),
        Col("plain", "Plain"),
        Col("a", "Amount", "#,##0"),
        Col("b", "Other amount", "#,##0"),  # the same format as a: one style
        Col("share", "Count", "0"),
    )
    return OutputSheet("Odd", "Odd", (Block("tblOdd", columns, frame, title="Odd cells"),))


@pytest.mark.parametrize("rows", [2, 3, 997])
def test_awkward_text_and_numbers_come_out_as_xlsxwriter_writes_them(tmp_path, monkeypatch, rows):
    plan = example_plan(tmp_path / "plan")
    sheet = _odd_sheet(rows)
    assert bulkrows.bulk(sheet)
    # cut the rows into pieces of a few hundred bytes: every cut falls somewhere new
    monkeypatch.setattr(bulksplice, "CHUNK", 301)
    monkeypatch.setattr(splice, "CHUNK", 173)
    fast, slow = _written_both_ways(tmp_path, monkeypatch, plan, [sheet])
    (part,) = _sheet_parts(fast, ["Odd"]).values()
    assert _same_spelling(fast[part]) == _same_spelling(slow[part])
    assert {n: d for n, d in fast.items() if n != part} == {
        n: d for n, d in slow.items() if n != part
    }
    # and read back as the frame holds them by calamine (a third reader, which also undoes
    # the _xHHHH_ escapes both writers use), styled and tabled as openpyxl reads it
    path = tmp_path / "fast.xlsx"
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Odd").to_python()
    got = [[v if isinstance(v, str) else int(v) for v in row] for row in grid[2 : 2 + rows]]
    want = sheet.blocks[0].frame.astype(object).to_numpy().tolist()
    assert len(grid) == 2 + rows
    bad = [k for k, (a, b) in enumerate(zip(got, want, strict=True)) if a != b]
    assert not bad, f"{len(bad)} rows differ, the first: {got[bad[0]]!r:.200} {want[bad[0]]!r:.200}"
    ws = openpyxl.load_workbook(path)["Odd"]
    assert [ws.cell(3, j).number_format for j in (1, 3, 4, 5)] == ["General", "#,##0", "#,##0", "0"]
    assert ws.tables["tblOdd"].ref == f"A2:E{2 + rows}"


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"t": ["a", None, "c"], "n": [1, 2, 3]}),  # a blank cell
        pd.DataFrame({"t": ["a", "b", "c"], "n": [1.5, 2.0, 3.0]}),  # not whole numbers
        pd.DataFrame({"t": ["a", "b", "c"], "n": [2**53, 0, 1]}),  # not exact as a double
        pd.DataFrame({"t": ["a", 1, "c"], "n": [1, 2, 3]}),  # a number among text
        pd.DataFrame({"t": ["a", "x" * 32_768, "c"], "n": [1, 2, 3]}),  # over a cell's text
        pd.DataFrame({"t": ["a"], "n": [1]}),  # one row: the stub's own
    ],
)
def test_a_table_the_two_writers_would_write_apart_is_written_by_xlsxwriter(frame):
    columns = (Col("t", "T"), Col("n", "N", "#,##0"))
    sheet = OutputSheet("S", "S", (Block("tblS", columns, frame),))
    assert not bulkrows.bulk(sheet)
    good = pd.DataFrame({"t": ["a", "b"], "n": [1, 2]})
    assert bulkrows.bulk(OutputSheet("S", "S", (Block("tblS", columns, good),)))


def test_a_cell_in_a_shape_the_splice_does_not_map_stops_the_run():
    wanted = {b"A": None, b"B": b"7"}
    row = b'<row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c><c r="B3" s="1"><v>1.0</v></c></row>'
    assert b"".join(bulksplice._mapped([row], wanted)) == row.replace(b's="1"', b's="7"')
    odd = row + row.replace(b'r="3"', b'r="4"').replace(b's="1"><v>', b's="1" t="n"><v>')
    with pytest.raises(AssertionError, match="shape not mapped"):
        list(bulksplice._mapped([odd], wanted))
    unstyled = {b"A": None, b"B": None}
    with pytest.raises(AssertionError, match="styled in one writer"):
        list(bulksplice._mapped([row], unstyled))


def test_the_stubs_table_is_given_its_whole_range(tmp_path):
    sheet = _odd_sheet(50)
    data, rows = splice.render_for_splice([sheet])
    assert set(rows) == {"Odd"}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        table = z.read("xl/tables/table1.xml")
        stub = z.read("xl/worksheets/sheet1.xml")
    assert b'ref="A2:E52"' in table and b'<autoFilter ref="A2:E52"/>' in table
    assert b'<dimension ref="A1:E52"/>' in stub
    assert re.findall(rb'<row r="([0-9]+)"', stub) == [b"1", b"2", b"52"]
