"""The seeded fuzz corpus (issue 17, item 6): mutated plans are read or refused at a place,
never anything else, and leave their file as it was.

In-process, the reader and the decompose engine see a seeded share of the corpus (every
kind, both languages; `SALESPLAN_FUZZ_READS=all` for every mutation, about 0.2 s each); a
seeded sample runs through decompose, track, issue and recalibrate as a user types them;
the far-cell mutations run in a child process whose address space is capped, so that an
allocation of the sheet's whole grid fails there instead of taking the suite down. `make
fuzz` runs the whole corpus through all four commands.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.corpus import base, corpus, sample, set_cell
from tests.fuzz.outcome import OK, REFUSED, read_in_process, sheet_names

ROOT = Path(__file__).resolve().parents[2]
CHUNKS = 4  # spread over the suite's workers
READS = os.environ.get("SALESPLAN_FUZZ_READS", "24")
MEMORY_LIMIT = 3 << 30  # the child's address space; the grid calamine once asked for: 512 GiB
RSS_LIMIT = 1536 << 20  # its peak resident memory


def in_suite() -> list:
    everything = corpus()
    if READS == "all":
        return list(everything)
    by_kind: dict[str, list] = {}
    for m in everything:
        by_kind.setdefault(m.kind, []).append(m)
    share = int(READS) / len(everything)
    return [
        m for group in by_kind.values() for m in sample(group, max(4, round(len(group) * share)))
    ]


def test_the_corpus_is_seeded_and_large():
    mutations = corpus()
    assert len(mutations) >= 400
    assert {m.kind for m in mutations} == {"structure", "keys", "settings", "values", "packages"}
    assert {m.locale for m in mutations} == {"en", "zh-CN"}
    bases = {m.locale: base(m.locale).data for m in mutations}
    unchanged = [m.name for m in mutations if m.data() == bases[m.locale]]
    assert not unchanged, unchanged  # every mutation changes something
    assert base.__wrapped__("en").data == base("en").data  # made again, the same bytes


def test_a_cell_is_set_whether_it_was_written_in_full_or_empty():
    row = '<row r="6"><c r="A6" t="s"><v>1</v></c><c r="B6" s="9"/><c r="C6" s="9"/></row>'
    xml = f"<sheetData>{row}</sheetData>"
    assert set_cell(xml, "B6", "x") == xml.replace(
        '<c r="B6" s="9"/>', '<c r="B6" t="inlineStr"><is><t>x</t></is></c>'
    )
    assert set_cell(xml, "A6", ("error", "#N/A")) == xml.replace(
        '<c r="A6" t="s"><v>1</v></c>', '<c r="A6" t="e"><f>NA()</f><v>#N/A</v></c>'
    )
    assert set_cell(xml, "D6", ("number", "-5")) == xml.replace(
        "</row>", '<c r="D6"><v>-5</v></c></row>'
    )


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_mutation_is_read_or_refused_at_a_place(chunk, tmp_path):
    """OK or PlanError, each problem at a sheet and cell, a sheet, a part or a table; the file
    byte-identical after; nothing left beside it."""
    names = {locale: sheet_names(locale) for locale in ("en", "zh-CN")}
    mutations = in_suite()[chunk::CHUNKS]
    defects, results = [], []
    for m in mutations:
        out = read_in_process(m, tmp_path, names[m.locale])
        results.append(out.result)
        if m.expect == "refused" and out.result != REFUSED:
            out.defects.append(f"read, but should be refused: {out.result}")
        if m.expect == "read" and out.result != OK:
            out.defects.append("refused, but should read as without the change")
        defects += [f"{m.name}: {d}" for d in out.defects]
    assert not defects, "\n".join(defects)
    assert results.count(REFUSED) > len(results) // 3  # the corpus is hostile, mostly


def command_lines(plan: Path) -> dict[str, list[str]]:
    return {
        "decompose": ["decompose", str(plan)],
        "track": ["track", str(plan)],
        "issue": ["issue", str(plan), "--out", str(plan.parent / "out")],
        "recalibrate": [
            "recalibrate",
            str(plan),
            "--rep",
            "S001",
            "--target",
            "1600000",
            "--reason",
            "fuzz",
        ],
    }


@pytest.mark.parametrize("half", range(2))
def test_a_sample_through_the_commands_exits_0_or_2_at_a_place(half, tmp_path, capsys):
    from tests.fuzz.outcome import FILE, SHEET, level
    from xl_addin.cli import main

    names = {locale: sheet_names(locale) for locale in ("en", "zh-CN")}
    commands = list(command_lines(Path("x")))
    picked = sample([m for m in corpus() if m.expect != "read"], 8, seed=23)[half::2]
    defects = []
    for k, m in enumerate(picked):
        command = commands[(k * 2 + half) % len(commands)]
        folder = tmp_path / f"{k}"
        folder.mkdir()
        plan = folder / "plan.xlsx"
        data = m.data()
        plan.write_bytes(data)
        code = main(command_lines(plan)[command])
        out, err = capsys.readouterr()
        where = f"{m.name} / {command}"
        if code not in (0, 2):
            defects.append(f"{where}: exit {code}: {err.strip()}")
        if code == 2:
            least = FILE if m.kind == "packages" else SHEET
            for line in err.splitlines()[1:]:
                if line.startswith("…") or line.startswith("  "):
                    continue
                if level(line.split(": ", 1)[0], names[m.locale], {plan.name, str(plan)}) < least:
                    defects.append(f"{where}: names no place: {line}")
            if plan.read_bytes() != data:
                defects.append(f"{where}: the plan changed after exit 2")
            if sorted(p.name for p in folder.iterdir()) != ["plan.xlsx"]:
                defects.append(f"{where}: left {sorted(p.name for p in folder.iterdir())}")
        left = [p.name for p in folder.rglob("*") if ".tmp" in p.name or p.name.startswith("~")]
        if left:
            defects.append(f"{where}: left {left}")
    assert not defects, "\n".join(defects)


FAR = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from tests.fuzz.corpus import corpus
from tests.fuzz.outcome import read_in_process, sheet_names
wanted = set(json.loads(sys.argv[1]))
names = {{}}
done = []
for m in corpus():
    if m.name in wanted:
        if m.locale not in names:
            names[m.locale] = sheet_names(m.locale)
        out = read_in_process(m, Path(sys.argv[2]), names[m.locale])
        done.append([m.name, out.result, out.defects])
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"done": done, "rss": rss}}))
"""


