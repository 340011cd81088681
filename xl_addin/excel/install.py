"""`salesplan excel install`: put salesplan.xlam where Excel opens add-ins at start.

Windows: the user's XLSTART folder; macOS: Excel's Startup folder in the Office group
container, plus xlwings' AppleScript that RunPython needs there. Linux has no Excel, so
nothing is written. Like `xlwings addin install`, a missing ~/.xlwings/xlwings.conf is
created naming this Python, which the add-in then starts (`xlwings config create`).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TextIO

import xlwings
import xlwings.cli

from xl_addin.excel.vba_projects import ADDIN_NAME, XLWINGS_DIR, build_addin

EXIT_OK, EXIT_FAILED = 0, 1
MAC_STARTUP = (
    "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
)
MAC_SCRIPTS = "Library/Application Scripts/com.microsoft.Excel"
NO_EXCEL = (
    "Excel is not available on Linux: the ribbon, the buttons and the worksheet functions "
    "need Excel on Windows or macOS"
)


def excel_platform(platform: str = sys.platform) -> bool:
    """Whether Excel (and so xlwings' RunPython and the add-in) can run here."""
    return platform.startswith("win") or platform == "darwin"


def startup_folder(
    platform: str = sys.platform, environ=os.environ, home: Path | None = None
) -> Path | None:
    """The folder whose workbooks and add-ins Excel opens at start; None where there is no Excel."""
    home = home or Path.home()
    if platform.startswith("win"):
        appdata = environ.get("APPDATA") or str(home / "AppData" / "Roaming")
        return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"
    if platform == "darwin":
        return home / MAC_STARTUP
    return None


def runpython_script(home: Path | None = None) -> Path:
    """Where Excel on macOS looks for xlwings' AppleScript (`xlwings runpython install`)."""
    return (home or Path.home()) / MAC_SCRIPTS / f"xlwings-{xlwings.__version__}.applescript"


def install(
    locale: str = "zh-CN",
    platform: str = sys.platform,
    environ=os.environ,
    home: Path | None = None,
    out: TextIO | None = None,
) -> int:
    """Build salesplan.xlam from the installed packages straight into Excel's startup folder."""
    out = out or sys.stdout
    folder = startup_folder(platform, environ, home)
    if folder is None:
        print(f"salesplan: {NO_EXCEL}; nothing was installed.", file=sys.stderr)
        print(
            "  Build the add-in here with `salesplan excel addin --out DIR`, or run "
            "`salesplan excel install` on the Windows or macOS machine that has Excel.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    target = folder / ADDIN_NAME
    try:
        build_addin(target, locale)
    except PermissionError:
        print(
            f"salesplan: cannot write {target}: Excel has it open. Quit Excel and run "
            "`salesplan excel install` again.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print(f"Installed {target}", file=out)
    if platform == "darwin":
        script = runpython_script(home)
        script.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(XLWINGS_DIR / script.name, script)
        print(f"  RunPython's AppleScript: {script}", file=out)
    config = Path(xlwings.USER_CONFIG_FILE)
    if not config.exists():
        xlwings.cli.config_create(None)  # xlwings' own `xlwings config create`
        print(f"  xlwings settings: {config} (Python {sys.executable})", file=out)
    print(
        "  Restart Excel: the salesplan tab is on the ribbon, the worksheet functions in every "
        "workbook. `salesplan excel doctor` checks the set-up.",
        file=out,
    )
    return EXIT_OK
