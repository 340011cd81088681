"""tblHistory and tblActuals from where they live (SPEC §16): CSV, Parquet, a glob of monthly
files, SQLite (typed or through an environment variable). The source changes nothing but
speed: a plan reading its history from any of them writes output sheets byte for byte those
of the same plan with the history pasted as a table.
"""

import csv
import os
import sqlite3
import zipfile

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pytest

from tests.e2e.test_order_actuals import TRACKED, as_orders, replace_rows, sheet_values, table_rows
from tests.examples import example_plan
from tests.workbook.test_coerce import ODD_ZONE, offset_changes
from tests.workbook.test_sourcehistory import sourced_history
from xl_addin.cli import main

OUTPUTS = ("Targets", "Breakdown", "Phasing", "Reconciliation")
# a CRM export's own headers, mapped in tblSources' Columns
CRM = {
    "Period": "订单日期",
    "Amount": "金额",
    "Region": "区域",
    "Product": "产品",
    "CustomerType": "客户类型",
    "RepID": "销售工号",
}
MAP = "订单日期=Period, 金额=Amount, 销售工号=RepID"  # 区域, 产品, 客户类型 are aliases already


def sheet_parts(path) -> dict[str, bytes]:
    """Each sheet's XML, by sheet name."""
    import re

    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
        targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
        out = {}
        for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', book):
            out[name] = z.read("xl/" + targets[rid].removeprefix("/xl/"))
    return out


def write_csv(path, header, rows, encoding="utf-8", delimiter=",") -> None:
    with open(path, "w", newline="", encoding=encoding) as f:
        out = csv.writer(f, delimiter=delimiter)
        out.writerow([*(CRM[h] for h in header), "备注"])  # and a column of the CRM's own
        for r in rows:
            out.writerow([f"{r[0]:%Y-%m-%d}", repr(r[1]), *r[2:], "—"])


def write_crm_csv(path, header, rows) -> None:
    """As a CRM exports orders: a time of day with each day, amounts with a yuan mark and
    thousands commas (the same cents)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow([*(CRM[h] for h in header), "备注"])
        for k, r in enumerate(rows):
            whole, _, cents = repr(r[1]).partition(".")
            amount = f"￥{int(whole):,}" + (f".{cents}" if cents else "")
            out.writerow([f"{r[0]:%Y/%m/%d} {8 + k % 12}:{k % 60:02d}", amount, *r[2:], "—"])


def set_source(wb, *row) -> None:
    ws = wb["Sources"]
    for j, v in enumerate((*row, None, None, None)[:4], start=1):
        ws.cell(2, j).value = v


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The example with its history pasted, and the same plan reading it from each source;
    every plan saved from one workbook object, so their styles are the same."""
    folder = tmp_path_factory.mktemp("sources")
    assert main(["init", str(folder / "plan.xlsx"), "--example", "--locale", "en"]) == 0
    wb = openpyxl.load_workbook(folder / "plan.xlsx")
    header, rows = table_rows(wb["SalesHistory"], "tblHistory")
    wb.save(folder / "pasted.xlsx")
    write_csv(folder / "orders.csv", header, rows)
    write_crm_csv(folder / "orders-crm.csv", header, rows)
    # as Excel saves "CSV" on a Chinese Windows, and "Unicode Text" (tab-separated UTF-16)
    write_csv(folder / "orders-gbk.csv", header, rows, encoding="gb18030")
    write_csv(folder / "orders-unicode.txt", header, rows, encoding="utf-16", delimiter="\t")
    (folder / "monthly").mkdir()
    for year in (2024, 2025, 2026):
        part = [r for r in rows if r[0].year == year]
        encoding = "gb18030" if year == 2025 else "utf-8"  # one export saved otherwise
        write_csv(folder / "monthly" / f"orders-{year}.csv", header, part, encoding=encoding)
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_csv('{folder / 'orders.csv'}')) TO '{folder / 'orders.parquet'}'"
    )
    with sqlite3.connect(folder / "sales.db") as db:
        db.execute(f"CREATE TABLE orders ({', '.join(CRM[h] for h in header)})")
        db.executemany(
            f"INSERT INTO orders VALUES ({', '.join('?' * len(header))})",
            [(f"{r[0]:%Y-%m-%d}", *r[1:]) for r in rows],
        )
        # SQLite types each value: the first order's amount typed as text, the rest numbers
        db.execute("CREATE TABLE orders_mixed AS SELECT * FROM orders ORDER BY rowid")
        db.execute(
            "UPDATE orders_mixed SET 金额 = '￥' || printf('%.2f', 金额) "
            "WHERE rowid = (SELECT min(rowid) FROM orders_mixed)"
        )
    replace_rows(wb["SalesHistory"], "tblHistory", header, [])  # an empty table
    wb["SalesHistory"].delete_rows(3, len(rows))  # and no empty cells left to save 9 times
    query = "SELECT * FROM orders ORDER BY rowid"
    variants = {
        "csv": ("tblHistory", "orders.csv", None, MAP),
        "crm": ("tblHistory", "orders-crm.csv", None, MAP),
        "gbk": ("tblHistory", "orders-gbk.csv", None, MAP),
        "utf16": ("tblHistory", "orders-unicode.txt", None, MAP),
        "parquet": ("tblHistory", "orders.parquet", None, MAP),
        "glob": ("历史销售", "monthly/orders-*.csv", None, MAP),
        "sqlite": ("tblHistory", "sqlite:///sales.db", query, MAP),
        "environment": ("tblHistory", "SALESPLAN_TEST_DB", query, MAP),
        "sqlite-mixed": (
            "tblHistory",
            "sqlite:///sales.db",
            "SELECT * FROM orders_mixed ORDER BY rowid",
            MAP,
        ),
        "postgresql": ("tblHistory", "SALESPLAN_TEST_PG", "SELECT * FROM orders ORDER BY id", MAP),
        # made by test_five_million_orders…: each history row as ORDERS orders
        "million-parquet": ("tblHistory", "orders-5m.parquet", None, MAP),
        "million-csv": ("tblHistory", "orders-5m.csv", None, MAP),
    }
    for name, row in variants.items():
        set_source(wb, *row)
        wb.save(folder / f"{name}.xlsx")
    return folder, header, rows


