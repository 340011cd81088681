"""tblHistory and tblActuals from where they live (SPEC §16), named in tblSources.

A tblSources row names a Table (tblHistory or tblActuals), a Source and, for a database, a
Query; Columns maps the source's headers to the table's (`订单日期=Period, 金额=Amount`).
- A file: a CSV or Parquet path relative to the plan, globs for monthly exports, read by
  DuckDB. A CSV is read as text, so the reader's coercion (120万, 2026年3月1日, leading zeros
  of an ID) applies as it does to a cell.
- A database: the name of an environment variable holding a SQLAlchemy URL, or
  `sqlite:///file.db` (relative to the plan) given directly; the Query's rows are the table.
  Credentials never sit in the workbook: a URL with a password typed as the Source is refused,
  and no message repeats a URL.

A source becomes a DuckDB relation with the source's headers. tblActuals (a row per order or
rep and week) comes back as a table the reader reads like any other, its problems placed at
`orders.csv:17` (the line; row N of a Parquet file or a query). tblHistory may hold millions
of orders: it is checked in DuckDB (every value the reader would refuse, at its line) and
summed there to one row per plan week, region, product, customer type and rep (history.py).
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import sqlite3
import tempfile
import urllib.parse
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from engine.problems import Message, Problem, said
from xl_addin.workbook.columns import BY_KEY, header_lookup, normalise_header
from xl_addin.workbook.csvencoding import NOTES, NotText, encoding_of, utf8_copy
from xl_addin.workbook.csvfaults import BadLine, bad_line, first_bad_line, unsplit
from xl_addin.workbook.csvlines import record_lines
from xl_addin.workbook.sourcerows import SourceRows

FILE_KINDS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}
SOURCED = ("history", "actuals")  # the tables a source may stand for
WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et")  # exports a source cannot be
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# DuckDB's own memory for one source: past it, a year of orders' sums and sorts go to a
# private temporary folder (DuckDB makes it and removes it when the source is closed), not
# up to its default of 80 % of the computer's memory, which it then keeps
DUCKDB_MEMORY = "512MiB"


class SourceError(Exception):
    """Problems of a tblSources row (at its cells): the source cannot be read as named."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


