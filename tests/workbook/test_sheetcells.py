"""Cells set and tables grown in the user's own sheets, as text edits (SPEC §7, §13).

Every workbook is built here with openpyxl or XlsxWriter, edited part by part the way
salesplan appends to tblChangeLog, then read back with openpyxl, python-calamine and
LibreOffice. Nothing binary is stored.
"""

from __future__ import annotations

import codecs
import csv
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from defusedxml import DefusedXmlException
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.comments import Comment
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape
from openpyxl.worksheet.table import Table
from python_calamine import CalamineWorkbook

from tests.libreoffice import convert, opens_cleanly
from xl_addin.workbook.sheetcells import cell_style, grow_table, set_cells, table_rows

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
HEADERS = ["Timestamp", "RepID", "Field", "New"]
MONEY = "#,##0.00"

# What the change-log edit writes: row 5 is the table's blank last row (filled in place),
# rows 6 and 7 are appended below it (row 7 already holds the user's H7).
WRITES = {
    (5, 1): "=1+1",
    (5, 2): "-5",
    (5, 3): "@x",
    (5, 4): Decimal("1199000"),
    (6, 1): "  two spaces",
    (6, 2): True,
    (6, 3): None,
    (6, 4): 2.5,
    (7, 1): "line\nbreak",
    (7, 2): "R002",
    (7, 3): "a & <b>",
    (7, 4): 3,
}
# As openpyxl reads them back (text stays text, Decimal an exact integer).
READ_BACK = {**WRITES, (5, 4): 1199000}


def sheet(rows: str, root: str = "", head: str = '<dimension ref="A1:D9"/>', p: str = "") -> bytes:
    """A worksheet part around `rows` (prefix `p` for the main namespace, e.g. "x:")."""
    ns = f'xmlns:{p[:-1]}="{MAIN}"' if p else f'xmlns="{MAIN}"'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<{p}worksheet {ns} xmlns:r="{DOC_RELS}" xmlns:x14ac="{X14AC}"{root}>{head}'
        f"<{p}sheetData>{rows}</{p}sheetData>"
        f'<{p}pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        f"</{p}worksheet>"
    ).encode()


def cells_of(xml: bytes) -> dict[tuple[int, int], dict]:
    """(row, col) -> {s, t, f, v, text} of every cell, read with the standard parser."""
    out = {}
    root = ET.fromstring(xml)
    rows = [int(r.get("r")) for r in root.iter(f"{{{MAIN}}}row")]
    assert rows == sorted(set(rows)), "rows out of order or repeated"
    for row in root.iter(f"{{{MAIN}}}row"):
        cols = []
        for c in row.findall(f"{{{MAIN}}}c"):
            col, r = openpyxl.utils.cell.coordinate_to_tuple(c.get("r"))[::-1]
            assert r == int(row.get("r"))
            cols.append(col)
            t = c.find(f"{{{MAIN}}}is/{{{MAIN}}}t")
            out[r, col] = {
                "s": c.get("s"),
                "t": c.get("t"),
                "f": c.findtext(f"{{{MAIN}}}f"),
                "v": c.findtext(f"{{{MAIN}}}v"),
                "text": t.text if t is not None else None,
            }
        assert cols == sorted(set(cols)), "cells out of column order or repeated"
    return out


# ---------------------------------------------------------------------------------------
# The user's workbooks: a change log table (styled, with a blank styled last row), a title
# with a comment, a merged cell, a formula and cells right of the table; a settings table.


def openpyxl_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ChangeLog"
    ws["A1"] = "Change log"
    ws["A1"].comment = Comment("salesplan appends here", "planner")
    ws.merge_cells("F1:G1")
    ws["F1"] = "Notes"
    fill = PatternFill("solid", fgColor="FFF2CC")
    thin = Side(style="thin")
    for col, header in enumerate(HEADERS, start=1):
        ws.cell(3, col, header).font = Font(bold=True)
    for col, value in enumerate(["2026-01-05 10:00", "R001", "target", 1000], start=1):
        for row in (4, 5):  # row 5: the table's blank row, styled only
            cell = ws.cell(row, col, value if row == 4 else None)
            cell.fill = fill
            cell.border = Border(bottom=thin)
            cell.number_format = MONEY if col == 4 else "@"
    ws.add_table(Table(displayName="tblChangeLog", ref="A3:D5"))
    ws["F4"] = "=SUM(D4:D5)"
    ws["F5"] = "kept"
    ws["H7"] = 99
    settings = wb.create_sheet("Settings")
    settings.append(["Setting", "Value"])
    settings.append(["Unit", 10000])
    settings.append(["Version", None])
    settings["B3"].number_format = "0"
    settings.add_table(Table(displayName="tblSettings", ref="A1:B3"))
    wb.save(path)
    return path


