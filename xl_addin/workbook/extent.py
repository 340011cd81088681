"""How far a sheet's cells really reach, and which of its cells hold no value calamine can
give, found before calamine is asked for the sheet.

calamine hands a sheet over as one dense grid from its first to its last cell: one stray
value at XFD1048576 makes that grid 17 billion cells, and the process aborts allocating
512 GiB (no message, no exit code). Real workbooks carry such cells (a note typed far away,
a paste gone wrong). So before a sheet is read, its XML is scanned, streamed, for cells
right of or below the box its tables cover, with a pattern that matches only the cells and
rows not written as Excel writes one inside that box (_elements): a sheet that holds only
its tables costs one pass of decompression (straight from the file: check_package has
already read every part through the zip layer, its CRC checked) and a scan without a match.
Every other reference is read as calamine reads it (position: small letters, leading zeros,
numbers wrapping around at 32 bits), not as Excel writes it. A sheet with rows or cells
without a reference (calamine places each after the one before it) is walked element by
element (_walk). `scan_sheet` says where the sheet really ends;
the caller reads a sheet whose grid would be far larger than its tables another way
(filebook.py).

The same pass finds the cells calamine reads as empty text though they are not empty: an
error value (`#N/A`, `#REF!`: calamine gives ""), and a formula without a stored result (as
openpyxl saves one: nothing to read until Excel has calculated and saved the file). Both are
found by a plain search for rare literals in the XML (the end of `t="e"` however quoted,
`</f>` or `<f …/>` right before the cell's end); the reader reports them at their cells.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from xl_addin.workbook.cellref import column_letter
from xl_addin.workbook.package import OVERLAP, holds_formula_text

CHUNK = 1 << 20  # bytes of XML scanned at a time
# A sheet may be read as one grid while it holds at most this many cells beyond its tables'
# box (a few notes beside a table); a grid of 32 bytes a cell: 8 million cells are 256 MiB.
SPARE_CELLS = 8_000_000


@dataclass(frozen=True)
class Extent:
    rows: int  # the last row with a cell, 1-based
    cols: int  # the last column with a cell, 1-based
    far: tuple[str, ...] = ()  # the cells that reach furthest beyond the box, furthest first
    # cells without a value to read: reference -> the error (#N/A), or "" for a formula
    # whose result was never stored
    unread: dict[str, str] = field(default_factory=dict)
    formulas: bool = True  # whether any cell may hold a formula's text (holds_formula_text)

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def within(limit: str, alphabet: str) -> str:
    """A pattern for the strings of `alphabet` (ordered) from its first to `limit` in that
    order, where a longer string is greater (column letters; row digits, none with a leading
    zero). Each option is of one length, the common ones (as long as `limit`) first."""
    first = alphabet[1:] if alphabet[0] == "0" else alphabet  # no leading zero
    options = []
    for i, ch in enumerate(limit):
        letters = first if i == 0 else alphabet
        lower = letters[: letters.index(ch)]
        if lower:
            rest = len(limit) - i - 1
            options.append(
                re.escape(limit[:i]) + f"[{lower}]" + (f"[{alphabet}]{{{rest}}}" if rest else "")
            )
    options.append(re.escape(limit))
    if len(limit) > 1:
        options.append(f"[{first}][{alphabet}]{{0,{len(limit) - 2}}}")
    return "|".join(f"(?:{o})" for o in options)


def scan_sheet(z: zipfile.ZipFile, part: str, rows: int, cols: int, unread: bool = True) -> Extent:
    """Where the cells of sheet `part` end, given that its tables reach row `rows` and column
    `cols`: the furthest cell (or row) beyond that box, or the box itself when none is; and,
    with `unread`, its cells without a value to read."""
    col_within = within(column_letter(cols), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    row_within = within(str(rows), "0123456789")
    elements = _elements(col_within, row_within, prefixed=False)
    reach, found = _Reach(rows, cols), {}
    tail, formulas, prefixed, unreferenced = b"", False, False, False
    with contextlib.closing(_inflated(z, part)) as pieces:
        for chunk in pieces:
            data = tail + chunk
            if not prefixed and PREFIXED_ELEMENT.search(data):  # <x:c>: looked for from here on
                prefixed = True
                elements = _elements(col_within, row_within, prefixed=True)
            here = holds_formula_text(data)  # as fast as the part is inflated
            formulas = formulas or here
            if unread:
                found.update(_unread(data, here, prefixed))
            for m in elements.finditer(data):
                end = data.find(b">", m.end())
                if end < 0:
                    continue  # cut at the end of this piece: found whole in the next
                at = _reference(data[m.end() - 1] == CELL_NAME, data[m.end() : end])
                if at is None:  # no reference: placed by the cells before it (_walk)
                    unreferenced = True
                    continue
                if at is not REFUSED:  # REFUSED: calamine refuses the sheet, holds no grid
                    reach.add(*at)
            tail = data[-OVERLAP:]
    if unreferenced:
        reach = _walk(z, part, rows, cols)
    return Extent(reach.rows, reach.cols, reach.far(), found, formulas)


class _Reach:
    """How far a sheet's elements reach, from the box of its tables on: its last row (a row
    element counts too) and column, and the last few cells that each reached further than
    every cell before them."""

    def __init__(self, rows: int, cols: int):
        self.rows, self.cols = rows, cols
        self._cells = (rows, cols)  # how far cells alone reach
        self._far: list[str] = []

    def add(self, row: int, col: int | None) -> None:
        """An element placed at `row` and column `col`, or None for a row element."""
        self.rows = max(self.rows, row)
        if col is None:
            return
        self.cols = max(self.cols, col)
        if row > self._cells[0] or col > self._cells[1]:
            self._cells = (max(self._cells[0], row), max(self._cells[1], col))
            self._far = [*self._far[-2:], f"{column_letter(col)}{row}"]

    def far(self) -> tuple[str, ...]:
        """The cells that reach furthest beyond the box, furthest first."""
        return tuple(dict.fromkeys(reversed(self._far)))


# far_cell's box, A1:BL65536 (4,194,304 cells, half of SPARE_CELLS): the cells of a sheet
# within it are passed over by the scan's pattern, not each read in Python; a sheet reaching
# beyond it is scanned again for its own size
NEAR_ROWS, NEAR_COLS = 65_536, 64


def far_cell(z: zipfile.ZipFile) -> str | None:
    """A cell so far away that its sheet could not be read as one grid, in any sheet of the
    package (a returned workbook, a file the user names), as `XFD1048576`; None when every
    sheet is of a size to read."""
    for part in z.namelist():
        if re.fullmatch(r"xl/worksheets/[^/]+\.xml", part):
            extent = scan_sheet(z, part, NEAR_ROWS, NEAR_COLS, unread=False)
            if extent.rows > NEAR_ROWS or extent.cols > NEAR_COLS:  # its own size, not the box's
                extent = scan_sheet(z, part, 1, 1, unread=False)
            if extent.cells > SPARE_CELLS:
                return extent.far[0] if extent.far else f"{extent.rows}"
    return None


def _elements(col_within: str, row_within: str, prefixed: bool) -> re.Pattern:
    """A pattern for the start of every cell and row element that is not as Excel writes one
    within the box: `<c r="B7"`, `<row r="7"` (the reference first, in double quotes, in
    capitals, no leading zero, no further than the box). Everything else is looked at: a
    reference beyond the box, one written another way (single quotes, after another
    attribute, in small letters, with leading zeros), and an element without a reference,
    which calamine places after the one before it. Each is found from a literal (`<c`,
    `<row`), which the engine scans for quickly; with `prefixed`, elements whose name carries
    a prefix too (`<x:c`), which calamine reads whatever the prefix."""
    cell_ok = rb' r="(?:%s)(?:%s)"' % (col_within.encode(), row_within.encode())
    row_ok = rb' r="(?:%s)"' % row_within.encode()
    prefix = rb"(?:[A-Za-z_][\w.-]*:)?" if prefixed else b""
    # no group captures the name (it would cost a third of the pass): a match ends after it
    return re.compile(rb"<%s(?:c(?!%s)|row(?!%s))(?=[\s/>])" % (prefix, cell_ok, row_ok))


REFUSED = (0, 0)  # a reference calamine refuses, and with it the whole sheet (an error)
U32 = 1 << 32  # calamine counts a reference's row and column in 32 bits, wrapping around


def _reference(cell: bool, attributes: bytes) -> tuple[int, int | None] | None:
    """(row, column) of a cell element's reference, (row, None) of a row element's, from the
    text of its start tag after the name, 1-based, as calamine reads them (position); None
    when it has none (calamine places it by the elements before it); REFUSED when calamine
    refuses it."""
    m = _R.search(attributes)
    if m is None:
        return None
    at = position(m[2])
    if at is None or (cell and at[1] is None):
        return REFUSED
    return at if cell else (at[0], None)


def position(ref: bytes) -> tuple[int, int | None] | None:
    """Where calamine puts a reference (1-based row, and column or None when it has no
    letters), read as calamine reads it: letters in either case, as many as there are, then
    digits, leading zeros and all, each counted in 32 bits that wrap around (`A4294967299` is
    row 3); None where calamine refuses it (no row, row 0, another character)."""
    row = col = 0
    scale = 1
    digits = True
    for ch in reversed(ref):
        if 48 <= ch <= 57:  # 0-9
            if not digits:
                return None
            row = (row + (ch - 48) * scale) % U32
            scale = scale * 10 % U32
        elif 65 <= ch <= 90 or 97 <= ch <= 122:  # A-Z, a-z
            if digits:
                if row == 0:
                    return None
                scale, digits = 1, False
            col = (col + ((ch & 0xDF) - 64) * scale) % U32
            scale = scale * 26 % U32
        else:
            return None
    if row == 0:
        return None
    return row, col or None


def _walk(z: zipfile.ZipFile, part: str, rows: int, cols: int) -> _Reach:
    """Where a sheet's cells end when some of its rows or cells carry no reference: every
    element placed as calamine places it — a row without one after the row before it, a cell
    without one after the cell before it in its row (the first of a row in column A) — in
    one pass over every element (slow, for a sheet no spreadsheet program writes so)."""
    reach = _Reach(rows, cols)
    row = col = 0
    rest = b""
    with contextlib.closing(_inflated(z, part)) as pieces:
        for chunk in itertools.chain(pieces, [b""]):  # b"": the end, what is left
            data = rest + chunk
            cut = data.rfind(b"<") if chunk else len(data)  # a tag is never cut in two
            cut = len(data) if cut < 0 else cut
            for m in _ELEMENT.finditer(data, 0, cut):
                at = _reference(m[1] is not None, m[3])
                if at is REFUSED:  # calamine refuses the sheet: it holds no grid
                    continue
                if m[2]:  # a row
                    row = at[0] if at else row + 1
                    col = 0
                    reach.add(row, None)
                else:
                    row_at, col = at if at else (row, col + 1)
                    reach.add(row_at, col)
            rest = data[cut:]
    return reach


def _inflated(z: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The part's XML, piece by piece (at most CHUNK bytes each). check_package has read every
    part to its end through the zip layer, which checked its CRC, before a sheet is scanned
    (FileBook): a part of a package on disk is inflated here straight from the file, without
    the zip layer's second check (its CRC, and its small reads). Any other part (an encrypted
    member, another method, a package in memory) is read by the zip layer."""
    info = z.getinfo(part)
    methods = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
    if z.filename is None or info.flag_bits & 1 or info.compress_type not in methods:
        yield from _through_zip(z, info)
        return
    with open(z.filename, "rb") as fh:
        fh.seek(info.header_offset)
        head = fh.read(30)  # the local header: its name and extra field precede the data
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            yield from _through_zip(z, info)
            return
        fh.seek(info.header_offset + 30 + sum(struct.unpack("<HH", head[26:30])))
        left = info.compress_size
        inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        while left or (inflate is not None and inflate.unconsumed_tail):
            if inflate is not None and inflate.unconsumed_tail:
                piece = inflate.decompress(inflate.unconsumed_tail, CHUNK)
            else:
                read = fh.read(min(left, CHUNK))
                if not read:
                    raise EOFError(f"the part {part} ends before its data does")
                left -= len(read)
                piece = inflate.decompress(read, CHUNK) if inflate is not None else read
            if piece:
                yield piece
        if inflate is not None:
            if rest := inflate.flush():
                yield rest
            if not inflate.eof:
                raise EOFError(f"the part {part} ends before its deflate stream does")


