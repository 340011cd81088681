"""A planning workbook on disk: tables read fast, output sheets written atomically.

Reading finds the tables in the package itself and reads their cells with calamine (a Rust
reader, twenty times faster than openpyxl on a long history, and immune to XML entity
bombs); a large table whose every cell holds a value of its column's kind (a history, the
actuals) is read by columns through fastexcel (columnar.py), in a third of the time. Writing splices only salesplan's own sheets into the package (splice.py), through a
temporary file and a rename, keeping a `.bak` of the previous version.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import tempfile
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from python_calamine import CalamineWorkbook

from engine.problems import PlanError, Problem, said
from xl_addin.workbook.atomic import replacing_kept
from xl_addin.workbook.cellref import boundaries, cell_tuple
from xl_addin.workbook.columnar import read_columns
from xl_addin.workbook.columns import TABLES
from xl_addin.workbook.extent import SPARE_CELLS, scan_sheet
from xl_addin.workbook.package import (
    TableRef,
    check_package,
    find_tables,
    formulas_over,
    is_encrypted,
    reading,
    sheet_names,
)
from xl_addin.workbook.placement import check_new_sheets, check_not_input
from xl_addin.workbook.reader import plan_locale
from xl_addin.workbook.splice import replace_sheets
from xl_addin.workbook.tablesource import MOST_CELLS, CellError, ColumnRows, RawTable
from xl_addin.workbook.tablewrite import TableEdits, edited_parts

# The tables read_plan reads, which a large one read first sets reading ahead (_read_ahead)
READ_AHEAD = frozenset(spec.name.casefold() for spec in TABLES)
# Tables of this many cells or more are read by columns (columnar.py), where that read is
# proven to give the grid's values; smaller ones cost the grid read little.
LARGE = 100_000
WIDEST_CLIP = 256  # the columns of a table over whole rows its sheet's scan takes as a box


class FileBook:
    def __init__(self, path: str | os.PathLike, folder: str | os.PathLike | None = None):
        """`folder`: where the plan is, when `path` is a decrypted copy of it (plan_book)."""
        self.path = Path(path)
        if not self.path.exists():
            raise PlanError(
                [Problem(str(self.path), "", said("file_not_found"), said("file_not_found_hint"))]
            )
        with reading(self.path):
            check_package(str(self.path))
            tables = find_tables(str(self.path))
        self._tables = {t.name.casefold(): t for t in tables}  # names unique ignoring case
        self._values = None
        self._extents: dict[str, tuple[bool, dict]] = {}  # sheet part -> its scan (_scan)
        self._fitting: dict[str, bool] = {}  # sheet part -> whether it may be read whole (_fits)
        self._plain: set[str] = set()  # sheet parts scanned and found to hold no formula
        self._ahead: dict[str, Future] | None = None  # large tables read on a thread (_read_ahead)
        self._pool: ThreadPoolExecutor | None = None
        self._folder = Path(folder) if folder is not None else None
        # the user's sheets whose formulas read the sheets written last (write_sheets)
        self.formulas_over: list[str] = []

    @property
    def folder(self) -> Path:
        """Where the plan is: tblSources' file paths are relative to it."""
        return self._folder or self.path.resolve().parent

    def table_names(self) -> list[str]:
        return [t.name for t in self._tables.values()]

    def table(self, name: str) -> RawTable | None:
        ref = self._tables.get(name.casefold())
        if ref is None:
            return None
        if not _large(ref):
            return self._grid(ref, self._workbook())
        if self._ahead is None:
            self._read_ahead(ref)
        ahead = self._ahead.pop(ref.name.casefold(), None)
        return ahead.result() if ahead is not None else self._large_table(ref, self._workbook())

    def _read_ahead(self, first: TableRef) -> None:
        """The first large table asked for sets the plan's other large input tables reading
        on a thread: fastexcel lets go of the interpreter while it loads a table, so the
        actuals (and a table the columns read refuses, read as a grid) load while the history
        is loaded and checked (read_plan asks for every one). Each is handed over, or its error
        raised, when it is asked for; one asked for again is read again. salesplan's own
        output tables (a decomposed plan's Breakdown of a million rows) are never read ahead:
        no command reads them whole."""
        self._fits(first)  # this table's scan first: the thread's scans would slow it down
        others = [
            t
            for t in self._tables.values()
            if t is not first and _large(t) and t.name.casefold() in READ_AHEAD
        ]
        self._pool = ThreadPoolExecutor(max_workers=1) if others else None
        self._ahead = {t.name.casefold(): self._pool.submit(self._aside, t) for t in others}

    def _aside(self, ref: TableRef) -> RawTable:
        """A large table read on the thread, with a calamine workbook of its own (one is not
        to be used by two threads at once)."""
        with contextlib.closing(CalamineWorkbook.from_path(str(self.path))) as values:
            return self._large_table(ref, values)

    def _large_table(self, ref: TableRef, values: CalamineWorkbook) -> RawTable:
        """A large table read by columns (columnar.py), or as a grid where that read cannot be
        sure of its values."""
        box = boundaries(ref.ref)
        fits = _cells(box) <= MOST_CELLS and self._fits(ref)
        read = read_columns(self.path, ref, box) if fits else None
        if read is None:
            return self._grid(ref, values)
        min_col, min_row, _, _ = box
        headers, columns = read
        return RawTable(ref.name, ref.sheet, min_row, min_col, headers, ColumnRows(columns),
                        False, columns)  # fmt: skip

    def _workbook(self) -> CalamineWorkbook:
        if self._values is None:
            self._values = CalamineWorkbook.from_path(str(self.path))
        return self._values

    def _grid(self, ref: TableRef, values: CalamineWorkbook) -> RawTable:
        """A table read from its sheet's grid (calamine), or row by row where the sheet
        reaches too far to be one grid; cells calamine reads as "" though they hold an error
        or a formula never calculated are said as they are."""
        min_col, min_row, max_col, max_row = boundaries(ref.ref)
        width = max_col - min_col + 1
        one_grid, unread = self._scan(ref)
        if one_grid:
            grid = values.get_sheet_by_name(ref.sheet).to_python(skip_empty_area=False)
            rows = [tuple(r[min_col - 1 : max_col]) for r in grid[min_row - 1 : max_row]]
        else:
            rows = _streamed(self.path, ref.sheet, min_row, max_row, min_col, max_col)
            if rows is None:
                message = said("table_too_large", table=ref.name, ref=ref.ref, most=MOST_CELLS)
                hint = said("table_too_large_hint")
                raise PlanError([Problem(ref.sheet, ref.ref.split(":")[0], message, hint)])
        # a table reaching beyond its sheet's last column (a table over whole rows): the
        # columns where no cell is are left out, not made of empty cells for every row
        width = min(width, max(1, max(map(len, rows), default=0)))
        rows = [r + (None,) * (width - len(r)) for r in rows] or [(None,) * width]
        errors = False
        for cell, text in unread.items():  # what calamine reads as "", said as it is
            row, col = cell_tuple(cell)
            if min_row <= row <= max_row and min_col <= col <= max_col:
                errors = True
                i = row - min_row
                rows[i] = (
                    *rows[i][: col - min_col],
                    CellError(text),
                    *rows[i][col - min_col + 1 :],
                )
        return RawTable(ref.name, ref.sheet, min_row, min_col, list(rows[0]), rows[1:], errors)

    def _scan(self, ref: TableRef) -> tuple[bool, dict[str, str]]:
        """Whether calamine may read the table's sheet as one grid (no cells far beyond the
        sheet's tables, which would make that grid too large to hold), and the sheet's cells
        without a value to read (errors, formulas never calculated): extent.py."""
        part = ref.sheet_part
        if part not in self._extents:
            rows, cols = self._box(part)
            with zipfile.ZipFile(self.path) as z:
                extent = scan_sheet(z, part, rows, cols)
            self._extents[part] = (extent.cells - rows * cols <= SPARE_CELLS, extent.unread)
            self._note_plain(part, extent)
        return self._extents[part]

    def _fits(self, ref: TableRef) -> bool:
        """Whether the table's sheet may be read whole (no cells far beyond its tables): the
        scan of _scan without looking for cells without a value, which the columns read
        refuses by itself (columnar.py: such a cell is a missing value)."""
        part = ref.sheet_part
        if part in self._extents:
            return self._extents[part][0]
        if part not in self._fitting:
            rows, cols = self._box(part)
            with zipfile.ZipFile(self.path) as z:
                extent = scan_sheet(z, part, rows, cols, unread=False)
            self._fitting[part] = extent.cells - rows * cols <= SPARE_CELLS
            self._note_plain(part, extent)
        return self._fitting[part]

    def _note_plain(self, part: str, extent) -> None:
        """A sheet found without formulas is not searched for them again after a write
        (formulas_over): its part is copied as it is, unless edited."""
        if not extent.formulas:
            self._plain.add(part)

    def _box(self, part: str) -> tuple[int, int]:
        """The last row and column of the tables of sheet `part`, as far as its scan takes
        every cell inside them for granted: a table over whole rows (or the whole sheet) says
        nothing of where its cells end, so its cells past MOST_CELLS are looked at."""
        boxes = [boundaries(t.ref) for t in self._tables.values() if t.sheet_part == part]
        rows, cols = max(b[3] for b in boxes), max(b[2] for b in boxes)
        if rows * cols > MOST_CELLS:
            cols = min(cols, WIDEST_CLIP)
            rows = min(rows, MOST_CELLS // cols)
        return rows, cols

    def close(self) -> None:
        if self._pool is not None:  # no file left open by a read ahead (the plan is replaced)
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._ahead = {} if self._ahead is not None else None
        if self._values is not None:
            self._values.close()
            self._values = None

    def write_sheets(self, sheets, edits: TableEdits | None = None) -> None:
        """Replace salesplan's output sheets (and only those), and make `edits` in the user's
        tables (appended change-log rows, the Version, a change log the plan lacks), all in
        one atomic write."""
        check_writable(self.path)
        try:
            self.check_not_input(sheets)  # may read the plan's Locale, to say why not
        finally:
            self.close()
        created = edits.creates if edits else []
        check_new_sheets(sheet_names(str(self.path)), created)
        edited = edited_parts(self.path, self._tables, edits) if edits else {}
        replace_sheets(self.path, sheets, edited, created)
        plain = frozenset(self._plain - set(edited))
        self.formulas_over = formulas_over(str(self.path), [s.name for s in sheets], plain)

    def table_ref(self, name: str) -> TableRef | None:
        return self._tables.get(name.casefold())

    def check_not_input(self, sheets) -> None:
        """An output sheet may only replace a sheet that holds nothing but salesplan's tables."""
        check_not_input(
            self._tables.values(), sheets, lambda t: t.ref.split(":")[0], lambda: plan_locale(self)
        )


def _large(ref: TableRef) -> bool:
    """Whether a table is read by columns where it can be (columnar.py)."""
    return _cells(boundaries(ref.ref)) >= LARGE


def _cells(box: tuple[int, int, int, int]) -> int:
    min_col, min_row, max_col, max_row = box
    return (max_col - min_col + 1) * (max_row - min_row + 1)


def _streamed(path: Path, sheet: str, min_row: int, max_row: int, min_col: int, max_col: int):
    """A table's cells read row by row (openpyxl's read-only mode streams the sheet and stops
    after the table's last row), each row as far as its last cell: for a sheet with cells far
    beyond its tables, whose grid calamine could not hold. Slower than calamine; None when
    the table's rows as far as its cells reach would be more than MOST_CELLS (a table over
    whole rows with a cell at its far end)."""
    import openpyxl  # only for such a sheet: loading it is ~80 ms

    width = max_col - min_col + 1
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet]
        ws.reset_dimensions()  # its <dimension> may be as far off as its cells
        rows, widest = [], 1
        for row in ws.iter_rows(min_row, max_row, min_col, None, values_only=True):
            rows.append(tuple(row[:width]))
            widest = max(widest, len(rows[-1]))
            if len(rows) * widest > MOST_CELLS:
                return None
        return rows
    finally:
        wb.close()


