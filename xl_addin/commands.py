"""What each command does to a planning workbook, and the summary it reports (SPEC §10, §12).

The command line (cli.py, over a FileBook) and the Excel buttons (buttons.py, over a
LiveBook) run the same functions: where the workbook comes from is theirs, the work and the
words are here. A summary is a list of lines (templates/messages.toml) in a locale: the CLI
prints them in English, a button shows them in a message box in the plan's Locale.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import pickle
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from engine import decompose
from engine.collect import KEPT
from engine.decomposition import Decomposition
from engine.plan import Plan
from engine.problems import PlanError, Problem, did_you_mean, said
from engine.progress import Progress, progress
from engine.recalibrate import LOG_COLUMNS, version
from engine.scenarios import Compared, Scenario, compare, find, outcome, scenario_plan
from engine.tracking import AMBER, GREEN, NO_REPORT, RED
from xl_addin.messages import say, text
from xl_addin.recalibration import Recalibrated, log_edits, set_setting
from xl_addin.sheets.derivation import percent, target_text
from xl_addin.sheets.labels import label
from xl_addin.sheets.outputs import breakdown_names, describe, describe_progress
from xl_addin.sheets.scenarios import SHEET as SCENARIOS_SHEET
from xl_addin.sheets.scenarios import describe_scenarios, settings_text
from xl_addin.sheets.units import amount, spoken
from xl_addin.workbook.coerce import amount_value
from xl_addin.workbook.columns import BY_KEY
from xl_addin.workbook.init import new_plan_id
from xl_addin.workbook.reader import read_plan
from xl_addin.workbook.tablesource import PlanBook
from xl_addin.workbook.tablewrite import TableEdits

if TYPE_CHECKING:  # loaded by issue and collect only (~60 ms every other command is spared)
    from xl_addin.repbook.collect import Collected
    from xl_addin.repbook.issue import Issued

TRACKED_SHEETS = ("Tracking", "Commission", "Dashboard")
STATUSES = {RED: "red", AMBER: "amber", GREEN: "green"}  # the summary's fields


def decomposed_sheets(result: Decomposition) -> list[str]:
    """The sheets a decomposition is written to (the Breakdown on as many as its rows need)."""
    return ["Targets", *breakdown_names(len(result.breakdown)), "Phasing", "Reconciliation"]


def decompose_book(book: PlanBook) -> Decomposition:
    """§2–§4: read the plan, decompose it, write Targets, Breakdown, Phasing, Reconciliation."""
    plan = read_plan(book)
    result = decompose(plan)
    book.write_sheets(describe(result, plan.settings, plan.sign_offs, book.table_names()))
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
    from xl_addin.repbook.issue import issue

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


def plan_of_folder(folder: Path) -> Path:
    """The plan whose workbooks `folder` holds, when none is named: `<plan>` beside a folder
    named `<plan> workbooks` (as the buttons issue them), else the only workbook beside the
    folder; a PlanError when there is no such plan, or more than one."""
    folder = Path(folder)
    stem = folder.name.removesuffix(" workbooks")
    if stem != folder.name:
        for suffix in (".xlsx", ".xlsm"):
            if (folder.parent / f"{stem}{suffix}").is_file():
                return folder.parent / f"{stem}{suffix}"
    found = sorted(
        p
        for p in folder.resolve().parent.iterdir()
        if p.is_file()
        and p.suffix.lower() in (".xlsx", ".xlsm")
        and not p.name.startswith(("~$", ".~"))
    )
    if len(found) == 1:
        return found[0]
    shown = ", ".join(p.name for p in found[:5]) or "—"
    raise PlanError(
        [
            Problem(
                str(folder),
                "",
                said("collect_which_plan", found=shown),
                said("collect_which_plan_hint"),
            )
        ]
    )


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
        *([say("decomposed_gross_profit", locale,
               amount=spoken(team["gross_profit"], unit, locale),
               rate=percent(Decimal(team["gross_profit"]) / team["target"]))]
          if "gross_profit" in team and team["target"] else []),
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
    more = breakdown_names(len(result.breakdown))[1:]
    if more:  # past Excel's rows (SPEC §14): never cut, and said
        lines.append(
            say("breakdown_continued", locale, rows=len(result.breakdown), sheets=", ".join(more))
        )
    lines.append(say("wrote", locale, sheets=", ".join(decomposed_sheets(result))))
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
        *_forecast_line(result, locale),
        *(say("note", locale, note=text(note, locale)) for note in result.notes),
        say("wrote", locale, sheets=", ".join(TRACKED_SHEETS)),
    ]  # fmt: skip


def _forecast_line(result: Progress, locale: str) -> list[str]:
    """Where the team lands at the pace so far, against its tiers (in the plan's Unit, as every
    amount the summary speaks of), and what that would pay (money to the cent, in yuan)."""
    if result.forecast is None:
        return []
    f = result.forecast
    unit = int(result.decomposition.settings["Unit"])
    team = f.scopes.iloc[0]
    tier = team["tier"]

    def sales(cents) -> str:
        return spoken(int(cents) / 100, unit, locale)

    if tier == "challenge":
        where = say("tracked_forecast_top", locale)
    elif not tier:
        where = say("tracked_forecast_below", locale, gap=sales(team["gap_to_floor"]))
    else:
        up = {"floor": "target", "target": "challenge"}[tier]
        where = say(
            "tracked_forecast_reached",
            locale,
            tier=label(tier, locale).lower(),
            next=label(up, locale).lower(),
            gap=sales(team[f"gap_to_{up}"]),
        )
    return [
        say("tracked_forecast", locale, projected=sales(team["projected"]), where=where,
            commission=_yuan(int(f.reps["commission"].sum())), pool=_yuan(f.pool_cents)),
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
    sheets = decomposed_sheets(result.decomposition) + list(
        TRACKED_SHEETS if result.tracked else ()
    )
    lines.append(say("wrote", locale, sheets=", ".join(sheets)))
    return lines


def issue_summary(result: Issued, folder: Path, seconds: float, locale: str) -> list[str]:
    lines = [
        say("issued", locale, books=len(result.files), rollups=len(result.rollups),
            folder=folder, seconds=seconds)
    ]  # fmt: skip
    if result.passwords:
        lines.append(say("issued_passwords", locale, passwords=result.passwords))
    for clash in result.clashes:  # recipients whose file names had to be told apart
        files = say("list_separator", locale).join(
            say(f"issued_clash_{kind}", locale, ident=ident, name=name, file=file)
            for kind, ident, name, file in clash.files
        )
        lines.append(say("issued_clash", locale, wanted=clash.wanted, files=files))
    return lines


def collect_book(
    book: PlanBook, folder: Path, prefer_returned: bool = False, now: dt.datetime | None = None
) -> Collected:
    """§16: the returned workbooks in `folder` read, checked and merged into the plan."""
    from xl_addin.repbook.collect import collect

    return collect(book, folder, now or dt.datetime.now(), prefer_returned)


def collect_summary(
    result: Collected, folder, where, seconds: float, locale: str, option: str | None = None
) -> list[str]:
    """Per rep: weeks read, rows added, conflicts (both values, and what was done); the files
    refused and why; who accepted the plan. `option` is how to prefer the returned values
    (the CLI's --prefer returned), said when a conflict kept the plan's value."""
    m = result.merge
    added = m.added.groupby("rep_id").size() if len(m.added) else pd.Series(dtype=int)
    conflicts = m.conflicts
    weeks_read = sum(len(r.weeks) for r in result.returned)
    source = result.actuals_source  # the returned weeks compared with it, none written
    sourced = "_sourced" if source else ""
    lines = [
        say("collected", locale, n=len(result.returned), folder=folder, where=where,
            seconds=seconds),
        say(f"collected_totals{sourced}", locale, weeks=weeks_read, added=len(m.added),
            conflicts=len(conflicts.groupby(["rep_id", "week"])), refused=len(result.refused),
            source=source),
    ]  # fmt: skip
    if source:
        lines.append(say("collected_from_source", locale, source=source))
    unchanged = 0
    by_rep = dict(list(conflicts.groupby("rep_id", sort=False))) if len(conflicts) else {}
    for r in sorted(result.returned, key=lambda r: r.rep_id):
        mine = by_rep.get(r.rep_id, conflicts.iloc[0:0])
        if not len(mine) and not added.get(r.rep_id, 0):
            unchanged += 1  # said in one line: a folder may hold thousands
            continue
        lines.append(
            say(f"collected_rep{sourced}", locale, rep_id=r.rep_id, weeks=len(r.weeks),
                added=int(added.get(r.rep_id, 0)), conflicts=len(mine.groupby("week")))
        )  # fmt: skip
        for c in mine.itertuples(index=False):
            resolution = "source_kept" if source else c.resolution
            lines.append(
                say(f"collected_conflict{sourced}", locale, week=c.week,
                    column=_column(c.column, locale), plan=_value(c.column, c.plan),
                    returned=_value(c.column, c.returned), source=source,
                    resolution=say(f"collected_{resolution}", locale, source=source))
            )  # fmt: skip
    if unchanged:
        lines.append(say(f"collected_unchanged{sourced}", locale, n=unchanged, source=source))
    if option and not source and (conflicts["resolution"] == KEPT).any():
        lines.append(say("collected_prefer_hint", locale, option=option))
    for r in result.refused:
        lines.append(say("collected_refused", locale, file=r.file, reason=text(r.reason, locale)))
    if len(result.signed):
        reps = say("list_separator", locale).join(
            f"{r.rep_id} "
            + say("signed_off_as", locale, date=f"{r.accepted_on:%Y-%m-%d}",
                  version="?" if r.version is None or pd.isna(r.version) else int(r.version))
            for r in result.signed.itertuples()
        )  # fmt: skip
        key = "collected_signed_shown" if result.on_targets else "collected_signed"
        lines.append(say(key, locale, reps=reps))
    if result.created:
        spec = BY_KEY["sign_offs"]
        lines.append(say("collected_created", locale, sheet=spec.sheet, table=spec.name))
    if not result.written:
        lines.append(say("collected_nothing", locale))
    else:
        tables = [
            name
            for name, changed in (
                ("tblActuals", len(m.added) or len(m.changed)),
                ("tblSignOffs", len(result.signed)),
                ("tblTargets", result.targets_changed),
            )
            if changed
        ]
        lines.append(say("collected_wrote", locale, tables=", ".join(tables), where=where))
    return lines


def _column(key: str, locale: str) -> str:
    return label("amount" if key == "amount_cents" else key, locale)


def _value(key: str, value) -> str:
    """A compared value as the summary shows it: an amount in yuan to the cent, a count."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return _yuan(int(value)) if key == "amount_cents" else f"{int(value):,}"


def _yuan(cents: int) -> str:
    return f"{Decimal(cents) / 100:,.2f}"


# -- scenarios (SPEC §17) -------------------------------------------------------------------
SCENARIO_FIELD = "Scenario"  # the Field of a change-log row that records an adopted scenario


@dataclasses.dataclass(frozen=True)
class Adopted:
    scenario: Scenario
    decomposition: Decomposition  # the plan decomposed with the scenario's settings
    version: int  # the plan's Version now
    created: bool  # the plan had no tblChangeLog: its sheet and table were added


def scenarios_book(book: PlanBook) -> Compared:
    """Every scenario of tblScenarios decomposed beside the plan into the Scenarios sheet; the
    plan's own sheets and tables are not touched."""
    plan = read_plan(book)
    if not plan.scenarios:
        raw = book.table(BY_KEY["scenarios"].name)
        sheet = raw.sheet if raw is not None else BY_KEY["scenarios"].sheet
        raise PlanError(
            [Problem(sheet, "", said("scenarios_none"), said("scenarios_none_hint", sheet=sheet))]
        )
    result = compare(plan, outcomes=scenario_outcomes(plan))
    book.write_sheets(describe_scenarios(result, plan.settings))
    return result


def scenario_outcomes(plan: Plan, workers: int | None = None) -> list:
    """Each scenario's engine.scenarios.outcome, in order, on all cores: a process per core,
    each handed the plan once, pickled (so the same where processes fork and where they are
    spawned: Windows, macOS), sending back each scenario's Summary. A plan that cannot be
    pickled (a table from a source outside the workbook, whose rows are placed through the
    source's open DuckDB connection) is compared in this process."""
    from concurrent.futures import ProcessPoolExecutor

    scenarios = list(plan.scenarios)
    workers = min(len(scenarios), workers or os.cpu_count() or 1)
    held = _pickled(plan) if workers > 1 else None
    if held is None:
        return [outcome(plan, scenario) for scenario in scenarios]
    with ProcessPoolExecutor(workers, initializer=_hold, initargs=(held,)) as pool:
        return list(pool.map(_outcome, scenarios))


def _pickled(plan: Plan) -> bytes | None:
    try:
        return pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - whatever refuses to be pickled
        return None


_held: Plan | None = None  # the plan, in a process of scenario_outcomes' pool


def _hold(pickled: bytes) -> None:
    global _held
    _held = pickle.loads(pickled)  # noqa: S301 - this process's own plan, pickled just now


def _outcome(scenario: Scenario):
    return outcome(_held, scenario)


def adopt_scenario_book(
    book: PlanBook, name: str, now: dt.datetime, where: str = "--scenario"
) -> Adopted:
    """Decompose with the settings of scenario `name` and make them the plan's: written into
    tblSettings, a row in tblChangeLog (the team target before and after), Version raised by
    one, the output sheets written — one atomic write. An unknown name is a problem at `where`."""
    plan = read_plan(book)
    scenario = find(plan, name)
    if scenario is None:
        names = [s.name for s in plan.scenarios]
        raise PlanError(
            [
                Problem(
                    where,
                    "",
                    said("scenario_unknown", name=name, suggestion=did_you_mean(name, names)),
                    said("scenario_unknown_hint", names=", ".join(names) or "—"),
                )
            ]
        )
    chosen = scenario_plan(plan, scenario)
    result = decompose(chosen)
    words = settings_text(scenario)
    note = said("note_scenario_adopted", scenario=scenario.name, settings=words)
    result = dataclasses.replace(result, notes=(*result.notes, note))
    try:
        before = int(decompose(plan).team["target"])
    except PlanError:  # the plan's own settings do not decompose; the scenario's do
        before = None
    new_version = version(plan) + 1
    row = {
        "timestamp": now.strftime("%Y-%m-%d %H:%M:%S"),
        "rep_id": None,
        "field": SCENARIO_FIELD,
        "old": before,
        "new": int(result.team["target"]),
        "reason": say(
            "scenario_log_reason", plan.settings.locale, scenario=scenario.name, settings=words
        ),
        "approver": None,
        "version": new_version,
        "from_week": None,
    }
    edits = TableEdits()
    created = log_edits(book, plan, pd.DataFrame([row], columns=list(LOG_COLUMNS)), edits)
    for setting, typed in scenario.typed.items():
        if typed is not None or plan.settings.where(setting)[1]:
            set_setting(book, plan, setting, _as_cell(typed), edits)
    book.write_sheets(describe(result, chosen.settings, plan.sign_offs, book.table_names()), edits)
    return Adopted(scenario, result, new_version, created)


def _as_cell(typed):
    """A scenario's Value as a cell of tblSettings holds it: a date as its serial number (the
    Value cell keeps its date format), anything else as typed."""
    if isinstance(typed, dt.datetime):
        typed = typed.date()
    if isinstance(typed, dt.date):
        return (typed - dt.date(1899, 12, 30)).days
    return typed


def scenarios_summary(result: Compared, where, seconds: float, locale: str) -> list[str]:
    """The plan's team numbers, then each scenario's with the difference and what it sets."""
    unit = int(result.plan.settings["Unit"])
    team = result.team

    def money(v) -> str:
        return spoken(int(v), unit, locale)

    plan = team.iloc[0]
    lines = [
        say("scenarios_compared", locale, n=len(result.scenarios), where=where, seconds=seconds),
        say("scenarios_plan_line", locale, target=money(plan.target), floor=amount(plan.floor, unit),
            challenge=amount(plan.challenge, unit), gap=money(plan.gap)),
    ]  # fmt: skip
    for (scenario, _), r in zip(result.scenarios, team.iloc[1:].itertuples(), strict=True):
        sign = "+" if r.target_diff > 0 else "−" if r.target_diff < 0 else "±"
        lines.append(
            say("scenarios_line", locale, scenario=scenario.name, target=money(r.target),
                diff=sign + money(abs(r.target_diff)), change=f"{r.target_change:+.1%}",
                gap=money(r.gap), settings=settings_text(scenario))
        )  # fmt: skip
    lines.append(say("wrote", locale, sheets=SCENARIOS_SHEET))
    return lines


def adopt_summary(result: Adopted, where, seconds: float, locale: str) -> list[str]:
    """What decompose says, then which scenario was adopted and what was recorded."""
    lines = decompose_summary(result.decomposition, where, seconds, locale)
    lines[-1:-1] = [
        say("scenario_adopted", locale, scenario=result.scenario.name,
            settings=settings_text(result.scenario)),
        say("scenario_adopted_written", locale, version=result.version),
    ]  # fmt: skip
    if result.created:
        spec = BY_KEY["change_log"]
        lines.insert(-1, say("recalibrated_created", locale, sheet=spec.sheet, table=spec.name))
    return lines
