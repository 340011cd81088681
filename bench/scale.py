"""SPEC §14's scale, measured: each command stage by stage beside plain libraries doing the
same reading and writing, in one run, with ratios (a measurement to run on demand, not a test).

    .venv/bin/python -m bench.scale                      # 2,000 and 20,000 reps, every command
    .venv/bin/python -m bench.scale --reps 2000 --only decompose,track
    .venv/bin/python -m bench.scale --reps 20000 --only decompose
    .venv/bin/python -m bench.scale --reps 20000 --year    # SPEC §14's year, orders from a file

A plan of N reps × 10 products × 5 customer types (bench/decompose_bench.py's organisation:
26 weeks of history at rep grain, one row per rep-week; 6 weeks of actuals per rep; 20
scenarios) is built once per size (not timed). With --year it is SPEC §14's year instead: 53
plan weeks in four quarters, and a year of history as orders (5 a rep-week, each on its own
day, of any product and customer type: 5.3 million at 20,000 reps) in a Parquet file named in
tblSources (SPEC §16), where a table could not hold them. Each command then runs in a fresh
process of its own, so that its peak memory is its own, on a copy of the plan: the product's
command function from xl_addin/commands.py (decompose_book, track_book, issue_book,
scenarios_book, collect_book),
with the product's own stage functions timed where the command calls them, so the stages add
up to the command. The same process then runs the baselines, and finally the real CLI
(`salesplan <command> plan.xlsx`) runs end to end in a process of its own.

Columns:
  wall s    elapsed seconds.
  CPU s     user + system seconds of the process, and of its finished child processes (the
            issue command's pool of workers), so CPU s above wall s means more than one core.
  peak MiB  the largest resident memory of the process during that row (Linux: the high-water
            mark is reset before each row; elsewhere it is the peak so far). For the command
            total, the largest of its rows; for the CLI, the whole process's peak; for issue,
            the largest pool worker is named in the note (its own memory, USS, and its peak
            resident memory, which counts the parent's pages it shares). A baseline's peak
            includes what the process still holds from the command (the described sheets):
            compare its rise over the row above, not its level, with the command's.
  × base    salesplan's seconds ÷ the baseline's (wall; issue's rendering: CPU, since the
            product renders on a pool and the baselines on one process): 2.0× is twice as slow.
Rows:
  read      opening the package (FileBook) and read_plan: every table into a Plan.
  engine    decompose / progress / compare (the scenarios on all cores): the numbers; for
            collect, the returned workbooks read and checked (read_folder, on all cores).
  describe  outputs.describe, describe_progress, describe_scenarios, rep_books: the sheets as
            plain data.
  render    sheets.render.render_for_splice (XlsxWriter in memory, and rustpy-xlsxwriter
            for the data rows of long plain tables: sheets/bulkrows.py); for issue, every rep's workbook on
            all cores (_render_all: layout, XlsxWriter and the file) and the region roll-ups.
  splice    workbook.splice.splice: the rendered sheets into the user's package, to disk.
  other     the rest of the command: checks before writing, the backup, formulas over the
            written sheets, issue's manifest.
Baselines (same process, after the command):
  python-calamine   each input table of the plan by name (load_tables=True), to_python() and into
                    a pandas DataFrame (the note splits the two).
  fastexcel         each input table by name, load_table() and its Arrow arrays exported (the Arrow
                    C interface; pyarrow is not installed, so no pandas DataFrame is made).
  XlsxWriter constant_memory  the same output cells (titles, headers, values) at the same
                    places, one format per column; no Excel tables (constant_memory refuses
                    add_table), no conditional formats, charts or print set-up.
  rustpy-xlsxwriter the same cells as one DataFrame per output table, one sheet each (it
                    writes one data block per sheet: no tables beside each other, no titles),
                    one number format per column.
  DuckDB            with --year: the orders summed by week, region, product, customer type and
                    rep into Python (fetchnumpy), as the plain library does it; its ratio is
                    salesplan's read over it and fastexcel's together.
  For collect (on the workbooks issued from the decomposed plan, untimed, returned as
  they are): python-calamine opening each workbook and reading its Actuals sheet
  (to_python), on one process; its ratio is read_folder's CPU over it.
  For issue both write one rep's workbook's cells (bench/issue_bench.py's template_cells) once
  per rep on one process; rustpy-xlsxwriter writes each sheet as a grid, formulas as text.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import heapq
import importlib.metadata
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.decompose_bench import EXCEL_ROWS, organisation
from bench.issue_bench import template_cells, write_plain
from bench.scenarios_bench import scenarios

COMMANDS = ("decompose", "track", "issue", "scenarios", "collect")
SIZES = (2000, 20000)
PRODUCTS, CUSTOMER_TYPES = 10, 5
HISTORY_WEEKS, ACTUAL_WEEKS, SCENARIOS = 26, 6, 20
YEAR_WEEKS, ORDERS_PER_WEEK = 53, 5  # --year: plan weeks, and a rep-week's orders
STAGES = ("read", "engine", "describe", "render", "splice")
MIB = 1024 * 1024


# -- measuring --------------------------------------------------------------------------------
def cpu() -> float:
    """CPU seconds of this process and of its finished children."""
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _status_kib(field: str) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def high_water() -> float:
    """Peak resident MiB since the last reset_high_water (or since the start)."""
    kib = _status_kib("VmHWM")
    if kib is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return kib / 1024


class ChildMemory:
    """The largest memory of its own (USS: private pages, clean and dirty) any child process
    held, sampled every 0.2 s from /proc (Linux; elsewhere nothing). A pool worker's peak RSS
    also counts the parent's pages it shares after fork (the plan, ~500 MB at 20,000 reps),
    so it says little of what each worker adds."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ChildMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for pid in _children():
                with contextlib.suppress(OSError, ValueError):
                    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
                    own = sum(
                        int(line.split()[1])
                        for line in text.splitlines()
                        if line.startswith(("Private_Clean:", "Private_Dirty:"))
                    )
                    self.peak_kib = max(self.peak_kib, own)


