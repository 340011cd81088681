"""A SQLite source's query read as Arrow columns (ADBC's SQLite driver) straight into DuckDB.

The sqlite3 module makes a Python tuple of Python values for every row, which pandas then
turns into columns: 5,000,000 orders took ~7.5 s to fetch and ~10.5 s to hand to DuckDB.
ADBC's driver writes the rows into Arrow buffers in C, which DuckDB takes as they are:
~3 s for the same orders, and no Python object per value.

SQLite types each value, not each column; the driver types each column by its first batch of
rows. A number further down a column of text it takes as SQLite writes it as text (`2.5`),
as DuckDB takes it from pandas. Where it would read a value otherwise than the sqlite3
module does, the query is left to the sqlite3 module (`load` returns False):
  - a number of another type further down (whole numbers, then one with decimals; a first
    batch all NULL, then a value): the driver stops with a type mismatch;
  - a first batch mixing text and numbers: the driver writes those numbers as text in its
    own `%e` form (`1.234568e+03`), six digits only;
  - bytes (BLOB).
"""

from __future__ import annotations

from contextlib import ExitStack, closing
from pathlib import Path

import adbc_driver_manager
import adbc_driver_sqlite
import duckdb

BATCH = 65_536  # rows the driver types a column by; also the rows checked for its `%e` form
_E_FORM = r"-?[0-9]\.[0-9]{6}e[+-][0-9]{2,}"  # a number the driver wrote as text (%e)


def load(con: duckdb.DuckDBPyConnection, database: Path, query: str, table: str) -> bool:
    """The rows of `query` on the SQLite file `database` (opened read-only) as the DuckDB
    table `table`, typed as the sqlite3 module reads them; False, with no table made, where
    the driver would read them otherwise (see the module's docstring) or fails."""
    try:
        with ExitStack() as stack:
            db = stack.enter_context(closing(adbc_driver_sqlite.connect(_read_only(database))))
            conn = stack.enter_context(closing(adbc_driver_manager.AdbcConnection(db)))
            statement = stack.enter_context(closing(adbc_driver_manager.AdbcStatement(conn)))
            statement.set_options(**{adbc_driver_sqlite.StatementOptions.BATCH_ROWS.value: BATCH})
            statement.set_sql_query(query)
            stream, _ = statement.execute_query()
            rows = con.from_arrow(stream)  # noqa: F841 - named in the SQL below
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM rows")
    except (adbc_driver_manager.Error, duckdb.Error):
        con.execute(f"DROP TABLE IF EXISTS {table}")
        return False
    if _read_otherwise(con, table):
        con.execute(f"DROP TABLE {table}")
        return False
    return True


def _read_only(database: Path) -> str:
    """SQLite's URI for `database`, opened read-only: a source is never written to."""
    return Path(database).resolve().as_uri() + "?mode=ro"


def _read_otherwise(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether a column of `table` holds bytes, or numbers the driver wrote as `%e` text."""
    types = con.execute(f"DESCRIBE {table}").fetchall()
    if any(t == "BLOB" for _, t, *_ in types):
        return True
    text = [name for name, t, *_ in types if t == "VARCHAR"]
    if not text:
        return False
    checks = ", ".join(
        f"""bool_or(regexp_full_match("{c.replace('"', '""')}", '{_E_FORM}'))""" for c in text
    )
    found = con.execute(f"SELECT {checks} FROM (SELECT * FROM {table} LIMIT {BATCH})").fetchone()
    return any(found)
