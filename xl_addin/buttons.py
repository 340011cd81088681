"""The Excel buttons (SPEC §10): what the ribbon and the Control sheet run through RunPython.

Each entry point is a few lines over the functions the command line runs (commands.py), on
the workbook that called it (`xw.Book.caller()`) read and written live (livebook.py). Input
problems appear in one message box listing `Sheet!Cell: problem — hint` lines, and nothing is
written; any other failure is reported in a message box too, never as a traceback.

Message boxes go through xlwings' `App.alert`. Recalibrate asks for the new target, the
reason and the approver: xlwings has no public input box, so in Excel the question is asked
with Excel's own `Application.InputBox` on Windows (through `book.app.api`, the COM object)
and with AppleScript's `display dialog` on macOS (as xlwings itself shows alerts there). Tests
pass `book`, `alert` and `prompt` instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import io
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from engine.problems import PlanError, Problem, format_problems
from engine.recalibrate import Request
from xl_addin.columns import normalise_header
from xl_addin.commands import (
    decompose_book,
    decompose_summary,
    issue_book,
    issue_summary,
    parse_amount,
    recalibrate_summary,
    track_book,
    track_summary,
    workbooks_folder,
)
from xl_addin.labels import label
from xl_addin.livebook import LiveBook
from xl_addin.recalibration import recalibrate as recalibrate_book

TITLE = "salesplan"
TARGETS = "tblTargets"

# alert(message, title, mode) with mode "info" or "critical"
Alert = Callable[[str, str, str], object]
# prompt(question, title, default) -> the answer, or None when cancelled
Prompt = Callable[[str, str, str], "str | None"]


def decompose(book=None, alert: Alert | None = None) -> None:
    """Decompose: §2–§4 into Targets, Breakdown, Phasing and Reconciliation."""
    book = book or _caller()
    with _reported(book, alert, "Decompose") as show:
        started = time.perf_counter()
        result = decompose_book(LiveBook(book))
        show(decompose_summary(result, book.name, time.perf_counter() - started))


def track(book=None, alert: Alert | None = None) -> None:
    """Track: §5–§6 into Tracking, Commission and Dashboard."""
    book = book or _caller()
    with _reported(book, alert, "Track") as show:
        started = time.perf_counter()
        result = track_book(LiveBook(book))
        show(track_summary(result, book.name, time.perf_counter() - started))


def issue_workbooks(book=None, alert: Alert | None = None) -> None:
    """Issue workbooks: §8, into a folder beside the plan (`<plan> workbooks`)."""
    book = book or _caller()
    with _reported(book, alert, "Issue workbooks") as show:
        folder = _folder(book)
        started = time.perf_counter()
        result = issue_book(LiveBook(book), folder)
        show(issue_summary(result, folder, time.perf_counter() - started))


def send(book=None, alert: Alert | None = None) -> None:
    """Send: mail the issued workbooks (SPEC §11) with xl_addin.send."""
    book = book or _caller()
    with _reported(book, alert, "Send") as show:
        try:
            mailer = importlib.import_module("xl_addin.send")
        except ModuleNotFoundError as exc:
            if exc.name != "xl_addin.send":
                raise
            show(
                [
                    "Sending is not part of this installation of salesplan yet.",
                    "The issued workbooks are in the folder beside the plan; "
                    "send them from there, or update salesplan.",
                ],
                mode="critical",
            )
            return
        folder = _folder(book)
        if not folder.is_dir():
            show([f"There are no issued workbooks in {folder}.", "Press Issue workbooks first."])
            return
        report = mailer.send(folder)
        lines = [f"Sent the workbooks in {folder}."]
        if report is not None and hasattr(mailer, "print_report"):
            text = io.StringIO()
            mailer.print_report(report, text)
            lines = text.getvalue().rstrip("\n").splitlines()
        show(lines)


def recalibrate(
    book=None,
    alert: Alert | None = None,
    prompt: Prompt | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Recalibrate: §7 for the rep in the selected row of the Targets sheet."""
    book = book or _caller()
    ask = prompt or excel_prompt(book)
    with _reported(book, alert, "Recalibrate") as show:
        live = LiveBook(book)
        rep = selected_rep(book, live)
        if isinstance(rep, str):  # the reason no rep is selected
            show([rep], mode="critical")
            return
        rep_id, name, target = rep
        title = f"{TITLE} — Recalibrate {rep_id}"
        now_target = f", now {target:,.0f}" if isinstance(target, (int, float)) else ""
        answer = ask(f"New target for {rep_id} {name}{now_target}:", title, "")
        if answer is None:
            return
        try:
            amount = parse_amount(answer)
        except ValueError as exc:
            show([str(exc)], mode="critical")
            return
        reason = ask("Reason (recorded in tblChangeLog):", title, "")
        if reason is None:
            return
        if not reason.strip():
            show(["A recalibration needs a reason; nothing was changed."], mode="critical")
            return
        approver = ask("Approver (needed beyond FlexReserve; blank if none):", title, "")
        if approver is None:
            return
        change = Request("rep", rep_id, amount, reason.strip(), approver.strip())
        result = recalibrate_book(live, change, now or dt.datetime.now())
        show(recalibrate_summary(result, book.name))


