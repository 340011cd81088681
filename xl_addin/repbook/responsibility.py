"""What goes into each rep's target responsibility workbook (SPEC §8), as plain data.

`rep_books(progress, plan)` picks, for every rep, only that rep's numbers: nothing about
any other rep reaches a RepBook, so nothing about them can reach the workbook rendered from
it (render.py). The region roll-ups are rollup.py's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from engine.calendar import week_months, week_quarters, week_starts
from engine.commission import commission, rates_from_table
from engine.forecast import project
from engine.phasing import is_annual
from engine.plan import Plan
from engine.progress import Progress
from engine.tracking import alert_status, phase_floor

# The custom document properties of a responsibility workbook that say whose it is.
MARKER_PLAN, MARKER_REP = "salesplan.plan", "salesplan.rep"
MARKER_PERIOD, MARKER_VERSION = "salesplan.period", "salesplan.version"
# The defined name of the Letter's acceptance cell (the date the rep accepted the plan).
ACCEPTED_NAME = "salesplan_accepted"


def period_marker(start: dt.date, weeks: int) -> str:
    """A period as the marker writes it: its first day and its weeks, `2026-10-05/13`."""
    return f"{start:%Y-%m-%d}/{weeks}"


@dataclass(frozen=True)
class Standing:
    """Where the rep stands with the actuals issued in the workbook, by the engine's rules: what
    the Actuals sheet's summary formulas compute for them, stored with the formulas so that a
    reader that does not recalculate shows the right numbers. Money in integer cents."""

    latest_week: int  # the rep's last week with an amount (0 before the first)
    to_date: int
    plan_to_date: int
    floor_to_date: int
    status: str  # engine.tracking.RED, AMBER or GREEN
    tier: str  # "" below floor
    rate: Decimal
    commission: int
    next_tier: str  # "" at challenge
    to_next_tier: int
    commission_at_next_tier: int


@dataclass(frozen=True)
class Forecast:
    """Where the rep lands at their pace so far and what that pays (engine.forecast.project at
    the rep's own latest week, paid by engine.commission): what the Actuals sheet's forecast
    formulas compute, stored with them. Money in integer cents."""

    projected: int
    tier: str  # "" below floor
    commission: int
    next_tier: str  # "" at challenge
    to_next_tier: int
    commission_at_next_tier: int


@dataclass(frozen=True)
class RepBook:
    rep_id: str
    name: str
    region: str
    manager: str
    email: str
    locale: str
    version: int
    period_start: dt.date
    period_end: dt.date  # the last day of the period
    unit: int  # display unit: 1 yuan, 10000 万元
    floor: int  # whole yuan
    target: int
    challenge: int
    original_target: int | None  # when a recalibration changed the target
    weeks: tuple[dt.date, ...]  # each week's Monday
    months: tuple[str, ...]  # each week's month (2026-10)
    plan: tuple[int, ...]  # weekly target plan, yuan
    floor_plan: tuple[int, ...]  # the floor phased like the plan
    products: tuple[tuple[str, int], ...]  # (product, target)
    customer_types: tuple[tuple[str, int], ...]
    kpis: tuple[tuple, ...]  # (KPI, weight, floor, target, challenge, unit)
    rates: tuple[tuple[str, Decimal], ...]  # (tier, rate) floor, target, challenge
    mode: str  # retroactive or marginal
    cap: Decimal | None  # CommissionCap, yuan
    red_below: Decimal
    actuals: tuple[tuple, ...] = ()  # per week: (amount in cents, visits, demos, deals,
    # new customers), None where tblActuals has nothing; () when the rep has no rows yet
    plan_id: str = ""  # the plan's PlanID, in the workbook's marker (see marker())
    standing: Standing | None = None  # with `actuals` (rep_books always sets it)
    forecast: Forecast | None = None  # likewise
    # the gross-profit target (whole yuan) and each product's part of it, when the plan has a
    # Margin (engine/margin.py); None and () otherwise
    gross_profit: int | None = None
    product_gross_profit: tuple[tuple[str, int], ...] = ()
    # each week's quarter (2027-Q1) in an annual plan, whose Plan sheet sums the months into
    # quarters; () in a shorter plan
    quarters: tuple[str, ...] = ()
    # with a Holidays country: the holidays in each week ("" for none), beside its plan
    holidays: tuple[str, ...] = ()
    phase_by: str = "weeks"  # PhaseBy: quarters puts year → quarter → month on the letter

    @property
    def period(self) -> str:
        return f"{self.period_start:%Y-%m-%d}"

    def marker(self) -> dict[str, object]:
        """What says whose workbook this is, as custom document properties: the plan, the rep,
        the period (its first day and weeks) and the plan's version; `collect` checks them."""
        return {
            MARKER_PLAN: self.plan_id,
            MARKER_REP: self.rep_id,
            MARKER_PERIOD: period_marker(self.period_start, len(self.weeks)),
            MARKER_VERSION: self.version,
        }

    @property
    def file_name(self) -> str:
        """The name wanted for the rep's file; `issue` makes it unique among the files it
        writes (`unique_file_names`)."""
        return rep_file_name(self.rep_id, self.name, self.period_start)


def rep_books(p: Progress, plan: Plan) -> list[RepBook]:
    """One RepBook per rep of the decomposition, in its order."""
    s = plan.settings
    d = p.decomposition
    t = d.targets.reset_index(drop=True)
    # each rep's manager and e-mail, found for all reps at once (a row looked up per rep
    # copies the table's attributes each time: seconds at 20,000 reps)
    info = plan.reps.drop_duplicates("rep_id").set_index("rep_id")
    managers, emails = (
        info[c].reindex(t["rep_id"]).tolist() if c in info else [None] * len(t)
        for c in ("manager", "email")
    )
    weekly = d.weekly.to_numpy(dtype=np.int64)
    floors = phase_floor(t["floor"].to_numpy(dtype=np.int64), weekly)
    starts = tuple(x.date() for x in week_starts(s.period_start, s.weeks))
    months = tuple(week_months(s.period_start, s.weeks))
    quarters = tuple(week_quarters(s.period_start, s.weeks)) if is_annual(s.weeks) else ()
    holidays = () if d.work_weeks is None else tuple(d.work_weeks["holidays"])
    products = _parts(d.breakdown, "product")
    customer_types = _parts(d.breakdown, "customer_type")
    margin = "gross_profit" in t
    product_gp = _parts(d.breakdown, "product", "gross_profit") if margin else {}
    rates = rates_from_table(plan.commission)
    rate_rows = tuple((tier, rates[tier]) for tier in ("floor", "target", "challenge"))
    kpis = _kpis(plan)
    cap = s["CommissionCap"]
    version = int(d.team.get("version", s["Version"]))
    has_original = "original_target" in t
    typed = _typed(plan, t["rep_id"].to_numpy(), s.weeks)
    cells = _cells(typed)
    standings, forecasts = _standings(t, typed[:, :, 0], weekly, floors, plan)
    # the same for every rep: looked up once
    same = {
        "locale": s.locale,
        "version": version,
        "period_start": s.period_start,
        "period_end": s.period_start + dt.timedelta(weeks=s.weeks, days=-1),
        "unit": int(s["Unit"]),
        "weeks": starts,
        "months": months,
        "kpis": kpis,
        "rates": rate_rows,
        "mode": s["CommissionMode"],
        "cap": Decimal(cap) if cap is not None else None,
        "red_below": Decimal(s["RedBelow"]),
        "plan_id": text(s["PlanID"]),
        "quarters": quarters,
        "holidays": holidays,
        "phase_by": s["PhaseBy"],
    }
    plans, floor_plans = weekly.tolist(), floors.tolist()
    out = []
    for i, rep in enumerate(t.itertuples(index=False)):
        original = int(rep.original_target) if has_original else None
        out.append(
            RepBook(
                rep_id=str(rep.rep_id),
                name=str(rep.name),
                region=str(rep.region),
                manager=text(managers[i]),
                email=text(emails[i]),
                floor=int(rep.floor),
                target=int(rep.target),
                challenge=int(rep.challenge),
                original_target=original if original != int(rep.target) else None,
                plan=tuple(plans[i]),
                floor_plan=tuple(floor_plans[i]),
                products=products.get(rep.rep_id, ()),
                customer_types=customer_types.get(rep.rep_id, ()),
                actuals=cells[i],
                standing=standings[i],
                forecast=forecasts[i],
                gross_profit=int(rep.gross_profit) if margin else None,
                product_gross_profit=product_gp.get(rep.rep_id, ()),
                **same,
            )
        )
    return out


ACTIVITY = ("visits", "demos", "deals", "new_customers")


def _typed(plan: Plan, ids, weeks: int) -> np.ndarray:
    """reps × weeks × (amount in cents, visits, demos, deals, new customers) of tblActuals,
    NaN where nothing was entered; so a workbook issued mid-period starts where the plan is."""
    out = np.full((len(ids), weeks, 1 + len(ACTIVITY)), np.nan)
    a = plan.actuals
    if a is None or a.empty:
        return out
    a = a[a["week"].between(1, weeks) & a["rep_id"].isin(ids)]
    keys = ["amount_cents", *ACTIVITY]
    sums = a.groupby(["rep_id", "week"])[[c for c in keys if c in a]].sum(min_count=1)
    sums = sums.reindex(columns=keys)
    rep = pd.Index(ids).get_indexer(sums.index.get_level_values(0))
    week = sums.index.get_level_values(1).to_numpy(dtype=np.int64) - 1
    out[rep, week] = sums.to_numpy(dtype=float)
    return out


def _standings(t, amounts, weekly, floors, plan: Plan) -> tuple[list[Standing], list[Forecast]]:
    """Each rep's Standing and Forecast with their typed amounts (cents, NaN where blank), as
    the workbook's formulas take them: up to the rep's own last week with an amount, whatever
    other reps did. For all reps at once: the projection once per distinct last week."""
    typed = ~np.isnan(amounts)
    n = amounts.shape[1]
    latest = np.where(typed.any(axis=1), n - np.argmax(typed[:, ::-1], axis=1), 0)
    to_date = np.nansum(amounts, axis=1).astype(np.int64)
    rows = np.arange(len(latest))

    def through(weekly_amounts: np.ndarray) -> np.ndarray:
        cumulative = np.concatenate(
            [np.zeros((len(rows), 1), np.int64), np.cumsum(weekly_amounts, axis=1)], axis=1
        )
        return cumulative[rows, latest] * 100

    plan_to_date, floor_to_date = through(weekly), through(floors)
    s = plan.settings
    status = alert_status(to_date, plan_to_date, floor_to_date, s["RedBelow"])
    cap = s["CommissionCap"]
    rates = rates_from_table(plan.commission)
    cap_cents = int(Decimal(cap) * 100) if cap is not None else None
    ids = t["rep_id"].to_numpy()
    pay = commission(t, pd.Series(to_date, index=ids), rates, s["CommissionMode"], cap_cents)
    projected = np.zeros(len(latest), np.int64)
    cents = np.asarray(weekly, dtype=np.int64) * 100
    for week in np.unique(latest):
        mine = latest == week
        projected[mine] = project(
            cents[mine], to_date[mine], int(week), np.full(mine.sum(), week > 0)
        )[0]
    at_pace = commission(t, pd.Series(projected, index=ids), rates, s["CommissionMode"], cap_cents)
    standings = [
        Standing(
            int(latest[i]),
            int(to_date[i]),
            int(plan_to_date[i]),
            int(floor_to_date[i]),
            str(status[i]),
            str(r.tier),
            Decimal(r.rate),
            int(r.commission),
            str(r.next_tier),
            int(r.to_next_tier),
            int(r.commission_at_next_tier),
        )  # fmt: skip
        for i, r in enumerate(pay.itertuples(index=False))
    ]
    forecasts = [
        Forecast(
            int(projected[i]),
            str(r.tier),
            int(r.commission),
            str(r.next_tier),
            int(r.to_next_tier),
            int(r.commission_at_next_tier),
        )  # fmt: skip
        for i, r in enumerate(at_pace.itertuples(index=False))
    ]
    return standings, forecasts


def _cells(typed: np.ndarray) -> list[tuple[tuple, ...]]:
    """Each rep's weeks as typed (reps × weeks × values, NaN where blank) as tuples of
    integers, None where blank; () for a rep with nothing typed. For all reps at once."""
    blank = np.isnan(typed)
    values = np.where(blank, 0, typed).astype(np.int64).astype(object)
    values[blank] = None
    nothing = blank.all(axis=(1, 2))
    return [
        () if nothing[i] else tuple(map(tuple, weeks)) for i, weeks in enumerate(values.tolist())
    ]


def _parts(
    breakdown: pd.DataFrame, key: str, amount: str = "target"
) -> dict[str, tuple[tuple[str, int], ...]]:
    sums = breakdown.groupby(["rep_id", key], sort=False)[amount].sum()
    reps = sums.index.get_level_values(0).tolist()
    parts = [str(p) for p in sums.index.get_level_values(1).tolist()]
    out: dict[str, list] = {}
    for rep, part, total in zip(reps, parts, sums.to_numpy(dtype=np.int64).tolist(), strict=True):
        out.setdefault(rep, []).append((part, total))
    return {rep: tuple(parts) for rep, parts in out.items()}


def _kpis(plan: Plan) -> tuple[tuple, ...]:
    k = plan.kpis
    if k is None or k.empty:
        return ()
    rows = []
    for r in k.itertuples(index=False):
        rows.append(
            (
                str(r.kpi),
                float(r.weight),
                *(None if pd.isna(v) else float(v) for v in (r.floor, r.target, r.challenge)),
                text(r.unit),
            )
        )
    return tuple(rows)


def text(value) -> str:
    """A cell's value as text; a blank one as ""."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def safe_name(name: str) -> str:
    """A name usable in a file name on Windows, macOS and Linux (Chinese kept)."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", str(name)).strip(" .")
    return cleaned[:60] or "_"


