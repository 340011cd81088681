"""Set cells in a user's worksheet part and grow a table over them, as text edits (SPEC §7, §13).

salesplan appends rows to tblChangeLog and sets the plan's Version in tblSettings, on sheets
that belong to the user. Loading and saving such a sheet through openpyxl would rewrite every
cell and drop markup it does not model; here the sheet part is parse-checked with defusedxml
and only the written cells (their rows' start tags when a span must widen, and the sheet's
dimension) change: everything else stays byte for byte, as splice.py does for the workbook.

cell_style and table_rows only read, by pattern: no tree is built and no entity expanded.

A formula removed from a cell may still be listed in the workbook's calcChain.xml, which
Excel then repairs: a caller that overwrites formula cells drops that part (Excel rebuilds it).
"""

from __future__ import annotations

import codecs
import itertools
import math
import numbers
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal
from xml.etree.ElementTree import ParseError

from defusedxml.ElementTree import DefusedXMLParser, fromstring

from xl_addin.workbook.cellref import column_index, column_letter
from xl_addin.workbook.opc import MAIN
from xl_addin.workbook.xmltext import ATTRS, attributes, decode, encode, esc_text, prefix

MAX_ROW = 1_048_576
MAX_COL = 16_384
MAX_TEXT = 32_767  # Excel's limit on a cell's text, in UTF-16 code units

_VALUE = r"""(?:"[^"]*"|'[^']*')"""
_NAME = r"[^\s=/>]+"
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")
_RANGE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)(?::\$?([A-Za-z]{1,3})\$?([0-9]+))?")
# Excel writes characters XML cannot hold as _xHHHH_, and a literal _xHHHH_ with its
# underscore escaped (as XlsxWriter does): "\x01" -> "_x0001_", "_x0041_" -> "_x005F_x0041_".
_ESCAPE_LIKE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def set_cells(
    sheet_xml: bytes,
    cells: dict[tuple[int, int], object],
    styles: dict[tuple[int, int], int] | None = None,
) -> bytes:
    """The sheet with `cells` ((row, col) -> value) written, every other byte as it was.

    Text is always text (never a formula); None leaves a cell its style only. `styles` gives
    the style index of written cells; a replaced cell otherwise keeps its own.
    """
    styles = dict(styles or {})
    for key in cells:
        _check_key(key)
    stray = [_ref(*k) for k in styles if k not in cells]
    if stray:
        raise ValueError(f"a style is given for a cell that is not written: {', '.join(stray)}")
    for key, s in styles.items():
        if not isinstance(s, int) or isinstance(s, bool) or s < 0:
            raise ValueError(f"{_ref(*key)}: style index {s!r} is not a whole number ≥ 0")
    if not cells:
        return sheet_xml
    _parse_check(sheet_xml)
    text, was_utf16 = decode(sheet_xml)
    sheet = _Sheet(text)
    p = sheet.prefix
    content = {key: _content(key, value, p) for key, value in cells.items()}
    sheet.refuse_arrays(cells)

    by_row: dict[int, list[int]] = {}
    for row, col in sorted(cells):
        by_row.setdefault(row, []).append(col)
    edits: list[tuple[int, int, str]] = []
    inserted: dict[int, list[str]] = {}  # position -> new rows, in row order
    written: list[tuple[int, int]] = []
    for row, cols in by_row.items():
        i = sheet.index(row)
        if i is None:  # a new row; a blank cell without a style is not worth writing
            kept = [c for c in cols if content[row, c] is not None or (row, c) in styles]
            if kept:
                xml = "".join(
                    _cell_xml(p, row, c, styles.get((row, c)), content[row, c]) for c in kept
                )
                at = sheet.insert_at(row)
                inserted.setdefault(at, []).append(f'<{p}row r="{row}">{xml}</{p}row>')
                written.extend((row, c) for c in kept)
        else:
            edits.extend(_edit_row(sheet, i, row, cols, content, styles, written))
    if sheet.self_closed and inserted:  # <sheetData/>: open it to hold the rows
        m = sheet.data
        opening = m.group(0)[:-2] + ">"
        rows = "".join(inserted.pop(m.end()))
        edits.append((m.start(), m.end(), f"{opening}{rows}</{p}sheetData>"))
    edits.extend((at, at, "".join(rows)) for at, rows in inserted.items())
    edits.extend(sheet.widen_dimension(written))

    if not edits:
        return sheet_xml
    pieces, pos = [], 0
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < pos:
            raise AssertionError("overlapping edits of a sheet")  # a bug here, not bad input
        pieces += [text[pos:start], replacement]
        pos = end
    pieces.append(text[pos:])
    return _bom(sheet_xml) + encode("".join(pieces), was_utf16)


