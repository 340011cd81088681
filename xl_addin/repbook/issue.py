"""`salesplan issue`: one responsibility workbook per rep and a roll-up per region (SPEC §8;
the roll-up is rollup.py's).

Workbooks are rendered on all cores (each rep's from its own RepBook, which holds nothing
about any other rep; the region roll-ups among them), with a progress bar, into a temporary
folder inside the output folder and moved into place only when every one of them is written:
a failed run leaves no partial set.
Every recipient gets a file of their own, on file systems that ignore case too (`file_names`):
names that would be one get a code from the RepID (or region), and the summary says so.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from engine.plan import Plan
from engine.problems import at_row
from engine.progress import progress
from engine.recalibrate import latest_changes
from engine.settings import Settings
from engine.tracking import latest_week
from xl_addin.repbook.csvtext import neutral
from xl_addin.repbook.pool import in_order
from xl_addin.repbook.render import render_repbook
from xl_addin.repbook.responsibility import (
    Clash,
    RepBook,
    rep_books,
    rep_file_name,
    text,
    unique_file_names,
)
from xl_addin.repbook.rollup import rollup_file_name, rollup_sheets
from xl_addin.sheets.render import render

MANIFEST = "manifest.csv"
PASSWORD_LIST = "passwords.csv"  # with --encrypt: the director's list, never mailed
MANIFEST_COLUMNS = (
    "Kind", "RepID", "Name", "Email", "EmailCell", "Region", "File", "SHA256", "Period",
    "Version", "Locale", "Unit", "Floor", "Target", "Challenge", "FirstWeeks",
    "Numbers", "OldTarget", "Reason", "ChangeVersion", "FromWeek", "WeeksAhead",
)  # fmt: skip
# What a revision needs (see write_manifest); a manifest written before they were may lack them.
REVISION_COLUMNS = ("Numbers", "OldTarget", "Reason", "ChangeVersion", "FromWeek", "WeeksAhead")
MANIFEST_NUMBERS = (
    "Version", "Unit", "Floor", "Target", "Challenge", "OldTarget", "ChangeVersion", "FromWeek",
)  # written as numbers  # fmt: skip
FIRST_WEEKS = 4  # the weeks of plan an e-mail shows  # fewer workbooks render faster in this process than through a pool


@dataclasses.dataclass(frozen=True)
class Issued:
    books: list[RepBook]
    files: list[Path]  # per rep, in the order of books
    rollups: dict[str, Path]  # region -> file
    passwords: Path | None  # the manager's password list, with --encrypt
    clashes: tuple[Clash, ...] = ()  # recipients whose file names had to be told apart


@dataclasses.dataclass(frozen=True)
class FileNames:
    """The name of every file `issue` writes for a plan, one per recipient."""

    reps: dict[str, str]  # RepID -> file
    rollups: dict[str, str]  # region -> file
    clashes: tuple[Clash, ...]


def file_names(reps, regions, settings: Settings) -> FileNames:
    """Each rep's file (`reps`: (RepID, name) pairs) and each region's roll-up, unique on any
    file system, Windows' and macOS's that ignore case too (responsibility.unique_file_names)."""
    wanted = {
        ("rep", str(r)): (str(n), rep_file_name(r, n, settings.period_start)) for r, n in reps
    }
    wanted.update({("region", str(g)): (str(g), rollup_file_name(g, settings)) for g in regions})
    names, clashes = unique_file_names(wanted)
    return FileNames(
        {i: f for (kind, i), f in names.items() if kind == "rep"},
        {i: f for (kind, i), f in names.items() if kind == "region"},
        tuple(clashes),
    )


def issue(plan: Plan, out: Path, encrypt: bool = False, workers: int | None = None) -> Issued:
    p = progress(plan)
    books = rep_books(p, plan)
    passwords = region_passwords = None
    if encrypt:  # every workbook written: the reps' and the region managers' roll-ups
        from xl_addin.repbook.encrypt import passwords_for

        by_rep = passwords_for(plan.reps)
        ids = plan.reps["rep_id"].tolist()
        passwords = {ids[k]: by_rep.iloc[k] for k in range(len(ids))}
        by_region = passwords_for(plan.regions)
        region_passwords = dict(zip(plan.regions["region"], by_region, strict=True))
    regional = rollup_sheets(p, plan)
    names = file_names(((b.rep_id, b.name) for b in books), regional, plan.settings)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".salesplan-issue-", dir=out))
    try:
        # the roll-ups first (a few large workbooks), written while the reps' are
        jobs = [
            (sheets, str(staging / names.rollups[region]), (region_passwords or {}).get(region))
            for region, sheets in regional.items()
        ]
        jobs += [
            (b, str(staging / names.reps[b.rep_id]), passwords.get(b.rep_id) if passwords else None)
            for b in books
        ]
        written = _render_all(jobs, workers)  # each file's SHA-256, in the order of jobs
        digests = {Path(j[1]).name: digest for j, digest in zip(jobs, written, strict=True)}
        rollups = {region: out / names.rollups[region] for region in regional}
        files = [out / names.reps[b.rep_id] for b in books]
        write_manifest(staging / MANIFEST, plan, books, names.reps, rollups, digests)
        for made in staging.iterdir():
            os.replace(made, out / made.name)
        listing = None
        if passwords:
            from xl_addin.repbook.encrypt import write_password_list

            listing = out / PASSWORD_LIST
            write_password_list(
                listing,
                [
                    {
                        "RepID": b.rep_id,
                        "Name": b.name,
                        "File": names.reps[b.rep_id],
                        "Password": passwords[b.rep_id],
                    }
                    for b in books
                ]
                + [
                    {
                        "RepID": "",
                        "Name": _manager(plan, region) or region,
                        "File": file.name,
                        "Password": region_passwords[region],
                    }
                    for region, file in rollups.items()
                ],
            )
        return Issued(books, files, rollups, listing, names.clashes)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _manager(plan: Plan, region: str) -> str:
    """The region's manager as tblRegions names them ('' when nobody is named)."""
    rows = plan.regions.index[plan.regions["region"] == region]
    return text(plan.regions.at[rows[0], "manager"]) if len(rows) else ""