@dataclass
class Source:
    """One tblSources row, opened: a DuckDB relation named `src` with the source's columns
    (renamed by the Columns map), and how to place a row of it."""

    table: str  # tblHistory or tblActuals
    label: str  # the Source as typed, or the one file a glob matched
    con: duckdb.DuckDBPyConnection
    columns: list[str]  # the relation's headers, as the table will see them
    header_line: int  # a CSV's lines above its data (a title, the header), else 0
    files: dict[str, str] = field(default_factory=dict)  # a glob's files: path -> as shown
    sheet_cell: tuple[str, str] = ("", "")  # the Source cell on the Sources sheet
    csv_paths: list[str] = field(default_factory=list)  # a CSV source's files, as read
    csv_dialect: dict = field(default_factory=dict)  # sniffed once (sniffed())
    csv_types: dict[str, str] = field(default_factory=dict)  # column as typed -> detected type
    raw: dict[str, str] = field(default_factory=dict)  # column as the table sees it -> as typed
    notes: list[Message] = field(default_factory=list)  # how it was read, for the run's log
    reopen: Callable[[], Source] | None = None  # a CSV opened again, every byte checked
    _types: dict[str, str] = field(default_factory=dict)  # column -> DuckDB type, once asked
    _lines: dict = field(default_factory=dict)  # a CSV file's number -> record_lines, once asked
    local_days: dict[str, str] = field(default_factory=dict)  # column -> SQL (sourcehistory)

    def line(self, file: int, k: int) -> int:
        """The line of a CSV on which the `k`-th data record (1-based) of the source's file
        number `file` (0 unless a glob matched several) starts — beyond k + 1 when empty
        lines or values over several lines come before it; the row of a Parquet file or a
        query."""
        if not self.csv_paths:
            return k + self.header_line
        if file not in self._lines:
            self._lines[file] = record_lines(self.csv_paths[file], self.csv_dialect)
        lines = self._lines[file]
        return (
            int(lines[k - 1]) if lines is not None and 0 < k <= len(lines) else k + self.header_line
        )

    def type_of(self, column: str) -> str:
        """The DuckDB type of `column` (as the table sees it) as the source is read now."""
        if not self._types:
            self._types = {r[0]: r[1] for r in self.sql("DESCRIBE SELECT * FROM src").fetchall()}
        return self._types.get(column, "VARCHAR")

    def blank(self, column: str) -> str:
        """SQL true where `column` is empty, as a cell is: NULL, or text of spaces only (a
        number or date column is only ever NULL: no cast of every value to text)."""
        col = _quoted(column)
        if self.type_of(column) != "VARCHAR":
            return f"({col} IS NULL)"
        return f"({col} IS NULL OR trim({col}) = '')"

    @property
    def sheet(self) -> str:
        """The first part of a place in the source: its name, or '' for a glob, whose every
        place names its own file (`orders-03.csv:17`)."""
        return "" if self.files else self.label

    def whole(self) -> tuple[str, str]:
        """(sheet, cell) naming the source as a whole: `orders.csv`, or the glob as typed."""
        return (self.sheet, f":{self.label}" if self.files else "")

    def sql(self, query: str):
        """Run `query` on the source's connection (its result: .df(), .fetchall() …)."""
        return self.con.execute(query)

    def typed(self, column: str | None) -> None:
        """Read a CSV's `column` (as the table sees it) as DuckDB detected its type (a DOUBLE
        parsed while scanning is what makes a CSV fast), every other column as text; None:
        every column as text again (when a value further down is not of the detected type)."""
        if not self.csv_paths:
            return
        self._types = {}
        keep = None if column is None else self.raw[column]
        types = {c: (t if c == keep else "VARCHAR") for c, t in self.csv_types.items()}
        read = csv_reader(self.csv_paths, self.csv_dialect, types, bool(self.files))
        self.con.execute(f"CREATE OR REPLACE VIEW raw_src AS SELECT * FROM {read}")


def sniffed(con, path: str) -> tuple[dict[str, str], dict[str, str]]:
    """A CSV's dialect and its columns' detected types, sniffed once: every later read names
    them (DuckDB would sniff the file again for each view built on an undescribed read)."""
    row = con.execute(
        "SELECT Delimiter, Quote, Escape, NewLineDelimiter, SkipRows, HasHeader, Columns "
        "FROM sniff_csv(?)",
        [path],
    ).fetchall()[0]
    delim, quote, escape, new_line, skip, header, columns = (
        "" if v == "(empty)" else v
        for v in row  # sniff_csv says "(empty)" for none
    )
    dialect = {
        "delim": delim,
        "quote": quote or '"',  # none in the sample: the standard one, should one come later
        "escape": escape or quote or '"',
        "new_line": new_line,
        "skip": skip,
        "header": bool(header),
    }
    return dialect, {c["name"]: c["type"] for c in columns}


def csv_reader(paths: list[str], dialect: dict, types: dict[str, str], several: bool) -> str:
    """`read_csv(…)` over `paths` with the dialect and column types given, nothing sniffed."""
    files = "[" + ", ".join(_literal(p) for p in paths) + "]"
    options = ", ".join(
        f"{k}={_literal(v) if isinstance(v, str) else str(v).lower()}" for k, v in dialect.items()
    )
    columns = "{" + ", ".join(f"{_literal(c)}: {_literal(t)}" for c, t in types.items()) + "}"
    return (
        f"read_csv({files}, auto_detect=false, {options}, columns={columns}, "
        f"filename={str(several).lower()})"
    )


