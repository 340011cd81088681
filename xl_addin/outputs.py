"""Describe the output sheets (SPEC §1.2) from engine results; renderers write them (STYLE §6).

A description is plain data: sheets, blocks (one Excel table each), columns with a header
and a format name. The file renderer (filebook.py) and the live one render the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from engine.commission import POOL_RULE
from engine.decompose import Decomposition
from engine.kpi import SCORE_RULE
from engine.problems import PlanError, Problem
from engine.progress import Progress
from engine.settings import Settings
from xl_addin.labels import label

OUTPUT_TABLES = {
    name.casefold()
    for name in (
        "tblTargets", "tblRegionTargets", "tblBreakdown", "tblPhasing", "tblReconciliation", "tblNotes",
        "tblTracking", "tblCommissionEarned", "tblCommissionStatement", "tblCommissionNotes",
        "tblKPIScorecard", "tblKPINotes", "tblDashboardSummary", "tblDashboardStatus",
        "tblDashboardWeekly", "tblDashboardRanking",
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


def check_not_input(tables, sheets) -> None:
    """An output sheet may only replace a sheet that holds nothing but salesplan's tables.

    `tables` are the workbook's tables, each with a `name` and the `sheet` it is on; both the
    file writer (filebook.py) and the live one (livebook.py) refuse with these problems.
    """
    ours = {b.table.casefold() for s in sheets for b in s.blocks} | OUTPUT_TABLES
    names = {s.name.casefold(): s.name for s in sheets}
    problems = [
        Problem(
            t.sheet,
            "",
            f"this sheet holds your table {t.name}; salesplan writes its {names[t.sheet.casefold()]} "
            "sheet here and will not overwrite it",
            f"move {t.name} to another sheet (tables are found by name) or rename the sheet",
        )
        for t in tables
        if t.sheet.casefold() in names and t.name.casefold() not in ours
    ]
    if problems:
        raise PlanError(problems)


def table_clash(name: str, sheet: str) -> Problem:
    """A user's table, on a sheet salesplan does not replace, has the name of one of ours."""
    hint = f'rename the table on sheet "{sheet}" (Table Design → Table Name); salesplan writes its own {name}'
    return Problem(sheet, "", f"a table named {name} already exists", hint)


def name_clash(name: str) -> Problem:
    """A workbook-level defined name has the name of one of salesplan's tables."""
    message = f"a defined name {name} clashes with salesplan's table"
    return Problem(name, "", message, "rename it in Formulas → Name Manager")


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    fmt: str = ""  # an Excel number format; "" for text


@dataclass(frozen=True)
class Rule:
    """Conditional formatting by formula, so a number typed by hand recolours the cell.

    `formula` names the row's cells as {key}; the renderer turns them into references to
    the block's first data row (relative, as Excel applies a rule down its range).
    """

    key: str  # the column that is coloured
    formula: str  # e.g. "ROUND({to_date},2)>=ROUND({plan_to_date},2)"
    colour: str  # red, amber, green


@dataclass(frozen=True)
class Block:
    table: str  # Excel table name, e.g. tblTargets
    columns: tuple[Col, ...]
    frame: pd.DataFrame
    title: str = ""
    status: str = ""  # column key whose nonzero / RED cells are highlighted
    rules: tuple[Rule, ...] = ()  # applied in order; the first that holds wins


@dataclass(frozen=True)
class Series:
    """One series of a chart: a value column of a block, against a category column of it."""

    name: str  # legend text
    table: str  # the Block (by its table name) on the same sheet that holds the data
    values: str  # column key of the values
    categories: str  # column key of the categories (the x axis, or the slices of a pie)
    colour: str = ""  # e.g. "#1F4E78"; "" lets Excel choose


@dataclass(frozen=True)
class Chart:
    """A native Excel chart over cells of the sheet, so it follows the numbers it shows."""

    kind: str  # "line", "column", "bar" or "pie"
    title: str
    series: tuple[Series, ...]
    anchor: tuple[int, int] | None = (
        None  # (row, col) of its top-left cell, 0-based; None: stacked right of the blocks
    )
    size: tuple[int, int] = (640, 320)  # width, height in pixels
    y_format: str = ""  # number format of the value axis


@dataclass(frozen=True)
class OutputSheet:
    key: str  # canonical sheet name (Targets); the sheet is named in the locale
    name: str
    blocks: tuple[Block, ...]
    freeze_cols: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)
    charts: tuple[Chart, ...] = ()


