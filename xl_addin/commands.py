"""What each command does to a planning workbook, and the summary it reports (SPEC §10, §12).

The command line (cli.py, over a FileBook) and the Excel buttons (buttons.py, over a
LiveBook) run the same functions: where the workbook comes from is theirs, the work and the
words are here. A summary is a list of lines (templates/messages.toml) in a locale: the CLI
prints them in English, a button shows them in a message box in the plan's Locale.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

from engine import decompose
from engine.decomposition import Decomposition
from engine.plan import Plan
from engine.problems import PlanError, Problem
from engine.progress import Progress, progress
from engine.tracking import AMBER, GREEN, NO_REPORT, RED
from xl_addin.messages import say, text
from xl_addin.recalibration import Recalibrated, set_setting
from xl_addin.repbook.issue import Issued, issue
from xl_addin.sheets.derivation import target_text
from xl_addin.sheets.outputs import describe, describe_progress
from xl_addin.sheets.units import amount, spoken
from xl_addin.workbook.coerce import amount_value
from xl_addin.workbook.columns import BY_KEY
from xl_addin.workbook.init import new_plan_id
from xl_addin.workbook.reader import read_plan
from xl_addin.workbook.tablesource import PlanBook
from xl_addin.workbook.tablewrite import TableEdits

DECOMPOSED_SHEETS = ("Targets", "Breakdown", "Phasing", "Reconciliation")
TRACKED_SHEETS = ("Tracking", "Commission", "Dashboard")
STATUSES = {RED: "red", AMBER: "amber", GREEN: "green"}  # the summary's fields


def decompose_book(book: PlanBook) -> Decomposition:
    """§2–§4: read the plan, decompose it, write Targets, Breakdown, Phasing, Reconciliation."""
    plan = read_plan(book)
    result = decompose(plan)
    book.write_sheets(describe(result, plan.settings))
    return result


def track_book(book: PlanBook, week=None, where: str = "--week", locale: str = "en") -> Progress:
    """§5–§6: actuals to the tracked week into Tracking, Commission and Dashboard.

    `week` (1 to PeriodWeeks, as typed) is tracked; without it, the latest week most reps have
    reported (engine/tracking.py). A week outside the period is a problem named `where`, in
    `locale`, and nothing is written."""
    plan = read_plan(book)
    chosen = None if week is None else check_week(week, plan.settings.weeks, where, locale)
    return track_plan(book, plan, chosen)


def track_plan(book: PlanBook, plan: Plan, week: int | None) -> Progress:
    """Track `plan`, read from `book`, at `week` (None: the default) and write the sheets."""
    result = progress(plan, week)
    book.write_sheets(describe_progress(result, plan.settings))
    return result


def check_week(answer, weeks: int, where: str, locale: str) -> int:
    """A week as typed (6, "6", "６") when it is one of the period's 1 to `weeks`; otherwise a
    PlanError naming `where` (the CLI's --week, the button's question)."""
    text = str(answer).strip()
    try:
        week = int(text)
    except ValueError:
        week = 0
    if not 1 <= week <= weeks:
        message = say("bad_week", locale, week=text, weeks=weeks)
        raise PlanError([Problem(where, "", message, say("bad_week_hint", locale, weeks=weeks))])
    return week


def issue_book(
    book: PlanBook, folder: Path, encrypt: bool = False, locale: str | None = None
) -> Issued:
    """§8: a responsibility workbook per rep and a roll-up per region, into `folder`.

    Every workbook carries the plan's PlanID; a plan without one gets a new one, written into
    its tblSettings only once every workbook is in place (one atomic write)."""
    plan = read_plan(book)
    given = plan.settings["PlanID"]
    plan_id = str(given).strip() if given is not None else ""
    settings = plan.settings.with_values(PlanID=plan_id or new_plan_id())
    if locale:
        settings = settings.with_values(Locale=locale)
    result = issue(dataclasses.replace(plan, settings=settings), folder, encrypt=encrypt)
    if not plan_id:
        edits = TableEdits()
        set_setting(book, plan, "PlanID", settings["PlanID"], edits)
        book.write_sheets([], edits)
    return result


def workbooks_folder(plan: Path) -> Path:
    """Where the buttons issue a plan's workbooks: a folder beside it, named after it."""
    return plan.with_name(f"{plan.stem} workbooks")


