"""Commission, its statement and the team pool (SPEC §5), in exact integer cents.

Rates are Decimals, held as exact integer ratios; each rep's commission is computed as
one exact fraction and rounded to cents once, half away from zero (as Excel's ROUND).
"""

from __future__ import annotations

from decimal import Decimal
from functools import reduce
from math import lcm

import numpy as np
import pandas as pd

from engine.money import allocate
from engine.problems import Problem, at_row, said

TIERS = ("floor", "target", "challenge")
MODES = ("retroactive", "marginal")

POOL_RULE = (
    "Team pool = PoolRate × the sum, over reps, of each rep's sales above PoolThreshold × "
    "the rep's target (a rep below that amount adds nothing), rounded to the cent once. "
    "The pool is shared among all reps in proportion to their sales; the shares are rounded "
    "to the cent by largest remainder, so they add up to the pool exactly."
)


def tier_reached(sales_cents, floor_cents, target_cents, challenge_cents) -> np.ndarray:
    """The highest tier whose amount the sales reach (sales >= tier, exact); '' below floor."""
    s = _cents(sales_cents)
    reached = np.select(
        [s >= _cents(challenge_cents), s >= _cents(target_cents), s >= _cents(floor_cents)],
        ["challenge", "target", "floor"],
        "",
    )
    return reached.astype(object)


def tier_commission(
    sales_cents,
    floor_cents,
    target_cents,
    challenge_cents,
    rates: dict[str, Decimal],
    mode: str = "retroactive",
) -> np.ndarray:
    """Commission in cents for each sales figure against its own tiers (SPEC §5), uncapped.

    Amounts are integer cents (arrays broadcast); the commission is one exact fraction per
    figure, rounded to the cent once, half away from zero.
    """
    schedule = _Schedule(rates, mode)
    sales, floor, target, challenge = np.broadcast_arrays(
        *(
            _cents(np.atleast_1d(v))
            for v in (sales_cents, floor_cents, target_cents, challenge_cents)
        )
    )
    return _round(schedule.numerators(sales, (floor, target, challenge)).sum(axis=1), schedule.den)


def commission(
    targets: pd.DataFrame,
    sales_cents: pd.Series,
    rates: dict[str, Decimal],
    mode: str = "retroactive",
    cap_cents: int | None = None,
) -> pd.DataFrame:
    """Per rep: tier, rate and commission in cents, and what the next tier would pay.

    `targets` holds rep_id, floor, target, challenge in whole yuan; `sales_cents` is indexed
    by rep_id (a rep without sales has sold 0). At challenge there is no next tier:
    to_next_tier is 0 and commission_at_next_tier is the commission itself.
    """
    rep_id, tiers, sales = _inputs(targets, sales_cents)
    schedule = _Schedule(rates, mode)
    tier = tier_reached(sales, *tiers)
    earned = _capped(tier_commission(sales, *tiers, rates, mode), cap_cents)

    next_tier = np.select(
        [tier == "", tier == "floor", tier == "target"], ["floor", "target", "challenge"], ""
    ).astype(object)
    next_amount = np.select(
        [tier == "", tier == "floor", tier == "target"], list(tiers), sales
    ).astype(np.int64)
    at_next = _capped(tier_commission(next_amount, *tiers, rates, mode), cap_cents)
    return pd.DataFrame(
        {
            "rep_id": rep_id,
            "sales": sales,
            "tier": tier,
            "rate": [schedule.rate.get(t, Decimal(0)) for t in tier],
            "commission": earned,
            "next_tier": next_tier,
            "to_next_tier": next_amount - sales,
            "commission_at_next_tier": np.where(tier == "challenge", earned, at_next),
        }
    )