def check_writable(path: Path) -> None:
    """Excel keeps `~$name` beside a workbook it has open; writing then would lose work."""
    owner = path.with_name("~$" + path.name)
    if owner.exists() or not os.access(path, os.W_OK):
        raise PlanError(
            [
                Problem(
                    path.name,
                    "",
                    said("workbook_locked"),
                    said("workbook_locked_hint"),
                )
            ]
        )


@contextlib.contextmanager
def plan_book(
    path: str | os.PathLike, password_env: str | None = None, environ=None
) -> Iterator[FileBook]:
    """The plan at `path` as a FileBook for one command; any third-party reader's failure
    inside is a problem at the part it concerns (exit 2), never a traceback.

    An encrypted plan (Excel's "Encrypt with Password") is opened with the password held in
    the environment variable `password_env` (never on a command line): decrypted into a
    private temporary folder that is removed afterwards, and, when the command changed the
    plan, encrypted again with the same password and put in its place in one step (the
    previous, encrypted version kept as `.bak`): nothing of it is ever left in the clear.
    """
    path = Path(path)
    if not path.is_file() or not is_encrypted(path):
        book = FileBook(path)
        try:
            with reading(path):
                yield book
        finally:
            book.close()
        return
    password = _password(path, password_env, os.environ if environ is None else environ)
    sealed = path.read_bytes()
    plain = _decrypted(path, sealed, password, password_env or "")
    with tempfile.TemporaryDirectory(prefix="salesplan-") as private:  # mode 0700
        copy = Path(private) / path.name  # messages name the plan's own file
        descriptor = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as fh:
            fh.write(plain)
        try:
            book = FileBook(copy, folder=path.resolve().parent)
            try:
                with reading(copy):
                    yield book
            finally:
                book.close()
        except PlanError as exc:  # said of the plan, never of its private copy
            raise PlanError([_of_plan(p, copy, path) for p in exc.problems]) from None
        changed = copy.read_bytes()
    if changed != plain:
        _replace_encrypted(path, changed, password)


