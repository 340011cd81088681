"""Where salesplan may put a sheet: never over a sheet holding a user's table, never over a
sheet of the user's (SPEC §1: extra sheets are the user's and are never touched).

Both writers (filebook.py, excel/livebook.py) check here before writing anything; the
problems are in the plan's Locale, one per sheet, at its first table's top-left cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

from engine.problems import PlanError, Problem
from xl_addin.messages import say
from xl_addin.sheets.description import OutputSheet
from xl_addin.sheets.outputs import OUTPUT_TABLES
from xl_addin.workbook.columns import BY_NAME, header
from xl_addin.workbook.tablewrite import NewTable


class Located(Protocol):
    name: str  # the table's name
    sheet: str  # the sheet it is on


T = TypeVar("T", bound=Located)


def check_not_input(
    tables: Iterable[T],
    sheets: Sequence[OutputSheet],
    corner: Callable[[T], str],
    locale: Callable[[], str],
) -> None:
    """An output sheet may only replace a sheet that holds nothing but salesplan's tables.

    One problem for each such sheet, however many of the user's tables it holds, saying
    where each belongs (tblCommission on Rates: Commission is an output sheet). `corner`
    gives a table's top-left cell; `locale` the plan's, read only when there is a problem.
    """
    ours = {b.table.casefold() for s in sheets for b in s.blocks} | OUTPUT_TABLES
    names = {s.name.casefold(): s.name for s in sheets}
    taken: dict[str, list[T]] = {}
    for t in tables:
        if t.sheet.casefold() in names and t.name.casefold() not in ours:
            taken.setdefault(t.sheet, []).append(t)
    if not taken:
        return
    loc = locale()
    problems = []
    for sheet, held in taken.items():
        moves = [
            say("move_to_sheet", loc, table=t.name, sheet=home)
            if (home := _home(t.name, sheet)) is not None
            else say("move_elsewhere", loc, table=t.name)
            for t in held
        ]
        tables_named = say("list_separator", loc).join(t.name for t in held)
        problems.append(
            Problem(
                sheet,
                corner(held[0]),
                say(
                    "output_sheet_taken",
                    loc,
                    n=len(held),
                    tables=tables_named,
                    sheet=names[sheet.casefold()],
                ),
                say("output_sheet_move", loc, moves=say("list_separator", loc).join(moves)),
            )
        )
    raise PlanError(problems)


def check_new_sheets(existing: Iterable[str], created: Sequence[NewTable]) -> None:
    """A table the plan lacks goes on a new sheet of its own name, never into a sheet of the
    user's that happens to have that name."""
    present = {name.casefold(): name for name in existing}
    problems = [
        Problem(
            present[t.spec.sheet.casefold()],
            "",
            say("new_sheet_taken", t.locale, table=t.spec.name, sheet=t.spec.sheet),
            say(
                "new_sheet_hint",
                t.locale,
                table=t.spec.name,
                columns=say("list_separator", t.locale).join(
                    header(c, t.locale) for c in t.spec.columns
                ),
            ),
        )
        for t in created
        if t.spec.sheet.casefold() in present
    ]
    if problems:
        raise PlanError(problems)


def _home(table: str, sheet: str) -> str | None:
    """The sheet `init` puts an input table on, unless that is the sheet it is on now."""
    spec = BY_NAME.get(table.casefold())
    if spec is None or spec.sheet.casefold() == sheet.casefold():
        return None
    return spec.sheet
