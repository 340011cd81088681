"""The Excel buttons (SPEC §10): what the ribbon and the Control sheet run through RunPython.

Each entry point is a few lines over the functions the command line runs (commands.py), on
the workbook that called it (`xw.Book.caller()`) read and written live (livebook.py). Input
problems appear in one message box listing `Sheet!Cell: problem — hint` lines, and nothing is
written; any other failure is reported in a message box too, never as a traceback. The
buttons speak the plan's Locale (templates/messages.toml); the problems themselves are in
English, as the reader and the engine word them.

Message boxes go through xlwings' `App.alert`. Track asks for the week to track, with the
latest week most reps have reported filled in (Enter takes it); Recalibrate asks for the new
target, the reason and the approver: xlwings has no public input box, so in Excel a question is asked
with Excel's own `Application.InputBox` on Windows (through `book.app.api`, the COM object)
and with AppleScript's `display dialog` on macOS (as xlwings itself shows alerts there). Tests
pass `book`, `alert` and `prompt` instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.problems import PlanError
from engine.progress import progress
from engine.recalibrate import REQUEST_FIELDS, Request
from engine.settings import LOCALES
from engine.tracking import tracked_week
from xl_addin.commands import (
    check_week,
    collect_book,
    collect_summary,
    decompose_book,
    decompose_summary,
    issue_book,
    issue_summary,
    parse_amount,
    recalibrate_summary,
    scenarios_book,
    scenarios_summary,
    track_plan,
    track_summary,
    workbooks_folder,
)
from xl_addin.delivery.send import print_report
from xl_addin.delivery.send import send as send_folder
from xl_addin.excel import background
from xl_addin.excel.livebook import LiveBook
from xl_addin.excel.sources import labels
from xl_addin.messages import problems_text, say
from xl_addin.recalibration import recalibrate as recalibrate_book
from xl_addin.sheets.labels import label
from xl_addin.sheets.outputs import describe_progress
from xl_addin.sheets.units import without_unit
from xl_addin.workbook.columns import normalise_header
from xl_addin.workbook.reader import plan_locale, read_plan

TITLE = "salesplan"
TARGETS = "tblTargets"
RATE = 30.0  # messages a minute through a server, as `salesplan send` sends by default

# alert(message, title, mode) with mode "info" or "critical"
Alert = Callable[[str, str, str], object]
# prompt(question, title, default) -> the answer, or None when cancelled
Prompt = Callable[[str, str, str], "str | None"]


@dataclass(frozen=True)
class Dialog:
    """A button's message boxes, in the plan's Locale."""

    alert: Alert
    title: str
    locale: str

    def show(self, lines: list[str], mode: str = "info") -> None:
        self.alert("\n".join(lines), self.title, mode)

    def say(self, key: str, **values) -> str:
        return say(key, self.locale, **values)


def decompose(book=None, alert: Alert | None = None) -> None:
    """Decompose: §2–§4 into Targets, Breakdown, Phasing and Reconciliation."""
    book = book or _caller()
    with _reported(book, alert, "decompose") as box:
        started = time.perf_counter()
        result = decompose_book(LiveBook(book))
        seconds = time.perf_counter() - started
        box.show(decompose_summary(result, book.name, seconds, box.locale))


def scenarios(book=None, alert: Alert | None = None) -> None:
    """Scenarios: each scenario of tblScenarios beside the plan, into the Scenarios sheet
    (SPEC §17); the plan's own targets and sheets are not changed."""
    book = book or _caller()
    with _reported(book, alert, "scenarios") as box:
        started = time.perf_counter()
        result = scenarios_book(LiveBook(book))
        seconds = time.perf_counter() - started
        box.show(scenarios_summary(result, book.name, seconds, box.locale))


def track(book=None, alert: Alert | None = None, prompt: Prompt | None = None) -> None:
    """Track: §5–§6 into Tracking, Commission and Dashboard, at the week asked for (the
    latest week most reps have reported filled in; a blank answer takes it too)."""
    book = book or _caller()
    ask = prompt or excel_prompt(book)
    with _reported(book, alert, "track") as box:
        started = time.perf_counter()
        live = LiveBook(book)
        plan = read_plan(live)
        # sheets the plan will not let Track write are refused before the week is asked
        live.check_not_input(describe_progress(progress(plan, None), plan.settings))
        weeks, default = plan.settings.weeks, tracked_week(plan)
        question = (
            box.say("ask_week", weeks=weeks, default=default)
            if default
            else box.say("ask_week_none", weeks=weeks)
        )
        asked = time.perf_counter()
        answer = ask(question, box.title, str(default) if default else "")
        if answer is None:
            return
        started += time.perf_counter() - asked  # the time the question was open is not work
        week = (
            check_week(answer, weeks, box.say("field_week"), box.locale)
            if str(answer).strip()
            else default
        )
        result = track_plan(live, plan, week)
        seconds = time.perf_counter() - started
        box.show(track_summary(result, book.name, seconds, box.locale))


