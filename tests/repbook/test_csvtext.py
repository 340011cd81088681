"""CSV files salesplan writes neutralise formula starts, and read back as they were typed."""

from __future__ import annotations

import csv
import itertools

from xl_addin.repbook.collect import _passwords
from xl_addin.repbook.csvtext import FORMULA_STARTS, neutral, original
from xl_addin.repbook.encrypt import write_password_list

TYPED = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "-1+2",
    "+86 138",
    "@SUM(A1)",
    "|calc",
    "\t=1",
    "\r=1",
    "'t Hooft",  # a name that really starts with an apostrophe
    "'=1+2",  # an apostrophe typed before a formula
    "''-3",
    "'",
    "",
    "Zhang Wei",
    "张伟",
    "a=b",
]


def test_every_cell_that_a_spreadsheet_would_run_gets_one_apostrophe():
    assert neutral('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert neutral("|calc") == "'|calc"
    assert neutral("-1+2") == "'-1+2"
    assert neutral("\t=1") == "'\t=1"
    assert neutral("'=1+2") == "''=1+2"  # else it would read back as =1+2
    assert neutral("'t Hooft") == "'t Hooft"  # nothing to neutralise, nothing added
    assert neutral("Zhang Wei") == "Zhang Wei" and neutral(None) == ""
    for text in TYPED:
        assert not neutral(text).startswith(FORMULA_STARTS), text
        assert original(neutral(text)) == text, text


def test_reading_back_gives_exactly_what_was_written_for_every_short_text():
    """Every text of up to four characters from apostrophes, formula starts and a letter."""
    alphabet = ["'", *FORMULA_STARTS, "a"]
    for n in range(5):
        for chars in itertools.product(alphabet, repeat=n):
            text = "".join(chars)
            cell = neutral(text)
            assert not cell.startswith(FORMULA_STARTS) and original(cell) == text, repr(text)


def test_the_password_list_neutralises_names_and_collect_reads_them_back(tmp_path):
    path = tmp_path / "passwords.csv"
    rows = [
        {"RepID": rep_id, "Name": name, "File": f"{rep_id}_{name}_2026-01-05.xlsx", "Password": p}
        for rep_id, name, p in [
            ("=R1", "=cmd|' /C calc'!A0", "Ab3dEf5hJk7mNp"),
            ("'R2", "'t Hooft", "'Bc4eFg6jKm8pQ"),  # a password may start with an apostrophe
            ("'-R3", "|calc", "Cd5fGh7kMn9qRs"),
            ("R4", "-1+2", "De6gHj8mNp2rSt"),
        ]
    ]
    write_password_list(path, rows)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        cells = list(csv.reader(fh))[1:]
    for written, row in zip(cells, rows, strict=True):
        assert written == [neutral(row[k]) for k in ("RepID", "Name", "File")] + [row["Password"]]
        assert not any(c.startswith(FORMULA_STARTS) for c in written)
    assert _passwords(path) == {
        **{row["File"]: row["Password"] for row in rows},
        **{f"rep:{row['RepID']}": row["Password"] for row in rows},
    }
