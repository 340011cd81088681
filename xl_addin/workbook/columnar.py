"""A large table read column by column with fastexcel (calamine in Rust, handing Arrow arrays
over through the Arrow C interface, read here with nanoarrow: no pyarrow), as the very values
the grid read of filebook.py gives, in a fraction of its time.

The grid read (python-calamine's `to_python`, then a tuple per row) makes a Python object per
cell one by one; here a column is made at once from its Arrow buffers. This read is used only
where it is proven to give the same values as the grid read, and says None (the caller reads
the grid) otherwise:
- every column holds one kind of value in every row: numbers, text, true/false, or dates at
  midnight from 1900-03-01 on. fastexcel reads every row (dtype_coercion="strict", no
  sampling) and refuses a column of two kinds, with one exception, measured on 0.21: text it
  takes for "no value" (`n/a`, `NA`, `null`, `None`, `#N/A`, "") comes back as a missing
  value in a column of numbers, dates or true/false, and `nan` as NaN, without a refusal
  (`#N/A` and "" in a column of text too). So a column with a single missing value or NaN is
  not taken: only a column whose every row has a value of the column's kind proves that no
  cell was dropped or changed. A table with any empty cell is read as a grid (the two large
  tables of a plan, its history and actuals, have none when they are right);
- times of day, durations, whole numbers as another program may write them: not taken;
- a header cell that is not plain text in the sheet's XML, or differs from the table's column
  name, or a table whose rows fastexcel counts differently (a totals row): not taken;
- an error cell (#N/A, #DIV/0!) or a formula never calculated comes back as a missing value:
  not taken, in any kind of column (tests), so the grid read reports it at its cell;
- cells far beyond the sheet's tables are the caller's to check first (extent.py): calamine
  would hold the whole sheet, up to them, as one grid.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from pathlib import Path

import numpy as np

from xl_addin.workbook.cellref import column_index
from xl_addin.workbook.opc import Package, office_document
from xl_addin.workbook.package import TableRef

_DAY_MS = 86_400_000
_FIRST_DAY_MS = (dt.date(1900, 3, 1) - dt.date(1970, 1, 1)).days * _DAY_MS
_EPOCH = dt.date(1970, 1, 1)
HEAD = 1 << 22  # bytes of sheet XML searched for a header row
_CELL = re.compile(rb"<c\b([^>]*?)(/>|>(.*?)</c>)", re.S)
_ATTR = re.compile(rb'\b(r|t)="([^"]*)"')
_PLAIN_TEXT = re.compile(
    rb'<t(?: xml:space="preserve")?>([^<]*)</t>|<t(?: xml:space="preserve")?/>'
)
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_REFERENCE = re.compile(r"&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|[A-Za-z]+);")


def read_columns(
    path: Path, ref: TableRef, box: tuple[int, int, int, int]
) -> tuple[list[str], list[np.ndarray]] | None:
    """The table's headers and data columns (object arrays of calamine's values), or None
    when this read cannot be sure to give them as the grid read does (module docstring)."""
    import fastexcel
    import nanoarrow as na
    from nanoarrow.c_array import c_array_view

    min_col, min_row, max_col, max_row = box
    width, height = max_col - min_col + 1, max_row - min_row
    logging.getLogger("fastexcel").setLevel(logging.ERROR)  # a warning per empty column
    try:
        table = fastexcel.read_excel(str(path)).load_table(
            ref.name, dtype_coercion="strict", schema_sample_rows=None
        )
        if table.width != width or table.height != height or table.offset != 0:
            return None
        array = na.c_array(table)
        view = c_array_view(array)
    except Exception:  # noqa: BLE001 - any refusal of fastexcel's: the grid read says it
        return None
    if array.schema.format != "+s" or array.n_children != width or view.offset != 0:
        return None
    names = [array.schema.child(k).name for k in range(width)]
    headers = _headers(path, ref, min_row, min_col, max_col)
    if headers is None or headers != names:
        return None
    columns = []
    for k in range(width):
        values = _column(array.schema.child(k).format, view.child(k), height)
        if values is None:
            return None
        columns.append(values)
    return headers, columns


def _column(fmt: str, child, n: int) -> np.ndarray | None:
    """One Arrow column as calamine's grid values (an object array), or None when it cannot
    be proven to be those (a missing value or NaN: module docstring)."""
    if child.length != n or child.null_count != 0:
        return None
    buffers = list(child.buffers)
    lo, hi = child.offset, child.offset + n
    if fmt == "g":  # float64: a Python float per number
        numbers = np.frombuffer(buffers[1], dtype=np.float64)[lo:hi]
        if np.isnan(numbers).any():
            return None
        return numbers.astype(object)
    if fmt == "b":  # true/false, bit-packed
        bits = np.unpackbits(np.frombuffer(buffers[1], dtype=np.uint8), bitorder="little")
        return bits[lo:hi].astype(bool).astype(object)
    if fmt == "u":
        return _strings(buffers, lo, hi)
    if fmt == "tsm:":  # calamine's grid gives a date for a datetime at midnight
        ms = np.frombuffer(buffers[1], dtype=np.int64)[lo:hi]
        if ((ms % _DAY_MS) != 0).any() or (ms < _FIRST_DAY_MS).any():
            return None
        days, codes = np.unique(ms // _DAY_MS, return_inverse=True)
        dates = np.array([_EPOCH + dt.timedelta(days=int(d)) for d in days] or [None], object)
        return dates[codes.reshape(-1)] if n else np.empty(0, dtype=object)
    return None


def _strings(buffers: list, lo: int, hi: int) -> np.ndarray:
    """Arrow UTF-8 strings as Python str: a NUL put between each two (at byte offsets, which
    fall between characters), the buffer decoded once and split there — twice as fast as a
    slice per value. Text holding a NUL itself (XML 1.0 has none; `_x0000_` may make one) is
    sliced value by value, its byte offsets turned into character offsets."""
    out = np.empty(hi - lo, dtype=object)
    if hi == lo:
        return out
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[lo : hi + 1]
    raw = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    offsets = offsets - offsets[0]
    if not (raw == 0).any():
        out[:] = np.insert(raw, offsets[1:-1], 0).tobytes().decode("utf-8").split("\0")
        return out
    data = raw.tobytes()
    text = data.decode("utf-8")
    if not data.isascii():  # byte offsets to character offsets: skip continuation bytes
        before = np.concatenate(([0], np.cumsum((raw & 0xC0) == 0x80)))
        offsets = offsets - before[offsets]
    starts, ends = offsets[:-1].tolist(), offsets[1:].tolist()
    out[:] = [text[a:b] for a, b in zip(starts, ends, strict=True)]
    return out


def _headers(path: Path, ref: TableRef, row: int, min_col: int, max_col: int) -> list[str] | None:
    """The header row's cells as calamine reads them, when each is plain text (a shared or
    inline string of one run, no escapes beyond XML's five entities); None otherwise."""
    with zipfile.ZipFile(path) as z:
        with z.open(ref.sheet_part) as stream:
            head = stream.read(HEAD)
        found = re.search(rb'<row\b[^>]*?\br="%d"[^>]*>(.*?)</row>' % row, head, re.S)
        if found is None:
            return None
        texts: dict[int, bytes] = {}
        shared: dict[int, int] = {}
        for cell in _CELL.finditer(found[1]):
            attrs = dict(_ATTR.findall(cell[1]))
            m = re.fullmatch(rb"([A-Z]{1,3})(\d+)", attrs.get(b"r", b""))
            if m is None or int(m[2]) != row:
                return None
            col = column_index(m[1])
            if not min_col <= col <= max_col:
                continue
            body, kind = cell[3] or b"", attrs.get(b"t")
            if kind == b"s":
                v = _VALUE.search(body)
                if v is None:
                    return None
                shared[col] = int(v[1])
            elif kind == b"inlineStr":
                texts[col] = body
            else:
                return None  # a number, a formula, a true/false: not plain text
        if shared:
            strings = _shared_strings(z, path, max(shared.values()))
            if strings is None or max(shared.values()) >= len(strings):
                return None
            texts.update({col: b"<is>" + strings[i] + b"</is>" for col, i in shared.items()})
    out = []
    for col in range(min_col, max_col + 1):
        text = _plain(texts.get(col))
        if not text:
            return None
        out.append(text)
    return out


