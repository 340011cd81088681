"""Random and boundary actuals for the responsibility workbook's live formulas, and what the
engine computes for them: shared by the LibreOffice and the IronCalc proofs.

A round types actuals for several reps of one variant (locale, commission mode, cap) up to one
week, so the engine tracks them all in one call (engine.tracking.track and engine.commission,
nothing else of production code). A case's total is random or lands exactly on a tier, on the
plan or on the red line, or one cent below.
"""

from __future__ import annotations

import dataclasses
import math
import os
import random
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from engine.commission import commission, rates_from_table
from engine.forecast import project
from engine.progress import progress
from engine.tracking import track
from tests.builders import STATUS_WORDS
from xl_addin.repbook.render import FIRST, FORECAST, FORECAST_ROW
from xl_addin.repbook.responsibility import RepBook, rep_books
from xl_addin.sheets.labels import label

# locale, CommissionMode, CommissionCap, RedBelow (with three or four decimals, RedBelow ×
# FloorToDate falls between cents: the workbook must round the red line up, as the engine's
# exact comparison does)
VARIANTS = [
    ("en", "retroactive", None, Decimal("0.8")),
    ("zh-CN", "marginal", None, Decimal("0.777")),
    ("en", "marginal", Decimal("20000"), Decimal("0.85")),
    ("zh-CN", "retroactive", Decimal("25000"), Decimal("0.8333")),
]
SUMMARY = (
    "latest_week", "to_date", "plan_to_date", "floor_to_date", "completion", "pace", "status",
    "tier", "rate", "commission", "next_tier", "to_next_tier", "commission_at_next_tier",
)  # fmt: skip
CENTS = (
    "to_date", "plan_to_date", "floor_to_date", "commission", "to_next_tier",
    "commission_at_next_tier", "projected", "projected_commission", "projected_to_next_tier",
    "projected_commission_at_next_tier",
)  # fmt: skip
WORDS = ("status", "tier", "next_tier", "projected_tier", "projected_next_tier")
# the forecast (at the rep's pace so far) in column N from row FORECAST_ROW + 1 (1-based)
FORECAST_FIRST = FORECAST_ROW + 1
# Actuals sheet, 1-based as spreadsheets count: the summary in column N from row FIRST + 1,
# the typed amounts in column E and the cumulative actual in column K from row FIRST + 1
SUMMARY_COLUMN, AMOUNT_COLUMN, CUMULATIVE_COLUMN = 14, 5, 11
ACTUALS_SHEET = 2  # 0-based: Letter, Plan, Actuals


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    variant: int  # index into VARIANTS
    book: RepBook
    cents: list[int | None]  # typed amounts of weeks 1.. (None: left blank)
    want: dict


def variant(plan, locale, mode, cap, red_below):
    values = {"CommissionMode": mode, "Locale": locale, "CommissionCap": cap}
    values["RedBelow"] = red_below
    settings = plan.settings.with_values(**values)
    return dataclasses.replace(plan, settings=settings, actuals=None)