def file_rows(source: Source, counts: dict[str, int]) -> tuple:
    """(file as shown, its first data row) for a glob's files, from each file's row count."""
    rows, start = [], 1
    for path, shown in source.files.items():
        rows.append((shown, start))
        start += int(counts.get(path, 0))
    return tuple(rows)


def source_rows(source: Source) -> SourceRows:
    """The whole source as a table for the reader (tblActuals: a table's size)."""
    names = ", ".join(_quoted(c) for c in source.columns)
    extra = ", _file" if source.files else ""
    frame = source.sql(f"SELECT {names}{extra} FROM src").df()
    starts: tuple = ()
    if source.files:
        starts = file_rows(source, frame["_file"].value_counts(sort=False).to_dict())
        frame = frame.drop(columns="_file")
    frame.columns = range(len(source.columns))
    frame = frame.astype(object).where(frame.notna(), None)
    return SourceRows(
        source.table,
        source.sheet,
        source.header_line,
        1,
        list(source.columns),
        [],
        frame=frame,
        label=source.label,
        file_rows=starts,
        line=lambda file, k: source.line(file, k),  # a function: pandas deep-copies attrs
    )


def not_utf8(source: Source, exc: Exception) -> bool:
    """DuckDB met bytes that are not UTF-8 in a CSV told UTF-8 from its first MiB: worth
    opening again with every byte checked (Source.reopen)."""
    return source.reopen is not None and "not utf-8 encoded" in str(exc).lower()


def unreadable(source: Source, exc: Exception) -> Problem:
    """A source that opened but fails further down: a CSV line that does not split into the
    header's columns at that line (csvfaults.py), anything else at its cell."""
    delimiter = source.csv_dialect.get("delim", ",")
    bad = bad_line(exc, source.csv_paths[0], delimiter) if source.csv_paths else None
    if bad is not None and bad.path in source.csv_paths:
        shown = source.files.get(bad.path, source.label)
        return line_problem(bad, shown, bool(source.files))
    kind = "csv" if source.csv_paths else "parquet"
    return Problem(
        *source.sheet_cell,
        said("source_unreadable", source=source.label, error=_first_line(exc)),
        said(f"source_unreadable_hint_{kind}"),
    )


# -- opening a tblSources row -----------------------------------------------------------


def open_source(
    row: dict, folder: Path | None, where: dict[str, tuple[str, str]], whole: bool = False
) -> Source:
    """The source of one tblSources row (`row`: table, source, query, columns as read;
    `where`: each of those cells' (sheet, cell)). Raises SourceError naming the cell.
    `whole`: a CSV's every byte checked for its encoding, not its first MiB (Source.reopen)."""
    typed = str(row["source"]).strip()
    table = row["table"]
    con = _connection()
    if _is_url(typed) or _ENV_NAME.fullmatch(typed):
        source = _database(typed, row.get("query"), table, con, folder, where)
    else:
        _no_query(typed, row.get("query"), where)
        source = _files(typed, table, con, folder, where, whole)
        if source.csv_paths and not whole:
            source.reopen = lambda: open_source(row, folder, where, whole=True)
    source.sheet_cell = where["source"]
    mapping = _column_map(row.get("columns"), table, source.columns, where)
    renamed = [mapping.get(c, c) for c in source.columns]
    listed = ", ".join(
        f"{_quoted(c)} AS {_quoted(n)}" for c, n in zip(source.columns, renamed, strict=True)
    )
    extra = ", _file" if source.files else ""
    con.execute(f"CREATE VIEW src AS SELECT {listed}{extra} FROM base")
    source.raw = dict(zip(renamed, source.columns, strict=True))
    source.columns = renamed
    if source._types:  # known from the file, under the names the table sees
        source._types = {n: source._types[c] for n, c in source.raw.items()}
    return source


