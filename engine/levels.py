"""What a rep's Level does (SPEC §3; tblReps Level: senior, standard, new).

- new: measured against a ramp, not a full rep: the target is NewRepTargetPct of an average
  rep's (with RampProfile, month by month of tenure instead), and the floor is NewRepFloorPct
  of the rep's own target (everyone else's: FloorPct).
- senior: held mainly to the challenge tier: a senior with no history in the share window is
  rated CapabilityTop, not Mid. A senior with history is rated from it, like everyone.
- standard: nothing; a blank Level is standard.
A Capability typed in tblReps wins over any rating. The run log names the reps whose Level
changed nothing (standard; senior rated from history or by a typed Capability), so a user who
typed `senior` expecting more sees that it did not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.calendar import months_between, week_starts
from engine.money import scale
from engine.plan import Plan
from engine.problems import Message, listed, said
from engine.settings import Settings

SENIOR, STANDARD, NEW = "senior", "standard", "new"
MOST_LISTED = 10  # RepIDs a note names before "… and N more"


def ramp(plan: Plan) -> np.ndarray:
    """reps × weeks: a rep's expected output in each week relative to a full rep — 1, but a
    new rep's NewRepTargetPct, or with RampProfile the profile's value for the month of tenure
    (a new rep without StartDate: NewRepTargetPct)."""
    s = plan.settings
    reps = plan.reps
    is_new = (reps["level"] == NEW).to_numpy()[:, None]
    pct = float(s["NewRepTargetPct"])
    ones = np.ones((len(reps), s.weeks))
    profile = s["RampProfile"]
    if not profile:
        return np.where(is_new, pct, ones)
    thursdays = week_starts(s.period_start, s.weeks) + pd.Timedelta(days=3)
    values = np.asarray([float(p) for p in profile])
    tenure = np.column_stack([months_between(reps.get("start_date"), t) for t in thursdays])
    ramped = values[np.clip(np.nan_to_num(tenure, nan=0), 0, len(values) - 1).astype(int)]
    return np.where(is_new, np.where(np.isnan(tenure), pct, ramped), ones)


def floor_units(units: np.ndarray, levels: pd.Series, settings: Settings) -> np.ndarray:
    """Each rep's floor in RoundTo units: NewRepFloorPct of a new rep's target, FloorPct of
    anyone else's (rounded half up)."""
    is_new = (levels == NEW).to_numpy()
    return np.where(
        is_new, scale(units, settings["NewRepFloorPct"]), scale(units, settings["FloorPct"])
    )


def without_history(levels: pd.Series, settings: Settings) -> pd.Series:
    """The capability of reps with no history to rank: CapabilityTop for a senior, else
    CapabilityMid."""
    top, mid = float(settings["CapabilityTop"]), float(settings["CapabilityMid"])
    return pd.Series(np.where(levels == SENIOR, top, mid), index=levels.index)


def changed_nothing(reps: pd.DataFrame, rated: pd.Series) -> list[Message]:
    """The run log's note naming the reps whose Level changed nothing: standard reps, and
    seniors `rated` from history or with a Capability typed; no note when there are none.

    A blank Level is not listed: the user did not ask for anything."""
    level = reps["level"]
    typed = reps["capability"].notna()
    idle = (level == STANDARD) | ((level == SENIOR) & (rated.to_numpy() | typed))
    ids = reps.loc[idle, "rep_id"].astype(str).tolist()
    if not ids:
        return []
    return [said("level_changed_nothing", n=len(ids), reps=listed(ids, MOST_LISTED))]