def statement(
    targets: pd.DataFrame,
    sales_cents: pd.Series,
    rates: dict[str, Decimal],
    mode: str = "retroactive",
    cap_cents: int | None = None,
) -> pd.DataFrame:
    """Band by band rows (from, to, sales in band, rate, amount) that add up to the commission.

    Each row's amount is the difference of the rounded running total, so the rows sum to the
    commission (rounded once) exactly. A rep below floor gets one row at rate 0; a capped
    rep gets a last row "cap" with the (negative) amount the cap takes off.
    """
    rep_id, tiers, sales = _inputs(targets, sales_cents)
    schedule = _Schedule(rates, mode)
    n = len(sales)
    floor, target, challenge = tiers
    tier = tier_reached(sales, *tiers)
    reached = tier != ""

    running = _round(np.cumsum(schedule.numerators(sales, tiers), axis=1), schedule.den)
    amounts = np.diff(running, axis=1, prepend=0)

    if mode == "marginal":
        lower = np.column_stack([np.zeros(n, np.int64), target, challenge])
        upper = np.column_stack([np.minimum(sales, target), np.minimum(sales, challenge), sales])
        shown = reached[:, None] & (sales[:, None] >= lower)
        shown[:, 0] |= ~reached  # below floor: one band at rate 0
        band_from = lower
        band_to = np.where(reached[:, None], np.maximum(upper, lower), sales[:, None])
    else:
        shown = np.column_stack([(tier == t) | ((t == "floor") & ~reached) for t in TIERS])
        band_from = np.zeros((n, 3), np.int64)
        band_to = np.repeat(sales[:, None], 3, axis=1)

    rows, cols = np.nonzero(shown)
    band_tier = np.where(reached[rows], np.array(TIERS, dtype=object)[cols], "")
    rate = [schedule.rate[t] if t else Decimal(0) for t in band_tier]
    frame = pd.DataFrame(
        {
            "rep_id": rep_id[rows],
            "tier": band_tier.astype(object),
            "from": band_from[rows, cols],
            "to": band_to[rows, cols],
            "sales": band_to[rows, cols] - band_from[rows, cols],
            "rate": rate,
            "amount": amounts[rows, cols],
        }
    )
    if cap_cents is None:
        return frame.reset_index(drop=True)
    total = running[:, -1]
    over = np.nonzero(total > cap_cents)[0]
    cap_rows = pd.DataFrame(
        {
            "rep_id": rep_id[over],
            "tier": "cap",
            "from": np.zeros(len(over), np.int64),
            "to": np.zeros(len(over), np.int64),
            "sales": np.zeros(len(over), np.int64),
            "rate": [Decimal(0)] * len(over),
            "amount": int(cap_cents) - total[over],
        }
    )
    order = np.concatenate([rows, over])
    out = pd.concat([frame, cap_rows], ignore_index=True)
    return out.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


def team_pool(
    targets: pd.DataFrame,
    sales_cents: pd.Series,
    pool_threshold: Decimal,
    pool_rate: Decimal,
) -> tuple[int, pd.DataFrame]:
    """The team pool in cents, and each rep's share of it in proportion to sales.

    pool = PoolRate × Σ max(0, sales − PoolThreshold × target), exact, rounded once; shares
    by largest remainder (engine.money.allocate), so they add up to the pool to the cent.
    """
    rep_id, (_, target, _), sales = _inputs(targets, sales_cents)
    t_num, t_den = _decimal(pool_threshold).as_integer_ratio()
    r_num, r_den = _decimal(pool_rate).as_integer_ratio()
    # excess × t_den, exact: sales − (t_num / t_den) × target
    excess = sales.astype(object) * t_den - target.astype(object) * t_num
    above = int(excess[excess > 0].sum())
    pool = int(_round(np.array([above * r_num], dtype=object), t_den * r_den)[0])
    shares = allocate(pool, sales.astype(np.float64)) if pool else np.zeros(len(sales), np.int64)
    return pool, pd.DataFrame({"rep_id": rep_id, "pool_share": shares})


def validate_rates(commission_table: pd.DataFrame) -> list[Problem]:
    """Every tier once, with rates that do not fall from floor to target to challenge."""
    table = commission_table
    problems: list[Problem] = []
    sheet = table.attrs.get("sheet", "Rates")
    tiers = table["tier"].astype(str).str.strip().str.casefold().tolist()
    first: dict[str, int] = {}
    for position, tier in enumerate(tiers):
        if tier in first:
            where = at_row(table, position, "tier", "Rates")
            before = at_row(table, first[tier], "tier", "Rates")
            problems.append(
                Problem(
                    *where,
                    said("tier_twice", tier=tier, earlier=before[1])
                    if before[1]
                    else said("tier_twice_earlier_row", tier=tier),
                    said("tier_twice_hint"),
                )
            )
        elif tier in TIERS:
            first[tier] = position
    for tier in TIERS:
        if tier not in first:
            problems.append(
                Problem(
                    sheet,
                    "",
                    said("tier_missing", tier=tier),
                    said("tier_missing_hint", tier=tier),
                )
            )
    rates: dict[str, Decimal] = {}
    for tier, position in first.items():
        value = table["rate"].iloc[position]
        try:
            rates[tier] = _decimal(value)
        except (ArithmeticError, TypeError, ValueError):
            continue
        if rates[tier].is_nan():
            del rates[tier]
        elif rates[tier] < 0:
            problems.append(
                Problem(
                    *at_row(table, position, "rate", "Rates"),
                    said("rate_negative", tier=tier, rate=_percent(rates[tier])),
                    said("rate_negative_hint"),
                )
            )
    for lower, higher in zip(TIERS, TIERS[1:], strict=False):
        if lower in rates and higher in rates and rates[higher] < rates[lower]:
            problems.append(
                Problem(
                    *at_row(table, first[higher], "rate", "Rates"),
                    said(
                        "rate_falls",
                        tier=higher,
                        rate=_percent(rates[higher]),
                        lower=lower,
                        lower_rate=_percent(rates[lower]),
                    ),
                    said("rate_falls_hint", tier=higher, rate=_percent(rates[lower])),
                )
            )
    return problems