def _children() -> list[str]:
    out = []
    with contextlib.suppress(OSError):
        for task in Path("/proc/self/task").iterdir():
            out += (task / "children").read_text().split()
    return out


def reset_high_water() -> None:
    """Linux: the peak starts again from what the process holds now."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as f:
        f.write("5")


@dataclasses.dataclass
class Row:
    label: str
    wall: float = 0.0
    cpu: float = 0.0
    peak: float = 0.0
    ratio: str = ""
    note: str = ""


class Meter:
    """Rows of wall, CPU and peak memory; `peak` is the largest seen over every row."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.peak = 0.0
        self._depth = 0

    @contextlib.contextmanager
    def row(self, label: str):
        if self._depth:  # a stage inside a stage: counted in the outer one
            yield
            return
        self._depth += 1
        self.peak = max(self.peak, high_water())
        reset_high_water()
        t, c = time.perf_counter(), cpu()
        try:
            yield
        finally:
            wall, used = time.perf_counter() - t, cpu() - c
            peak = high_water()
            self.peak = max(self.peak, peak)
            r = self.rows.setdefault(label, Row(label))
            r.wall, r.cpu, r.peak = r.wall + wall, r.cpu + used, max(r.peak, peak)
            self._depth -= 1

    def wrap(self, module, name: str, label: str, keep: list | None = None):
        """Time every call of module.name (a name the command looks up at call time) as
        `label`; its results appended to `keep`. Returns the undo."""
        original = getattr(module, name)

        def timed(*args, **kwargs):
            with self.row(label):
                out = original(*args, **kwargs)
            if keep is not None:
                keep.append(out)
            return out

        setattr(module, name, timed)
        return lambda: setattr(module, name, original)


