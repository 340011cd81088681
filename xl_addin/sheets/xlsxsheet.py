"""XlsxWriter's worksheet, with its preparation of a formula made cheap where it changes
nothing.

XlsxWriter prepares every formula it is given with some thirty regular-expression
substitutions, one for each dynamic-array function it would prefix with `_xlfn.` (FILTER,
XLOOKUP…): about a fifth of the CPU of a responsibility workbook, whose formulas use none of
those functions. `Worksheet` first searches the formula once for any of their names: a
formula without one comes back as XlsxWriter's preparation gives it (the leading = and any
array braces taken off), any other formula is XlsxWriter's to prepare, as are all formulas
of a sheet that asks for Excel's future functions. The names are those of XlsxWriter 3
(setup.cfg keeps it below 4); tests/sheets/test_xlsxsheet.py reads them from XlsxWriter's own
source, so a version that prefixes another function fails there, not in a user's file.
"""

from __future__ import annotations

import re

from xlsxwriter.worksheet import Worksheet as XlsxWorksheet

DYNAMIC = (
    "ANCHORARRAY", "BYCOL", "BYROW", "CHOOSECOLS", "CHOOSEROWS", "DROP", "EXPAND", "FILTER",
    "HSTACK", "LAMBDA", "MAKEARRAY", "MAP", "RANDARRAY", "REDUCE", "SCAN", "SINGLE",
    "SEQUENCE", "SORT", "SORTBY", "SWITCH", "TAKE", "TEXTSPLIT", "TOCOL", "TOROW", "UNIQUE",
    "VSTACK", "WRAPCOLS", "WRAPROWS", "XLOOKUP",
)  # fmt: skip
# A name followed by "(" anywhere, whole or not (XlsxWriter's `\bNAME\(` finds fewer), and
# INGLE( (XlsxWriter's `\SINGLE\(` takes any character before it): XlsxWriter's to prepare.
_PREFIXED = re.compile("|".join([*(re.escape(name) + r"\(" for name in DYNAMIC), r"INGLE\("]))


class Worksheet(XlsxWorksheet):
    def _prepare_formula(self, formula, expand_future_functions=False):
        bare = formula[1:] if formula.startswith("{") else formula
        bare = bare[1:] if bare.startswith("=") else bare
        bare = bare[:-1] if bare.endswith("}") else bare
        if self.use_future_functions or expand_future_functions or _PREFIXED.search(bare):
            return super()._prepare_formula(formula, expand_future_functions)
        return bare
