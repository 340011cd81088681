"""Recalibration (SPEC §7): a capped, audited change of a rep's, a region's or the team's target.

tblChangeLog is the plan's memory. `request` checks a change against the original targets
(the decomposition without any change) and returns one change-log row per rep whose target
it moves; `replay` applies every logged row on top of the decomposition at each run, so the
inputs stay as the user typed them and the log alone says what changed, and when.

Rules:
- Refused when |new − original| > RecalibrationCap × original; needs an Approver when
  |new − original| > FlexReserve × original. Compared exactly, so a change of exactly 20 %
  is allowed and one of 20.1 % is not. For a region or the team the limits hold for its
  total and for every rep the change moves.
- A region's or the team's change is shared over its reps in proportion to their current
  targets, in whole RoundTo units; locked reps keep theirs.
- Nothing past moves: the weeks before FromWeek (the first week without actuals) keep their
  plan; the rest of the new target is spread over the remaining weeks in proportion to the
  plan there. Floor and challenge follow the new target (FloorPct or NewRepFloorPct,
  ChallengePct); the rep's product × customer-type parts are re-split in proportion.
- Totals follow the reps: a region is the sum of its reps, a product or customer type the
  sum of its parts, the team the sum of the regions. No other rep's target moves unless the
  change names them (their region or the team), so a signed target stays true.
- Each accepted change raises the plan's Version; its rows carry that version and FromWeek.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from engine import levels
from engine.decomposition import Decomposition
from engine.margin import gross_profit
from engine.money import allocate, allocate_rows, scale
from engine.phasing import monthly, path_to_target
from engine.plan import Plan
from engine.problems import Message, PlanError, Problem, at_row, did_you_mean, said
from engine.reconcile import reconcile
from engine.targets import with_gap

# A problem with the request itself is reported against the request's field ("target",
# "reason", …) rather than a cell; each front end names the field in its own words
# (xl_addin/recalibration.py: the command line's --target, the button's question).
REQUEST_FIELDS = ("rep", "region", "target", "reason", "approver")
FIELD = "Target"  # the Field of a target change; region and team changes say so after it
SCOPES = ("rep", "region", "team")
LOG_COLUMNS = (
    "timestamp", "rep_id", "field", "old", "new", "reason", "approver", "version", "from_week",
)  # fmt: skip


@dataclass(frozen=True)
class Request:
    scope: str  # rep, region or team
    key: str  # the RepID or the region; "" for the team
    target: int  # the new target, whole yuan
    reason: str
    approver: str = ""


def version(plan: Plan) -> int:
    """The plan's version: tblSettings' Version, or the latest in the change log if higher."""
    v = int(plan.settings["Version"])
    log = plan.change_log
    if log is not None and len(log) and log["version"].notna().any():
        v = max(v, int(log["version"].max()))
    return v


def request(
    plan: Plan,
    original: Decomposition,
    current: Decomposition,
    change: Request,
    from_week: int,
    now: str,
) -> pd.DataFrame:
    """The change-log rows of an accepted change (one per rep it moves), or PlanError."""
    s = plan.settings
    unit = s.round_to
    reps = current.targets
    problems: list[Problem] = []
    if not str(change.reason).strip():
        problems.append(
            Problem(
                "reason", "", said("recalibration_no_reason"), said("recalibration_no_reason_hint")
            )
        )
    if from_week > s.weeks:
        problems.append(
            Problem(
                "Actuals",
                "",
                said("recalibration_no_weeks_left", week=s.weeks),
                said("recalibration_no_weeks_left_hint"),
            )
        )
    spread = change.target - (original.team["unallocated"] if change.scope == "team" else 0)
    if change.target < 0 or spread % unit:
        problems.append(
            Problem(
                "target",
                "",
                said("recalibration_not_round", target=change.target, round_to=unit)
                if spread == change.target
                else said(
                    "recalibration_not_round_unallocated",
                    target=change.target,
                    round_to=unit,
                    unallocated=change.target - spread,
                ),
                said(
                    "recalibration_target_like",
                    target=max(round(spread / unit), 0) * unit + change.target - spread,
                ),
            )
        )
    members, who, original_total, current_total = _scope(plan, original, current, change)
    if problems:
        raise PlanError(problems)

    new = reps["target"].to_numpy(dtype=np.int64).copy()
    if change.scope == "rep":
        new[members] = change.target
    else:
        held = reps["locked"].to_numpy()[members]
        units = reps["target"].to_numpy(dtype=np.int64)[members] // unit
        try:
            new[members] = allocate(spread // unit, units, np.where(held, units, np.nan)) * unit
        except ValueError:
            raise PlanError(
                [
                    Problem(
                        "target",
                        "",
                        said("recalibration_all_locked", who=who),
                        said("recalibration_all_locked_hint"),
                    )
                ]
            ) from None
    if change.target == current_total:
        problems.append(
            Problem(
                "target",
                "",
                said("recalibration_unchanged", who=who, target=change.target),
                said("recalibration_unchanged_hint"),
            )
        )
    total = _limits(s, who, original_total, change.target, change.approver)
    problems += total
    moved = np.flatnonzero(new != reps["target"].to_numpy())
    if change.scope != "rep" and not total:
        first = original.targets["target"].to_numpy(dtype=np.int64)
        for i in moved:
            problems += _limits(
                s, reps["rep_id"].iat[i], int(first[i]), int(new[i]), change.approver
            )
    problems += _phasable(current, moved, new, max(from_week, 1), unit)
    if problems:
        raise PlanError(problems)
    field = FIELD if change.scope == "rep" else f"{FIELD} ({_scope_name(change)})"
    return pd.DataFrame(
        {
            "timestamp": now,
            "rep_id": reps["rep_id"].to_numpy()[moved],
            "field": field,
            "old": reps["target"].to_numpy(dtype=np.int64)[moved],
            "new": new[moved],
            "reason": str(change.reason).strip(),
            "approver": str(change.approver or "").strip(),
            "version": version(plan) + 1,
            "from_week": max(from_week, 1),
        }
    )


def _scope_name(change: Request) -> str:
    """How the change log's Field names a region's or the team's change: data, not words."""
    return f"region {change.key}" if change.scope == "region" else "team"


