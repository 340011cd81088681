"""Rows tall enough for their wrapped text: Excel does not grow a row that a file sets no
height for, so the sheets `init` writes say how many lines each wrapped cell takes."""

from __future__ import annotations

import math
import re

LINE_HEIGHT = 15  # points: one line of the default 11-point font
NARROW = 0.9  # a letter's width in digit widths (a column's unit), on average, a little high
# a word and the spaces after it, or one wide (CJK) character: where a line may break
_TOKENS = re.compile(r"[\u2e80-\U0010ffff]|[^\s\u2e80-\U0010ffff]+\s*|\s+")


def lines(text: str, width: float) -> int:
    """How many lines `text` wraps to in a column `width` characters wide (a CJK character
    is two), breaking between words and around wide characters as Excel does."""
    room = max(width - 1, 1)  # a margin for the cell's padding
    count, used = 1, 0
    for k, part in enumerate(str(text).split("\n")):
        if k:  # a line break typed in the text
            count, used = count + 1, 0
        for token in _TOKENS.findall(part):
            ink, advance = _width(token.rstrip()), _width(token)
            if used and used + ink > room:
                count, used = count + 1, 0
            if ink > room:  # a word wider than the column is broken inside
                count += math.ceil(ink / room) - 1
                advance = ink % room or room
            used += advance
    return count


def _width(text: str) -> float:
    """Width in digit widths: a CJK character is two, a letter a little less than one."""
    return sum(2 if ord(ch) > 0x2E80 else NARROW for ch in text)


def row_height(cells: list[tuple[str, float]]) -> float:
    """Points for a row whose wrapped cells are (text, column width) pairs."""
    return LINE_HEIGHT * max([lines(t, w) for t, w in cells if t] or [1])
