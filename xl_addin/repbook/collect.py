"""`salesplan collect`: the reps' returned responsibility workbooks merged back into the plan
(SPEC §16).

Every file of the folder is read and checked first: its marker (the custom document
properties `issue` wrote: plan, rep, period, version) must be this plan's, a rep of this
plan and this period, and a rep named by the file's name (FileClaims) must be the marker's; an
encrypted file is opened with its password from the folder's passwords.csv. A file that
fails is refused by name and why; the others are merged (engine/collect.py) and written in
one atomic write of the plan: rows appended to tblActuals (a conflicting week is reported,
not overwritten, unless the returned values are preferred; when tblActuals comes from a
source, the returned weeks are compared with it and nothing is written to it), and each
acceptance of the plan
(the Letter's dated cell) appended to tblSignOffs, which is added when the plan has none, and
shown in the SignedOff cells of the Targets sheet the last decompose wrote (only those cells:
the targets themselves stay as decomposed, consistent with Breakdown and the other sheets). An
error before the write writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
from defusedxml.ElementTree import fromstring
from python_calamine import CalamineError, CalamineWorkbook

from engine.calendar import week_starts
from engine.collect import ACTIVITY, Merge, merge_actuals
from engine.money import to_cents
from engine.plan import Plan
from engine.problems import Message, PlanError, Problem, said
from engine.settings import LOCALES, Settings
from xl_addin.repbook.csvtext import original
from xl_addin.repbook.issue import MANIFEST, PASSWORD_LIST, file_names
from xl_addin.repbook.manifest import list_rows
from xl_addin.repbook.pool import in_order
from xl_addin.repbook.render import FIRST
from xl_addin.repbook.responsibility import (
    ACCEPTED_NAME,
    MARKER_PERIOD,
    MARKER_PLAN,
    MARKER_REP,
    MARKER_VERSION,
    file_key,
    period_marker,
    safe_name,
)
from xl_addin.sheets.labels import label
from xl_addin.sheets.outputs import signed_off
from xl_addin.workbook import coerce
from xl_addin.workbook.columns import BY_KEY
from xl_addin.workbook.extent import far_cell
from xl_addin.workbook.package import check_package
from xl_addin.workbook.reader import read_plan, shown
from xl_addin.workbook.tablesource import PlanBook
from xl_addin.workbook.tablewrite import NewTable, TableEdits

CALAMINE_ERRORS = (CalamineError, OSError, ValueError, IndexError)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted workbook is an OLE file
CUSTOM = "docProps/custom.xml"
CUSTOM_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
EXCEL_EPOCH = dt.date(1899, 12, 30)
ACTUALS, SIGN_OFFS, TARGETS = "tblActuals", "tblSignOffs", "tblTargets"
# the Actuals sheet of a responsibility workbook: A week, E amount (yuan), F–I the activity
WEEK_COL, AMOUNT_COL = 0, 4


@dataclasses.dataclass(frozen=True)
class Returned:
    """One returned workbook, read and checked."""

    file: str  # its name in the folder
    rep_id: str
    version: int | None
    weeks: pd.DataFrame  # rep_id, week, amount_cents, visits, demos, deals, new_customers
    accepted_on: dt.date | None


@dataclasses.dataclass(frozen=True)
class Refused:
    file: str
    reason: Message


@dataclasses.dataclass(frozen=True)
class Collected:
    returned: list[Returned]
    refused: list[Refused]
    merge: Merge
    signed: pd.DataFrame  # rep_id, accepted_on, version, file: the acceptances recorded now
    written: bool  # the plan was changed
    created: bool  # tblSignOffs was added to the plan
    on_targets: bool = False  # Targets' SignedOff shows every acceptance (after this write)
    targets_changed: bool = False  # cells of Targets' SignedOff were written
    # tblActuals comes from this source (tblSources): the returned weeks are compared with it,
    # none written into the plan's table, which is not read while the source stands for it
    actuals_source: str | None = None


def collect(
    book: PlanBook, folder: Path, now: dt.datetime, prefer_returned: bool = False
) -> Collected:
    """Read every returned workbook in `folder`, check it, and merge what it holds into the
    plan in `book` in one write (nothing is written when there is nothing new)."""
    plan = read_plan(book)
    plan_id = plan.settings["PlanID"]
    plan_id = "" if plan_id is None else str(plan_id).strip()
    if not plan_id:
        where, cell = plan.settings.where("PlanID")
        raise PlanError(
            [Problem(where, cell, said("collect_no_plan_id"), said("collect_no_plan_id_hint"))]
        )
    folder = Path(folder)
    if not folder.is_dir():
        raise PlanError(
            [Problem(str(folder), "", said("collect_no_folder"), said("collect_no_folder_hint"))]
        )
    returned, refused = read_folder(folder, plan, plan_id)
    weeks = (
        pd.concat([r.weeks for r in returned], ignore_index=True)
        if returned
        else pd.DataFrame(columns=["rep_id", "week", "amount_cents", *ACTIVITY])
    )
    letters = plan.actuals.attrs.get("columns", {}) if plan.actuals is not None else {}
    activity = tuple(c for c in ACTIVITY if c in letters) if letters else ACTIVITY
    source = _source_of(plan.actuals)
    merge = merge_actuals(plan.actuals, weeks, activity, prefer_returned and source is None)
    signed = _new_sign_offs(plan, returned)

    edits = TableEdits()
    if source is None:
        _actuals_edits(plan, merge, edits)
    created = _sign_off_edits(plan, signed, now, edits)
    on_targets, changed = _targets_edits(book, plan, signed, edits)
    if edits:
        book.write_sheets([], edits)
    return Collected(
        returned, refused, merge, signed, bool(edits), created, on_targets, bool(changed), source
    )


def _source_of(actuals: pd.DataFrame | None) -> str | None:
    """The source tblActuals was read from (tblSources), or None: the plan's own table."""
    if actuals is None or "locate" not in actuals.attrs:  # the reader's mark of a source
        return None
    return str(actuals.attrs["sheet"])


