"""One exception for every input problem of a run (STYLE §5)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    """Words for a person, not yet in a language: a key of the message catalogue
    (templates/messages.toml) and its named fields. The engine says what; xl_addin.messages
    says it in the plan's Locale."""

    key: str
    fields: tuple[tuple[str, object], ...] = ()

    def __str__(self) -> str:  # for a developer; a person reads xl_addin.messages.text
        return self.key + "(" + ", ".join(f"{k}={v!r}" for k, v in self.fields) + ")"


def said(key: str, **fields) -> Message:
    """The message `key` with its fields: `said("stage_no_share", name="Tech", stage="growth")`."""
    return Message(key, tuple(fields.items()))


@dataclass(frozen=True)
class Choice:
    """A choice the engine names in a message (a product's Stage, a rep's Level) by its English
    value; xl_addin.messages writes it as the plan's language does (成长 for growth)."""

    name: str  # the setting or column it is a value of: Stage
    value: str

    def __str__(self) -> str:
        return self.value


def listed(items, most: int) -> Message:
    """The first `most` of `items` as one list ("R001, R002 … and 8 more"), joined in the
    reader's language (xl_addin.messages joins a tuple field with its list separator)."""
    items = [str(i) for i in items]
    if len(items) > most:
        return said("listed_more", items=tuple(items[:most]), more=len(items) - most)
    return said("listed", items=tuple(items))


def where(sheet: str, cell: str) -> str:
    """`Sheet!Cell`; for a row or column of a source outside the workbook (SPEC §16) the cell
    starts with ':' and the place reads `orders.csv:17`, `orders.csv:Amount`."""
    if not cell:
        return sheet
    if cell.startswith(":"):  # a glob's row names its own file: `orders-03.csv:17`
        return f"{sheet}{cell}" if sheet else cell[1:]
    return f"{sheet}!{cell}"


@dataclass(frozen=True)
class Problem:
    """Where (sheet and cell, or table and row key), what is wrong, and what to do.

    `message` and `hint` are catalogue messages (Message) or, for problems not yet moved to
    the catalogue, English text; `sheet` is a name, or a Message for a place said in words
    (`manifest.csv row 3`)."""

    sheet: str | Message
    cell: str
    message: str | Message
    hint: str | Message = ""

    @property
    def where(self) -> str:
        return where(self.sheet, self.cell)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" + (f" — {self.hint}" if self.hint else "")


@dataclass
class PlanError(Exception):
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def at_row(frame, position: int, key: str, default_sheet: str) -> tuple[str, str]:
    """(sheet, cell) of a table row's column, from what the reader recorded about the table
    (a table read from a source outside the workbook locates its rows itself)."""
    if "locate" in frame.attrs:
        return frame.attrs["locate"](key, int(frame["_row"].iloc[position]))
    sheet = frame.attrs.get("sheet", default_sheet)
    letter = frame.attrs.get("columns", {}).get(key, "")
    row = frame["_row"].iloc[position] if "_row" in frame else None
    return sheet, f"{letter}{row}" if letter and row is not None else ""


def did_you_mean(word: str, choices) -> Message | str:
    """The suggestion ' (did you mean "North"?)' when a close spelling exists, else '': a
    field of the message it ends (`suggestion=did_you_mean(…)`)."""
    import difflib

    options = {str(c).casefold(): str(c) for c in choices}
    match = difflib.get_close_matches(str(word).casefold(), list(options), n=1, cutoff=0.6)
    return said("did_you_mean", word=options[match[0]]) if match else ""
