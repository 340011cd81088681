"""`salesplan excel doctor`: what RunPython and the worksheet functions need, checked one by one.

Each check says OK or FAIL and, for a failure, the command or setting that fixes it. The
xlwings VBA in a file must be the installed xlwings release: the VBA names the release's
DLL and speaks its protocol, so a plan or add-in made with another release fails in Excel.
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import xlwings
from python_calamine import CalamineWorkbook

from xl_addin.excel import vba_projects
from xl_addin.excel.install import (
    NO_EXCEL,
    excel_platform,
    runpython_script,
    startup_folder,
)
from xl_addin.excel.macro_workbook import CONFIG_SHEET, config_from_rows
from xl_addin.excel.sources import BUTTONS_MODULE, VBA_MODULE
from xl_addin.excel.vba_projects import ADDIN_NAME, read_file_vba

EXIT_OK, EXIT_FAILED = 0, 1
_PROBE = (
    "import xlwings, importlib; "
    "[importlib.import_module(m) for m in ({!r}, {!r})]; "
    "print(xlwings.__version__)"
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def doctor(
    file: Path | None = None,
    platform: str = sys.platform,
    environ=os.environ,
    home: Path | None = None,
) -> list[Check]:
    """Every check, in the order a user would fix them."""
    checks = [Check("xlwings", True, f"xlwings {xlwings.__version__} in {sys.executable}")]
    installed = None
    if excel_platform(platform):
        installed = startup_folder(platform, environ, home) / ADDIN_NAME
    if file is not None:
        checks.append(vba_check(file))
    if installed is not None and installed.exists() and installed != file:
        checks.append(vba_check(installed))
    checks.append(interpreter_check(file, platform, home))
    checks += [import_check(BUTTONS_MODULE), import_check(vba_projects.UDF_MODULE)]
    if not excel_platform(platform):
        checks.append(
            Check(
                "Excel",
                False,
                NO_EXCEL,
                "open the workbook in Excel on Windows or macOS; here, use the command line "
                "(salesplan decompose / track / issue / send / recalibrate PLAN.xlsx)",
            )
        )
        return checks
    checks.append(
        Check("add-in", True, f"{installed} (Excel opens it at start)")
        if installed.exists()
        else Check(
            "add-in",
            False,
            f"salesplan.xlam is not in {installed.parent}, so Excel has no salesplan tab",
            "salesplan excel install",
        )
    )
    if platform == "darwin":
        script = runpython_script(home)
        checks.append(
            Check("RunPython (macOS)", True, str(script))
            if script.exists()
            else Check(
                "RunPython (macOS)",
                False,
                f"{script} is missing; Excel cannot start Python",
                "salesplan excel install (or: xlwings runpython install)",
            )
        )
        checks.append(
            Check(
                "worksheet functions",
                True,
                "note: xlwings runs worksheet functions on Windows only; on macOS the buttons "
                "work and formulas such as =CAPACITY_TARGET(...) show an error",
            )
        )
    else:
        has_pywin32 = importlib.util.find_spec("win32com") is not None
        checks.append(
            Check("pywin32", True, "installed")
            if has_pywin32
            else Check(
                "pywin32",
                False,
                "RunPython and the functions talk to Excel through pywin32",
                f"{sys.executable} -m pip install pywin32",
            )
        )
    return checks


def vba_check(path: Path) -> Check:
    """The xlwings VBA in an .xlsm/.xlam against the installed xlwings; salesplan's macros."""
    name = f"VBA in {path.name}"
    rebuild = (
        "salesplan excel install   (rebuilds the add-in with the installed xlwings)"
        if path.suffix.lower() == ".xlam"
        else "salesplan init NEW.xlsm, then move your tables into it"
    )
    if not path.is_file():
        return Check(name, False, f"{path} does not exist", "check the path")
    if path.suffix.lower() == ".xlsx":
        return Check(
            f"macros of {path.name}",
            True,
            "none (a plain workbook): the salesplan ribbon of salesplan.xlam runs on it",
        )
    try:
        vba = read_file_vba(path)
    except Exception as exc:  # pyOpenVBA's errors for damaged or foreign files
        return Check(name, False, f"cannot read its VBA: {exc}", "give an .xlsm or .xlam")
    if vba.xlwings_version is None:
        return Check(name, False, "it has no xlwings VBA module, so RunPython is missing", rebuild)
    if vba.xlwings_version != xlwings.__version__:
        return Check(
            name,
            False,
            f"its xlwings VBA is {vba.xlwings_version}, Python has xlwings {xlwings.__version__}",
            f"{rebuild}; or {sys.executable} -m pip install xlwings=={vba.xlwings_version}",
        )
    if VBA_MODULE not in vba.modules:
        return Check(
            name, False, f"xlwings VBA {vba.xlwings_version} but no salesplan macros", rebuild
        )
    functions = (
        f"{len(vba.functions)} worksheet functions" if vba.functions else "no worksheet functions"
    )
    return Check(
        name,
        True,
        f"xlwings VBA {vba.xlwings_version} matches the installed xlwings; salesplan macros "
        f"(built with {vba.built_with}), {functions}",
    )


