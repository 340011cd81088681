"""A database source's query read as Arrow columns (ADBC's drivers for SQLite and PostgreSQL)
straight into DuckDB.

A Python database driver makes a tuple of Python values for every row, which pandas then
turns into columns, which DuckDB then reads value by value: 5,000,000 orders from SQLite
took ~7.5 s to fetch and ~10.5 s to reach DuckDB, 2,000,000 from PostgreSQL ~6.5 s (psycopg
fetched them in 2.5 s). ADBC's drivers write the rows into Arrow buffers in C (PostgreSQL's
through COPY in its binary form), which DuckDB takes as they are: ~3 s and ~1.8 s.

Where a driver would read a value otherwise than the Python driver does, or cannot read the
query, `load` says so (False) and the query is read as before (SQLAlchemy and pandas):
  - bytes (BLOB, bytea, and a PostgreSQL type Arrow has no type for, which the driver hands
    over as its bytes);
  - a SQLite Query of several statements: the driver would run the first and drop the rest;
  - SQLite types each value, not each column, and the driver types each column by its first
    batch of rows. A number further down a column of text it takes as SQLite writes it as
    text (`2.5`), as DuckDB takes it from pandas; but a number of another type further
    down (whole numbers, then one with decimals; a first batch all NULL, then a value) stops
    it with a type mismatch, and numbers in a first batch that mixes them with text it
    writes as text in its own `%e` form (`1.234568e+03`), six digits only.
A PostgreSQL NUMERIC comes as its text (`154.49`), read as a typed amount is.
"""

from __future__ import annotations

import importlib
import sqlite3
from contextlib import ExitStack, closing

import adbc_driver_manager
import duckdb

BATCH = 65_536  # rows SQLite's driver types a column by; also the rows checked for `%e`
_E_FORM = r"-?[0-9]\.[0-9]{6}e[+-][0-9]{2,}"  # a number SQLite's driver wrote as text
DRIVERS = {"sqlite": "adbc_driver_sqlite", "postgresql": "adbc_driver_postgresql"}


def load(con: duckdb.DuckDBPyConnection, backend: str, uri: str, query: str, table: str) -> bool:
    """The rows of `query` on the database at `uri` (a backend of DRIVERS: SQLite's as a
    `file:` URI, PostgreSQL's as libpq takes it) as the DuckDB table `table`, typed as the
    Python driver reads them; False, with no table made, where the ADBC driver would read
    them otherwise (see the module's docstring) or fails."""
    driver = importlib.import_module(DRIVERS[backend])
    try:
        if backend == "sqlite":
            _one_statement(uri, query)
        with ExitStack() as stack:
            db = stack.enter_context(closing(driver.connect(uri)))
            conn = stack.enter_context(closing(adbc_driver_manager.AdbcConnection(db)))
            statement = stack.enter_context(closing(adbc_driver_manager.AdbcStatement(conn)))
            if backend == "sqlite":
                statement.set_options(**{driver.StatementOptions.BATCH_ROWS.value: BATCH})
            statement.set_sql_query(query)
            stream, _ = statement.execute_query()
            rows = con.from_arrow(stream)  # noqa: F841 - named in the SQL below
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM rows")
    except Exception:  # noqa: BLE001 - read as before, whose errors are the user's to see
        con.execute(f"DROP TABLE IF EXISTS {table}")
        return False
    if _read_otherwise(con, table, backend):
        con.execute(f"DROP TABLE {table}")
        return False
    return True


def _one_statement(uri: str, query: str) -> None:
    """Raises unless `query` is one statement: SQLite's driver runs the first of several
    and drops the rest without a word, where the sqlite3 module refuses them (prepared by
    SQLite under EXPLAIN: nothing is run)."""
    with closing(sqlite3.connect(uri, uri=True)) as db:
        db.execute(f"EXPLAIN {query}").close()


def _read_otherwise(con: duckdb.DuckDBPyConnection, table: str, backend: str) -> bool:
    """Whether a column of `table` holds bytes, or (SQLite) numbers written as `%e` text."""
    types = con.execute(f"DESCRIBE {table}").fetchall()
    if any(t == "BLOB" for _, t, *_ in types):
        return True
    text = [name for name, t, *_ in types if t == "VARCHAR"]
    if backend != "sqlite" or not text:
        return False
    checks = ", ".join(
        f"""bool_or(regexp_full_match("{c.replace('"', '""')}", '{_E_FORM}'))""" for c in text
    )
    found = con.execute(f"SELECT {checks} FROM (SELECT * FROM {table} LIMIT {BATCH})").fetchone()
    return any(found)
