"""A stray cell far from the tables costs nothing and kills nothing (issue 17, item 1).

calamine reads a sheet as one dense grid to its furthest cell: a value at XFD1048576 made it
allocate 512 GiB and abort the process. The reader now finds such cells first (extent.py,
streamed, by their references) and reads that sheet's tables row by row instead.
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from engine.problems import PlanError
from tests.examples import example_plan
from xl_addin.cli import main
from xl_addin.workbook import extent
from xl_addin.workbook.extent import SPARE_CELLS, scan_sheet, within
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.mark.parametrize("limit", [1, 6, 26, 27, 52, 702, 703, 16383])
def test_the_column_pattern_matches_exactly_the_columns_within(limit):
    pattern = re.compile(within(get_column_letter(limit), LETTERS))
    matched = [c for c in range(1, 16385) if pattern.fullmatch(get_column_letter(c))]
    assert matched == list(range(1, limit + 1))
    assert not pattern.fullmatch(get_column_letter(limit).lower())  # Excel writes capitals


@pytest.mark.parametrize("limit", [1, 9, 10, 25, 99, 100, 1000, 520001, 1048575])
def test_the_row_pattern_matches_exactly_the_rows_within(limit):
    pattern = re.compile(within(str(limit), "0123456789"))
    rows = [*range(1, 3000), *range(limit - 50, limit + 50), 99_999, 100_000, 1_048_576]
    rows = sorted({r for r in rows if 1 <= r <= 1_048_576})
    assert [r for r in rows if pattern.fullmatch(str(r))] == [r for r in rows if r <= limit]
    assert not pattern.fullmatch("0") and not pattern.fullmatch("01")  # Excel writes none


def with_cells(path, part: str, edit, method: int | None = None) -> None:
    """Rewrite one part of the package at `path` with `edit(xml text) -> xml text`, each part
    compressed as it was, or with `method` (zipfile.ZIP_STORED, …) for every part."""
    data = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == part:
                body = edit(body.decode()).encode()
            if method is not None:
                info.compress_type = method
            z.writestr(info, body)
    path.write_bytes(out.getvalue())


def stray_at_the_end(xml: str, row: str = "1048576", cell: str = "XFD1048576") -> str:
    far = f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t>x</t></is></c></row>'
    return xml.replace("</sheetData>", far + "</sheetData>")


def stray_in_row_one(xml: str) -> str:
    cell = '<c r="XFD1" t="inlineStr"><is><t>note</t></is></c>'
    return xml.replace("</row>", cell + "</row>", 1)


# References as calamine reads them, not as Excel writes them: small letters; leading zeros;
# 32-bit numbers that wrap around (99,999,999,999 is row 1,215,752,191 to calamine). Each
# made calamine abort the process where the scan knew only Excel's way of writing them.
def stray_in_small_letters(xml: str) -> str:
    return stray_at_the_end(xml, row="2000", cell="xfd1048576")


def stray_led_by_zeros(xml: str) -> str:
    return stray_at_the_end(xml, row="0001200000000", cell="A0001200000000")


def stray_wrapped(xml: str) -> str:
    return stray_at_the_end(xml, row="99999999999", cell="A99999999999")


def sheet_part(path, table: str) -> str:
    return FileBook(path).table_ref(table).sheet_part


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    path = tmp_path_factory.mktemp("far") / "clean.xlsx"
    example_plan(path, "en")
    original = path.read_bytes()
    assert main(["decompose", str(path)]) == 0
    return original, values(path, "Targets")


def values(path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]


@pytest.mark.parametrize(
    ("table", "edit", "far"),
    [
        ("tblReps", stray_at_the_end, "XFD1048576"),
        ("tblHistory", stray_in_row_one, "XFD1"),
        ("tblReps", stray_in_small_letters, "XFD1048576"),
        ("tblReps", stray_led_by_zeros, "A1200000000"),
        ("tblReps", stray_wrapped, f"A{99_999_999_999 % 2**32}"),
    ],
)
def test_a_plan_with_a_stray_far_cell_decomposes_as_without_it(clean, tmp_path, table, edit, far):
    original, targets = clean
    path = tmp_path / "plan.xlsx"
    path.write_bytes(original)
    part = sheet_part(path, table)
    with_cells(path, part, edit)
    with zipfile.ZipFile(path) as z:
        ref = FileBook(path).table_ref(table).ref
        rows, cols = (
            openpyxl.utils.range_boundaries(ref)[3],
            openpyxl.utils.range_boundaries(ref)[2],
        )
        extent = scan_sheet(z, part, rows, cols)
    assert extent.far == (far,) and extent.cells - rows * cols > SPARE_CELLS
    assert main(["decompose", str(path)]) == 0  # before: SIGABRT, allocating 512 GiB
    assert values(path, "Targets") == targets


def with_table_to(path, table: str, corner: str) -> None:
    """Stretch a table (and its filter) of the package at `path` to end at `corner`."""
    with zipfile.ZipFile(path) as z:
        part = next(n for n in z.namelist() if f'displayName="{table}"'.encode() in z.read(n))
    ref = r'(<(?:table|autoFilter)\b[^>]*?\bref="[A-Z]+[0-9]+):[A-Z]+[0-9]+"'
    with_cells(path, part, lambda xml: re.sub(ref, rf'\1:{corner}"', xml))


@pytest.mark.parametrize("table", ["tblReps", "tblHistory"])
def test_a_table_over_the_whole_sheet_is_read_as_its_cells(clean, tmp_path, table):
    """A table stretched to XFD1048576 (as a table made of a whole sheet's selection):
    fastexcel held the table's box as one grid (512 GiB) and aborted the process; the grid
    read made every row 16,384 cells wide. Its cells are what counts."""
    original, targets = clean
    path = tmp_path / "plan.xlsx"
    path.write_bytes(original)
    with_table_to(path, table, "XFD1048576")
    assert FileBook(path).table_ref(table).ref.endswith(":XFD1048576")
    assert main(["decompose", str(path)]) == 0  # before: SIGABRT
    assert values(path, "Targets") == targets


def test_a_table_over_the_whole_sheet_with_a_cell_at_its_far_end_is_refused_by_name(
    clean, tmp_path
):
    """Its rows as far as the cell reaches would be 17 billion cells: the reader says so at
    the table, exit 2 and the plan untouched, instead of aborting (calamine) or filling the
    memory (a row of 16,384 cells for each of 1,048,576 rows)."""
    path = tmp_path / "plan.xlsx"
    path.write_bytes(clean[0])
    with_cells(path, sheet_part(path, "tblReps"), stray_at_the_end)
    with_table_to(path, "tblReps", "XFD1048576")
    before = path.read_bytes()
    with pytest.raises(PlanError) as caught:
        read_plan(FileBook(path))
    said = [(p.sheet, p.cell, p.message.key) for p in caught.value.problems]
    assert said == [("Reps", "A1", "table_too_large")]
    assert main(["decompose", str(path)]) == 2  # before: SIGABRT
    assert path.read_bytes() == before


def test_a_sheet_with_only_its_tables_has_the_tables_extent(clean, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(clean[0])
    ref = FileBook(path).table_ref("tblReps")
    _, _, cols, rows = openpyxl.utils.range_boundaries(ref.ref)
    with zipfile.ZipFile(path) as z:
        extent = scan_sheet(z, ref.sheet_part, rows, cols)
        assert (extent.rows, extent.cols, extent.far) == (rows, cols, ())
        # one column and one row short of the table: its last cells are beyond
        smaller = scan_sheet(z, ref.sheet_part, rows - 1, cols - 1)
    assert (smaller.rows, smaller.cols) == (rows, cols)


def scattered(xml: str) -> str:
    """Error cells, formulas never calculated and stray cells, far apart in the sheet."""
    rows = []
    for i in range(400):
        r = 5000 + i * 7
        cells = [f'<c r="A{r}" t="e"><f>1/0</f><v>#DIV/0!</v></c>', f'<c r="B{r}"><f>A{r}+1</f></c>',
                 f'<c r="C{r}" t="s"><v>0</v></c>', f'<c r="D{r}"><f t="shared" ref="D{r}" si="0"/><v></v></c>']  # fmt: skip
        if i % 97 == 3:
            cells.append(
                f'<c r="{get_column_letter(30 + i)}{r}" t="inlineStr"><is><t>x</t></is></c>'
            )
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    return xml.replace("</sheetData>", "".join(rows) + "</sheetData>")


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_sheet_inflated_from_the_file_scans_as_through_the_zip_layer(
    clean, tmp_path, monkeypatch, method
):
    """extent.py inflates a sheet from the file itself (its CRC checked once, by
    check_package): the far cells, error cells and uncalculated formulas it finds are those
    the zip layer's reading finds, each at its cell, however the pieces fall."""
    path = tmp_path / "plan.xlsx"
    path.write_bytes(clean[0])
    ref = FileBook(path).table_ref("tblReps")
    _, _, cols, rows = openpyxl.utils.range_boundaries(ref.ref)
    with_cells(path, ref.sheet_part, scattered, method)
    monkeypatch.setattr(extent, "CHUNK", 4096)  # many pieces, cells cut between them
    through_zip = extent._through_zip
    with zipfile.ZipFile(path) as z:
        with monkeypatch.context() as m:
            m.setattr(extent, "_through_zip", None)  # read from the file, never by the zip layer
            direct = scan_sheet(z, ref.sheet_part, rows, cols)
        with monkeypatch.context() as m:
            m.setattr(extent, "_inflated", lambda z, part: through_zip(z, z.getinfo(part)))
            through = scan_sheet(z, ref.sheet_part, rows, cols)
    assert direct == through
    assert (direct.rows, direct.cols) == (7793, 421)  # PE7737 reaches furthest right
    assert direct.far == ("A7793", "A7786", "A7779")  # the last cells to reach further down
    assert direct.unread["A5000"] == "#DIV/0!" and direct.unread["B7793"] == ""
    assert direct.unread["D5007"] == "" and "C5000" not in direct.unread
    assert len(direct.unread) == 3 * 400


def prefixed(xml: str) -> str:
    """The sheet's cells spelt with a prefix (`<x:c>`, `<x:f>`), as some writers write them."""
    at = xml.index("<worksheet ") + len("<worksheet ")
    xml = xml[:at] + f'xmlns:x="{MAIN}" ' + xml[at:]
    return re.sub(r"<(/?)(sheetData|row|c|f|v|is|t)([ >/])", r"<\1x:\2\3", xml)


def test_error_cells_and_formulas_never_calculated_are_found_in_a_prefixed_sheet(
    clean, tmp_path, monkeypatch
):
    """As in a sheet of plain elements, each at its cell (calamine reads such a sheet, but
    gives a formula without a result as no cell at all)."""
    path = tmp_path / "plan.xlsx"
    path.write_bytes(clean[0])
    ref = FileBook(path).table_ref("tblReps")
    _, _, cols, rows = openpyxl.utils.range_boundaries(ref.ref)
    monkeypatch.setattr(extent, "CHUNK", 4096)  # cells cut between pieces
    found = {}
    for kind, edit in (("plain", scattered), ("prefixed", lambda xml: prefixed(scattered(xml)))):
        path.write_bytes(clean[0])
        with_cells(path, ref.sheet_part, edit, zipfile.ZIP_DEFLATED)
        with zipfile.ZipFile(path) as z:
            if kind == "prefixed":
                assert b"<x:f>" in z.read(ref.sheet_part)
            found[kind] = scan_sheet(z, ref.sheet_part, rows, cols)
    assert found["prefixed"].unread == found["plain"].unread
    assert len(found["plain"].unread) == 3 * 400 and found["plain"].unread["A5000"] == "#DIV/0!"
    assert found["prefixed"].formulas


def test_cells_without_a_value_are_named_where_calamine_places_them():
    """An error value or a formula never calculated, its reference spelt otherwise than
    Excel spells it: named at the cell calamine puts it in (2**32 + 9 wraps to row 9)."""
    xml = (
        b'<row r="7"><c r="b7" t="e"><v>#N/A</v></c><c s="1" r=\'A0008\'><f>1+1</f></c>'
        b'<c r="C4294967305" t="e"><v>#REF!</v></c><c r="D0" t="e"><v>#N/A</v></c></row>'
    )
    assert extent._unread(xml) == {"B7": "#N/A", "A8": "", "C9": "#REF!"}


def test_an_error_cell_is_found_however_its_type_is_quoted():
    """calamine reads `t='e'` and `t = "e"` as it reads `t="e"`: an error, given as "" (each
    checked against python-calamine when written); `xt="e"` and text ending in e are no type."""
    xml = (
        b'<row r="2"><c r="A2" t=\'e\'><v>#N/A</v></c><c r="B2" s="1"\n t = "e" >'
        b'<v>#REF!</v></c><c r="C2" xt="e"><v>1</v></c><c r="D2" t="inlineStr">'
        b'<is><t xml:space="preserve">type="e"</t></is></c><c r="E2" t="s"><v>3</v></c></row>'
    )
    assert extent._unread(xml) == {"A2": "#N/A", "B2": "#REF!"}


def test_a_formula_never_calculated_in_a_prefixed_sheet_is_said_as_in_a_plain_one(clean, tmp_path):
    """Not "the cell is empty" (what calamine reads there): the same problem, at the same cell."""
    path = tmp_path / "plan.xlsx"
    path.write_bytes(clean[0])
    ref = FileBook(path).table_ref("tblReps")
    last = openpyxl.utils.range_boundaries(ref.ref)[3]

    def unsaved(xml: str) -> str:
        cell = re.compile(rf'<c r="B{last}"[^>]*?(?:/>|>.*?</c>)', re.S)
        return cell.sub(f'<c r="B{last}"><f>1+1</f></c>', xml, count=1)

    said = {}
    for kind, edit in (("plain", unsaved), ("prefixed", lambda xml: prefixed(unsaved(xml)))):
        path.write_bytes(clean[0])
        with_cells(path, ref.sheet_part, edit, zipfile.ZIP_DEFLATED)
        with pytest.raises(PlanError) as caught:
            read_plan(FileBook(path))
        said[kind] = [(p.sheet, p.cell, p.message.key) for p in caught.value.problems]
    assert said["prefixed"] == said["plain"] == [("Reps", f"B{last}", "value_formula_unsaved")]


# -- rows and cells written without a reference, or with one written another way ----------
# The reference (`r`) of a row or cell is optional in SpreadsheetML: calamine places a row
# without one after the row before it, a cell without one after the cell before it (the
# first of a row in column A). A sheet so written once slipped past the scan, which knew
# cells by their references alone: 50,000 rows and 16,000 cells without one made calamine
# allocate 25.6 GB and abort the process. calamine also reads a reference in small letters,
# with leading zeros, a row's with letters before its digits, and numbers past 32 bits
# wrapped around (row 4,294,967,301 is row 5); the scan knew only capitals and up to seven
# digits.
SHEET_PART = "xl/worksheets/sheet1.xml"
# how an element carries its reference
FORMS = ("plain", "none", "single", "late", "prefixed", "small", "zeros", "wrapped")


def _spelt(ref: str, form: str) -> str:
    """`ref` (B7, or 7 for a row) spelt so that calamine reads the same place from it."""
    letters, digits = re.fullmatch(r"([A-Z]*)([0-9]+)", ref).groups()
    if form == "small":
        return (letters or "Q").lower() + digits  # a row's letters are read and dropped
    if form == "zeros":
        return letters + "000" + digits
    if form == "wrapped":
        return letters + str(int(digits) + 2**32 * (1 + int(digits) % 3))
    return ref


def _start(name: str, ref: str, form: str) -> str:
    ref = _spelt(ref, form)
    if form == "none":
        return f"<{name}"
    if form == "single":
        return f"<{name} r='{ref}'"
    if form == "late":
        return f'<{name} s="0" r="{ref}"'
    if form == "prefixed":
        return f'<x:{name} r="{ref}"'
    return f'<{name} r="{ref}"'


def _end(name: str, form: str) -> str:
    return f"</x:{name}>" if form == "prefixed" else f"</{name}>"


def sheet_with(rows: list[tuple[int, str, list[tuple[int, str]]]]) -> tuple[bytes, tuple[int, int]]:
    """A workbook of one sheet whose rows are (step from the row before, form, cells of
    (step from the cell before, form)); every cell holds a number. Also where its cells end
    (last row, last column), counted by the rules calamine places elements by."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    book.add_worksheet("S").write(0, 0, 1)
    book.close()
    row, last_row, last_col, xml = 0, 0, 0, []
    for step, form, cells in rows:
        row += step if form != "none" else 1
        col, body = 0, []
        for cell_step, cell_form in cells:
            col += cell_step if cell_form != "none" else 1
            ref = f"{get_column_letter(col)}{row}"
            body.append(f"{_start('c', ref, cell_form)}><v>1</v>{_end('c', cell_form)}")
            last_row, last_col = max(last_row, row), max(last_col, col)
        xml.append(f"{_start('row', str(row), form)}>{''.join(body)}{_end('row', form)}")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == SHEET_PART:
                text = body.decode().replace("<worksheet ", f'<worksheet xmlns:x="{MAIN}" ')
                body = re.sub(r"<sheetData>.*</sheetData>", "<sheetData>" + "".join(xml) + "</sheetData>", text).encode()  # fmt: skip
            z.writestr(info.filename, body)
    return out.getvalue(), (last_row, last_col)


forms = st.sampled_from(FORMS)
sheets = st.lists(
    st.tuples(
        st.integers(1, 40),
        forms,
        st.lists(st.tuples(st.integers(1, 30), forms), min_size=1, max_size=6),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(sheets)
def test_the_scan_finds_where_calamine_places_the_last_cell(rows):
    """calamine is the second method: its grid of the sheet is as large as the scan says."""
    data, expected = sheet_with(rows)
    grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("S")
    cells = grid.to_python(skip_empty_area=False)
    assert (len(cells), max(map(len, cells))) == expected
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        extent = scan_sheet(z, SHEET_PART, 1, 1)
    assert (extent.rows, extent.cols) == expected


def test_a_sheet_without_references_reaching_far_is_read_row_by_row(clean, tmp_path):
    """50,000 rows and 16,000 cells, none with a reference, below tblReps: decomposed as
    without them (calamine asked for that sheet whole aborted the process)."""
    original, targets = clean
    path = tmp_path / "plan.xlsx"
    path.write_bytes(original)
    far = "<row/>" * 50_000 + "<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * 16_000 + "</row>"
    with_cells(path, sheet_part(path, "tblReps"), lambda xml: xml.replace("</sheetData>", far + "</sheetData>"))  # fmt: skip
    ref = FileBook(path).table_ref("tblReps")
    _, _, cols, rows = openpyxl.utils.range_boundaries(ref.ref)
    with zipfile.ZipFile(path) as z:
        extent = scan_sheet(z, ref.sheet_part, rows, cols)
    assert (extent.rows, extent.cols) == (rows + 50_001, 16_000)
    assert extent.far[0] == f"{get_column_letter(16_000)}{rows + 50_001}"
    assert main(["decompose", str(path)]) == 0
    assert values(path, "Targets") == targets


def one_sheet(*cells: str) -> zipfile.ZipFile:
    """A package of one sheet holding a number in each of `cells`."""
    rows: dict[int, list[str]] = {}
    for ref in cells:
        rows.setdefault(int(re.sub(r"[A-Z]", "", ref)), []).append(f'<c r="{ref}"><v>1</v></c>')
    data = "".join(f'<row r="{r}">{"".join(c)}</row>' for r, c in sorted(rows.items()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "xl/worksheets/sheet1.xml", f"<worksheet><sheetData>{data}</sheetData></worksheet>"
        )
    return zipfile.ZipFile(out)


def each_cell_read(z: zipfile.ZipFile) -> str | None:
    """far_cell as it was: every cell of every sheet placed one by one (a box of A1)."""
    for part in z.namelist():
        found = scan_sheet(z, part, 1, 1, unread=False)
        if found.cells > SPARE_CELLS:
            return found.far[0] if found.far else f"{found.rows}"
    return None


@pytest.mark.parametrize(
    "cells",
    [
        ("A1", "C40"),  # a rep's workbook
        ("BL65536",),  # the corner of far_cell's box
        ("A7000000",),  # beyond the box, but a grid of 7 million cells: read
        ("A8000001",),  # one column of 8,000,001: too far
        ("B4000001", "A1"),  # two columns of 4,000,001
        ("BM1", "A125000"),  # beyond the box to the right: 65 × 125,000 = 8,125,000
        ("XFD1048576", "A1"),
    ],
)
def test_far_cell_passes_over_a_box_and_says_what_each_cell_read_says(cells):
    """A returned workbook's cells within A1:BL65536 are passed over by the scan's pattern;
    the cell too far, or none, is what placing every cell one by one finds."""
    z = one_sheet(*cells)
    assert extent.far_cell(z) == each_cell_read(z)
    assert (extent.far_cell(z) is None) == (cells[0] in ("A1", "BL65536", "A7000000"))
