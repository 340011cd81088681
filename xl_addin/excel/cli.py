"""`salesplan excel addin | doctor | install`: the Excel add-in, built, checked and installed.

What they say is in the language cli.py picks for them: --lang, else the Locale of the plan
given to doctor, else the computer's (messages.system_locale)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from engine.settings import LOCALES
from xl_addin.messages import say, text

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
    _lang(addin)
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
    _lang(doctor)
    install = sub.add_parser(
        "install", help="put salesplan.xlam where Excel opens add-ins (Windows, macOS)"
    )
    install.add_argument(
        "--locale", choices=LOCALES, default=LOCALES[0], help="the ribbon's language"
    )
    _lang(install)


def _lang(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--lang",
        choices=LOCALES,
        help="the language of what the command says (default: a plan's Locale, else the "
        "computer's language)",
    )


def run(args: argparse.Namespace, lang: str, out: TextIO | None = None) -> int:
    """Run `salesplan excel ...`, saying it in `lang`; 0 on success, 1 on failure (with the
    reason printed)."""
    out = out or sys.stdout
    # Imported here: xlwings and pyOpenVBA are needed by these commands only.
    from xl_addin.excel.udf_wrappers import UdfModuleError

    try:
        if args.excel_command == "addin":
            from xl_addin.excel.vba_projects import ADDIN_NAME, build_addin

            path = build_addin(args.out / ADDIN_NAME, args.locale)
            print(say("excel_addin_wrote", lang, path=path), file=out)
            print(say("excel_addin_next", lang), file=out)
            return EXIT_OK
        if args.excel_command == "doctor":
            from xl_addin.excel.doctor import doctor, report

            return report(doctor(args.file), lang, out)
        if args.excel_command == "install":
            from xl_addin.excel.install import install

            return install(args.locale, out=out, lang=lang)
    except UdfModuleError as exc:
        from xl_addin.excel.vba_projects import UDF_MODULE

        error = text(exc.words, lang)
        print(f"salesplan: {say('excel_udf_cannot_register', lang, error=error)}", file=sys.stderr)
        print(say("excel_udf_fix", lang, module=UDF_MODULE, python=sys.executable), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_FAILED