# -- the folder ----------------------------------------------------------------------------
def read_folder(folder: Path, plan: Plan, plan_id: str) -> tuple[list[Returned], list[Refused]]:
    """Every workbook of the folder read and checked, or refused with the reason; a rep's
    file twice is refused twice (which one counts is the manager's call)."""
    passwords = _passwords(folder / PASSWORD_LIST)
    skip = _roll_ups(folder / MANIFEST)
    listed = [
        p
        for p in sorted(folder.iterdir())
        if p.is_file()
        and not p.name.startswith(("~$", ".~"))  # Excel's lock files, our temporary files
        and p.name not in skip
    ]
    files = [p for p in listed if p.suffix.lower() in (".xlsx", ".xlsm")]
    names = FileClaims(plan)
    refused: list[Refused] = [  # a rep's weeks saved in another format are not passed over
        Refused(p.name, said("collect_other_format", kind=p.suffix.lower()))
        for p in listed
        if p.suffix.lower() in OTHER_SPREADSHEETS
    ]
    context = (plan_id, plan.settings, passwords, names)
    results = in_order(_read_one, files, desc="collecting", initializer=_set, initargs=context)
    refused += [r for r in results if isinstance(r, Refused)]
    read = [r for r in results if isinstance(r, _Read)]
    returned, wrong = _weeks(read, plan.settings.weeks)
    refused += wrong
    counts = pd.Series([r.rep_id for r in returned]).value_counts()
    twice = set(counts[counts > 1].index)
    for r in [r for r in returned if r.rep_id in twice]:
        others = [o.file for o in returned if o.rep_id == r.rep_id and o.file != r.file]
        refused.append(
            Refused(r.file, said("collect_twice", rep_id=r.rep_id, others=", ".join(others)))
        )
    returned = [r for r in returned if r.rep_id not in twice]
    refused.sort(key=lambda r: r.file)
    return returned, refused


# what every returned workbook is read against, in each process that reads them (_set)
_CONTEXT: tuple = ()


def _set(plan_id: str, settings: Settings, passwords: dict[str, str], names: FileClaims):
    global _CONTEXT
    _CONTEXT = (plan_id, settings, passwords, names)


def _read_one(path: Path) -> _Read | Refused:
    """One returned workbook read (read_returned), or refused with why, in a pool's worker."""
    plan_id, settings, passwords, names = _CONTEXT
    try:
        return read_returned(path, settings, plan_id, passwords, names)
    except _Refusal as no:
        return Refused(path.name, no.reason)