# -- the commands, stage by stage -------------------------------------------------------------
def run_command(command: str, plan: Path, work: Path, orders: Path | None = None) -> dict:
    """The product's command on a copy of the plan, its stages timed; then the baselines."""
    from xl_addin import commands
    from xl_addin.repbook import collect as collecting
    from xl_addin.repbook import issue as issuing
    from xl_addin.workbook import splice
    from xl_addin.workbook.filebook import FileBook

    copy = work / f"{command}.xlsx"
    shutil.copyfile(plan, copy)
    meter, described, renders = Meter(), [], []
    probes = [
        (commands, "read_plan", "read", None),
        (splice, "render_for_splice", "render", None),
        (splice, "splice", "splice", None),
    ]
    probes += {
        "decompose": [
            (commands, "decompose", "engine", None),
            (commands, "describe", "describe", described),
        ],
        "track": [
            (commands, "progress", "engine", None),
            (commands, "describe_progress", "describe", described),
        ],
        "scenarios": [
            (commands, "scenario_outcomes", "engine", None),  # on all cores
            (commands, "compare", "engine", None),
            (commands, "describe_scenarios", "describe", described),
        ],
        "collect": [
            (collecting, "read_plan", "read", None),
            (collecting, "read_folder", "engine", None),
        ],
        "issue": [
            (issuing, "progress", "engine", None),
            (issuing, "rep_books", "describe", None),
            (issuing, "rollup_sheets", "describe", None),
            (issuing, "_render_all", "render", renders),
            (issuing, "render", "render", None),
        ],
    }[command]
    undo = [meter.wrap(m, name, label, keep) for m, name, label, keep in probes]
    folder = work / "workbooks"
    pool = meter.rows.setdefault("pool", Row("pool"))  # _render_all alone, for the ratio
    if command == "issue":
        inner = issuing._render_all

        def render_all(*args, **kwargs):
            t, c = time.perf_counter(), cpu()
            out = inner(*args, **kwargs)
            pool.wall, pool.cpu = time.perf_counter() - t, cpu() - c
            return out

        issuing._render_all = render_all
        undo.append(lambda: setattr(issuing, "_render_all", inner))
    try:
        t, c = time.perf_counter(), cpu()
        with meter.row("read"):
            book = FileBook(copy)  # the package checked and its tables found: part of reading
        if command == "decompose":
            commands.decompose_book(book)
        elif command == "track":
            commands.track_book(book)
        elif command == "scenarios":
            commands.scenarios_book(book)
        elif command == "collect":
            commands.collect_book(book, returned_folder(plan))
        else:
            with ChildMemory() as workers:
                issued = commands.issue_book(book, folder)
        total_wall, total_cpu = time.perf_counter() - t, cpu() - c
        meter.peak = max(meter.peak, high_water())
    finally:
        for u in reversed(undo):
            u()
    stages = [meter.rows.get(s, Row(s)) for s in STAGES]
    other = Row(
        "other",
        total_wall - sum(r.wall for r in stages),
        total_cpu - sum(r.cpu for r in stages),
    )
    total = Row("command total", total_wall, total_cpu, meter.peak)
    if command == "issue":
        worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        total.note = (
            f"largest pool worker: {workers.peak_kib / 1024:.0f} MiB of its own (USS), "
            f"{worker:.0f} MiB resident with what it shares"
        )
        stages[3].note = f"rep workbooks on {os.cpu_count()} cores: {pool.wall:.2f} s wall"
    if command == "scenarios":
        stages[1].note = f"the plan and each scenario decomposed, on {os.cpu_count()} cores"
    if command == "collect":
        stages[1].note = f"the returned workbooks read and checked, on {os.cpu_count()} cores"
    rows = [*stages, other, total]
    reps = issued.files if command == "issue" else []
    rows += baselines(command, plan, work, meter, described, reps, stages, pool, orders)
    return {"rows": [dataclasses.asdict(r) for r in rows]}