def totals_to_try(book, rng: random.Random, weeks: int) -> int | None:
    """A total in cents landing on a boundary (or one cent below it), above the challenge
    (every band paid), or None for random weekly amounts."""
    plan_to = sum(book.plan[:weeks]) * 100
    floor_to = sum(book.floor_plan[:weeks]) * 100
    red = math.ceil(book.red_below * floor_to)  # RedBelow × floor to date, up to the cent
    targets = [book.floor * 100, book.target * 100, book.challenge * 100, plan_to, red]
    choice = rng.randrange(len(targets) * 2 + 3)
    if choice == len(targets) * 2:  # up to 30 % above the challenge
        return book.challenge * 100 + rng.randrange(1, book.challenge * 30)
    if choice > len(targets) * 2:
        return None
    return targets[choice // 2] - (choice % 2)  # on it, or one cent below


def weekly_cents(total: int | None, weeks: int, rng: random.Random, book) -> list[int | None]:
    """Amounts (cents) for weeks 1..weeks adding up to `total` (random amounts if None); some
    weeks before the last left blank (None) or typed 0, and sometimes the last week typed 0:
    the latest week is the last one typed, whatever its amount."""
    if weeks == 0:
        return []
    kinds = ["paid"] * weeks
    for w in range(weeks - 1):
        if rng.random() < 0.2:
            kinds[w] = rng.choice(("blank", "zero"))
    if weeks > 1 and rng.random() < 0.15:
        kinds[-1] = "zero"  # nothing sold in the latest week, and 0 typed for it
    paid = [w for w, kind in enumerate(kinds) if kind == "paid"] or [weeks - 1]
    if total is None:
        amounts = {w: rng.randrange(0, int(book.plan[w] * 100 * 1.6) + 1) for w in paid}
    else:
        # uneven cents that only add up exactly: base ± cents, the last paid week the rest
        base = total // len(paid)
        amounts = {w: max(base + rng.choice((-1, 0, 1)) * rng.randrange(0, 99), 0) for w in paid}
        amounts[paid[-1]] = total - sum(amounts[w] for w in paid[:-1])
        if amounts[paid[-1]] < 0:
            amounts = {w: 0 for w in paid} | {paid[-1]: total}
    return [amounts.get(w, None if kinds[w] == "blank" else 0) for w in range(weeks)]


def engine_values(plan, d, typed: list[tuple[RepBook, list[int | None]]]) -> list[dict]:
    """What the engine computes for each (book, amounts): all typed up to the same week, each
    for a different rep, so one track and one commission call compute them all."""
    latest = {len(cents) for _, cents in typed}
    assert len(latest) == 1 and len({b.rep_id for b, _ in typed}) == len(typed), latest
    latest = latest.pop()  # the workbook tracks the rep's own latest week: the engine too
    rows = [
        (w + 1, b.rep_id, c) for b, cents in typed for w, c in enumerate(cents) if c is not None
    ]
    frame = pd.DataFrame(rows, columns=["week", "rep_id", "amount_cents"])
    frame["amount_cents"] = frame["amount_cents"].astype(np.int64)
    t = track(dataclasses.replace(plan, actuals=frame), d, latest).set_index("rep_id")
    ids = [b.rep_id for b, _ in typed]
    t = t.loc[ids]
    s = plan.settings
    cap = s["CommissionCap"]
    pay = commission(
        d.targets,
        t["to_date"],
        rates_from_table(plan.commission),
        s["CommissionMode"],
        int(cap * 100) if cap is not None else None,
    ).set_index("rep_id")
    # the forecast at the rep's own latest week: engine.forecast, paid by engine.commission
    rows = d.targets["rep_id"].reset_index(drop=True)
    rows = pd.Index(rows).get_indexer(ids)
    weekly = d.weekly.to_numpy(dtype=np.int64)[rows] * 100
    projected, _, _ = project(
        weekly, t["to_date"].to_numpy(dtype=np.int64), latest, np.full(len(ids), latest > 0)
    )
    ahead = commission(
        d.targets,
        pd.Series(projected, index=ids),
        rates_from_table(plan.commission),
        s["CommissionMode"],
        int(cap * 100) if cap is not None else None,
    ).set_index("rep_id")
    loc = s.locale
    out = []
    for book, cents in typed:
        r, p, f = t.loc[book.rep_id], pay.loc[book.rep_id], ahead.loc[book.rep_id]
        cumulative = np.cumsum([c or 0 for c in cents]).tolist()
        assert not cents or cents[-1] is not None  # the rep's latest week is `latest`
        assert int(r["to_date"]) == sum(c or 0 for c in cents)
        out.append(
            {
                "latest_week": int(r["week"]),
                "to_date": int(r["to_date"]),
                "plan_to_date": int(r["plan_to_date"]),
                "floor_to_date": int(r["floor_to_date"]),
                "completion": r["to_date"] / (book.target * 100),
                "pace": r["pace"],
                "status": STATUS_WORDS[loc][r["status"]],
                "tier": label(p["tier"], loc) if p["tier"] else "",
                "rate": float(p["rate"]),
                "commission": int(p["commission"]),
                "next_tier": label(p["next_tier"], loc) if p["next_tier"] else "",
                "to_next_tier": int(p["to_next_tier"]),
                "commission_at_next_tier": int(p["commission_at_next_tier"]),
                "projected": int(f["sales"]),
                "projected_tier": label(f["tier"], loc) if f["tier"] else "",
                "projected_commission": int(f["commission"]),
                "projected_next_tier": label(f["next_tier"], loc) if f["next_tier"] else "",
                "projected_to_next_tier": int(f["to_next_tier"]),
                "projected_commission_at_next_tier": int(f["commission_at_next_tier"]),
                # in cents to the latest week, #N/A after it (a gap in the chart)
                "cumulative": cumulative + ["#N/A"] * (len(book.weeks) - latest),
            }
        )
    return out


def variant_books(example_plan):
    """Per variant: the plan, its decomposition and every rep's book."""
    out = []
    for values in VARIANTS:
        plan = variant(example_plan, *values)
        p = progress(plan)
        out.append((plan, p.decomposition, rep_books(p, plan)))
    return out


def generate(books_of_variants, rng: random.Random, rounds: int, reps: int | None) -> list[Case]:
    """`rounds` rounds per variant, each of `reps` random reps (all if None) typing up to
    one week: week 0 first, then random weeks (or every week in turn, when all reps type)."""
    cases = []
    for v, (plan, d, books) in enumerate(books_of_variants):
        for k in range(rounds):
            if reps is None:
                weeks, chosen = k % (len(books[0].weeks) + 1), books
            else:
                weeks = rng.choice((0, 1, 2, 5, 6, 9, 12, 13)) if k else 0
                chosen = rng.sample(books, reps)
            typed = [(b, weekly_cents(totals_to_try(b, rng, weeks), weeks, rng, b)) for b in chosen]
            for (book, cents), want in zip(typed, engine_values(plan, d, typed), strict=True):
                name = f"{plan.settings.locale}_{plan.settings['CommissionMode']}_{v}_{k:03d}"
                cases.append(Case(f"{name}_{book.rep_id}", v, book, cents, want))
    return cases


def projection_on(book, weeks: int, amount: int) -> int | None:
    """A total to date (cents) at week `weeks` whose projection is exactly `amount` cents:
    to date T projects T + round(T × remaining ÷ plan to date), half up; None if no T does."""
    due = sum(book.plan[:weeks]) * 100
    left = sum(book.plan[weeks:]) * 100
    if due == 0:
        return None

    def projected(t: int) -> int:
        return t + (2 * t * left + due) // (2 * due)

    start = amount * due // (due + left)
    return next((t for t in range(start - 3, start + 4) if t >= 0 and projected(t) == amount), None)


def generate_forecast_boundaries(books_of_variants, rng: random.Random, reps: int) -> list[Case]:
    """Per variant, `reps` random reps (all if 0) each typing up to a random week a total whose
    projection lands exactly on one of their tiers or one cent below it."""
    cases = []
    for v, (plan, d, books) in enumerate(books_of_variants):
        chosen = rng.sample(books, reps) if reps else books
        for weeks in (rng.choice((1, 2, 5, 6, 9, 12)),):
            typed = []
            for b in chosen:
                tier = rng.choice((b.floor, b.target, b.challenge)) * 100 - rng.randrange(2)
                total = projection_on(b, weeks, tier)
                if total is not None:
                    typed.append((b, weekly_cents(total, weeks, rng, b)))
            for (book, cents), want in zip(typed, engine_values(plan, d, typed), strict=True):
                name = f"{plan.settings.locale}_{plan.settings['CommissionMode']}_{v}_forecast"
                cases.append(Case(f"{name}_{book.rep_id}", v, book, cents, want))
    return cases


def assert_cases_cover(cases: list[Case]) -> None:
    """The cases reach what the formulas distinguish: every status and tier in each locale's
    words, the cap of each capped variant, a blank week before the latest, a 0 typed in it."""
    each = ("RED", "AMBER", "GREEN")
    statuses = {c.want["status"] for c in cases}
    assert statuses == {w[s] for w in STATUS_WORDS.values() for s in each}
    assert len({c.want["tier"] for c in cases}) == 2 * 3 + 1  # 3 tiers in 2 locales, and none
    capped = {
        c.variant
        for c in cases
        if (cap := VARIANTS[c.variant][2]) is not None and c.want["commission"] == cap * 100
    }
    assert capped == {v for v, (_, _, cap, _) in enumerate(VARIANTS) if cap is not None}
    assert any(None in c.cents for c in cases)
    assert any(c.cents and c.cents[-1] == 0 for c in cases)


def assert_agrees(summary: dict, cumulative: list, want: dict, where: str) -> None:
    """The summary cells and the cumulative-actual column as a spreadsheet computed them
    (money in yuan, "" or None for an empty text, "#N/A" for the error) equal the engine's."""
    got = {**summary, "cumulative": cumulative}
    where = f"{where}: {got} != {want}"
    assert got["latest_week"] == want["latest_week"], where
    for key in CENTS:
        assert round(got[key] * 100) == want[key], f"{key} in {where}"
    for key in WORDS:
        assert (got[key] or "") == want[key], f"{key} in {where}"
    assert got["rate"] == pytest.approx(want["rate"], abs=1e-12), where
    assert got["completion"] == pytest.approx(want["completion"], rel=1e-12), where
    if np.isnan(want["pace"]):
        assert got["pace"] in (None, ""), where
    else:
        assert got["pace"] == pytest.approx(want["pace"], rel=1e-12), where
    assert len(cumulative) == len(want["cumulative"]), where
    for value, cents in zip(cumulative, want["cumulative"], strict=True):
        if cents == "#N/A":
            assert value == "#N/A", f"cumulative in {where}"
        else:
            assert type(value) in (int, float) and round(value * 100) == cents, (
                f"cumulative in {where}"
            )


def typed_cells(cents: list[int | None]) -> dict[tuple[int, int], float]:
    """{(row, column), 1-based: yuan} of the amounts a rep types on the Actuals sheet."""
    return {(FIRST + 1 + w, AMOUNT_COLUMN): c / 100 for w, c in enumerate(cents) if c is not None}


def ironcalc():
    """The ironcalc module (a dev extra); fails under CI (CI=true), skips elsewhere if missing."""
    try:
        import ironcalc
    except ImportError:
        hint = "IronCalc is not installed: pip install -e '.[dev]'"
        if os.environ.get("CI") == "true":
            raise AssertionError(hint + " (required when CI=true)") from None
        pytest.skip(hint + " (this skip becomes a failure under CI=true)")
    return ironcalc


class IronCalcBook:
    """A responsibility workbook loaded into IronCalc once; actuals typed through its API."""

    def __init__(self, path):
        self.model = ironcalc().load_from_xlsx(str(path))
        self.model.evaluate()

    def type_actuals(self, cents: list[int | None], weeks: int) -> None:
        """Clear the Amount column, type `cents` as a rep would and recalculate."""
        m = self.model
        m.range_clear_contents(
            ACTUALS_SHEET, FIRST + 1, AMOUNT_COLUMN, FIRST + weeks, AMOUNT_COLUMN
        )
        for (row, column), yuan in typed_cells(cents).items():
            m.update_cell_with_number(ACTUALS_SHEET, row, column, yuan)
        m.evaluate()

    def summary(self) -> dict:
        """The summary cells and the forecast cells, by key."""
        get = self.model.get_cell_value
        return {
            key: get(ACTUALS_SHEET, FIRST + 1 + k, SUMMARY_COLUMN) for k, key in enumerate(SUMMARY)
        } | {
            key: get(ACTUALS_SHEET, FORECAST_FIRST + k, SUMMARY_COLUMN)
            for k, key in enumerate(FORECAST)
        }

    def cumulative(self, weeks: int) -> list:
        get = self.model.get_cell_value
        return [get(ACTUALS_SHEET, FIRST + 1 + w, CUMULATIVE_COLUMN) for w in range(weeks)]

    def formula_cells(self) -> dict[tuple[int, int, int], str]:
        """{(sheet, row, column): formula} of every formula in the workbook."""
        m = self.model
        cells = ((s, r, c) for s, r, c in m.get_all_cells())
        return {k: f for k in cells if (f := m.get_cell_formula(*k)) is not None}
