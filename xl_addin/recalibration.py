"""The Recalibrate command over a planning workbook (SPEC §7): what the CLI and the button run.

The engine checks the change (engine/recalibrate.py); this module turns an accepted change
into one write: the change-log rows appended to tblChangeLog (earlier rows are never
rewritten), the plan's Version set in tblSettings, and the output sheets written again from
the recalibrated plan. A plan without tblChangeLog (one not made by `init`) gets it in the
same write, on a new ChangeLog sheet laid out as `init` makes it. The book is a file
(FileBook: one atomic replacement) or the open workbook (LiveBook, for the Recalibrate
button); both check everything before writing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

import pandas as pd

from engine.decompose import decompose
from engine.decomposition import Decomposition
from engine.plan import Plan
from engine.problems import PlanError, Problem, said
from engine.progress import progress
from engine.recalibrate import LOG_COLUMNS, REQUEST_FIELDS, Request, replay, request
from engine.tracking import latest_week
from xl_addin.sheets.outputs import describe, describe_progress
from xl_addin.workbook.cellref import column_letter
from xl_addin.workbook.columns import BY_KEY, header_lookup, normalise_header
from xl_addin.workbook.reader import read_plan
from xl_addin.workbook.readme import description
from xl_addin.workbook.tablesource import PlanBook, TableSource
from xl_addin.workbook.tablewrite import NewTable, TableEdits

CHANGE_LOG, SETTINGS = "tblChangeLog", "tblSettings"


@dataclasses.dataclass(frozen=True)
class Recalibrated:
    rows: pd.DataFrame  # the change-log rows appended
    decomposition: Decomposition  # the plan after the change
    tracked: bool  # Tracking, Commission and Dashboard were written again too
    created: bool = False  # the plan had no tblChangeLog: its sheet and table were added


def recalibrate(
    book: PlanBook, change: Request, now: dt.datetime, fields: Mapping[str, str]
) -> Recalibrated:
    """Check and make `change`; a problem with the request names its field as `fields` says
    (the CLI's `--target`, the button's question)."""
    plan = read_plan(book)
    letters = _log_letters(book, plan)
    original = decompose(plan, with_changes=False)
    current = replay(plan, original)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    try:
        rows = request(plan, original, current, change, latest_week(plan) + 1, stamp)
    except PlanError as exc:
        raise PlanError([_named(p, fields) for p in exc.problems]) from None
    log = pd.concat([_log(plan), rows], ignore_index=True)
    changed = dataclasses.replace(plan, change_log=log)
    result = replay(changed, original)

    sheets = describe(result, plan.settings, plan.sign_offs, book.table_names())
    tracked = plan.actuals is not None and not plan.actuals.empty
    if tracked:
        sheets += describe_progress(progress(changed), plan.settings)
    version = int(rows["version"].iat[0])
    edits = TableEdits()
    _append_log(rows, letters, plan.settings.locale, edits)
    _set_version(book, plan, version, edits)
    book.write_sheets(sheets, edits)
    return Recalibrated(rows, result, tracked, created=letters is None)


def log_edits(book: TableSource, plan: Plan, rows: pd.DataFrame, edits: TableEdits) -> bool:
    """`rows` (LOG_COLUMNS) appended to tblChangeLog as edits, with the plan's Version set to
    theirs; True when the plan has no tblChangeLog and the write adds it."""
    letters = _log_letters(book, plan)
    _append_log(rows, letters, plan.settings.locale, edits)
    _set_version(book, plan, int(rows["version"].iat[0]), edits)
    return letters is None


def _append_log(rows: pd.DataFrame, letters, locale: str, edits: TableEdits) -> None:
    cells = [{k: _cell(row[k]) for k in LOG_COLUMNS} for row in rows.to_dict("records")]
    if letters is None:
        frame = pd.DataFrame(cells, columns=list(LOG_COLUMNS), dtype=object)
        edits.creates.append(NewTable(BY_KEY["change_log"], frame, locale))
    else:
        edits.appends.setdefault(CHANGE_LOG, []).extend(
            {letters[k]: v for k, v in row.items()} for row in cells
        )


def _named(problem: Problem, fields: Mapping[str, str]) -> Problem:
    if problem.sheet not in REQUEST_FIELDS:
        return problem
    return dataclasses.replace(problem, sheet=fields.get(problem.sheet, problem.sheet))


def _log(plan: Plan) -> pd.DataFrame:
    log = plan.change_log
    return log if log is not None else pd.DataFrame(columns=list(LOG_COLUMNS))


def _log_letters(book: TableSource, plan: Plan) -> dict[str, str] | None:
    """The column letter of each change-log column salesplan writes (all must be there), or
    None when the plan has no tblChangeLog yet: the write adds it."""
    raw = book.table(CHANGE_LOG)
    spec = BY_KEY["change_log"]
    if raw is None or plan.change_log is None:
        return None
    letters = plan.change_log.attrs.get("columns", {})
    missing = [c for c in spec.columns if c.key not in letters]
    if missing:
        after = raw.header_cell(len(raw.headers))
        raise PlanError(
            [
                Problem(
                    raw.sheet,
                    after,
                    said(
                        "change_log_column_missing", table=CHANGE_LOG, column=c.en, column_zh=c.zh
                    ),
                    said("column_add", column=c.en),
                )
                for c in missing
            ]
        )
    return letters


def _set_version(book: TableSource, plan: Plan, version: int, edits: TableEdits) -> None:
    """The Version setting's cell, or a new Version row at the end of tblSettings."""
    set_setting(book, plan, "Version", version, edits)


def set_setting(book: TableSource, plan: Plan, name: str, value, edits: TableEdits) -> None:
    """A setting salesplan keeps (Version, PlanID) as an edit: its Value cell when the plan
    has its row, else a new row at the end of tblSettings, described as `init` describes it."""
    sheet, cell = plan.settings.where(name)
    if cell:
        edits.cells[(SETTINGS, cell)] = value
        return
    raw = book.table(SETTINGS)
    lookup = header_lookup(BY_KEY["settings"])
    position = {
        lookup[normalise_header(h)].key: j
        for j, h in enumerate(raw.headers)
        if normalise_header(h) in lookup
    }
    letter = {k: column_letter(raw.first_col + j) for k, j in position.items()}
    row = {letter["setting"]: name, letter["value"]: value}
    if "description" in letter:  # described as `init` describes every setting
        row[letter["description"]] = description(name, plan.settings.locale)
    edits.appends.setdefault(SETTINGS, []).append(row)


def _cell(value):
    """A change-log value as a cell holds it: numbers as numbers, text as text, blank as None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value