def rep_file_name(rep_id: str, name: str, period_start: dt.date) -> str:
    """`S001_Zhang Wei_2026-10-05.xlsx`: the RepID first, so a folder lists reps in order."""
    return f"{safe_name(rep_id)}_{safe_name(name)}_{period_start:%Y-%m-%d}.xlsx"


@dataclass(frozen=True)
class Clash:
    """Recipients whose files would have had one name (`wanted`) on Windows or macOS: a file
    name cannot hold some of their characters (`N/01`, `N:01`), or differs only in case. Each
    file's name got a code from its RepID (or region) instead; `files` says which."""

    wanted: str
    files: tuple[tuple[str, str, str, str], ...]  # (kind, RepID or region, name, file)


def file_key(name: str) -> str:
    """What a file system that ignores case (Windows, macOS) sees of a file name."""
    return unicodedata.normalize("NFC", name).casefold()


def unique_file_names(
    wanted: dict[tuple[str, str], tuple[str, str]],
) -> tuple[dict[tuple[str, str], str], list[Clash]]:
    """Every recipient's own file name, and the clashes resolved.

    `wanted`: (kind, RepID or region) -> (its name, the file name it wants). Files whose names
    are one ignoring case (and Unicode normal form) all end in `_` and the first hex digits of
    the SHA-256 of their RepID or region, at least six, as many as tell them apart; the same
    recipients always get the same names, whatever their order.
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, (_, file) in wanted.items():
        groups.setdefault(file_key(file), []).append(key)
    out = {key: file for key, (_, file) in wanted.items()}
    clashes = []
    for keys in groups.values():
        if len(keys) < 2:
            continue
        keys = sorted(keys)
        digests = {k: hashlib.sha256(k[1].encode("utf-8")).hexdigest() for k in keys}
        for n in range(6, 65):
            if len({digests[k][:n] for k in keys}) == len(keys):
                break
        for position, k in enumerate(keys):
            stem, dot, suffix = wanted[k][1].rpartition(".")
            code = digests[k][:n]
            if sum(digests[o][:n] == code for o in keys) > 1:  # one ident for two kinds
                code += f"-{position + 1}"
            out[k] = f"{stem}_{code}{dot}{suffix}"
        clashes.append(Clash(wanted[keys[0]][1], tuple((*k, wanted[k][0], out[k]) for k in keys)))
    if len({file_key(f) for f in out.values()}) != len(out):  # every wanted name ends _date.xlsx
        raise AssertionError(f"file names still clash: {sorted(out.values())}")
    return out, clashes