def import_check(module: str) -> Check:
    try:
        importlib.import_module(module)
    except Exception as exc:
        return Check(
            module,
            False,
            f"does not import: {type(exc).__name__}: {exc}",
            f"reinstall salesplan into this Python: {sys.executable} -m pip install -e .",
        )
    return Check(module, True, "imports")


def interpreter_check(file: Path | None, platform: str, home: Path | None = None) -> Check:
    """The Python that Excel will start, resolved as xlwings' VBA resolves it."""
    if not excel_platform(platform):
        return Check("Python", True, f"{sys.executable} (Python {sys.version.split()[0]})")
    key = "INTERPRETER_WIN" if platform.startswith("win") else "INTERPRETER_MAC"
    layers = excel_settings(file, home)
    conda, where = setting(layers, "CONDA PATH")
    if platform.startswith("win") and conda:
        env, _ = setting(layers, "CONDA ENV")
        ok = Path(conda).is_dir()
        return Check(
            "Python",
            ok,
            f"conda at {conda}, environment {env!r} ({where})",
            "" if ok else "fix Conda Path / Conda Env, or run: xlwings config create --force",
        )
    interpreter, where = setting(layers, key)
    if not interpreter:
        interpreter, where = setting(layers, "INTERPRETER")
    if not interpreter:
        interpreter = "pythonw" if platform.startswith("win") else "python"
        where = "xlwings' default, found on PATH"
    found = interpreter if os.path.isfile(interpreter) else shutil.which(interpreter)
    fix = (
        f"set {key.title()} to {sys.executable} in the {CONFIG_SHEET} sheet, "
        "or run: xlwings config create --force"
    )
    if not found:
        return Check("Python", False, f"{interpreter} ({where}) does not exist", fix)
    if Path(found).resolve() == Path(sys.executable).resolve():
        return Check("Python", True, f"{found} ({where}), this Python")
    try:
        probe = subprocess.run(
            [found, "-c", _PROBE.format(BUTTONS_MODULE, vba_projects.UDF_MODULE)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("Python", False, f"{found} ({where}) does not run: {exc}", fix)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["failed"])[-1]
        return Check("Python", False, f"{found} ({where}) cannot import salesplan: {last}", fix)
    version = probe.stdout.strip()
    if version != xlwings.__version__:
        return Check(
            "Python",
            False,
            f"{found} ({where}) has xlwings {version}, this one {xlwings.__version__}",
            fix,
        )
    return Check("Python", True, f"{found} ({where}) imports salesplan with xlwings {version}")


Layers = list[tuple[dict[str, str], str]]


def excel_settings(file: Path | None, home: Path | None = None) -> Layers:
    """xlwings' settings, first place first: the file's xlwings.conf sheet, an xlwings.conf
    next to the file, the user's xlwings.conf."""
    layers: Layers = []
    if file is not None and file.is_file():
        try:
            book = CalamineWorkbook.from_path(str(file))
            if CONFIG_SHEET in book.sheet_names:
                rows = book.get_sheet_by_name(CONFIG_SHEET).to_python()
                layers.append((config_from_rows(rows), f"{CONFIG_SHEET} sheet of {file.name}"))
        except Exception:  # an unreadable file is vba_check's finding, not this one's
            pass
        beside = file.parent / CONFIG_SHEET
        layers.append((_config_file(beside), str(beside)))
    user = Path(xlwings.USER_CONFIG_FILE) if home is None else home / ".xlwings" / "xlwings.conf"
    layers.append((_config_file(user), str(user)))
    return layers


def setting(layers: Layers, key: str) -> tuple[str, str]:
    """A setting as xlwings' GetConfig finds it: the first place that has the key wins, even
    with a blank value."""
    for settings, where in layers:
        if key in settings:
            return settings[key], where
    return "", ""


def _config_file(path: Path) -> dict[str, str]:
    """An xlwings.conf file: lines of "KEY","value"."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        return {row[0].upper(): row[1] for row in csv.reader(fh) if len(row) >= 2}


def report(checks: list[Check], out: TextIO | None = None) -> int:
    """Print the checks; 0 if all passed, 1 if any failed."""
    out = out or sys.stdout
    print("salesplan excel doctor", file=out)
    for c in checks:
        print(f"  {'OK  ' if c.ok else 'FAIL'}  {c.name}: {c.detail}", file=out)
        if not c.ok and c.fix:
            print(f"        fix: {c.fix}", file=out)
    failed = sum(not c.ok for c in checks)
    print(
        "All checks passed."
        if not failed
        else f"{failed} check{'s' if failed != 1 else ''} failed.",
        file=out,
    )
    return EXIT_FAILED if failed else EXIT_OK