def issue_workbooks(book=None, alert: Alert | None = None) -> None:
    """Issue workbooks: §8, into a folder beside the plan (`<plan> workbooks`)."""
    book = book or _caller()
    with _reported(book, alert, "issue_workbooks") as box:
        folder = _folder(book)
        if folder is None:
            box.show([box.say("not_saved")], mode="critical")
            return
        started = time.perf_counter()
        result = issue_book(LiveBook(book), folder)
        box.show(issue_summary(result, folder, time.perf_counter() - started, box.locale))


def send(book=None, alert: Alert | None = None, rate: float = RATE) -> None:
    """Send: mail the issued workbooks (SPEC §11): everything checked here, the mailing
    itself in the background when it goes through a server (background.py)."""
    book = book or _caller()
    with _reported(book, alert, "send") as box:
        folder = _folder(book)
        if folder is None or not folder.is_dir():
            box.show([box.say("nothing_issued", folder=folder or book.name)], mode="critical")
            return
        who = background.running(folder)
        planned = send_folder(folder, dry_run=True, rate=rate, out=io.StringIO())  # the checks
        left = planned.count("would send")
        if who is not None:
            done = planned.count("already sent")
            report = folder / background.REPORT
            box.show([box.say("send_running", who=who, sent=done, left=left, report=report)])
            return
        if left and planned.outbox is None:
            background.check_server()  # a wrong password or host: said here, nothing started
            last = background.previous_report(folder)
            before = [box.say("send_last"), *last, ""] if last else []
            started = background.start(folder, rate)
            if started.exit_code is None:
                minutes = math.ceil(left / rate)
                said = box.say(
                    "send_started", n=left, minutes=minutes, rate=rate, report=started.report
                )
                box.show([*before, said])
            else:  # done already: what it said, as when sending to the outbox
                now = background.previous_report(folder)
                box.show(
                    [*before, *now], mode="info" if started.exit_code in (0, 1) else "critical"
                )
            return
        text = io.StringIO()
        print_report(send_folder(folder, rate=rate, out=io.StringIO()), text, box.locale)
        box.show(text.getvalue().rstrip("\n").splitlines())


