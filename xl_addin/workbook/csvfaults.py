"""A CSV line that cannot be split into the header's columns, said at that line (SPEC §16).

A CRM export may hold a line with a value that holds a comma but is not in quotes (a
customer `甲公司,华东分公司`), or a quote that is never closed. DuckDB then says so in its own
words ("CSV Error on Line: 50000 … Expected Number of Columns: 9 Found: 10"), which the run
turns into a problem at that line with the line's start, so that the director finds it. When
such a line lies in the first lines, DuckDB's sniffer finds no delimiter that splits every
line and takes the whole line as one column: the export then seems to lack every column it
has. Such a sniff (one column, whose name holds a delimiter) is read again with the
delimiter its header holds, to find the line.

DuckDB counts a quoted value over several lines as one line: past such a value, its line
number is less than a text editor's, so the line is looked for from there on, by its text.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import duckdb

from engine.problems import Message, said

DELIMITERS = (",", ";", "\t", "|")  # what DuckDB's sniffer tries, and an export uses
SHOWN = 60  # characters of the line quoted in the problem

_LINE = re.compile(r"CSV Error on Line: (\d+)")
_COUNT = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_ORIGINAL = re.compile(r"Original Line: *\n?([^\n]*)")
_FILE = re.compile(r"^\s*file = (.+?)\s*$", re.M)


@dataclass(frozen=True)
class BadLine:
    """A line DuckDB could not split: in file `path` (as read), its number, its text, and
    the values the header has and the line has (None: a quote not closed)."""

    path: str
    line: int
    text: str
    expected: int | None
    found: int | None
    delimiter: str = ","

    def problem(self) -> tuple[Message, Message]:
        """What is wrong with the line, and what to do (templates/messages.toml)."""
        text = self.text if len(self.text) <= SHOWN else self.text[:SHOWN] + "…"
        if self.expected is None:
            return said("source_csv_quote", text=text), said("source_csv_quote_hint")
        values = said("source_csv_values", text=text, found=self.found, expected=self.expected)
        if self.found is not None and self.found < self.expected:
            return values, said("source_csv_fewer_hint", expected=self.expected)
        shown = "Tab" if self.delimiter == "\t" else self.delimiter
        return values, said("source_csv_more_hint", delimiter=shown)


def bad_line(exc: BaseException, path: str = "", delimiter: str = ",") -> BadLine | None:
    """The line of a DuckDB CSV error (its file, else `path`; read with `delimiter`), or
    None for another error."""
    text = str(exc)
    at = _LINE.search(text)
    if at is None:
        return None
    count = _COUNT.search(text)
    original = _ORIGINAL.search(text)
    if count is None and "unterminated quote" not in text:
        return None
    named = _FILE.search(text)
    file = named[1] if named else path
    shown = original[1].strip() if original else ""
    return BadLine(
        file,
        _editor_line(file, int(at[1]), shown),
        shown,
        int(count[1]) if count else None,
        int(count[2]) if count else None,
        delimiter,
    )


def _editor_line(path: str, line: int, text: str) -> int:
    """The line a text editor shows for DuckDB's `line` of text `text`: DuckDB counts a
    quoted value over several lines as one, so the line is the first of that text from
    `line` on (`line` when none is: a file that cannot be read again)."""
    if not text:
        return line
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
            for n, written in enumerate(f, start=1):
                if n >= line and written.strip() == text:
                    return n
    except OSError:
        pass
    return line


def unsplit(columns: dict[str, str]) -> str | None:
    """The delimiter a sniffed CSV's header holds when the sniffer took the whole header as
    one column (no delimiter split every line it looked at); None for a sniff that split it."""
    if len(columns) != 1:
        return None
    name = next(iter(columns))
    counts = {d: name.count(d) for d in DELIMITERS}
    delimiter = max(counts, key=counts.get)
    return delimiter if counts[delimiter] else None


def first_bad_line(con, path: str, dialect: dict, header: str, delimiter: str) -> BadLine | None:
    """Read the CSV with `delimiter` and the header's count of columns, every line checked:
    the first line that does not split into them, or None when every line does."""
    names = next(csv.reader([header], delimiter=delimiter))
    columns = "{" + ", ".join(f"'c{k}': 'VARCHAR'" for k in range(len(names))) + "}"
    try:
        con.execute(
            "SELECT count(*) FROM read_csv(?, auto_detect=false, delim=?, quote='\"', "
            f"escape='\"', header=true, skip=?, columns={columns})",
            [path, delimiter, int(dialect.get("skip") or 0)],
        ).fetchall()
    except duckdb.Error as exc:
        return bad_line(exc, path, delimiter)
    return None
