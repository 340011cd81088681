"""`salesplan excel doctor`: what RunPython and the worksheet functions need, checked one by one.

Each check says OK or FAIL and, for a failure, the command or setting that fixes it, in the
language the command speaks (a check holds its words unsaid, engine.problems.Message). The
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
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import xlwings
from python_calamine import CalamineWorkbook

from engine.problems import Message, said
from xl_addin.excel import vba_projects
from xl_addin.excel.install import excel_platform, runpython_script, startup_folder
from xl_addin.excel.macro_workbook import CONFIG_SHEET, config_from_rows
from xl_addin.excel.sources import BUTTONS_MODULE, VBA_MODULE
from xl_addin.excel.vba_projects import ADDIN_NAME, read_file_vba
from xl_addin.messages import columns, pad, say, text
from xl_addin.workbook.extent import far_cell

EXIT_OK, EXIT_FAILED = 0, 1
_PROBE = (
    "import xlwings, importlib; "
    "[importlib.import_module(m) for m in ({!r}, {!r})]; "
    "print(xlwings.__version__)"
)


Words = str | Message  # a name (Python, a module, a path) as it is, or words to say


@dataclass(frozen=True)
class Check:
    name: Words
    ok: bool
    detail: Words
    fix: Words = ""


def doctor(
    file: Path | None = None,
    platform: str = sys.platform,
    environ=os.environ,
    home: Path | None = None,
) -> list[Check]:
    """Every check, in the order a user would fix them."""
    here = said("doctor_xlwings", version=xlwings.__version__, python=sys.executable)
    checks = [Check("xlwings", True, here)]
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
        checks.append(Check("Excel", False, said("excel_not_here"), said("doctor_use_cli")))
        return checks
    addin = said("doctor_addin_name")
    checks.append(
        Check(addin, True, said("doctor_addin_ok", path=installed))
        if installed.exists()
        else Check(
            addin,
            False,
            said("doctor_addin_missing", folder=installed.parent),
            "salesplan excel install",
        )
    )
    if platform == "darwin":
        script = runpython_script(home)
        runpython = said("doctor_runpython_name")
        checks.append(
            Check(runpython, True, str(script))
            if script.exists()
            else Check(
                runpython,
                False,
                said("doctor_runpython_missing", script=script),
                said("doctor_runpython_fix"),
            )
        )
        checks.append(Check(said("doctor_functions_name"), True, said("doctor_functions_mac")))
    else:
        has_pywin32 = importlib.util.find_spec("win32com") is not None
        checks.append(
            Check("pywin32", True, said("doctor_installed"))
            if has_pywin32
            else Check(
                "pywin32",
                False,
                said("doctor_pywin32_missing"),
                f"{sys.executable} -m pip install pywin32",
            )
        )
    return checks


def vba_check(path: Path) -> Check:
    """The xlwings VBA in an .xlsm/.xlam against the installed xlwings; salesplan's macros."""
    name = said("doctor_vba_name", file=path.name)
    rebuild = said(
        "doctor_rebuild_addin" if path.suffix.lower() == ".xlam" else "doctor_rebuild_plan"
    )
    if not path.is_file():
        return Check(name, False, said("doctor_no_file", path=path), said("doctor_check_path"))
    if path.suffix.lower() == ".xlsx":
        return Check(
            said("doctor_macros_name", file=path.name), True, said("doctor_plain_workbook")
        )
    try:
        vba = read_file_vba(path)
    except Exception as exc:  # pyOpenVBA's errors for damaged or foreign files
        unreadable = said("doctor_vba_unreadable", error=str(exc))
        return Check(name, False, unreadable, said("doctor_give_macro_file"))
    if vba.xlwings_version is None:
        return Check(name, False, said("doctor_no_xlwings_vba"), rebuild)
    version = vba.xlwings_version
    if version != xlwings.__version__:
        return Check(
            name,
            False,
            said("doctor_vba_version", vba=version, ours=xlwings.__version__),
            said("doctor_vba_version_fix", rebuild=rebuild, python=sys.executable, vba=version),
        )
    if VBA_MODULE not in vba.modules:
        return Check(name, False, said("doctor_no_macros", vba=version), rebuild)
    functions = (
        said("doctor_functions", n=len(vba.functions))
        if vba.functions
        else said("doctor_no_functions")
    )
    return Check(
        name,
        True,
        said("doctor_vba_ok", vba=version, built=vba.built_with, functions=functions),
    )