def _plain(inline: bytes | None) -> str | None:
    """The text of `<is>…</is>` (or a shared string's `<si>` inside) when it is one plain run."""
    if inline is None:
        return None
    m = re.fullmatch(rb"<is>(.*)</is>", inline, re.S)
    body = m[1] if m else inline
    t = _PLAIN_TEXT.fullmatch(body.strip(b" \t\n"))
    if t is None:
        return None
    raw = t[1] or b""
    if raw != raw.strip() or b"_x" in raw or b"\r" in raw:
        return None  # Office's _xHHHH_ escapes, line ends XML parsers may change
    text = _REFERENCE.sub(_character, raw.decode("utf-8"))
    return None if "\0" in text else text


def _character(ref: re.Match) -> str:
    """An XML entity or character reference as its character; NUL for anything else."""
    name = ref[1]
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _ENTITIES.get(name, "\0")


def _shared_strings(z: zipfile.ZipFile, path: Path, last: int) -> list[bytes] | None:
    """The workbook's shared strings (each the inside of its `<si>`) when they are plainly
    laid out (no `<si/>`, no attributes) and reach index `last`."""
    package = Package(z)
    workbook = office_document(package, path.name)
    part = next((r.part for r in package.rels(workbook) if r.type.endswith("/sharedStrings")), None)
    if part is None or not package.has(part):
        return None
    data = package.read(package.actual(part))
    strings = re.findall(rb"<si>(.*?)</si>", data, re.S)
    if len(strings) <= last or data.count(b"<si") != len(strings):
        return None
    return strings
