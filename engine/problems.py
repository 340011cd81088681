"""One exception for every input problem of a run (STYLE §5)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """Where (sheet and cell, or table and row key), what is wrong, and what to do."""

    sheet: str
    cell: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{where}: {self.message}" + (f" — {self.hint}" if self.hint else "")


@dataclass
class PlanError(Exception):
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return format_problems(self.problems)


def at_row(frame, position: int, key: str, default_sheet: str) -> tuple[str, str]:
    """(sheet, cell) of a table row's column, from what the reader recorded about the table."""
    sheet = frame.attrs.get("sheet", default_sheet)
    letter = frame.attrs.get("columns", {}).get(key, "")
    row = frame["_row"].iloc[position] if "_row" in frame else None
    return sheet, f"{letter}{row}" if letter and row is not None else ""


def format_problems(problems: list[Problem], most: int = 20) -> str:
    lines = [str(p) for p in problems[:most]]
    if len(problems) > most:
        lines.append(f"… and {len(problems) - most} more")
    return "\n".join(lines)


def did_you_mean(word: str, choices) -> str:
    """' (did you mean "North"?)' when a close spelling exists, else ''."""
    import difflib

    options = {str(c).casefold(): str(c) for c in choices}
    match = difflib.get_close_matches(str(word).casefold(), list(options), n=1, cutoff=0.6)
    return f' (did you mean "{options[match[0]]}"?)' if match else ""
