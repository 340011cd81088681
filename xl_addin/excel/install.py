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
from xl_addin.messages import say

EXIT_OK, EXIT_FAILED = 0, 1
MAC_STARTUP = (
    "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
)
MAC_SCRIPTS = "Library/Application Scripts/com.microsoft.Excel"


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
    lang: str = "en",
) -> int:
    """Build salesplan.xlam (its ribbon in `locale`) from the installed packages straight into
    Excel's startup folder, saying so in `lang`."""
    out = out or sys.stdout
    folder = startup_folder(platform, environ, home)
    if folder is None:
        reason = say("excel_not_here", lang)
        print(f"salesplan: {say('excel_install_nothing', lang, reason=reason)}", file=sys.stderr)
        print(say("excel_install_elsewhere", lang), file=sys.stderr)
        return EXIT_FAILED
    target = folder / ADDIN_NAME
    try:
        build_addin(target, locale)
    except PermissionError:
        print(f"salesplan: {say('excel_install_locked', lang, target=target)}", file=sys.stderr)
        return EXIT_FAILED
    print(say("excel_installed", lang, target=target), file=out)
    if platform == "darwin":
        script = runpython_script(home)
        script.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(XLWINGS_DIR / script.name, script)
        print(say("excel_installed_script", lang, script=script), file=out)
    config = Path(xlwings.USER_CONFIG_FILE)
    if not config.exists():
        xlwings.cli.config_create(None)  # xlwings' own `xlwings config create`
        print(say("excel_installed_config", lang, config=config, python=sys.executable), file=out)
    print(say("excel_installed_restart", lang), file=out)
    return EXIT_OK
