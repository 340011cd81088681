"""A database query read as Arrow (ADBC) gives, value for value, what the Python driver and
pandas give (the second method, and the way salesplan read databases before) — or is left to
them where the ADBC driver would read it otherwise."""

import sqlite3
from datetime import date

import duckdb
import pandas as pd
import pytest

from tests.workbook.test_sourcehistory import sourced_history
from xl_addin.workbook import arrowquery

BATCH = arrowquery.BATCH


def load(con, path, query) -> bool:
    return arrowquery.load(con, "sqlite", path.resolve().as_uri() + "?mode=ro", query, "q")


def database(path, rows, columns="a") -> None:
    """A SQLite file whose table t (columns without declared types: SQLite types each value)
    holds `rows`."""
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TABLE t ({columns})")
        marks = ", ".join("?" * len(rows[0]))
        db.executemany(f"INSERT INTO t VALUES ({marks})", rows)
    db.close()


def via_pandas(path, query) -> list[tuple]:
    with sqlite3.connect(path) as db:
        frame = pd.read_sql_query(query, db)
    db.close()
    con = duckdb.connect()
    con.register("frame", frame)
    return con.execute("SELECT * FROM frame").fetchall()


def tables(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]


def test_orders_read_as_arrow_equal_the_sqlite3_modules_rows(tmp_path):
    n = BATCH + 5_000  # past the batch the driver types columns by
    rows = [
        (
            f"2026-{1 + k % 12:02d}-{1 + k % 28:02d}",
            140_007.87 + k / 100 if k % 97 else None,  # eight digits and more; a few empty
            "华东" if k % 3 else "华南",
            f"R{k % 500:04d}",
            k % 7,
            None if k < 10 else ("客户甲" if k < BATCH + 10 else 45300),  # a number far down
        )
        for k in range(n)
    ]
    path = tmp_path / "sales.db"
    database(path, rows, "day, amount, region, rep, qty, customer")
    query = "SELECT * FROM t ORDER BY rowid"
    con = duckdb.connect()
    assert load(con, path, query) is True
    got = con.execute("SELECT * FROM q").fetchall()
    assert got == via_pandas(path, query)
    assert got[BATCH + 20][5] == "45300"  # as SQLite writes the number as text
    assert [t for _, t, *_ in con.execute("DESCRIBE q").fetchall()] == [
        "VARCHAR",
        "DOUBLE",
        "VARCHAR",
        "VARCHAR",
        "BIGINT",
        "VARCHAR",
    ]


@pytest.mark.parametrize(
    "values",
    [
        [100] * BATCH + [100.5],  # whole numbers, then decimals: the driver stops
        [None] * BATCH + [1.5],  # a first batch all empty
        ["￥140,007.87", 140_007.87],  # the driver would write 1.400079e+05
        [b"\x00\x01"],  # bytes
    ],
    ids=["decimals-later", "empty-first-batch", "text-and-numbers", "bytes"],
)
def test_what_the_driver_would_read_otherwise_is_left_to_the_sqlite3_module(tmp_path, values):
    path = tmp_path / "sales.db"
    database(path, [(v,) for v in values])
    con = duckdb.connect()
    assert load(con, path, "SELECT * FROM t") is False
    assert tables(con) == []


def test_a_query_of_two_statements_is_left_to_the_sqlite3_module_which_refuses_it(tmp_path):
    path = tmp_path / "sales.db"
    database(path, [(1.5,)])
    con = duckdb.connect()
    assert load(con, path, "SELECT * FROM t; SELECT 2 AS b") is False  # the driver: 1.5
    assert tables(con) == []
    assert load(con, path, "-- the orders\nSELECT * FROM t;") is True


def test_the_database_is_opened_read_only(tmp_path):
    path = tmp_path / "sales.db"
    database(path, [(1.5,), (2.5,)])
    before = path.read_bytes()
    con = duckdb.connect()
    assert load(con, path, "DELETE FROM t RETURNING a") is False
    assert path.read_bytes() == before
    assert tables(con) == []


def test_a_history_mixing_text_and_numbers_in_its_first_rows_keeps_every_cent(tmp_path):
    """Through open_source: the driver's `%e` text (1.400079e+05) is never summed."""
    amounts = ["￥140,007.87", 140_007.87, 12_345_678.91, "1,234.56"]
    rows = [("2026-01-05", a, "华东", "服务器", "企业", "R0001") for a in amounts]
    database(tmp_path / "sales.db", rows, "订单日期, 金额, 区域, 产品, 客户类型, 销售工号")
    columns = "订单日期=Period, 金额=Amount, 销售工号=RepID"
    source, query = "sqlite:///sales.db", "SELECT * FROM t"
    frame = sourced_history(tmp_path, date(2026, 1, 5), source, query, columns)
    assert frame["amount_cents"].sum() == 14_000_787 * 2 + 1_234_567_891 + 123_456


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server of the tests' own (tests/postgres.py) with the table o: orders in
    typed columns as a database holds them; yields its SQLAlchemy URL."""
    import psycopg

    from tests.postgres import postgres_server

    with postgres_server() as socket:
        with psycopg.connect(host=str(socket), user="postgres", dbname="postgres") as db:
            db.execute(
                "CREATE TABLE o (id serial, day date, placed timestamptz, amount numeric(14, 2), "
                "region text, qty integer, place point)"
            )
            with db.cursor().copy("COPY o (day, placed, amount, region, qty) FROM STDIN") as copy:
                for k in range(3_000):
                    copy.write_row(
                        (
                            date(2026, 1, 5 + k % 20),
                            f"2026-01-{5 + k % 20:02d} {k % 24:02d}:30+08",
                            f"{140_007 + k}.{k % 100:02d}",
                            "华东" if k % 3 else None,
                            None if k % 7 == 0 else k,
                        )
                    )
        yield f"postgresql+psycopg://postgres@/postgres?host={socket}"


def pg_load(con, url, query) -> bool:
    import sqlalchemy

    from xl_addin.workbook.sources import _arrow_uri

    arrow = _arrow_uri(sqlalchemy.engine.make_url(url))
    assert arrow is not None and arrow[0] == "postgresql"
    return arrowquery.load(con, *arrow, query, "q")


def test_postgresql_rows_read_as_arrow_equal_psycopgs(postgres):
    import sqlalchemy

    query = "SELECT day, placed, amount, region, qty FROM o ORDER BY id"
    con = duckdb.connect()
    assert pg_load(con, postgres, query) is True
    engine = sqlalchemy.create_engine(postgres)
    with engine.connect() as connection:
        frame = pd.read_sql_query(sqlalchemy.text(query), connection)
    engine.dispose()
    con.register("frame", frame)
    # a NUMERIC comes as its text, pandas gives a Decimal: the same cents either way
    same = """SELECT day, placed, round(CAST(amount AS DOUBLE) * 100) AS cents, region,
                     CAST(qty AS BIGINT) AS qty FROM {}"""
    got = con.execute(same.format("q")).fetchall()
    assert got == con.execute(same.format("frame")).fetchall()
    assert len(got) == 3_000 and got[1][2] == 14_000_801


def test_a_postgresql_type_arrow_cannot_carry_and_a_write_are_left_to_sqlalchemy(postgres):
    con = duckdb.connect()
    assert pg_load(con, postgres, "SELECT * FROM o") is False  # point: its bytes
    assert pg_load(con, postgres, "DELETE FROM o RETURNING id") is False  # read-only
    assert tables(con) == []
    assert pg_load(con, postgres, "SELECT count(*) AS n FROM o") is True
    assert con.execute("SELECT n FROM q").fetchone() == (3_000,)