@pytest.mark.parametrize(
    "variant",
    ["csv", "crm", "gbk", "utf16", "parquet", "glob", "sqlite", "environment", "sqlite-mixed"],
)
def test_history_from_a_source_gives_the_very_sheets_of_history_pasted(made, variant, capsys):
    folder, _, _ = made
    pasted, sourced = folder / "pasted.xlsx", folder / f"{variant}.xlsx"
    os.environ["SALESPLAN_TEST_DB"] = f"sqlite:///{folder / 'sales.db'}"
    try:
        if not (folder / "pasted.decomposed").exists():
            assert main(["decompose", str(pasted)]) == 0
            (folder / "pasted.decomposed").touch()
        assert main(["decompose", str(sourced)]) == 0
    finally:
        del os.environ["SALESPLAN_TEST_DB"]
    out = capsys.readouterr().out
    assert "wrote sheets: Targets, Breakdown, Phasing, Reconciliation" in out
    expected, got = sheet_parts(pasted), sheet_parts(sourced)
    note = ENCODING_NOTES.get(variant)
    for sheet in OUTPUTS:
        if note and sheet == "Reconciliation":  # it lists the run's notes: one more
            continue
        assert got[sheet] == expected[sheet], sheet
    if note:  # said in the run's log and in the sheet's notes, and nothing else differs
        assert f"note: {note}" in out
        checks, notes = reconciliation(sourced)
        assert note in notes
        assert (checks, [n for n in notes if n != note]) == reconciliation(pasted)


GBK_NOTE = (
    " is not UTF-8: read as GB18030 (GBK), as Excel saves CSV on a Chinese Windows; if names in "
    "it look wrong, save it as CSV UTF-8"
)
ENCODING_NOTES = {
    "gbk": "orders-gbk.csv" + GBK_NOTE,
    "utf16": "orders-unicode.txt is not UTF-8: read as UTF-16, as Excel saves Unicode Text",
    "glob": "monthly/orders-2025.csv" + GBK_NOTE,
}