def xlsxwriter_book(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("ChangeLog")
    ws.write_string("A1", "Change log")
    ws.write_comment("A1", "salesplan appends here")
    ws.merge_range("F1:G1", "Notes", wb.add_format({"align": "center"}))
    text = wb.add_format({"bg_color": "#FFF2CC", "bottom": 1, "num_format": "@"})
    money = wb.add_format({"bg_color": "#FFF2CC", "bottom": 1, "num_format": MONEY})
    ws.add_table("A3:D5", {"name": "tblChangeLog", "columns": [{"header": h} for h in HEADERS]})
    ws.write_row(3, 0, ["2026-01-05 10:00", "R001", "target"], text)
    ws.write_number(3, 3, 1000, money)
    for col in range(3):
        ws.write_blank(4, col, None, text)
    ws.write_blank(4, 3, None, money)
    ws.write_formula("F4", "=SUM(D4:D5)", None, 1000)
    ws.write_string("F5", "kept")
    ws.write_number("H7", 99)
    settings = wb.add_worksheet("Settings")
    settings.add_table(
        "A1:B3", {"name": "tblSettings", "columns": [{"header": "Setting"}, {"header": "Value"}]}
    )
    settings.write_row(1, 0, ["Unit", 10000])
    settings.write_string(2, 0, "Version")
    settings.write_blank(2, 1, None, wb.add_format({"num_format": "0"}))
    wb.close()
    return path


BUILDERS = {"openpyxl": openpyxl_book, "xlsxwriter": xlsxwriter_book}


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def rewrite(source: Path, target: Path, changed: dict[str, bytes]) -> None:
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            out.writestr(info, changed.get(info.filename, z.read(info)))


def related(parts: dict[str, bytes], part: str, kind: str) -> list[str]:
    """The parts `part` points to with relationships of type …/`kind`."""
    folder, name = part.rsplit("/", 1)
    rels = parts.get(f"{folder}/_rels/{name}.rels")
    if rels is None:
        return []
    out = []
    for rel in ET.fromstring(rels).findall(f"{{{PKG_RELS}}}Relationship"):
        if rel.get("Type") == f"{DOC_RELS}/{kind}":
            target = rel.get("Target")
            out.append(target.lstrip("/") if target.startswith("/") else f"{folder}/{target}")
    return [re.sub(r"[^/]+/\.\./", "", p) for p in out]


def sheet_part(parts: dict[str, bytes], name: str) -> str:
    workbook = ET.fromstring(parts["xl/workbook.xml"])
    rid = next(s for s in workbook.iter(f"{{{MAIN}}}sheet") if s.get("name") == name).get(
        f"{{{DOC_RELS}}}id"
    )
    rels = ET.fromstring(parts["xl/_rels/workbook.xml.rels"])
    target = next(r for r in rels if r.get("Id") == rid).get("Target")
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def append_to_change_log(source: Path, target: Path) -> dict[str, bytes]:
    """What salesplan does: fill the blank table row, append two below, set the Version."""
    parts = members(source)
    log = sheet_part(parts, "ChangeLog")
    (table,) = related(parts, log, "table")
    xml = parts[log]
    assert table_rows(xml, 4, 5, 1, 4) == {4}  # row 5 is blank: it is filled first
    assert table_rows(xml, 6, 7, 1, 4) == set()  # H7 is right of the table
    above = {col: cell_style(xml, 4, col) for col in range(1, 5)}
    styles = {(r, c): s for r in (6, 7) for c, s in above.items() if s is not None}
    settings = sheet_part(parts, "Settings")
    assert table_rows(parts[settings], 3, 3, 2, 2) == set()
    changed = {
        log: set_cells(xml, WRITES, styles),
        table: grow_table(parts[table], 7),
        settings: set_cells(parts[settings], {(3, 2): 2}),
    }
    rewrite(source, target, changed)
    return changed


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Per builder: (the user's workbook, after the edit)."""
    out = {}
    for kind, build in BUILDERS.items():
        folder = tmp_path_factory.mktemp(kind)
        original = build(folder / "plan.xlsx")
        edited = folder / f"edited_{kind}.xlsx"
        append_to_change_log(original, edited)
        out[kind] = (original, edited)
    return out


def values(path: Path) -> dict[tuple[str, int, int], object]:
    wb = openpyxl.load_workbook(path)
    return {
        (ws.title, c.row, c.column): c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


KINDS = list(BUILDERS)


@pytest.mark.parametrize("kind", KINDS)
def test_openpyxl_reads_the_written_values_as_written_and_text_stays_text(books, kind):
    ws = openpyxl.load_workbook(books[kind][1])["ChangeLog"]
    for (row, col), value in READ_BACK.items():
        cell = ws.cell(row, col)
        assert cell.value == value, cell.coordinate
        if isinstance(value, str):
            assert cell.data_type == "s", cell.coordinate  # "=1+1", "-5", "@x": never formulas
        assert type(cell.value) is type(value), cell.coordinate
    assert ws["A6"].value == "  two spaces"
    assert openpyxl.load_workbook(books[kind][1])["Settings"]["B3"].value == 2


@pytest.mark.parametrize("kind", KINDS)
def test_appended_rows_take_the_style_of_the_row_above_and_the_blank_row_keeps_its_own(books, kind):
    ws = openpyxl.load_workbook(books[kind][1])["ChangeLog"]
    for row in (5, 6, 7):
        for col in range(1, 5):
            cell, above = ws.cell(row, col), ws.cell(4, col)
            assert cell.number_format == above.number_format, cell.coordinate
            assert cell.fill.fgColor.rgb == above.fill.fgColor.rgb, cell.coordinate
            assert cell.fill.fgColor.rgb.endswith("FFF2CC"), cell.coordinate
            assert cell.border.bottom.style == above.border.bottom.style == "thin", cell.coordinate
    assert ws["D6"].number_format == MONEY


@pytest.mark.parametrize("kind", KINDS)
def test_the_table_and_its_filter_end_at_the_last_appended_row(books, kind):
    ws = openpyxl.load_workbook(books[kind][1])["ChangeLog"]
    table = ws.tables["tblChangeLog"]
    assert table.ref == "A3:D7"
    if table.autoFilter is not None:
        assert table.autoFilter.ref == "A3:D7"
    assert openpyxl.load_workbook(books[kind][1])["Settings"].tables["tblSettings"].ref == "A1:B3"


@pytest.mark.parametrize("kind", KINDS)
def test_every_cell_the_edit_did_not_write_is_unchanged(books, kind):
    original, edited = books[kind]
    before, after = values(original), values(edited)
    written = {("ChangeLog", r, c) for r, c in WRITES} | {("Settings", 3, 2)}
    assert {k: v for k, v in before.items() if k not in written} == {
        k: v for k, v in after.items() if k not in written
    }
    assert after["ChangeLog", 4, 6] == "=SUM(D4:D5)"
    ws_before = openpyxl.load_workbook(original)["ChangeLog"]
    ws_after = openpyxl.load_workbook(edited)["ChangeLog"]
    assert ws_after["A1"].comment.text == ws_before["A1"].comment.text
    assert {str(r) for r in ws_after.merged_cells.ranges} == {"F1:G1"}


@pytest.mark.parametrize("kind", KINDS)
def test_calamine_reads_the_appended_rows(books, kind):
    rows = (
        CalamineWorkbook.from_path(str(books[kind][1]))
        .get_sheet_by_name("ChangeLog")
        .to_python(skip_empty_area=False)
    )
    assert rows[4][:4] == ["=1+1", "-5", "@x", 1199000.0]
    assert rows[5][:4] == ["  two spaces", True, "", 2.5]
    assert rows[6][:4] == ["line\nbreak", "R002", "a & <b>", 3.0]
    assert rows[6][7] == 99.0
    assert rows[3][5] in ("", 1000.0)  # the formula's cached value (openpyxl writes none)


@pytest.mark.parametrize("kind", KINDS)
def test_the_sheet_before_the_first_edited_row_and_after_the_last_is_byte_identical(books, kind):
    original, edited = books[kind]
    parts_before, parts_after = members(original), members(edited)
    log = sheet_part(parts_before, "ChangeLog")
    before, after = parts_before[log], parts_after[log]
    first = before.index(b'<row r="5"')  # H7 was there: the dimension already covers D7
    assert after[:first] == before[:first]
    assert after[after.index(b"</sheetData>") :] == before[before.index(b"</sheetData>") :]
    # every part but the two sheets and the table is the same
    assert {n for n in parts_before if parts_before[n] != parts_after[n]} == {
        log,
        sheet_part(parts_before, "Settings"),
        *related(parts_before, log, "table"),
    }


def test_libreoffice_opens_the_edited_workbooks_and_shows_the_appended_rows(books, tmp_path):
    edited = [books[kind][1] for kind in KINDS]
    outputs = convert(edited, "csv:Text - txt - csv (StarCalc):44,34,76,1", tmp_path)
    for output in outputs:
        rows = list(csv.reader(output.read_text(encoding="utf-8").splitlines(keepends=True)))
        assert rows[4][:3] == ["=1+1", "-5", "@x"]
        assert float(rows[4][3].replace(",", "")) == 1199000
        assert rows[5][0] == "  two spaces"
        assert rows[5][1] in ("TRUE", "1")  # B has the text format "@" of the row above
        assert float(rows[5][3]) == 2.5
        assert rows[6][:3] == ["line\nbreak", "R002", "a & <b>"]
        assert rows[6][7] == "99"
    opens_cleanly(books["openpyxl"][1])


# ---------------------------------------------------------------------------------------
# set_cells on hand-written sheets.


def test_a_sheet_with_a_prefixed_main_namespace_is_edited_with_the_prefix(tmp_path):
    rows = (
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Setting</x:t></x:is></x:c>'
        '<x:c r="B1" t="inlineStr"><x:is><x:t>Value</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>Version</x:t></x:is></x:c>'
        '<x:c r="B2" s="1"/></x:row>'
    )
    xml = sheet(rows, head='<x:dimension ref="A1:B2"/>', p="x:")
    out = set_cells(xml, {(2, 2): 3, (3, 1): "Owner", (3, 2): "Ann"}, {(3, 2): 1})
    text = out.decode()
    assert '<x:c r="B2" s="1"><x:v>3</x:v></x:c>' in text
    assert '<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>Owner</x:t></x:is></x:c>' in text
    assert '<x:dimension ref="A1:B3"/>' in text
    assert "<row" not in text and "<c " not in text
    assert cells_of(out)[3, 2] == {"s": "1", "t": "inlineStr", "f": None, "v": None, "text": "Ann"}
    # and a workbook reads it
    path = openpyxl_book(tmp_path / "plan.xlsx")
    parts = members(path)
    edited = tmp_path / "prefixed.xlsx"
    rewrite(path, edited, {sheet_part(parts, "Settings"): out})
    ws = openpyxl.load_workbook(edited)["Settings"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [
        ["Setting", "Value"],
        ["Version", 3],
        ["Owner", "Ann"],
    ]
    rows_read = CalamineWorkbook.from_path(str(edited)).get_sheet_by_name("Settings").to_python()
    assert rows_read == [["Setting", "Value"], ["Version", 3.0], ["Owner", "Ann"]]


def test_a_self_closed_sheet_data_gets_its_rows():
    xml = sheet("").replace(b"<sheetData></sheetData>", b"<sheetData/>")
    out = set_cells(xml, {(2, 1): "a", (1, 2): 1})
    assert b'<sheetData><row r="1"><c r="B1"><v>1</v></c></row><row r="2">' in out
    assert cells_of(out)[2, 1]["text"] == "a"
    assert b'<dimension ref="A1:D9"/>' in out  # already covers them


def test_an_empty_sheet_from_openpyxl_is_filled(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Empty"
    wb.save(tmp_path / "empty.xlsx")
    parts = members(tmp_path / "empty.xlsx")
    part = sheet_part(parts, "Empty")
    rewrite(
        tmp_path / "empty.xlsx",
        tmp_path / "filled.xlsx",
        {part: set_cells(parts[part], {(3, 2): "x", (1, 1): 1.25})},
    )
    ws = openpyxl.load_workbook(tmp_path / "filled.xlsx")["Empty"]
    assert ws["B3"].value == "x" and ws["A1"].value == 1.25
    assert ws.calculate_dimension() == "A1:B3"


def test_a_missing_row_goes_between_its_neighbours():
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="5"><c r="A5"><v>5</v></c></row>'
    out = set_cells(sheet(rows), {(3, 2): "three", (9, 1): 9})
    text = out.decode()
    assert text.index('<row r="1">') < text.index('<row r="3">') < text.index('<row r="5">')
    assert text.index('<row r="5">') < text.index('<row r="9">') < text.index("</sheetData>")
    assert sorted(cells_of(out)) == [(1, 1), (3, 2), (5, 1), (9, 1)]


def test_cells_go_in_column_order_and_the_others_stay_byte_for_byte():
    rows = (
        '<row r="2" spans="2:4" x14ac:dyDescent="0.25"><c r="B2" s="3"><v>1</v></c>'
        '<c r="D2" s="4" t="s"><v>0</v></c></row>'
    )
    out = set_cells(sheet(rows), {(2, 1): "a", (2, 3): "c", (2, 6): "f"})
    text = out.decode()
    assert (
        '<row r="2" spans="1:6" x14ac:dyDescent="0.25">'
        '<c r="A2" t="inlineStr"><is><t>a</t></is></c><c r="B2" s="3"><v>1</v></c>'
        '<c r="C2" t="inlineStr"><is><t>c</t></is></c><c r="D2" s="4" t="s"><v>0</v></c>'
        '<c r="F2" t="inlineStr"><is><t>f</t></is></c></row>'
    ) in text
    assert '<dimension ref="A1:F9"/>' in text


def test_style_only_cells_are_filled_in_place_and_keep_their_style():
    rows = '<row r="4"><c r="A4" s="7"/><c r="B4" s="8"></c><c r="C4" s="9"/></row>'
    out = set_cells(sheet(rows), {(4, 1): "x", (4, 2): 5})
    assert b'<c r="A4" s="7" t="inlineStr"><is><t>x</t></is></c><c r="B4" s="8"><v>5</v></c>' in out
    assert b'<c r="C4" s="9"/>' in out


def test_a_self_closed_row_is_opened_and_keeps_its_attributes():
    rows = '<row r="3" spans="1:2" ht="20" customHeight="1"/><row r="4"/>'
    out = set_cells(sheet(rows), {(3, 4): "x"})
    assert (
        b'<row r="3" spans="1:4" ht="20" customHeight="1">'
        b'<c r="D3" t="inlineStr"><is><t>x</t></is></c></row><row r="4"/>'
    ) in out


def test_new_cells_go_before_the_rows_extension_list():
    rows = '<row r="1"><c r="A1"><v>1</v></c><extLst><ext uri="{X}"/></extLst></row>'
    out = set_cells(sheet(rows), {(1, 2): 2})
    assert b'<c r="A1"><v>1</v></c><c r="B1"><v>2</v></c><extLst><ext uri="{X}"/></extLst>' in out


def test_a_byte_order_mark_is_kept():
    xml = codecs.BOM_UTF8 + sheet('<row r="1"><c r="A1"><v>1</v></c></row>')
    out = set_cells(xml, {(1, 1): 2})
    assert out == xml.replace(b"<v>1</v>", b"<v>2</v>")
    assert grow_table(codecs.BOM_UTF8 + table(), 6).startswith(codecs.BOM_UTF8 + b"<?xml")


def test_a_replaced_cell_loses_value_formula_and_type_but_keeps_or_takes_its_style():
    rows = (
        '<row r="1"><c r="A1" s="2" t="str" cm="1"><f>"a"&amp;"b"</f><v>ab</v></c>'
        '<c r="B1" s="3" t="inlineStr"><is><r><t>rich</t></r></is></c>'
        '<c r="C1" s="4"><f t="shared" si="0" ref="C1"/><v>1</v></c></row>'
    )
    out = set_cells(sheet(rows), {(1, 1): None, (1, 2): 2, (1, 3): False}, {(1, 2): 9})
    assert b'<c r="A1" s="2"/><c r="B1" s="9"><v>2</v></c><c r="C1" s="4" t="b"><v>0</v></c>' in out


def test_none_on_a_missing_cell_writes_nothing_unless_a_style_is_given():
    out = set_cells(sheet('<row r="1"><c r="A1"><v>1</v></c></row>'), {(1, 2): None, (3, 3): None})
    assert out == sheet('<row r="1"><c r="A1"><v>1</v></c></row>')
    styled = set_cells(sheet(""), {(3, 3): None}, {(3, 3): 5})
    assert b'<row r="3"><c r="C3" s="5"/></row>' in styled


@pytest.mark.parametrize(
    "value, xml",
    [
        (Decimal("1199000"), '<c r="A1"><v>1199000</v></c>'),
        (Decimal("0.10"), '<c r="A1"><v>0.10</v></c>'),
        (Decimal("1.5E+3"), '<c r="A1"><v>1500</v></c>'),
        (True, '<c r="A1" t="b"><v>1</v></c>'),
        (False, '<c r="A1" t="b"><v>0</v></c>'),
        (-5, '<c r="A1"><v>-5</v></c>'),
        (0.1, '<c r="A1"><v>0.1</v></c>'),
        (1e20, '<c r="A1"><v>1e+20</v></c>'),
        ("=SUM(A1)", '<c r="A1" t="inlineStr"><is><t>=SUM(A1)</t></is></c>'),
        ("+86 138", '<c r="A1" t="inlineStr"><is><t>+86 138</t></is></c>'),
        ("a&b<c>", '<c r="A1" t="inlineStr"><is><t>a&amp;b&lt;c&gt;</t></is></c>'),
        (" x", '<c r="A1" t="inlineStr"><is><t xml:space="preserve"> x</t></is></c>'),
        ("a\nb", '<c r="A1" t="inlineStr"><is><t xml:space="preserve">a\nb</t></is></c>'),
        ("a\rb", '<c r="A1" t="inlineStr"><is><t xml:space="preserve">a&#13;b</t></is></c>'),
        ("bell\x07", '<c r="A1" t="inlineStr"><is><t>bell_x0007_</t></is></c>'),
        ("_x0041_", '<c r="A1" t="inlineStr"><is><t>_x005F_x0041_</t></is></c>'),
        ("区域合计", '<c r="A1" t="inlineStr"><is><t>区域合计</t></is></c>'),
    ],
)
def test_each_kind_of_value_is_written_as_excel_reads_it(value, xml):
    assert xml.encode() in set_cells(sheet(""), {(1, 1): value})


def test_a_float_is_written_so_that_it_reads_back_exactly():
    for number in (0.1 + 0.2, 1 / 3, 123456789.123456789, -2.5e-10):
        out = set_cells(sheet(""), {(1, 1): number})
        assert float(cells_of(out)[1, 1]["v"]) == number


def test_the_dimension_is_left_alone_when_it_covers_the_cells_and_absent_when_absent():
    rows = '<row r="2"><c r="B2"><v>1</v></c></row>'
    assert b'<dimension ref="A1:D9"/>' in set_cells(sheet(rows), {(3, 3): 1})
    out = set_cells(sheet(rows, head=""), {(30, 30): 1})
    assert b"dimension" not in out


def test_a_utf16_sheet_is_written_back_as_utf8():
    xml = sheet('<row r="1"><c r="A1"><v>1</v></c></row>').decode()
    data = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    out = set_cells(data, {(1, 2): "b"})
    assert out.startswith(b'<?xml version="1.0" encoding="UTF-8"')
    assert cells_of(out)[1, 2]["text"] == "b"


@pytest.mark.parametrize(
    "rows, message",
    [
        ('<row><c r="A1"><v>1</v></c></row>', "no row number"),
        ('<row r="1"><c><v>1</v></c></row>', "no address"),
        ('<row r="1"><c r="A2"><v>1</v></c></row>', "of another row"),
        ('<row r="2"/><row r="1"/>', "ascending"),
        ('<row r="1"><c r="B1"/><c r="A1"/></row>', "column order"),
        ('<row r="1"><!-- <row r="2"> --></row>', "comments"),
        ('<row r="1"><c r="A1"><f t="shared" si="0" ref="A1:A9">B1</f></c></row>', "shared"),
        ('<row r="1"><c r="B1"><f t="array" ref="A1:B2">X</f></c></row>', "array formula"),
    ],
)
def test_a_sheet_that_cannot_be_edited_safely_is_refused(rows, message):
    with pytest.raises(ValueError, match=message):
        set_cells(sheet(rows), {(1, 1): "x"})


def test_a_row_without_a_number_outside_the_edit_is_refused_too():
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row><c r="A2"><v>2</v></c></row>'
    with pytest.raises(ValueError, match="no row number"):
        set_cells(sheet(rows), {(9, 1): "x"})


def test_a_shared_formula_follower_and_a_one_cell_array_can_be_overwritten():
    rows = (
        '<row r="1"><c r="A1"><f t="shared" si="0" ref="A1:A2">B1</f><v>0</v></c></row>'
        '<row r="2"><c r="A2"><f t="shared" si="0"/><v>0</v></c>'
        '<c r="B2"><f t="array" ref="B2">SUM(1)</f><v>1</v></c></row>'
    )
    out = set_cells(sheet(rows), {(2, 1): "x", (2, 2): 1})
    assert b'<c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2"><v>1</v></c>' in out


def test_an_entity_bomb_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<worksheet xmlns="' + MAIN.encode() + b'"><sheetData><row r="1"><c r="A1" '
        b't="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>'
    )
    with pytest.raises(DefusedXmlException):
        set_cells(bomb, {(1, 2): 1})


def test_broken_xml_and_strict_open_xml_are_refused():
    with pytest.raises(ValueError, match="well-formed"):
        set_cells(sheet('<row r="1"><c r="A1"></row>'), {(1, 1): 1})
    strict = sheet("").replace(MAIN.encode(), b"http://purl.oclc.org/ooxml/spreadsheetml/main")
    with pytest.raises(ValueError, match="usual format"):
        set_cells(strict, {(1, 1): 1})


@pytest.mark.parametrize(
    "cells, styles, error, message",
    [
        ({(0, 1): 1}, None, ValueError, "is not a cell"),
        ({(1, 16385): 1}, None, ValueError, "is not a cell"),
        ({(1, 1): float("nan")}, None, ValueError, "not a number Excel can hold"),
        ({(1, 1): Decimal("Infinity")}, None, ValueError, "not a number Excel can hold"),
        ({(1, 1): object()}, None, TypeError, "cannot write a object"),
        ({(1, 1): "x" * 32768}, None, ValueError, "Excel holds 32767"),
        ({(1, 1): 1}, {(2, 2): 3}, ValueError, "not written: B2"),
        ({(1, 1): 1}, {(1, 1): -1}, ValueError, "style index"),
    ],
)
def test_bad_cells_are_refused_with_the_cell_named(cells, styles, error, message):
    with pytest.raises(error, match=message):
        set_cells(sheet(""), cells, styles)


def test_no_cells_leave_the_sheet_as_it_is():
    xml = sheet('<row r="1"><c r="A1"><v>1</v></c></row>')
    assert set_cells(xml, {}) is xml


# ---------------------------------------------------------------------------------------
# cell_style and table_rows.


def test_cell_style_reads_the_style_index_or_none():
    rows = '<row r="2"><c r="A2" s="5"><v>1</v></c><c r="B2"><v>1</v></c></row>'
    xml = sheet(rows)
    assert cell_style(xml, 2, 1) == 5
    assert cell_style(xml, 2, 2) is None  # no s
    assert cell_style(xml, 2, 3) is None  # no cell
    assert cell_style(xml, 3, 1) is None  # no row


def test_table_rows_finds_values_and_formulas_and_ignores_style_only_cells():
    rows = (
        '<row r="1"><c r="A1" s="1"/><c r="B1" s="2"></c></row>'  # style only
        '<row r="2"><c r="B2"><v>0</v></c></row>'  # a value
        '<row r="3"><c r="C3"><f>A1</f></c></row>'  # a formula without a cached value
        '<row r="4"><c r="A4" t="inlineStr"><is><t xml:space="preserve"> </t></is></c></row>'
        '<row r="5"><c r="A5"><v></v></c><c r="B5" t="inlineStr"><is><t/></is></c></row>'
        '<row r="6"><c r="E6"><v>1</v></c></row>'  # right of the rectangle
        '<row r="8"><c r="A8"><v>1</v></c></row>'  # below it
    )
    assert table_rows(sheet(rows), 1, 7, 1, 4) == {2, 3, 4}
    assert table_rows(sheet(rows), 1, 7, 5, 5) == {6}
    assert (
        table_rows(sheet("").replace(b"<sheetData></sheetData>", b"<sheetData/>"), 1, 9, 1, 9)
        == set()
    )


# ---------------------------------------------------------------------------------------
# grow_table.


def table(ref: str = "A3:D5", extra: str = "", inner: str = "", p: str = "") -> bytes:
    ns = f'xmlns:{p[:-1]}="{MAIN}"' if p else f'xmlns="{MAIN}"'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<{p}table {ns} id="3" name="tblChangeLog" displayName="tblChangeLog" ref="{ref}"'
        f'{extra}><{p}autoFilter ref="{ref}"/>{inner}<{p}tableColumns count="4">'
        + "".join(f'<{p}tableColumn id="{i}" name="{h}"/>' for i, h in enumerate(HEADERS, 1))
        + f'</{p}tableColumns><{p}tableStyleInfo name="TableStyleMedium9" showFirstColumn="0" '
        f'showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></{p}table>'
    ).encode()


def test_grow_table_moves_only_the_end_row_of_the_table_and_its_filter():
    out = grow_table(table(), 7)
    assert out == table().replace(b'ref="A3:D5"', b'ref="A3:D7"')


def test_grow_table_with_a_prefixed_namespace_and_a_sort():
    sort = '<x:sortState ref="A4:D5"><x:sortCondition ref="B4:B5"/></x:sortState>'
    out = grow_table(table(inner=sort, p="x:"), 9).decode()
    assert '<x:table xmlns:x="' in out and 'ref="A3:D9"><x:autoFilter ref="A3:D9"/>' in out
    assert '<x:sortState ref="A4:D9"><x:sortCondition ref="B4:B9"/></x:sortState>' in out


def test_grow_table_to_its_own_end_changes_nothing():
    assert grow_table(table(), 5) == table()


def test_grow_table_keeps_a_header_and_one_data_row():
    assert b'ref="A3:D4"' in grow_table(table(), 4)
    with pytest.raises(ValueError, match="cannot end at row 3"):
        grow_table(table(), 3)
    no_header = table(extra=' headerRowCount="0"')
    assert b'ref="A3:D3"' in grow_table(no_header, 3)


def test_grow_table_refuses_a_table_with_a_totals_row():
    with pytest.raises(ValueError, match="tblChangeLog has a totals row"):
        grow_table(table(ref="A3:D6", extra=' totalsRowCount="1"'), 8)
    assert b'ref="A3:D8"' in grow_table(table(extra=' totalsRowShown="0"'), 8)


def test_grow_table_refuses_what_is_not_a_table():
    with pytest.raises(ValueError, match="not a table"):
        grow_table(sheet(""), 8)


# ---------------------------------------------------------------------------------------
# Any sheet, any edit: the result is the sheet with exactly those cells changed.

EXISTING = st.dictionaries(
    st.tuples(st.integers(1, 12), st.integers(1, 6)),
    st.one_of(st.integers(0, 9).map(lambda s: ("style", s)), st.integers().map(lambda v: ("v", v))),
    max_size=30,
)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
WRITES_ST = st.dictionaries(st.tuples(st.integers(1, 14), st.integers(1, 7)), VALUES, max_size=12)


def sparse_sheet(existing) -> tuple[bytes, dict[tuple[int, int], str]]:
    """A sheet holding `existing`, and each cell's XML as written."""
    by_row: dict[int, list[str]] = {}
    xml = {}
    for (r, c), (kind, n) in sorted(existing.items()):
        ref = f"{get_column_letter(c)}{r}"
        xml[r, c] = f'<c r="{ref}" s="{n}"/>' if kind == "style" else f'<c r="{ref}"><v>{n}</v></c>'
        by_row.setdefault(r, []).append(xml[r, c])
    rows = "".join(
        f'<row r="{r}" spans="1:6">{"".join(cs)}</row>' for r, cs in sorted(by_row.items())
    )
    return sheet(rows), xml


@settings(max_examples=150, deadline=None)
@given(existing=EXISTING, writes=WRITES_ST, styled=st.sets(st.integers(0, 30)))
def test_any_edit_changes_exactly_the_written_cells(existing, writes, styled):
    xml, cell_xml = sparse_sheet(existing)
    styles = {k: i for i, k in enumerate(sorted(writes)) if i in styled}
    out = set_cells(xml, writes, styles)
    got = cells_of(out)
    for key, original in cell_xml.items():
        if key not in writes:
            assert original.encode() in out
    for key, value in writes.items():
        old = existing.get(key)
        style = styles.get(key, str(old[1]) if old and old[0] == "style" else None)
        style = None if style is None else str(style)
        if value is None and old is None and key not in styles:
            assert key not in got
            continue
        cell = got[key]
        assert cell["s"] == style and cell["f"] is None
        if value is None:
            assert cell["t"] is None and cell["v"] is None and cell["text"] is None
        elif isinstance(value, bool):
            assert (cell["t"], cell["v"]) == ("b", str(int(value)))
        elif isinstance(value, str):  # Excel's _xHHHH_ escapes undone, as Excel reads them
            assert cell["t"] == "inlineStr" and unescape(cell["text"] or "") == value
        else:
            assert cell["t"] is None and float(cell["v"]) == value
    assert set(got) == set(cell_xml) | {
        k for k, v in writes.items() if v is not None or k in styles
    }


def test_a_sheet_of_100000_rows_gets_two_rows_appended():
    rows = "".join(
        f'<row r="{i}" spans="1:3"><c r="A{i}" s="1"><v>{i}</v></c>'
        f'<c r="B{i}" t="inlineStr"><is><t>rep {i}</t></is></c><c r="C{i}"><f>A{i}*2</f></c></row>'
        for i in range(1, 100_001)
    )
    xml = sheet(rows, head='<dimension ref="A1:C100000"/>')
    assert cell_style(xml, 100_000, 1) == 1
    assert table_rows(xml, 99_999, 100_002, 1, 3) == {99_999, 100_000}
    out = set_cells(xml, {(100_001, 1): 1, (100_002, 2): "last"}, {(100_001, 1): 1})
    assert out.startswith(xml[: xml.index(b"<dimension")])
    body = xml[xml.index(b"<sheetData>") : xml.index(b"</sheetData>")]
    assert out[out.index(b"<sheetData>") : out.index(b'<row r="100001"')] == body
    assert b'<dimension ref="A1:C100002"/>' in out
    assert table_rows(out, 100_001, 100_002, 1, 3) == {100_001, 100_002}
