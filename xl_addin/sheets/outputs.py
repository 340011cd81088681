"""Describe the output sheets (SPEC §1.2) from engine results; renderers write them (STYLE §6).

A description is plain data (description.py); the file renderer (workbook/filebook.py) and
the live one (excel/livebook.py) render the same thing. The Dashboard is dashboard.py's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

import pandas as pd

from engine.collect import latest_sign_offs
from engine.commission import POOL_RULE
from engine.decomposition import Decomposition
from engine.kpi import PERCENT_SIGNS, PHASE_RULE, SCORE_RULE
from engine.problems import Problem
from engine.progress import Progress
from engine.settings import Settings, choice_word
from engine.tracking import GROSS_PROFIT, NO_REPORT
from xl_addin.messages import say, text
from xl_addin.sheets.dashboard import describe_dashboard
from xl_addin.sheets.derivation import team_rows
from xl_addin.sheets.description import FORMATS, Block, OutputSheet, Rule, columns, yuan
from xl_addin.sheets.labels import label, status_label
from xl_addin.sheets.units import YUAN, spoken, with_unit

OUTPUT_TABLES = {
    name.casefold()
    for name in (
        "tblTargets", "tblRegionTargets", "tblProductTargets", "tblTeamTarget", "tblBreakdown", "tblPhasing", "tblReconciliation", "tblNotes",
        "tblTracking", "tblCommissionEarned", "tblCommissionStatement", "tblCommissionNotes",
        "tblKPIScorecard", "tblKPINotes", "tblTrackingNotes", "tblForecastNotes", "tblDashboardSummary", "tblDashboardStatus",
        "tblDashboardWeekly", "tblDashboardRanking", "tblScenarioTeam", "tblScenarioRegions", "tblScenarioReps",
    )
}  # fmt: skip
OUTPUT_SHEETS = (
    "Targets",
    "Breakdown",
    "Phasing",
    "Reconciliation",
    "Tracking",
    "Commission",
    "Dashboard",
)


def table_clash(name: str, sheet: str) -> Problem:
    """A user's table, on a sheet salesplan does not replace, has the name of one of ours."""
    hint = f'rename the table on sheet "{sheet}" (Table Design → Table Name); salesplan writes its own {name}'
    return Problem(sheet, "", f"a table named {name} already exists", hint)


def name_clash(name: str) -> Problem:
    """A workbook-level defined name has the name of one of salesplan's tables."""
    message = f"a defined name {name} clashes with salesplan's table"
    return Problem(name, "", message, "rename it in Formulas → Name Manager")


# Excel's rows (1,048,576) less a Breakdown sheet's title and header rows: a breakdown with
# more rows goes on further sheets, Breakdown (2), Breakdown (3), … (breakdown_sheets).
SHEET_ROWS = 1_048_576 - 2
_PART_TABLE = re.compile(r"tblbreakdown(\d+)", re.IGNORECASE)


def signed_off(sign_offs: pd.DataFrame | None, locale: str) -> dict[str, str]:
    """RepID -> what Targets' SignedOff shows: the rep's latest acceptance, `2026-11-20 (v1)`."""
    return {
        r.rep_id: say(
            "signed_off_as",
            locale,
            date=f"{pd.Timestamp(r.accepted_on):%Y-%m-%d}",
            version="?" if pd.isna(r.version) else int(r.version),
        )
        for r in latest_sign_offs(sign_offs).itertuples()
    }