def reconciliation(path) -> tuple[list[tuple], list]:
    """The Reconciliation sheet's checks (columns A–F, as openpyxl reads them) and its notes
    (column G, beside them)."""
    ws = openpyxl.load_workbook(path)["Reconciliation"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    checks = [r[:6] for r in rows if any(v is not None for v in r[:6])]
    return checks, [r[6] for r in rows if len(r) > 6 and r[6] is not None]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_actuals_by_order_from_a_csv_track_as_the_weekly_table(tmp_path, encoding):
    weekly = example_plan(tmp_path / "weekly.xlsx", "en")  # actuals: the light example will do
    wb = openpyxl.load_workbook(weekly)
    header, rows = table_rows(wb["Actuals"], "tblActuals")
    import random

    order_header, orders = as_orders(header, rows, random.Random(16))
    with open(tmp_path / "crm actuals.csv", "w", newline="", encoding=encoding) as f:
        out = csv.writer(f)
        out.writerow(["成交日期", "工号", "金额", *order_header[3:]])
        for r in orders:
            out.writerow([f"{r[0]:%Y/%m/%d}", r[1], repr(r[2]), *r[3:]])
    replace_rows(wb["Actuals"], "tblActuals", header, [])
    set_source(wb, "tblActuals", "crm actuals.csv", None, "成交日期=Date")
    wb.save(tmp_path / "sourced.xlsx")
    for path in (weekly, tmp_path / "sourced.xlsx"):
        assert main(["track", str(path)]) == 0
    got, expected = sheet_values(tmp_path / "sourced.xlsx"), sheet_values(weekly)
    for sheet in TRACKED:
        assert got[sheet] == expected[sheet], sheet


def bad(made, tmp_path, row, files=None):
    """A copy of the csv plan with tblSources' row `row` (and `files` beside it)."""
    folder, header, rows = made
    wb = openpyxl.load_workbook(folder / "csv.xlsx")
    set_source(wb, *row)
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    for name, text in (files or {}).items():
        (tmp_path / name).write_bytes(text)
    return path, path.read_bytes()


SECRET = "s3cr3t-Pa55"


@pytest.mark.parametrize(
    ("row", "files", "says"),
    [
        (("tblHistory", "missing.csv"), None, "Sources!B2: no file missing.csv in "),
        (
            ("tblHistory", "broken.csv"),
            {"broken.csv": "订单日期,金额\n2026-01-05,".encode("gbk") + b"\x80\xff\n"},
            "Sources!B2: broken.csv is text in none of UTF-8, UTF-16 and GB18030 (GBK): line 2",
        ),
        (
            ("tblHistory", "mixed.csv"),
            {"mixed.csv": "订单日期,金额\n2026-01-05,1\n".encode() + "华东,2\n".encode("gbk")},
            "Sources!B2: mixed.csv is UTF-8 up to line 3, which is in another encoding",
        ),
        (
            ("tblHistory", "orders.xlsx"),
            None,
            "Sources!B2: orders.xlsx is neither a CSV or Parquet file nor a database — a "
            "spreadsheet is not read as a source: save the export as CSV",
        ),
        (
            ("tblHistory", "orders.json"),
            None,
            "orders.json is neither a CSV or Parquet file nor a database — give a file ending",
        ),
        (
            ("tblHistory", f"postgresql://planner:{SECRET}@db.example/sales", "SELECT 1"),
            None,
            "Sources!B2: a postgresql URL with a password is typed into the workbook",
        ),
        (
            ("tblHistory", "SALESPLAN_NOT_SET", "SELECT 1"),
            None,
            "Sources!B2: the environment variable SALESPLAN_NOT_SET is not set",
        ),
        (
            ("tblHistory", "sqlite:///sales.db", "SELECT * FROM no_such_table"),
            {"sales.db": b""},
            "Sources!C2: the Query on sqlite:///sales.db failed: ",
        ),
        (
            ("tblHistory", "sqlite:///sales.db"),
            None,
            "Sources!C2: sqlite:///sales.db is a database",
        ),
        (
            ("tblHistory", "orders.csv", None, "下单日期=Period"),
            {"orders.csv": "订单日期,金额\n2026-01-05,100\n".encode()},
            "Sources!D2: the source has no column 下单日期 (it has 订单日期, 金额)",
        ),
        (
            ("tblHistory", "orders.csv", None, "订单日期=Perid, 金额=Amount"),
            {"orders.csv": "订单日期,金额\n2026-01-05,100\n".encode()},
            "Sources!D2: Perid is not a column of tblHistory",
        ),
        (
            ("tblHistory", "orders.csv", None, "订单日期=Period"),
            {"orders.csv": "订单日期,金额\n2026-01-05,100\n2026-01-06,abc\n".encode()},
            'orders.csv:3: 金额 "abc" is not an amount',
        ),
        (("tblOrders", "orders.csv"), None, "Sources!A2: tblOrders is not a table a source can"),
        # SQLite made an empty file of a mistyped name, then said "no such table: orders"
        (
            ("tblHistory", "sqlite:///sales-2026.db", "SELECT * FROM orders"),
            None,
            "Sources!B2: no file sales-2026.db in ",
        ),
        # an export that failed: before, "the source has no column 订单日期 (it has column0)"
        (
            ("tblHistory", "empty.csv", None, MAP),
            {"empty.csv": b""},
            "Sources!B2: empty.csv is empty: it has no header row and no rows — export it again",
        ),
        (
            ("tblHistory", "month-*.csv", None, MAP),
            {
                "month-1.csv": "订单日期,金额\n2026-01-05,100\n".encode(),
                "month-2.csv": b"\xef\xbb\xbf\r\n",
            },
            "Sources!B2: month-2.csv is empty: it has no header row and no rows",
        ),
    ],
)
def test_a_bad_source_is_named_exit_2_nothing_written_no_credential_shown(
    made, tmp_path, capsys, row, files, says
):
    path, before = bad(made, tmp_path, row, files)
    assert main(["decompose", str(path)]) == 2
    captured = capsys.readouterr()
    assert says in captured.err
    assert SECRET not in captured.err + captured.out
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["plan.xlsx", *(files or {})])


