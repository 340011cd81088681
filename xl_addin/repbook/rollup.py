"""The region roll-up (SPEC §8): one workbook per region for its manager, nothing of another
region in it.

Its reps' targets and progress, then their weekly plan, each table closed by a Total row of
live formulas (SUBTOTAL over the rows above, the pace of the totals), so the region's numbers
follow anything typed into the rows. A rep's status is coloured as on the Tracking sheet, in
the plan's words (RED, AMBER, GREEN, and a rep who has not reported the week in grey).
Amounts show in the plan's Unit, each header naming it (SPEC §15).
"""

from __future__ import annotations

import pandas as pd

from engine.plan import Plan
from engine.progress import Progress
from engine.settings import Settings
from xl_addin.repbook.responsibility import safe_name
from xl_addin.sheets.dashboard import status_word_rules
from xl_addin.sheets.description import Block, OutputSheet, Total, columns, yuan
from xl_addin.sheets.labels import label, status_label
from xl_addin.sheets.units import with_unit

AMOUNTS = ("floor", "target", "challenge", "to_date", "plan_to_date")
PACE = 'IF({plan_to_date}>0,{to_date}/{plan_to_date},"")'  # the pace of the region's totals


def rollup_file_name(region: str, settings: Settings) -> str:
    """`区域_华东_2026-10-05.xlsx`, `Region_North_2026-10-05.xlsx`."""
    word = safe_name(label("region", settings.locale))
    return f"{word}_{safe_name(region)}_{settings.period_start:%Y-%m-%d}.xlsx"


def rollup_sheets(p: Progress, plan: Plan) -> dict[str, list[OutputSheet]]:
    """Per region: its reps' targets, progress and weekly plan — nothing of other regions."""
    s = plan.settings
    loc = s.locale
    cols = columns(s)
    d = p.decomposition
    t = d.targets.reset_index(drop=True)
    tr = p.tracking.reset_index(drop=True)
    frame = pd.concat(
        [
            t[["rep_id", "name", "region", "floor", "target", "challenge"]],
            tr[["to_date", "plan_to_date", "pace", "status"]].assign(
                status=tr["status"].map(lambda v: status_label(v, loc))
            ),
            d.weekly.reset_index(drop=True),
        ],
        axis=1,
    )
    weeks = list(d.weekly.columns)
    total = label("total", loc)
    rules = status_word_rules(loc)
    out = {}
    for region, reps in frame.groupby("region", sort=False):
        reps = reps.reset_index(drop=True)
        # to date in integer cents until shown, so the pace of the totals is exact
        to_date, plan_to_date = int(reps["to_date"].sum()), int(reps["plan_to_date"].sum())
        pace = to_date / plan_to_date if plan_to_date > 0 else ""
        summary = Block(
            "tblRegionReps",
            cols(
                ("rep_id", None, "text"),
                ("name", None, "text"),
                ("floor", None, "money"),
                ("target", None, "money"),
                ("challenge", None, "money"),
                ("to_date", None, "money"),
                ("plan_to_date", None, "money"),
                ("pace", None, "pct"),
                ("status", None, "text"),
            ),
            reps.assign(to_date=yuan(reps["to_date"]), plan_to_date=yuan(reps["plan_to_date"])),
            title=f"{label('region', loc)}: {region}",
            rules=rules,
            total=Total(total, AMOUNTS, (("pace", PACE, pace),)),
        )
        phasing = Block(
            "tblRegionPhasing",
            cols(("rep_id", None, "text"), *((w, w, "money") for w in weeks)),
            reps,
            title=with_unit(label("weekly_plan", loc), int(s["Unit"]), loc),
            total=Total(total, tuple(weeks)),
        )
        out[str(region)] = [OutputSheet("Region", label("region", loc), (summary, phasing))]
    return out