def recalibrate(
    book=None,
    alert: Alert | None = None,
    prompt: Prompt | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Recalibrate: §7 for the rep or region in the selected row of the Targets sheet."""
    book = book or _caller()
    ask = prompt or excel_prompt(book)
    with _reported(book, alert, "recalibrate") as box:
        live = LiveBook(book)
        chosen = selected_row(book, live, box)
        if isinstance(chosen, str):  # the reason nothing is selected
            box.show([chosen], mode="critical")
            return
        who, target = chosen.who, chosen.target
        title = f"{TITLE} — {box.say('recalibrate_title', who=who)}"
        question = (
            box.say("ask_target_now", who=who, target=round(target))
            if isinstance(target, (int, float))
            else box.say("ask_target", who=who)
        )
        answer = ask(question, title, "")
        if answer is None:
            return
        try:
            amount = parse_amount(answer)
        except ValueError:
            box.show([box.say("not_an_amount", text=answer)], mode="critical")
            return
        reason = ask(box.say("ask_reason"), title, "")
        if reason is None:
            return
        if not reason.strip():
            box.show([box.say("no_reason")], mode="critical")
            return
        approver = ask(box.say("ask_approver"), title, "")
        if approver is None:
            return
        change = Request(chosen.scope, chosen.key, amount, reason.strip(), approver.strip())
        fields = {f: box.say(f"field_{f}") for f in REQUEST_FIELDS}
        result = recalibrate_book(live, change, now or dt.datetime.now(), fields)
        box.show(recalibrate_summary(result, book.name, box.locale))


def collect(
    book=None,
    alert: Alert | None = None,
    prompt: Prompt | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Collect: the returned workbooks in the folder asked for (the folder the workbooks were
    issued into filled in) merged into the plan's tblActuals and tblSignOffs (SPEC §16)."""
    book = book or _caller()
    ask = prompt or excel_prompt(book)
    with _reported(book, alert, "collect") as box:
        default = _folder(book)
        answer = ask(box.say("ask_folder"), box.title, str(default or ""))
        if answer is None:
            return
        folder = Path(answer.strip()) if answer.strip() else default
        if folder is None or not folder.is_dir():
            box.show([box.say("no_folder", folder=folder or answer)], mode="critical")
            return
        started = time.perf_counter()
        result = collect_book(LiveBook(book), folder, now=now)
        seconds = time.perf_counter() - started
        box.show(collect_summary(result, folder, book.name, seconds, box.locale))


@dataclass(frozen=True)
class Selected:
    """The rep or region in the selected row of the Targets sheet."""

    scope: str  # rep or region
    key: str  # its RepID or region name
    who: str  # how the questions name it
    target: object  # its target as the sheet shows it


# The tables of the Targets sheet a row can be recalibrated from: scope, table, key column.
SELECTABLE = (("rep", TARGETS, "rep_id"), ("region", "tblRegionTargets", "region"))


def selected_row(book, live: LiveBook, box: Dialog) -> Selected | str:
    """The rep (tblTargets) or region (tblRegionTargets) in the selected row, or why there is
    none; the two stand side by side, so the selected column says which."""
    tables = [(scope, live.table(name), key) for scope, name, key in SELECTABLE]
    if tables[0][1] is None:
        return box.say("no_targets", table=TARGETS)
    hint = box.say("select_row", sheet=tables[0][1].sheet)
    selection = book.selection
    if selection is None or selection.sheet.name.casefold() != tables[0][1].sheet.casefold():
        return hint
    if selection.shape[0] != 1:
        return box.say("select_one")
    for scope, raw, key in tables:
        if raw is None or raw.sheet.casefold() != selection.sheet.name.casefold():
            continue
        i = selection.row - raw.first_row - 1
        if not 0 <= i < len(raw.rows):
            continue
        if not raw.first_col <= selection.column < raw.first_col + len(raw.headers):
            continue  # a row of the table beside it (tblRegionTargets stands beside tblTargets)
        position = _positions(raw.headers)
        row = raw.rows[i]
        value = row[position.get(key, 0)]
        if value is None or not str(value).strip():
            return hint
        value = str(value).strip()
        target = row[position["target"]] if "target" in position else None
        if scope == "rep":
            name = row[position["name"]] if "name" in position else None
            who = f"{value} {'' if name is None else name}".strip()
        else:
            who = box.say("who_region", region=value)
        return Selected(scope, value, who, target)
    return hint


def _positions(headers: list) -> dict[str, int]:
    """Where RepID, Name, Region and Target are, by their header in either locale and Unit."""
    wanted = {
        normalise_header(label(key, locale)): key
        for key in ("rep_id", "name", "region", "target")
        for locale in LOCALES
    }
    out: dict[str, int] = {}
    for j, h in enumerate(headers):
        key = wanted.get(normalise_header(without_unit(str(h)))) if h is not None else None
        if key and key not in out:
            out[key] = j
    return out


def _folder(book) -> Path | None:
    """`<plan> workbooks` beside the plan; None for a plan never saved (it has no folder)."""
    path = Path(book.fullname)
    if not path.is_absolute() or not path.parent.is_dir():
        return None
    return workbooks_folder(path)


@contextlib.contextmanager
def _reported(book, alert: Alert | None, command: str) -> Iterator[Dialog]:
    """Run a command, showing its summary, or its input problems in one message box."""
    locale = _locale(book)
    name = labels(locale)[command]  # the button's own label
    box = Dialog(alert or _excel_alert(book), f"{TITLE} — {name}", locale)
    try:
        yield box
    except PlanError as exc:
        problems = problems_text(exc.problems, locale)
        box.show([box.say("problems", n=len(exc.problems)), "", problems], mode="critical")
    except Exception as exc:  # the last line of defence: no traceback for a user
        box.show(
            [box.say("failed", command=name, error=f"{type(exc).__name__}: {exc}")], "critical"
        )


def _locale(book) -> str:
    """The plan's Locale; the default if even tblSettings cannot be read."""
    try:
        return plan_locale(LiveBook(book))
    except Exception:  # the command itself will report what is wrong
        return LOCALES[0]


def _excel_alert(book) -> Alert:
    def alert(message: str, title: str, mode: str) -> object:
        return book.app.alert(message, title=title, mode=mode)

    return alert


def excel_prompt(book) -> Prompt:
    """Ask in Excel: Application.InputBox on Windows, `display dialog` on macOS."""

    def ask(question: str, title: str, default: str = "") -> str | None:
        if sys.platform.startswith("win"):
            answer = book.app.api.InputBox(question, title, default)
            return None if answer is False else str(answer)
        if sys.platform.startswith("darwin"):
            import osax  # xlwings' own dependency on macOS
            from appscript import k
            from appscript.reference import CommandError

            dialogs = osax.OSAX(pid=book.app.pid)
            dialogs.activate()
            try:
                reply = dialogs.display_dialog(question, default_answer=default, with_title=title)
            except CommandError:  # Cancel
                return None
            return reply[k.text_returned]
        raise RuntimeError(
            "the buttons ask their questions in Excel on Windows or macOS; elsewhere use "
            "`salesplan track PLAN --week N` or "
            "`salesplan recalibrate PLAN --rep ID --target N --reason TEXT`"
        )

    return ask


def _caller():
    import xlwings as xw

    return xw.Book.caller()