def parse_amount(text: str) -> int:
    """A target as typed: 1200000, 1,200,000, 1.2e6 or 120万; a ValueError says what is wrong."""
    value = amount_value(text)
    if value is None:
        raise ValueError(f"{text!r} is not an amount; type e.g. 1200000")
    if value != value.to_integral_value():
        raise ValueError(f"{text!r}: give a whole amount in yuan")
    return int(value)


def decompose_summary(result: Decomposition, where, seconds: float, locale: str) -> list[str]:
    team, unit = result.team, int(result.settings["Unit"])
    lines = [
        say("decomposed", locale, where=where, seconds=seconds),
        say("decomposed_team", locale,
            target=spoken(team["target"], unit, locale),
            **{k: amount(team[k], unit) for k in ("floor", "challenge")}),
        say("derivation", locale,
            how=target_text(team["derivation"], result.settings.with_values(Locale=locale))),
        say("decomposed_counts", locale, regions=len(result.regions),
            products=len(result.products), reps=len(result.targets), rows=len(result.breakdown)),
        say("reconciled", locale, checks=len(result.reconciliation),
            worst=int(result.reconciliation["difference"].abs().max())),
    ]  # fmt: skip
    short = result.regions[result.regions["gap"] > 0]
    lines += [
        say(
            "capacity_gap",
            locale,
            region=r.region,
            gap=spoken(int(round(float(r.gap))), unit, locale),
            extra=r.extra_headcount,
            s="" if r.extra_headcount == 1 else "s",
        )
        for r in short.itertuples()
    ]
    lines += [say("note", locale, note=text(note, locale)) for note in result.notes]
    lines.append(say("wrote", locale, sheets=", ".join(DECOMPOSED_SHEETS)))
    return lines


def track_summary(result: Progress, where, seconds: float, locale: str) -> list[str]:
    """The week tracked, the status counts (reps who have not reported it apart), what waits
    for a later week, the money, and the notes (tblActuals columns that are not used)."""
    t = result.tracking
    week = int(t["week"].max()) if len(t) else 0
    counts = t["status"].value_counts()
    statuses = {key: int(counts.get(s, 0)) for s, key in STATUSES.items()}
    waiting = int(counts.get(NO_REPORT, 0))
    later = int((t["last_report"] > week).sum())
    return [
        say("tracked", locale, where=where, week=week, seconds=seconds),
        say("tracked_status_no_report", locale, n=waiting, week=week, **statuses)
        if waiting else say("tracked_status", locale, **statuses),
        *([say("tracked_later", locale, week=week, n=later)] if later else []),
        say("tracked_money", locale, commission=_yuan(int(result.commission["commission"].sum())),
            pool=_yuan(result.pool_cents)),
        *(say("note", locale, note=text(note, locale)) for note in result.notes),
        say("wrote", locale, sheets=", ".join(TRACKED_SHEETS)),
    ]  # fmt: skip


def recalibrate_summary(result: Recalibrated, where, locale: str) -> list[str]:
    rows = result.rows
    team = result.decomposition.team
    lines = [
        say("recalibrated", locale, where=where, version=int(rows["version"].iat[0]),
            first=int(rows["from_week"].iat[0]), last=len(result.decomposition.weekly.columns)),
        *(say("recalibrated_rep", locale, rep_id=r.rep_id, old=int(r.old), new=int(r.new))
          for r in rows.itertuples()),
        say("recalibrated_team", locale, target=team["target"],
            original=team.get("original_target", team["target"]), rows=len(rows)),
    ]  # fmt: skip
    if result.created:
        spec = BY_KEY["change_log"]
        lines.append(say("recalibrated_created", locale, sheet=spec.sheet, table=spec.name))
    sheets = DECOMPOSED_SHEETS + (TRACKED_SHEETS if result.tracked else ())
    lines.append(say("wrote", locale, sheets=", ".join(sheets)))
    return lines


def issue_summary(result: Issued, folder: Path, seconds: float, locale: str) -> list[str]:
    lines = [
        say("issued", locale, books=len(result.files), rollups=len(result.rollups),
            folder=folder, seconds=seconds)
    ]  # fmt: skip
    if result.passwords:
        lines.append(say("issued_passwords", locale, passwords=result.passwords))
    return lines


def _yuan(cents: int) -> str:
    return f"{Decimal(cents) / 100:,.2f}"
