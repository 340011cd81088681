"""Every file salesplan writes is a package Excel opens without offering to repair it (issue 16).

The files are made as a user makes them, through the command line: the plan after init (both
languages, the example and an empty one), decompose, track and recalibrate; the plan saved by
openpyxl and by LibreOffice and then decomposed; the responsibility workbooks and region
roll-ups, plain and encrypted (decrypted with the listed passwords); the macro-enabled plan and
the add-in. tests/ooxml/check.py validates each against the ECMA-376 schemas and the package
rules no schema expresses.

The files are made once per test run, shared by the xdist workers (a lock on a folder of the
run): a set is made by the first worker that needs it.
"""

from __future__ import annotations

import contextlib
import csv
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

from tests.examples import example_plan
from tests.libreoffice import convert
from tests.ooxml.check import problems
from tests.ooxml.test_checker import edited, text
from xl_addin.cli import main
from xl_addin.repbook.encrypt import decrypt


def _run(*argv: str) -> None:
    assert main(list(argv)) == 0, argv


def _weekly_routine(root: Path, locale: str) -> dict[str, Path]:
    """The plan at each step (init, decompose, track, recalibrate), an empty plan, and the
    responsibility workbooks and region roll-ups issued from the tracked plan."""
    plan, out = root / "plan.xlsx", {}
    _run("init", str(plan), "--example", "--locale", locale)
    out["init --example"] = shutil.copy(plan, root / "init.xlsx")
    _run("decompose", str(plan))
    out["decompose"] = shutil.copy(plan, root / "decomposed.xlsx")
    _run("track", str(plan))
    out["track"] = shutil.copy(plan, root / "tracked.xlsx")
    _run("issue", str(plan), "--out", str(root / "books"))
    out |= {f"issue: {p.name}": p for p in sorted((root / "books").glob("*.xlsx"))}
    if locale == "en":  # the same splice in either language: once is enough
        _run("recalibrate", str(plan), "--rep", "S001", "--target", "1600000", "--reason", "x")
        out["recalibrate"] = plan
    empty = root / "empty.xlsx"
    _run("init", str(empty), "--locale", locale)
    out["init (empty)"] = empty
    return out


def _english(root: Path) -> dict[str, Path]:
    """The weekly routine in English, and a rep's workbook and a region's roll-up issued
    encrypted, decrypted with the passwords listed for the director (every other one decrypts
    to its plain twin byte for byte: tests/e2e/test_issue.py)."""
    out = _weekly_routine(root, "en")
    locked, opened = root / "locked", root / "decrypted"
    _run("issue", str(root / "tracked.xlsx"), "--out", str(locked), "--encrypt")
    opened.mkdir()
    with open(locked / "passwords.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in (rows[0], rows[-1]):  # S001's workbook, the last region's roll-up
        data = decrypt((locked / row["File"]).read_bytes(), row["Password"])
        (opened / row["File"]).write_bytes(data)
        out[f"issue --encrypt: {row['File']}"] = opened / row["File"]
    return out


def _chinese(root: Path) -> dict[str, Path]:
    return _weekly_routine(root, "zh-CN")


def _saved_by_others(root: Path) -> dict[str, Path]:
    """The example plan saved by openpyxl and by LibreOffice (one soffice call), then
    decomposed. The light example (tests/examples.py): what is checked here is the package
    another writer makes of a plan and decompose's splice into it; the full example's own
    package is checked in the sets above."""
    plan = example_plan(root / "plan.xlsx", "en")
    by_openpyxl = root / "openpyxl.xlsx"
    openpyxl.load_workbook(plan).save(by_openpyxl)
    (by_libreoffice,) = convert([plan], "xlsx", root / "libreoffice")
    out = {}
    for label, path in (("openpyxl", by_openpyxl), ("LibreOffice", by_libreoffice)):
        _run("decompose", str(path))
        out[f"saved by {label}, then decompose"] = path
    return out


def _excel(root: Path) -> dict[str, Path]:
    """The add-in in both languages and the macro-enabled plan, made and decomposed."""
    out = {}
    for locale in ("en", "zh-CN"):
        folder = root / locale
        _run("excel", "addin", "--out", str(folder), "--locale", locale)
        out[f"{locale} salesplan.xlam"] = folder / "salesplan.xlam"
    plan = root / "plan.xlsm"
    _run("init", str(plan), "--example", "--locale", "en")
    out["init plan.xlsm"] = shutil.copy(plan, root / "init.xlsm")
    _run("decompose", str(plan))
    out["plan.xlsm decompose"] = plan
    return out


SETS: dict[str, Callable[[Path], dict[str, Path]]] = {
    "en": _english,
    "zh-CN": _chinese,
    "saved by others": _saved_by_others,
    "excel": _excel,
}
# How many files each set makes: the plans, 24 reps' workbooks and 4 regions' roll-ups (and
# in English two decrypted ones).
EXPECTED = {"en": 5 + 28 + 2, "zh-CN": 4 + 28, "saved by others": 2, "excel": 4}


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One worker at a time (without fcntl, on Windows, each worker makes its own files)."""
    if fcntl is None:
        yield
        return
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def made(tmp_path_factory, worker_id) -> Callable[[str], dict[str, str]]:
    """The files of a set (test id -> path), made once per run for all workers."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master" and fcntl is not None:
        shared = shared.parent
    shared = shared / "ooxml-packages"
    shared.mkdir(exist_ok=True)
    cache: dict[str, dict[str, str]] = {}

    def files(name: str) -> dict[str, str]:
        if name not in cache:
            folder = shared / name.replace(" ", "-")
            listing = folder / "files.json"
            with _locked(shared / f"{name.replace(' ', '-')}.lock"):
                if not listing.exists():
                    shutil.rmtree(folder, ignore_errors=True)
                    folder.mkdir()
                    made_files = SETS[name](folder)
                    listing.write_text(
                        json.dumps({k: str(v) for k, v in made_files.items()}), encoding="utf-8"
                    )
            cache[name] = json.loads(listing.read_text(encoding="utf-8"))
        return cache[name]

    return files


@pytest.mark.parametrize("name", SETS)
def test_every_file_salesplan_writes_is_a_sound_package(made, name):
    found = {label: problems(path) for label, path in made(name).items()}
    assert len(found) == EXPECTED[name], sorted(found)
    assert {label: p for label, p in found.items() if p} == {}


def test_a_plan_with_its_history_on_a_sheet_named_history_still_works(tmp_path):
    """Plans made before init named the sheet SalesHistory keep working (tables are found by
    name); the checker names the sheet as the one problem left for the user to fix. (The light
    example's `init --example`: the sheet's name, not its length, is what is at stake.)"""
    plan = tmp_path / "plan.xlsx"
    old = text('name="SalesHistory"', 'name="History"')
    names = text("SalesHistory!", "History!")
    plan.write_bytes(
        edited(
            example_plan(tmp_path / "init.xlsx", "en").read_bytes(),
            {"xl/workbook.xml": lambda data: names(names(old(data)))},
        )
    )
    assert main(["decompose", str(plan)]) == 0
    assert main(["track", str(plan)]) == 0
    assert [line.split(": ")[:2] for line in problems(plan)] == [["xl/workbook.xml", "sheet-name"]]
