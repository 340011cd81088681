"""The `salesplan` command: the same engine as the Excel buttons, over files (SPEC §12).

The work and the words of each command are in commands.py, shared with buttons.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from engine.problems import PlanError
from engine.recalibrate import REQUEST_FIELDS, Request
from engine.settings import LOCALES
from xl_addin.commands import (
    adopt_scenario_book,
    adopt_summary,
    collect_book,
    collect_summary,
    decompose_book,
    decompose_summary,
    issue_book,
    issue_summary,
    parse_amount,
    plan_of_folder,
    recalibrate_summary,
    scenarios_book,
    scenarios_summary,
    track_book,
    track_summary,
)
from xl_addin.excel import cli as excel_cli
from xl_addin.messages import problems_text, say, system_locale
from xl_addin.recalibration import recalibrate
from xl_addin.workbook.filebook import FileBook, plan_book
from xl_addin.workbook.init import write_plan
from xl_addin.workbook.reader import plan_locale

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
# The command line speaks the plan's Locale, as the buttons do, unless --lang says otherwise;
# what it says before a plan is read (a missing file, a bad option) is English. The set-up
# commands (`salesplan excel …`) mostly have no plan: they speak the computer's language.
ENGLISH = "en"
# How a problem with a recalibration request names the field: by the option that gave it.
FIELDS = {field: f"--{field}" for field in REQUEST_FIELDS}


def run_decompose(path: Path, out=None, lang=None, password_env=None) -> int:
    started = time.perf_counter()
    with plan_book(path, password_env) as book:
        result = decompose_book(book)
    seconds = time.perf_counter() - started
    lang = lang or result.settings["Locale"]
    _print(decompose_summary(result, path, seconds, lang) + refresh_note(book, lang), out)
    return EXIT_OK


def run_scenarios(path: Path, out=None, lang=None, password_env=None) -> int:
    started = time.perf_counter()
    with plan_book(path, password_env) as book:
        lang = lang or book_language(book)
        result = scenarios_book(book)
    seconds = time.perf_counter() - started
    _print(scenarios_summary(result, path, seconds, lang) + refresh_note(book, lang), out)
    return EXIT_OK


def run_adopt(path: Path, name: str, now=None, out=None, lang=None, password_env=None) -> int:
    started = time.perf_counter()
    with plan_book(path, password_env) as book:
        result = adopt_scenario_book(book, name, now or dt.datetime.now())
    seconds = time.perf_counter() - started
    lang = lang or result.decomposition.settings["Locale"]
    _print(adopt_summary(result, path, seconds, lang) + refresh_note(book, lang), out)
    return EXIT_OK


def run_track(path: Path, week=None, out=None, lang=None, password_env=None) -> int:
    started = time.perf_counter()
    with plan_book(path, password_env) as book:
        lang = lang or book_language(book)
        result = track_book(book, week, "--week", lang)
    seconds = time.perf_counter() - started
    _print(track_summary(result, path, seconds, lang) + refresh_note(book, lang), out)
    return EXIT_OK


def run_recalibrate(
    path: Path, change: Request, now=None, out=None, lang=None, password_env=None
) -> int:
    with plan_book(path, password_env) as book:
        result = recalibrate(book, change, now or dt.datetime.now(), FIELDS)
        lang = lang or book_language(book)
    _print(recalibrate_summary(result, path, lang) + refresh_note(book, lang), out)
    return EXIT_OK


def refresh_note(book: FileBook, lang: str) -> list[str]:
    """When the user's own formulas read the sheets just written: Excel recalculates them on
    opening the plan (the workbook asks it to); LibreOffice keeps what the file stores until
    told, and says nothing (it honours no setting in the file for this)."""
    if not book.formulas_over:
        return []
    return [say("formulas_refresh", lang, sheets=", ".join(book.formulas_over))]


def run_issue(
    path: Path, folder: Path, encrypt=False, locale=None, out=None, lang=None, password_env=None
) -> int:
    started = time.perf_counter()
    with plan_book(path, password_env) as book:
        result = issue_book(book, folder, encrypt=encrypt, locale=locale)
        lang = lang or book_language(book)
    seconds = time.perf_counter() - started
    _print(issue_summary(result, folder, seconds, lang), out)
    return EXIT_OK


def run_collect(
    folder: Path, path=None, prefer=None, now=None, out=None, lang=None, password_env=None
) -> int:
    started = time.perf_counter()
    path = path or plan_of_folder(folder)
    with plan_book(path, password_env) as book:
        lang = lang or book_language(book)
        result = collect_book(book, folder, prefer == "returned", now)
    seconds = time.perf_counter() - started
    option = "--prefer returned"
    _print(collect_summary(result, folder, path, seconds, lang, option), out)
    return EXIT_OK


def language(path: Path | None, password_env: str | None = None, otherwise: str = ENGLISH) -> str:
    """The plan's Locale, which the command line speaks; `otherwise` (English unless told)
    when there is no plan to ask, or its file is missing or cannot be opened."""
    if path is None:
        return otherwise
    try:
        with plan_book(path, password_env) as book:
            return book_language(book, otherwise)
    except Exception:
        return otherwise


def book_language(book: FileBook, otherwise: str = ENGLISH) -> str:
    try:
        return plan_locale(book)
    except Exception:
        return otherwise


def _print(lines: list[str], out=None) -> None:
    out = out or sys.stdout
    for line in lines:
        print(line, file=out)


def run_send(
    folder: Path, only=None, dry_run=False, rate=30.0, resend=False, env=None, out=None
) -> int:
    from xl_addin.delivery.send import send  # smtplib and sqlite only when mailing

    extra = {"env": env} if env is not None else {}
    report = send(
        folder, only=only, dry_run=dry_run, rate=rate, resend=resend, out=out or sys.stdout, **extra
    )
    return report.exit_code


def run_init(plan: Path, example: bool, locale: str) -> Path:
    if Path(plan).suffix.lower() == ".xlsm":
        from xl_addin.excel.macro_workbook import write_macro_plan  # xlwings only here

        return write_macro_plan(plan, example, locale)
    return write_plan(plan, example, locale)


def run_demo(folder: Path, out=None) -> int:
    out = out or sys.stdout
    locale = LOCALES[0]  # the example company plans in Chinese
    folder.mkdir(parents=True, exist_ok=True)
    plan = folder / "plan.xlsx"
    if plan.exists():
        plan.unlink()
    write_plan(plan, example=True, locale=locale)
    print(say("demo_plan", locale, plan=plan), file=out)
    run_decompose(plan, out)
    run_track(plan, out=out)
    run_issue(plan, folder / "workbooks", out=out)
    run_send(folder / "workbooks", env={}, out=out)  # the outbox, even where SMTP is configured
    from xl_addin.excel.vba_projects import ADDIN_NAME, build_addin  # xlwings only here

    addin = build_addin(folder / ADDIN_NAME, locale)
    macro_plan = folder / "plan.xlsm"
    if macro_plan.exists():
        macro_plan.unlink()
    run_init(macro_plan, example=True, locale=locale)
    print(say("demo_excel", locale, macro_plan=macro_plan, addin=addin), file=out)
    print(say("demo_open", locale, plan=plan, books=folder / "workbooks"), file=out)
    return EXIT_OK


def _amount(text: str) -> int:
    """--target as typed: 1200000, 1,200,000 or 120万."""
    try:
        return parse_amount(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="salesplan",
        description="Set, split and phase sales targets in an Excel planning workbook.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create a new planning workbook")
    init.add_argument("plan", type=Path)
    init.add_argument(
        "--example", action="store_true", help="fill it with a realistic example company"
    )
    init.add_argument("--locale", choices=LOCALES, default=LOCALES[0])
    dec = sub.add_parser("decompose", help="set and split the targets into the output sheets")
    dec.add_argument("plan", type=Path)
    _lang(dec)
    _password_env(dec)
    dec.add_argument(
        "--scenario",
        metavar="NAME",
        help="adopt scenario NAME of tblScenarios: decompose with its settings and write them "
        "into tblSettings (recorded in tblChangeLog)",
    )
    scn = sub.add_parser(
        "scenarios",
        help="decompose each scenario of tblScenarios beside the plan into a Scenarios sheet "
        "(the plan's targets unchanged)",
    )
    scn.add_argument("plan", type=Path)
    _lang(scn)
    _password_env(scn)
    trk = sub.add_parser(
        "track", help="actuals to date: Tracking (red/amber/green) and Commission sheets"
    )
    trk.add_argument("plan", type=Path)
    _lang(trk)
    _password_env(trk)
    trk.add_argument(
        "--week",
        metavar="N",
        help="track week N (1 to PeriodWeeks); by default the latest week most reps have reported",
    )
    rec = sub.add_parser(
        "recalibrate",
        help="change a rep's, a region's or the team's target (capped, logged in tblChangeLog)",
    )
    rec.add_argument("plan", type=Path)
    _lang(rec)
    _password_env(rec)
    who = rec.add_mutually_exclusive_group(required=True)
    who.add_argument("--rep", metavar="ID", help="the rep's RepID")
    who.add_argument("--region", metavar="NAME", help="a region: its reps move in proportion")
    who.add_argument("--team", action="store_true", help="the team: every rep in proportion")
    rec.add_argument("--target", required=True, type=_amount, help="the new target, e.g. 1200000")
    rec.add_argument("--reason", required=True, help="why; recorded in tblChangeLog")
    rec.add_argument("--approver", default="", help="who approved it (needed beyond FlexReserve)")
    iss = sub.add_parser(
        "issue", help="one responsibility workbook per rep and a roll-up per region"
    )
    iss.add_argument("plan", type=Path)
    _lang(iss)
    _password_env(iss)
    iss.add_argument("--out", type=Path, required=True, help="the folder for the workbooks")
    iss.add_argument(
        "--encrypt",
        action="store_true",
        help="password-protect each workbook (list for the manager)",
    )
    iss.add_argument("--locale", choices=LOCALES, help="the workbooks' language")
    snd = sub.add_parser(
        "send",
        help="e-mail each rep their workbook (managers their roll-up); an outbox without SMTP",
    )
    snd.add_argument("folder", type=Path, help="the folder `salesplan issue` wrote")
    snd.add_argument("--only", nargs="+", metavar="ID", help="only these RepIDs (or regions)")
    snd.add_argument("--dry-run", action="store_true", help="check and list, send nothing")
    snd.add_argument("--rate", type=float, default=30.0, help="messages per minute (default 30)")
    snd.add_argument(
        "--resend",
        action="store_true",
        help="send again workbooks issued anew since sent, even with the same numbers",
    )
    col = sub.add_parser(
        "collect",
        help="merge the actuals and acceptances of the reps' returned workbooks into the plan",
    )
    col.add_argument("folder", type=Path, help="the folder of the returned workbooks")
    col.add_argument(
        "plan",
        type=Path,
        nargs="?",
        help="the plan (default: the one beside the folder, as `<plan> workbooks` is named)",
    )
    _lang(col)
    _password_env(col)
    col.add_argument(
        "--prefer",
        choices=("returned",),
        help="in a conflicting week, take the rep's values instead of keeping the plan's",
    )
    excel_cli.add_parsers(sub)
    demo = sub.add_parser("demo", help="init --example, decompose and track, into a folder")
    demo.add_argument("folder", type=Path, nargs="?", default=Path("salesplan-demo"))
    return p


def _lang(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--lang",
        choices=LOCALES,
        help="the language of what the command says (default: the plan's Locale)",
    )


def _password_env(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--password-env",
        metavar="VARIABLE",
        help="for a plan encrypted with a password: the environment variable that holds it "
        "(the password itself never goes on the command line)",
    )


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    lang = getattr(args, "lang", None)
    password_env = getattr(args, "password_env", None)
    try:
        if args.command == "init":
            run_init(args.plan, example=args.example, locale=args.locale)
            print(say("init_wrote", args.locale, plan=args.plan))
            return EXIT_OK
        if args.command == "decompose" and args.scenario is not None:
            return run_adopt(args.plan, args.scenario, lang=lang, password_env=password_env)
        if args.command == "decompose":
            return run_decompose(args.plan, lang=lang, password_env=password_env)
        if args.command == "scenarios":
            return run_scenarios(args.plan, lang=lang, password_env=password_env)
        if args.command == "track":
            return run_track(args.plan, args.week, lang=lang, password_env=password_env)
        if args.command == "recalibrate":
            scope, key = (
                ("rep", args.rep)
                if args.rep
                else ("region", args.region)
                if args.region
                else ("team", "")
            )
            change = Request(scope, key, args.target, args.reason, args.approver)
            return run_recalibrate(args.plan, change, lang=lang, password_env=password_env)
        if args.command == "issue":
            return run_issue(
                args.plan, args.out, args.encrypt, args.locale, lang=lang, password_env=password_env
            )
        if args.command == "send":
            return run_send(args.folder, args.only, args.dry_run, args.rate, args.resend)
        if args.command == "collect":
            return run_collect(
                args.folder, args.plan, args.prefer, lang=lang, password_env=password_env
            )
        if args.command == "excel":  # doctor's file may be a plan
            plan = getattr(args, "file", None)
            return excel_cli.run(args, lang or language(plan, otherwise=system_locale()))
        if args.command == "demo":
            return run_demo(args.folder)
    except PlanError as exc:
        if args.command == "send":  # the language the workbooks were issued in
            from xl_addin.repbook.manifest import manifest_locale

            lang = manifest_locale(args.folder)
        lang = lang or language(getattr(args, "plan", None), password_env)
        print(f"salesplan: {say('problems', lang, n=len(exc.problems))}", file=sys.stderr)
        print(problems_text(exc.problems, lang), file=sys.stderr)
        return EXIT_BAD_INPUT
    except FileExistsError as exc:
        print(f"salesplan: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # the last line of defence: no traceback for a user
        print(f"salesplan: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
