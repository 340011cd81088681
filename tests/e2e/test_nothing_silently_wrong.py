"""Values that used to be read silently wrong, each now a problem at its cell (issue 17, item 4).

One copy of the example plan gets every kind of bad value at once, written into its sheet XML
as Excel or another program would store it: an error value, a formula whose result was never
saved, a decimal comma, a list typed as a number, infinities and a 400-digit number, dates
before 1900 and after 2199, a period of 10⁹ weeks, a challenge below the target, a conversion
of 1e-300. `decompose` exits 2 naming each cell, and the plan is byte-identical.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from tests.examples import example_plan
from xl_addin.cli import main
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.sheetcells import set_cells


def where(book: FileBook, table: str, column: str, row: int = 0) -> tuple[str, str, tuple]:
    """(sheet part, Sheet!Cell, (row, col)) of a table's data cell, by its header."""
    raw = book.table(table)
    j = [str(h).casefold() for h in raw.headers].index(column.casefold())
    cell = raw.cell(row, j)
    number = int(re.sub(r"\D", "", cell))
    return book.table_ref(table).sheet_part, f"{raw.sheet}!{cell}", (number, raw.first_col + j)


def setting_cell(book: FileBook, name: str) -> tuple[str, str, tuple]:
    raw = book.table("tblSettings")
    names = [str(r[0]) for r in raw.rows]
    return where(book, "tblSettings", raw.headers[1], names.index(name))


def raw_cell(xml: bytes, rc: tuple[int, int], inner: str, attrs: str = "") -> bytes:
    """The cell at (row, col) replaced by `<c r=.. attrs>inner</c>`, as another program writes it."""
    text = xml.decode()
    ref = f"{_letters(rc[1])}{rc[0]}"
    cell = re.compile(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)')
    assert cell.search(text), ref
    return cell.sub(f'<c r="{ref}"{attrs}>{inner}</c>', text, count=1).encode()


def _letters(col: int) -> str:
    out = ""
    while col:
        col, r = divmod(col - 1, 26)
        out = chr(65 + r) + out
    return out


@pytest.fixture(scope="module")
def bad_plan(tmp_path_factory):
    path = tmp_path_factory.mktemp("bad") / "plan.xlsx"
    example_plan(path, "en")
    book = FileBook(path)
    typed = {  # (sheet part, Sheet!Cell, (row, col)) -> value typed as text or number
        where(book, "tblReps", "Capability", 0): "12,5",
        where(book, "tblRegions", "Weight", 0): "1,2,3",
        where(book, "tblProducts", "Weight", 0): "Infinity",
        where(book, "tblProducts", "Weight", 1): "1e309",
        where(book, "tblProducts", "Weight", 2): "9" * 400,
        where(book, "tblHistory", "Period", 0): "1850-01-01",
        where(book, "tblHistory", "Period", 1): "2300-01-01",
        setting_cell(book, "PeriodWeeks"): 1_000_000_000,
        setting_cell(book, "ChallengePct"): 0.5,
        where(book, "tblFunnel", "Conversion", 0): 1e-300,
    }
    error = where(book, "tblReps", "Capability", 1)
    unsaved = where(book, "tblRegions", "Weight", 1)
    book.close()
    edits: dict[str, dict] = {}
    for (part, _, rc), value in typed.items():
        edits.setdefault(part, {})[rc] = value
    data = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename in edits:
                body = set_cells(body, edits[info.filename])
            if info.filename == error[0]:
                body = raw_cell(body, error[2], "<f>1/0</f><v>#DIV/0!</v>", ' t="e"')
            if info.filename == unsaved[0]:
                body = raw_cell(body, unsaved[2], "<f>B2*2</f><v></v>")
            z.writestr(info, body)
    path.write_bytes(out.getvalue())
    cells = {name: cell for (_, cell, _), name in zip(typed, [
        "comma", "list", "infinity", "1e309", "digits", "1850", "2300", "weeks", "challenge",
        "conversion"], strict=True)}  # fmt: skip
    return path, cells | {"error": error[1], "unsaved": unsaved[1]}


EXPECTED = {  # what is said at each cell
    "comma": ("is not a number", "type a point for decimals (12.5, not 12,5)"),
    "list": ("is not a number", "a comma only between thousands"),
    "infinity": ("Infinity", ""),
    "1e309": ("1e309", ""),
    "digits": ("999999999", ""),
    "1850": ("1850-01-01", ""),
    "2300": ("2300-01-01", ""),
    "weeks": ("is more than the largest sensible value, 106", ""),
    "challenge": ("0.5 is below 1: the challenge would be below the target", ""),
    "conversion": ("is not between 0.001 and 1", ""),
    "error": ("holds the error #DIV/0!", "correct the formula, or type the value"),
    "unsaved": ("is a formula whose result was never saved", "open the plan in Excel"),
}


def test_every_silently_wrong_value_is_a_problem_at_its_cell(bad_plan, capsys):
    path, cells = bad_plan
    before = path.read_bytes()
    assert main(["decompose", str(path)]) == 2
    said = capsys.readouterr().err
    lines = said.splitlines()
    for key, (what, hint) in EXPECTED.items():
        at = [line for line in lines if line.startswith(cells[key] + ":")]
        assert at, f"{key}: nothing said at {cells[key]}\n{said}"
        assert any(what in line and hint in line for line in at), f"{key}: {at}"
    assert path.read_bytes() == before
