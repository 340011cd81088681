"""Which tblActuals columns salesplan uses, and which Funnel stages it can count (SPEC §1, §6).

A tblActuals column is used when it is one of the table's own (Week, RepID, Amount, Visits …
under any accepted header), or is headed with a KPI's name (its weekly values) or a funnel
stage's. Any other column is the user's and is noted at its header cell; so is a funnel stage
that no column counts. Headers match as the reader matches them (`header_key`: case, spaces
and underscores ignored); a stage also matches its plural, so stage Visit is counted by the
column Visits, and stage 拜访 by the same column under its Chinese header 拜访.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.plan import Plan
from engine.problems import Message, at_row, said


@dataclass(frozen=True)
class Header:
    """A tblActuals header as the reader found it."""

    text: str  # as typed
    where: str  # its cell, e.g. Actuals!F1
    names: tuple[str, ...] = ()  # every header the reader accepts for its column; () for the user's


@dataclass(frozen=True)
class Stage:
    name: str
    where: str  # its cell in tblFunnel, e.g. Funnel!A3


def header_key(text: object) -> str:
    """Header matching ignores case, spaces (incl. full-width) and underscores."""
    return re.sub(r"[\s_\u3000]+", "", str(text or "")).casefold()


def notes(plan: Plan) -> tuple[Message, ...]:
    """The plan's notes about tblActuals columns and Funnel stages; none without tblActuals.

    The reader records each tblActuals header in `plan.actuals.attrs["headers"]`."""
    actuals = plan.actuals
    if actuals is None:
        return ()
    funnel = plan.funnel
    stages = []
    for i in range(0 if funnel is None else len(funnel)):
        sheet, cell = at_row(funnel, i, "stage", "Funnel")
        stages.append(Stage(str(funnel["stage"].iloc[i]), f"{sheet}!{cell}" if cell else sheet))
    kpis = () if plan.kpis is None else [str(k) for k in plan.kpis["kpi"].dropna()]
    return tuple(column_notes(actuals.attrs.get("headers", ()), stages, kpis))


def column_notes(
    headers: Sequence[Header], stages: Sequence[Stage], kpis: Iterable[str]
) -> list[Message]:
    """A note for each column that matches no funnel stage, KPI or known column (it is not
    used), then one for each funnel stage that no column matches (its counts are not tracked)."""
    columns = [{header_key(n) for n in (h.text, *h.names)} for h in headers]
    kpi_keys = {header_key(k) for k in kpis}
    stage_keys = [_singular(header_key(s.name)) for s in stages]
    notes = []
    for header, keys in zip(headers, columns, strict=True):
        singular = {_singular(k) for k in keys}
        if not header.names and not keys & kpi_keys and not singular & set(stage_keys):
            notes.append(said("actuals_column_unused", where=header.where, column=header.text))
    counted = set().union(*({_singular(k) for k in keys} for keys in columns))
    for stage, key in zip(stages, stage_keys, strict=True):
        if key not in counted:
            notes.append(said("funnel_stage_no_column", where=stage.where, stage=stage.name))
    return notes


def _singular(key: str) -> str:
    """visits → visit: an English stage is named in the singular, its count in the plural."""
    return key[:-1] if key.endswith("s") and len(key) > 1 else key