class FileClaims:
    """Which rep a returned file's name says it belongs to: the name `issue` gave the rep's
    file (ignoring case), else a name that starts with the rep's RepID as a file name holds
    it (`S001_…`, the longest that fits; none for a RepID that two reps' make). The marker
    inside the file decides whose it is; a name that says another rep only raises a doubt."""

    def __init__(self, plan: Plan):
        reps = plan.reps.reset_index(drop=True)
        ids = [str(r) for r in reps["rep_id"]]
        self.reps = set(ids)
        issued = file_names(
            zip(ids, (str(n) for n in reps["name"]), strict=True),
            reps["region"].astype(str).unique(),
            plan.settings,
        )
        self.files = {file_key(f): r for r, f in issued.reps.items()}
        starts: dict[str, set[str]] = {}
        for r in ids:
            starts.setdefault(file_key(safe_name(r)) + "_", set()).add(r)
        self.starts = sorted(
            ((start, next(iter(r))) for start, r in starts.items() if len(r) == 1),
            key=lambda pair: -len(pair[0]),
        )

    def rep(self, file: str) -> str | None:
        """The RepID `file`'s name says, or None."""
        key = file_key(file)
        if key in self.files:
            return self.files[key]
        return next((r for start, r in self.starts if key.startswith(start)), None)


# spreadsheets saved in a format other than .xlsx: LibreOffice's own (.ods), WPS's (.et),
# Excel 97–2003 (.xls) and binary (.xlsb), Numbers
OTHER_SPREADSHEETS = (".ods", ".fods", ".et", ".xls", ".xlsb", ".numbers")


class _Refusal(Exception):
    def __init__(self, reason: Message):
        super().__init__(str(reason))
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class _Read:
    """A returned workbook read and checked but for its typed values (_weeks checks those,
    every file's at once)."""

    file: str
    rep_id: str
    version: int | None
    sheet: str  # the Actuals sheet's name
    cells: pd.DataFrame  # its rows of weeks as typed, "" as None
    accepted_on: dt.date | None


def read_returned(
    path: Path, settings: Settings, plan_id: str, passwords: dict[str, str], names: FileClaims
) -> _Read:
    """One returned workbook, checked against the plan but for the values its rep typed;
    a _Refusal says why not. `names`: the rep a file's name says it is of."""
    named = names.rep(path.name)  # None: a name that says no rep
    data = path.read_bytes()
    if data.startswith(OLE_MAGIC):
        data = _decrypted(path.name, named, data, passwords)
    package = io.BytesIO(data)
    try:
        check_package(package)
    except PlanError as e:  # a damaged package: said as the check says it, at its part
        first = e.problems[0]
        raise _Refusal(
            said("collect_unreadable", error=said("at_part", part=first.sheet, what=first.message))
        ) from None
    try:
        with zipfile.ZipFile(package) as z:
            marker = _marker(z)
            accepted_ref = _defined_name(z, ACCEPTED_NAME)
            far = far_cell(z)
    except (PlanError, zipfile.BadZipFile, KeyError, ValueError, ParseError):
        raise _Refusal(said("collect_not_ours")) from None
    if far:
        raise _Refusal(said("collect_far_cell", cell=far))
    if not marker.get(MARKER_PLAN) or not marker.get(MARKER_REP):
        raise _Refusal(said("collect_not_ours"))
    s = settings
    if marker[MARKER_PLAN] != plan_id:
        raise _Refusal(said("collect_other_plan", plan=marker[MARKER_PLAN], ours=plan_id))
    period = period_marker(s.period_start, s.weeks)
    if marker.get(MARKER_PERIOD) != period:
        raise _Refusal(
            said("collect_other_period", period=marker.get(MARKER_PERIOD, ""), ours=period)
        )
    rep_id = marker[MARKER_REP]
    if rep_id not in names.reps:
        raise _Refusal(said("collect_rep_unknown", rep_id=rep_id))
    if named is not None and named != rep_id:
        raise _Refusal(said("collect_name_not_marker", named=named, rep_id=rep_id))
    try:
        version = int(float(marker.get(MARKER_VERSION, "")))
    except ValueError:
        version = None
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            sheet, cells = _typed(book, s.weeks)
            accepted = _accepted(book, accepted_ref)
        finally:
            book.close()
    except _Refusal:
        raise
    except CALAMINE_ERRORS as exc:  # a package whose sheets cannot be read: this file only
        raise _Refusal(said("collect_unreadable", error=f"{type(exc).__name__}: {exc}")) from None
    return _Read(path.name, rep_id, version, sheet, cells, accepted)


