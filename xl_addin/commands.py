"""What each command does to a planning workbook, and the summary it reports (SPEC §10, §12).

The command line (cli.py, over a FileBook) and the Excel buttons (buttons.py, over a
LiveBook) run the same functions: where the workbook comes from is theirs, the work and the
words are here. A summary is a list of lines: the CLI prints them, a button shows them in a
message box.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

from engine import decompose
from engine.decompose import Decomposition
from engine.progress import Progress, progress
from xl_addin.issue import Issued, issue
from xl_addin.outputs import describe, describe_progress
from xl_addin.reader import read_plan
from xl_addin.recalibration import Recalibrated
from xl_addin.tablesource import PlanBook, TableSource

DECOMPOSED_SHEETS = "Targets, Breakdown, Phasing, Reconciliation"
TRACKED_SHEETS = "Tracking, Commission, Dashboard"


def decompose_book(book: PlanBook) -> Decomposition:
    """§2–§4: read the plan, decompose it, write Targets, Breakdown, Phasing, Reconciliation."""
    plan = read_plan(book)
    result = decompose(plan)
    book.write_sheets(describe(result, plan.settings))
    return result


def track_book(book: PlanBook) -> Progress:
    """§5–§6: actuals to date into Tracking, Commission and Dashboard."""
    plan = read_plan(book)
    result = progress(plan)
    book.write_sheets(describe_progress(result, plan.settings))
    return result


def issue_book(
    book: TableSource, folder: Path, encrypt: bool = False, locale: str | None = None
) -> Issued:
    """§8: a responsibility workbook per rep and a roll-up per region, into `folder`."""
    plan = read_plan(book)
    if locale:
        plan = dataclasses.replace(plan, settings=plan.settings.with_values(Locale=locale))
    return issue(plan, folder, encrypt=encrypt)


def workbooks_folder(plan: Path) -> Path:
    """Where the buttons issue a plan's workbooks: a folder beside it, named after it."""
    return plan.with_name(f"{plan.stem} workbooks")


def parse_amount(text: str) -> int:
    """A target as typed: 1200000, 1,200,000 or 120万; a ValueError says what is wrong."""
    cleaned = str(text).replace(",", "").replace("_", "").strip()
    scale = 10_000 if cleaned.endswith("万") else 1
    try:
        value = Decimal(cleaned.rstrip("万")) * scale
    except ArithmeticError:
        raise ValueError(f"{text!r} is not an amount; type e.g. 1200000") from None
    if value != value.to_integral_value():
        raise ValueError(f"{text!r}: give a whole amount in yuan")
    if not value.is_finite():
        raise ValueError(f"{text!r} is not an amount; type e.g. 1200000")
    return int(value)


def decompose_summary(result: Decomposition, where, seconds: float) -> list[str]:
    team = result.team
    lines = [
        f"Decomposed {where} in {seconds:.1f} s",
        f"  team target {team['target']:,} (floor {team['floor']:,}, challenge {team['challenge']:,}); "
        f"baseline {team['baseline']:,.2f}",
        f"  {len(result.regions)} regions, {len(result.products)} products, {len(result.targets)} reps; "
        f"{len(result.breakdown)} breakdown rows",
    ]
    worst = int(result.reconciliation["difference"].abs().max())
    lines.append(
        f"  reconciliation: {len(result.reconciliation)} checks, largest difference {worst}"
    )
    short = result.regions[result.regions["gap"] > 0]
    for _, r in short.iterrows():
        lines.append(
            f"  capacity: {r['region']} is {r['gap']:,.0f} short of its target at historical pace "
            f"(about {r['extra_headcount']} more reps)"
        )
    lines += [f"  note: {note}" for note in result.notes]
    lines.append(f"  wrote sheets: {DECOMPOSED_SHEETS}")
    return lines


def track_summary(result: Progress, where, seconds: float) -> list[str]:
    t = result.tracking
    counts = t["status"].value_counts()
    return [
        f"Tracked {where} at week {int(t['week'].max())} in {seconds:.1f} s",
        "  status: " + ", ".join(f"{s} {int(counts.get(s, 0))}" for s in ("RED", "AMBER", "GREEN")),
        f"  commission to date {result.commission['commission'].sum() / 100:,.2f}; "
        f"team pool {result.pool_cents / 100:,.2f}",
        f"  wrote sheets: {TRACKED_SHEETS}",
    ]


def recalibrate_summary(result: Recalibrated, where) -> list[str]:
    rows = result.rows
    version = int(rows["version"].iat[0])
    first = int(rows["from_week"].iat[0])
    lines = [
        f"Recalibrated {where}: plan version {version}, weeks {first}–"
        f"{len(result.decomposition.weekly.columns)} re-phased"
    ]
    lines += [f"  {r.rep_id}: {int(r.old):,} → {int(r.new):,}" for r in rows.itertuples()]
    team = result.decomposition.team
    lines.append(
        f"  team target {team['target']:,} (originally {team.get('original_target', team['target']):,}); "
        f"{len(rows)} row{'s' if len(rows) != 1 else ''} appended to tblChangeLog"
    )
    sheets = DECOMPOSED_SHEETS + (f", {TRACKED_SHEETS}" if result.tracked else "")
    lines.append(f"  wrote sheets: {sheets}")
    return lines


def issue_summary(result: Issued, folder: Path, seconds: float) -> list[str]:
    lines = [
        f"Issued {len(result.files)} responsibility workbooks and {len(result.rollups)} region "
        f"roll-ups into {folder} in {seconds:.1f} s"
    ]
    if result.passwords:
        lines.append(
            f"  passwords for the manager: {result.passwords} (never in a workbook or an e-mail)"
        )
    return lines
