"""Where salesplan may put a sheet: never over a sheet of the user's (SPEC §1: extra sheets
are the user's and are never touched).

Both writers (filebook.py, excel/livebook.py) check here before writing anything; the
problems are in the plan's Locale.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from engine.problems import PlanError, Problem
from xl_addin.messages import say
from xl_addin.workbook.columns import header
from xl_addin.workbook.tablewrite import NewTable


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
