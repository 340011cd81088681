"""The data rows of long plain tables come from rustpy-xlsxwriter (sheets/bulkrows.py, joined
in workbook/bulksplice.py); the workbook must be the one XlsxWriter alone writes.

The second method here is the plain path: the same sheets rendered by XlsxWriter cell by
cell (render.render) and spliced. Every part of the two workbooks must be the same bytes but
the bulk sheets' parts, and those the same XML but for how a fraction or a power of ten is
spelt (rustpy-xlsxwriter's `0.35` and `1e+20` for XlsxWriter's `0.35` and `1E+20`: the same
double) and no `spans` on its rows. Whole numbers are spelt alike (`127425`), so readers
that type cells by their spelling (openpyxl) read the same int.
"""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from engine import decompose
from engine.progress import progress
from tests.examples import example_plan
from xl_addin.sheets import bulkrows
from xl_addin.sheets.description import Block, Chart, Col, OutputSheet, Rule, Series
from xl_addin.sheets.outputs import describe, describe_progress
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
    def double(m: re.Match) -> bytes:
        if re.fullmatch(rb"-?[0-9]+", m[1]):  # a whole number: spelt alike, as it is
            return m[0]
        try:
            return b"<v>%r</v>" % float(m[1])
        except ValueError:  # a formula's text result
            return m[0]

    return re.sub(rb"<v>([^<]*)</v>", double, re.sub(rb' spans="[0-9]+:[0-9]+"', b"", xml))


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


EXAMPLE_BULK = {
    "Targets": ("tblTargets",),  # tblRegionTargets and more beside it: XlsxWriter's
    "Breakdown": ("tblBreakdown",),
    "Phasing": ("tblPhasing",),  # with tblWorkWeeks beside it in zh-CN
    "Tracking": ("tblTracking",),  # its conditional formats; tblKPIScorecard beside it
    "Commission": ("tblCommissionEarned",),
    "Dashboard": ("tblDashboardRanking",),  # under the summary; the charts read others
}
# With every table beside of 3 rows or more written so too (a 20,000-rep plan's scorecard
# and commission statement are): the sheets whose rows are joined row by row.
BESIDE_TOO = EXAMPLE_BULK | {
    "Targets": ("tblTargets", "tblRegionTargets", "tblTeamTarget", "tblProductTargets"),
    "Tracking": ("tblTracking", "tblKPIScorecard", "tblKPINotes"),  # % KPIs: own formats
    "Commission": ("tblCommissionEarned", "tblCommissionStatement", "tblCommissionNotes"),
}


@pytest.mark.parametrize("beside", [False, True], ids=["one table", "tables beside"])
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_example_decomposes_and_tracks_to_the_very_workbook_xlsxwriter_alone_writes(
    tmp_path, monkeypatch, locale, beside
):
    if beside:
        monkeypatch.setattr(bulkrows, "BESIDE_FROM", 3)
    plan = example_plan(tmp_path / "plan", locale, "decompose")
    book = FileBook(plan)
    read = read_plan(book)
    sheets = describe(decompose(read), read.settings, read.sign_offs, book.table_names())
    sheets += describe_progress(progress(read, None), read.settings)
    book.close()
    bulk = {s.name: bulkrows.bulk_tables(s) for s in sheets if bulkrows.bulk_tables(s)}
    zh = {"Phasing": ("tblPhasing", "tblWorkWeeks"), "Reconciliation": ("tblNotes",)}
    assert bulk == ((BESIDE_TOO | (zh if locale == "zh-CN" else {})) if beside else EXAMPLE_BULK)
    fast, slow = _written_both_ways(tmp_path, monkeypatch, plan, sheets)
    assert fast.keys() == slow.keys()
    at = _sheet_parts(fast, list(bulk))
    for name, data in fast.items():
        if name in at.values():
            assert data != slow[name]  # written the other way indeed
            assert _same_spelling(data) == _same_spelling(slow[name]), name
        else:
            assert data == slow[name], name