def _through_zip(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    with z.open(info) as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


# a cell's or row's reference, however quoted, and the parts of a cell's
_R = re.compile(rb"""(?:^|\s)r\s*=\s*(["'])([^"']*)\1""")
# an element of a cell or row, any prefix: (cell, row, the rest of its start tag)
_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:(c)|(row))(?=[\s/>])([^>]*)>")
# a cell or row element whose name carries a prefix
PREFIXED_ELEMENT = re.compile(rb":(?:c|row)[\s/>]")
CELL_NAME = ord("c")  # the last letter of a cell element's name (a row's is w)
# the end of an error cell's type attribute, however quoted (`t="e"`, `t = 'e'`): a short
# literal the engine finds quickly; each is then looked for in its start tag (ERROR_TYPE)
ERROR_END = re.compile(rb"""e["']""")
ERROR_TYPE = re.compile(rb"""\st\s*=\s*(["'])e\1""")
NO_RESULT = (  # each from a literal, which the engine finds quickly
    re.compile(rb"</f>(?:<v\s*/>|<v></v>)?</c>"),
    re.compile(rb"<f\s[^>]*/>(?:<v\s*/>|<v></v>)?</c>"),
)
# the same where a sheet's elements carry a prefix (`<x:c>`, `<x:f>`, as some writers spell
# SpreadsheetML): searched only once a prefixed cell or row has been seen (PREFIXED_ELEMENT)
NO_RESULT_PREFIXED = (
    re.compile(rb"</(\w+):f>(?:<\1:v\s*/>|<\1:v></\1:v>)?</\1:c>"),
    re.compile(rb"<(\w+):f\s[^>]*/>(?:<\1:v\s*/>|<\1:v></\1:v>)?</\1:c>"),
)
# a cell's start tag: its prefix, and its reference however quoted (read by position)
CELL_START = re.compile(rb"""<((?:\w+:)?)c\s[^>]*?(?<=\s)r\s*=\s*(["'])([^"']*)\2[^>]*>""")
VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _unread(data: bytes, formulas: bool = True, prefixed: bool = False) -> dict[str, str]:
    """The error cells and formulas without a stored result in this piece of sheet XML
    (`formulas`: whether it may hold a formula's text; one without a result ends `</f>`;
    `prefixed`: whether the sheet's elements may carry a prefix)."""
    out = {}
    for m in ERROR_END.finditer(data):  # an attribute of the cell's own start tag
        cell = CELL_START.match(data, max(data.rfind(b"<", 0, m.start()), 0))
        if cell is None or m.start() >= cell.end() or not ERROR_TYPE.search(data, *cell.span()):
            continue
        end = data.find(b"</%sc>" % cell[1], cell.end())
        value = VALUE.search(data, cell.end(), end if end >= 0 else len(data))
        if name := _name(cell[3]):
            out[name] = value[1].decode() if value else "#N/A"
    patterns = [*(NO_RESULT if formulas else NO_RESULT[1:])]
    if prefixed:
        patterns += NO_RESULT_PREFIXED
    for pattern in patterns:
        for m in pattern.finditer(data):
            prefix = m[1] + b":" if pattern.groups else b""
            start = data.rfind(b"<%sc" % prefix, 0, m.start() + 1)
            cell = CELL_START.match(data, start) if start >= 0 else None
            if cell is not None and (name := _name(cell[3])):
                out[name] = ""
    return out


def _name(ref: bytes) -> str | None:
    """A cell's reference as Excel writes it (`b07` is B7), or None where calamine refuses it."""
    at = position(ref)
    return f"{column_letter(at[1])}{at[0]}" if at is not None and at[1] is not None else None
