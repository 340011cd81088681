"""Exact money: cents as integers, and rounding that keeps sums (largest remainder).

Every split in salesplan goes through `allocate` or `round_matrix`, so a whole always
equals the sum of its parts to the last unit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np


def to_cents(values) -> np.ndarray:
    """Floats or numbers as typed -> int64 cents, half away from zero (as Excel's ROUND).

    The tiny relative nudge recovers the decimal the user typed (0.285 is stored as
    0.28499999999999998 and must round to 29 cents).
    """
    x = np.asarray(values, dtype=np.float64) * 100.0
    return (np.sign(x) * np.floor(np.abs(x) * (1 + 1e-12) + 0.5)).astype(np.int64)


def round_half_up(value: Decimal, step: int = 1) -> int:
    """A Decimal to the nearest multiple of `step`, half away from zero."""
    return int((Decimal(value) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * step


def scale(units: np.ndarray, ratio: Decimal) -> np.ndarray:
    """units × ratio rounded half up, in exact integer arithmetic (units >= 0)."""
    num, den = Decimal(ratio).as_integer_ratio()
    u = np.asarray(units, dtype=np.int64)
    return (u * num * 2 + den) // (2 * den)


def allocate(total: int, weights, held=None) -> np.ndarray:
    """Split the integer `total` in proportion to `weights`, exactly (largest remainder).

    Ties go to the earlier row, so runs repeat. `held` (NaN = free) keeps rows at a value;
    the free rows absorb the rest in proportion to their weight.
    """
    w = np.asarray(weights, dtype=np.float64)
    out = np.zeros(len(w), dtype=np.int64)
    free = np.ones(len(w), dtype=bool)
    if held is not None:
        h = np.asarray(held, dtype=np.float64)
        free = np.isnan(h)
        out[~free] = h[~free].astype(np.int64)
    rest = int(total) - int(out.sum())
    wf = np.where(free, np.clip(w, 0, None), 0.0)
    if rest == 0:
        return out
    if wf.sum() <= 0:
        raise ValueError(f"nothing to carry {rest}: every free weight is zero")
    if rest < 0:
        raise ValueError(f"held values exceed the total by {-rest}")
    return out + allocate_rows(np.array([rest]), wf[None, :])[0]


def allocate_rows(totals: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Row-wise `allocate`: each row of `weights` split to its integer total, vectorised."""
    t = np.asarray(totals, dtype=np.int64)
    w = np.clip(np.asarray(weights, dtype=np.float64), 0, None)
    s = w.sum(axis=1, keepdims=True)
    if np.any((t > 0) & (s[:, 0] <= 0)):
        raise ValueError("a row with a total has no weight to carry it")
    exact = np.divide(w * t[:, None], s, out=np.zeros_like(w), where=s > 0)
    base = np.floor(exact + 1e-9).astype(np.int64)
    short = t - base.sum(axis=1)
    frac = np.where(w > 0, exact - base, -1.0)
    order = np.argsort(-frac, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(w.shape[1])[None, :].repeat(len(w), 0), axis=1)
    return base + (rank < short[:, None])
