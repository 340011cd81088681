"""Time `salesplan issue` rendering responsibility workbooks, against raw XlsxWriter.

    .venv/bin/python bench/issue_bench.py --reps 200 2000 --weeks 13 [--profile 50]
Per rep count, in a process of its own so that its peak RSS is its own: build a plan (not
timed), time progress + rep_books, render every rep's workbook to files on one process and on
all cores, then write the same cells with plain XlsxWriter calls as a floor for what any
renderer costs, and finally time issue() end to end (region roll-ups and manifest included).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import openpyxl
import xlsxwriter
from openpyxl.utils.datetime import to_excel

from engine.progress import progress
from xl_addin.repbook.issue import _render_all, issue, write_book
from xl_addin.repbook.pool import PARALLEL_FROM
from xl_addin.repbook.responsibility import rep_books
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.init import _write
from xl_addin.workbook.reader import read_plan

try:
    from bench.decompose_bench import organisation  # python -m bench.issue_bench
except ImportError:  # python bench/issue_bench.py puts bench/ itself on sys.path
    from decompose_bench import organisation

KINDS = ("string", "number", "formula")
BUILD = "progress + rep_books, once"


def build_plan(n_reps: int, weeks: int, history_weeks: int, folder: Path):
    """The decompose benchmark's organisation, with a period of `weeks` weeks."""
    tables = organisation(n_reps, history_weeks)
    settings = tables["settings"]
    settings.loc[settings["setting"] == "PeriodWeeks", "value"] = weeks
    path = folder / "plan.xlsx"
    _write(str(path), tables, "en")
    return read_plan(FileBook(path))


def template_cells(path: Path) -> dict[str, list[tuple]]:
    """Per sheet, every cell of one rendered workbook as (row, col, kind, value); a date counts
    as the number it is stored as, a styled empty cell as 'blank'."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if v is None and not c.has_style:
                    continue  # iter_rows fills the rectangle with cells the file lacks
                if v is None:
                    kind = "blank"
                elif c.data_type == "f":
                    kind = "formula"
                elif isinstance(v, str):
                    kind = "string"
                else:
                    kind = "number"
                    if isinstance(v, dt.datetime | dt.date):
                        v = to_excel(v)
                cells.append((c.row - 1, c.column - 1, kind, v))
        out[ws.title] = cells
    return out


def write_plain_all(cells: dict[str, list[tuple]], paths: list[str]) -> None:
    for path in paths:
        write_plain(cells, path)


def write_plain(cells: dict[str, list[tuple]], path: str, constant_memory: bool = False) -> None:
    """The same sheets and cells with plain write_* calls: no formats, chart or protection.

    `constant_memory`: XlsxWriter's row-by-row mode, straight to the file (cells come in row
    order from template_cells, as that mode needs)."""
    if constant_memory:
        wb = xlsxwriter.Workbook(path, {"constant_memory": True})
        _write_cells(wb, cells)
        wb.close()
        return
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    _write_cells(wb, cells)
    wb.close()
    Path(path).write_bytes(buffer.getvalue())


def _write_cells(wb: xlsxwriter.Workbook, cells: dict[str, list[tuple]]) -> None:
    for name, sheet_cells in cells.items():
        ws = wb.add_worksheet(name)
        for r, c, kind, v in sheet_cells:
            if kind == "string":
                ws.write_string(r, c, v)
            elif kind == "number":
                ws.write_number(r, c, v)
            elif kind == "formula":
                ws.write_formula(r, c, v)


def timed(fn, *args) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of this process and of its finished children (the pool)."""

    def cpu() -> float:
        me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    t, c = time.perf_counter(), cpu()
    fn(*args)
    return time.perf_counter() - t, cpu() - c


def size_per_book(folder: Path, n: int) -> float:
    """KB per workbook of the .xlsx files in folder (n of them)."""
    return sum(p.stat().st_size for p in folder.glob("*.xlsx")) / n / 1024


def peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run_one(n_reps: int, weeks: int, history_weeks: int, profile: int) -> None:
    cores = os.cpu_count() or 1
    load_before = load()
    with tempfile.TemporaryDirectory(prefix="salesplan-issue-bench-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        plan = build_plan(n_reps, weeks, history_weeks, root)
        built = time.perf_counter() - t

        books: list = []
        t_books = timed(lambda: books.extend(rep_books(progress(plan), plan)))
        rss_books = peak_mib(resource.RUSAGE_SELF)

        def jobs(name: str) -> tuple[Path, list]:
            folder = root / name
            folder.mkdir()
            return folder, [(b, str(folder / b.file_name), None) for b in books]

        one, one_jobs = jobs("one")
        t_one = timed(_render_all, one_jobs, 1)
        many, many_jobs = jobs("many")
        t_many = timed(_render_all, many_jobs, cores)

        cells = template_cells(Path(one_jobs[0][1]))
        plain = root / "plain"
        plain.mkdir()
        t_plain = timed(write_plain_all, cells, [str(plain / b.file_name) for b in books])
        t_issue = timed(issue, plan, root / "issue", False, cores)

        kb_one, kb_plain = size_per_book(one, n_reps), size_per_book(plain, n_reps)
        counts = {
            sheet: Counter(kind for *_, kind, _ in sheet_cells)
            for sheet, sheet_cells in cells.items()
        }
        rss_self = peak_mib(resource.RUSAGE_SELF)
        rss_children = peak_mib(resource.RUSAGE_CHILDREN)

    serial = f" (< {PARALLEL_FROM} books: serial)" if n_reps < PARALLEL_FROM else ""
    rows = [
        (BUILD, t_books, ""),
        ("salesplan render, 1 process", t_one, f"{t_one[0] / t_plain[0]:.2f}× raw"),
        (
            f"salesplan render, {cores} processes{serial}",
            t_many,
            f"speed-up {t_one[0] / t_many[0]:.2f}× over 1 process",
        ),
        ("raw XlsxWriter, same cells, 1 process", t_plain, "1.00× raw"),
        (f"issue() end to end, {cores} processes", t_issue, ""),
    ]
    print(
        f"\n{n_reps:,} reps × {weeks} weeks · {cores} cores · Python {sys.version.split()[0]} · "
        f"XlsxWriter {xlsxwriter.__version__} · load average {load_before} before, {load()} after"
    )
    print(f"  plan built and read in {built:.1f} s (not timed below)")
    print(f"  {'step':<44} {'wall s':>7} {'CPU s':>7} {'books/s':>8}")
    for name, (wall, cpu), note in rows:
        rate = "" if name == BUILD else f"{n_reps / wall:8.1f}"
        print(f"  {name:<44} {wall:7.2f} {cpu:7.2f} {rate:>8}  {note}")
    print(
        "  render = _render_all(jobs, workers): render_repbook + write each rep's .xlsx "
        "(no roll-ups, no manifest); issue() adds progress, rep_books, roll-ups, manifest; "
        "CPU s includes the pool's processes; books/s is on wall time"
    )
    for sheet, c in counts.items():
        print(
            f"  cells on {sheet:<8} "
            + ", ".join(f"{c[k]} {k}s" for k in KINDS)
            + f" (+{c['blank']} formatted blanks, not in raw)"
        )
    print(f"  size per workbook: salesplan {kb_one:.1f} KB, raw XlsxWriter {kb_plain:.1f} KB")
    print(
        f"  peak RSS: this process {rss_self:.0f} MiB ({rss_books:.0f} after rep_books), "
        f"largest pool worker {rss_children:.0f} MiB"
    )
    if profile:
        profile_render(books[:profile])


def profile_render(books: list) -> None:
    """Where rendering time goes: the top entries by cumulative time, one book after another."""
    with tempfile.TemporaryDirectory(prefix="salesplan-issue-profile-") as tmp:
        jobs = [(b, str(Path(tmp) / b.file_name), None) for b in books]
        profiler = cProfile.Profile()
        profiler.enable()
        for job in jobs:
            write_book(job)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(12)
    print(f"\ncProfile, {len(books)} workbooks on 1 process, by cumulative time:")
    print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, nargs="+", default=[200, 2000])
    ap.add_argument("--weeks", type=int, default=13, help="PeriodWeeks: rows of each workbook")
    ap.add_argument("--history-weeks", type=int, help="weeks of history (default: --weeks)")
    ap.add_argument("--profile", type=int, default=0, help="cProfile this many workbooks")
    args = ap.parse_args()
    history = args.history_weeks or args.weeks
    if len(args.reps) == 1:
        run_one(args.reps[0], args.weeks, history, args.profile)
        return
    for k, n in enumerate(args.reps):  # a process each, so each peak RSS is its own
        command = [sys.executable, __file__, "--reps", str(n), "--weeks", str(args.weeks)]
        command += ["--history-weeks", str(history)]
        if args.profile and k == 0:
            command += ["--profile", str(args.profile)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
