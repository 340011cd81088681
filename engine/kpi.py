"""The KPI scorecard (SPEC §1 tblKPIs): non-revenue goals scored per rep, beside the sales.

Actual, per rep and KPI, from tblActuals' weeks 1 to the week scored (later weeks, and weeks
outside the period, are left out):
  - a rate (its Unit contains "%", e.g. retention 85 %): the value of the latest week that has
    one; a rep without a value has no actual yet and scores 0 points on it;
  - otherwise a count: the sum over the weeks (a blank counts 0; a rep without rows has 0).
Goals to date are phased like the sales target: at week N a count's Floor, Target and
Challenge to date are the goal × the rep's share of their weekly plan through week N (the
PlanToDate of tracking ÷ the rep's whole plan), e.g. Target 10 new customers, 390,000 of a
1,300,000 plan due by week 4 → 3 to date. A rate is a level, not a sum: its goals are not
phased. A rep with nothing due yet (week 0, or not started) has no goal to date: no
achievement, no tier, 0 points. Without a plan share (`plan_to_date` not given) the goals are
the whole period's.
Tier, compared exactly as the values are given (actual × whole plan ≥ goal × plan to date, so
no rounding of the share can move a tier): "challenge" if actual ≥ Challenge to date (when
given), else "target" if ≥ Target to date, else "floor" if ≥ Floor to date (when given), else
none. Achievement = actual / Target to date.
Points = weight share × achievement, the achievement capped at Challenge / Target (at 1 when
the KPI has no Challenge); weight share = the KPI's Weight / the sum of the Weights of the
measured KPIs, so the shares add up to 1 whatever the Weights add up to.
Score = the sum of a rep's points: 1 (100 %) = every KPI exactly on target.
A KPI without a column in tblActuals is not measured: it is listed without an actual, takes
no share of the score (it does not drag scores down), and a note says how to measure it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.problems import Message, PlanError, Problem, at_row, said

SCORE_RULE = (
    "Score = Σ weight share × achievement (actual / target), each KPI capped at its challenge "
    "(or at target when it has no challenge); a weight share is the KPI's weight over the sum "
    "of the weights of the measured KPIs; 100 % = every KPI on target."
)
PHASE_RULE = (
    "Goals to date are phased like the sales target: a count's floor, target and challenge to "
    "date are the goal × the rep's plan to date ÷ the rep's whole plan; a rate (unit with %) "
    "keeps its goal. Achievement and tier compare the actual with the goals to date."
)
PERCENT_SIGNS = ("%", "％")  # a Unit with either marks a rate; the full-width one is typed in zh
AT_TARGET = ("target", "challenge")
_TIERS = ("floor", "target", "challenge")


@dataclass(frozen=True)
class Scorecard:
    """rows: one per rep × KPI (reps, then KPIs, in input order); scores: one per rep."""

    rows: pd.DataFrame
    scores: pd.DataFrame
    notes: tuple[Message, ...]


def scorecard(
    kpis: pd.DataFrame,
    measured: pd.DataFrame | None,
    rep_ids,
    week: int,
    weeks: int,
    plan_to_date=None,
    plan_total=None,
) -> Scorecard:
    """Each rep's KPIs to `week` of a `weeks`-long period, and the weighted score.

    `measured` is long (rep_id, week, kpi, value), one row per tblActuals row per KPI that
    has a column there; `rep_ids` are unique. `plan_to_date` and `plan_total` (whole numbers,
    per rep in the order of `rep_ids`: the weekly plan through `week` and the whole plan) phase
    the count goals; without them the goals are the whole period's. Raises PlanError with
    `validate_kpis`' problems when tblKPIs has any.
    """
    problems = validate_kpis(kpis)
    if problems:
        raise PlanError(problems)
    if not 0 <= week <= weeks:
        raise ValueError(f"week {week} is outside the period (0 to {weeks})")
    table = _table(kpis)
    ids = pd.Index(list(rep_ids), dtype=object)
    if measured is None:
        measured = pd.DataFrame(columns=["rep_id", "week", "kpi", "value"])
    keys = _keys(measured["kpi"])
    table["measured"] = table["key"].isin(set(keys))
    n_reps, n_kpis = len(ids), len(table)

    actual = _actuals(table, measured, keys, ids, week)
    floor, target, challenge = (table[t].to_numpy(float)[None, :] for t in _TIERS)
    # a goal to date is goal × done / whole (reps × KPIs)
    done, whole = _phase(table, n_reps, plan_to_date, plan_total)
    due = target * done > 0  # nothing due yet: no achievement, no tier
    scaled = actual * whole  # actual ≥ goal × done / whole  ⇔  actual × whole ≥ goal × done
    tier = np.select(
        [~due, scaled >= challenge * done, scaled >= target * done, scaled >= floor * done],
        ["", "challenge", "target", "floor"],
        "",
    ).astype(object)
    target_to_date = target * done / whole
    achievement = np.divide(
        actual, target_to_date, out=np.full(actual.shape, np.nan), where=due & ~np.isnan(actual)
    )
    cap = np.where(np.isnan(challenge), 1.0, challenge / target)

    is_measured = table["measured"].to_numpy()
    weight = np.where(is_measured, np.nan_to_num(table["weight"].to_numpy(float)), 0.0)
    total = float(weight.sum())
    share = weight / total if total > 0 else np.zeros(n_kpis)
    points = share[None, :] * np.minimum(np.nan_to_num(achievement, nan=0.0), cap)

    rows = pd.DataFrame(
        {
            "rep_id": np.repeat(ids.to_numpy(), n_kpis),
            "kpi": np.tile(table["kpi"].to_numpy(object), n_reps),
            "unit": np.tile(table["unit"].to_numpy(object), n_reps),
            "actual": actual.ravel(),
            "floor": np.tile(floor[0], n_reps),
            "target": np.tile(target[0], n_reps),
            "challenge": np.tile(challenge[0], n_reps),
            "target_to_date": np.broadcast_to(target_to_date, (n_reps, n_kpis)).ravel(),
            "achievement": achievement.ravel(),
            "tier": tier.ravel(),
            "weight": np.tile(share, n_reps),
            "points": points.ravel(),
        }
    )
    scores = pd.DataFrame(
        {
            "rep_id": ids.to_numpy(),
            "score": points.sum(axis=1) if total > 0 else np.full(n_reps, np.nan),
            "kpis_at_target": np.isin(tier, AT_TARGET).sum(axis=1).astype(np.int64),
        }
    )
    return Scorecard(rows, scores, tuple(_notes(table, total)))


def validate_kpis(kpis: pd.DataFrame) -> list[Problem]:
    """tblKPIs rows a sales manager must fix before a KPI can be scored."""
    if kpis is None or kpis.empty:
        return []
    table = _table(kpis)
    problems: list[Problem] = []

    def problem(position: int, key: str, message: Message, hint: Message) -> None:
        problems.append(Problem(*at_row(kpis, position, key, "KPIs"), message, hint))

    first: dict[str, int] = {}
    for position, row in enumerate(table.itertuples(index=False)):
        what = said("kpi_named", kpi=row.kpi) if row.kpi else said("kpi_unnamed")
        if not row.kpi:
            problem(
                position,
                "kpi",
                said("kpi_name_blank"),
                said("kpi_name_blank_hint"),
            )
        elif row.key in first:
            earlier = at_row(kpis, first[row.key], "kpi", "KPIs")[1]
            problem(
                position,
                "kpi",
                said("kpi_twice", kpi=row.kpi, earlier=earlier)
                if earlier
                else said("kpi_twice_earlier_row", kpi=row.kpi),
                said("kpi_twice_hint"),
            )
        else:
            first[row.key] = position
        if row.weight < 0:
            problem(
                position,
                "weight",
                said("kpi_negative", column="Weight", what=what, value=row.weight),
                said("kpi_weight_negative_hint"),
            )
        if np.isnan(row.target):
            problem(
                position,
                "target",
                said("kpi_no_target", what=what),
                said("kpi_no_target_hint"),
            )
        elif row.target <= 0:
            problem(
                position,
                "target",
                said("kpi_target_not_above_zero", what=what, value=row.target),
                said("kpi_target_not_above_zero_hint"),
            )
        for tier in ("floor", "challenge"):
            value, label = getattr(row, tier), tier.capitalize()
            if value < 0:
                problem(
                    position,
                    tier,
                    said("kpi_negative", column=label, what=what, value=value),
                    said("kpi_tier_negative_hint", column=label),
                )
            elif row.target > 0 and tier == "floor" and value > row.target:
                problem(
                    position,
                    tier,
                    said("kpi_floor_above_target", what=what, value=value, target=row.target),
                    said("kpi_floor_above_target_hint", target=row.target),
                )
            elif row.target > 0 and tier == "challenge" and value < row.target:
                problem(
                    position,
                    tier,
                    said("kpi_challenge_below_target", what=what, value=value, target=row.target),
                    said("kpi_challenge_below_target_hint", target=row.target),
                )
    if not (table["weight"] > 0).any():
        problem(
            0,
            "weight",
            said("kpi_no_weight"),
            said("kpi_no_weight_hint"),
        )
    return problems


# --- internals -------------------------------------------------------------------------


def _table(kpis: pd.DataFrame) -> pd.DataFrame:
    """tblKPIs with names stripped, numbers as floats (blank = NaN), units as text."""
    n = len(kpis)

    def column(key: str) -> pd.Series:
        return kpis[key].reset_index(drop=True) if key in kpis else pd.Series([None] * n)

    names = column("kpi").map(lambda v: "" if _blank(v) else str(v).strip())
    units = column("unit").map(lambda v: "" if _blank(v) else str(v).strip())
    out = pd.DataFrame({"kpi": names, "key": _keys(names), "unit": units})
    for key in ("weight", *_TIERS):
        out[key] = pd.to_numeric(column(key), errors="coerce").astype(float)
    out["rate"] = units.map(lambda u: any(sign in u for sign in PERCENT_SIGNS)).astype(bool)
    return out


def _phase(
    table: pd.DataFrame, n_reps: int, plan_to_date, plan_total
) -> tuple[np.ndarray, np.ndarray]:
    """reps × KPIs (done, whole): a goal to date is goal × done / whole; 1 / 1 for a rate and
    without a plan; 0 / 1 for a rep whose whole plan is 0."""
    n_kpis = len(table)
    if plan_to_date is None:
        return np.ones((n_reps, n_kpis)), np.ones((n_reps, n_kpis))
    done = np.asarray(plan_to_date, dtype=float)
    whole = np.asarray(plan_total, dtype=float)
    done, whole = np.where(whole > 0, done, 0.0), np.where(whole > 0, whole, 1.0)
    rate = table["rate"].to_numpy(bool)[None, :]
    return np.where(rate, 1.0, done[:, None]), np.where(rate, 1.0, whole[:, None])


def _actuals(
    table: pd.DataFrame, measured: pd.DataFrame, keys: pd.Series, ids: pd.Index, week: int
) -> np.ndarray:
    """reps × KPIs: counts summed to `week`, rates at their latest week with a value."""
    n_reps, n_kpis = len(ids), len(table)
    position = pd.Series(np.arange(n_kpis), index=table["key"])
    week_no = pd.to_numeric(measured["week"], errors="coerce")
    keep = (
        measured["rep_id"].isin(ids)
        & keys.isin(position.index)
        & week_no.between(1, week)
        & (week_no == week_no.round())
    ).to_numpy()
    kpi = keys[keep].map(position).to_numpy(np.int64)
    frame = pd.DataFrame(
        {
            "cell": ids.get_indexer(measured["rep_id"][keep]) * n_kpis + kpi,
            "rate": table["rate"].to_numpy()[kpi],
            "week": week_no[keep].to_numpy(),
            "value": pd.to_numeric(measured["value"][keep], errors="coerce").to_numpy(float),
        }
    )
    counts = frame[~frame["rate"]].groupby("cell")["value"].sum()  # NaN (blank) adds 0
    rates = frame[frame["rate"]].dropna(subset=["value"]).sort_values("week", kind="stable")
    latest = rates.groupby("cell")["value"].last()

    actual = np.full((n_reps, n_kpis), np.nan)
    actual[:, (~table["rate"] & table["measured"]).to_numpy()] = 0.0
    flat = actual.reshape(-1)
    for found in (counts, latest):
        flat[found.index.to_numpy(np.int64)] = found.to_numpy(float)
    return actual


def _notes(table: pd.DataFrame, total: float) -> list[Message]:
    notes = [
        said("note_kpi_not_measured", kpi=name) for name in table.loc[~table["measured"], "kpi"]
    ]
    every = bool(table["measured"].all())
    if total <= 0:
        notes.append(said("note_kpi_no_score"))
    elif abs(total - 1.0) > 1e-9:
        which = "note_kpi_weights" if every else "note_kpi_measured_weights"
        notes.append(said(which, total=total))
    return notes


def _key(name) -> str:
    """A KPI name as matched: case and surrounding spaces do not count."""
    return "" if _blank(name) else str(name).strip().casefold()


def _keys(names: pd.Series) -> pd.Series:
    """_key of each name, each distinct name read once: the measured values are one row per
    tblActuals row and KPI, a few names over hundreds of thousands of rows."""
    codes, distinct = pd.factorize(names.astype(object))  # -1: blank
    read = np.array([*map(_key, distinct), ""], dtype=object)
    return pd.Series(read[codes], index=names.index, dtype=object)


def _blank(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))