def cell_style(sheet_xml: bytes, row: int, col: int) -> int | None:
    """The style index (s) of a cell, or None when the cell or its style is absent."""
    _check_key((row, col))
    sheet = _Sheet(decode(sheet_xml)[0])
    i = sheet.index(row)
    if i is None:
        return None
    for cell in sheet.cells(i, row):
        if cell.col == col:
            return _style(cell.attrs, row, col)
    return None


def table_rows(
    sheet_xml: bytes, first_row: int, last_row: int, first_col: int, last_col: int
) -> set[int]:
    """Rows of the rectangle holding a value or a formula (cells with a style only are blank)."""
    _check_key((first_row, first_col))
    _check_key((last_row, last_col))
    sheet = _Sheet(decode(sheet_xml)[0])
    pe = re.escape(sheet.prefix)
    formula = re.compile(rf"<{pe}f(?=[\s/>])")
    value = re.compile(rf"<{pe}(?:v|t)(?=[\s>]){ATTRS}>[^<]")  # <v>…</v>, <t>…</t> not empty
    out = set()
    lo, hi = bisect_left(sheet.numbers, first_row), bisect_right(sheet.numbers, last_row)
    for i in range(lo, hi):
        row = sheet.numbers[i]
        for cell in sheet.cells(i, row):
            if first_col <= cell.col <= last_col and (
                formula.search(cell.body) or value.search(cell.body)
            ):
                out.add(row)
                break
    return out


def grow_table(table_xml: bytes, last_row: int) -> bytes:
    """The table part with its range (and its filter's) ending at `last_row`, nothing else changed.

    A table keeps its header and at least one data row; one with a totals row is refused,
    since rows appended under it would land below the totals.
    """
    try:
        root = fromstring(table_xml)
    except ParseError as exc:
        raise ValueError(f"the table part is not well-formed XML ({exc})") from None
    if root.tag != f"{{{MAIN}}}table":
        raise ValueError(f"not a table part of a workbook (root element {root.tag})")
    name = root.get("displayName") or root.get("name") or "the table"
    bounds = _bounds(root.get("ref", ""))
    if bounds is None:
        raise ValueError(f"{name}: its range {root.get('ref')!r} cannot be read")
    (r1, c1), (r2, c2) = bounds
    if (root.get("totalsRowCount") or "0").strip() not in ("", "0"):
        raise ValueError(
            f"{name} has a totals row: salesplan does not add rows above a totals row "
            "(turn it off in Table Design → Total Row)"
        )
    header = root.get("headerRowCount", "1").strip()
    header_rows = int(header) if header.isdigit() else 1
    if not isinstance(last_row, int) or not r1 + header_rows <= last_row <= MAX_ROW:
        raise ValueError(
            f"{name}: cannot end at row {last_row}; the table starts at row {r1} and keeps "
            f"its header and at least one data row (rows {r1 + header_rows} to {MAX_ROW})"
        )
    if last_row == r2:
        return table_xml

    text, was_utf16 = decode(table_xml)
    p = re.escape(prefix(text, "table"))

    def end_at(ref: str, always: bool) -> str:
        b = _bounds(ref)
        if b is None:
            return ref
        (top, left), (bottom, right) = b
        if not always and bottom != r2 and bottom <= last_row:  # a sort of some rows: kept
            return ref
        return _range(top, left, max(top, last_row), right)

    def retag(m: re.Match, always: bool) -> str:
        return _set_attr(m.group(0), "ref", lambda ref: end_at(ref, always))

    text = re.sub(rf"<{p}table(?=[\s/>]){ATTRS}/?>", lambda m: retag(m, True), text, count=1)
    text = re.sub(rf"<{p}autoFilter(?=[\s/>]){ATTRS}/?>", lambda m: retag(m, True), text, count=1)
    text = re.sub(
        rf"<{p}sort(?:State|Condition)(?=[\s/>]){ATTRS}/?>", lambda m: retag(m, False), text
    )
    return _bom(table_xml) + encode(text, was_utf16)