def test_a_query_of_two_statements_is_refused_at_its_cell_and_runs_neither(made, tmp_path, capsys):
    """SQLite's Arrow driver would run the first statement and drop the second unseen."""
    folder, _, _ = made
    db = (folder / "sales.db").read_bytes()
    query = "SELECT * FROM orders; DELETE FROM orders"
    row = ("tblHistory", "sqlite:///sales.db", query, MAP)
    path, before = bad(made, tmp_path, row, {"sales.db": db})
    assert main(["decompose", str(path)]) == 2
    said = "Sources!C2: the Query on sqlite:///sales.db failed: You can only execute one statement"
    assert said in capsys.readouterr().err
    assert path.read_bytes() == before
    assert (tmp_path / "sales.db").read_bytes() == db


def test_a_parquet_file_corrupted_past_its_schema_is_named_at_its_cell(made, tmp_path, capsys):
    """Its schema opens; its data fails while the history is summed."""
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT DATE '2026-01-05' + (i % 300)::INT AS 订单日期, (i % 1000)::DOUBLE AS 金额, "
        "'North' AS 区域, 'Smart Devices' AS 产品, 'KA' AS 客户类型, 'S001' AS 销售工号 "
        f"FROM range(200000) t(i)) TO '{tmp_path / 'c.parquet'}' (COMPRESSION uncompressed)"
    )
    data = bytearray((tmp_path / "c.parquet").read_bytes())
    for k in range(len(data) // 4, len(data) // 2, 97):  # the data pages, not the footer
        data[k] ^= 0xFF
    path, before = bad(
        made, tmp_path, ("tblHistory", "corrupt.parquet", None, MAP), {"corrupt.parquet": data}
    )
    assert main(["decompose", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Sources!B2: corrupt.parquet cannot be read: " in err, err
    assert "check that it is a Parquet file" in err
    assert path.read_bytes() == before


def test_a_query_typed_for_a_file_is_refused_not_left_unused(made, tmp_path, capsys):
    """Before: the plan decomposed with every order of the file, the Query left unused without
    a word: a director filtering out cancelled orders would count them all the same."""
    folder, _, _ = made
    query = "SELECT * FROM orders WHERE 状态 <> '已取消'"
    files = {"orders.csv": (folder / "orders.csv").read_bytes()}
    path, before = bad(made, tmp_path, ("tblHistory", "orders.csv", query, MAP), files)
    assert main(["decompose", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        "Sources!C2: orders.csv is a file: a Query applies to a database only, and would not be "
        "applied to the file's rows — clear the Query; to leave rows out (cancelled orders)"
    ) in err, err
    assert path.read_bytes() == before
    path, _ = bad(made, tmp_path, ("tblHistory", "orders.csv", None, MAP), files)
    assert main(["decompose", str(path)]) == 0  # the same file without a Query


def test_an_export_downloaded_twice_is_named_not_counted_twice(made, tmp_path, capsys):
    """A browser saves a second download as `orders (1).csv`, which `orders*.csv` matches
    too. Before: every order of it counted twice, without a word."""
    folder, _, _ = made
    orders = (folder / "orders.csv").read_bytes()
    files = {"orders.csv": orders, "orders (1).csv": orders}
    path, before = bad(made, tmp_path, ("tblHistory", "orders*.csv", None, MAP), files)
    assert main(["decompose", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        "Sources!B2: orders.csv holds the very same bytes as orders (1).csv: its rows would be "
        "counted twice — delete one of the two"
    ) in err, err
    assert path.read_bytes() == before
    (tmp_path / "orders (1).csv").unlink()
    assert main(["decompose", str(path)]) == 0


def test_a_failing_database_never_shows_its_url_or_password(made, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SALES_DB", f"postgresql+nosuchdriver://planner:{SECRET}@db.example/s")
    path, before = bad(made, tmp_path, ("tblHistory", "SALES_DB", "SELECT 1"))
    assert main(["decompose", str(path)]) == 2
    captured = capsys.readouterr()
    assert "Sources!B2: the database URL of SALES_DB is not one salesplan can open" in captured.err
    assert SECRET not in captured.err + captured.out and "db.example" not in captured.err
    assert path.read_bytes() == before


def test_problems_in_a_csv_history_are_at_their_lines_with_the_same_coercion(
    made, tmp_path, capsys
):
    text = (
        "订单日期,金额,区域,产品,客户类型,销售工号\n"
        "2026-01-05,120万,North,Smart Devices,KA,S001\n"  # 万 is read, as in a cell
        '2026年1月6日,"1,200",North,Smart Devices,KA,S001\n'
        "2026-01-07,-5,North,Smart Devices,KA,S001\n"
        "someday,10,North,Smart Devices,KA,S001\n"
        "2026-01-08,,North,Smart Devices,KA,S001\n"
        "2026-01-09,1000000000000000,North,Smart Devices,KA,S001\n"  # 10**15: refused, as in a cell
    )
    path, before = bad(
        made, tmp_path, ("tblHistory", "odd.csv", None, MAP), {"odd.csv": text.encode()}
    )
    assert main(["decompose", str(path)]) == 2
    err = capsys.readouterr().err
    assert 'odd.csv:5: Period "someday" is not a date' in err
    assert "odd.csv:6: Amount is empty" in err
    assert 'odd.csv:7: Amount "1000000000000000" is not an amount' in err
    assert "odd.csv:2" not in err and "odd.csv:3" not in err
    assert path.read_bytes() == before


# an export as a CRM writes it: a title above the header, a note over two lines, empty lines
TITLED = (
    "销售订单导出 2026年\n"
    "\n"
    "订单日期,金额,区域,产品,客户类型,销售工号,备注\n"
    '2026-01-05,100,North,Smart Devices,KA,S001,"first line\nsecond line"\n'  # lines 4–5
    "\n"
    "2026-01-06,abc,North,Smart Devices,KA,S001,\n"  # line 7
    "2026-01-07,5,North,Smart Devices,KA,S001,x\n"
    "\n"
    "\n"
    "someday,5,North,Smart Devices,KA,S001,x\n"  # line 11
)


def test_problems_are_at_the_lines_a_text_editor_shows_past_titles_empty_lines_and_notes(
    made, tmp_path, capsys
):
    """DuckDB skips a title above the header and empty lines, and reads a quoted note over
    two lines as one record: the problems still name the lines the file has them on."""
    (tmp_path / "monthly").mkdir()
    files = {"titled.csv": TITLED.encode(), "monthly/a.csv": TITLED.encode("gbk")}
    files["monthly/b.csv"] = TITLED.encode()
    for source in ("titled.csv", "monthly/*.csv"):
        path, before = bad(made, tmp_path, ("tblHistory", source, None, MAP), files)
        assert main(["decompose", str(path)]) == 2
        err = capsys.readouterr().err
        at = "titled.csv" if source == "titled.csv" else "monthly/b.csv"  # its second file
        assert f'{at}:7: Amount "abc" is not an amount' in err, err
        assert f'{at}:11: Period "someday" is not a date' in err, err
        assert path.read_bytes() == before


def test_actuals_problems_are_at_their_lines_past_titles_empty_lines_and_notes(tmp_path, capsys):
    weekly = example_plan(tmp_path / "weekly.xlsx", "en")
    wb = openpyxl.load_workbook(weekly)
    header, rows = table_rows(wb["Actuals"], "tblActuals")
    replace_rows(wb["Actuals"], "tblActuals", header, [])
    set_source(wb, "tblActuals", "actuals.csv")
    wb.save(tmp_path / "sourced.xlsx")
    text = (
        "Exported 2026-10-20\n"
        "Week,RepID,Amount,Note\n"
        '1,S001,100,"two\nlines"\n'  # lines 3–4
        "\n"
        "2,S001,abc,\n"  # line 6
    )
    (tmp_path / "actuals.csv").write_text(text, encoding="utf-8")
    before = (tmp_path / "sourced.xlsx").read_bytes()
    assert main(["track", str(tmp_path / "sourced.xlsx")]) == 2
    err = capsys.readouterr().err
    assert 'actuals.csv:6: Amount "abc"' in err, err
    assert (tmp_path / "sourced.xlsx").read_bytes() == before


# lines a CRM writes wrongly: a value holding the delimiter but not in quotes, a value left
# out, a quote never closed; each at a line DuckDB's sniffer looks at, and far below the
# lines it samples (20,480), where only the read meets it
GOOD_LINE = "2026-01-05,{k},North,Smart Devices,KA,S001,x"
WRONG = {
    "more": ("2026-01-05,1,North,Smart Devices,KA,S001,Acme, Inc.", "this line has 8 values "
             "where the header has 7: 2026-01-05,1,North,Smart Devices,KA,S001,Acme, Inc. — a "
             "value that holds the delimiter (,) must be in double quotes"),
    "fewer": ("2026-01-05,1,North,KA,S001,x", "this line has 6 values where the header has 7: "
              "2026-01-05,1,North,KA,S001,x — every line needs the header's 7 values"),
    "quote": ('2026-01-05,1,North,"Smart Devices,KA,S001,x', "a double quote opened on this "
              'line is not closed: 2026-01-05,1,North,"Smart Devices,KA,S001,x — close the'),
}  # fmt: skip


def wrong_csv(line: int, wrong: str, lines: int = 25_000) -> str:
    """A history export of `lines` data lines whose line `line` (1-based, the header is 1)
    is WRONG[wrong]."""
    rows = [GOOD_LINE.format(k=k) for k in range(2, lines + 2)]
    rows[line - 2] = WRONG[wrong][0]
    return "订单日期,金额,区域,产品,客户类型,销售工号,备注\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize("wrong", sorted(WRONG))
@pytest.mark.parametrize("line", [100, 24_000])
def test_a_csv_line_that_does_not_split_is_named_at_its_line_with_what_to_do(
    made, tmp_path, capsys, wrong, line
):
    """Before: a wrong line among those sniffed made DuckDB read the whole line as one
    column ("the source has no column 订单日期 (it has 订单日期,金额,…)"), and one further down
    gave DuckDB's own first line ("cannot be read: Invalid Input Error: CSV Error on Line")."""
    text = wrong_csv(line, wrong)
    path, before = bad(
        made, tmp_path, ("tblHistory", "lines.csv", None, MAP), {"lines.csv": text.encode()}
    )
    assert main(["decompose", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"lines.csv:{line}: {WRONG[wrong][1]}" in err, err
    assert err.count("lines.csv") == 1 and "Invalid Input" not in err
    assert path.read_bytes() == before


def test_a_wrong_line_is_named_in_a_gbk_file_of_a_glob_and_in_actuals(made, tmp_path, capsys):
    """Read through a UTF-8 copy (GBK), in the second file of a glob, and in tblActuals past
    a note over two lines: the line is named as the file the user has shows it."""
    (tmp_path / "monthly").mkdir()
    files = {
        "monthly/a.csv": wrong_csv(2, "more", 30).replace(WRONG["more"][0], GOOD_LINE).encode(),
        "monthly/b.csv": wrong_csv(30, "more", 50).encode("gbk"),
    }
    path, before = bad(made, tmp_path, ("tblHistory", "monthly/*.csv", None, MAP), files)
    assert main(["decompose", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"monthly/b.csv:30: {WRONG['more'][1]}" in err, err
    assert path.read_bytes() == before

    weekly = example_plan(tmp_path / "weekly.xlsx", "en")
    wb = openpyxl.load_workbook(weekly)
    header, _ = table_rows(wb["Actuals"], "tblActuals")
    replace_rows(wb["Actuals"], "tblActuals", header, [])
    set_source(wb, "tblActuals", "actuals.csv")
    wb.save(tmp_path / "sourced.xlsx")
    lines = ["1,S001,100,x"] * 40
    lines[3] = '1,S001,100,"a note\nover two lines"'  # lines 5–6: one line to DuckDB
    lines[25] = '1,S001,"100,x'  # line 28 (DuckDB: 27)
    (tmp_path / "actuals.csv").write_text("Week,RepID,Amount,Note\n" + "\n".join(lines) + "\n")
    before = (tmp_path / "sourced.xlsx").read_bytes()
    assert main(["track", str(tmp_path / "sourced.xlsx")]) == 2
    err = capsys.readouterr().err
    assert 'actuals.csv:28: a double quote opened on this line is not closed: 1,S001,"100,x' in err
    assert (tmp_path / "sourced.xlsx").read_bytes() == before


ORDERS = 153  # × 32,691 example history rows: 5,001,723 orders


def test_five_million_orders_in_parquet_and_csv_give_the_sheets_of_their_sums_pasted(made, capsys):
    """The example's history rows, each split into ORDERS orders of the same day (the cents
    shared out exactly), decompose as the rows themselves pasted (AvgDealSize is set in the
    example, so the number of orders does not enter)."""
    folder, header, rows = made
    con = duckdb.connect()
    con.execute(f"CREATE TABLE h AS SELECT * FROM read_csv('{folder / 'orders.csv'}')")
    con.execute(
        f"""CREATE TABLE orders AS SELECT 订单日期, 区域, 产品, 客户类型, 销售工号,
               (c // {ORDERS} + CASE WHEN i < c % {ORDERS} THEN 1 ELSE 0 END) / 100.0 AS 金额
            FROM (SELECT *, CAST(round(金额 * 100) AS BIGINT) AS c FROM h), range({ORDERS}) t(i)"""
    )
    assert con.execute("SELECT count(*) FROM orders").fetchone()[0] == len(rows) * ORDERS > 5e6
    con.execute(f"COPY orders TO '{folder / 'orders-5m.parquet'}'")
    con.execute(f"COPY orders TO '{folder / 'orders-5m.csv'}' (HEADER)")
    pasted = folder / "pasted.xlsx"
    if not (folder / "pasted.decomposed").exists():
        assert main(["decompose", str(pasted)]) == 0
        (folder / "pasted.decomposed").touch()
    expected = sheet_parts(pasted)
    for variant in ("million-parquet", "million-csv"):
        assert main(["decompose", str(folder / f"{variant}.xlsx")]) == 0
        got = sheet_parts(folder / f"{variant}.xlsx")
        for sheet in OUTPUTS:
            assert got[sheet] == expected[sheet], (variant, sheet)
    capsys.readouterr()


def test_an_amount_typed_as_text_far_down_a_csv_is_read_as_in_a_cell(made, tmp_path):
    """DuckDB types a CSV's Amount from its first rows; 12.5万 on the last line is read by
    the reader's coercion all the same (and a row of nothing is skipped, as in a table)."""
    from engine.money import to_cents
    from xl_addin.workbook.filebook import FileBook
    from xl_addin.workbook.reader import read_plan

    folder, header, rows = made
    lines = (folder / "orders.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) > 30_000  # beyond the rows DuckDB samples for a column's type
    last = lines[-1].split(",")
    last[1] = "12.5万"
    text = "\n".join([*lines[:-1], ",,,,,,", ",".join(last)]) + "\n"
    path, _ = bad(
        made, tmp_path, ("tblHistory", "late.csv", None, MAP), {"late.csv": text.encode()}
    )
    history = read_plan(FileBook(path)).history
    cents = to_cents([r[1] for r in rows])
    assert history["amount_cents"].sum() == cents.sum() - cents[-1] + 12_500_000
    assert history["_rows"].sum() == len(rows)
    # the plan keeps no way back into the source's DuckDB (which is closed: its memory freed)
    assert "locate_value" not in history.attrs


def test_gbk_first_met_beyond_the_first_mib_is_read_as_gbk(made, tmp_path, capsys):
    """An export whose first MiB is ASCII is read by DuckDB as UTF-8; an amount typed 12.5万
    in GBK on its last line makes it read again, decoded, and say so."""
    from engine.money import to_cents
    from xl_addin.workbook.filebook import FileBook
    from xl_addin.workbook.reader import read_plan

    folder, header, rows = made
    lines = ["Period,Amount,Region,Product,CustomerType,RepID"]
    lines += [f"{r[0]:%Y-%m-%d},{r[1]!r},{','.join(r[2:])}" for r in rows]
    last = lines[-1].split(",")
    lines[-1] = ",".join([last[0], "12.5万", *last[2:]])
    data = "\n".join(lines[:-1]).encode("ascii") + b"\n" + lines[-1].encode("gbk") + b"\n"
    assert len(data) - len(lines[-1].encode("gbk")) > (1 << 20)  # beyond the first MiB
    path, before = bad(made, tmp_path, ("tblHistory", "late.csv"), {"late.csv": data})
    plan_reader = FileBook(path)
    history = read_plan(plan_reader).history
    plan_reader.close()
    cents = to_cents([r[1] for r in rows])
    assert history["amount_cents"].sum() == cents.sum() - cents[-1] + 12_500_000
    assert history["_rows"].sum() == len(rows)
    assert main(["decompose", str(path)]) == 0
    assert "note: late.csv" + GBK_NOTE in capsys.readouterr().out


def test_history_from_postgresql_gives_the_very_sheets_of_history_pasted(made, monkeypatch):
    """A real PostgreSQL server (tests/postgres.py), the orders in typed columns (DATE,
    NUMERIC(14, 2)) as a database holds them, read through SQLAlchemy and psycopg."""
    import psycopg

    from tests.postgres import postgres_server

    folder, header, rows = made
    with postgres_server() as socket:
        with psycopg.connect(host=str(socket), user="postgres", dbname="postgres") as db:
            db.execute(
                "CREATE TABLE orders (id serial, 订单日期 date, 金额 numeric(14, 2), 区域 text, "
                "产品 text, 客户类型 text, 销售工号 text)"
            )
            with db.cursor().copy(
                "COPY orders (订单日期, 金额, 区域, 产品, 客户类型, 销售工号) FROM STDIN"
            ) as copy:
                for r in rows:
                    copy.write_row((r[0].date(), repr(r[1]), *r[2:]))
        url = f"postgresql+psycopg://postgres@/postgres?host={socket}"
        monkeypatch.setenv("SALESPLAN_TEST_PG", url)
        pasted = folder / "pasted.xlsx"
        if not (folder / "pasted.decomposed").exists():
            assert main(["decompose", str(pasted)]) == 0
            (folder / "pasted.decomposed").touch()
        assert main(["decompose", str(folder / "postgresql.xlsx")]) == 0
    expected, got = sheet_parts(pasted), sheet_parts(folder / "postgresql.xlsx")
    for sheet in OUTPUTS:
        assert got[sheet] == expected[sheet], sheet


def test_orders_timestamped_with_a_zone_fall_in_the_week_of_their_local_day(tmp_path, in_zone):
    """A Parquet export with TIMESTAMPTZ order times, read on a computer in Beijing: an order
    at 00:30 on Monday is in that Monday's week, as the same orders with local times are."""
    import datetime as dt

    in_zone("Asia/Shanghai")
    con = duckdb.connect()
    local = ["2026-01-04 23:30", "2026-01-05 00:30", "2026-01-11 23:59", "2026-01-12 07:59"]
    for name, kind, zone in (("zoned", "TIMESTAMPTZ", "+08"), ("local", "TIMESTAMP", "")):
        rows = " UNION ALL ".join(
            f"SELECT {kind} '{t}{zone}' AS Period, {k + 1}.25 AS Amount, 'North' AS Region"
            for k, t in enumerate(local)
        )
        con.execute(f"COPY ({rows}) TO '{tmp_path / name}.parquet'")
    zoned, plain = (
        sourced_history(tmp_path, dt.date(2026, 1, 5), f"{name}.parquet")
        for name in ("zoned", "local")
    )
    days = [pd.Timestamp(f"2026-01-{d}") for d in ("04", "11", "12")]  # each week's last
    assert zoned["period"].tolist() == plain["period"].tolist() == days
    assert zoned["amount_cents"].tolist() == plain["amount_cents"].tolist() == [125, 550, 425]


@pytest.mark.parametrize("zone", ["America/New_York", "Australia/Lord_Howe", ODD_ZONE])
def test_zoned_order_times_sum_into_the_days_of_their_local_times(tmp_path, in_zone, zone):
    """Zoned order times are summed by local day in DuckDB (each quarter hour's day worked
    out once): the sums must be those of the same orders with their local times written out
    one by one (fromtimestamp: the second method), around every change of offset too."""
    import datetime as dt

    in_zone(zone)
    rng = np.random.default_rng(14)
    changes = np.array(offset_changes(1_735_689_600, 1_798_761_600), dtype=np.float64)
    seconds = np.concatenate(
        [
            (changes[:, None] + np.arange(-7_200, 7_200, 37.5)).ravel(),  # 2025-2026
            rng.uniform(1_736_000_000, 1_798_000_000, 20_000),
        ]
    )
    local = [dt.datetime.fromtimestamp(t) for t in seconds.tolist()]
    orders = pd.DataFrame(
        {
            "zoned": pd.to_datetime(seconds, unit="s", utc=True),
            "local": pd.Series(local, dtype="datetime64[us]"),
            "Amount": (np.arange(len(seconds)) % 997 + 1) / 4,
            "Region": "North",
        }
    )
    con = duckdb.connect()
    con.register("orders", orders)
    for name in ("zoned", "local"):
        con.execute(
            f"COPY (SELECT {name} AS Period, Amount, Region FROM orders) "
            f"TO '{tmp_path / name}.parquet'"
        )
    zoned, plain = (
        sourced_history(tmp_path, dt.date(2025, 1, 6), f"{name}.parquet")
        for name in ("zoned", "local")
    )
    kind = f"SELECT typeof(Period) FROM '{tmp_path / 'zoned.parquet'}' LIMIT 1"
    assert con.execute(kind).fetchone() == ("TIMESTAMP WITH TIME ZONE",)
    pd.testing.assert_frame_equal(zoned.drop(columns="_row"), plain.drop(columns="_row"))


def test_postgresql_timestamptz_orders_fall_in_the_week_of_their_local_day(
    monkeypatch, tmp_path, in_zone
):
    """A database's `timestamptz` comes through pandas in UTC: on a computer in Beijing an order
    at 00:30 on Monday is still in that Monday's week (the same sums as the zoned Parquet)."""
    import datetime as dt

    import psycopg

    from tests.postgres import postgres_server

    in_zone("Asia/Shanghai")
    with postgres_server() as socket:
        with psycopg.connect(host=str(socket), user="postgres", dbname="postgres") as db:
            db.execute("CREATE TABLE o (t timestamptz, amount numeric(14, 2), region text)")
            for k, t in enumerate(["04 23:30", "05 00:30", "11 23:59", "12 07:59"]):
                db.execute("INSERT INTO o VALUES (%s, %s, 'North')", (f"2026-01-{t}+08", k + 1.25))
        url = f"postgresql+psycopg://postgres@/postgres?host={socket}"
        monkeypatch.setenv("SALESPLAN_TEST_PG_TZ", url)
        query = "SELECT t AS Period, amount AS Amount, region AS Region FROM o"
        frame = sourced_history(tmp_path, dt.date(2026, 1, 5), "SALESPLAN_TEST_PG_TZ", query)
    days = [pd.Timestamp(f"2026-01-{d}") for d in ("04", "11", "12")]  # each week's last
    assert frame["period"].tolist() == days
    assert frame["amount_cents"].tolist() == [125, 550, 425]