def baselines(command, plan, work, meter, described, reps, stages, pool, orders) -> list[Row]:
    """The plain libraries reading the plan's tables and writing the command's cells."""
    read, render, splice = stages[0], stages[3], stages[4]
    out = []
    with meter.row("calamine"):
        parts = read_calamine(plan)
    row = meter.rows["calamine"]
    row.label, row.note = "python-calamine: tables read", parts
    out.append(row)
    with meter.row("fastexcel"):
        read_fastexcel(plan)
    out.append(dataclasses.replace(meter.rows["fastexcel"], label="fastexcel: tables read"))
    for r in out:
        r.ratio = f"read {read.wall / r.wall:.2f}×"
    if command == "collect":
        files = sorted(returned_folder(plan).glob("*.xlsx"))
        with meter.row("calamine-books"):
            read_actuals_sheets(files)
        r = meter.rows["calamine-books"]
        r.label = f"python-calamine: {len(files):,} workbooks' Actuals sheets, 1 process"
        r.ratio = f"read_folder {stages[1].cpu / r.cpu:.2f}× (CPU)"
        out.append(r)
        return out
    if orders is not None:
        with meter.row("duckdb"):
            read_duckdb(orders)
        r = dataclasses.replace(
            meter.rows["duckdb"], label="DuckDB: the orders summed, into Python"
        )
        r.ratio = f"read {read.wall / (r.wall + out[-1].wall):.2f}× (with fastexcel's)"
        out.append(r)
    if command == "issue":
        cells = template_cells(reps[0])
        n = len(reps)
        target = work / "baseline"
        target.mkdir()
        with meter.row("xlsxwriter"):
            for i in range(n):
                write_plain(cells, str(target / f"{i}.xlsx"), constant_memory=True)
        grids = {name: grid(sheet_cells) for name, sheet_cells in cells.items()}
        with meter.row("rustpy"):
            for i in range(n):
                write_grids(grids, target / f"r{i}.xlsx")
        base = [("xlsxwriter", "XlsxWriter constant_memory"), ("rustpy", "rustpy-xlsxwriter")]
        for key, label in base:
            r = meter.rows[key]
            r.label = f"{label}: {n:,} rep workbooks' cells, 1 process"
            r.ratio = f"render {pool.cpu / r.cpu:.2f}× (CPU)"
            out.append(r)
        return out
    sheets = described[-1]
    with meter.row("xlsxwriter"):
        write_xlsxwriter(sheets, work / "xlsxwriter.xlsx")
    with meter.row("rustpy"):
        write_rustpy(sheets, work / "rustpy.xlsx")
    cells = sum(len(b.frame) * len(b.columns) for s in sheets for b in s.blocks)
    for key, label in (
        ("xlsxwriter", "XlsxWriter constant_memory"),
        ("rustpy", "rustpy-xlsxwriter"),
    ):
        r = meter.rows[key]
        r.label = f"{label}: the same {cells:,} cells"
        r.ratio = f"render {render.wall / r.wall:.2f}×, +splice {(render.wall + splice.wall) / r.wall:.2f}×"
        out.append(r)
    return out


# -- the baselines ----------------------------------------------------------------------------
def read_calamine(plan: Path) -> str:
    from python_calamine import CalamineWorkbook

    cells = frames = 0.0
    with contextlib.closing(CalamineWorkbook.from_path(str(plan), load_tables=True)) as wb:
        for name in input_tables(wb.table_names):
            t = time.perf_counter()
            table = wb.get_table_by_name(name)
            rows = table.to_python()
            c = time.perf_counter()
            pd.DataFrame(rows, columns=table.columns)
            cells, frames = cells + c - t, frames + time.perf_counter() - c
    return f"to_python {cells:.2f} s, DataFrame {frames:.2f} s"


def read_fastexcel(plan: Path) -> None:
    import fastexcel

    # an empty column of a small table is read as text, with a warning each: said here, once
    logging.getLogger("fastexcel").setLevel(logging.ERROR)
    reader = fastexcel.read_excel(str(plan))
    for name in input_tables(reader.table_names()):
        reader.load_table(name).__arrow_c_array__()


def returned_folder(plan: Path) -> Path:
    """The workbooks issued from `plan` (measure makes them beside it), to collect."""
    return plan.parent / "returned"


def read_actuals_sheets(files: list[Path]) -> None:
    from python_calamine import CalamineWorkbook

    for path in files:  # the third sheet, as collect finds it whatever its language
        with contextlib.closing(CalamineWorkbook.from_path(str(path))) as wb:
            if len(wb.sheet_names) > 2:  # not a region's roll-up
                wb.get_sheet_by_index(2).to_python()


def read_duckdb(orders: Path) -> None:
    """The orders summed by week and dimension, as a DuckDB user writes it."""
    import duckdb

    duckdb.connect().execute(
        "SELECT date_trunc('week', Period) AS week, Region, Product, CustomerType, RepID, "
        f"sum(Amount), count(*) FROM read_parquet('{orders}') GROUP BY ALL"
    ).fetchnumpy()


def input_tables(names: list[str]) -> list[str]:
    """The tables read_plan reads: not salesplan's own output tables of a decomposed plan."""
    from xl_addin.workbook.filebook import READ_AHEAD

    return [n for n in names if n.casefold() in READ_AHEAD]