def selected_rep(book, live: LiveBook) -> tuple[str, str, object] | str:
    """(RepID, name, target) of the selected row of tblTargets, or why there is none."""
    hint = (
        f"Select a rep's row in the {TARGETS} table on the Targets sheet, then press Recalibrate."
    )
    raw = live.table(TARGETS)
    if raw is None:
        return f"There is no {TARGETS} table yet: press Decompose first."
    selection = book.selection
    if selection is None or selection.sheet.name.casefold() != raw.sheet.casefold():
        return hint
    if selection.shape[0] != 1:
        return "Select one rep's row only, then press Recalibrate."
    i = selection.row - raw.first_row - 1
    if not 0 <= i < len(raw.rows):
        return hint
    position = _positions(raw.headers)
    row = raw.rows[i]
    rep_id = row[position.get("rep_id", 0)]
    if rep_id is None or not str(rep_id).strip():
        return hint
    name = row[position["name"]] if "name" in position else ""
    target = row[position["target"]] if "target" in position else None
    return str(rep_id).strip(), "" if name is None else str(name), target


def _positions(headers: list) -> dict[str, int]:
    """Where tblTargets' RepID, Name and Target are, by their header in either locale."""
    wanted = {
        normalise_header(label(key, locale)): key
        for key in ("rep_id", "name", "target")
        for locale in ("en", "zh-CN")
    }
    out: dict[str, int] = {}
    for j, h in enumerate(headers):
        key = wanted.get(normalise_header(str(h))) if h is not None else None
        if key and key not in out:
            out[key] = j
    return out


def _folder(book) -> Path:
    """`<plan> workbooks` beside the plan; a plan never saved has no folder yet."""
    path = Path(book.fullname)
    if not path.is_absolute() or not path.parent.is_dir():
        raise PlanError(
            [
                Problem(
                    book.name,
                    "",
                    "the workbook has not been saved yet",
                    "save it first: the workbooks go into a folder beside it",
                )
            ]
        )
    return workbooks_folder(path)


@contextlib.contextmanager
def _reported(book, alert: Alert | None, command: str) -> Iterator[Callable]:
    """Run a command, showing its summary, or its input problems in one message box."""
    say = alert or _excel_alert(book)
    title = f"{TITLE} — {command}"

    def show(lines: list[str], mode: str = "info") -> None:
        say("\n".join(lines), title, mode)

    try:
        yield show
    except PlanError as exc:
        n = len(exc.problems)
        say(
            f"{n} problem{'s' if n != 1 else ''} in the input; nothing was changed.\n\n"
            + format_problems(exc.problems),
            title,
            "critical",
        )
    except Exception as exc:  # the last line of defence: no traceback for a user
        say(f"{command} failed: {type(exc).__name__}: {exc}", title, "critical")


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
            "Recalibrate asks its questions in Excel on Windows or macOS; "
            "elsewhere use `salesplan recalibrate PLAN --rep ID --target N --reason TEXT`"
        )

    return ask


def _caller():
    import xlwings as xw

    return xw.Book.caller()
