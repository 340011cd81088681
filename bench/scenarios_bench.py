"""Time `salesplan scenarios` (20 scenarios) against one `salesplan decompose` on a generated
organisation: read, engine, write, in seconds; the goal is under 3× one decompose.

    .venv/bin/python bench/scenarios_bench.py --reps 2000 --weeks 104 --scenarios 20
Builds the workbook once (not timed, as bench/decompose_bench.py does), then runs each
command on its own copy.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.decompose_bench import EXCEL_ROWS, organisation
from engine import decompose
from engine.scenarios import compare
from xl_addin.sheets.outputs import describe
from xl_addin.sheets.scenarios import describe_scenarios
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.init import _write
from xl_addin.workbook.reader import read_plan


def scenarios(n: int) -> pd.DataFrame:
    """n scenarios a director might compare: growth from 0 % up, every third with another
    buffer, every fifth a TeamTarget, every seventh another region blend."""
    rows = []
    for i in range(n):
        name = f"S{i + 1:02d}"
        rows.append((name, "MarketGrowth", f"{2 * i}%"))
        if i % 3 == 0:
            rows.append((name, "Buffer", f"{2 + i % 5}%"))
        if i % 5 == 4:
            rows.append((name, "TeamTarget", 1_000_000_000 + 10_000_000 * i))
        if i % 7 == 6:
            rows.append((name, "RegionBlend", "0.6,0.2,0.2"))
    return pd.DataFrame(rows, columns=["scenario", "setting", "value"])


def timed(path: Path, run) -> tuple[float, float, float]:
    """(read, engine, write) seconds of `run(plan) -> sheets` over the plan at `path`."""
    t0 = time.perf_counter()
    book = FileBook(path)
    plan = read_plan(book)
    t1 = time.perf_counter()
    sheets = run(plan)
    t2 = time.perf_counter()
    book.write_sheets(sheets)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--scenarios", type=int, default=20)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="salesplan-bench-"))
    path = folder / "plan.xlsx"
    t = time.perf_counter()
    tables = organisation(args.reps, args.weeks)
    tables["scenarios"] = scenarios(args.scenarios)
    if len(tables["history"]) >= EXCEL_ROWS:
        raise SystemExit("too many history rows for one sheet: fewer reps or weeks")
    _write(str(path), tables, "en")
    print(
        f"built {args.reps} reps × {args.weeks} weeks of history and {args.scenarios} "
        f"scenarios in {time.perf_counter() - t:.1f} s"
    )
    one, many = folder / "decompose.xlsx", folder / "scenarios.xlsx"
    shutil.copyfile(path, one)
    shutil.copyfile(path, many)
    d = timed(one, lambda plan: describe(decompose(plan), plan.settings))
    s = timed(many, lambda plan: describe_scenarios(compare(plan), plan.settings))
    for name, (r, e, w) in (("decompose", d), (f"scenarios ({args.scenarios})", s)):
        print(
            f"{name}: read {r:.2f} s · engine {e:.2f} s · write {w:.2f} s · total {r + e + w:.2f} s"
        )
    print(f"scenarios / decompose: {sum(s) / sum(d):.2f}× (goal: under 3×)")


if __name__ == "__main__":
    main()