def _connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB of DUCKDB_MEMORY, spilling to a folder of its own (by default
    DuckDB would spill to `.tmp` in the folder the command runs in)."""
    spill = Path(tempfile.gettempdir()) / f"salesplan-duckdb-{uuid.uuid4().hex}"
    return duckdb.connect(config={"memory_limit": DUCKDB_MEMORY, "temp_directory": str(spill)})


def _no_query(typed: str, query, where) -> None:
    """A Query typed for a file: a problem at its cell, not a query silently left unused (a
    filter the director believes leaves out cancelled orders)."""
    if query is not None and str(query).strip():
        raise SourceError(
            [
                Problem(
                    *where["query"],
                    said("source_query_for_file", source=typed),
                    said("source_query_for_file_hint"),
                )
            ]
        )


def _files(typed: str, table: str, con, folder: Path | None, where, whole: bool) -> Source:
    sheet, cell = where["source"]
    base = folder or Path.cwd()
    pattern = typed if os.path.isabs(typed) else str(base / typed)
    suffix = Path(typed).suffix.lower()
    kind = FILE_KINDS.get(suffix)
    if kind is None:  # a spreadsheet export is told how to make it one salesplan reads
        hint = "source_kind_workbook_hint" if suffix in WORKBOOKS else "source_kind_hint"
        raise SourceError([Problem(sheet, cell, said("source_kind", source=typed), said(hint))])
    found = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
    found = [f for f in found if os.path.isfile(f)]
    if not found:
        raise SourceError(
            [
                Problem(
                    sheet,
                    cell,
                    said("source_not_found", source=typed, folder=str(base)),
                    said("source_not_found_hint"),
                )
            ]
        )
    empty = [_relative(f, base) for f in found if kind == "csv" and _empty(f)]
    if empty:  # DuckDB would read it as one column, `column0`, that no mapping finds
        raise SourceError(
            [Problem(sheet, cell, said("source_empty", source=e), said("source_empty_hint"))
             for e in empty]
        )  # fmt: skip
    twice = [
        Problem(sheet, cell, said("source_same_file", source=_relative(b, base),
                                  same=_relative(a, base)), said("source_same_file_hint"))
        for a, b in _same_files(found)
    ]  # fmt: skip
    if twice:  # a month's export downloaded twice, `orders-03 (1).csv`: its orders twice
        raise SourceError(twice)
    several = len(found) > 1
    read, copies, notes = (found, None, []) if kind != "csv" else _utf8(found, base, where, whole)
    try:
        dialect, types = {}, {}
        if kind == "csv":
            dialect, types = sniffed(con, read[0])
            delimiter = unsplit(types)
            if delimiter is not None and delimiter != dialect["delim"]:
                # a line the header's delimiter does not split, among those sniffed (csvfaults)
                bad = first_bad_line(con, read[0], dialect, next(iter(types)), delimiter)
                if bad is not None:
                    raise _BadLine(bad)
            text = {c: "VARCHAR" for c in types}
            con.execute(
                f"CREATE VIEW raw_src AS SELECT * FROM {csv_reader(read, dialect, text, several)}"
            )
            columns = list(types)
        else:  # its schema is read here: a file of another kind fails now
            rel = con.read_parquet(found, filename=several)
            rel.create_view("raw_src")
            columns = [c for c in rel.columns if not (several and c == "filename")]
            types = {c: str(t) for c, t in zip(rel.columns, rel.types, strict=True)}
        names = ", ".join(_quoted(c) for c in columns)
        extra = ", filename AS _file" if several else ""
        con.execute(f"CREATE VIEW base AS SELECT {names}{extra} FROM raw_src")
        if kind == "csv":  # a file of another kind fails here
            con.execute("SELECT * FROM base LIMIT 1").fetchall()
    except (duckdb.Error, UnicodeDecodeError, _BadLine) as exc:
        delimiter = dialect.get("delim") or ","
        bad = exc.bad if isinstance(exc, _BadLine) else bad_line(exc, read[0], delimiter)
        _discard(con, copies)  # the line is found in the file read first
        shown = dict(zip(read, (_relative(f, base) for f in found), strict=True))
        if bad is not None and bad.path in shown:
            raise SourceError([line_problem(bad, shown[bad.path], several)]) from None
        raise SourceError(
            [
                Problem(
                    sheet,
                    cell,
                    said("source_unreadable", source=typed, error=_first_line(exc)),
                    said(f"source_unreadable_hint_{kind}"),
                )
            ]
        ) from None
    source = Source(
        table,
        _relative(found[0], base) if not several else typed,
        con,
        columns,
        1 + int(dialect["skip"] or 0) if kind == "csv" else 0,  # lines above the data
        files={r: _relative(f, base) for r, f in zip(read, found, strict=True)} if several else {},
        csv_paths=read if kind == "csv" else [],
        csv_dialect=dialect,
        csv_types=types if kind == "csv" else {},
        notes=notes,
        _types={} if kind == "csv" else {c: types[c] for c in columns},
    )
    if copies:  # the UTF-8 copies go with the source (and the connection reading them)
        weakref.finalize(source, _discard, con, copies)
    return source


def _utf8(found: list[str], base: Path, where, whole: bool) -> tuple[list, str | None, list]:
    """The files DuckDB is to read for `found`: each as it is when UTF-8, else a UTF-8 copy
    in a private temporary folder (csvencoding.py); that folder (None: no copy) and a note
    per file copied. SourceError at the Source cell for a file that is not text."""
    read, folder, notes = [], None, []
    for path in found:
        shown = _relative(path, base)
        try:
            encoding = encoding_of(path, whole)
            if encoding is not None:
                folder = folder or tempfile.mkdtemp(prefix="salesplan-csv-")
                copy = str(Path(folder) / f"{len(read)}.csv")
                utf8_copy(path, encoding, Path(copy))
        except (NotText, OSError) as exc:  # OSError: unreadable, or no room for the copy
            if folder:
                shutil.rmtree(folder, ignore_errors=True)
            problem = (
                said(exc.key, source=shown, line=exc.line)
                if isinstance(exc, NotText)
                else said("source_unreadable", source=shown, error=_first_line(exc))
            )
            raise SourceError(
                [Problem(*where["source"], problem, said("source_unreadable_hint_csv"))]
            ) from None
        if encoding is None:
            read.append(path)
            continue
        read.append(copy)
        notes.append(said(NOTES[encoding], source=shown))
    return read, folder, notes


def _same_files(paths: list[str]) -> list[tuple[str, str]]:
    """Files a glob matched that hold the very same bytes as one before them: (that one, it).
    Only files of the same size are read (a digest of each)."""
    by_size: dict[int, list[str]] = {}
    for path in paths:
        by_size.setdefault(os.path.getsize(path), []).append(path)
    same = []
    for group in (g for g in by_size.values() if len(g) > 1):
        first: dict[bytes, str] = {}
        for path in group:
            with open(path, "rb") as f:
                digest = hashlib.file_digest(f, "blake2b").digest()
            if digest in first:
                same.append((first[digest], path))
            else:
                first[digest] = path
    return same


EMPTY_BELOW = 4096  # bytes: a file this small is looked at whole for any text


def _empty(path: str) -> bool:
    """A CSV with nothing in it: no bytes, or only byte-order marks, spaces and line ends (an
    export that failed, a file saved before anything was pasted)."""
    if os.path.getsize(path) >= EMPTY_BELOW:
        return False
    with open(path, "rb") as f:
        data = f.read()
    for mark in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        data = data.replace(mark, b"")
    return not data.replace(b"\x00", b"").strip()


def _discard(con, folder: str | None) -> None:
    """A source's connection closed and its UTF-8 copies removed."""
    if folder:
        con.close()
        shutil.rmtree(folder, ignore_errors=True)