def _scope(plan, original, current, change) -> tuple[np.ndarray, str | Message, int, int]:
    """(positions of the reps it covers, how to name it, original total, current total)."""
    ids = current.targets["rep_id"]
    if change.scope == "rep":
        hit = np.flatnonzero((ids == change.key).to_numpy())
        if not len(hit):
            raise PlanError(
                [
                    Problem(
                        "rep",
                        "",
                        said(
                            "rep_not_in_reps",
                            rep_id=change.key,
                            suggestion=did_you_mean(change.key, ids),
                        ),
                        said("give_rep_from_targets"),
                    )
                ]
            )
        i = int(hit[0])
        first, now = original.targets["target"].iat[i], current.targets["target"].iat[i]
        return hit, str(change.key), int(first), int(now)
    if change.scope == "region":
        regions = current.regions["region"]
        if change.key not in set(regions):
            raise PlanError(
                [
                    Problem(
                        "region",
                        "",
                        said(
                            "region_not_in_regions",
                            region=change.key,
                            suggestion=did_you_mean(change.key, regions),
                        ),
                        said("give_region_from_targets"),
                    )
                ]
            )
        hit = np.flatnonzero((current.targets["region"] == change.key).to_numpy())
        by = lambda d: int(d.regions.set_index("region")["target"][change.key])  # noqa: E731
        return hit, said("who_region", region=change.key), by(original), by(current)
    team = said("who_team")
    return np.arange(len(ids)), team, int(original.team["target"]), int(current.team["target"])


