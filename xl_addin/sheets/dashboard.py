"""Describe the Dashboard sheet (SPEC §1.2, §6, §17): the team and its regions against plan and
where they land at the pace so far, status counts (reps who have not reported the tracked week
counted apart, never as RED), the ranking with the period's top performer, and native charts over them. Every amount is shown in
the plan's Unit, its header naming it (SPEC §15).

Totals are summed in integer cents and only then shown in yuan, so the team row equals the
sum of the region rows to the cent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.forecast import GAPS
from engine.progress import Progress
from engine.settings import Settings
from engine.tracking import AMBER, GREEN, NO_REPORT, RED, STATUSES
from xl_addin.sheets.description import Block, Chart, Col, OutputSheet, Rule, Series, columns
from xl_addin.sheets.labels import label, status_label
from xl_addin.sheets.units import money_format, with_unit

PLAN_COLOUR, ACTUAL_COLOUR, PROJECTED_COLOUR = "#1F4E78", "#C55A11", "#7F7F7F"
# each status: its count's column (and label), and its colour
STATUS_KEYS = {RED: "red", AMBER: "amber", GREEN: "green", NO_REPORT: "no_report"}
STATUS_COLOURS = {RED: "red", AMBER: "amber", GREEN: "green", NO_REPORT: "grey"}


def status_word_rules(locale: str) -> tuple[Rule, ...]:
    """Each status coloured by the word its cell shows (红, NO REPORT …), as the ranking and
    the region roll-ups show it: cells that hold the status, not the numbers it came from."""
    return tuple(
        Rule("status", f'{{status}}="{status_label(s, locale)}"', STATUS_COLOURS[s])
        for s in STATUSES
    )


def describe_dashboard(p: Progress, settings: Settings) -> OutputSheet:
    loc = settings.locale
    cols = columns(settings)
    d, t = p.decomposition, p.tracking
    team = label("team", loc)
    reps = d.targets[["rep_id", "name", "region", "floor", "target"]].reset_index(drop=True)
    frame = pd.concat([reps, t.drop(columns=["rep_id"]).reset_index(drop=True)], axis=1)

    regions = list(d.regions["region"])
    summary = _summary(frame, regions, team)
    ahead = p.forecast.scopes
    summary = summary.assign(
        projected=ahead["projected"].to_numpy() / 100,
        projected_tier=[label(v, loc) if v else "" for v in ahead["tier"]],
        **{k: ahead[k].to_numpy() / 100 for k in GAPS},
    )
    summary_block = Block(
        "tblDashboardSummary",
        cols(
            ("scope", None, "text"),
            ("reps", None, "int"),
            ("floor", None, "money"),
            ("target", None, "money"),
            ("plan_to_date", None, "money"),
            ("to_date", None, "money"),
            ("pace", None, "pct"),
            ("completion", None, "pct"),
            ("red", None, "int"),
            ("amber", None, "int"),
            ("green", None, "int"),
            ("no_report", None, "int"),
            ("projected", None, "money"),
            ("projected_tier", None, "text"),
            *((k, None, "money") for k in GAPS),
        ),
        summary,
        title=label("team_and_regions", loc),
    )
    counts = t["status"].value_counts()
    status = pd.DataFrame(
        {
            "status": [label(STATUS_KEYS[s], loc) for s in STATUSES],
            "count": [int(counts.get(s, 0)) for s in STATUSES],
        }
    )
    status_block = Block(
        "tblDashboardStatus",
        cols(("status", None, "text"), ("count", None, "int")),
        status,
        title=label("status_counts", loc),
        beside=True,
    )

    ranking = _ranking(frame)
    top = ranking.iloc[0] if len(ranking) else None
    ranking_title = label("ranking", loc)
    if top is not None and pd.notna(top["pace"]) and top["status"] != NO_REPORT:
        ranking_title += (
            f" — {label('top_performer', loc)}: {top['name']} ({top['rep_id']}), {top['pace']:.1%}"
        )
    ranking_block = Block(
        "tblDashboardRanking",
        cols(
            ("rank", None, "int"),
            ("rep_id", None, "text"),
            ("name", None, "text"),
            ("region", None, "text"),
            ("to_date", None, "money"),
            ("plan_to_date", None, "money"),
            ("pace", None, "pct"),
            ("status", None, "text"),
        ),
        ranking.assign(status=ranking["status"].map(lambda v: status_label(v, loc))),
        title=ranking_title,
        under="tblDashboardSummary",  # the team's table, then its reps
        rules=status_word_rules(loc),
    )

    cumulative, scopes = _cumulative(p, regions, team)
    unit = int(settings["Unit"])
    money = money_format(unit)
    weekly_cols = [Col("week", label("week", loc))]
    for k, scope in enumerate(scopes):
        weekly_cols += [
            Col(
                f"plan{k}", with_unit(f"{scope} {label('plan_cumulative', loc)}", unit, loc), money
            ),
            Col(
                f"actual{k}",
                with_unit(f"{scope} {label('actual_cumulative', loc)}", unit, loc),
                money,
            ),
            Col(
                f"projected{k}",
                with_unit(f"{scope} {label('projected_cumulative', loc)}", unit, loc),
                money,
            ),
        ]
    weekly_block = Block(  # below the status counts: the charts' numbers, out of the way
        "tblDashboardWeekly", tuple(weekly_cols), cumulative, title=label("cumulative", loc)
    )

    charts = [
        Chart(
            "column",
            label("status_counts", loc),
            (
                Series(
                    label("count", loc),
                    "tblDashboardStatus",
                    "count",
                    "status",
                    "#7F7F7F",
                    points=tuple(STATUS_COLOURS[s] for s in STATUSES),  # each bar as its cells
                ),
            ),
            size=(480, 288),
        )
    ]
    for k, scope in enumerate(scopes):
        charts.append(
            Chart(
                "line",
                label("cumulative_chart", loc).format(scope=scope),
                (
                    Series(
                        label("plan_cumulative", loc),
                        "tblDashboardWeekly",
                        f"plan{k}",
                        "week",
                        PLAN_COLOUR,
                    ),
                    Series(
                        label("actual_cumulative", loc),
                        "tblDashboardWeekly",
                        f"actual{k}",
                        "week",
                        ACTUAL_COLOUR,
                    ),
                    Series(
                        label("projected_cumulative", loc),
                        "tblDashboardWeekly",
                        f"projected{k}",
                        "week",
                        PROJECTED_COLOUR,
                    ),
                ),
                size=(480, 288),
                y_format=money,
            )
        )
    return OutputSheet(
        "Dashboard",
        "Dashboard",
        (summary_block, status_block, weekly_block, ranking_block),
        freeze_cols=0,
        charts=tuple(charts),
    )


def _summary(frame: pd.DataFrame, regions: list, team: str) -> pd.DataFrame:
    money = ["floor", "target", "plan_to_date", "to_date"]
    flags = frame.assign(
        **{k: (frame["status"] == s).astype(np.int64) for s, k in STATUS_KEYS.items()},
        reps=1,
    )
    keys = [*money, "reps", *STATUS_KEYS.values()]
    by_region = flags.groupby("region")[keys].sum().reindex(regions, fill_value=0)
    total = flags[keys].sum().to_frame().T
    out = pd.concat([total, by_region]).reset_index(drop=True)
    out.insert(0, "scope", [team, *regions])
    plan_cents = out["plan_to_date"].astype(float)
    out["pace"] = np.where(
        plan_cents > 0, out["to_date"] / plan_cents.where(plan_cents > 0, 1), np.nan
    )
    target_cents = out["target"].astype(float) * 100
    out["completion"] = np.where(
        target_cents > 0, out["to_date"] / target_cents.where(target_cents > 0, 1), np.nan
    )
    for k in ("plan_to_date", "to_date"):
        out[k] = out[k].astype(np.int64) / 100
    return out


def _ranking(frame: pd.DataFrame) -> pd.DataFrame:
    """By pace, best first; ties by sales to date, then RepID; reps with no plan yet after
    them, and reps who have not reported the tracked week last (their pace is not yet known)."""
    r = frame.assign(
        _waiting=frame["status"] == NO_REPORT, _pace=frame["pace"].fillna(-1.0)
    ).sort_values(
        ["_waiting", "_pace", "to_date", "rep_id"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    r = r.drop(columns=["_waiting", "_pace"]).reset_index(drop=True)
    r.insert(0, "rank", np.arange(1, len(r) + 1))
    return r.assign(to_date=r["to_date"] / 100, plan_to_date=r["plan_to_date"] / 100)


def _cumulative(p: Progress, regions: list, team: str) -> tuple[pd.DataFrame, list[str]]:
    """Week by week, cumulative plan, actual and projected for the team and each region (actual
    blank after the tracked week, so the chart's line stops there; projected blank before it,
    so its line starts there: the fan)."""
    d = p.decomposition
    region_of = d.targets["region"].to_numpy()
    plan = d.weekly.to_numpy(dtype=np.int64) * 100  # cents
    actual = p.weekly_actuals.to_numpy(dtype=np.int64)
    week = int(p.tracking["week"].max()) if len(p.tracking) else 0
    out = {"week": list(d.weekly.columns)}
    scopes = [team, *regions]
    for k, scope in enumerate(scopes):
        rows = np.ones(len(region_of), dtype=bool) if k == 0 else region_of == scope
        out[f"plan{k}"] = plan[rows].sum(axis=0).cumsum() / 100
        cum = actual[rows].sum(axis=0).cumsum() / 100
        out[f"actual{k}"] = np.where(np.arange(len(cum)) < week, cum, np.nan)
        # the forecast from the tracked week to the period end (blank before it: a gap)
        projected = np.full(len(cum), np.nan)
        path = p.forecast.path[k] / 100  # cumulative at weeks week … n
        projected[max(week, 1) - 1 :] = path[max(week, 1) - week :]
        out[f"projected{k}"] = projected
    return pd.DataFrame(out), scopes