def describe(
    d: Decomposition,
    settings: Settings,
    sign_offs: pd.DataFrame | None = None,
    tables: Iterable[str] = (),
) -> list[OutputSheet]:
    """The sheets of a decomposition; `sign_offs` (the plan's tblSignOffs) fills Targets'
    SignedOff column with each rep's latest acceptance (blank until the rep accepts; the
    column is always there, so `collect` can fill it in without reshaping the table);
    `tables` (the workbook's table names) tells which further Breakdown sheets an earlier
    run wrote."""
    loc = settings.locale
    cols = columns(settings)

    t = d.targets.assign(
        locked=d.targets["locked"].map({True: label("yes", loc), False: ""}),
        # a choice in the plan's language: 资深, 核心 in a Chinese plan
        level=d.targets["level"].map(lambda v: choice_word("Level", v, loc), na_action="ignore"),
        territory=d.targets["territory"].map(
            lambda v: choice_word("Territory", v, loc), na_action="ignore"
        ),
    )
    margin = "gross_profit" in t  # gross-profit targets: the plan has a Margin (engine/margin.py)
    floor_flag = "below_margin_floor" in t
    if floor_flag:
        t = t.assign(
            below_margin_floor=t["below_margin_floor"].map({True: label("yes", loc), False: ""})
        )
    shown = signed_off(sign_offs, loc)
    t = t.assign(signed_off=t["rep_id"].map(lambda r: shown.get(r)))
    path = [c for c in t.columns if c not in _TARGET_KEYS]
    targets = Block(
        "tblTargets",
        cols(
            ("rep_id", None, "text"),
            ("name", None, "text"),
            ("region", None, "text"),
            ("level", None, "text"),
            ("territory", None, "text"),
            ("floor", None, "money"),
            ("target", None, "money"),
            *((("original_target", None, "money"),) if "original_target" in t else ()),
            ("challenge", None, "money"),
            *_gross_profit_cols(margin),
            *((("below_margin_floor", None, "flag"),) if floor_flag else ()),
            ("capability", None, "coef"),
            ("resource", None, "coef"),
            ("active_weeks", None, "weeks"),
            ("history_rate", None, "money"),
            ("locked", None, "flag"),
            ("signed_off", None, "text"),
            *((p, p, "int") for p in path),
        ),
        t,
        title=label("targets_title", loc),
        rules=(Rule("below_margin_floor", "LEN({below_margin_floor})>0", "amber"),)
        if floor_flag
        else (),
    )
    regions = Block(
        "tblRegionTargets",
        cols(
            ("region", None, "text"),
            ("weight", None, "pct"),
            ("reps", None, "int"),
            ("floor", None, "money"),
            ("target", None, "money"),
            ("challenge", None, "money"),
            ("capacity", None, "money"),
            ("gap", None, "money"),
            ("extra_headcount", None, "int"),
            *_gross_profit_cols(margin),
        ),
        d.regions,
        title=label("region_targets_title", loc),
        beside=True,
    )
    team = Block(
        "tblTeamTarget",
        cols(("item", None, "text"), ("value", None, "money"), ("how", None, "text")),
        team_rows(d, settings),
        title=label("team_target_title", loc),
        beside=True,
    )
    products = Block(
        "tblProductTargets",
        cols(
            ("product", None, "text"),
            ("margin", None, "pct"),
            ("target", None, "money"),
            ("gross_profit", None, "money"),
        ),
        d.products,
        title=label("product_targets_title", loc),
        beside=True,
    )
    breakdown_columns = cols(
        ("rep_id", None, "text"),
        ("region", None, "text"),
        ("product", None, "text"),
        ("customer_type", None, "text"),
        ("target", None, "money"),
        *((("gross_profit", None, "money"),) if margin else ()),
    )
    weeks = list(d.weekly.columns)
    months = list(d.months.columns)
    quarters = d.quarters  # an annual plan's: after the months (SPEC §17)
    phasing_frame = pd.concat([t[["rep_id"]], d.weekly, d.months, quarters], axis=1)
    phasing = Block(
        "tblPhasing",
        cols(
            ("rep_id", None, "text"),
            *((w, w, "money") for w in weeks),
            *((m, m, "money") for m in months),
            *((q, q, "money") for q in quarters.columns),
        ),
        phasing_frame,
        title=with_unit(label("weekly_plan", loc), int(settings["Unit"]), loc),
    )
    # with a Holidays country: each week's working days and holidays, beside the plan
    work_weeks = (
        ()
        if d.work_weeks is None
        else (
            Block(
                "tblWorkWeeks",
                cols(
                    ("week", None, "text"),
                    ("week_start", None, "text"),
                    ("month", None, "text"),
                    ("working_days", None, "int"),
                    ("holidays", None, "text"),
                    ("share", None, "pct2"),
                ),
                d.work_weeks.assign(
                    week_start=d.work_weeks["week_start"].map(lambda t: f"{t:%Y-%m-%d}")
                ),
                title=f"{label('work_weeks_title', loc)} ({d.settings.holidays})",
                beside=True,  # its long holiday names would widen the plan's week columns
            ),
        )
    )
    recon = Block(
        "tblReconciliation",
        cols(
            ("check", None, "text"),
            ("scope", None, "text"),
            ("expected", None, "money"),
            ("actual", None, "money"),
            # exact yuan, whatever the Unit: a difference of one yuan must never show as 0.0万
            ("difference", None, "yuan"),
        ),
        d.reconciliation.assign(
            check=d.reconciliation["check"].map(lambda c: text(c, loc)),
            scope=d.reconciliation["scope"].map(lambda c: text(c, loc)),
        ),
        status="difference",
        title=label("reconciliation_title", loc),
    )
    notes = Block(
        "tblNotes",
        cols(("note", None, "text")),
        pd.DataFrame({"note": [text(n, loc) for n in d.notes]}),
        title=label("note", loc),
        beside=True,
    )
    return [
        OutputSheet(
            "Targets",
            "Targets",
            (targets, regions, team, *((products,) if margin else ())),
            freeze_cols=2,
        ),
        *breakdown_sheets(breakdown_columns, d.breakdown, loc, _parts_held(tables)),
        OutputSheet("Phasing", "Phasing", (phasing, *work_weeks)),
        OutputSheet("Reconciliation", "Reconciliation", (recon, notes), freeze_cols=0),
    ]


