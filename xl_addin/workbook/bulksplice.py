"""A stub sheet and the data rows rustpy-xlsxwriter wrote for it (sheets/bulkrows.py), joined
into one sheet part of the user's package, a few megabytes at a time.

The stub (XlsxWriter's: head, title, header, the block's last data row, tail) has already
been made the user's by sheetparts.sheet_chunks; the rows between its header and its last
row are taken from rustpy-xlsxwriter's sheet as written, each cell's style index replaced by
the one the stub's last row gives that column. The replacement is plain byte replacement of
`" s="K"><v>` and `" s="K" t="inlineStr">`, which cannot occur inside text (a `>` in text is
written `&gt;`); every styled cell is counted, so a sheet rustpy-xlsxwriter writes in another
shape stops the run instead of coming out unstyled.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator

from xl_addin.sheets.bulkrows import BulkRows
from xl_addin.workbook.opc import REL_WORKSHEET, Package, office_document
from xl_addin.workbook.sheetparts import CHUNK

_CELL = re.compile(rb'<c r="([A-Z]+)[0-9]+"(?: s="([0-9]+)")?')
_MARK = b"\x00"  # a mapped index is marked until all are mapped: no mapping feeds another


def rows_part(rows: BulkRows) -> tuple[Package, str]:
    """rustpy-xlsxwriter's package and its one sheet part."""
    package = Package(zipfile.ZipFile(io.BytesIO(rows.package)))
    workbook = office_document(package, "rustpy-xlsxwriter")
    return package, next(r.part for r in package.rels(workbook) if r.type == REL_WORKSHEET)


def with_rows(stub: Iterable[bytes], pieces: Iterable[bytes], rows: BulkRows) -> Iterator[bytes]:
    """The stub sheet with rows `rows.first`…`rows.last` - 1 from `pieces` (rustpy-xlsxwriter's
    sheet part, inflated piece by piece) between its header and its last row."""
    stub = b"".join(stub)  # small: a title, a header and one row
    at = stub.index(b'<row r="%d"' % rows.last)
    wanted = _styles(stub[at : stub.index(b"</row>", at)], rows.columns)
    yield stub[:at]
    yield from _mapped(_data_rows(pieces, rows.first), wanted)
    yield stub[at:]


def _styles(row: bytes, columns: tuple[str, ...]) -> dict[bytes, bytes | None]:
    """Column letter -> the style index its cell in `row` has (None: no style attribute)."""
    found = {m[1]: m[2] for m in _CELL.finditer(row)}
    if set(found) != {c.encode() for c in columns}:
        raise AssertionError(f"a bulk sheet's row has cells {sorted(found)}, not {columns}")
    return found


def _data_rows(pieces: Iterable[bytes], first: int) -> Iterator[bytes]:
    """The sheet's rows from row `first` to the end of its sheetData, cut after whole rows."""
    start, pending, found = b'<row r="%d"' % first, b"", False
    for piece in pieces:
        pending += piece
        if not found:  # before row `first`: the head and rustpy-xlsxwriter's header row
            head = pending.find(start)
            if head < 0:
                continue
            pending, found = pending[head:], True
        end = pending.find(b"</sheetData>")
        if end >= 0:
            yield pending[:end]
            return
        if len(pending) >= CHUNK and (last := pending.rfind(b"</row>")) >= 0:
            cut = last + len(b"</row>")
            yield pending[:cut]
            pending = pending[cut:]
    raise AssertionError("rustpy-xlsxwriter's sheet lacks its rows or the end of its sheetData")


def _mapped(chunks: Iterable[bytes], wanted: dict[bytes, bytes | None]) -> Iterator[bytes]:
    """Each chunk of whole rows with rustpy-xlsxwriter's style indexes replaced by `wanted`'s,
    column by column (learnt from the first row)."""
    pairs: list[tuple[bytes, bytes]] | None = None
    styled = sum(s is not None for s in wanted.values())
    for chunk in chunks:
        if pairs is None:
            pairs = _pairs(chunk[: chunk.index(b"</row>")], wanted)
        for old, new in pairs:
            chunk = chunk.replace(old, new)
        if chunk.count(b'" s="' + _MARK) != styled * chunk.count(b"</row>"):
            raise AssertionError("rustpy-xlsxwriter wrote a styled cell in a shape not mapped")
        yield chunk.replace(_MARK, b"")


def _pairs(row: bytes, wanted: dict[bytes, bytes | None]) -> list[tuple[bytes, bytes]]:
    """The byte replacements that give each of the row's cells the style `wanted` for its
    column: rustpy-xlsxwriter gives each column's number format one index."""
    theirs = _styles(row, tuple(c.decode() for c in wanted))
    to: dict[bytes, bytes] = {}
    for column, ours in wanted.items():
        if (theirs[column] is None) != (ours is None):
            raise AssertionError(f"column {column!r}: styled in one writer, not in the other")
        if ours is not None and to.setdefault(theirs[column], ours) != ours:
            raise AssertionError(f"rustpy-xlsxwriter's style {theirs[column]!r} is two of ours")
    return [
        (b'" s="%s%s' % (k, end), b'" s="%s%s%s' % (_MARK, v, end))
        for k, v in to.items()
        for end in (b'"><v>', b'" t="inlineStr">')
    ]