def _of_plan(problem: Problem, copy: Path, path: Path) -> Problem:
    if problem.sheet == str(copy):
        return dataclasses.replace(problem, sheet=str(path))
    return problem


def _password(path: Path, variable: str | None, environ) -> str:
    if not variable:
        raise PlanError(
            [Problem(str(path), "", said("plan_encrypted"), said("plan_encrypted_hint"))]
        )
    password = environ.get(variable) or ""
    if not password:
        message = said("password_env_unset", variable=variable)
        hint = said("password_env_unset_hint")
        raise PlanError([Problem("--password-env", "", message, hint)])
    return password


def _decrypted(path: Path, sealed: bytes, password: str, variable: str) -> bytes:
    """The package inside an encrypted plan; a wrong password or a damaged file is bad input."""
    import msoffcrypto
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    try:
        office = OOXMLFile(io.BytesIO(sealed))
        office.load_key(password=password, verify_password=True)
        office.decrypt(out, verify_integrity=True)
    except msoffcrypto.exceptions.InvalidKeyError:
        message = said("plan_wrong_password", variable=variable)
        hint = said("plan_wrong_password_hint", variable=variable)
        raise PlanError([Problem(str(path), "", message, hint)]) from None
    except Exception as exc:  # noqa: BLE001 - msoffcrypto on a damaged file raises many kinds
        error = f"{type(exc).__name__}: {exc}"
        message = said("plan_cannot_decrypt", error=error)
        raise PlanError([Problem(str(path), "", message, said("zip_damaged_hint"))]) from None
    return out.getvalue()


def _replace_encrypted(path: Path, plain: bytes, password: str) -> None:
    """`plain` encrypted with `password` (Office agile encryption, as Excel writes it) in
    place of the plan, once it is known to decrypt to `plain` again."""
    from msoffcrypto.format.ooxml import OOXMLFile

    check_writable(path)
    sealed = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, sealed)
    if _decrypted(path, sealed.getvalue(), password, "") != plain:
        raise RuntimeError("the plan encrypted again does not decrypt to what was written")
    with replacing_kept(path) as temporary:  # the .bak as splice.replace_sheets keeps it
        temporary.write_bytes(sealed.getvalue())