def _decrypted(name: str, rep: str | None, data: bytes, passwords: dict[str, str]) -> bytes:
    """The package inside an encrypted file: its password listed by its name, else by the rep
    its name says (a file renamed on its way back)."""
    from xl_addin.repbook.encrypt import decrypt  # msoffcrypto only for encrypted files

    password = passwords.get(name)
    if password is None and rep is not None:
        password = passwords.get(f"rep:{rep}")
    if not password:
        raise _Refusal(said("collect_no_password", passwords=PASSWORD_LIST))
    try:
        return decrypt(data, password)
    except ValueError as exc:
        if "wrong password" in str(exc):
            raise _Refusal(said("collect_wrong_password", passwords=PASSWORD_LIST)) from None
        raise _Refusal(said("collect_not_ours")) from None


def _passwords(path: Path) -> dict[str, str]:
    """File name (and `rep:<RepID>`) -> password, from the list `issue --encrypt` wrote."""
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    for row in _list_rows(path):
        password = row.get("Password") or ""  # written as it is (never like a formula)
        file, rep_id = original(row.get("File") or ""), original(row.get("RepID") or "")
        if file:
            out[file] = password
        if rep_id:
            out[f"rep:{rep_id}"] = password
    return out


def _roll_ups(path: Path) -> set[str]:
    """The region roll-ups the folder's manifest lists: issued, never returned with actuals."""
    if not path.is_file():
        return set()
    return {
        original(row.get("File") or "")
        for row in _list_rows(path)
        if original(row.get("Kind") or "") == "region"
    }


def _list_rows(path: Path) -> list[dict]:
    """The rows of passwords.csv or manifest.csv as the manager saved them (list_rows)."""
    return list_rows(path, said("source_unreadable_hint_csv"))[0]


def _marker(z: zipfile.ZipFile) -> dict[str, str]:
    if CUSTOM not in z.namelist():
        return {}
    root = fromstring(z.read(CUSTOM))
    out = {}
    for prop in root.iter(f"{CUSTOM_NS}property"):
        value = next(iter(prop), None)
        out[prop.get("name", "")] = (value.text or "").strip() if value is not None else ""
    return out


def _defined_name(z: zipfile.ZipFile, name: str) -> str | None:
    """The reference of a workbook-level defined name (`'Letter'!$C$40`), or None."""
    parts = [n for n in z.namelist() if re.fullmatch(r"xl/workbook\d*\.xml", n)]
    if not parts:
        return None
    root = fromstring(z.read(parts[0]))
    for d in root.iter(f"{MAIN_NS}definedName"):
        if d.get("name") == name and d.get("localSheetId") is None:
            return (d.text or "").strip()
    return None


def _sheet(book: CalamineWorkbook, key: str, position: int):
    names = book.sheet_names
    wanted = {label(key, loc) for loc in ("en", "zh-CN")}
    name = next((n for n in names if n in wanted), None)
    if name is None:
        if len(names) <= position:
            raise _Refusal(said("collect_not_ours"))
        name = names[position]
    return name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def _typed(book: CalamineWorkbook, weeks: int) -> tuple[str, pd.DataFrame]:
    """The Actuals sheet's name and its rows of weeks as typed ("" as None), from the first
    column to the last of ACTIVITY; a _Refusal when the weeks are not where issue put them."""
    name, grid = _sheet(book, "Actuals", 2)
    rows = grid[FIRST : FIRST + weeks]
    width = AMOUNT_COL + 1 + len(ACTIVITY)
    rows = [list(r[:width]) + [""] * (width - len(r)) for r in rows]
    if len(rows) != weeks or [_number(r[WEEK_COL]) for r in rows] != list(range(1, weeks + 1)):
        raise _Refusal(said("collect_layout", sheet=name))
    return name, pd.DataFrame(rows, dtype=object).replace("", None)