def cell_writer(ws, fmt):
    """Write a plain Python value (from Series.tolist()) by its type, as XlsxWriter users do."""

    def write(r: int, c: int, v) -> None:
        if v is None or (isinstance(v, float) and not np.isfinite(v)):
            return
        if isinstance(v, str):
            ws.write_string(r, c, v, fmt)
        elif isinstance(v, bool):
            ws.write_boolean(r, c, v, fmt)
        elif isinstance(v, int | float):
            ws.write_number(r, c, v, fmt)
        elif isinstance(v, pd.Timestamp):
            ws.write_datetime(r, c, v.to_pydatetime(), fmt)
        else:
            ws.write(r, c, v if hasattr(v, "year") else str(v), fmt)

    return write


def write_xlsxwriter(sheets, path: Path) -> None:
    """Every block's title, header and values where salesplan puts them, row by row (as
    constant_memory needs), one format per column."""
    import xlsxwriter

    from xl_addin.sheets.layout import place

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    bold = wb.add_format({"bold": True})
    formats: dict[str, object] = {}

    def fmt(code: str):
        if code and code not in formats:
            formats[code] = wb.add_format({"num_format": code})
        return formats.get(code)

    for sheet in sheets:
        ws = wb.add_worksheet(sheet.name)
        streams = []
        for block, at in zip(sheet.blocks, place(sheet), strict=True):
            streams.append(_block_rows(block, at, bold, fmt))
        for r, c, values, formats_ in heapq.merge(*streams, key=lambda x: (x[0], x[1])):
            for j, (v, f) in enumerate(zip(values, formats_, strict=True)):
                cell_writer(ws, f)(r, c + j, v)
    wb.close()


def _block_rows(block, at, bold, fmt):
    """(row, first column, values, formats) of a block, row by row."""
    if at.title is not None:
        yield at.title, at.col, [str(block.title)], [bold]
    yield at.header, at.col, [str(c.header) for c in block.columns], [bold] * len(block.columns)
    columns = [block.frame[c.key].tolist() for c in block.columns]
    formats = [fmt(c.fmt) for c in block.columns]
    for i, values in enumerate(zip(*columns, strict=True)):
        yield at.first + i, at.col, values, formats


def write_rustpy(sheets, path: Path) -> None:
    """One sheet per output table: its header and values, one number format per column."""
    from rustpy_xlsxwriter import FastExcel, Format

    book = FastExcel(str(path))
    for sheet in sheets:
        for k, block in enumerate(sheet.blocks):
            frame = block.frame[[c.key for c in block.columns]]
            frame = frame.set_axis([str(c.header) for c in block.columns], axis=1)
            text = [h for h, kind in frame.dtypes.items() if pd.api.types.is_object_dtype(kind)]
            frame = frame.astype(dict.fromkeys(text, str))
            formats = [Format().set_num_format(c.fmt) if c.fmt else None for c in block.columns]
            name = sheet.name if k == 0 else f"{sheet.name[:27]} {k + 1}"
            book.sheet(name, frame, column_formats=formats)
    book.save()


def grid(cells: list[tuple]) -> pd.DataFrame:
    """A sheet's cells (row, col, kind, value) as one frame, its first row as the header."""
    rows = 1 + max((r for r, *_ in cells), default=0)
    cols = 1 + max((c for _, c, *_ in cells), default=0)
    values = np.full((rows, cols), None, dtype=object)
    for r, c, kind, v in cells:
        if kind != "blank":
            values[r, c] = v
    header = [f"{v}" if v is not None else f"c{j}" for j, v in enumerate(values[0])]
    seen: dict[str, int] = {}
    for j, h in enumerate(header):  # a header must be unique
        seen[h] = seen.get(h, 0) + 1
        header[j] = h if seen[h] == 1 else f"{h} {seen[h]}"
    return pd.DataFrame(values[1:], columns=header).astype(str)


def write_grids(grids: dict[str, pd.DataFrame], path: Path) -> None:
    from rustpy_xlsxwriter import FastExcel

    book = FastExcel(str(path))
    for name, frame in grids.items():
        book.sheet(name, frame)
    book.save()