def breakdown_sheets(columns, frame: pd.DataFrame, loc: str, held: int = 1) -> list[OutputSheet]:
    """The Breakdown: one sheet while its rows fit Excel's, else as many as they need, each
    with the same table (tblBreakdown, tblBreakdown2, …) and a title naming its rows. Sheets
    an earlier, longer breakdown wrote (`held` in all) are written empty, their titles saying
    so, so that no sheet keeps a row the plan no longer has."""
    parts = len(breakdown_names(len(frame)))
    sheets = []
    for k in range(max(parts, held)):
        rows = frame.iloc[k * SHEET_ROWS : (k + 1) * SHEET_ROWS]
        if parts == 1 and k == 0:
            title = label("breakdown_title", loc)
        elif k < parts:
            title = say(
                "breakdown_part_title", loc, title=label("breakdown_title", loc),
                first=k * SHEET_ROWS + 1, last=k * SHEET_ROWS + len(rows), rows=len(frame),
            )  # fmt: skip
        else:
            title = say("breakdown_part_unused", loc, rows=len(frame))
        name, table = _part(k + 1)
        sheets.append(OutputSheet(name, name, (Block(table, columns, rows, title=title),)))
    return sheets


def breakdown_names(rows: int) -> list[str]:
    """The sheets a breakdown of `rows` rows takes: Breakdown, Breakdown (2), …"""
    parts = max(1, -(-rows // SHEET_ROWS))
    return [_part(k)[0] for k in range(1, parts + 1)]


def _part(k: int) -> tuple[str, str]:
    """The k-th Breakdown sheet (1: the first) and its table: Breakdown (2), tblBreakdown2."""
    return ("Breakdown", "tblBreakdown") if k == 1 else (f"Breakdown ({k})", f"tblBreakdown{k}")


def _parts_held(tables: Iterable[str]) -> int:
    """How many Breakdown sheets the workbook holds (tblBreakdown, tblBreakdown2, …)."""
    return max((int(m[1]) for t in tables if (m := _PART_TABLE.fullmatch(t))), default=1)


def _gross_profit_cols(margin: bool) -> tuple:
    """GrossProfitTarget and the margin rate it makes (as `cols` takes them), when there is one."""
    return (("gross_profit", None, "money"), ("margin_rate", None, "pct")) if margin else ()


_TARGET_KEYS = {
    "gross_profit",
    "margin_rate",
    "below_margin_floor",
    "original_target",
    "signed_off",
    "rep_id",
    "name",
    "region",
    "level",
    "territory",
    "active_weeks",
    "history_rate",
    "capability",
    "resource",
    "locked",
    "floor",
    "target",
    "challenge",
}


def status_rules(red_below, locale: str) -> tuple[Rule, ...]:
    """SPEC §6 as conditional formatting, matching the engine to the cent.

    A rep who has not reported the tracked week is grey whatever the numbers: their status
    cell says so (NO REPORT / 未报告), and that rule comes first. Otherwise RED when ToDate <
    RedBelow × FloorToDate: ToDate is whole cents, so comparing it with the product rounded
    *up* to the cent is exact (ROUND(…,6) first drops binary noise).
    """
    waiting = f'{{status}}="{status_label(NO_REPORT, locale)}"'
    red = f"ROUND({{to_date}},2)<ROUNDUP(ROUND({red_below}*{{floor_to_date}},6),2)"
    green = "ROUND({to_date},2)>=ROUND({plan_to_date},2)"
    amber = "ROUND({to_date},2)<ROUND({plan_to_date},2)"
    return (
        Rule("status", waiting, "grey"),
        Rule("status", red, "red"),
        Rule("status", green, "green"),
        Rule("status", amber, "amber"),
    )


def describe_progress(p: Progress, settings: Settings) -> list[OutputSheet]:
    loc = settings.locale
    cols = columns(settings)

    t = p.tracking
    reps = p.decomposition.targets.set_index("rep_id")
    stages = [c for c in t.columns if c not in _TRACKING_KEYS]
    gp = "gp_to_date" in t  # gross profit typed in tblActuals, against its target
    if p.kpi is not None:
        t = t.assign(kpi_score=p.kpi.scores["score"].to_numpy())
    ahead = _forecast_columns(p, loc)
    t = t.assign(**{k: ahead[k].to_numpy() for k in _FORECAST_KEYS})
    tracking = t.assign(
        name=t["rep_id"].map(reps["name"]),
        region=t["rep_id"].map(reps["region"]),
        reason=t["reason"].map(lambda r: label(r, loc) if r else ""),
        status=t["status"].map(lambda v: status_label(v, loc)),
        last_report=t["last_report"].where(t["last_report"] > 0),  # blank: nothing reported
        **{
            k: yuan(t[k])
            for k in (
                "to_date",
                "plan_to_date",
                "floor_to_date",
                "remaining",
                *_FORECAST_MONEY,
                *(("gp_to_date", "gp_plan_to_date") if gp else ()),
            )
        },  # fmt: skip
    )
    track_block = Block(
        "tblTracking",
        cols(
            ("rep_id", None, "text"),
            ("name", None, "text"),
            ("region", None, "text"),
            ("week", None, "int"),
            ("last_report", None, "int"),
            ("to_date", None, "money"),
            ("plan_to_date", None, "money"),
            ("floor_to_date", None, "money"),
            ("pace", None, "pct"),
            ("status", None, "text"),
            ("reason", None, "text"),
            ("remaining", None, "money"),
            *_forecast_cols("money"),
            *(
                (("gp_to_date", None, "money"), ("gp_plan_to_date", None, "money"))
                + (("gp_pace", None, "pct"),)
                if gp
                else ()
            ),
            *((st, st, "int") for st in stages),
            *((("kpi_score", None, "pct"),) if p.kpi is not None else ()),
        ),
        tracking,
        title=label("tracking_title", loc),
        rules=status_rules(settings["RedBelow"], loc),
    )
    c = p.commission.merge(p.pool_shares, on="rep_id", how="left")
    f = p.forecast.reps
    c = c.assign(
        projected=f["projected"].to_numpy(),
        projected_tier=f["tier"].to_numpy(),
        projected_commission=f["commission"].to_numpy(),
        projected_pool_share=f["pool_share"].to_numpy(),
    )
    money = (
        "sales", "commission", "pool_share", "to_next_tier", "commission_at_next_tier",
        "projected", "projected_commission", "projected_pool_share",
    )  # fmt: skip
    c = c.assign(
        projected_tier=c["projected_tier"].map(lambda v: label(v, loc) if v else ""),
        tier=c["tier"].map(lambda v: label(v, loc) if v else ""),
        next_tier=c["next_tier"].map(lambda v: label(v, loc) if v else ""),
        rate=c["rate"].astype(float),
        **{k: yuan(c[k].fillna(0)) for k in money},
    )
    pay_block = Block(
        "tblCommissionEarned",  # tblCommission is the input rates table (SPEC §1)
        cols(
            ("rep_id", None, "text"),
            ("sales", None, "cents"),
            ("tier", None, "text"),
            ("rate", None, "pct2"),
            ("commission", None, "cents"),
            ("pool_share", None, "cents"),
            ("next_tier", None, "text"),
            ("to_next_tier", None, "cents"),
            ("commission_at_next_tier", None, "cents"),
            ("projected", None, "cents"),
            ("projected_tier", None, "text"),
            ("projected_commission", None, "cents"),
            ("projected_pool_share", None, "cents"),
        ),
        c,
        title=label("commission_title", loc),
    )
    st = p.statement.assign(
        tier=p.statement["tier"].map(lambda v: label(v, loc) if v else ""),
        rate=p.statement["rate"].astype(float),
        **{k: yuan(p.statement[k]) for k in ("from", "to", "sales", "amount")},
    )
    bands = Block(
        "tblCommissionStatement",
        cols(
            ("rep_id", None, "text"),
            ("tier", None, "text"),
            ("from", None, "cents"),
            ("to", None, "cents"),
            ("sales", None, "cents"),
            ("rate", None, "pct2"),
            ("amount", None, "cents"),
        ),
        st,
        title=label("statement", loc),
        beside=True,
    )
    mode = settings["CommissionMode"]
    rules = pd.DataFrame(
        {
            "note": [
                f"{label('CommissionMode', loc)}: {label(mode, loc)}",
                f"{label('pool', loc)}: {spoken(Decimal(p.pool_cents) / 100, YUAN, loc, 2)}",
                label(POOL_RULE, loc),
                f"{label('forecast_pool', loc)}: "
                f"{spoken(Decimal(p.forecast.pool_cents) / 100, YUAN, loc, 2)}",
                label("forecast_method", loc),
            ]
        }
    )
    notes = Block(
        "tblCommissionNotes",
        cols(("note", None, "text")),
        rules,
        title=label("note", loc),
        beside=True,
    )
    return [
        OutputSheet(
            "Tracking",
            "Tracking",
            (
                track_block,
                *_tracking_notes(p, settings),
                _forecast_notes(settings),
                *_scorecard(p, settings),
            ),
            freeze_cols=1,
        ),
        OutputSheet("Commission", "Commission", (pay_block, bands, notes), freeze_cols=1),
        describe_dashboard(p, settings),
    ]


def _tracking_notes(p: Progress, settings: Settings) -> tuple[Block, ...]:
    """What tracking could not use (tblActuals columns, Funnel stages), below the tracking
    table in the plan's language; nothing when all is used."""
    if not p.notes:
        return ()
    loc = settings.locale
    frame = pd.DataFrame({"note": [text(n, loc) for n in p.notes]})
    return (
        Block(
            "tblTrackingNotes", columns(settings)(("note", None, "text")), frame, label("note", loc)
        ),
    )


def _scorecard(p: Progress, settings: Settings) -> tuple[Block, ...]:
    """The KPI scorecard (rep × KPI) and its rule, beside the tracking table."""
    if p.kpi is None:
        return ()
    loc = settings.locale
    cols = columns(settings)
    rows = p.kpi.rows.assign(tier=p.kpi.rows["tier"].map(lambda v: label(v, loc) if v else ""))
    card_columns = cols(
        ("rep_id", None, "text"),
        ("kpi", None, "text"),
        ("unit", None, "text"),
        ("actual", None, "number"),
        ("floor", None, "number"),
        ("target", None, "number"),
        ("challenge", None, "number"),
        ("target_to_date", None, "decimal"),
        ("achievement", None, "pct"),
        ("tier", None, "text"),
        ("weight", None, "pct"),
        ("points", None, "pct"),
    )
    goals = ("actual", "floor", "target", "challenge", "target_to_date")
    card = Block(
        "tblKPIScorecard",
        tuple(replace(c, row_fmt="_fmt") if c.key in goals else c for c in card_columns),
        rows.assign(_fmt=_rate_formats(rows)),
        title=label("scorecard", loc),
        beside=True,
    )
    notes = Block(
        "tblKPINotes",
        cols(("note", None, "text")),
        pd.DataFrame(
            {
                "note": [
                    label(SCORE_RULE, loc),
                    label(PHASE_RULE, loc),
                    *(text(note, loc) for note in p.kpi.notes),
                ]
            }
        ),
        title=label("note", loc),
        beside=True,
    )
    return card, notes


def _rate_formats(rows: pd.DataFrame) -> pd.Series:
    """A rate's number format (its Unit has %), for each scorecard row: 0.0% where the goals
    are fractions (85% typed in Excel is 0.85), else none, so a goal typed as 85 shows 85."""
    rate = rows["unit"].map(lambda u: any(sign in str(u) for sign in PERCENT_SIGNS))
    fraction = pd.to_numeric(rows["target"], errors="coerce").abs() <= 1
    return (rate & fraction).map({True: FORMATS["pct"], False: ""})


_FORECAST_MONEY = ("projected", "gap_to_floor", "gap_to_target", "gap_to_challenge")
_FORECAST_KEYS = ("projected", "projected_tier", *_FORECAST_MONEY[1:])


def _forecast_columns(p: Progress, locale: str) -> pd.DataFrame:
    """Each rep's forecast (cents) and projected tier in the plan's language, rows as tracking's."""
    f = p.forecast.reps
    return f.assign(projected_tier=f["tier"].map(lambda v: label(v, locale) if v else ""))


def _forecast_cols(money: str) -> tuple:
    """The forecast's columns (as `cols` takes them): Projected, ProjectedTier and the three
    gaps, amounts as `money`."""
    return (
        ("projected", None, money),
        ("projected_tier", None, "text"),
        *((k, None, money) for k in _FORECAST_MONEY[1:]),
    )


def _forecast_notes(settings: Settings) -> Block:
    """How the forecast is made, in the plan's language, beside the tracking table."""
    loc = settings.locale
    return Block(
        "tblForecastNotes",
        columns(settings)(("note", None, "text")),
        pd.DataFrame({"note": [label("forecast_method", loc)]}),
        title=label("forecast_title", loc),
        beside=True,
    )


_TRACKING_KEYS = {
    *_FORECAST_KEYS,
    *GROSS_PROFIT, "kpi_score", "rep_id", "week", "last_report", "to_date", "plan_to_date", "floor_to_date", "pace", "status", "reason", "remaining",
}  # fmt: skip
