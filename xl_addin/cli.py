"""The `salesplan` command: the same engine as the Excel buttons, over files (SPEC §12)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import time
from decimal import Decimal
from pathlib import Path

from engine import decompose
from engine.problems import PlanError, format_problems
from engine.progress import progress
from engine.recalibrate import Request
from xl_addin.filebook import FileBook
from xl_addin.init_workbook import write_plan
from xl_addin.issue import issue
from xl_addin.outputs import describe, describe_progress
from xl_addin.reader import read_plan
from xl_addin.recalibration import recalibrate

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def run_decompose(path: Path, out=None) -> int:
    out = out or sys.stdout
    started = time.perf_counter()
    book = FileBook(path)
    plan = read_plan(book)
    result = decompose(plan)
    book.write_sheets(describe(result, plan.settings))
    seconds = time.perf_counter() - started
    team = result.team
    print(f"Decomposed {path} in {seconds:.1f} s", file=out)
    print(
        f"  team target {team['target']:,} (floor {team['floor']:,}, challenge {team['challenge']:,}); "
        f"baseline {team['baseline']:,.2f}",
        file=out,
    )
    print(
        f"  {len(result.regions)} regions, {len(result.products)} products, {len(result.targets)} reps; "
        f"{len(result.breakdown)} breakdown rows",
        file=out,
    )
    worst = int(result.reconciliation["difference"].abs().max())
    print(
        f"  reconciliation: {len(result.reconciliation)} checks, largest difference {worst}",
        file=out,
    )
    short = result.regions[result.regions["gap"] > 0]
    for _, r in short.iterrows():
        print(
            f"  capacity: {r['region']} is {r['gap']:,.0f} short of its target at historical pace "
            f"(about {r['extra_headcount']} more reps)",
            file=out,
        )
    for note in result.notes:
        print(f"  note: {note}", file=out)
    print("  wrote sheets: Targets, Breakdown, Phasing, Reconciliation", file=out)
    return EXIT_OK


def run_track(path: Path, out=None) -> int:
    out = out or sys.stdout
    started = time.perf_counter()
    book = FileBook(path)
    plan = read_plan(book)
    result = progress(plan)
    book.write_sheets(describe_progress(result, plan.settings))
    t = result.tracking
    counts = t["status"].value_counts()
    print(
        f"Tracked {path} at week {int(t['week'].max())} in {time.perf_counter() - started:.1f} s",
        file=out,
    )
    print(
        "  status: " + ", ".join(f"{s} {int(counts.get(s, 0))}" for s in ("RED", "AMBER", "GREEN")),
        file=out,
    )
    print(
        f"  commission to date {result.commission['commission'].sum() / 100:,.2f}; "
        f"team pool {result.pool_cents / 100:,.2f}",
        file=out,
    )
    print("  wrote sheets: Tracking, Commission, Dashboard", file=out)
    return EXIT_OK


def run_recalibrate(path: Path, change: Request, now=None, out=None) -> int:
    out = out or sys.stdout
    result = recalibrate(FileBook(path), change, now or dt.datetime.now())
    rows = result.rows
    version = int(rows["version"].iat[0])
    first = int(rows["from_week"].iat[0])
    print(
        f"Recalibrated {path}: plan version {version}, weeks {first}–"
        f"{len(result.decomposition.weekly.columns)} re-phased",
        file=out,
    )
    for r in rows.itertuples():
        print(f"  {r.rep_id}: {int(r.old):,} → {int(r.new):,}", file=out)
    team = result.decomposition.team
    print(
        f"  team target {team['target']:,} (originally {team.get('original_target', team['target']):,}); "
        f"{len(rows)} row{'s' if len(rows) != 1 else ''} appended to tblChangeLog",
        file=out,
    )
    sheets = "Targets, Breakdown, Phasing, Reconciliation"
    if result.tracked:
        sheets += ", Tracking, Commission, Dashboard"
    print(f"  wrote sheets: {sheets}", file=out)
    return EXIT_OK


def run_issue(path: Path, folder: Path, encrypt=False, locale=None, out=None) -> int:
    out = out or sys.stdout
    started = time.perf_counter()
    plan = read_plan(FileBook(path))
    if locale:
        plan = dataclasses.replace(plan, settings=plan.settings.with_values(Locale=locale))
    result = issue(plan, folder, encrypt=encrypt)
    print(
        f"Issued {len(result.files)} responsibility workbooks and {len(result.rollups)} region "
        f"roll-ups into {folder} in {time.perf_counter() - started:.1f} s",
        file=out,
    )
    if result.passwords:
        print(
            f"  passwords for the manager: {result.passwords} (never in a workbook or an e-mail)",
            file=out,
        )
    return EXIT_OK


def run_demo(folder: Path, out=None) -> int:
    out = out or sys.stdout
    folder.mkdir(parents=True, exist_ok=True)
    plan = folder / "plan.xlsx"
    if plan.exists():
        plan.unlink()
    write_plan(plan, example=True, locale="zh-CN")
    print(f"Example planning workbook: {plan}", file=out)
    run_decompose(plan, out)
    run_track(plan, out)
    run_issue(plan, folder / "workbooks", out=out)
    print(
        f"Open {plan} in Excel or LibreOffice to see the Targets, Breakdown, Phasing, "
        "Reconciliation, Tracking, Commission and Dashboard sheets, and "
        f"{folder / 'workbooks'} for each rep's responsibility workbook.",
        file=out,
    )
    return EXIT_OK


def _amount(text: str) -> int:
    """--target as typed: 1200000, 1,200,000 or 120万."""
    cleaned = text.replace(",", "").replace("_", "").strip()
    scale = 10_000 if cleaned.endswith("万") else 1
    try:
        value = Decimal(cleaned.rstrip("万")) * scale
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount; type e.g. 1200000") from None
    if value != value.to_integral_value():
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole amount in yuan")
    return int(value)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="salesplan",
        description="Set, split and phase sales targets in an Excel planning workbook.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create a new planning workbook")
    init.add_argument("plan", type=Path)
    init.add_argument(
        "--example", action="store_true", help="fill it with a realistic example company"
    )
    init.add_argument("--locale", choices=("zh-CN", "en"), default="zh-CN")
    dec = sub.add_parser("decompose", help="set and split the targets into the output sheets")
    dec.add_argument("plan", type=Path)
    trk = sub.add_parser(
        "track", help="actuals to date: Tracking (red/amber/green) and Commission sheets"
    )
    trk.add_argument("plan", type=Path)
    rec = sub.add_parser(
        "recalibrate",
        help="change a rep's, a region's or the team's target (capped, logged in tblChangeLog)",
    )
    rec.add_argument("plan", type=Path)
    who = rec.add_mutually_exclusive_group(required=True)
    who.add_argument("--rep", metavar="ID", help="the rep's RepID")
    who.add_argument("--region", metavar="NAME", help="a region: its reps move in proportion")
    who.add_argument("--team", action="store_true", help="the team: every rep in proportion")
    rec.add_argument("--target", required=True, type=_amount, help="the new target, e.g. 1200000")
    rec.add_argument("--reason", required=True, help="why; recorded in tblChangeLog")
    rec.add_argument("--approver", default="", help="who approved it (needed beyond FlexReserve)")
    iss = sub.add_parser(
        "issue", help="one responsibility workbook per rep and a roll-up per region"
    )
    iss.add_argument("plan", type=Path)
    iss.add_argument("--out", type=Path, required=True, help="the folder for the workbooks")
    iss.add_argument(
        "--encrypt",
        action="store_true",
        help="password-protect each workbook (list for the manager)",
    )
    iss.add_argument("--locale", choices=("zh-CN", "en"), help="the workbooks' language")
    demo = sub.add_parser("demo", help="init --example, decompose and track, into a folder")
    demo.add_argument("folder", type=Path, nargs="?", default=Path("salesplan-demo"))
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "init":
            write_plan(args.plan, example=args.example, locale=args.locale)
            print(f"Wrote {args.plan}")
            return EXIT_OK
        if args.command == "decompose":
            return run_decompose(args.plan)
        if args.command == "track":
            return run_track(args.plan)
        if args.command == "recalibrate":
            scope, key = (
                ("rep", args.rep)
                if args.rep
                else ("region", args.region)
                if args.region
                else ("team", "")
            )
            change = Request(scope, key, args.target, args.reason, args.approver)
            return run_recalibrate(args.plan, change)
        if args.command == "issue":
            return run_issue(args.plan, args.out, args.encrypt, args.locale)
        if args.command == "demo":
            return run_demo(args.folder)
    except PlanError as exc:
        n = len(exc.problems)
        print(
            f"salesplan: {n} problem{'s' if n != 1 else ''} in the input; nothing was changed.",
            file=sys.stderr,
        )
        print(format_problems(exc.problems), file=sys.stderr)
        return EXIT_BAD_INPUT
    except FileExistsError as exc:
        print(f"salesplan: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # the last line of defence: no traceback for a user
        print(f"salesplan: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
