"""The responsibility workbook's live formulas against the engine, computed by LibreOffice.

Random weekly actuals (and totals placed exactly on every tier, on the plan and on the red
line, and one cent below each) are typed into the Actuals sheet's input cells of generated
workbooks; LibreOffice recalculates them all in one call; every formula cell must equal what
the engine computes for the same actuals (engine.tracking.track and engine.commission),
across both commission modes, both locales, with and without a CommissionCap.
"""

import dataclasses
import random
import zipfile
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from engine.commission import commission, rates_from_table
from engine.progress import progress
from engine.tracking import track
from tests.builders import STATUS_WORDS
from tests.libreoffice import recalculate_many
from xl_addin.cli import main
from xl_addin.repbook.render import FIRST, render_repbook
from xl_addin.repbook.responsibility import rep_books
from xl_addin.sheets.labels import label
from xl_addin.workbook.filebook import FileBook
from xl_addin.workbook.reader import read_plan
from xl_addin.workbook.sheetcells import set_cells

VARIANTS = [
    ("en", "retroactive", None),
    ("zh-CN", "marginal", None),
    ("en", "marginal", Decimal("20000")),
    ("zh-CN", "retroactive", Decimal("25000")),
]
CASES_PER_VARIANT = 28
SUMMARY = (
    "latest_week", "to_date", "plan_to_date", "floor_to_date", "completion", "pace", "status",
    "tier", "rate", "commission", "next_tier", "to_next_tier", "commission_at_next_tier",
)  # fmt: skip