def _limits(settings, who, original: int, new: int, approver: str) -> list[Problem]:
    """RecalibrationCap and FlexReserve against the original target, exactly."""
    cap, flex = Decimal(settings["RecalibrationCap"]), Decimal(settings["FlexReserve"])
    moved = abs(new - original)
    where = "target"
    if original <= 0:
        return [
            Problem(
                where,
                "",
                said("recalibration_no_original", who=who),
                said("recalibration_no_original_hint"),
            )
        ]
    of = {"who": who, "target": new, "pct": Decimal(moved) / original * 100, "original": original}
    if moved > cap * original:
        unit = settings.round_to
        lo = math.ceil((1 - cap) * original / unit) * unit
        hi = math.floor((1 + cap) * original / unit) * unit
        return [
            Problem(
                where,
                "",
                said("recalibration_beyond_cap", **of, cap=_setting(settings, "RecalibrationCap")),
                said("recalibration_choose_between", low=lo, high=hi),
            )
        ]
    if moved > flex * original and not str(approver or "").strip():
        return [
            Problem(
                "approver",
                "",
                said("recalibration_needs_approver", **of, flex=_setting(settings, "FlexReserve")),
                said("recalibration_needs_approver_hint"),
            )
        ]
    return []


def _phasable(current, moved, new, from_week: int, unit: int) -> list[Problem]:
    """The weeks already past keep their plan: a new target must cover them, and must have
    a planned week left to go into."""
    weekly = current.weekly.to_numpy(dtype=np.int64)[moved]
    if from_week > weekly.shape[1]:
        return []
    past = weekly[:, : from_week - 1].sum(axis=1)
    left = weekly[:, from_week - 1 :].sum(axis=1)
    ids = current.targets["rep_id"].to_numpy()[moved]
    out = []
    for k in np.flatnonzero((new[moved] < past) | ((new[moved] > past) & (left <= 0))):
        weeks = said("weeks_to", last=from_week - 1) if from_week > 2 else said("week_one")
        if new[moved][k] < past[k]:
            message = said(
                "recalibration_past_above", rep_id=ids[k], weeks=weeks, past=int(past[k])
            )
            least = -(-int(past[k]) // unit) * unit
            hint = said("recalibration_past_above_hint", least=least)
        else:
            message = said("recalibration_no_week_left", rep_id=ids[k], week=from_week)
            hint = said("recalibration_no_week_left_hint")
        out.append(Problem("target", "", message, hint))
    return out


def _setting(settings, name: str) -> Message:
    """'20 % (Settings!B24)', or '20 % (default)' when the plan does not set it."""
    pct = (Decimal(settings[name]) * 100).normalize()
    sheet, cell = settings.where(name)
    if cell:
        return said("setting_percent_at", pct=pct, where=f"{sheet}!{cell}")
    return said("setting_percent_default", pct=pct)


def replay(plan: Plan, d: Decomposition) -> Decomposition:
    """The decomposition with every target change of tblChangeLog applied, version by version."""
    log = _target_log(plan)
    if log.empty:
        return d
    s = plan.settings
    unit = s.round_to
    t = d.targets
    pos = pd.Series(np.arange(len(t)), index=t["rep_id"].to_numpy())
    weekly = d.weekly.to_numpy(dtype=np.int64).copy()
    target = t["target"].to_numpy(dtype=np.int64).copy()
    problems: list[Problem] = []
    for _, rows in log.groupby("version", sort=True):
        rows = rows.drop_duplicates("rep_id", keep="last")
        i = pos[rows["rep_id"].to_numpy()].to_numpy()
        new = rows["new"].to_numpy(dtype=np.int64)
        ok = _rephase(weekly, i, new, rows["from_week"].to_numpy(dtype=np.int64))
        for k in np.flatnonzero(~ok):
            problems.append(
                Problem(
                    *at_row(log, int(rows["_pos"].iat[k]), "new", "ChangeLog"),
                    said(
                        "change_log_cannot_phase",
                        rep_id=rows["rep_id"].iat[k],
                        target=int(new[k]),
                        week=int(rows["from_week"].iat[k]),
                    ),
                    said("change_log_cannot_phase_hint"),
                )
            )
        target[i[ok]] = new[ok]
    if problems:
        raise PlanError(problems)

    changed = target != t["target"].to_numpy()
    units = target // unit
    floor = levels.floor_units(units, t["level"], s)
    challenge = scale(units, s["ChallengePct"])
    path = [c for c in t.columns if c not in _TARGET_COLUMNS]
    table = t.drop(columns=path).assign(
        floor=np.where(changed, floor * unit, t["floor"]),
        target=target,
        challenge=np.where(changed, challenge * unit, t["challenge"]),
    )
    table.insert(table.columns.get_loc("target") + 1, "original_target", t["target"])
    table = pd.concat(
        [table, path_to_target(target, plan, float(d.team.get("avg_deal_size") or 0))], axis=1
    )
    breakdown = _resplit(d.breakdown, table, changed, unit)
    weekly_frame = pd.DataFrame(weekly, columns=d.weekly.columns)
    months = monthly(weekly_frame, s.period_start, s.weeks)

    g = table.groupby("region")
    regions = d.regions.assign(
        **{
            k: d.regions["region"].map(g[k].sum()).fillna(0).astype(np.int64)
            for k in ("floor", "target", "challenge")
        }
    )
    regions = with_gap(regions)
    products = d.products.assign(
        target=d.products["product"]
        .map(breakdown.groupby("product")["target"].sum())
        .fillna(0)
        .astype(np.int64)
    )
    customer_types = d.customer_types.assign(
        target=d.customer_types["customer_type"]
        .map(breakdown.groupby("customer_type")["target"].sum())
        .fillna(0)
        .astype(np.int64)
    )
    team = {
        **d.team,
        "original_target": d.team["target"],
        "target": int(regions["target"].sum()) + d.team["unallocated"],
        "floor": int(table["floor"].sum()),
        "challenge": int(table["challenge"].sum()),
        "version": int(log["version"].max()),
    }
    checks = reconcile(
        team, regions, products, customer_types, table, breakdown, weekly_frame, months
    )
    note = said(
        "note_recalibrations",
        n=int(changed.sum()),
        version=team["version"],
        target=team["target"],
        original=d.team["target"],
    )
    changed_d = dataclasses.replace(
        d,
        team=team,
        regions=regions,
        products=products,
        customer_types=customer_types,
        targets=table,
        breakdown=breakdown,
        weekly=weekly_frame,
        months=months,
        reconciliation=checks,
        notes=(*d.notes, note),
    )
    return gross_profit(plan, changed_d)  # afresh, from the re-split breakdown


_TARGET_COLUMNS = {
    "rep_id", "name", "region", "level", "territory", "active_weeks", "history_rate",
    "capability", "resource", "locked", "floor", "target", "challenge",
}  # fmt: skip


def _rephase(
    weekly: np.ndarray, rows: np.ndarray, new: np.ndarray, from_week: np.ndarray
) -> np.ndarray:
    """Spread each new target over its weeks from FromWeek on, in place; False where it cannot."""
    ok = np.ones(len(rows), dtype=bool)
    for week in np.unique(from_week):
        m = np.flatnonzero(from_week == week)
        k = int(week) - 1
        block = weekly[rows[m]]
        rest = new[m] - block[:, :k].sum(axis=1)
        weights = block[:, k:].astype(float)
        fine = (rest >= 0) & ((rest == 0) | (weights.sum(axis=1) > 0))
        ok[m] = fine
        if fine.any():
            block[fine, k:] = allocate_rows(rest[fine], weights[fine])
            weekly[rows[m[fine]]] = block[fine]
    return ok


def _resplit(
    breakdown: pd.DataFrame, table: pd.DataFrame, changed: np.ndarray, unit: int
) -> pd.DataFrame:
    """Each changed rep's product × customer-type parts, re-split to its new target."""
    ids = table["rep_id"].to_numpy()[changed]
    if not len(ids):
        return breakdown
    mine = breakdown["rep_id"].isin(ids).to_numpy()
    part = breakdown[mine]
    r_codes = pd.Index(ids).get_indexer(part["rep_id"])
    c_codes, cells = pd.factorize(
        part["product"].astype(str) + "\x1f" + part["customer_type"].astype(str)
    )
    weights = np.zeros((len(ids), len(cells)))
    weights[r_codes, c_codes] = part["target"].to_numpy() / unit
    totals = table["target"].to_numpy(dtype=np.int64)[changed] // unit
    units = allocate_rows(totals, weights)
    out = breakdown.copy()
    out.loc[mine, "target"] = units[r_codes, c_codes] * unit
    return out[out["target"] > 0].reset_index(drop=True)


CHANGE_COLUMNS = ("rep_id", "old", "new", "reason", "version", "from_week")


def latest_changes(plan: Plan) -> pd.DataFrame:
    """Each rep's latest target change in tblChangeLog (CHANGE_COLUMNS, one row per rep whose
    target a recalibration changed): what a revision of their letter says changed, and why."""
    log = _target_log(plan)
    last = log.drop_duplicates("rep_id", keep="last").reset_index(drop=True)  # sorted by version
    return pd.DataFrame(
        {
            "rep_id": last["rep_id"].astype(str),
            "old": pd.to_numeric(last["old"], errors="coerce").round().astype("Int64"),
            "new": last["new"].astype(np.int64),
            "reason": last["reason"].map(_words).astype(object),
            "version": last["version"].astype(np.int64),
            "from_week": last["from_week"].astype(np.int64),
        },
        columns=list(CHANGE_COLUMNS),
    )


def _words(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _target_log(plan: Plan) -> pd.DataFrame:
    """The change log's target rows, checked; `_pos` is each row's position in the table."""
    log = plan.change_log
    if log is None or log.empty:
        return pd.DataFrame(columns=[*LOG_COLUMNS, "_pos"])
    log = log.assign(_pos=np.arange(len(log)))
    field = log["field"].fillna("").astype(str).str.strip().str.casefold()
    log = log[field.str.startswith(FIELD.casefold()).to_numpy()]
    problems = []
    known = set(plan.reps["rep_id"])
    unit = plan.settings.round_to
    for k in range(len(log)):
        p = int(log["_pos"].iat[k])
        rep, new, v = log["rep_id"].iat[k], log["new"].iat[k], log["version"].iat[k]
        if rep not in known:
            problems.append(
                Problem(
                    *at_row(plan.change_log, p, "rep_id", "ChangeLog"),
                    said(
                        "rep_not_in_reps",
                        rep_id=rep,
                        suggestion=did_you_mean(rep, plan.reps["rep_id"]),
                    ),
                    said("change_log_rep_hint"),
                )
            )
        if pd.isna(new) or new < 0 or new % unit:
            problems.append(
                Problem(
                    *at_row(plan.change_log, p, "new", "ChangeLog"),
                    said("change_log_new_blank", round_to=unit)
                    if pd.isna(new)
                    else said("change_log_new_not_round", new=float(new), round_to=unit),
                    said("change_log_restore_new"),
                )
            )
        if pd.isna(v):
            problems.append(
                Problem(
                    *at_row(plan.change_log, p, "version", "ChangeLog"),
                    said("change_log_version_blank"),
                    said("change_log_version_blank_hint"),
                )
            )
    if problems:
        raise PlanError(problems)
    from_week = log["from_week"] if "from_week" in log else pd.Series(1, index=log.index)
    return log.assign(
        new=log["new"].astype(np.int64),
        from_week=from_week.fillna(1).clip(lower=1, upper=plan.settings.weeks).astype(np.int64),
    ).sort_values(["version", "_pos"], kind="stable")