def _odd_sheet(rows: int, beside: int = 0) -> OutputSheet:
    """A table of awkward cells (and, `beside` > 0, a table of that many rows beside it)."""
    text = (ODD_TEXT * (rows // len(ODD_TEXT) + 1))[:rows]
    big = 2**53 - 1
    numbers = np.array(([big, -big, 0, -1, 7, 1_000_000_000_000] * rows)[:rows], dtype=np.int64)
    odd = [0.1 + 0.2, 1 / 3, np.nan, -0.0, 1e20, 5e-324, 123456789012345680.0, 2.5e-7, 0.35]
    blanks = (["x", None, "", "y"] * rows)[:rows]
    frame = pd.DataFrame(
        {
            "name": pd.Series(text, dtype="str"),
            "plain": pd.Series(text, dtype=object),
            "a": numbers,
            "b": numbers[::-1].copy(),
            "share": np.arange(rows, dtype=np.int64),
            "float": np.array((odd * rows)[:rows]),
            "maybe": pd.Series(blanks, dtype=object),
        }
    )
    columns = (
        Col("name", "Name"),
        Col("plain", "Plain"),
        Col("a", "Amount", "#,##0"),
        Col("b", "Other amount", "#,##0"),  # the same format as a: one style
        Col("share", "Count", "0"),
        Col("float", "Rate", "0.0%"),
        Col("maybe", "Maybe"),
    )
    rule = Rule("a", "{a}>{b}", "red")
    blocks = [Block("tblOdd", columns, frame, title="Odd cells", rules=(rule,))]
    if beside:
        side = pd.DataFrame({"k": np.arange(beside, dtype=np.int64), "t": ["side"] * beside})
        cols = (Col("k", "K", "#,##0.00"), Col("t", "T"))
        blocks.append(Block("tblSide", cols, side, title="Beside", beside=True))
    return OutputSheet("Odd", "Odd", tuple(blocks))


@pytest.mark.parametrize("beside_too", [False, True], ids=["one table", "tables beside"])
@pytest.mark.parametrize(("rows", "beside"), [(3, 0), (4, 1), (997, 0), (997, 40), (60, 997)])
def test_awkward_text_and_numbers_come_out_as_xlsxwriter_writes_them(
    tmp_path, monkeypatch, rows, beside, beside_too
):
    plan = example_plan(tmp_path / "plan")
    sheet = _odd_sheet(rows, beside)
    if beside_too:
        monkeypatch.setattr(bulkrows, "BESIDE_FROM", 3)
    side = ("tblSide",) if beside_too and beside >= 3 else ()
    assert bulkrows.bulk_tables(sheet) == ("tblOdd", *side)
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
    width = len(sheet.blocks[0].columns)
    got = [row[:width] for row in grid[2 : 2 + rows]]
    want = [[_as_read(v) for v in row] for row in sheet.blocks[0].frame.to_numpy().tolist()]
    assert len(grid) == 2 + max(rows, beside)
    bad = [k for k, (a, b) in enumerate(zip(got, want, strict=True)) if a != b]
    assert not bad, f"{len(bad)} rows differ, the first: {got[bad[0]]!r:.200} {want[bad[0]]!r:.200}"
    if beside:
        side = [row[width + 1 : width + 3] for row in grid[2 : 2 + beside]]
        assert side == [[float(k), "side"] for k in range(beside)]
    ws = openpyxl.load_workbook(path)["Odd"]
    assert [ws.cell(3, j).number_format for j in (1, 3, 4, 5, 6)] == [
        "General", "#,##0", "#,##0", "0", "0.0%",
    ]  # fmt: skip
    assert ws.tables["tblOdd"].ref == f"A2:G{2 + rows}"
    assert ws.conditional_formatting  # the rule, over the table's rows
    assert [str(r.sqref) for r in ws.conditional_formatting] == [f"C3:C{2 + rows}"]


def _as_read(v):
    """A frame's value as calamine reads its cell: text, a float, "" for a blank."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, str):
        return v
    return float(f"{v:.16G}")


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"t": ["a", "b", "c"], "n": [1.5, np.inf, 3.0]}),  # infinite
        pd.DataFrame({"t": ["a", "b", "c"], "n": [2**53, 0, 1]}),  # not exact as a double
        pd.DataFrame({"t": ["a", 1, "c"], "n": [1, 2, 3]}),  # a number among text
        pd.DataFrame({"t": ["a", "x" * 32_768, "c"], "n": [1, 2, 3]}),  # over a cell's text
        pd.DataFrame({"t": ["a", "b"], "n": [1, 2]}),  # two rows: the stub's own
    ],
)
def test_a_table_the_two_writers_would_write_apart_is_written_by_xlsxwriter(frame):
    columns = (Col("t", "T"), Col("n", "N", "#,##0"))
    sheet = OutputSheet("S", "S", (Block("tblS", columns, frame),))
    assert bulkrows.bulk_tables(sheet) == ()
    good = pd.DataFrame({"t": ["a", None, ""], "n": [1.5, np.nan, 2.0]})
    assert bulkrows.bulk_tables(OutputSheet("S", "S", (Block("tblS", columns, good),))) == ("tblS",)


def test_a_short_table_beside_another_read_by_a_chart_or_coloured_by_status_is_xlsxwriters(
    monkeypatch,
):
    frame = pd.DataFrame({"t": ["a", "b", "c"], "n": [1, 2, 3]})
    columns = (Col("t", "T"), Col("n", "N", "#,##0"))
    short = Block("tblShort", columns, frame)
    beside = Block("tblLong", columns, pd.concat([frame] * 2), beside=True)
    assert bulkrows.bulk_tables(OutputSheet("S", "S", (short, beside))) == ("tblShort",)
    chart = Chart("column", "c", (Series("n", "tblShort", "n", "t"),))
    assert bulkrows.bulk_tables(OutputSheet("S", "S", (short, beside), charts=(chart,))) == ()
    coloured = Block("tblShort", columns, frame, status="n")
    assert bulkrows.bulk_tables(OutputSheet("S", "S", (coloured,))) == ()
    monkeypatch.setattr(bulkrows, "BESIDE_FROM", 6)  # a long table beside is written so too
    both = ("tblShort", "tblLong")
    assert bulkrows.bulk_tables(OutputSheet("S", "S", (short, beside))) == both
    sheet = OutputSheet("S", "S", (short, beside), charts=(chart,))
    assert bulkrows.bulk_tables(sheet) == ("tblLong",)


def test_a_cell_in_a_shape_the_splice_does_not_map_stops_the_run():
    theirs, ours = {b"A": None, b"B": b"1"}, {b"A": None, b"B": b"7"}
    row = b'<row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c><c r="B3" s="1"><v>1.0</v></c></row>'
    blank = row.replace(b'r="3"', b'r="4"').replace(
        b'<c r="A4" t="inlineStr"><is><t>x</t></is></c>', b""
    )
    blank = blank.replace(b'"><v>1.0</v></c>', b'"/>')
    pairs = bulksplice._pairs(theirs, ours)
    mapped = b"".join(bulksplice._mapped([row + blank], pairs))
    assert mapped == (row + blank).replace(b's="1"', b's="7"').replace(b"1.0</v>", b"1</v>")
    with pytest.raises(AssertionError, match="shape not mapped"):  # a blank not looked for
        list(bulksplice._mapped([row + blank], bulksplice._pairs(theirs, ours, blanks=False)))
    odd = row + row.replace(b'r="3"', b'r="4"').replace(b's="1"><v>', b's="1" t="n"><v>')
    with pytest.raises(AssertionError, match="shape not mapped"):
        list(bulksplice._mapped([odd], pairs))
    with pytest.raises(AssertionError, match="styled in one writer"):
        bulksplice._pairs(theirs, {b"A": None, b"B": None})
    with pytest.raises(AssertionError, match="two of ours"):
        bulksplice._pairs({b"A": b"1", b"B": b"1"}, {b"A": b"7", b"B": b"8"})


def test_cells_of_a_table_beside_join_their_rows_and_none_is_lost():
    rows = [b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in (4, 5, 6)]
    beside = {5: b'<c r="H5"><v>55</v></c>'}
    joined = b"".join(bulksplice._joined([b"".join(rows[:2]), rows[2]], dict(beside)))
    assert joined == b"".join(rows).replace(
        b'</c></row><row r="6"', b"</c>" + beside[5] + b'</row><row r="6"'
    )
    with pytest.raises(AssertionError, match="were not placed"):
        list(bulksplice._joined([rows[0]], {9: b"<c/>"}))


def test_the_stubs_table_is_given_its_whole_range(tmp_path):
    sheet = _odd_sheet(50)
    data, rows = splice.render_for_splice([sheet])
    assert set(rows) == {"Odd"}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        table = z.read("xl/tables/table1.xml")
        stub = z.read("xl/worksheets/sheet1.xml")
    assert b'ref="A2:G52"' in table and b'<autoFilter ref="A2:G52"/>' in table
    assert b'<dimension ref="A1:G52"/>' in stub
    assert re.findall(rb'<row r="([0-9]+)"', stub) == [b"1", b"2", b"3", b"52"]


@pytest.mark.parametrize("beside", [False, True], ids=["first table", "beside"])
def test_rows_with_number_formats_of_their_own_keep_them(tmp_path, monkeypatch, beside):
    """As a KPI scorecard's % KPIs: each row takes the styles of the first row of its own
    formats, which the stub holds; the rows between come from rustpy-xlsxwriter."""
    monkeypatch.setattr(bulkrows, "BESIDE_FROM", 3)
    monkeypatch.setattr(bulksplice, "CHUNK", 301)
    n = 400
    rng = np.random.default_rng(5)
    own = rng.choice(["", "0.0%", "0.00"], size=n)
    own[:3] = ["", "", ""]  # the first row of a format is not the table's first
    frame = pd.DataFrame(
        {
            "rep": [f"R{i:03d}" for i in range(n)],
            "actual": rng.random(n) * 100,
            "target": rng.integers(0, 1000, n).astype(np.int64),
            "weight": rng.random(n),
            "_fmt": own,
        }
    )
    frame.loc[7, "actual"] = np.nan  # a styled blank among them
    columns = (
        Col("rep", "Rep"),
        Col("actual", "Actual", "#,##0", row_fmt="_fmt"),
        Col("target", "Target", "#,##0.0", row_fmt="_fmt"),
        Col("weight", "Weight", "0%"),
    )
    card = Block("tblCard", columns, frame, title="Card", beside=beside)
    first = Block("tblFirst", (Col("k", "K", "0"),), pd.DataFrame({"k": np.arange(5)}))
    sheet = OutputSheet("Card", "Card", (first, card) if beside else (card,))
    assert bulkrows.bulk_tables(sheet) == (("tblFirst", "tblCard") if beside else ("tblCard",))
    plan = example_plan(tmp_path / "plan")
    fast, slow = _written_both_ways(tmp_path, monkeypatch, plan, [sheet])
    (part,) = _sheet_parts(fast, ["Card"]).values()
    assert fast[part] != slow[part]
    assert _same_spelling(fast[part]) == _same_spelling(slow[part])
    assert {k: v for k, v in fast.items() if k != part} == {
        k: v for k, v in slow.items() if k != part
    }
    ws = openpyxl.load_workbook(tmp_path / "fast.xlsx")["Card"]
    col = 4 if beside else 2  # Actual: B, or D beside tblFirst (A) and an empty column
    got = [[ws.cell(3 + i, col + j).number_format for j in (0, 1, 2)] for i in range(n)]
    assert got == [[f or "#,##0", f or "#,##0.0", "0%"] for f in own]
    assert ws.cell(3 + 7, col).value is None and ws.cell(3 + 8, col).value == frame.at[8, "actual"]


def test_tables_joined_row_by_row_give_the_rows_a_long_table_gives(tmp_path):
    """One table: the row-by-row join (with_tables) and the chunked one (with_rows) write
    the same sheet."""
    sheet = _odd_sheet(500, 40)
    data, rows = splice.render_for_splice([sheet])
    (bulk,) = rows["Odd"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        stub = z.read("xl/worksheets/sheet1.xml")
    package, part = bulksplice.rows_part(bulk)
    pieces = lambda: [package.read(part)]  # noqa: E731
    chunked = b"".join(bulksplice.with_rows([stub], pieces(), bulk))
    row_by_row = b"".join(bulksplice.with_tables([stub], [(pieces(), bulk)]))
    assert row_by_row == chunked


def _sixteen_digits(values: np.ndarray) -> np.ndarray:
    """XlsxWriter's spelling of each number ("%.16G") read back: the second method."""
    return np.array([float(f"{v:.16G}") for v in values.tolist()], dtype=np.float64)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(-(10**15), 10**15).map(lambda c: c / 100),  # whole cents, any size
            st.integers(-(2**53), 2**53).map(float),
            st.floats(1e12, 1e14).map(lambda v: round(v, 2)),  # about SHORT_BELOW
            st.floats(-1.0, 1.0),  # ratios: 17 digits as often as not
        ),
        min_size=1,
        max_size=60,
    )
)
def test_numbers_left_unformatted_are_those_sixteen_digits_give_back(values):
    """Only numbers that "%.16G" cannot change skip it: every one comes out as it does."""
    x = np.array(values, dtype=np.float64)
    got = bulkrows._as_written(pd.Series(x))
    want = _sixteen_digits(x)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    same = ~np.isnan(want)
    assert got[same].view(np.int64).tolist() == want[same].view(np.int64).tolist()  # -0.0 too


def test_numbers_are_spelt_to_sixteen_digits_where_that_changes_them():
    x = np.array([0.30000000000000004, 2 / 3, 1234.56, 0.1, 1e13 + 0.01, -0.0])
    assert bulkrows._short(x).tolist() == [False, False, True, True, False, True]
    assert bulkrows._as_written(pd.Series(x)).tolist() == [0.3, 0.6666666666666666, 1234.56,
                                                           0.1, 10000000000000.01, -0.0]  # fmt: skip
