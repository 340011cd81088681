"""`salesplan excel addin | doctor | install`: the Excel add-in, built, checked and installed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from engine.settings import LOCALES

EXIT_OK, EXIT_FAILED = 0, 1


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add `excel` and its commands to salesplan's sub-commands."""
    excel = subparsers.add_parser(
        "excel", help="the Excel add-in (salesplan ribbon tab, worksheet functions) and its checks"
    )
    sub = excel.add_subparsers(dest="excel_command", required=True)
    addin = sub.add_parser(
        "addin",
        help="build salesplan.xlam: the salesplan ribbon tab and the worksheet functions",
    )
    addin.add_argument("--out", type=Path, default=Path("."), help="folder (default: here)")
    addin.add_argument(
        "--locale", choices=LOCALES, default=LOCALES[0], help="the ribbon's language"
    )
    doctor = sub.add_parser(
        "doctor",
        help="check what the buttons and functions need (xlwings versions, Python, add-in)",
    )
    doctor.add_argument(
        "file",
        type=Path,
        nargs="?",
        help="a plan (.xlsm) or add-in (.xlam) to check; default: the installed add-in",
    )
    install = sub.add_parser(
        "install", help="put salesplan.xlam where Excel opens add-ins (Windows, macOS)"
    )
    install.add_argument(
        "--locale", choices=LOCALES, default=LOCALES[0], help="the ribbon's language"
    )


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run `salesplan excel ...`; 0 on success, 1 on failure (with the reason printed)."""
    out = out or sys.stdout
    # Imported here: xlwings and pyOpenVBA are needed by these commands only.
    from xl_addin.excel.udf_wrappers import UdfModuleError

    try:
        if args.excel_command == "addin":
            from xl_addin.excel.vba_projects import ADDIN_NAME, build_addin

            path = build_addin(args.out / ADDIN_NAME, args.locale)
            print(f"Wrote {path}", file=out)
            print(
                "  Install it with `salesplan excel install` (Windows, macOS), or open it in "
                "Excel: the salesplan tab appears on the ribbon.",
                file=out,
            )
            return EXIT_OK
        if args.excel_command == "doctor":
            from xl_addin.excel.doctor import doctor, report

            return report(doctor(args.file), out)
        if args.excel_command == "install":
            from xl_addin.excel.install import install

            return install(args.locale, out=out)
    except UdfModuleError as exc:
        print(f"salesplan: cannot register the worksheet functions: {exc}", file=sys.stderr)
        print(
            "  fix: install salesplan with its worksheet functions (xl_addin/excel/udfs.py) into this "
            f"Python: {sys.executable} -m pip install -e .",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_FAILED
