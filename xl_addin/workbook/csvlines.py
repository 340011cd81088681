"""Where a CSV's records sit: the line on which each starts, to place a problem at the line
a text editor shows (SPEC §16).

DuckDB numbers records, not lines: it skips a title above the header and every empty line,
and reads a quoted value over several lines (a CRM's note) as one record. The lines are
found only when a problem is placed: by a search of the bytes when every record is one
line (the common case), else by the csv module in the dialect DuckDB sniffed.
"""

from __future__ import annotations

import csv
import mmap
import os

import numpy as np


def record_lines(path: str, dialect: dict) -> np.ndarray | None:
    """The line (1-based) on which each data record of a CSV starts, as DuckDB reads its
    records: an empty line is none, a quoted value may run over several lines. Read with the
    csv module in the dialect DuckDB sniffed, only to place a problem; None when each record
    is one line (k + the lines above), or for a dialect the csv module cannot read (a
    delimiter of several characters)."""
    skip, quote, escape = int(dialect["skip"] or 0), dialect["quote"], dialect["escape"]
    if _one_line_each(path, skip + int(bool(dialect["header"])), quote):
        return None
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for _ in range(skip):
                f.readline()
            reader = csv.reader(
                f,
                delimiter=dialect["delim"],
                quotechar=quote,
                doublequote=escape == quote,
                escapechar=None if escape == quote else escape,
                strict=False,
            )
            starts, before = [], skip
            for record in reader:
                if record:
                    starts.append(before + 1)
                before = skip + reader.line_num
    except (TypeError, csv.Error, UnicodeDecodeError, OSError):
        return None
    return np.asarray(starts[1:] if dialect["header"] else starts, dtype=np.int64)


def _one_line_each(path: str, above: int, quote: str) -> bool:
    """No empty line and no quote below the `above` lines (title, header) of a CSV, but at its
    end: each record is one line (the common case, told by a search of the bytes)."""
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return True
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            start, end = 0, len(m)
            for _ in range(above):
                start = m.find(b"\n", start) + 1
                if start == 0:
                    return True
            while end > start and m[end - 1] in b"\r\n":
                end -= 1
            marks = (quote.encode(), b"\n\n", b"\n\r\n") if quote else (b"\n\n", b"\n\r\n")
            return all(m.find(mark, start, end) < 0 for mark in marks)