def _database(typed: str, query, table: str, con, folder: Path | None, where) -> Source:
    import sqlalchemy

    from xl_addin.workbook import arrowquery

    sheet, cell = where["source"]
    if _is_url(typed) and not typed.lower().startswith("sqlite:"):
        key = "source_credential" if _has_password(typed) else "source_url_in_workbook"
        raise SourceError(
            [Problem(sheet, cell, said(key, scheme=typed.split(":", 1)[0]), said(f"{key}_hint"))]
        )
    if _is_url(typed):
        url = _sqlite_url(typed, folder)
        shown = typed
    else:
        url = os.environ.get(typed)
        shown = typed
        if not url:
            raise SourceError(
                [
                    Problem(
                        sheet,
                        cell,
                        said("source_env_missing", name=typed),
                        said("source_env_missing_hint", name=typed),
                    )
                ]
            )
    if query is None or not str(query).strip():
        q_sheet, q_cell = where["query"]
        raise SourceError(
            [
                Problem(
                    q_sheet,
                    q_cell,
                    said("source_query_missing", source=shown),
                    said("source_query_missing_hint"),
                )
            ]
        )
    secret = _password(url)
    try:
        engine = sqlalchemy.create_engine(url)
    except Exception as exc:  # noqa: BLE001 - any bad URL is the user's to fix
        raise SourceError(
            [
                Problem(
                    sheet,
                    cell,
                    said("source_bad_url", source=shown, error=_masked(exc, url, secret)),
                    said("source_bad_url_hint"),
                )
            ]
        ) from None
    database = _sqlite_file(engine.url)
    if database is not None and not database.is_file():  # SQLite would make it, empty
        raise SourceError(
            [
                Problem(
                    sheet,
                    cell,
                    said("source_not_found", source=database.name, folder=str(database.parent)),
                    said("source_db_not_found_hint"),
                )
            ]
        )
    arrow = _arrow_uri(engine.url)
    try:
        if arrow is not None and arrowquery.load(con, *arrow, str(query), "query_rows"):
            frame = None
        else:
            with engine.connect() as connection:
                frame = _query_frame(connection, str(query))
    except Exception as exc:  # noqa: BLE001 - the database's own words, without the URL
        exc = exc.__cause__ if isinstance(exc, pd.errors.DatabaseError) and exc.__cause__ else exc
        q_sheet, q_cell = where["query"]
        raise SourceError(
            [
                Problem(
                    q_sheet,
                    q_cell,
                    said("source_query_failed", source=shown, error=_masked(exc, url, secret)),
                    said("source_query_failed_hint"),
                )
            ]
        ) from None
    finally:
        engine.dispose()
    if frame is not None:
        frame.columns = [str(c) for c in frame.columns]
        con.register("query_rows", frame)
    con.execute("CREATE VIEW base AS SELECT * FROM query_rows")
    columns = [r[0] for r in con.execute("DESCRIBE base").fetchall()]
    return Source(table, shown, con, columns, 0)


