"""`make fuzz`: the whole corpus through decompose, track, issue and recalibrate, each in a
worker process whose address space is capped; a table of outcomes per mutation kind (ok,
exit 2, other: exit 1, a crash or a broken rule) and the messages that say least about where.

    python -m tests.fuzz.run [--jobs 2] [--only KIND] [--limit N]
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from tests.fuzz.corpus import KINDS, corpus
from tests.fuzz.outcome import FILE, LEVELS, SHEET, level, sheet_names

COMMANDS = ("decompose", "track", "issue", "recalibrate")
MEMORY_LIMIT = 3 << 30


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_one(index: int) -> list[tuple]:
    """Mutation `index` through each command: (command, outcome, exit, defects, [(level,
    line)])."""
    from tests.fuzz.test_fuzz import command_lines
    from xl_addin.cli import main

    m = corpus()[index]
    sheets = sheet_names(m.locale)
    data = m.data()
    rows = []
    for command in COMMANDS:
        with tempfile.TemporaryDirectory() as folder:
            plan = Path(folder) / "plan.xlsx"
            plan.write_bytes(data)
            err = io.StringIO()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                try:
                    code = main(command_lines(plan)[command])
                except BaseException as exc:  # noqa: BLE001 - SystemExit from argparse too
                    code, _ = -1, print(f"{type(exc).__name__}: {exc}", file=err)
            lines = err.getvalue().splitlines()
            defects, said = [], []
            if code not in (0, 2):
                defects.append(f"exit {code}: {' / '.join(lines)[:300]}")
            if code == 2:
                least = FILE if m.kind == "packages" else SHEET
                for line in lines[1:]:
                    if line.startswith(("…", "  ")):
                        continue
                    lv = level(line.split(": ", 1)[0], sheets, {plan.name, str(plan)})
                    said.append((lv, line.replace(str(plan), "plan.xlsx")))
                    if lv < least:
                        defects.append(f"names {LEVELS[lv]}")
                if plan.read_bytes() != data:
                    defects.append("the plan changed after exit 2")
                if sorted(p.name for p in Path(folder).iterdir()) != ["plan.xlsx"]:
                    defects.append("files left after exit 2")
            left = [p.name for p in Path(folder).rglob("*") if ".tmp" in p.name]
            if left:
                defects.append(f"left {left}")
            outcome = "ok" if code == 0 and not defects else "exit 2" if not defects else "other"
            rows.append((command, outcome, code, defects, said))
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="make fuzz")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--only", choices=KINDS)
    p.add_argument("--limit", type=int, help="the first N mutations only")
    args = p.parse_args(argv)
    mutations = corpus()
    indices = [i for i, m in enumerate(mutations) if args.only in (None, m.kind)]
    indices = indices[: args.limit] if args.limit else indices
    started = time.perf_counter()
    results: dict[int, list[tuple]] = {}
    pending = list(indices)
    while pending:  # a worker that dies (an abort) breaks the pool: the rest go to a new one
        with concurrent.futures.ProcessPoolExecutor(args.jobs, initializer=_limit) as pool:
            futures = {pool.submit(run_one, i): i for i in pending}
            broken = []
            for future in concurrent.futures.as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except concurrent.futures.process.BrokenProcessPool:
                    broken.append(i)
                if len(results) % 50 == 0:
                    print(f"  {len(results)} of {len(indices)} mutations", file=sys.stderr)
        if len(broken) == len(pending):  # each alone, to find which one kills its process
            for i in broken:
                with concurrent.futures.ProcessPoolExecutor(1, initializer=_limit) as pool:
                    try:
                        results[i] = pool.submit(run_one, i).result()
                    except concurrent.futures.process.BrokenProcessPool:
                        results[i] = [(c, "other", -6, ["the process died"], []) for c in COMMANDS]
            broken = []
        pending = broken
    report(mutations, results, time.perf_counter() - started)
    return 1 if any(r[1] == "other" for rows in results.values() for r in rows) else 0


def report(mutations, results: dict[int, list[tuple]], seconds: float) -> None:
    table: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    per_mutation: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    worst, others = [], []
    for i, rows in sorted(results.items()):
        m = mutations[i]
        outcomes = {r[1] for r in rows}
        per_mutation[m.kind][
            "other" if "other" in outcomes else "exit 2" if "exit 2" in outcomes else "ok"
        ] += 1
        for command, outcome, _, defects, said in rows:
            table[m.kind][outcome] += 1
            table["all"][outcome] += 1
            if defects:
                others.append(f"{m.name} / {command}: {'; '.join(defects)}")
            for lv, line in said:
                worst.append((lv, len(line), line, m.name, command))
    runs = sum(len(r) for r in results.values())
    print(f"{len(results)} mutations × {len(COMMANDS)} commands = {runs} runs in {seconds:.0f} s")
    print(
        f"{'kind':<10} {'runs: ok':>9} {'exit 2':>7} {'other':>6}   mutations: ok / exit 2 / other"
    )
    for kind in (*KINDS, "all"):
        c = table[kind]
        pm = (
            per_mutation[kind]
            if kind != "all"
            else sum(per_mutation.values(), collections.Counter())
        )
        print(
            f"{kind:<10} {c['ok']:>9} {c['exit 2']:>7} {c['other']:>6}   "
            f"{pm['ok']} / {pm['exit 2']} / {pm['other']}"
        )
    print(f"\nother ({len(others)}):")
    for line in others[:40]:
        print("  " + line)
    print("\nthe least located messages (by the place they name, then shortest):")
    seen = set()
    for lv, _, line, name, command in sorted(worst):
        key = line.split(" — ")[0][:90]
        if key in seen:
            continue
        seen.add(key)
        print(f"  [{LEVELS[lv]}] {line}\n      ({name} / {command})")
        if len(seen) == 12:
            break


if __name__ == "__main__":
    sys.exit(main())