def test_cells_far_beyond_the_tables_cost_no_memory(tmp_path):
    """Stray cells at XFD1048576 and XFD1, a <dimension> to the sheet's end: read in a child
    process capped at 3 GiB of address space (a grid to the sheet's end would need 512 GiB,
    and abort it), its peak resident memory below 1.5 GiB."""
    far = [m for m in corpus() if m.expect == "read" and m.locale == "en"]
    chosen = [m.name for m in far if "XFD1048576" in m.name][:4] + [
        m.name for m in far if "XFD1 " in m.name or "dimension" in m.name
    ][:2]
    run = subprocess.run(
        [sys.executable, "-c", FAR.format(limit=MEMORY_LIMIT), json.dumps(chosen), str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.splitlines()[-1])
    assert [d[0] for d in report["done"]] == [n for n in (m.name for m in corpus()) if n in chosen]
    assert [(name, result, defects) for name, result, defects in report["done"]] == [
        (name, OK, []) for name, _, _ in report["done"]
    ]
    assert report["rss"] < RSS_LIMIT, report["rss"]


def test_a_plan_without_its_commission_rates_is_told_on_which_sheet(tmp_path, capsys):
    """Found by `make fuzz`: track named the output sheet Commission, which the plan lacks."""
    from xl_addin.cli import main

    removed = next(m for m in corpus() if m.name.startswith("structure: tblCommission removed"))
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(removed.data())
    assert main(["track", str(plan)]) == 2
    assert capsys.readouterr().err.splitlines()[1:] == [
        "Rates: table tblCommission is missing or empty — add the floor, target and challenge rates"
    ]
