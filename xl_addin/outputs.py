"""Describe the output sheets (SPEC §1.2) from engine results; renderers write them (STYLE §6).

A description is plain data: sheets, blocks (one Excel table each), columns with a header
and a format name. The file renderer (filebook.py) and the live one render the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from engine.decompose import Decomposition
from engine.settings import Settings
from xl_addin.labels import label

OUTPUT_SHEETS = (
    "Targets",
    "Breakdown",
    "Phasing",
    "Reconciliation",
    "Tracking",
    "Commission",
    "Dashboard",
)


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    fmt: str = ""  # an Excel number format; "" for text


@dataclass(frozen=True)
class Block:
    table: str  # Excel table name, e.g. tblTargets
    columns: tuple[Col, ...]
    frame: pd.DataFrame
    title: str = ""
    status: str = ""  # column key whose nonzero / RED cells are highlighted


@dataclass(frozen=True)
class OutputSheet:
    key: str  # canonical sheet name (Targets); the sheet is named in the locale
    name: str
    blocks: tuple[Block, ...]
    freeze_cols: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)


def money_format(unit: int, locale: str = "en") -> str:
    """Amounts are stored in yuan and shown in the plan's Unit by the number format.

    万元 has no thousands-style scaling in Excel; `0\\.0,` divides by 1,000 and moves the
    decimal point one place, which shows 6,382,000 as 638.2 (万).
    """
    wan = '0\\.0,"万"' if locale != "en" else "0\\.0,"
    return {1: "#,##0", 1000: "#,##0,", 10000: wan, 1_000_000: "#,##0.0,,"}.get(unit, "#,##0")


FORMATS = {"int": "#,##0", "coef": "0.00", "pct": "0.0%", "weeks": "0.0", "text": "", "flag": ""}


def describe(d: Decomposition, settings: Settings) -> list[OutputSheet]:
    loc = settings.locale
    formats = {**FORMATS, "money": money_format(int(settings["Unit"]), loc)}

    def cols(*spec) -> tuple[Col, ...]:
        return tuple(Col(k, label(k, loc) if h is None else h, formats[f]) for k, h, f in spec)

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
