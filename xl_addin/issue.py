"""`salesplan issue`: one responsibility workbook per rep and a roll-up per region (SPEC §8).

Workbooks are rendered on all cores (each from its own RepBook, which holds nothing about
any other rep), with a progress bar, into a temporary folder inside the output folder and
moved into place only when every one of them is written: a failed run leaves no partial set.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from engine.plan import Plan
from engine.progress import Progress, progress
from xl_addin.labels import label
from xl_addin.outputs import Block, OutputSheet, _columns, _yuan
from xl_addin.render import render
from xl_addin.render_repbook import render_repbook
from xl_addin.responsibility import RepBook, rep_books, safe_name

PARALLEL_FROM = 64  # fewer workbooks render faster in this process than through a pool


@dataclasses.dataclass(frozen=True)
class Issued:
    books: list[RepBook]
    files: list[Path]  # per rep, in the order of books
    rollups: dict[str, Path]  # region -> file
    passwords: Path | None  # the manager's password list, with --encrypt


def issue(plan: Plan, out: Path, encrypt: bool = False, workers: int | None = None) -> Issued:
    p = progress(plan)
    books = rep_books(p, plan)
    passwords = None
    if encrypt:
        from xl_addin.encrypt import passwords_for

        by_rep = passwords_for(plan.reps)
        ids = plan.reps["rep_id"].tolist()
        passwords = {ids[k]: by_rep.iloc[k] for k in range(len(ids))}
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".salesplan-issue-", dir=out))
    try:
        jobs = [
            (b, str(staging / b.file_name), passwords.get(b.rep_id) if passwords else None)
            for b in books
        ]
        _render_all(jobs, workers)
        rollups = {}
        for region, sheets in rollup_sheets(p, plan).items():
            name = f"{safe_name(label('region', plan.settings.locale))}_{safe_name(region)}_{plan.settings.period_start:%Y-%m-%d}.xlsx"
            (staging / name).write_bytes(render(sheets))
            rollups[region] = out / name
        files = [out / b.file_name for b in books]
        for made in staging.iterdir():
            os.replace(made, out / made.name)
        listing = None
        if passwords:
            from xl_addin.encrypt import write_password_list

            listing = out / "passwords.csv"
            write_password_list(
                listing,
                [
                    {
                        "RepID": b.rep_id,
                        "Name": b.name,
                        "File": b.file_name,
                        "Password": passwords[b.rep_id],
                    }
                    for b in books
                ],
            )
        return Issued(books, files, rollups, listing)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _render_all(jobs: list, workers: int | None) -> None:
    workers = workers or os.cpu_count() or 1
    bar = tqdm(total=len(jobs), unit="workbook", desc="issuing", leave=False, disable=None)
    try:
        if workers == 1 or len(jobs) < PARALLEL_FROM:
            for job in jobs:
                write_book(job)
                bar.update()
            return
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(write_book, jobs, chunksize=max(1, len(jobs) // (workers * 8))):
                bar.update()
    finally:
        bar.close()


def write_book(job: tuple[RepBook, str, str | None]) -> None:
    book, path, password = job
    data = render_repbook(book)
    if password:
        from xl_addin.encrypt import encrypt

        data = encrypt(data, password)
    Path(path).write_bytes(data)


def rollup_sheets(p: Progress, plan: Plan) -> dict[str, list[OutputSheet]]:
    """Per region: its reps' targets, progress and weekly plan — nothing of other regions."""
    s = plan.settings
    cols = _columns(s)
    d = p.decomposition
    t = d.targets.reset_index(drop=True)
    tr = p.tracking.reset_index(drop=True)
    frame = pd.concat(
        [
            t[["rep_id", "name", "region", "floor", "target", "challenge"]],
            tr[["to_date", "plan_to_date", "pace", "status"]].assign(
                to_date=_yuan(tr["to_date"]), plan_to_date=_yuan(tr["plan_to_date"])
            ),
            d.weekly.reset_index(drop=True),
        ],
        axis=1,
    )
    weeks = list(d.weekly.columns)
    out = {}
    for region, reps in frame.groupby("region", sort=False):
        reps = reps.reset_index(drop=True)
        summary = Block(
            "tblRegionReps",
            cols(
                ("rep_id", None, "text"),
                ("name", None, "text"),
                ("floor", None, "money"),
                ("target", None, "money"),
                ("challenge", None, "money"),
                ("to_date", None, "cents"),
                ("plan_to_date", None, "cents"),
                ("pace", None, "pct"),
                ("status", None, "text"),
            ),
            reps,
            title=f"{label('region', s.locale)}: {region}",
            status="status",
        )
        phasing = Block(
            "tblRegionPhasing",
            cols(("rep_id", None, "text"), *((w, w, "money") for w in weeks)),
            reps,
            title=label("weekly_plan", s.locale),
        )
        out[str(region)] = [OutputSheet("Region", label("region", s.locale), (summary, phasing))]
    return out