def _weeks(read: list[_Read], weeks: int) -> tuple[list[Returned], list[Refused]]:
    """The weeks each rep typed an amount for, from the Actuals sheets' yellow cells: every
    file's cells read as one column each (a few calls, not a few per file: 20,000 files);
    a file with a value that is not an amount or a count, or below 0, refused at its first
    such cell (the counts' columns first, then the amount's)."""
    if not read:
        return [], []
    cells = pd.concat([r.cells for r in read], ignore_index=True)
    amount, bad = coerce.amount(cells[AMOUNT_COL])
    wrong = {AMOUNT_COL: (bad | (amount.notna() & (amount < 0))).to_numpy()}
    counts = {}
    for j, key in enumerate(ACTIVITY, AMOUNT_COL + 1):
        values, bad = coerce.integer(cells[j])
        wrong[j] = (bad | (values.notna() & (values < 0))).to_numpy()
        counts[key] = values.astype(float).to_numpy()
    order = [*range(AMOUNT_COL + 1, AMOUNT_COL + 1 + len(ACTIVITY)), AMOUNT_COL]
    by_file = np.column_stack([wrong[j] for j in order]).reshape(len(read), weeks, len(order))
    refused = {}
    for k in np.flatnonzero(by_file.any(axis=(1, 2))):  # the few files with a wrong value
        i = next(i for i in range(len(order)) if by_file[k, :, i].any())
        row, j = int(np.flatnonzero(by_file[k, :, i])[0]), order[i]
        value = read[k].cells.iat[row, j]
        refused[k] = Refused(read[k].file, _bad_cell(read[k].sheet, row, j, value))
    typed = amount.notna().to_numpy()
    frame = pd.DataFrame(
        {
            "rep_id": np.repeat([r.rep_id for r in read], weeks),
            "week": np.tile(np.arange(1, weeks + 1, dtype=np.int64), len(read)),
            "amount_cents": to_cents(amount.fillna(0)),
            **counts,
        }
    )
    returned = []
    for k, r in enumerate(read):
        if k not in refused:
            mine = frame.iloc[k * weeks : (k + 1) * weeks]
            weeks_typed = mine[typed[k * weeks : (k + 1) * weeks]].reset_index(drop=True)
            returned.append(Returned(r.file, r.rep_id, r.version, weeks_typed, r.accepted_on))
    return returned, list(refused.values())


def _bad_cell(sheet: str, row: int, col: int, value) -> Message:
    cell = f"{chr(ord('A') + col)}{FIRST + 1 + row}"
    # the value as typed: -3, not calamine's -3.0
    return said("collect_bad_cell", sheet=sheet, cell=cell, value=shown(value))


def _number(value) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def _accepted(book: CalamineWorkbook, ref: str | None) -> dt.date | None:
    """The date in the Letter's acceptance cell, when the rep typed one."""
    if not ref:
        return None
    match = re.fullmatch(r"=?'?(.*?)'?!\$?([A-Z]+)\$?(\d+)", ref)
    if not match:
        return None
    sheet, letters, row = match[1].replace("''", "'"), match[2], int(match[3])
    if sheet not in book.sheet_names:
        return None
    grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - ord("A") + 1
    if row > len(grid) or col > len(grid[row - 1]):
        return None
    value = grid[row - 1][col - 1]
    if value in ("", None):
        return None
    dates, bad = coerce.date(pd.Series([value], dtype=object))
    return None if bad.iat[0] else dates.iat[0].date()


# -- the write -------------------------------------------------------------------------------
def _actuals_edits(plan: Plan, merge: Merge, edits: TableEdits) -> None:
    """Rows appended to tblActuals (a new Actuals sheet with the table when the plan has
    none) and, for preferred returned values, the plan's cells overwritten."""
    added = merge.added
    s = plan.settings
    starts = week_starts(s.period_start, s.weeks)
    if plan.actuals is None:
        spec = BY_KEY["actuals"]
        frame = pd.DataFrame(
            [_row_values(r, starts, "week") for r in added.to_dict("records")],
            columns=[c.key for c in spec.columns],
            dtype=object,
        )
        if len(frame):
            edits.creates.append(NewTable(spec, frame, s.locale))
        return
    letters = plan.actuals.attrs.get("columns", {})
    when = "week" if "week" in letters else "date"
    rows = []
    for r in added.to_dict("records"):
        values = _row_values(r, starts, when)
        rows.append({letters[k]: v for k, v in values.items() if k in letters})
    if rows:
        edits.appends[ACTUALS] = rows
    for c in merge.changed.itertuples(index=False):
        key = "amount" if c.column == "amount_cents" else c.column
        value = float(Decimal(int(c.value)) / 100) if key == "amount" else int(c.value)
        edits.cells[(ACTUALS, f"{letters[key]}{int(c.row)}")] = value


def _row_values(r: dict, starts, when: str) -> dict[str, object]:
    """A returned week as tblActuals holds it: the week (or its first day, as a serial
    date), the RepID, the amount in yuan and the activity counts typed."""
    week = int(r["week"])
    out: dict[str, object] = {"rep_id": r["rep_id"]}
    if when == "week":
        out["week"] = week
    else:
        out["date"] = (starts[week - 1].date() - EXCEL_EPOCH).days
    out["amount"] = float(Decimal(int(r["amount_cents"])) / 100)
    for k in ACTIVITY:
        if k in r and r[k] is not None and not pd.isna(r[k]):
            out[k] = int(r[k])
    return out


