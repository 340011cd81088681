"""Text in the CSV files salesplan writes (manifest.csv, passwords.csv), safe to open in a
spreadsheet (SPEC §13; OWASP's advice on CSV injection).

A cell of user text that a spreadsheet would run as a formula or a command (it starts with
`= + - @ |`, a tab or a carriage return) is written with an apostrophe before it, and a
cell that then starts with apostrophes and one of those (a name typed as `'=x`) gets one
more, so that `original` gives back exactly what was written, whatever it was: it removes
the one apostrophe that `neutral` adds, and leaves a name that really starts with an
apostrophe (`'t Hooft`) as it is. Numbers salesplan writes (amounts, counts) are not text
and are written as numbers.
"""

from __future__ import annotations

import re

# A cell starting with one of these is read as a formula (or a DDE command) by a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "|", "\t", "\r")
_NEEDS_APOSTROPHE = re.compile("'*[" + re.escape("".join(FORMULA_STARTS)) + "]")


def neutral(value: object) -> str:
    """`value` as text that a spreadsheet opening the CSV shows and never runs."""
    text = "" if value is None else str(value)
    return "'" + text if _NEEDS_APOSTROPHE.match(text) else text


def original(cell: str) -> str:
    """What `neutral` was given, from the cell it wrote."""
    if cell.startswith("'") and _NEEDS_APOSTROPHE.match(cell, 1):
        return cell[1:]
    return cell
