"""A stub sheet and the data rows rustpy-xlsxwriter wrote for its tables (sheets/bulkrows.py),
joined into one sheet part of the user's package, a few megabytes at a time.

One long table at the sheet's left (a Breakdown of a million rows) is joined in chunks
(with_rows, below); tables side by side, or rows with number formats of their own, row by
row (with_tables, at the end), every row's cells put in column order.

The stub (XlsxWriter's: the sheet with that table holding its first and last data rows only)
has already been made the user's by sheetparts.sheet_chunks. The rows between the table's
first and last rows are taken from rustpy-xlsxwriter's sheet as written, each cell's style
index replaced by the one the stub's last row gives that column; the stub's cells in those
rows (tables beside it) are added at the end of each row. The replacement is plain byte
replacement of `" s="K"><v>` and `" s="K"/>` (numbers and blanks: text has no format there),
which cannot occur inside text (a `>` in text is written `&gt;`); every styled cell is
counted, so a sheet rustpy-xlsxwriter writes in another shape stops the run instead of
coming out unstyled. A whole number is spelt as XlsxWriter spells it (`250000`, where
rustpy-xlsxwriter writes `250000.0`).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator

from xlsxwriter.utility import xl_col_to_name

from xl_addin.sheets.bulkrows import BulkRows
from xl_addin.workbook.cellref import column_index
from xl_addin.workbook.opc import REL_WORKSHEET, Package, office_document
from xl_addin.workbook.sheetparts import CHUNK

_CELL = re.compile(rb'<c r="([A-Z]+)[0-9]+"(?: s="([0-9]+)")?')
_ROW = re.compile(rb'<row r="([0-9]+)"(?: spans="[0-9:]+")?>(.*?)</row>', re.S)
_MARK = b"\x00"  # a mapped index is marked until all are mapped: no mapping feeds another


def rows_part(rows: BulkRows) -> tuple[Package, str]:
    """rustpy-xlsxwriter's package and its one sheet part."""
    package = Package(zipfile.ZipFile(io.BytesIO(rows.package)))
    workbook = office_document(package, "rustpy-xlsxwriter")
    return package, next(r.part for r in package.rels(workbook) if r.type == REL_WORKSHEET)


def with_rows(stub: Iterable[bytes], pieces: Iterable[bytes], rows: BulkRows) -> Iterator[bytes]:
    """The stub sheet with rows `rows.first`…`rows.last` - 1 from `pieces` (rustpy-xlsxwriter's
    sheet part, inflated piece by piece) between the table's first and last rows."""
    stub = b"".join(stub)  # small beside the rows: the table's first and last rows, the rest
    at = stub.index(b'<row r="%d"' % rows.last)
    head, beside = _beside(stub[:at], rows.first)
    ours = _styles(stub[at : stub.index(b"</row>", at)], rows.columns)
    header, data = _rows(pieces, rows.first)
    mapped = _mapped(data, _pairs(_styles(header, rows.columns), ours, rows.blanks))
    yield head
    yield from _joined(mapped, beside)
    yield stub[at:]


def _styles(row: bytes, columns: tuple[str, ...]) -> dict[bytes, bytes | None]:
    """Each of `columns` -> the style index of its cell in `row` (None: no cell, or a cell
    without a style attribute)."""
    found = {m[1]: m[2] for m in _CELL.finditer(row)}
    return {c.encode(): found.get(c.encode()) for c in columns}


def _beside(head: bytes, first: int) -> tuple[bytes, dict[int, bytes]]:
    """The stub up to the table's last row without its rows from `first` on, and those rows'
    cells (of tables beside it) by row number."""
    rows = list(_ROW.finditer(head))
    k = next((i for i, m in enumerate(rows) if int(m[1]) >= first), len(rows))
    if k == len(rows):
        return head, {}
    start, end = rows[k].start(), rows[-1].end()
    if head.count(b"<row ", start) != len(rows) - k or head[end:].strip():
        raise AssertionError("a stub's rows beside a bulk table in an unexpected shape")
    return head[:start], {int(m[1]): m[2] for m in rows[k:]}