# -- the run ----------------------------------------------------------------------------------
def build(n_reps: int, path: Path, orders: Path | None) -> dict:
    """The plan of `n_reps` reps; with `orders`, SPEC §14's year, its history in that file."""
    from xl_addin.workbook.init import _write

    t = time.perf_counter()
    tables = organisation(
        n_reps, YEAR_WEEKS if orders else HISTORY_WEEKS, products=PRODUCTS,
        customer_types=CUSTOMER_TYPES, actual_weeks=ACTUAL_WEEKS,
    )  # fmt: skip
    tables["scenarios"] = scenarios(SCENARIOS)
    rows = len(tables["history"])
    if orders:
        rows = year_of_orders(tables, orders)
    elif rows >= EXCEL_ROWS:
        raise SystemExit(f"{rows:,} history rows do not fit one sheet: fewer reps or weeks")
    _write(str(path), tables, "en")
    return {"history": rows, "seconds": time.perf_counter() - t}


def year_of_orders(tables: dict[str, pd.DataFrame], path: Path) -> int:
    """Make `tables` a year plan (YEAR_WEEKS in four quarters) whose history is the Parquet
    file `path` named in tblSources: each rep-week's amount as ORDERS_PER_WEEK orders on
    days of that week (Monday to Friday), each of any product and customer type. Returns
    the number of orders."""
    import duckdb

    rng = np.random.default_rng(11)
    weekly, n = tables["history"], ORDERS_PER_WEEK
    k = len(weekly) * n
    share = rng.dirichlet(np.ones(n), len(weekly)).ravel()
    days = np.repeat(weekly["period"].to_numpy(), n) + pd.to_timedelta(rng.integers(0, 5, k), "D")
    orders = pd.DataFrame(
        {
            "Period": days,
            "Amount": np.round(np.repeat(weekly["amount"].to_numpy(), n) * share, 2),
            "Region": np.repeat(weekly["region"].to_numpy(), n),
            "Product": rng.choice(tables["products"]["product"].to_numpy(), k),
            "CustomerType": rng.choice(tables["customer_types"]["customer_type"].to_numpy(), k),
            "RepID": np.repeat(weekly["rep_id"].to_numpy(), n),
        }
    )
    con = duckdb.connect()
    con.register("orders", orders)
    con.execute(
        "COPY (SELECT * REPLACE (CAST(Period AS DATE) AS Period) FROM orders ORDER BY Period) "
        f"TO '{path}' (FORMAT parquet)"
    )
    tables["history"] = weekly.iloc[0:0]
    tables["sources"] = pd.DataFrame(
        {"table": ["tblHistory"], "source": [str(path)], "query": [None], "columns": [None]}
    )
    settings = tables["settings"]
    settings.loc[settings["setting"] == "PeriodWeeks", "value"] = YEAR_WEEKS
    tables["rhythm"] = pd.DataFrame(
        {"phase": ["Q1", "Q2", "Q3", "Q4"], "weeks": [13, 13, 13, 14],
         "share": [0.22, 0.24, 0.25, 0.29]}
    )  # fmt: skip
    return k