def _new_sign_offs(plan: Plan, returned: list[Returned]) -> pd.DataFrame:
    """The acceptances read that tblSignOffs does not hold yet (same rep, date and version)."""
    rows = [
        {"rep_id": r.rep_id, "accepted_on": r.accepted_on, "version": r.version, "file": r.file}
        for r in returned
        if r.accepted_on is not None
    ]
    frame = pd.DataFrame(rows, columns=["rep_id", "accepted_on", "version", "file"])
    held = plan.sign_offs
    if held is None or held.empty or frame.empty:
        return frame
    seen = {
        (
            str(r.rep_id),
            pd.Timestamp(r.accepted_on).date(),
            None if pd.isna(r.version) else int(r.version),
        )
        for r in held.itertuples()
        if r.rep_id is not None and not pd.isna(r.accepted_on)
    }
    keep = [(r.rep_id, r.accepted_on, r.version) not in seen for r in frame.itertuples()]
    return frame[keep].reset_index(drop=True)


def _sign_off_edits(plan: Plan, signed: pd.DataFrame, now: dt.datetime, edits: TableEdits) -> bool:
    """Rows appended to tblSignOffs; True when the table is added (the plan has none)."""
    if signed.empty:
        return False
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    spec = BY_KEY["sign_offs"]
    values = [
        {
            "rep_id": r.rep_id,
            "accepted_on": (r.accepted_on - EXCEL_EPOCH).days,
            "version": None if r.version is None or pd.isna(r.version) else int(r.version),
            "file": r.file,
            "collected_at": stamp,
        }
        for r in signed.itertuples()
    ]
    if plan.sign_offs is None:
        frame = pd.DataFrame(values, columns=[c.key for c in spec.columns], dtype=object)
        frame["accepted_on"] = [r.accepted_on for r in signed.itertuples()]
        edits.creates.append(NewTable(spec, frame, plan.settings.locale))
        return True
    letters = plan.sign_offs.attrs.get("columns", {})
    missing = [c for c in spec.columns if c.key not in letters]
    if missing:
        raise PlanError(
            [
                Problem(
                    plan.sign_offs.attrs.get("sheet", spec.sheet),
                    "",
                    said("change_log_column_missing", table=spec.name, column=c.en, column_zh=c.zh),
                    said("column_add", column=c.en),
                )
                for c in missing
            ]
        )
    edits.appends[SIGN_OFFS] = [{letters[k]: v for k, v in row.items()} for row in values]
    return False


def _targets_edits(
    book: PlanBook, plan: Plan, signed: pd.DataFrame, edits: TableEdits
) -> tuple[bool, int]:
    """The SignedOff cells of tblTargets set to what the next decompose would show there (each
    rep's latest acceptance, those recorded now included), where they show anything else;
    no other cell of Targets. (False, 0) when the plan has no Targets with that column (a
    plan not decomposed yet, or by a salesplan that wrote the column only once someone
    had accepted): the next decompose shows it. Else (True, cells changed)."""
    table = book.table(TARGETS)
    if table is None:
        return False, 0
    headers = [str(h).strip() if h is not None else "" for h in table.headers]
    at = {}
    for key in ("rep_id", "signed_off"):
        names = {label(key, loc) for loc in LOCALES}
        at[key] = next((j for j, h in enumerate(headers) if h in names), None)
    if None in at.values():
        return False, 0
    cols = ["rep_id", "accepted_on", "version"]
    held = plan.sign_offs.reindex(columns=cols) if plan.sign_offs is not None else None
    frames = [f for f in (held, signed[cols]) if f is not None and len(f)]
    shown = signed_off(
        pd.concat(frames, ignore_index=True) if frames else None, plan.settings.locale
    )
    reps = set(plan.reps["rep_id"].astype(str))
    changed = 0
    for i, row in enumerate(table.rows):
        rep = row[at["rep_id"]]
        rep = "" if rep is None else str(rep).strip()
        if rep not in reps:  # a total row, or a rep the last decompose did not see
            continue
        now = row[at["signed_off"]]
        now = None if now is None or str(now) == "" else str(now)
        wanted = shown.get(rep)
        if now != wanted:
            edits.cells[(TARGETS, table.cell(i, at["signed_off"]))] = wanted
            changed += 1
    return True, changed
