"""Rows per second of history read through tblSources (SPEC §16), against the plain library.

    PYTHONPATH=. .venv/bin/python bench/sources_bench.py --orders 5000000

Builds (not timed) the example company's history split into `--orders` orders, written as
CSV, Parquet and a SQLite table. Then times, best of `--repeat`:
  - salesplan: open the source and check and sum the history (xl_addin/workbook/sources.py,
    sourcehistory.py) — what `decompose` spends on history;
  - DuckDB on the same file: the same sums by day, region, product, customer type and rep
    with DuckDB's own type detection (the least a reader of that file must do), and reading
    every row into NumPy;
  - a CSV as a CRM writes it (crm-csv: each order's time of day, amounts as ￥11,818.19),
    against DuckDB reading its every row (it cannot sum such amounts by itself);
  - for SQLite (DuckDB's SQLite scanner is an extension downloaded at run time, so it is not
    the yardstick): the query's rows fetched by the sqlite3 module; for PostgreSQL (a server
    of the tests' own, tests/postgres.py, when PostgreSQL is installed): fetched by psycopg.
    salesplan reads both as Arrow columns (ADBC's drivers, workbook/arrowquery.py), so it
    can beat the fetch.

What salesplan does beyond each yardstick, and cannot leave out without reading a source
otherwise than a cell: for a file, each order's amount rounded to cents as a cell's is
(engine/money.py to_cents, in DuckDB) and counted for the checks (orders, amounts unread,
empty or negative) in the same pass, where DuckDB's own sum adds the raw doubles; for
a database, the rows loaded into DuckDB and checked for what the ADBC driver would read
otherwise than the Python driver (then salesplan fetches them as the yardstick does, and
more).
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

import duckdb

from xl_addin.cli import main
from xl_addin.workbook.example_company import PERIOD_START
from xl_addin.workbook.sourcehistory import history_frame
from xl_addin.workbook.sources import open_source

GROUP = "Period, Region, Product, CustomerType, RepID"


def make(folder: Path, orders: int) -> int:
    """CSV, Parquet and SQLite of the example's history as `orders` orders; their count."""
    plan = folder / "plan.xlsx"
    assert main(["init", str(plan), "--example", "--locale", "en"]) == 0
    import openpyxl

    ws = openpyxl.load_workbook(plan, read_only=True)["SalesHistory"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] is not None]
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE h (Period DATE, Amount DOUBLE, Region VARCHAR, Product VARCHAR, "
        "CustomerType VARCHAR, RepID VARCHAR)"
    )
    con.executemany("INSERT INTO h VALUES (?, ?, ?, ?, ?, ?)", rows)
    k = max(1, -(-orders // len(rows)))
    con.execute(
        f"""CREATE TABLE o AS SELECT Period, Region, Product, CustomerType, RepID,
              (c // {k} + CASE WHEN i < c % {k} THEN 1 ELSE 0 END) / 100.0 AS Amount
            FROM (SELECT *, CAST(round(Amount * 100) AS BIGINT) AS c FROM h), range({k}) t(i)"""
    )
    con.execute(f"COPY o TO '{folder / 'orders.csv'}' (HEADER)")
    # as a CRM exports orders: each with its time of day, amounts as text with ￥ and commas
    con.execute(
        f"""COPY (SELECT strftime(Period, '%Y/%m/%d') || ' ' || (8 + n % 12) || ':'
                         || lpad(CAST(n % 60 AS VARCHAR), 2, '0') AS Period,
                         Region, Product, CustomerType, RepID,
                         '￥' || format('{{:,.2f}}', Amount) AS Amount
                  FROM (SELECT *, row_number() OVER () AS n FROM o))
            TO '{folder / "orders-crm.csv"}' (HEADER)"""
    )
    con.execute(f"COPY o TO '{folder / 'orders.parquet'}'")
    with sqlite3.connect(folder / "orders.db") as db:
        db.execute(
            "CREATE TABLE orders (Period TEXT, Region TEXT, Product TEXT, CustomerType TEXT, "
            "RepID TEXT, Amount REAL)"
        )
        cur = con.execute("SELECT strftime(Period, '%Y-%m-%d'), * EXCLUDE (Period) FROM o")
        while batch := cur.fetchmany(200_000):
            db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)", batch)
    return con.execute("SELECT count(*) FROM o").fetchone()[0]


def salesplan(folder: Path, source: str, query=None) -> float:
    where = {
        k: ("Sources", f"{c}2")
        for k, c in zip(("table", "source", "query", "columns"), "ABCD", strict=True)
    }
    row = {"table": "tblHistory", "source": source, "query": query, "columns": None}
    start = time.perf_counter()
    problems = []
    frame = history_frame(open_source(row, folder, where), PERIOD_START, problems)
    seconds = time.perf_counter() - start
    assert frame is not None and not problems, problems
    return seconds


def duckdb_sums(path: Path) -> float:
    start = time.perf_counter()
    duckdb.connect().execute(
        f"SELECT {GROUP}, sum(Amount), count(*) FROM '{path}' GROUP BY ALL"
    ).df()
    return time.perf_counter() - start


def duckdb_rows(path: Path) -> float:
    start = time.perf_counter()
    duckdb.connect().execute(f"SELECT * FROM '{path}'").fetchnumpy()
    return time.perf_counter() - start


def sqlite_rows(path: Path) -> float:
    start = time.perf_counter()
    with sqlite3.connect(path) as db:
        db.execute("SELECT * FROM orders").fetchall()
    return time.perf_counter() - start


def postgresql(folder: Path, n: int, repeat: int) -> None:
    """The orders in a PostgreSQL server of the tests' own (NUMERIC amounts, DATE days), read
    by salesplan against psycopg fetching them; skipped without PostgreSQL."""
    import os

    import psycopg

    try:
        from tests.postgres import postgres_server  # from the repository's root

        server = postgres_server()
        socket = server.__enter__()
    except BaseException as exc:  # noqa: BLE001 - pytest's skip, or a failed start
        print(f"  postgresql not measured: {str(exc).splitlines()[0]}")
        return
    try:
        with psycopg.connect(host=str(socket), user="postgres", dbname="postgres") as db:
            db.execute(
                "CREATE TABLE orders (Period date, Region text, Product text, "
                "CustomerType text, RepID text, Amount numeric(14, 2))"
            )
            rows = duckdb.connect().execute(f"SELECT * FROM '{folder / 'orders.parquet'}'")
            with db.cursor().copy("COPY orders FROM STDIN") as copy:
                while batch := rows.fetchmany(100_000):
                    for row in batch:
                        copy.write_row(row)
        os.environ["SALESPLAN_BENCH_PG"] = f"postgresql+psycopg://postgres@/postgres?host={socket}"

        def fetched() -> float:
            start = time.perf_counter()
            with psycopg.connect(host=str(socket), user="postgres", dbname="postgres") as db:
                db.execute("SELECT * FROM orders").fetchall()
            return time.perf_counter() - start

        ours = best(salesplan, repeat, folder, "SALESPLAN_BENCH_PG", "SELECT * FROM orders")
        rows = best(fetched, repeat)
        print(
            f"  {'postgres':8} salesplan {n / ours:>13,.0f}  psycopg rows {n / rows:>12,.0f} "
            f"({rows / ours:.0%})"
        )
    finally:
        server.__exit__(None, None, None)


def best(f, repeat: int, *args) -> float:
    return min(f(*args) for _ in range(repeat))


def main_bench() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n = make(folder, args.orders)
        print(
            f"{n:,} orders; rows per second (best of {args.repeat}); ratio = salesplan / yardstick"
        )
        for kind in ("csv", "parquet"):
            path = folder / f"orders.{kind}"
            ours = best(salesplan, args.repeat, folder, path.name)
            sums = best(duckdb_sums, args.repeat, path)
            rows = best(duckdb_rows, args.repeat, path)
            print(
                f"  {kind:8} salesplan {n / ours:>13,.0f}  DuckDB sums {n / sums:>13,.0f} "
                f"({sums / ours:.0%})  DuckDB rows {n / rows:>13,.0f} ({rows / ours:.0%})"
            )
        path = folder / "orders-crm.csv"  # DuckDB cannot sum its text amounts by itself
        ours = best(salesplan, args.repeat, folder, path.name)
        rows = best(duckdb_rows, args.repeat, path)
        print(
            f"  {'crm-csv':8} salesplan {n / ours:>13,.0f}  {'':27}  DuckDB rows "
            f"{n / rows:>13,.0f} ({rows / ours:.0%})"
        )
        query = "SELECT * FROM orders"
        ours = best(salesplan, args.repeat, folder, "sqlite:///orders.db", query)
        rows = best(sqlite_rows, args.repeat, folder / "orders.db")
        print(
            f"  {'sqlite':8} salesplan {n / ours:>13,.0f}  sqlite3 rows {n / rows:>12,.0f} "
            f"({rows / ours:.0%})"
        )
        postgresql(folder, n, args.repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main_bench()