def money_format(unit: int, locale: str = "en") -> str:
    """Amounts are stored in yuan and shown in the plan's Unit by the number format.

    万元 has no thousands-style scaling in Excel; `0\\.0,` divides by 1,000 and moves the
    decimal point one place, which shows 6,382,000 as 638.2 (万).
    """
    wan = '0\\.0,"万"' if locale != "en" else "0\\.0,"
    return {1: "#,##0", 1000: "#,##0,", 10000: wan, 1_000_000: "#,##0.0,,"}.get(unit, "#,##0")


FORMATS = {
    "cents": "#,##0.00",
    "int": "#,##0",
    "coef": "0.00",
    "pct": "0.0%",
    "pct2": "0.00%",
    "number": "General",
    "weeks": "0.0",
    "text": "",
    "flag": "",
}


def _columns(settings: Settings):
    """cols(("key", header or None for the label, "format name"), …) -> Col tuple, in the locale."""
    loc = settings.locale
    formats = {**FORMATS, "money": money_format(int(settings["Unit"]), loc)}

    def cols(*spec) -> tuple[Col, ...]:
        return tuple(Col(k, label(k, loc) if h is None else h, formats[f]) for k, h, f in spec)

    return cols


def describe(d: Decomposition, settings: Settings) -> list[OutputSheet]:
    loc = settings.locale
    cols = _columns(settings)

    t = d.targets.assign(locked=d.targets["locked"].map({True: label("yes", loc), False: ""}))
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
            ("capability", None, "coef"),
            ("resource", None, "coef"),
            ("active_weeks", None, "weeks"),
            ("history_rate", None, "money"),
            ("locked", None, "flag"),
            *((p, p, "int") for p in path),
        ),
        t,
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
        ),
        d.regions,
        title=label("region", loc),
    )
    breakdown = Block(
        "tblBreakdown",
        cols(
            ("rep_id", None, "text"),
            ("region", None, "text"),
            ("product", None, "text"),
            ("customer_type", None, "text"),
            ("target", None, "money"),
        ),
        d.breakdown,
    )
    weeks = list(d.weekly.columns)
    months = list(d.months.columns)
    phasing_frame = pd.concat([t[["rep_id"]], d.weekly, d.months], axis=1)
    phasing = Block(
        "tblPhasing",
        cols(
            ("rep_id", None, "text"),
            *((w, w, "money") for w in weeks),
            *((m, m, "money") for m in months),
        ),
        phasing_frame,
    )
    recon = Block(
        "tblReconciliation",
        cols(
            ("check", None, "text"),
            ("scope", None, "text"),
            # exact yuan, whatever the Unit: a difference of one yuan must never show as 0.0万
            ("expected", None, "int"),
            ("actual", None, "int"),
            ("difference", None, "int"),
        ),
        d.reconciliation.assign(
            check=d.reconciliation["check"].map(lambda c: label(c, loc)),
            scope=d.reconciliation["scope"].map(lambda c: label(c, loc)),
        ),
        status="difference",
    )
    notes = Block(
        "tblNotes",
        cols(("note", None, "text")),
        pd.DataFrame({"note": list(d.notes)}),
        title=label("note", loc),
    )
    return [
        OutputSheet("Targets", "Targets", (targets, regions), freeze_cols=2),
        OutputSheet("Breakdown", "Breakdown", (breakdown,)),
        OutputSheet("Phasing", "Phasing", (phasing,)),
        OutputSheet("Reconciliation", "Reconciliation", (recon, notes), freeze_cols=0),
    ]