def _rows(pieces: Iterable[bytes], first: int) -> tuple[bytes, Iterator[bytes]]:
    """rustpy-xlsxwriter's header row (row `first` - 1), and its rows from `first` to the end
    of its sheetData, cut after whole rows."""
    pieces = iter(pieces)
    start, pending = b'<row r="%d"' % (first - 1), b""
    for piece in pieces:
        pending += piece
        head = pending.find(start)
        if head >= 0 and (end := pending.find(b"</row>", head)) >= 0:
            cut = end + len(b"</row>")
            return pending[head:cut], _data_rows(pending[cut:], pieces)
    raise AssertionError("rustpy-xlsxwriter's sheet lacks its header row")


def _data_rows(pending: bytes, pieces: Iterator[bytes]) -> Iterator[bytes]:
    while True:
        end = pending.find(b"</sheetData>")
        if end >= 0:
            yield pending[:end]
            return
        if len(pending) >= CHUNK and (last := pending.rfind(b"</row>")) >= 0:
            cut = last + len(b"</row>")
            yield pending[:cut]
            pending = pending[cut:]
        piece = next(pieces, None)
        if piece is None:
            raise AssertionError("rustpy-xlsxwriter's sheet lacks the end of its sheetData")
        pending += piece


def _mapped(chunks: Iterable[bytes], pairs: tuple[list, int]) -> Iterator[bytes]:
    """Each chunk of whole rows with rustpy-xlsxwriter's style indexes replaced, and counted:
    every row has one styled cell for each styled column (`pairs`: the replacements, that
    count)."""
    replacements, styled = pairs
    for chunk in chunks:
        for old, new in replacements:
            chunk = chunk.replace(old, new)
        if chunk.count(b'" s="' + _MARK) != styled * chunk.count(b"</row>"):
            raise AssertionError("rustpy-xlsxwriter wrote a styled cell in a shape not mapped")
        # a whole number as XlsxWriter spells it (250000, not 250000.0), which a reader such as
        # openpyxl reads as a whole number again; `</v>` ends a value only, never text
        yield chunk.replace(_MARK, b"").replace(b".0</v>", b"</v>")


def _pairs(theirs: dict, ours: dict, blanks: bool = True) -> tuple[list[tuple[bytes, bytes]], int]:
    """The byte replacements that give each cell the style of its column in `ours`, from
    rustpy-xlsxwriter's style for it (its header cell's: a column's number format styles its
    header too), and the number of styled columns. Only numbers are styled (bulkrows: text
    has no format), so a styled cell is a value or, with `blanks`, a blank; each replacement
    is a pass over every row, so none is made that cannot match."""
    to: dict[bytes, bytes] = {}
    for column, style in ours.items():
        if (theirs[column] is None) != (style is None):
            raise AssertionError(f"column {column!r}: styled in one writer, not in the other")
        if style is not None and to.setdefault(theirs[column], style) != style:
            raise AssertionError(f"rustpy-xlsxwriter's style {theirs[column]!r} is two of ours")
    ends = (b'"><v>', b'"/>') if blanks else (b'"><v>',)
    replacements = [
        (b'" s="%s%s' % (k, end), b'" s="%s%s%s' % (_MARK, v, end))
        for k, v in to.items()
        for end in ends
    ]
    return replacements, sum(style is not None for style in ours.values())


def _joined(chunks: Iterable[bytes], beside: dict[int, bytes]) -> Iterator[bytes]:
    """The rows with the stub's cells of the same row (tables beside) added at their end."""
    for chunk in chunks:
        if not beside:
            yield chunk
            continue
        out = []
        for row in chunk.split(b"</row>")[:-1]:  # a chunk ends after a whole row
            if not row.startswith(b'<row r="'):
                raise AssertionError("rustpy-xlsxwriter's rows in an unexpected shape")
            out += [row, beside.pop(int(row[8 : row.index(b'"', 8)]), b""), b"</row>"]
        yield b"".join(out)
    if beside:
        raise AssertionError(f"rows {sorted(beside)[:5]} of a table beside were not placed")


# -- tables side by side, or rows with formats of their own: row by row -------------------
_STUB_ROW = re.compile(rb'<row r="([0-9]+)"([^>]*?)(?:/>|>(.*?)</row>)', re.S)
_STUB_CELL = re.compile(rb'<c r="([A-Z]+)[0-9]+"[^>]*?(?:/>|>.*?</c>)', re.S)
_SPANS = re.compile(rb' spans="[0-9:]+"')
_REFERENCE = re.compile(rb'<c r="([A-Z]+)(?=[0-9])')