def write_manifest(
    path: Path, plan: Plan, books: list[RepBook], files: dict, rollups: dict, digests: dict
) -> None:
    """One row per workbook for `salesplan send`: who receives it, where their address was
    typed (so a bad one is reported at its cell), the file and its SHA-256 (`digests`: file
    name -> the SHA-256 of the bytes written, taken as they were written). Text that a
    spreadsheet would run is neutralised (csvtext); `send` reads it back as it was.

    For revisions (SPEC §7, §11): Numbers is a digest of the plan the workbook gives its
    recipient (not the file, the version or a date), so `send` tells a workbook issued again
    with the same numbers from a revised one; OldTarget, Reason and ChangeVersion are the
    recipient's latest recalibration in tblChangeLog (blank when there was none); WeeksAhead
    is the weekly plan from FromWeek on: the first week without actuals, or the change's
    FromWeek if that is later."""
    s = plan.settings
    ahead = latest_week(plan) + 1
    changes = latest_changes(plan).set_index("rep_id")
    rows = []
    email_cells = _cells(plan.reps, "rep_id", "email")
    for b in books:
        change = _change(changes, [b.rep_id], b.target, ahead)
        rows.append(
            ("rep", b.rep_id, b.name, b.email, email_cells.get(b.rep_id, ""),
             b.region, files[b.rep_id], b.floor, b.target, b.challenge, _weeks(b.weeks, b.plan),
             numbers_digest(*_rep_numbers(b)), *change, _weeks(b.weeks, b.plan, change[3]))
        )  # fmt: skip
    regions = plan.regions
    for region, file in rollups.items():
        mine = [b for b in books if b.region == region]
        i = regions.index[regions["region"] == region]
        manager = regions.at[i[0], "manager"] if len(i) else None
        email = regions.at[i[0], "manager_email"] if len(i) else None
        plan_weeks = [sum(w) for w in zip(*(b.plan for b in mine), strict=True)] if mine else []
        starts = books[0].weeks if books else ()
        target = sum(b.target for b in mine)
        change = _change(changes, [b.rep_id for b in mine], target, ahead)
        rows.append(
            ("region", "", text(manager), text(email),
             _cells(regions, "region", "manager_email").get(region, ""), region, file.name,
             sum(b.floor for b in mine), target, sum(b.challenge for b in mine),
             _weeks(starts, plan_weeks),
             numbers_digest(str(region), *(_region_numbers(b) for b in mine)), *change,
             _weeks(starts, plan_weeks, change[3]))
        )  # fmt: skip
    version = books[0].version if books else int(s["Version"])
    period = f"{s.period_start:%Y-%m-%d}"
    frame = pd.DataFrame(
        [
            (
                *r[:7],
                digests[r[6]],
                period,
                version,
                s.locale,
                int(s["Unit"]),
                *r[7:],
            )  # fmt: skip
            for r in rows
        ],
        columns=list(MANIFEST_COLUMNS),
    )
    for column in ("OldTarget", "ChangeVersion"):  # blank where there is none, not 1699000.0
        frame[column] = frame[column].astype("Int64")
    for column in MANIFEST_COLUMNS:
        if column not in MANIFEST_NUMBERS:  # text, much of it typed by the user
            frame[column] = frame[column].map(neutral)
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def numbers_digest(*numbers) -> str:
    """SHA-256 of a recipient's plan numbers, which `send` compares with those it mailed."""
    return hashlib.sha256(repr(numbers).encode("utf-8")).hexdigest()