_TARGET_KEYS = {
    "original_target",
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


def _yuan(cents: pd.Series) -> pd.Series:
    """Cents to yuan for display; exact to the cent as a float with two decimals."""
    return cents.astype("int64") / 100


def status_rules(red_below) -> tuple[Rule, ...]:
    """SPEC §6 as conditional formatting, matching the engine to the cent.

    RED when ToDate < RedBelow × FloorToDate: ToDate is whole cents, so comparing it with the
    product rounded *up* to the cent is exact (ROUND(…,6) first drops binary noise).
    """
    red = f"ROUND({{to_date}},2)<ROUNDUP(ROUND({red_below}*{{floor_to_date}},6),2)"
    green = "ROUND({to_date},2)>=ROUND({plan_to_date},2)"
    amber = "ROUND({to_date},2)<ROUND({plan_to_date},2)"
    return (
        Rule("status", red, "red"),
        Rule("status", green, "green"),
        Rule("status", amber, "amber"),
    )


def describe_progress(p: Progress, settings: Settings) -> list[OutputSheet]:
    loc = settings.locale
    cols = _columns(settings)

    t = p.tracking
    reps = p.decomposition.targets.set_index("rep_id")
    stages = [c for c in t.columns if c not in _TRACKING_KEYS]
    if p.kpi is not None:
        t = t.assign(kpi_score=p.kpi.scores["score"].to_numpy())
    tracking = t.assign(
        name=t["rep_id"].map(reps["name"]),
        region=t["rep_id"].map(reps["region"]),
        reason=t["reason"].map(lambda r: label(r, loc) if r else ""),
        **{k: _yuan(t[k]) for k in ("to_date", "plan_to_date", "floor_to_date", "remaining")},
    )
    track_block = Block(
        "tblTracking",
        cols(
            ("rep_id", None, "text"),
            ("name", None, "text"),
            ("region", None, "text"),
            ("week", None, "int"),
            ("to_date", None, "cents"),
            ("plan_to_date", None, "cents"),
            ("floor_to_date", None, "cents"),
            ("pace", None, "pct"),
            ("status", None, "text"),
            ("reason", None, "text"),
            ("remaining", None, "cents"),
            *((st, st, "int") for st in stages),
            *((("kpi_score", None, "pct"),) if p.kpi is not None else ()),
        ),
        tracking,
        rules=status_rules(settings["RedBelow"]),
    )
    c = p.commission.merge(p.pool_shares, on="rep_id", how="left")
    money = ("sales", "commission", "pool_share", "to_next_tier", "commission_at_next_tier")
    c = c.assign(
        tier=c["tier"].map(lambda v: label(v, loc) if v else ""),
        next_tier=c["next_tier"].map(lambda v: label(v, loc) if v else ""),
        rate=c["rate"].astype(float),
        **{k: _yuan(c[k].fillna(0)) for k in money},
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
        ),
        c,
    )
    st = p.statement.assign(
        tier=p.statement["tier"].map(lambda v: label(v, loc) if v else ""),
        rate=p.statement["rate"].astype(float),
        **{k: _yuan(p.statement[k]) for k in ("from", "to", "sales", "amount")},
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
    )
    mode = settings["CommissionMode"]
    rules = pd.DataFrame(
        {
            "note": [
                f"{label('CommissionMode', loc)}: {label(mode, loc)}",
                f"{label('pool', loc)}: {p.pool_cents / 100:,.2f}",
                label(POOL_RULE, loc),
            ]
        }
    )
    notes = Block(
        "tblCommissionNotes", cols(("note", None, "text")), rules, title=label("note", loc)
    )
    from xl_addin.dashboard import describe_dashboard  # it builds on these descriptions

    return [
        OutputSheet("Tracking", "Tracking", (track_block, *_scorecard(p, settings)), freeze_cols=1),
        OutputSheet("Commission", "Commission", (pay_block, bands, notes), freeze_cols=1),
        describe_dashboard(p, settings),
    ]


def _scorecard(p: Progress, settings: Settings) -> tuple[Block, ...]:
    """The KPI scorecard (rep × KPI) and its rule, below the tracking table."""
    if p.kpi is None:
        return ()
    loc = settings.locale
    cols = _columns(settings)
    rows = p.kpi.rows.assign(tier=p.kpi.rows["tier"].map(lambda v: label(v, loc) if v else ""))
    card = Block(
        "tblKPIScorecard",
        cols(
            ("rep_id", None, "text"),
            ("kpi", None, "text"),
            ("unit", None, "text"),
            ("actual", None, "number"),
            ("floor", None, "number"),
            ("target", None, "number"),
            ("challenge", None, "number"),
            ("achievement", None, "pct"),
            ("tier", None, "text"),
            ("weight", None, "pct"),
            ("points", None, "pct"),
        ),
        rows,
        title=label("scorecard", loc),
    )
    notes = Block(
        "tblKPINotes",
        cols(("note", None, "text")),
        pd.DataFrame({"note": [label(SCORE_RULE, loc), *p.kpi.notes]}),
        title=label("note", loc),
    )
    return card, notes


_TRACKING_KEYS = {
    "kpi_score", "rep_id", "week", "to_date", "plan_to_date", "floor_to_date", "pace", "status", "reason", "remaining",
}  # fmt: skip
