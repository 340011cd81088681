"""Worksheet functions (SPEC §9), each a thin call into engine/ through xlwings' UDF machinery.

Every argument arrives as a 2-D list (`ndim=2`): one cell is [[v]], a column [[v1], [v2], …].
Cells are read as the planning workbook's are (xl_addin/workbook/coerce.py): blanks, "1,400", "30%",
full-width digits; a fraction typed over 1 is a percentage (30 is 30 %), as in tblSettings.
Excel errors arrive as text (`err_to_str`), so "#N/A" is named, not taken for a blank.

A function returns one row per row of its longest argument; every other argument is one cell
or has as many rows (or cells, for a row range, and then the result is a row). A blank in the
argument a row is about (sales, to_date, target, remaining) gives a blank in that row. An
argument a function cannot use gives one text cell, "salesplan: <argument> …", never a
traceback. Excel 365/2021 spill the result; in Excel 2016/2019 enter it as an array formula
over the output cells. Money goes into the engine as Decimal or integer cents and comes back
as floats only here, at the end.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
import xlwings as xw

from engine import commission, money, phasing, targets, tracking
from engine.settings import SPECS
from xl_addin.messages import text
from xl_addin.sheets.labels import label
from xl_addin.workbook import coerce
from xl_addin.workbook.reader import out_of_range, shown

Cells = list[list[Any]]  # a range (or one value) as xlwings passes it with ndim=2
Omittable = Any  # a range, or None when the argument is left out (xlwings passes the default)

CATEGORY = "salesplan"
PERIOD_WEEKS = int(SPECS["PeriodWeeks"][1])  # weeks of an even spread without a rhythm
RED_BELOW = SPECS["RedBelow"][1]
MODES = {m: m for m in commission.MODES} | {
    label(m, "zh-CN").split("（")[0]: m for m in commission.MODES
}  # retroactive, marginal, or their Chinese names (全额累进, 超额分段)


class ArgumentError(ValueError):
    """An argument a worksheet function cannot use; the message names it and says why."""


def _cells(name: str, doc: str):
    """@xw.arg for a range argument: always 2-D, Excel errors as their text."""
    return xw.arg(name, ndim=2, err_to_str=True, doc=doc)


def _readable(function):
    """A cell shows "salesplan: …" for a bad argument or a failure, never a traceback."""

    @functools.wraps(function)
    def wrapper(*args):
        try:
            return function(*args)
        except ArgumentError as error:
            return _text(f"salesplan: {error}")
        except Exception as error:  # whatever it is, the cell says it in words
            return _text(f"salesplan: {function.__name__} failed: {error}")

    return wrapper


# --- the functions --------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@_cells("team_target", "Team (or region) target, an amount")
@_cells("headcount", "Number of reps sharing it, above 0")
@_cells("capability", "Capability coefficient: one cell, or a column (one row per rep)")
@_cells("resource", "Resource coefficient: one cell, or a column (one row per rep)")
@xw.ret(np.ndarray)
@_readable
def CAPACITY_TARGET(
    team_target: Cells, headcount: Cells, capability: Cells, resource: Cells
) -> np.ndarray:
    """A rep's target from capacity: team_target / headcount × capability × resource.

    With one capability and one resource (cells) it is the seed formula of a rep's target, to the cent
    (1,400, 8, 1.2, 1.1 → 231); team_target and headcount may then be columns (one seed per
    row). With a column of capability or resource (more than one row) it is one whole-unit
    target per row, in proportion to capability × resource and summing to team_target exactly
    (largest remainder; ties to the earlier row); team_target must then be one whole amount,
    and headcount cancels out (it must still be above 0). A blank coefficient is 1 (Mid,
    standard territory).
    """
    team = _numbers("team_target", team_target)
    heads = _numbers("headcount", headcount)
    cap = _numbers("capability", capability)
    res = _numbers("resource", resource)
    _check(heads, heads.values > 0, "must be above 0", blank_too=True)
    cap, res = cap.filled(1.0), res.filled(1.0)
    _check(cap, cap.values > 0, "must be above 0", "type a coefficient like 1.1")
    _check(res, res.values > 0, "must be above 0", "type a coefficient like 1.1")
    _check(team, team.values >= 0, "must be 0 or more")
    if len(cap) > 1 or len(res) > 1:
        for arg in (team, heads):
            _one_cell(arg, " when capability or resource is a column")
        n = _rows(cap, res)
        if team.blank[0]:
            raise ArgumentError("team_target is blank")
        total = int(money.to_cents(team.values)[0])
        if total % 100:
            raise ArgumentError(
                f"team_target {_amount(total)} must be a whole amount to split it into whole units"
            )
        units = targets.capacity_split(total // 100, cap.rows(n), res.rows(n))
        return _shaped(units.astype(np.float64), _like(cap, res))
    n = _rows(team, heads, cap, res)
    team_cents = money.to_cents(team.filled(0).rows(n))
    out = np.full(n, np.nan)
    for i in np.flatnonzero(~team.blank_rows(n)):
        seed = targets.capacity_target(
            Decimal(int(team_cents[i])) / 100,
            _decimal(heads.rows(n)[i]),
            _decimal(cap.rows(n)[i]),
            _decimal(res.rows(n)[i]),
        )
        out[i] = _to_cent(seed)
    return _shaped(out, _like(team, heads, cap, res))


@xw.func(category=CATEGORY)
@_cells("baseline", "Baseline B: last period's sales, an amount")
@_cells("growth", "Expected market growth, e.g. 25% (blank is 0)")
@_cells("buffer", "Uncertainty buffer, e.g. 4% (blank is 0)")
@xw.ret(np.ndarray)
@_readable
def TEAM_TARGET(baseline: Cells, growth: Cells, buffer: Cells) -> np.ndarray:
    """The team target T = baseline × (1 + growth) × (1 − buffer), exact, to the cent.

    E.g. TEAM_TARGET(2000000, 25%, 4%) = 2,400,000. Growth and buffer read as tblSettings'
    MarketGrowth and Buffer (30 is 30 %; growth above -100 %, buffer from 0 to below 100 %); a
    blank is 0. Not rounded to RoundTo: ROUND it in the sheet if you want that.
    """
    base = _numbers("baseline", baseline)
    grow = _numbers("growth", growth, fraction=True).filled(0.0)
    buff = _numbers("buffer", buffer, fraction=True).filled(0.0)
    _check(base, base.values >= 0, "must be 0 or more")
    _setting(grow, "MarketGrowth")
    _setting(buff, "Buffer")
    n = _rows(base, grow, buff)
    cents = money.to_cents(base.filled(0).rows(n))
    out = np.full(n, np.nan)
    for i in np.flatnonzero(~base.blank_rows(n)):
        t = targets.target_from_baseline(
            Decimal(int(cents[i])) / 100, _decimal(grow.rows(n)[i]), _decimal(buff.rows(n)[i])
        )
        out[i] = _to_cent(t)
    return _shaped(out, _like(base, grow, buff))


@xw.func(category=CATEGORY)
@_cells("sales", "Sales to date: one cell or a column (one row per rep)")
@_cells("floor", "Floor amount: one cell, or a column like sales")
@_cells("target", "Target amount: one cell, or a column like sales")
@_cells("challenge", "Challenge amount: one cell, or a column like sales")
@_cells("rates", "3 cells: the floor, target and challenge rates, e.g. 1%, 1.5%, 2%")
@_cells("mode", "retroactive (default) or marginal")
@xw.ret(np.ndarray)
@_readable
def TIER_COMMISSION(
    sales: Cells,
    floor: Cells,
    target: Cells,
    challenge: Cells,
    rates: Cells,
    mode: Omittable = None,
) -> np.ndarray:
    """Commission on sales by tier, retroactive or marginal, to the cent.

    Tier reached: the highest of floor/target/challenge the sales reach (exactly, in cents);
    below floor nothing. retroactive: all sales at that tier's rate; marginal: up to target at
    the floor rate, target to challenge at the target rate, above at the challenge rate. E.g.
    rates 1%/1.5%/2%, tiers 900,000/1,000,000/1,150,000 and sales 1,200,000 pay 24,000
    retroactive and 13,250 marginal. No cap and no team pool: those are team rules.
    """
    amounts = [
        _numbers(name, cells)
        for name, cells in (
            ("sales", sales),
            ("floor", floor),
            ("target", target),
            ("challenge", challenge),
        )
    ]
    sold, tiers = amounts[0], amounts[1:]
    for arg in amounts:
        _check(arg, arg.values >= 0, "must be 0 or more")
    for arg in tiers:
        _no_blanks(arg)
    schedule = _rates(rates)
    chosen = _mode(mode)
    n = _rows(*amounts)
    cents = [money.to_cents(arg.filled(0).rows(n)) for arg in amounts]
    floor_c, target_c, challenge_c = cents[1:]
    for lower, higher, (low_name, high_name) in (
        (floor_c, target_c, ("floor", "target")),
        (target_c, challenge_c, ("target", "challenge")),
    ):
        above = np.flatnonzero(lower > higher)
        if len(above):
            i = above[0]
            raise ArgumentError(
                f"{low_name}{_at(i, n)} {_amount(lower[i])} is above {high_name} "
                f"{_amount(higher[i])}; tiers go floor ≤ target ≤ challenge"
            )
    earned = commission.tier_commission(cents[0], floor_c, target_c, challenge_c, schedule, chosen)
    out = np.where(sold.blank_rows(n), np.nan, earned / 100)
    return _shaped(out, _like(*amounts))


@xw.func(category=CATEGORY)
@_cells("to_date", "Actual sales to date: one cell or a column (one row per rep)")
@_cells("floor", "Floor for the period: one cell, or a column like to_date")
@_cells("target", "Target for the period: one cell, or a column like to_date")
@_cells("week", "Latest week with actuals, 0 to the last week of the period")
@_cells("rhythm", "tblRhythm (Phase, Weeks, Share) or its Weeks and Share; blank: 13 even weeks")
@_cells("red_below", "RED below this share of the floor plan to date (blank: 80%)")
@xw.ret(np.ndarray)
@_readable
def ALERT_STATUS(
    to_date: Cells,
    floor: Cells,
    target: Cells,
    week: Cells,
    rhythm: Omittable = None,
    red_below: Omittable = None,
) -> np.ndarray:
    """RED, AMBER or GREEN for actual sales to date at a week.

    RED if to_date < red_below × the floor planned to date; else GREEN if to_date ≥ the target
    planned to date; else AMBER. The plans to date are PACE_PLAN's: the target phased by the
    rhythm in whole yuan (as on the Phasing sheet), and the floor phased like the target.
    """
    to = _numbers("to_date", to_date)
    low = _numbers("floor", floor)
    goal = _numbers("target", target)
    for arg in (to, low, goal):
        _check(arg, arg.values >= 0, "must be 0 or more")
    _no_blanks(low)
    _no_blanks(goal)
    shares, phases = _rhythm(rhythm)
    weeks = _weeks(week, len(shares))
    ratio = _numbers("red_below", red_below, fraction=True)
    _one_cell(ratio)
    red = RED_BELOW if ratio.blank[0] else _decimal(ratio.values[0])
    _setting(ratio, "RedBelow")
    n = _rows(to, low, goal, weeks)
    weekly = _weekly(goal.rows(n), shares, phases)
    floors = _whole_yuan(low.rows(n))
    at = weeks.rows(n).astype(int)
    plan_cents = _by_week(at, lambda rows, w: tracking.through_week(weekly[rows], w)) * 100
    floor_cents = (
        _by_week(at, lambda rows, w: tracking.floor_through_week(floors[rows], weekly[rows], w))
        * 100
    )
    actual = money.to_cents(to.filled(0).rows(n))
    status = tracking.alert_status(actual, plan_cents, floor_cents, red)
    out = np.where(to.blank_rows(n), None, status).astype(object)
    return _shaped(out, _like(to, low, goal, weeks))


@xw.func(category=CATEGORY)
@_cells("target", "Target for the period: one cell or a column (one row per rep)")
@_cells("week", "Week of the period, 0 to its last week")
@_cells("rhythm", "tblRhythm (Phase, Weeks, Share) or its Weeks and Share; blank: 13 even weeks")
@xw.ret(np.ndarray)
@_readable
def PACE_PLAN(target: Cells, week: Cells, rhythm: Omittable = None) -> np.ndarray:
    """The target planned to date: the weekly plan summed through `week`.

    The target is phased in whole yuan (a target with cents is rounded first), as the Phasing
    sheet: each rhythm phase gets its share (rounded by largest remainder), spread evenly over
    its weeks; without a rhythm, 13 even weeks, or give the number of weeks as the rhythm.
    """
    goal = _numbers("target", target)
    _check(goal, goal.values >= 0, "must be 0 or more")
    shares, phases = _rhythm(rhythm)
    weeks = _weeks(week, len(shares))
    n = _rows(goal, weeks)
    weekly = _weekly(goal.filled(0).rows(n), shares, phases)
    at = weeks.rows(n).astype(int)
    out = _by_week(at, lambda rows, w: tracking.through_week(weekly[rows], w)).astype(np.float64)
    out[goal.blank_rows(n)] = np.nan
    return _shaped(out, _like(goal, weeks))


@xw.func(category=CATEGORY)
@_cells("remaining", "Sales still needed: one cell or a column (one row per rep)")
@_cells("deal_size", "Average deal size, above 0")
@_cells("conversions", "Conversion from each stage to the next, first stage first, e.g. 50%; 40%")
@xw.ret(np.ndarray)
@_readable
def FUNNEL_NEED(remaining: Cells, deal_size: Cells, conversions: Cells) -> np.ndarray:
    """Funnel activity the remaining sales need, earliest stage first.

    deals = ceil(remaining / deal_size), each earlier stage = ceil(next / conversion):
    FUNNEL_NEED(600000, 50000, {0.5; 0.4}) gives 60 visits, 30 demos, 12 deals as a column.
    A column of remaining gives one row per rep with the stages across. Blank conversion
    cells are skipped; nothing remaining (or less than 0) needs nothing.
    """
    rest = _numbers("remaining", remaining)
    size = _numbers("deal_size", deal_size)
    _one_cell(size)
    _check(size, size.values > 0, "must be above 0", blank_too=True)
    conv = _numbers("conversions", conversions, fraction=True)
    _check(
        conv,
        (conv.values > 0) & (conv.values <= 1),
        "must be above 0 and at most 100%",
        "type a rate like 0.4 or 40%",
    )
    rates = conv.values[~conv.blank]
    need = phasing.funnel_need(rest.filled(0).values, float(size.values[0]), rates.tolist())
    stages = np.column_stack(need[::-1]).astype(np.float64)  # earliest stage first
    stages[rest.blank] = np.nan
    return stages.T if len(rest) == 1 else stages


@xw.func(category=CATEGORY)
@_cells("total", "The amount to split, 0 or more")
@_cells("weights", "One weight per row (blank is 0)")
@_cells("round_to", "Every part a multiple of this (blank: 1)")
@_cells("held", "Optional: a number keeps that row at that amount; blank rows share the rest")
@xw.ret(np.ndarray)
@_readable
def ALLOCATE(
    total: Cells, weights: Cells, round_to: Omittable = None, held: Omittable = None
) -> np.ndarray:
    """Split total in proportion to weights so the parts add up to total exactly.

    Largest remainder in multiples of round_to, ties to the earlier row (engine.money.allocate,
    as every split salesplan makes). A held row keeps its number; the blank rows share the rest
    by weight: total 100, weights 10/20/30, held blank/20/blank gives 20/20/60.
    """
    whole = _numbers("total", total)
    _one_cell(whole)
    _check(whole, whole.values >= 0, "must be 0 or more", blank_too=True)
    parts = _numbers("weights", weights).filled(0.0)
    _check(parts, parts.values >= 0, "must be 0 or more")
    step = _numbers("round_to", round_to)
    _one_cell(step)
    step_cents = 100 if step.blank[0] else int(money.to_cents(step.values)[0])
    if step_cents < 1:
        raise ArgumentError(f"round_to {shown(step.values[0])} must be at least 0.01")
    total_cents = int(money.to_cents(whole.values)[0])
    if total_cents % step_cents:
        raise ArgumentError(
            f"total {_amount(total_cents)} is not a multiple of round_to {_amount(step_cents)}; "
            f"{_amount(total_cents % step_cents)} would be left unallocated"
        )
    keep = np.full(len(parts), np.nan)
    if held is not None:
        kept = _numbers("held", held)
        if len(kept) != len(parts):
            raise ArgumentError(
                f"held has {len(kept)} cells but weights has {len(parts)}; give one per weight"
            )
        _check(kept, kept.values >= 0, "must be 0 or more")
        kept_cents = money.to_cents(kept.filled(0).values)
        off = np.flatnonzero(~kept.blank & (kept_cents % step_cents != 0))
        if len(off):
            i = off[0]
            raise ArgumentError(
                f"held{_at(i, len(kept))} {_amount(kept_cents[i])} is not a multiple of "
                f"round_to {_amount(step_cents)}"
            )
        keep = np.where(kept.blank, np.nan, kept_cents // step_cents)
        fixed = int(np.nansum(kept_cents[~kept.blank]))
        if fixed > total_cents:
            raise ArgumentError(
                f"held adds up to {_amount(fixed)}, more than total {_amount(total_cents)}"
            )
        free = kept.blank & (parts.values > 0)
        if fixed < total_cents and not free.any():
            raise ArgumentError(
                f"weights: no row that is not held has a weight above 0, so nothing can take "
                f"the remaining {_amount(total_cents - fixed)}"
            )
    elif total_cents and not (parts.values > 0).any():
        raise ArgumentError("weights must have at least one weight above 0")
    units = money.allocate(total_cents // step_cents, parts.values, keep)
    return _shaped(units * step_cents / 100, parts.shape)


# --- reading arguments ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Numbers:
    """One argument's cells as numbers, flattened (NaN where blank), and the range's shape."""

    name: str
    values: np.ndarray
    blank: np.ndarray
    shape: tuple[int, int]

    def __len__(self) -> int:
        return len(self.values)

    def filled(self, value: float) -> _Numbers:
        return _Numbers(self.name, np.where(self.blank, value, self.values), self.blank, self.shape)

    def rows(self, n: int) -> np.ndarray:
        return np.broadcast_to(self.values, n) if len(self) == 1 else self.values

    def blank_rows(self, n: int) -> np.ndarray:
        return np.broadcast_to(self.blank, n) if len(self) == 1 else self.blank


def _numbers(name: str, cells, fraction: bool = False) -> _Numbers:
    """A range as numbers: blanks NaN, text numbers and percentages read, anything else refused."""
    grid = _grid(cells)
    shape = (len(grid), len(grid[0]))
    if min(shape) > 1:
        raise ArgumentError(
            f"{name} must be one cell, one column or one row, not {shape[0]}×{shape[1]} cells"
        )
    flat = pd.Series([v for row in grid for v in row], dtype=object)
    values, bad, _ = coerce.number(flat, percent_over_one=fraction)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        kind = "a number or percentage" if fraction else "a number"
        raise ArgumentError(f'{name}{_at(i, len(flat))} "{shown(flat[i])}" is not {kind}')
    values = values.to_numpy(dtype=np.float64)
    return _Numbers(name, values, np.isnan(values), shape)


def _grid(cells) -> list[list[Any]]:
    """Cells as rows: xlwings gives [[…]] (ndim=2); a value or a flat list (a column) also do."""
    if cells is None or not isinstance(cells, list | tuple):
        return [[cells]]
    if not cells:
        return [[None]]
    if not isinstance(cells[0], list | tuple):
        return [[v] for v in cells]
    return [list(row) for row in cells]


def _check(arg: _Numbers, ok: np.ndarray, rule: str, hint: str = "", blank_too: bool = False):
    """Refuse the first cell (a blank one too, with blank_too) that breaks `rule`."""
    wrong = ~ok & ~arg.blank
    if blank_too and arg.blank.any():
        i = int(np.flatnonzero(arg.blank)[0])
        raise ArgumentError(f"{arg.name}{_at(i, len(arg))} is blank; it {rule}")
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        tail = f" — {hint}" if hint else ""
        raise ArgumentError(
            f"{arg.name}{_at(i, len(arg))} {rule} (got {shown(arg.values[i])}){tail}"
        )


def _one_cell(arg: _Numbers, when: str = "") -> None:
    if len(arg) > 1:
        raise ArgumentError(f"{arg.name} must be one cell{when}")


def _no_blanks(arg: _Numbers) -> None:
    if arg.blank.any():
        i = int(np.flatnonzero(arg.blank)[0])
        raise ArgumentError(f"{arg.name}{_at(i, len(arg))} is blank")


def _setting(arg: _Numbers, setting: str) -> None:
    """The range rule of the matching tblSettings setting (xl_addin.workbook.reader.out_of_range)."""
    for i in np.flatnonzero(~arg.blank):
        wrong = out_of_range(setting, _decimal(arg.values[i]))
        if wrong:
            raise ArgumentError(f"{arg.name}{_at(i, len(arg))} {_en(wrong[0])} — {_en(wrong[1])}")


def _at(i: int, n: int) -> str:
    return f" row {i + 1}" if n > 1 else ""


def _rows(*args: _Numbers) -> int:
    """The rows of the result: the longest argument's; the others must be one cell or as long."""
    longest = max(args, key=len)
    for arg in args:
        if len(arg) not in (1, len(longest)):
            raise ArgumentError(
                f"{arg.name} has {len(arg)} cells but {longest.name} has {len(longest)}; "
                f"give one value or one per row of {longest.name}"
            )
    return len(longest)