@pytest.fixture(scope="module")
def example_plan(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    assert main(["init", str(path), "--example", "--locale", "en"]) == 0
    return read_plan(FileBook(path))


def variant(plan, locale, mode, cap):
    values = {"CommissionMode": mode, "Locale": locale, "CommissionCap": cap}
    settings = plan.settings.with_values(**values)
    return dataclasses.replace(plan, settings=settings, actuals=None)


def totals_to_try(book, rng: random.Random, weeks: int) -> int | None:
    """A total in cents landing on a boundary, or None for random weekly amounts."""
    plan_to = sum(book.plan[:weeks]) * 100
    floor_to = sum(book.floor_plan[:weeks]) * 100
    red = -(-int(book.red_below * 100) * floor_to // 100)  # RedBelow × floor to date, up
    targets = [book.floor * 100, book.target * 100, book.challenge * 100, plan_to, red]
    choice = rng.randrange(len(targets) * 2 + 2)
    if choice >= len(targets) * 2:
        return None
    return targets[choice // 2] - (choice % 2)  # on it, or one cent below


def weekly_cents(total: int | None, weeks: int, rng: random.Random, book) -> list[int | None]:
    """Amounts (cents) for weeks 1..weeks; some middle weeks left blank (None), some 0."""
    if weeks == 0:
        return []
    if total is None:
        amounts = [rng.randrange(0, int(book.plan[w] * 100 * 1.6) + 1) for w in range(weeks)]
    else:
        # uneven cents that only add up exactly: k-1 weeks of base + cents, the last the rest
        base = total // weeks
        amounts = [
            max(base + rng.choice((-1, 0, 1)) * rng.randrange(0, 99), 0) for _ in range(weeks)
        ]
        amounts[-1] = total - sum(amounts[:-1])
        if amounts[-1] < 0:
            amounts = [0] * (weeks - 1) + [total]
    out: list[int | None] = list(amounts)
    for w in range(weeks - 1):
        if out[w] == 0 and rng.random() < 0.5:
            out[w] = None  # a blank week before the last typed one
        elif rng.random() < 0.08:
            out[w] = 0
    return out


def engine_values(plan, d, book, cents: list[int | None]) -> dict:
    weeks = [w + 1 for w, c in enumerate(cents) if c is not None]
    amounts = [c for c in cents if c is not None]
    frame = pd.DataFrame(
        {"week": weeks, "rep_id": book.rep_id, "amount_cents": np.array(amounts, dtype=np.int64)}
    )
    # the workbook tracks the rep's own latest week: the same week for the engine
    latest = max(weeks, default=0)
    t = track(dataclasses.replace(plan, actuals=frame), d, latest).set_index("rep_id")
    t = t.loc[book.rep_id]
    s = plan.settings
    cap = s["CommissionCap"]
    pay = (
        commission(
            d.targets,
            pd.Series([t["to_date"]], index=[book.rep_id]),
            rates_from_table(plan.commission),
            s["CommissionMode"],
            int(cap * 100) if cap is not None else None,
        )
        .set_index("rep_id")
        .loc[book.rep_id]
    )
    loc = s.locale
    cumulative = np.cumsum([c or 0 for c in cents]).tolist()
    return {
        "latest_week": int(t["week"]),
        "to_date": int(t["to_date"]),
        "plan_to_date": int(t["plan_to_date"]),
        "floor_to_date": int(t["floor_to_date"]),
        "completion": t["to_date"] / (book.target * 100),
        "pace": t["pace"],
        "status": STATUS_WORDS[loc][t["status"]],
        "tier": label(pay["tier"], loc) if pay["tier"] else "",
        "rate": float(pay["rate"]),
        "commission": int(pay["commission"]),
        "next_tier": label(pay["next_tier"], loc) if pay["next_tier"] else "",
        "to_next_tier": int(pay["to_next_tier"]),
        "commission_at_next_tier": int(pay["commission_at_next_tier"]),
        "cumulative": cumulative[: int(t["week"])],
    }


def type_actuals(data: bytes, cents: list[int | None]) -> bytes:
    """Write the amounts into the Actuals sheet's input cells, as a user's Excel would."""
    src = zipfile.ZipFile(__import__("io").BytesIO(data))
    part = "xl/worksheets/sheet3.xml"  # Letter, Plan, Actuals
    cells = {(FIRST + 1 + w, 5): c / 100 for w, c in enumerate(cents) if c is not None}
    out = __import__("io").BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            z.writestr(info, set_cells(body, cells) if info.filename == part and cells else body)
    return out.getvalue()


def test_live_formulas_equal_the_engine_for_random_and_boundary_actuals(example_plan, tmp_path):
    rng = random.Random(20261123)
    cases = []
    for locale, mode, cap in VARIANTS:
        plan = variant(example_plan, locale, mode, cap)
        p = progress(plan)
        d = p.decomposition
        books = rep_books(p, plan)
        for k in range(CASES_PER_VARIANT):
            book = books[rng.randrange(len(books))]
            weeks = rng.choice((0, 1, 2, 5, 6, 9, 12, 13)) if k else 0
            cents = weekly_cents(totals_to_try(book, rng, weeks), weeks, rng, book)
            if weeks and all(c is None for c in cents):
                cents[-1] = 0
            path = tmp_path / f"{locale}_{mode}_{k:03d}_{book.rep_id}.xlsx"
            path.write_bytes(type_actuals(render_repbook(book), cents))
            cases.append((path, engine_values(plan, d, book, cents)))
    assert len(cases) >= 100
    computed = recalculate_many([p for p, _ in cases])
    boundaries = {"floor": 0, "status": set()}
    for path, want in cases:
        ws = computed[path].worksheets[2]
        got = {key: ws.cell(FIRST + 1 + k, 14).value for k, key in enumerate(SUMMARY)}
        where = f"{path.name}: {got} != {want}"
        assert got["latest_week"] == want["latest_week"], where
        for key in ("to_date", "plan_to_date", "floor_to_date", "commission", "to_next_tier",
                    "commission_at_next_tier"):  # fmt: skip
            assert round(got[key] * 100) == want[key], f"{key} in {where}"
        for key in ("status", "tier", "next_tier"):
            assert (got[key] or "") == want[key], f"{key} in {where}"
        assert got["rate"] == pytest.approx(want["rate"], abs=1e-12), where
        assert got["completion"] == pytest.approx(want["completion"], rel=1e-12), where
        if np.isnan(want["pace"]):
            assert got["pace"] in (None, ""), where
        else:
            assert got["pace"] == pytest.approx(want["pace"], rel=1e-12), where
        for w, cum in enumerate(want["cumulative"]):
            assert round(ws.cell(FIRST + 1 + w, 11).value * 100) == cum, where
        boundaries["status"].add(want["status"])
    each = ("RED", "AMBER", "GREEN")  # every status reached, in each locale's words
    assert boundaries["status"] == {w[s] for w in STATUS_WORDS.values() for s in each}