def rates_from_table(commission_table: pd.DataFrame) -> dict[str, Decimal]:
    """tblCommission (tier, rate) as {tier: Decimal rate}; a float rate is read as typed."""
    tiers = commission_table["tier"].astype(str).str.strip().str.casefold()
    return {t: _decimal(r) for t, r in zip(tiers, commission_table["rate"], strict=True)}


# --- internals -------------------------------------------------------------------------


class _Schedule:
    """The three rates as integer numerators over one common denominator, and the mode."""

    def __init__(self, rates: dict[str, Decimal], mode: str):
        if mode not in MODES:
            raise ValueError(f'CommissionMode "{mode}" is not one of {", ".join(MODES)}')
        missing = [t for t in TIERS if t not in rates]
        if missing:
            raise ValueError(f"no commission rate for tier {', '.join(missing)}")
        self.mode = mode
        self.rate = {t: _decimal(rates[t]) for t in TIERS}
        ratios = [self.rate[t].as_integer_ratio() for t in TIERS]
        self.den = reduce(lcm, (d for _, d in ratios), 1)
        self.num = np.array([n * (self.den // d) for n, d in ratios], dtype=object)

    def numerators(self, sales: np.ndarray, tiers) -> np.ndarray:
        """n × 3 exact amounts (cents × den, Python ints) per band floor/target/challenge."""
        floor, target, challenge = tiers
        tier = tier_reached(sales, floor, target, challenge)
        reached = tier != ""
        if self.mode == "marginal":
            band = np.column_stack(
                [
                    np.minimum(sales, target),
                    np.clip(np.minimum(sales, challenge) - target, 0, None),
                    np.clip(sales - challenge, 0, None),
                ]
            )
            band = np.where(reached[:, None], np.clip(band, 0, None), 0)
        else:
            band = np.column_stack([np.where(tier == t, sales, 0) for t in TIERS])
        return band.astype(object) * self.num[None, :]


def _inputs(targets: pd.DataFrame, sales_cents: pd.Series):
    rep_id = targets["rep_id"].to_numpy()
    tiers = tuple(_cents(targets[t].to_numpy()) * 100 for t in TIERS)
    sales = _cents(pd.Series(sales_cents).reindex(rep_id, fill_value=0).to_numpy())
    return rep_id, tiers, sales


def _cents(values) -> np.ndarray:
    """Integer amounts as int64; refuses fractions (money must already be exact)."""
    array = np.asarray(values)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise ValueError("amounts must be whole cents (integers)")
    return array.astype(np.int64)


def _round(numerators: np.ndarray, den: int) -> np.ndarray:
    """Exact numerator / den to the nearest integer, half away from zero, as int64."""
    num = np.asarray(numerators, dtype=object)
    magnitude = (2 * np.abs(num) + den) // (2 * den)
    return np.where(num < 0, -magnitude, magnitude).astype(np.int64)


def _capped(cents: np.ndarray, cap_cents: int | None) -> np.ndarray:
    return cents if cap_cents is None else np.minimum(cents, int(cap_cents))


def _decimal(value) -> Decimal:
    """A rate or ratio as an exact Decimal; a float is read as the decimal it displays."""
    if isinstance(value, float | np.floating):
        return Decimal(repr(float(value)))
    return Decimal(value)


def _percent(rate: Decimal) -> Decimal:
    """A rate in percent, as typed: 0.015 → 1.5 (a message shows it with `{rate:f}%`)."""
    return (rate * 100).normalize()