def child(args: list[str]) -> tuple[float, float, float]:
    """Run a process; its wall and CPU seconds and its peak MiB (with its children's)."""
    t = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed ({status}): {' '.join(args)}")
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def worker(job: str, plan: Path, out: Path, n_reps: int, orders: Path | None) -> None:
    """One job in this process: build the plan, or run one command and its baselines."""
    if job == "build":
        result = build(n_reps, plan, orders)
    else:
        with tempfile.TemporaryDirectory(prefix="salesplan-scale-") as tmp:
            result = run_command(job, plan, Path(tmp), orders)
    out.write_text(json.dumps(result))


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def measure(n_reps: int, only: list[str], folder: Path, year: bool) -> None:
    orders = folder / f"orders-{n_reps}.parquet" if year else None
    me = [sys.executable, "-m", "bench.scale", *(["--orders", str(orders)] if year else [])]
    plan = folder / f"plan-{n_reps}.xlsx"
    made = folder / f"{n_reps}.json"
    child(
        [*me, "--worker", "build", "--plan", str(plan), "--out", str(made), "--reps", str(n_reps)]
    )
    built = json.loads(made.read_text())
    # track, issue and scenarios run on the plan as a director has it then: decomposed, its
    # output sheets in it (a Breakdown of a million rows at 20,000 reps)
    decomposed = folder / f"plan-{n_reps}-decomposed.xlsx"
    shutil.copyfile(plan, decomposed)
    child([sys.executable, "-m", "xl_addin.cli", "decompose", str(decomposed)])
    history = (
        f"{YEAR_WEEKS} plan weeks · a year of history as {built['history']:,} orders in "
        f"{orders.name} ({orders.stat().st_size / 1e6:.1f} MB), named in tblSources"
        if year
        else f"{HISTORY_WEEKS} weeks of history ({built['history']:,} rows)"
    )
    print(
        f"\n{n_reps:,} reps × {PRODUCTS} products × {CUSTOMER_TYPES} customer types · "
        f"{history} · {ACTUAL_WEEKS} weeks "
        f"of actuals · {SCENARIOS} scenarios · plan {plan.stat().st_size / 1e6:.1f} MB, built in "
        f"{built['seconds']:.1f} s (not timed); decompose runs on it, the other commands on it "
        f"decomposed ({decomposed.stat().st_size / 1e6:.1f} MB)"
    )
    print(f"{'command':<10} {'row':<62} {'wall s':>7} {'CPU s':>7} {'peak MiB':>8}  × base / note")
    for command in only:
        before = load()
        result = folder / f"{command}-{n_reps}.json"
        start = plan if command == "decompose" else decomposed
        if command == "collect":  # the workbooks to collect: issued from that plan, untimed
            issued = [sys.executable, "-m", "xl_addin.cli", "issue", str(decomposed)]
            child([*issued, "--out", str(returned_folder(decomposed))])
        child([*me, "--worker", command, "--plan", str(start), "--out", str(result)])
        rows = [Row(**r) for r in json.loads(result.read_text())["rows"]]
        copy = folder / f"cli-{command}.xlsx"
        shutil.copyfile(start, copy)
        cli = [sys.executable, "-m", "xl_addin.cli", command, str(copy)]
        if command == "collect":
            cli = [*cli[:-1], str(returned_folder(decomposed)), str(copy)]
        if command == "issue":
            cli += ["--out", str(folder / f"cli-workbooks-{n_reps}")]
        wall, used, peak = child(cli)
        rows.append(Row(f"CLI end to end: salesplan {command} plan.xlsx", wall, used, peak))
        for k, r in enumerate(rows):
            if r.label == "python-calamine: tables read":
                print(f"{'':<10} baselines, same process, after the command:")
            name = command if k == 0 else ""
            note = "  ".join(x for x in (r.ratio, r.note) if x)
            peak = f"{r.peak:8.0f}" if r.peak else ""
            print(f"{name:<10} {r.label:<62} {r.wall:7.2f} {r.cpu:7.2f} {peak:>8}  {note}")
        print(f"{'':<10} load average {before} before, {load()} after")
        copy.unlink()
        shutil.rmtree(folder / f"cli-workbooks-{n_reps}", ignore_errors=True)
    shutil.rmtree(returned_folder(decomposed), ignore_errors=True)
    plan.unlink()
    decomposed.unlink()


def versions() -> str:
    names = ("pandas", "XlsxWriter", "python-calamine", "fastexcel", "rustpy-xlsxwriter")
    return " · ".join(f"{n} {importlib.metadata.version(n)}" for n in names)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", default=",".join(map(str, SIZES)), help="e.g. 2000,20000")
    ap.add_argument("--only", default=",".join(COMMANDS), help="e.g. decompose,track")
    ap.add_argument("--year", action="store_true", help="SPEC §14's year, orders from a file")
    ap.add_argument("--orders", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--plan", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.plan, args.out, int(args.reps.split(",")[0]), args.orders)
        return
    only = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = sorted(set(only) - set(COMMANDS))
    if unknown:
        raise SystemExit(f"unknown command {', '.join(unknown)}: one of {', '.join(COMMANDS)}")
    print(
        f"{os.cpu_count()} cores · Python {sys.version.split()[0]} · {versions()} · "
        f"load average {load()}"
    )
    with tempfile.TemporaryDirectory(prefix="salesplan-scale-") as tmp:
        for n in (int(x) for x in args.reps.split(",")):
            measure(n, only, Path(tmp), args.year)


if __name__ == "__main__":
    main()