def _arrow_uri(url) -> tuple[str, str] | None:
    """(backend, URI) for reading the query as Arrow (arrowquery.py), opened read-only: a
    SQLite file as a `file:` URI, a PostgreSQL database as libpq takes it, its session
    read-only; None for any other database, or a URL whose options would be overridden."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = _sqlite_file(url)
        return None if database is None else (backend, database.resolve().as_uri() + "?mode=ro")
    if backend != "postgresql" or "options" in url.query:
        return None
    query = {**url.query, "options": "-c default_transaction_read_only=on"}
    if not all(isinstance(v, str) for v in query.values()):
        return None  # a parameter given twice: left to SQLAlchemy
    base = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    return backend, f"{base}?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote)}"


def _sqlite_file(url) -> Path | None:
    """The file of a SQLite URL (relative to the working folder, as SQLite opens it); None
    for another database, an in-memory one, or a URL with options (`?mode=ro&uri=true`)."""
    if url.get_backend_name() != "sqlite" or url.query:
        return None
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return None
    return Path(url.database)


def _query_frame(connection, query: str) -> pd.DataFrame:
    """The query's rows as pandas reads them (read_sql_query, so the same dtypes). From
    SQLite through its own DBAPI connection, which pandas reads as it is: the driver's tuples,
    without a SQLAlchemy Row made for each row, which costs as much again as the fetch."""
    import sqlalchemy

    driver = connection.connection.driver_connection
    if isinstance(driver, sqlite3.Connection):
        return pd.read_sql_query(query, driver)
    return pd.read_sql_query(sqlalchemy.text(query), connection)


def _column_map(typed, table: str, columns: list[str], where) -> dict[str, str]:
    """`订单日期=Period, 金额=Amount` as {source column: table header}; a name the source
    lacks, or a header the table does not know, is a problem at the Columns cell."""
    if typed is None or not str(typed).strip():
        return {}
    sheet, cell = where["columns"]
    spec = BY_KEY["history" if table.casefold() == "tblhistory" else "actuals"]
    known = header_lookup(spec)
    by_name = {normalise_header(c): c for c in columns}
    out, problems = {}, []
    for part in re.split(r"[,，;；\n]", str(typed)):
        if not part.strip():
            continue
        left, sep, right = part.replace("＝", "=").partition("=")
        left, right = left.strip(), right.strip()
        if not sep or not left or not right:
            problems.append(
                Problem(
                    sheet,
                    cell,
                    said("columns_map_form", part=part.strip()),
                    said("columns_map_hint"),
                )
            )
            continue
        column = by_name.get(normalise_header(left))
        if column is None:
            problems.append(
                Problem(
                    sheet,
                    cell,
                    said("columns_map_no_column", column=left, columns=", ".join(columns[:12])),
                    said("columns_map_no_column_hint"),
                )
            )
            continue
        if normalise_header(right) not in known:
            problems.append(
                Problem(
                    sheet,
                    cell,
                    said("columns_map_no_header", header=right, table=spec.name),
                    said(
                        "columns_map_no_header_hint", headers=", ".join(c.en for c in spec.columns)
                    ),
                )
            )
            continue
        out[column] = right
    if problems:
        raise SourceError(problems)
    return out


# -- small helpers ------------------------------------------------------------------------


def _quoted(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _is_url(text: str) -> bool:
    return "://" in text or text.lower().startswith("sqlite:")


def _has_password(url: str) -> bool:
    return re.match(r"^[^:/]+://[^/@]*:[^/@]*@", url) is not None


def _password(url: str) -> str | None:
    import sqlalchemy

    try:
        return sqlalchemy.engine.make_url(url).password
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot parse has no password to hide
        return None


def _sqlite_url(typed: str, folder: Path | None) -> str:
    """`sqlite:///sales.db` relative to the plan's folder (`sqlite:////abs/path` stays)."""
    prefix, _, path = typed.partition(":///")
    if not path or path.startswith("/") or path == ":memory:":
        return typed
    return f"{prefix}:///{(folder or Path.cwd()) / path}"


def _masked(exc: Exception, url: str, secret: str | None) -> str:
    """The first line of an error, with the URL and its password left out."""
    line = _first_line(exc)
    for hidden in (url, secret):
        if hidden:
            line = line.replace(str(hidden), "…")
    return line


def line_problem(bad: BadLine, shown: str, several: bool) -> Problem:
    """The problem of a CSV line that does not split, at that line of the file as shown."""
    sheet, cell = ("", f":{shown}:{bad.line}") if several else (shown, f":{bad.line}")
    return Problem(sheet, cell, *bad.problem())


class _BadLine(Exception):
    """A CSV line found not to split while the source is opened (csvfaults.first_bad_line)."""

    def __init__(self, bad: BadLine):
        super().__init__(bad)
        self.bad = bad


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _relative(path: str, base: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return Path(path).name