def with_tables(
    stub: Iterable[bytes], tables: list[tuple[Iterable[bytes], BulkRows]]
) -> Iterator[bytes]:
    """The stub sheet with the rows of each of `tables` (rustpy-xlsxwriter's sheet part, and
    its BulkRows) joined in: every row's cells, the stub's and each table's, in column order.
    A table's rows the stub holds (kept) are the stub's; each of its rows takes the styles
    of the kept row it is styled as (the last, or the first of its own number formats)."""
    stub = b"".join(stub)
    opened = stub.index(b"<sheetData>") + len(b"<sheetData>")
    closed = stub.index(b"</sheetData>")
    rows: dict[int, tuple[bytes, list[tuple[int, bytes]]]] = {}
    whole: dict[int, bytes] = {}  # each stub row as written, for a row nothing joins
    for m in _STUB_ROW.finditer(stub, opened, closed):
        cells = [(column_index(c[1]), c[0]) for c in _STUB_CELL.finditer(m[3] or b"")]
        if sum(len(c) for _, c in cells) != len(m[3] or b""):
            raise AssertionError(f"row {int(m[1])} of a stub holds more than cells")
        rows[int(m[1])], whole[int(m[1])] = (m[2], cells), m[0]
    if stub[opened:closed].count(b"<row ") != len(rows):
        raise AssertionError("a stub's rows in an unexpected shape")
    joined: set[int] = set()
    for pieces, bulk in tables:
        left = column_index(bulk.columns[0])
        header, data = _rows(pieces, bulk.first)
        written = tuple(xl_col_to_name(j) for j in range(len(bulk.columns)))  # from A on
        ours_letters = [c.encode() for c in bulk.columns]
        theirs = dict(zip(ours_letters, _styles(header, written).values(), strict=True))
        moved = dict(
            zip((c.encode() for c in written), (c.encode() for c in bulk.columns), strict=True)
        )
        kept = set(bulk.kept)
        styled = {
            k: _pairs(theirs, _styles(_stub_row(rows, k), bulk.columns), bulk.blanks)
            for k in (set(bulk.styled_as) if bulk.styled_as else {bulk.last})
        }
        for chunk in data:
            for row in chunk.split(b"</row>")[:-1]:  # a chunk ends after a whole row
                if not row.startswith(b'<row r="'):
                    raise AssertionError("rustpy-xlsxwriter's rows in an unexpected shape")
                r = int(row[8 : row.index(b'"', 8)])
                if r in kept:
                    continue
                k = bulk.styled_as[r - bulk.first] if bulk.styled_as else bulk.last
                cells = _styled(row[row.index(b">") + 1 :], styled[k])
                if left > 1:  # each cell to its own column
                    cells = _REFERENCE.sub(lambda m, to=moved: b'<c r="%s' % to[m[1]], cells)
                if cells:
                    rows.setdefault(r, (b"", []))[1].append((left, cells))
                    joined.add(r)
    yield stub[:opened]
    out, size = [], 0
    for r in sorted(rows):
        if r not in joined:
            out.append(whole[r])
        else:  # the stub's spans no longer cover the row's cells
            attributes, cells = rows[r]
            cells.sort(key=lambda cell: cell[0])
            row = b"".join(c for _, c in cells)
            out.append(b'<row r="%d"%s>%s</row>' % (r, _SPANS.sub(b"", attributes), row))
        size += len(out[-1])
        if size >= CHUNK:
            yield b"".join(out)
            out, size = [], 0
    yield b"".join(out)
    yield stub[closed:]


def _stub_row(rows: dict, r: int) -> bytes:
    if r not in rows:
        raise AssertionError(f"the stub lacks row {r}, whose styles rows take")
    return b"".join(cell for _, cell in rows[r][1])


def _styled(cells: bytes, pairs: tuple[list, int]) -> bytes:
    """One row's cells with rustpy-xlsxwriter's style indexes replaced, and counted (as
    _mapped does a chunk's)."""
    replacements, styled = pairs
    for old, new in replacements:
        cells = cells.replace(old, new)
    if cells.count(b'" s="' + _MARK) != styled:
        raise AssertionError("rustpy-xlsxwriter wrote a styled cell in a shape not mapped")
    return cells.replace(_MARK, b"").replace(b".0</v>", b"</v>")