def import_check(module: str) -> Check:
    try:
        importlib.import_module(module)
    except Exception as exc:
        return Check(
            module,
            False,
            said("doctor_not_imported", error=f"{type(exc).__name__}: {exc}"),
            said("doctor_reinstall", python=sys.executable),
        )
    return Check(module, True, said("doctor_imports"))


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
            said("doctor_conda", conda=conda, env=repr(env), where=where),
            "" if ok else said("doctor_conda_fix"),
        )
    interpreter, where = setting(layers, key)
    if not interpreter:
        interpreter, where = setting(layers, "INTERPRETER")
    if not interpreter:
        interpreter = "pythonw" if platform.startswith("win") else "python"
        where = said("doctor_default_python")
    found = interpreter if os.path.isfile(interpreter) else shutil.which(interpreter)
    fix = said("doctor_python_fix", setting=key.title(), python=sys.executable, sheet=CONFIG_SHEET)
    if not found:
        return Check(
            "Python", False, said("doctor_python_missing", python=interpreter, where=where), fix
        )
    if Path(found).resolve() == Path(sys.executable).resolve():
        return Check("Python", True, said("doctor_python_this", python=found, where=where))
    try:
        probe = subprocess.run(
            [found, "-c", _PROBE.format(BUTTONS_MODULE, vba_projects.UDF_MODULE)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        fails = said("doctor_python_fails", python=found, where=where, error=str(exc))
        return Check("Python", False, fails, fix)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or [f"exit code {probe.returncode}"])[-1]
        cannot = said("doctor_python_no_salesplan", python=found, where=where, error=last)
        return Check("Python", False, cannot, fix)
    version = probe.stdout.strip()
    if version != xlwings.__version__:
        other = said(
            "doctor_python_other_xlwings",
            python=found,
            where=where,
            version=version,
            ours=xlwings.__version__,
        )
        return Check("Python", False, other, fix)
    ok = said("doctor_python_ok", python=found, where=where, version=version)
    return Check("Python", True, ok)


Layers = list[tuple[dict[str, str], Words]]  # (settings, where they are)


def excel_settings(file: Path | None, home: Path | None = None) -> Layers:
    """xlwings' settings, first place first: the file's xlwings.conf sheet, an xlwings.conf
    next to the file, the user's xlwings.conf."""
    layers: Layers = []
    if file is not None and file.is_file():
        try:
            with zipfile.ZipFile(file) as z:  # calamine would hold such a sheet whole
                if far_cell(z) is not None:
                    raise ValueError("a cell too far away to read the sheets")
            book = CalamineWorkbook.from_path(str(file))
            if CONFIG_SHEET in book.sheet_names:
                rows = book.get_sheet_by_name(CONFIG_SHEET).to_python()
                where = said("doctor_conf_sheet", sheet=CONFIG_SHEET, file=file.name)
                layers.append((config_from_rows(rows), where))
        except Exception:  # an unreadable file is vba_check's finding, not this one's
            pass
        beside = file.parent / CONFIG_SHEET
        layers.append((_config_file(beside), str(beside)))
    user = Path(xlwings.USER_CONFIG_FILE) if home is None else home / ".xlwings" / "xlwings.conf"
    layers.append((_config_file(user), str(user)))
    return layers


def setting(layers: Layers, key: str) -> tuple[str, Words]:
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


def report(checks: list[Check], lang: str, out: TextIO | None = None) -> int:
    """Print the checks in `lang`; 0 if all passed, 1 if any failed."""
    out = out or sys.stdout
    ok, fail = say("doctor_ok", lang), say("doctor_fail", lang)
    width = max(columns(ok), columns(fail))
    print("salesplan excel doctor", file=out)
    for c in checks:
        status = pad(ok if c.ok else fail, width)
        line = say("doctor_check", lang, name=text(c.name, lang), detail=text(c.detail, lang))
        print(f"  {status}  {line}", file=out)
        if not c.ok and c.fix:
            fix = say("doctor_fix", lang, fix=text(c.fix, lang))
            print(" " * (width + 4) + fix, file=out)
    failed = sum(not c.ok for c in checks)
    done = say("doctor_failed", lang, n=failed) if failed else say("doctor_all_passed", lang)
    print(done, file=out)
    return EXIT_FAILED if failed else EXIT_OK
