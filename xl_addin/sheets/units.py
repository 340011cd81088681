"""The plan's display Unit (SPEC §15): one table of units, used by every sheet, letter and mail.

Cells hold yuan; a number format shows them in the Unit, and the header names the Unit
(`目标（万元）`, `Target (10k CNY)`). A sentence carries the Unit after the amount
(`152.9万元`, `1,529.0 × 10k CNY`), to as many decimals as the cells show.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

UNITS = {  # Unit -> (decimals shown, English name, Chinese name, after an amount in English)
    1: (0, "CNY", "元", " CNY"),
    1000: (0, "k CNY", "千元", " thousand CNY"),
    10_000: (1, "10k CNY", "万元", " × 10k CNY"),
    1_000_000: (1, "m CNY", "百万元", " million CNY"),
}
YUAN = 1  # commission and other money to the cent are shown in yuan whatever the Unit


def known(unit: int) -> int:
    """The Unit as salesplan can show it: any other value shows yuan."""
    return unit if unit in UNITS else YUAN


def unit_name(unit: int, locale: str) -> str:
    _, en, zh, _ = UNITS[known(unit)]
    return en if locale == "en" else zh


def money_format(unit: int) -> str:
    """The number format that shows yuan in the Unit.

    万元 has no thousands-style scaling in Excel; `0\\.0,` divides by 1,000 and moves the
    decimal point one place, which shows 6,382,000 as 638.2 (万).
    """
    return {1: "#,##0", 1000: "#,##0,", 10_000: "0\\.0,", 1_000_000: "#,##0.0,,"}[known(unit)]


def with_unit(header: str, unit: int, locale: str) -> str:
    """A column header that names its unit: `Target (10k CNY)`, `目标（万元）`."""
    name = unit_name(unit, locale)
    return f"{header} ({name})" if locale == "en" else f"{header}（{name}）"


def without_unit(header: str) -> str:
    """A header as `with_unit` wrote it, without the unit: finds a column in any Unit."""
    text = header.strip()
    for left, right in (("(", ")"), ("（", "）")):
        if text.endswith(right) and left in text:
            return text[: text.rindex(left)].rstrip()
    return text


def amount(yuan, unit: int, decimals: int | None = None) -> str:
    """An amount in the Unit as a number: 1,529,000 yuan is `152.9` in 万元, `1,529,000` in
    yuan; `decimals` overrides what the cells show (a derivation keeps two)."""
    unit = known(unit)
    places = UNITS[unit][0] if decimals is None else decimals
    value = (Decimal(str(yuan)) / unit).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return f"{value:,}"


def spoken(yuan, unit: int, locale: str, decimals: int | None = None) -> str:
    """An amount a sentence can carry: `152.9万元`, `1,529,000 CNY`, `1,530 thousand CNY`,
    `152.9 × 10k CNY`."""
    number = amount(yuan, unit, decimals)
    if locale != "en":
        return f"{number}{unit_name(unit, locale)}"
    return f"{number}{UNITS[known(unit)][3]}"
