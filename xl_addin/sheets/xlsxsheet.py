"""XlsxWriter's worksheet, with its preparation of a formula made cheap where it changes
nothing.

XlsxWriter prepares every formula it is given with some thirty regular-expression
substitutions, one for each dynamic-array function it would prefix with `_xlfn.` (FILTER,
XLOOKUP…): about a fifth of the CPU of a responsibility workbook, whose formulas use none of
those functions; and a conditional format's formula (or any formula of a sheet that asks
for Excel's future functions) with some 125 more, one for each function newer than Excel
2007 (CONCAT, STDEV.S…). `Worksheet` first searches the formula once for any of the names
it would be searched for: a formula without one comes back as XlsxWriter's preparation
gives it (the leading = and any array braces taken off), any other formula is XlsxWriter's
to prepare. The names are those of XlsxWriter 3 (setup.cfg keeps it below 4);
tests/repbook/test_xlsxsheet.py reads them from XlsxWriter's own table of them (3.3.4 on,
which searches once for any function name and looks it up) or from its source (before), so
a version that prefixes another function fails there, not in a user's file.
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
FUTURE = (
    "ACOTH", "ACOT", "AGGREGATE", "ARABIC", "ARRAYTOTEXT", "BASE", "BETA.DIST", "BETA.INV",
    "BINOM.DIST.RANGE", "BINOM.DIST", "BINOM.INV", "BITAND", "BITLSHIFT", "BITOR", "BITRSHIFT",
    "BITXOR", "CEILING.MATH", "CEILING.PRECISE", "CHISQ.DIST.RT", "CHISQ.DIST", "CHISQ.INV.RT",
    "CHISQ.INV", "CHISQ.TEST", "COMBINA", "CONCAT", "CONFIDENCE.NORM", "CONFIDENCE.T", "COTH",
    "COT", "COVARIANCE.P", "COVARIANCE.S", "CSCH", "CSC", "DAYS", "DECIMAL", "ERF.PRECISE",
    "ERFC.PRECISE", "EXPON.DIST", "F.DIST.RT", "F.DIST", "F.INV.RT", "F.INV", "F.TEST",
    "FILTERXML", "FLOOR.MATH", "FLOOR.PRECISE", "FORECAST.ETS.CONFINT",
    "FORECAST.ETS.SEASONALITY", "FORECAST.ETS.STAT", "FORECAST.ETS", "FORECAST.LINEAR",
    "FORMULATEXT", "GAMMA.DIST", "GAMMA.INV", "GAMMALN.PRECISE", "GAMMA", "GAUSS",
    "HYPGEOM.DIST", "IFNA", "IFS", "IMAGE", "IMCOSH", "IMCOT", "IMCSCH", "IMCSC", "IMSECH",
    "IMSEC", "IMSINH", "IMTAN", "ISFORMULA", "ISOMITTED", "ISOWEEKNUM", "LET", "LOGNORM.DIST",
    "LOGNORM.INV", "MAXIFS", "MINIFS", "MODE.MULT", "MODE.SNGL", "MUNIT", "NEGBINOM.DIST",
    "NORM.DIST", "NORM.INV", "NORM.S.DIST", "NORM.S.INV", "NUMBERVALUE", "PDURATION",
    "PERCENTILE.EXC", "PERCENTILE.INC", "PERCENTRANK.EXC", "PERCENTRANK.INC", "PERMUTATIONA",
    "PHI", "POISSON.DIST", "QUARTILE.EXC", "QUARTILE.INC", "QUERYSTRING", "RANK.AVG", "RANK.EQ",
    "RRI", "SECH", "SEC", "SHEETS", "SHEET", "SKEW.P", "STDEV.P", "STDEV.S", "T.DIST.2T",
    "T.DIST.RT", "T.DIST", "T.INV.2T", "T.INV", "T.TEST", "TEXTAFTER", "TEXTBEFORE", "TEXTJOIN",
    "UNICHAR", "UNICODE", "VALUETOTEXT", "VAR.P", "VAR.S", "WEBSERVICE", "WEIBULL.DIST",
    "XMATCH", "XOR", "Z.TEST"
)  # fmt: skip
# A name followed by "(" anywhere, whole or not (XlsxWriter's `\bNAME\(` finds fewer), and
# INGLE( (XlsxWriter's `\SINGLE\(` takes any character before it): XlsxWriter's to prepare.
_PREFIXED = re.compile("|".join([*(re.escape(name) + r"\(" for name in DYNAMIC), r"INGLE\("]))
# XlsxWriter searches for each as `\bNAME\(`, its dots matching any character: so do we, at once.
_FUTURE = re.compile(r"\b(?:" + "|".join(FUTURE) + r")\(")


class Worksheet(XlsxWorksheet):
    def _prepare_formula(self, formula, expand_future_functions=False):
        bare = formula[1:] if formula.startswith("{") else formula
        bare = bare[1:] if bare.startswith("=") else bare
        bare = bare[:-1] if bare.endswith("}") else bare
        future = self.use_future_functions or expand_future_functions
        if _PREFIXED.search(bare) or (future and _FUTURE.search(bare)):
            return super()._prepare_formula(formula, expand_future_functions)
        return bare