def _like(*args: _Numbers) -> tuple[int, int]:
    """The shape of the result: the longest argument's (a row range gives a row)."""
    return max(args, key=len).shape


def _shaped(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return np.asarray(values).reshape((1, -1) if shape[0] == 1 and shape[1] > 1 else (-1, 1))


def _weeks(cells, period_weeks: int) -> _Numbers:
    weeks = _numbers("week", cells)
    _no_blanks(weeks)
    whole = (weeks.values == np.floor(weeks.values)) & (weeks.values >= 0)
    _check(
        weeks, whole & (weeks.values <= period_weeks), f"must be a whole week, 0 to {period_weeks}"
    )
    return weeks


def _rhythm(cells) -> tuple[np.ndarray, np.ndarray]:
    """Week shares and phases: tblRhythm's Weeks and Share columns (Phase optional, a header
    row skipped), a number of even weeks, or 13 even weeks when left out."""
    grid = _grid(cells)
    if len(grid) == 1 and len(grid[0]) == 1:
        count = _numbers("rhythm", grid)
        if count.blank[0]:
            return phasing.even_shares(PERIOD_WEEKS)
        whole = (count.values == np.floor(count.values)) & (count.values >= 1)
        _check(count, whole, "must be a number of weeks (1 or more) or a Phase/Weeks/Share range")
        return phasing.even_shares(int(count.values[0]))
    if len(grid[0]) not in (2, 3):
        raise ArgumentError(
            f"rhythm must have 2 columns (Weeks, Share) or 3 (Phase, Weeks, Share), "
            f"not {len(grid[0])}"
        )
    rows = [row[-2:] for row in grid if any(v is not None and str(v).strip() for v in row[-2:])]
    first = pd.Series(rows[0] if rows else [], dtype=object)
    if rows and coerce.number(first)[1].all():  # a header row: Weeks, Share
        rows = rows[1:]
    if not rows:
        raise ArgumentError("rhythm has no phases")
    weeks = _numbers("rhythm Weeks", [[r[0]] for r in rows])
    share = _numbers("rhythm Share", [[r[1]] for r in rows], fraction=True)
    _no_blanks(weeks)
    _no_blanks(share)
    whole = (weeks.values == np.floor(weeks.values)) & (weeks.values >= 1)
    _check(weeks, whole, "must be a whole number of weeks, 1 or more")
    _check(share, share.values >= 0, "must be 0 or more")
    problems = phasing.rhythm_problems(weeks.values, share.values, int(weeks.values.sum()))
    if problems:
        raise ArgumentError(f"rhythm: {_en(problems[0].message)} — {_en(problems[0].hint)}")
    return phasing.rhythm_shares(weeks.values.astype(int), share.values)


def _rates(cells) -> dict[str, Decimal]:
    """The floor, target and challenge rates, checked as tblCommission's."""
    rates = _numbers("rates", cells, fraction=True)
    if len(rates) != 3:
        raise ArgumentError(
            f"rates must be 3 cells, the floor, target and challenge rates (got {len(rates)})"
        )
    _no_blanks(rates)
    table = pd.DataFrame({"tier": commission.TIERS, "rate": [_decimal(r) for r in rates.values]})
    problems = commission.validate_rates(table)
    if problems:
        raise ArgumentError(f"rates: {_en(problems[0].message)} — {_en(problems[0].hint)}")
    return commission.rates_from_table(table)


def _mode(cells) -> str:
    values = [v for row in _grid(cells) for v in row]
    text, _ = coerce.text(pd.Series(values, dtype=object))
    if len(values) != 1:
        raise ArgumentError("mode must be one cell: retroactive or marginal")
    if pd.isna(text[0]):
        return "retroactive"
    chosen = {k.casefold(): v for k, v in MODES.items()}.get(text[0].casefold())
    if chosen is None:
        raise ArgumentError(f'mode "{text[0]}" is not retroactive or marginal')
    return chosen


# --- money ------------------------------------------------------------------------------------


def _weekly(target: np.ndarray, shares: np.ndarray, phases: np.ndarray) -> np.ndarray:
    """Targets (whole yuan) phased week by week as the engine phases a rep with full effort."""
    yuan = _whole_yuan(target)
    return phasing.weekly_plan(yuan, shares, phases, np.ones((len(yuan), len(shares))))


def _by_week(weeks: np.ndarray, through) -> np.ndarray:
    """through(rows, week) for the rows at each distinct week: each rep may be at its own week."""
    out = np.zeros(len(weeks), dtype=np.int64)
    for week in np.unique(weeks):
        rows = weeks == week
        out[rows] = through(rows, int(week))
    return out


def _whole_yuan(amounts: np.ndarray) -> np.ndarray:
    cents = money.to_cents(amounts)
    return np.array([money.round_half_up(Decimal(int(c)) / 100) for c in cents], dtype=np.int64)


def _decimal(value: float) -> Decimal:
    """A number from a cell as the decimal it displays (0.1 is 0.1, not 0.1000000000000000055)."""
    return Decimal(repr(float(value)))


def _to_cent(value: Decimal) -> float:
    return float(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _amount(cents: int) -> str:
    return f"{cents / 100:,.2f}".removesuffix(".00")


def _en(words) -> str:
    """What the engine said, in English: a worksheet function has no plan to take a Locale from."""
    return text(words, "en")


def _text(message: str) -> np.ndarray:
    return np.array([[message]], dtype=object)
