"""The line each CSV record starts on (csvlines.py), checked against DuckDB's own records: the
k-th record DuckDB reads must begin on the line found for it."""

from __future__ import annotations

import duckdb
import pytest

from xl_addin.workbook.csvlines import record_lines
from xl_addin.workbook.sources import csv_reader, sniffed

FILES = {
    "plain": "id,amount\nA1,1\nA2,2\nA3,3\n",
    "trailing empty lines": "id,amount\nA1,1\nA2,2\n\n\n",
    "empty lines": "id,amount\nA1,1\n\nA2,2\n\n\nA3,3\n",
    "crlf and empty lines": "id,amount\r\nA1,1\r\n\r\nA2,2\r\nA3,3\r\n",
    "a note over lines": 'id,amount,note\nA1,1,"one\ntwo\nthree"\nA2,2,x\n\nA3,3,"a ""quoted"" word\nand more"\nA4,4,y\n',
    "a title above": "Orders exported 2026-10-20\n\nid,amount\nA1,1\n\nA2,2\n",
    "semicolons": 'id;amount;note\nA1;1;"x\ny"\nA2;2;z\n',
    "a row of nothing": "id,amount,note\nA1,1,x\n,,\nA2,2,y\n",
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_record_starts_on_the_line_found_for_it(tmp_path, name):
    path = tmp_path / "x.csv"
    text = FILES[name]
    path.write_bytes(text.encode())
    con = duckdb.connect()
    dialect, types = sniffed(con, str(path))
    read = csv_reader([str(path)], dialect, {c: "VARCHAR" for c in types}, False)
    ids = [r[0] for r in con.execute(f"SELECT * FROM {read}").fetchall()]
    lines = record_lines(str(path), dialect)
    text_lines = text.replace("\r\n", "\n").split("\n")
    if lines is None:  # each record one line, right below the header
        lines = range(int(dialect["skip"]) + 2, int(dialect["skip"]) + 2 + len(ids))
    assert len(lines) == len(ids)
    for record_id, line in zip(ids, lines, strict=True):
        first = text_lines[line - 1].split(dialect["delim"])[0]
        assert first == (record_id or ""), (name, record_id, line)