# ---------------------------------------------------------------------------------------
# The sheet: sheetData found, its rows located by one regular-expression scan.


@dataclass(frozen=True)
class _Cell:
    col: int
    start: int
    end: int
    attrs: dict[str, str]
    body: str  # what is between <c …> and </c>; "" when self-closed


class _Sheet:
    def __init__(self, text: str):
        self.text = text
        self.prefix = _main_prefix(text)
        pe = re.escape(self.prefix)
        data = re.search(rf"<{pe}sheetData(?=[\s/>]){ATTRS}(/?)>", text)
        if data is None:
            raise ValueError("the sheet has no cell data (no sheetData element)")
        self.data = data
        self.self_closed = bool(data.group(1))
        if self.self_closed:
            self.close = data.end()
        else:
            close = re.compile(rf"</{pe}sheetData\s*>").search(text, data.end())
            if close is None:
                raise ValueError("the sheet's cell data has no end (</sheetData>)")
            self.close = close.start()
        lo, hi = data.end(), self.close
        if re.compile(r"<[!?]").search(text, lo, hi):
            raise ValueError(
                "the sheet's cell data holds XML comments, CDATA or processing instructions; "
                "open and save the workbook in Excel"
            )
        row = re.compile(
            rf"<{pe}row(?=[\s/>])(?:\s+(?!r\s*=){_NAME}\s*=\s*{_VALUE})*"
            rf"""\s+r\s*=\s*(?:"(?P<r1>[^"]*)"|'(?P<r2>[^']*)'){ATTRS}(?P<empty>/?)>"""
        )
        self.rows = list(row.finditer(text, lo, hi))
        if len(self.rows) != len(re.compile(rf"<{pe}row(?=[\s/>])").findall(text, lo, hi)):
            raise ValueError(
                "a row of the sheet has no row number (r attribute), so its rows cannot be "
                "located; open and save the workbook in Excel"
            )
        try:
            self.numbers = [int(m.group("r1") or m.group("r2")) for m in self.rows]
        except (TypeError, ValueError):
            raise ValueError("a row of the sheet has a row number that is not a number") from None
        if any(a >= b for a, b in itertools.pairwise(self.numbers)):
            raise ValueError("the rows of the sheet are not in ascending order, or repeat")
        self._row_close = re.compile(rf"</{pe}row\s*>")
        self._cell = re.compile(
            rf"<{pe}c(?=[\s/>])(?P<attrs>{ATTRS})(?:/>|>(?P<body>.*?)</{pe}c\s*>)", re.S
        )
        self._ext = re.compile(rf"<{pe}extLst(?=[\s/>])")

    def index(self, row: int) -> int | None:
        i = bisect_left(self.numbers, row)
        return i if i < len(self.numbers) and self.numbers[i] == row else None

    def insert_at(self, row: int) -> int:
        """Where a new row `row` goes: before the first row below it, else at the end."""
        i = bisect_right(self.numbers, row)
        return self.rows[i].start() if i < len(self.rows) else self.close

    def content(self, i: int) -> tuple[int, int] | None:
        """Start and end of the row's content, None when it is self-closed."""
        m = self.rows[i]
        if m.group("empty"):
            return None
        close = self._row_close.search(self.text, m.end(), self.close)
        if close is None:
            raise ValueError(f"row {self.numbers[i]} of the sheet has no end (</row>)")
        return m.end(), close.start()

    def cells(self, i: int, row: int) -> list[_Cell]:
        span = self.content(i)
        if span is None:
            return []
        out = []
        for m in self._cell.finditer(self.text, *span):
            attrs = attributes(m.group("attrs"))
            ref = _REF.fullmatch(attrs.get("r", "").strip())
            if ref is None:
                raise ValueError(
                    f"row {row}: a cell has no address (r attribute) or an unreadable one; "
                    "open and save the workbook in Excel"
                )
            col = column_index(ref.group(1).upper())
            if int(ref.group(2)) != row:
                raise ValueError(f"row {row}: it holds cell {attrs['r']} of another row")
            if out and col <= out[-1].col:
                raise ValueError(f"row {row}: its cells are not in column order, or repeat")
            out.append(_Cell(col, m.start(), m.end(), attrs, m.group("body") or ""))
        return out

    def end_of_cells(self, i: int) -> int:
        lo, hi = self.content(i)
        ext = self._ext.search(self.text, lo, hi)
        return ext.start() if ext else hi

    def refuse_arrays(self, cells: dict[tuple[int, int], object]) -> None:
        """Refuse to write into a range computed by one array formula or data table."""
        pe = re.escape(self.prefix)
        array = re.compile(rf"""<{pe}f\s[^>]*?(?<=\s)t\s*=\s*["'](?:array|dataTable)["'][^>]*>""")
        for m in array.finditer(self.text, self.data.end(), self.close):
            bounds = _bounds(attributes(m.group(0)).get("ref", ""))
            if bounds is None or bounds[0] == bounds[1]:
                continue  # a one-cell array formula is the cell's own
            (r1, c1), (r2, c2) = bounds
            hit = sorted(k for k in cells if r1 <= k[0] <= r2 and c1 <= k[1] <= c2)
            if hit:
                where = _range(r1, c1, r2, c2)
                raise ValueError(
                    f"{_ref(*hit[0])}: the cell is part of the array formula (or data table) "
                    f"over {where}; salesplan does not overwrite part of it"
                )

    def widen_dimension(self, written: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
        """The edit that makes <dimension ref> cover the written cells, if it must grow."""
        pe = re.escape(self.prefix)
        m = re.compile(rf"<{pe}dimension(?=[\s/>]){ATTRS}/?>").search(
            self.text, 0, self.data.start()
        )
        if m is None or not written:
            return []
        b = _bounds(attributes(m.group(0)).get("ref", ""))
        if b is None:
            return []
        (r1, c1), (r2, c2) = b
        rows, cols = [k[0] for k in written], [k[1] for k in written]
        wide = (min(r1, *rows), min(c1, *cols), max(r2, *rows), max(c2, *cols))
        if wide == (r1, c1, r2, c2):
            return []
        return [(m.start(), m.end(), _set_attr(m.group(0), "ref", lambda _: _range(*wide)))]


def _edit_row(sheet, i, row, cols, content, styles, written) -> list[tuple[int, int, str]]:
    """Edits of an existing row: cells replaced where they are, new ones in column order."""
    p = sheet.prefix
    m = sheet.rows[i]
    existing = {c.col: c for c in sheet.cells(i, row)}
    ordered = sorted(existing)
    span = sheet.content(i)
    end = sheet.end_of_cells(i) if span is not None else m.end()
    edits, added = [], []
    for col in cols:
        key = (row, col)
        old = existing.get(col)
        if old is None and content[key] is None and key not in styles:
            continue  # nothing there, nothing to keep
        if old is not None:
            _refuse_shared_master(sheet, old, row, col)
            s = styles[key] if key in styles else _style(old.attrs, row, col)
            edits.append((old.start, old.end, _cell_xml(p, row, col, s, content[key])))
        else:
            after = bisect_right(ordered, col)
            at = existing[ordered[after]].start if after < len(ordered) else end
            edits.append((at, at, _cell_xml(p, row, col, styles.get(key), content[key])))
            added.append(col)
        written.append(key)

    start_tag = _widen_spans(m.group(0), added)
    if span is None:  # <row r="5"/> has no cells: it is opened to hold the new ones
        cells = "".join(xml for _, _, xml in edits)
        return [(m.start(), m.end(), f"{start_tag[:-2]}>{cells}</{p}row>")] if cells else []
    if start_tag != m.group(0):
        edits.append((m.start(), m.end(), start_tag))
    return edits


def _refuse_shared_master(sheet: _Sheet, cell: _Cell, row: int, col: int) -> None:
    """The first cell of a shared formula holds its text for the others: it is not removed."""
    pe = re.escape(sheet.prefix)
    f = re.search(rf"<{pe}f(?=[\s/>])({ATTRS})", cell.body)
    if f is None:
        return
    attrs = attributes(f.group(1))
    bounds = _bounds(attrs.get("ref", ""))
    if attrs.get("t") == "shared" and bounds is not None and bounds[0] != bounds[1]:
        raise ValueError(
            f"{_ref(row, col)}: the cell holds the formula shared by {attrs['ref']}; "
            "salesplan does not overwrite it"
        )


def _widen_spans(tag: str, cols: list[int]) -> str:
    """A row's start tag whose spans (an optional hint of its columns) covers `cols`."""
    m = re.search(r"""\sspans\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag)
    if m is None or not cols:
        return tag
    spans = re.findall(r"(\d+):(\d+)", m.group(1) if m.group(1) is not None else m.group(2))
    if not spans:
        return tag
    lo = min(int(a) for a, _ in spans)
    hi = max(int(b) for _, b in spans)
    if lo <= min(cols) and max(cols) <= hi:
        return tag
    return _set_attr(tag, "spans", lambda _: f"{min(lo, *cols)}:{max(hi, *cols)}")


# ---------------------------------------------------------------------------------------
# Values and cells.


def _content(key: tuple[int, int], value: object, p: str) -> tuple[str, str] | None:
    """The cell's type attribute and inner XML for `value`; None for a blank cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ' t="b"', f"<{p}v>{int(value)}</{p}v>"
    if isinstance(value, str):
        return ' t="inlineStr"', f"<{p}is>{_text_xml(key, value, p)}</{p}is>"
    if isinstance(value, Decimal):
        if not value.is_finite() or not math.isfinite(float(value)):
            raise ValueError(f"{_ref(*key)}: {value} is not a number Excel can hold")
        return "", f"<{p}v>{format(value, 'f')}</{p}v>"
    if isinstance(value, numbers.Integral):
        return "", f"<{p}v>{int(value)}</{p}v>"
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{_ref(*key)}: {value} is not a number Excel can hold")
        return "", f"<{p}v>{number!r}</{p}v>"
    raise TypeError(
        f"{_ref(*key)}: cannot write a {type(value).__name__} ({value!r}); "
        "write text, a number, True/False or None (a date as its serial number)"
    )


def _text_xml(key: tuple[int, int], value: str, p: str) -> str:
    try:
        units = len(value.encode("utf-16-le")) // 2
    except UnicodeEncodeError:
        raise ValueError(
            f"{_ref(*key)}: the text holds a character that cannot be stored"
        ) from None
    if units > MAX_TEXT:
        raise ValueError(
            f"{_ref(*key)}: the text is {units} characters long; Excel holds {MAX_TEXT}"
        )
    escaped = _CONTROL.sub(
        lambda m: f"_x{ord(m.group()):04X}_", _ESCAPE_LIKE.sub(r"_x005F\1", value)
    )
    escaped = esc_text(escaped).replace("\r", "&#13;")
    preserve = value[:1].isspace() or value[-1:].isspace() or "\n" in value or "\r" in value
    space = ' xml:space="preserve"' if preserve else ""
    return f"<{p}t{space}>{escaped}</{p}t>"


def _cell_xml(p: str, row: int, col: int, s: int | None, content: tuple[str, str] | None) -> str:
    style = f' s="{s}"' if s is not None else ""
    if content is None:
        return f'<{p}c r="{_ref(row, col)}"{style}/>'
    kind, inner = content
    return f'<{p}c r="{_ref(row, col)}"{style}{kind}>{inner}</{p}c>'


def _style(attrs: dict[str, str], row: int, col: int) -> int | None:
    s = attrs.get("s")
    if s is None:
        return None
    if not s.strip().isdigit():
        raise ValueError(f"{_ref(row, col)}: its style index {s!r} is not a number")
    return int(s)


# ---------------------------------------------------------------------------------------
# Text helpers.


class _NoTree:
    """A parser target without start/end/data: expat checks the XML and nothing is built."""

    def close(self) -> None:
        return None


def _parse_check(data: bytes) -> None:
    """Well-formed, and no entity declarations (XML bombs); no tree is built, so it is quick."""
    parser = DefusedXMLParser(target=_NoTree())
    try:
        parser.feed(data)
        parser.close()
    except ParseError as exc:
        raise ValueError(f"the sheet is not well-formed XML ({exc})") from None


def _bom(data: bytes) -> bytes:
    """A UTF-8 byte order mark the part started with (decode drops it): kept."""
    return codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""


def _main_prefix(text: str) -> str:
    """The prefix ('x:' or '') the sheet gives SpreadsheetML's main namespace."""
    p = prefix(text, "worksheet")
    root = re.search(rf"<{re.escape(p)}worksheet(?=[\s/>])({ATTRS})/?>", text)
    declared = attributes(root.group(1)).get(f"xmlns:{p[:-1]}" if p else "xmlns") if root else None
    if declared != MAIN:
        found = f"namespace {declared}" if root else "no worksheet element"
        raise ValueError(
            f"not a worksheet in Excel's usual format ({found}); "
            "save it from Excel as “Excel Workbook (.xlsx)”"
        )
    return p


def _set_attr(tag: str, name: str, change) -> str:
    """A start tag with the value of attribute `name` replaced by change(old value)."""

    def swap(m: re.Match) -> str:
        old = m.group(2) if m.group(2) is not None else m.group(3)
        return f'{m.group(1)}"{change(old)}"'

    return re.sub(rf"""(\s{name}\s*=\s*)(?:"([^"]*)"|'([^']*)')""", swap, tag, count=1)


def _check_key(key) -> None:
    ok = (
        isinstance(key, tuple)
        and len(key) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in key)
    )
    if not ok or not (1 <= key[0] <= MAX_ROW and 1 <= key[1] <= MAX_COL):
        raise ValueError(
            f"{key!r} is not a cell: (row, column) from (1, 1) to ({MAX_ROW}, {MAX_COL})"
        )


def _ref(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"


def _range(r1: int, c1: int, r2: int, c2: int) -> str:
    return _ref(r1, c1) if (r1, c1) == (r2, c2) else f"{_ref(r1, c1)}:{_ref(r2, c2)}"


def _bounds(ref: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """((first row, first col), (last row, last col)) of "A1:D9" or "B7", None if unreadable."""
    m = _RANGE.fullmatch(ref.strip())
    if m is None:
        return None
    c1, r1 = column_index(m.group(1).upper()), int(m.group(2))
    if m.group(3) is None:
        return (r1, c1), (r1, c1)
    c2, r2 = column_index(m.group(3).upper()), int(m.group(4))
    return (min(r1, r2), min(c1, c2)), (max(r1, r2), max(c1, c2))