def _rep_numbers(b: RepBook) -> tuple:
    """What a rep's workbook commits them to: the tiers, the weekly plan, the products and
    customer types, the KPI goals and the commission terms. Not the version, the file, the
    names or the actuals typed so far."""
    return (
        b.period, len(b.weeks), b.floor, b.target, b.challenge, b.plan, b.floor_plan,
        b.products, b.customer_types, b.kpis,
        tuple((tier, str(rate.normalize())) for tier, rate in b.rates),
        b.mode, None if b.cap is None else str(b.cap.normalize()),
    )  # fmt: skip


def _region_numbers(b: RepBook) -> tuple:
    """A rep's numbers as the region's roll-up shows them: tiers and weekly plan."""
    return (b.rep_id, b.period, b.floor, b.target, b.challenge, b.plan)


def _change(changes: pd.DataFrame, reps: list[str], target: int, ahead: int) -> tuple:
    """(old target, reason, version, from week) of the latest recalibration that moved any of
    `reps`, whose target is now `target`; blanks when none did. The from week is the first
    week without actuals (`ahead`), or the change's if later: the weeks still ahead."""
    if changes.empty or not any(r in changes.index for r in reps):  # nobody moved (a hash)
        return None, "", None, ahead
    mine = changes[changes.index.isin(reps)]
    latest = int(mine["version"].max())
    rows = mine[mine["version"] == latest]
    moved = rows["new"] - rows["old"]  # the old target of a row typed blank is not known
    old = None if moved.isna().any() else target - int(moved.sum())
    return old, rows["reason"].iat[0], latest, max(ahead, int(rows["from_week"].max()))


def _weeks(starts, amounts, from_week: int | None = None) -> str:
    """Weeks of plan as `2026-10-05=127425;…` (week start = whole yuan): the first
    FIRST_WEEKS, or every week from `from_week` (1 for the first) on."""
    weeks = list(zip(starts, amounts, strict=False))
    chosen = weeks[:FIRST_WEEKS] if from_week is None else weeks[max(from_week, 1) - 1 :]
    return ";".join(f"{_day(d)}={a}" for d, a in chosen)


@functools.lru_cache(maxsize=1024)
def _day(d) -> str:
    """A week's start as the manifest spells it, made once (every rep has the same weeks)."""
    return f"{d:%Y-%m-%d}"


def _cells(frame: pd.DataFrame, key: str, column: str) -> dict:
    """Each key's Sheet!Cell of its row's column, e.g. Reps!D7 (the first row of a key; the
    sheet alone when the table lacks the column), for all rows at once."""
    first = frame.index[~frame[key].duplicated()]
    positions = frame.index.get_indexer(first)
    keys = frame[key].iloc[positions].tolist()
    if "locate" in frame.attrs:  # a table from a source outside the workbook
        places = [at_row(frame, int(i), column, "") for i in positions]
    else:
        sheet = frame.attrs.get("sheet", "")
        letter = frame.attrs.get("columns", {}).get(column, "")
        rows = frame["_row"].iloc[positions].tolist() if "_row" in frame else []
        places = [(sheet, f"{letter}{r}") for r in rows] if letter and rows else []
        places = places or [(sheet, "")] * len(keys)
    return {k: f"{at}!{cell}" if cell else at for k, (at, cell) in zip(keys, places, strict=True)}


def _render_all(jobs: list, workers: int | None) -> list[str]:
    """Each job's workbook written (write_book); their SHA-256s, in the order of `jobs`."""
    return in_order(write_book, jobs, workers, desc="issuing")


def write_book(job: tuple[RepBook | list, str, str | None]) -> str:
    """A rep's workbook (a RepBook) or a region's roll-up (its sheets) rendered, and encrypted
    with a password, into its file; the SHA-256 of the bytes written."""
    book, path, password = job
    data = render_repbook(book) if isinstance(book, RepBook) else render(book)
    if password:
        from xl_addin.repbook.encrypt import encrypt

        data = encrypt(data, password)
    Path(path).write_bytes(data)
    return hashlib.sha256(data).hexdigest()
